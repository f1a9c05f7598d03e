'use client';

import type { Cell, Column } from '@postern/console';
import { useEffect, useRef, useState } from 'react';

const ROW_HEIGHT = 28;
const OVERSCAN = 10;
const HEIGHT = 420;
/** Ask for more rows when the view is this many rows from the end. */
const PREFETCH_ROWS = 100;
const MIN_COL = 80;
const MAX_COL = 360;

/** Column widths from the header and the first rows (monospace: characters × 7.5 px). */
function widths(columns: Column[], rows: Cell[][]): number[] {
  return columns.map((c, i) => {
    let chars = c.name.length + 2;
    for (let r = 0; r < Math.min(rows.length, 100); r++) chars = Math.max(chars, Math.min(60, (rows[r]?.[i] ?? 'NULL').length));
    return Math.max(MIN_COL, Math.min(MAX_COL, chars * 7.5 + 20));
  });
}

/**
 * The rows of one statement, virtualized: only the rows in view (and a few around) are in
 * the DOM, so a result of a hundred thousand rows scrolls like one of ten. Scrolling near
 * the end asks for more (onNeedMore); the agent sends them when asked, never before.
 */
export function ResultGrid({ columns, rows, version, onNeedMore }: { columns: Column[]; rows: Cell[][]; version: number; onNeedMore(): void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [cols, setCols] = useState(() => widths(columns, rows));
  // Widths are measured once the first rows are in, then kept (columns that jump are hard to read).
  const measured = rows.length > 0;
  useEffect(() => {
    if (measured) setCols(widths(columns, rows));
  }, [columns, measured]); // rows: only their first batch matters

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + HEIGHT) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    if (rows.length - last < PREFETCH_ROWS) onNeedMore();
  }, [last, rows.length, version, onNeedMore]);

  const total = cols.reduce((a, b) => a + b, 0) + 64;
  const template = `64px ${cols.map((w) => `${w}px`).join(' ')}`;
  return (
    <div
      ref={scroller}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      className="relative overflow-auto rounded border border-slate-200 bg-white font-mono text-xs"
      style={{ height: HEIGHT }}
      data-testid="console-grid"
      data-rows={rows.length}
      role="grid"
      aria-rowcount={rows.length + 1}
    >
      <div style={{ width: total, height: (rows.length + 1) * ROW_HEIGHT }} className="relative">
        <div role="row" className="sticky top-0 z-10 grid border-b border-slate-300 bg-slate-100 font-semibold text-slate-700" style={{ gridTemplateColumns: template, height: ROW_HEIGHT }}>
          <div className="px-2 py-1 text-right text-slate-400">#</div>
          {columns.map((c, i) => (
            <div key={i} role="columnheader" className="truncate border-l border-slate-200 px-2 py-1" title={`${c.name} (${c.type})`}>
              {c.name} <span className="font-normal text-slate-400">{c.type}</span>
            </div>
          ))}
        </div>
        {rows.slice(first, last).map((row, k) => {
          const index = first + k;
          return (
            <div
              key={index}
              role="row"
              data-testid="console-grid-row"
              className="absolute left-0 grid border-b border-slate-100 hover:bg-sky-50"
              style={{ top: (index + 1) * ROW_HEIGHT, height: ROW_HEIGHT, gridTemplateColumns: template, width: total }}
            >
              <div className="px-2 py-1 text-right text-slate-400">{index + 1}</div>
              {row.map((cell, i) => (
                <div key={i} role="gridcell" className="truncate border-l border-slate-100 px-2 py-1" title={cell ?? 'NULL'}>
                  {cell === null ? <span className="italic text-slate-400">NULL</span> : cell}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
