export default function Home() {
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Welcome to Postern</h1>
      <p className="text-slate-600">
        Sign in from your terminal to get short-lived certificates for the databases your roles allow:
      </p>
      <pre className="rounded bg-slate-900 p-4 text-sm text-slate-100">postern login --proxy HOST:PORT --user NAME</pre>
      <p className="text-slate-600">The web console and single sign-on arrive in the next releases.</p>
    </section>
  );
}
