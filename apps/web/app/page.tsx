import { redirect } from 'next/navigation';
import { currentSession } from '../lib/page-session';

export default async function Home() {
  redirect((await currentSession()) ? '/databases' : '/login');
}
