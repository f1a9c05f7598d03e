'use client';

import { forwardRef, useMemo, useRef, type KeyboardEvent } from 'react';
import { tokenize, type TokenKind } from './highlight';

const COLORS: Record<TokenKind, string> = {
  keyword: 'text-sky-700 font-semibold',
  string: 'text-emerald-700',
  identifier: 'text-violet-700',
  comment: 'text-slate-400 italic',
  number: 'text-amber-700',
  operator: 'text-slate-500',
  text: 'text-slate-900',
};

/** Same box for both layers, so the highlighted text sits exactly under the typed one. */
const LAYER = 'm-0 whitespace-pre-wrap break-words p-3 font-mono text-sm leading-6 [tab-size:4]';

interface Props {
  value: string;
  dialect: 'postgres' | 'mysql';
  onChange(value: string): void;
  /** Ctrl/Cmd+Enter: run the selection, or everything. Ctrl/Cmd+Shift+Enter: the statement under the cursor. */
  onRun(mode: 'selection' | 'statement'): void;
  disabled?: boolean;
}

/**
 * The SQL editor: a textarea whose text is transparent over a highlighted copy of it (the
 * caret, selection, undo and IME stay the browser's own). No editor library: the console
 * needs highlighting and keys, not a second text engine in the bundle.
 */
export const SqlEditor = forwardRef<HTMLTextAreaElement, Props>(function SqlEditor({ value, dialect, onChange, onRun, disabled }, ref) {
  const highlighted = useRef<HTMLPreElement>(null);
  const tokens = useMemo(() => tokenize(value, dialect), [value, dialect]);

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun(e.shiftKey ? 'statement' : 'selection');
      return;
    }
    if (e.key === 'Tab' && !e.shiftKey) {
      // A tab indents instead of leaving the editor.
      e.preventDefault();
      const t = e.currentTarget;
      const { selectionStart: s, selectionEnd: end } = t;
      onChange(`${value.slice(0, s)}  ${value.slice(end)}`);
      requestAnimationFrame(() => t.setSelectionRange(s + 2, s + 2));
    }
  }

  return (
    <div className="relative h-64 overflow-hidden rounded border border-slate-300 bg-white focus-within:border-sky-500">
      <pre ref={highlighted} aria-hidden className={`${LAYER} pointer-events-none absolute inset-0 overflow-hidden`}>
        {tokens.map((t, i) => (
          <span key={i} className={COLORS[t.kind]}>
            {t.text}
          </span>
        ))}
        {/* A trailing newline needs a character after it to take up its line. */}
        {'\n '}
      </pre>
      <textarea
        ref={ref}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (highlighted.current) {
            highlighted.current.scrollTop = e.currentTarget.scrollTop;
            highlighted.current.scrollLeft = e.currentTarget.scrollLeft;
          }
        }}
        disabled={disabled}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        aria-label="SQL"
        data-testid="console-editor"
        placeholder="select * from …   (Ctrl+Enter runs the selection or everything; Ctrl+Shift+Enter the statement under the cursor)"
        className={`${LAYER} absolute inset-0 h-full w-full resize-none overflow-auto bg-transparent text-transparent caret-slate-900 outline-none selection:bg-sky-200/60 placeholder:text-slate-400`}
      />
    </div>
  );
});
