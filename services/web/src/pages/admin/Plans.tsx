// The plans (/admin/plans): each with its traffic, limits, kinds of cloud and how many accounts are
// on it; Edit opens its form, Remove asks first (and shows the server's refusal while accounts are
// on it); below, the form that creates one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useKindName } from '../../api/providers';
import { useFormat, useMessages } from '../../i18n/i18n';
import { api, must } from '../../api/client';
import { Empty, ErrorMessage, Loading, Page } from '../../ui/components';
import { adminWords } from './messages';
import { AdminNav } from './parts';
import { PlanForm } from './PlanForm';
import { adminKeys, plansQuery, type Plan } from './queries';
import './admin.css';

export default function Plans() {
  const t = useMessages(adminWords);
  const plans = useQuery(plansQuery);
  const [editing, setEditing] = useState<string | null>(null);
  const [said, setSaid] = useState('');
  const edited = plans.data?.items.find((p) => p.id === editing);
  const done = (message: string) => {
    setEditing(null);
    setSaid(message);
  };

  return (
    <Page title={t.plansTitle}>
      <AdminNav />
      {plans.isPending ? (
        <Loading />
      ) : plans.error ? (
        <ErrorMessage error={plans.error} onRetry={() => void plans.refetch()} />
      ) : plans.data.items.length === 0 ? (
        <Empty title={t.plansTitle} />
      ) : (
        <PlanTable
          plans={plans.data.items}
          onEdit={(id) => {
            setSaid('');
            setEditing(id);
          }}
          onRemoved={done}
        />
      )}
      <p className="muted" role="status">
        {said}
      </p>
      {edited ? <PlanForm key={edited.id} plan={edited} onDone={done} /> : <PlanForm key="new" onDone={done} />}
    </Page>
  );
}

function PlanTable({
  plans,
  onEdit,
  onRemoved,
}: {
  plans: Plan[];
  onEdit: (id: string) => void;
  onRemoved: (said: string) => void;
}) {
  const t = useMessages(adminWords);
  const f = useFormat();
  const kindName = useKindName();
  const limit = (n: number | null) => (n === null ? t.noLimit : f.number(n));
  return (
    <table className="admin-table" role="table">
      <thead role="rowgroup">
        <tr role="row">
          <th scope="col" role="columnheader">
            {t.colName}
          </th>
          <th scope="col" role="columnheader">
            {t.colId}
          </th>
          <th scope="col" role="columnheader">
            {t.colMonthly}
          </th>
          <th scope="col" role="columnheader">
            {t.colMaxTasks}
          </th>
          <th scope="col" role="columnheader">
            {t.colMaxClouds}
          </th>
          <th scope="col" role="columnheader">
            {t.colProviders}
          </th>
          <th scope="col" role="columnheader">
            {t.colUsers}
          </th>
          <th scope="col" role="columnheader">
            <span className="visually-hidden">{t.colActions}</span>
          </th>
        </tr>
      </thead>
      <tbody role="rowgroup">
        {plans.map((p) => (
          <tr key={p.id} role="row">
            <th scope="row" role="rowheader">
              {p.name}
            </th>
            <td role="cell" data-label={t.colId}>
              <code>{p.id}</code>
            </td>
            <td role="cell" data-label={t.colMonthly}>
              {f.bytes(p.monthlyTrafficBytes)}
            </td>
            <td role="cell" data-label={t.colMaxTasks}>
              {limit(p.maxTasks)}
            </td>
            <td role="cell" data-label={t.colMaxClouds}>
              {limit(p.maxClouds)}
            </td>
            <td role="cell" data-label={t.colProviders}>
              {p.allowedProviders === null
                ? t.everyKind
                : p.allowedProviders.map((k) => kindName(k) || k).join(', ') || t.none}
            </td>
            <td role="cell" data-label={t.colUsers}>
              {f.number(p.users)}
            </td>
            <td role="cell" className="admin-row-actions">
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  aria-label={t.editLabel(p.name)}
                  onClick={() => onEdit(p.id)}
                >
                  {t.edit}
                </button>
                <RemovePlan plan={p} onRemoved={onRemoved} />
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Remove, then a question whose answer does it; while accounts are on the plan it says Ferry will refuse. */
function RemovePlan({ plan, onRemoved }: { plan: Plan; onRemoved: (said: string) => void }) {
  const t = useMessages(adminWords);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const remove = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/admin/plans/{id}', { params: { path: { id: plan.id } } })),
    onSuccess: () => {
      onRemoved(t.removed(plan.name));
      return queryClient.invalidateQueries({ queryKey: adminKeys.all });
    },
  });
  if (!asking)
    return (
      <button type="button" className="secondary" aria-label={t.removeLabel(plan.name)} onClick={() => setAsking(true)}>
        {t.remove}
      </button>
    );
  return (
    <div className="admin-ask" role="group" aria-label={t.removeLabel(plan.name)}>
      <p>{t.removeQuestion(plan.name)}</p>
      {plan.users > 0 && <p className="muted">{t.removeInUse(plan.users)}</p>}
      <div className="actions">
        <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          {t.removeYes}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setAsking(false);
            remove.reset();
          }}
          disabled={remove.isPending}
          autoFocus
        >
          {t.removeNo}
        </button>
      </div>
      <ErrorMessage error={remove.error} />
    </div>
  );
}
