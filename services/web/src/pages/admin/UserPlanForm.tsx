// An account's plan (chosen from the plans) and its monthly traffic: the plan's, or a limit of its
// own in GB. Saved together; the server's refusal is shown under the button.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, must } from '../../api/client';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Select } from '../../ui/components';
import { Choices } from '../tasks/parts';
import { adminWords } from './messages';
import { adminKeys, fromGb, plansQuery, toGb, type AdminUser } from './queries';

export function UserPlanForm({ user }: { user: AdminUser }) {
  const t = useMessages(adminWords);
  const f = useFormat();
  const heading = useId();
  const queryClient = useQueryClient();
  const plans = useQuery(plansQuery);
  const [plan, setPlan] = useState(user.plan);
  const [mode, setMode] = useState<'plan' | 'own'>(user.trafficLimitBytes === null ? 'plan' : 'own');
  const [gb, setGb] = useState(user.trafficLimitBytes === null ? '' : toGb(user.trafficLimitBytes));
  const [checked, setChecked] = useState(false);

  const save = useMutation({
    mutationFn: (body: { plan: string; trafficLimitBytes: number | null }) =>
      must(api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id: user.id } }, body })),
    onSuccess: (updated) => {
      queryClient.setQueryData(adminKeys.user(user.id), updated);
      void queryClient.invalidateQueries({ queryKey: adminKeys.all });
    },
  });

  const bytes = mode === 'own' ? fromGb(gb) : null;
  const gbError = checked && mode === 'own' && bytes === null ? t.gbInvalid : null;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    save.reset();
    if (mode === 'own' && bytes === null) return;
    save.mutate({ plan, trafficLimitBytes: bytes });
  };

  const chosen = plans.data?.items.find((p) => p.id === plan);
  const options = (plans.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }));
  if (!options.some((o) => o.value === plan)) options.unshift({ value: plan, label: plan });

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.planTitle}</h2>
      <form className="admin-form" onSubmit={onSubmit} noValidate>
        <Select label={t.planLabel} value={plan} options={options} onChange={(e) => setPlan(e.target.value)} />
        <Choices
          legend={t.trafficLegend}
          name={`traffic-${user.id}`}
          value={mode}
          onChange={setMode}
          options={[
            { value: 'plan', label: t.trafficOfPlan(chosen ? f.bytes(chosen.monthlyTrafficBytes) : '…') },
            { value: 'own', label: t.trafficOwn },
          ]}
        />
        {mode === 'own' && (
          <Field
            label={t.trafficGb}
            inputMode="decimal"
            value={gb}
            onChange={(e) => setGb(e.target.value)}
            error={gbError}
            autoComplete="off"
          />
        )}
        <button type="submit" disabled={save.isPending}>
          {t.savePlan}
        </button>
        {save.isSuccess && (
          <p className="muted" role="status">
            {t.saved}
          </p>
        )}
        <ErrorMessage error={save.error} />
      </form>
    </section>
  );
}
