import Link from 'next/link';
import type { AgentInfo } from '@postern/api';
import { PageHeader } from '../../../components/page-header';
import { authService } from '../../../lib/auth-service';
import { badge, card, table, td, th } from '../../../lib/class-names';
import { requireAdminSession } from '../../../lib/page-session';
import { timeAgo } from '../../../lib/relative-time';
import { DeleteAgentButton } from './delete-agent-button';

export const dynamic = 'force-dynamic';

function Status({ status }: { status: AgentInfo['status'] }) {
  return status === 'online' ? (
    <span className={`${badge} bg-emerald-100 text-emerald-800`}>online</span>
  ) : (
    <span className={`${badge} bg-slate-200 text-slate-700`}>offline</span>
  );
}

function Labels({ labels }: { labels: Record<string, string> }) {
  return (
    <span className="flex flex-wrap gap-1">
      {Object.entries(labels).map(([k, v]) => (
        <span key={k} className={`${badge} bg-sky-50 font-mono text-sky-800`}>
          {k}={v}
        </span>
      ))}
    </span>
  );
}

function AgentCard({ agent, now, canRemove }: { agent: AgentInfo; now: number; canRemove: boolean }) {
  return (
    <div className={card} data-testid={`agent-row-${agent.name}`}>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-b border-slate-100 px-3 py-2 text-sm">
        <span className="font-semibold">{agent.name}</span>
        <Status status={agent.status} />
        <span className="text-slate-500">version {agent.version || 'unknown'}</span>
        <span className="text-slate-500" title={agent.last_heartbeat ?? undefined} data-testid="agent-heartbeat">
          last heartbeat {timeAgo(agent.last_heartbeat, now)}
        </span>
        <span className="ml-auto font-mono text-xs text-slate-400">{agent.id}</span>
        {/* Removing revokes the host; an online agent (a compromised host that still runs) goes with force, after a warning. */}
        {canRemove ? <DeleteAgentButton id={agent.id} name={agent.name} online={agent.status === 'online'} /> : null}
      </div>
      {agent.databases.length === 0 ? (
        <p className="px-3 py-2 text-sm text-slate-500">Serves no database.</p>
      ) : (
        <table className={table}>
          <thead>
            <tr>
              <th className={th}>Database</th>
              <th className={th}>Protocol</th>
              <th className={th}>Address</th>
              <th className={th}>Labels</th>
              <th className={th}>Server version</th>
            </tr>
          </thead>
          <tbody>
            {agent.databases.map((d) => (
              <tr key={d.name} data-testid={`agent-db-${agent.name}-${d.name}`}>
                <td className={`${td} font-medium`}>{d.name}</td>
                <td className={td}>{d.protocol}</td>
                <td className={`${td} font-mono text-xs`}>{d.uri}</td>
                <td className={td}>
                  <Labels labels={d.labels} />
                </td>
                <td className={`${td} text-slate-600`}>{d.server_version || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export default async function AgentsPage() {
  const session = await requireAdminSession('/admin/agents', 'agent', 'list');
  const service = authService();
  // Online agents first: those that went away for good are at the end, to be removed.
  const agents = (await service.listAgents(session.caller)).sort((a, b) => Number(a.status === 'offline') - Number(b.status === 'offline'));
  const canRemove = service.allows(session.caller, 'agent', 'delete');
  const now = Date.now();
  return (
    <section>
      <PageHeader title="Agents" />
      <div className="space-y-4" data-testid="agents-list">
        {agents.map((a) => (
          <AgentCard key={a.id} agent={a} now={now} canRemove={canRemove} />
        ))}
        {agents.length === 0 ? (
          <p className="text-sm text-slate-500">
            No agent has joined yet. Create a join token under <Link href="/admin/tokens" className="text-sky-700 underline">Join tokens</Link>.
          </p>
        ) : null}
      </div>
    </section>
  );
}
