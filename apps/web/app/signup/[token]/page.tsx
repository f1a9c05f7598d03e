import { SignupForm } from './signup-form';

export default async function SignupPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <section className="mx-auto max-w-md space-y-6">
      <h1 className="text-2xl font-semibold">Set up your account</h1>
      <SignupForm token={token} />
    </section>
  );
}
