// The few Tailwind class strings every admin page shares, so tables and buttons look alike.
export const table = 'w-full border-collapse text-left text-sm';
export const th = 'border-b border-slate-200 px-3 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500';
export const td = 'border-b border-slate-100 px-3 py-2 align-top';
export const card = 'rounded border border-slate-200 bg-white';
export const input = 'w-full rounded border border-slate-300 px-3 py-1.5 text-sm';
export const button = 'rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50';
export const smallButton = 'rounded border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-100 disabled:opacity-50';
export const dangerButton = 'rounded border border-red-300 bg-white px-2 py-1 text-xs text-red-700 hover:bg-red-50 disabled:opacity-50';
export const badge = 'inline-block rounded px-1.5 py-0.5 text-xs font-medium';
