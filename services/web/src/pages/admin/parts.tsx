// Pieces the console's pages share: their own navigation (accounts, plans, audit log) and an
// account's last run in words.
import { NavLink } from 'react-router';
import { useFormat, useMessages } from '../../i18n/i18n';
import { runWords } from '../runs/messages';
import { StatusBadge, type RunStatus } from '../runs/status';
import { adminWords } from './messages';
import type { AdminUser } from './queries';

export function AdminNav() {
  const t = useMessages(adminWords);
  const links = [
    { to: '/admin', label: t.accountsNav, end: true },
    { to: '/admin/plans', label: t.plansNav },
    { to: '/admin/audit', label: t.auditNav },
  ];
  return (
    <nav className="admin-nav" aria-label={t.consoleNav}>
      <ul>
        {links.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The status (as the run pages say it) and when it started; "Never" without one. */
export function LastRun({ run }: { run: AdminUser['lastRun'] }) {
  const t = useMessages(adminWords);
  const r = useMessages(runWords);
  const f = useFormat();
  if (!run) return <>{t.never}</>;
  const known = run.status in r.status;
  return (
    <>
      {known ? <StatusBadge status={run.status as RunStatus} /> : <span className="badge">{run.status}</span>}{' '}
      <span className="nowrap">{f.dateTime(run.createdAt)}</span>
    </>
  );
}
