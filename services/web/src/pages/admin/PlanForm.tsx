// A plan's form, to create one or to change one: its id (fixed once made), name, monthly traffic in
// GB, the most tasks and clouds its accounts may have (empty: no limit), and the kinds of cloud
// they may add (every kind, or those ticked).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, must, type components } from '../../api/client';
import { providersQuery } from '../../api/queries';
import { useLang, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field } from '../../ui/components';
import { Choices } from '../tasks/parts';
import { adminWords } from './messages';
import { adminKeys, fromGb, toGb, type Plan } from './queries';

type Kind = components['schemas']['Provider']['kind'];
const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** A limit's field: null for empty, undefined when it is not a whole number from 0 to a million. */
function count(text: string): number | null | undefined {
  const s = text.trim();
  if (!s) return null;
  return /^\d{1,7}$/.test(s) && Number(s) <= 1_000_000 ? Number(s) : undefined;
}

export function PlanForm({ plan, onDone }: { plan?: Plan; onDone: (said: string) => void }) {
  const t = useMessages(adminWords);
  const { lang } = useLang();
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const queryClient = useQueryClient();
  const providers = useQuery(providersQuery);
  const [id, setId] = useState('');
  const [name, setName] = useState(plan?.name ?? '');
  const [gb, setGb] = useState(plan ? toGb(plan.monthlyTrafficBytes) : '');
  const [maxTasks, setMaxTasks] = useState(plan?.maxTasks?.toString() ?? '');
  const [maxClouds, setMaxClouds] = useState(plan?.maxClouds?.toString() ?? '');
  const [kindsMode, setKindsMode] = useState<'all' | 'some'>(plan?.allowedProviders ? 'some' : 'all');
  const [kinds, setKinds] = useState<string[]>(plan?.allowedProviders ?? []);
  const [checked, setChecked] = useState(false);
  // Opened to change a plan: the form is where the work goes on now.
  useEffect(() => {
    if (plan) heading.current?.focus();
  }, []);

  const save = useMutation({
    mutationFn: async (fields: {
      name: string;
      monthlyTrafficBytes: number;
      maxTasks: number | null;
      maxClouds: number | null;
      allowedProviders: Kind[] | null;
    }) =>
      plan
        ? must(api.PATCH('/api/v1/admin/plans/{id}', { params: { path: { id: plan.id } }, body: fields }))
        : must(api.POST('/api/v1/admin/plans', { body: { id, ...fields } })),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.all });
      onDone(plan ? t.planSaved(saved.name) : t.planCreated(saved.name));
      if (!plan) {
        setId('');
        setName('');
        setGb('');
        setMaxTasks('');
        setMaxClouds('');
        setKindsMode('all');
        setKinds([]);
        setChecked(false);
      }
    },
  });

  const errors = {
    id: !plan && !ID.test(id) ? t.planIdInvalid : null,
    name: !name.trim() ? t.planNameMissing : null,
    gb: fromGb(gb) === null ? t.gbInvalid : null,
    maxTasks: count(maxTasks) === undefined ? t.countInvalid : null,
    maxClouds: count(maxClouds) === undefined ? t.countInvalid : null,
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (Object.values(errors).some(Boolean) || save.isPending) return;
    save.mutate({
      name: name.trim(),
      monthlyTrafficBytes: fromGb(gb)!,
      maxTasks: count(maxTasks) ?? null,
      maxClouds: count(maxClouds) ?? null,
      allowedProviders: kindsMode === 'all' ? null : (kinds as Kind[]),
    });
  };
  const shown = (e: string | null) => (checked ? e : null);
  const toggle = (kind: string, on: boolean) =>
    setKinds((now) => (on ? [...now.filter((k) => k !== kind), kind] : now.filter((k) => k !== kind)));

  return (
    <section aria-labelledby={headingId} className="admin-plan-form">
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {plan ? t.editPlan(plan.name) : t.newPlan}
      </h2>
      <form className="admin-form" onSubmit={onSubmit} noValidate>
        {!plan && (
          <Field
            label={t.planId}
            hint={t.planIdHint}
            value={id}
            maxLength={40}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setId(e.target.value)}
            error={shown(errors.id)}
          />
        )}
        <Field
          label={t.planName}
          hint={t.planNameHint}
          value={name}
          maxLength={100}
          autoComplete="off"
          onChange={(e) => setName(e.target.value)}
          error={shown(errors.name)}
        />
        <Field
          label={t.monthlyGb}
          inputMode="decimal"
          value={gb}
          autoComplete="off"
          onChange={(e) => setGb(e.target.value)}
          error={shown(errors.gb)}
        />
        <Field
          label={t.maxTasks}
          hint={t.limitHint}
          inputMode="numeric"
          value={maxTasks}
          autoComplete="off"
          onChange={(e) => setMaxTasks(e.target.value)}
          error={shown(errors.maxTasks)}
        />
        <Field
          label={t.maxClouds}
          hint={t.limitHint}
          inputMode="numeric"
          value={maxClouds}
          autoComplete="off"
          onChange={(e) => setMaxClouds(e.target.value)}
          error={shown(errors.maxClouds)}
        />
        <Choices
          legend={t.providersLegend}
          name={`kinds-${headingId}`}
          value={kindsMode}
          onChange={setKindsMode}
          options={[
            { value: 'all', label: t.providersAll },
            { value: 'some', label: t.providersSome },
          ]}
        />
        {kindsMode === 'some' && (
          <fieldset>
            <legend>{t.colProviders}</legend>
            {(providers.data ?? []).map((p) => (
              <label key={p.kind} className="choice">
                <input
                  type="checkbox"
                  checked={kinds.includes(p.kind)}
                  onChange={(e) => toggle(p.kind, e.target.checked)}
                />
                <span>{p.titles[lang]}</span>
              </label>
            ))}
            <ErrorMessage error={providers.error} />
          </fieldset>
        )}
        <div className="actions">
          <button type="submit" disabled={save.isPending}>
            {plan ? t.saveChanges : t.createPlan}
          </button>
          {plan && (
            <button type="button" className="secondary" onClick={() => onDone('')} disabled={save.isPending}>
              {t.cancel}
            </button>
          )}
        </div>
        <ErrorMessage error={save.error} />
      </form>
    </section>
  );
}
