// The service's figures at the top of the console: accounts, clouds, tasks, runs, this month's
// traffic and mail, each a card of numbers.
import { useQuery } from '@tanstack/react-query';
import { Fragment, type ReactNode } from 'react';
import { useKindName } from '../../api/providers';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading } from '../../ui/components';
import { runWords } from '../runs/messages';
import { adminWords } from './messages';
import { statsQuery } from './queries';

function Card({ title, facts }: { title: string; facts: [string, ReactNode][] }) {
  return (
    <li className="card">
      <h3>{title}</h3>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
    </li>
  );
}

export function Stats() {
  const t = useMessages(adminWords);
  const r = useMessages(runWords);
  const f = useFormat();
  const kindName = useKindName();
  const stats = useQuery(statsQuery);
  if (stats.isPending) return <Loading />;
  if (stats.error) return <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />;
  const s = stats.data;
  const n = f.number;
  /** A tally ("google-drive: 3") in words, the largest first. */
  const tally = (counts: Record<string, number>, name: (key: string) => string) => {
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    return entries.length ? entries.map(([k, v]) => `${name(k) || k}: ${n(v)}`).join(', ') : t.none;
  };
  const statusName = (s: string) => (r.status as Record<string, string>)[s] ?? s;
  return (
    <ul className="cards admin-figures">
      <Card
        title={t.figAccounts}
        facts={[
          [t.inAll, n(s.users.total)],
          [t.suspended, n(s.users.suspended)],
          [t.admins, n(s.users.admins)],
          [t.newLast30, n(s.users.signedUpLast30Days)],
        ]}
      />
      <Card
        title={t.figClouds}
        facts={[
          [t.inAll, n(s.clouds.total)],
          [t.needingReauth, n(s.clouds.needingReauth)],
          [t.byKind, tally(s.clouds.byKind, kindName)],
        ]}
      />
      <Card
        title={t.figTasks}
        facts={[
          [t.inAll, n(s.tasks.total)],
          [t.scheduled, n(s.tasks.scheduled)],
          [t.paused, n(s.tasks.paused)],
        ]}
      />
      <Card
        title={t.figRuns}
        facts={[
          [t.queued, n(s.runs.queued)],
          [t.running, n(s.runs.running)],
          [t.endedLast24, tally(s.runs.endedLast24Hours, statusName)],
        ]}
      />
      <Card
        title={t.figTraffic}
        facts={[
          [t.copied, f.bytes(s.traffic.usedBytes)],
          [t.reserved, f.bytes(s.traffic.reservedBytes)],
          [t.overQuota, n(s.traffic.usersOverQuota)],
        ]}
      />
      <Card
        title={t.figMail}
        facts={[
          [t.mailPending, n(s.mail.pending)],
          [t.mailFailed, n(s.mail.failedLast24Hours)],
        ]}
      />
    </ul>
  );
}
