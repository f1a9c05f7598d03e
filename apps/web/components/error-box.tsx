/** A server's message for a person, shown where the action was taken. */
export function ErrorBox({ message, testId = 'error' }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <p role="alert" data-testid={testId} className="whitespace-pre-wrap rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800">
      {message}
    </p>
  );
}
