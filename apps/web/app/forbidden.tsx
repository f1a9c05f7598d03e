import Link from 'next/link';

export default function Forbidden() {
  return (
    <section className="mx-auto max-w-lg space-y-3 rounded border border-amber-300 bg-amber-50 p-6">
      <h1 className="text-xl font-semibold">Not allowed</h1>
      <p>Your roles do not allow this page. Ask an admin for a role that does.</p>
      <Link href="/databases" className="text-sky-700 underline">
        Back to your databases
      </Link>
    </section>
  );
}
