import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { NavBar } from '../components/nav-bar';
import { currentSession } from '../lib/page-session';
import './globals.css';

export const metadata: Metadata = { title: 'Postern', description: 'Identity-aware access to your databases' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await currentSession();
  return (
    <html lang="en">
      <head>{session ? <meta name="postern-csrf" content={session.csrf} /> : null}</head>
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <NavBar user={session ? { name: session.caller.name, roles: session.caller.roleNames, isAdmin: session.isAdmin } : undefined} />
        <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
      </body>
    </html>
  );
}
