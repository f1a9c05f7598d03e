'use client';

import type { DatabaseInfo } from '@postern/api';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { badge, card, input, smallButton, table, td, th } from '../../lib/class-names';
import { filtersQuery, labelChoices, labelToken, matchesFilters, toggleLabel, type DatabaseFilters } from './database-filters';

const PROTOCOL_NAMES: Record<DatabaseInfo['protocol'], string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

function Status({ db }: { db: DatabaseInfo }) {
  const online = db.status === 'online';
  return (
    <span data-testid={`db-status-${db.name}`} data-status={db.status} className="inline-flex items-center gap-1.5">
      <span aria-hidden className={`inline-block h-2 w-2 rounded-full ${online ? 'bg-emerald-500' : 'bg-slate-400'}`} />
      <span className={online ? 'text-emerald-700' : 'text-slate-500'}>{db.status}</span>
    </span>
  );
}

/**
 * The databases the roles allow, filtered in the browser. The filters live in the URL
 * (replaceState: no reload, no new history entry per keystroke) so a filtered view can be
 * shared.
 */
export function DatabaseList({ databases, initial }: { databases: DatabaseInfo[]; initial: DatabaseFilters }) {
  const [filters, setFilters] = useState<DatabaseFilters>(initial);
  const choices = useMemo(() => labelChoices(databases), [databases]);
  const shown = databases.filter((db) => matchesFilters(db, filters));

  function update(next: DatabaseFilters) {
    setFilters(next);
    window.history.replaceState(null, '', `${window.location.pathname}${filtersQuery(next)}`);
  }

  if (databases.length === 0) {
    return (
      <p className={`${card} p-4 text-sm text-slate-600`} data-testid="db-empty">
        Your roles allow no database yet. Ask an admin for a role whose <code>db_labels</code> match the databases you need.
      </p>
    );
  }

  const filtered = filters.q !== '' || filters.labels.length > 0;
  return (
    <div className="space-y-4">
      <div className={`${card} space-y-3 p-3`}>
        <label className="block text-sm">
          <span className="sr-only">Search databases</span>
          <input
            type="search"
            value={filters.q}
            onChange={(e) => update({ ...filters, q: e.target.value })}
            placeholder="Search by name, protocol or label"
            data-testid="db-search"
            className={input}
          />
        </label>
        {choices.length > 0 ? (
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm" role="group" aria-label="Filter by label" data-testid="db-label-filters">
            {choices.map(([key, values]) => (
              <span key={key} className="inline-flex flex-wrap items-center gap-1">
                <span className="text-xs font-medium text-slate-500">{key}</span>
                {values.map((value) => {
                  const token = labelToken(key, value);
                  const on = filters.labels.includes(token);
                  return (
                    <button
                      key={token}
                      type="button"
                      aria-pressed={on}
                      onClick={() => update(toggleLabel(filters, token))}
                      data-testid={`label-filter-${token}`}
                      className={`rounded-full border px-2 py-0.5 text-xs ${on ? 'border-sky-700 bg-sky-700 text-white' : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-100'}`}
                    >
                      {value}
                    </button>
                  );
                })}
              </span>
            ))}
            {filtered ? (
              <button type="button" onClick={() => update({ q: '', labels: [] })} className="text-xs text-sky-700 hover:underline" data-testid="db-clear-filters">
                Clear filters
              </button>
            ) : null}
          </div>
        ) : null}
      </div>

      <p className="text-sm text-slate-500" data-testid="db-count" aria-live="polite">
        {filtered ? `${shown.length} of ${databases.length} databases` : `${databases.length} database${databases.length === 1 ? '' : 's'}`}
      </p>

      <div className={`${card} overflow-x-auto`}>
        <table className={table} data-testid="db-table">
          <thead>
            <tr>
              <th className={th}>Name</th>
              <th className={th}>Protocol</th>
              <th className={th}>Labels</th>
              <th className={th}>Status</th>
              <th className={th}>Agents</th>
              <th className={th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((db) => (
              <tr key={db.name} data-testid={`db-row-${db.name}`} data-status={db.status}>
                <td className={td}>
                  <span className="font-medium" data-testid={`db-name-${db.name}`}>
                    {db.name}
                  </span>
                  {db.server_version ? <span className="block text-xs text-slate-500">{db.server_version}</span> : null}
                </td>
                <td className={td} data-testid={`db-protocol-${db.name}`} data-protocol={db.protocol}>
                  {PROTOCOL_NAMES[db.protocol]}
                </td>
                <td className={td} data-testid={`db-labels-${db.name}`}>
                  <span className="flex flex-wrap gap-1">
                    {Object.entries(db.labels)
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([k, v]) => (
                        <span key={k} className={`${badge} bg-slate-100 text-slate-700`}>
                          {k}: {v}
                        </span>
                      ))}
                  </span>
                </td>
                <td className={td}>
                  <Status db={db} />
                </td>
                <td className={td} data-testid={`db-agents-${db.name}`}>
                  {db.agents}
                </td>
                <td className={`${td} whitespace-nowrap text-right`}>
                  <span className="inline-flex gap-2">
                    <Link href={`/console/${encodeURIComponent(db.name)}`} className={smallButton} data-testid={`open-console-${db.name}`}>
                      Open console
                    </Link>
                    <Link href={`/databases/${encodeURIComponent(db.name)}/connect`} className={smallButton} data-testid={`connect-${db.name}`}>
                      Connect from your machine
                    </Link>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 ? (
          <p className="p-3 text-sm text-slate-500" data-testid="db-no-match">
            No database matches these filters.
          </p>
        ) : null}
      </div>
    </div>
  );
}
