// One account (/admin/users/:id): its usage, clouds, tasks, last run, when it was made and whether
// its address is confirmed; its plan and own traffic limit; suspending or resuming it.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useParams } from 'react-router';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page, ProgressBar } from '../../ui/components';
import { adminWords } from './messages';
import { AdminNav, LastRun } from './parts';
import { plansQuery, userQuery, type AdminUser } from './queries';
import { Suspension } from './Suspension';
import { UserPlanForm } from './UserPlanForm';
import './admin.css';

export default function UserPage() {
  const t = useMessages(adminWords);
  const { id = '' } = useParams();
  const user = useQuery(userQuery(id));
  return (
    <Page title={user.data?.email ?? t.details}>
      <AdminNav />
      {user.isPending ? (
        <Loading />
      ) : user.error ? (
        <ErrorMessage error={user.error} onRetry={() => void user.refetch()} />
      ) : (
        <div className="admin-user">
          <Details user={user.data} />
          <UserPlanForm user={user.data} />
          <Suspension user={user.data} />
        </div>
      )}
    </Page>
  );
}

function Details({ user }: { user: AdminUser }) {
  const t = useMessages(adminWords);
  const f = useFormat();
  const heading = useId();
  const plans = useQuery(plansQuery);
  const plan = plans.data?.items.find((p) => p.id === user.plan);
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.details}</h2>
      {(user.suspendedAt || user.admin) && (
        <p className="admin-badges">
          {user.suspendedAt && <span className="badge bad">{t.suspendedBadge}</span>}
          {user.admin && <span className="badge">{t.adminBadge}</span>}
        </p>
      )}
      <ProgressBar
        label={t.usage}
        value={user.usage.usedBytes}
        max={user.usage.limitBytes}
        text={t.ofLimit(f.bytes(user.usage.usedBytes), f.bytes(user.usage.limitBytes))}
      />
      <dl className="facts">
        <dt>{t.planLabel}</dt>
        <dd>{plan ? `${plan.name} (${plan.id})` : user.plan}</dd>
        <dt>{t.ownLimit}</dt>
        <dd>{user.trafficLimitBytes === null ? t.plansOwn : f.bytes(user.trafficLimitBytes)}</dd>
        <dt>{t.colClouds}</dt>
        <dd>{f.number(user.clouds)}</dd>
        <dt>{t.colTasks}</dt>
        <dd>{f.number(user.tasks)}</dd>
        <dt>{t.colLastRun}</dt>
        <dd>
          <LastRun run={user.lastRun} />
        </dd>
        <dt>{t.created}</dt>
        <dd>{f.dateTime(user.createdAt)}</dd>
        <dt>{t.addressConfirmed}</dt>
        <dd>{user.emailVerified ? t.yes : t.no}</dd>
      </dl>
    </section>
  );
}
