'use client';

import { useState } from 'react';

/** Copies `text`; secrets shown once (sign-up links, join tokens) are meant to be pasted elsewhere. */
export function CopyButton({ text, testId, label = 'Copy' }: { text: string; testId?: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return (
    <button
      type="button"
      onClick={copy}
      data-testid={testId}
      className="shrink-0 rounded border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-100"
    >
      {copied ? 'Copied' : label}
    </button>
  );
}
