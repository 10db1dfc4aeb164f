// The task wizard: /tasks/new (?source=<cloudId> preselects the source) and /tasks/:id/edit. Five
// steps a person understands; each is checked with the API's own rules (POST /tasks/check) before
// the next, the API's message shown beside what it is about, and focus moves to each step's heading.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { cloudsQuery, keys, providersQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Loading, Page } from '../../ui/components';
import {
  createBodyOf,
  destinationOf,
  draftOf,
  emptyDraft,
  fieldMessage,
  filterOf,
  notifyOf,
  optionsOf,
  patchBodyOf,
  scheduleOf,
  sourceOf,
  stepOfMessage,
  type Draft,
} from './draft';
import { taskWords } from './messages';
import { taskQuery } from './queries';
import { DestinationStep, NameStep, OptionsStep, ScheduleStep, SourceStep, STEP_FIELDS } from './WizardSteps';
import type { Cloud, Task } from './words';
import './tasks.css';

export default function TaskWizard() {
  const t = useMessages(taskWords);
  const { id } = useParams();
  const [search] = useSearchParams();
  const task = useQuery({ ...taskQuery(id ?? ''), enabled: Boolean(id) });
  const clouds = useQuery(cloudsQuery);
  const providers = useQuery(providersQuery);
  const title = id ? (task.data ? t.editTitle(task.data.name) : t.taskTitle) : t.newTitle;

  const failed = (id && task.error) || clouds.error || providers.error;
  if (failed) {
    return (
      <Page title={title}>
        <ErrorMessage
          error={failed}
          onRetry={() => void Promise.all([task.refetch(), clouds.refetch(), providers.refetch()])}
        />
      </Page>
    );
  }
  if ((id && !task.data) || !clouds.data || !providers.data) {
    return (
      <Page title={title}>
        <Loading />
      </Page>
    );
  }
  const all = clouds.data.items;
  const can = (role: 'source' | 'destination') =>
    all.filter((c) => providers.data.find((p) => p.kind === c.kind)?.[role]);
  const sources = can('source');
  const destinations = can('destination');
  if (!id && (!sources.length || !destinations.length)) {
    return (
      <Page title={title}>
        <Empty
          title={t.needCloudsTitle}
          action={
            <Link className="button" to="/clouds/new">
              {t.addCloud}
            </Link>
          }
        >
          <p>{t.needCloudsText}</p>
        </Empty>
      </Page>
    );
  }
  const preselected = search.get('source');
  const initial = task.data
    ? draftOf(task.data)
    : emptyDraft(sources.some((c) => c.id === preselected) ? preselected! : '');
  return (
    <Wizard
      key={task.data?.id ?? 'new'}
      title={title}
      task={task.data}
      initial={initial}
      clouds={all}
      sources={sources}
      destinations={destinations}
    />
  );
}

const STEPS = 5;

/** The part of the task a step is about, for POST /tasks/check. */
function partOf(step: number, d: Draft) {
  switch (step) {
    case 0:
      return { source: sourceOf(d) };
    case 1:
      // With the source: the API refuses folders that overlap on one cloud.
      return { source: sourceOf(d), destination: destinationOf(d) };
    case 2:
      return { schedule: scheduleOf(d) };
    case 3:
      return { filter: filterOf(d), options: optionsOf(d), notify: notifyOf(d) };
    default:
      return { name: d.name.trim() };
  }
}

function Wizard({
  title,
  task,
  initial,
  clouds,
  sources,
  destinations,
}: {
  title: string;
  task?: Task;
  initial: Draft;
  clouds: Cloud[];
  sources: Cloud[];
  destinations: Cloud[];
}) {
  const t = useMessages(taskWords);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const [step, setStep] = useState(0);
  // The API's refusal and the step it is about.
  const [problem, setProblem] = useState<{ step: number; error: unknown } | null>(null);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setProblem(null);
  };

  const cloudName = (cid: string) => clouds.find((c) => c.id === cid)?.name ?? '';
  const defaultName =
    draft.sourceCloudId && draft.destCloudId
      ? t.defaultName(cloudName(draft.sourceCloudId), cloudName(draft.destCloudId))
      : '';
  const named: Draft = draft.nameEdited ? draft : { ...draft, name: defaultName };

  // Focus follows the step: its heading, or the first field the API refused.
  const form = useRef<HTMLFormElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (moved.current) heading.current?.focus();
    moved.current = false;
  }, [step]);
  useEffect(() => {
    if (!problem) return;
    const invalid =
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.current?.querySelector<HTMLElement>('[role="alert"]');
    if (invalid) {
      if (invalid.getAttribute('role') === 'alert') invalid.tabIndex = -1;
      invalid.focus();
    }
  }, [problem]);
  const goTo = (n: number) => {
    moved.current = true;
    setStep(n);
  };

  const check = useMutation({
    mutationFn: (n: number) => {
      if (n === 0 && !draft.sourceCloudId) throw new ApiError(400, 'invalid_request', t.pickCloud);
      if (n === 1 && !draft.destCloudId) throw new ApiError(400, 'invalid_request', t.pickCloud);
      return must(
        api.POST('/api/v1/tasks/check', { params: { query: task ? { taskId: task.id } : {} }, body: partOf(n, named) }),
      );
    },
    onSuccess: (_, n) => goTo(n + 1),
    onError: (error, n) => setProblem({ step: n, error }),
  });

  const save = useMutation({
    mutationFn: () =>
      task
        ? must(api.PATCH('/api/v1/tasks/{id}', { params: { path: { id: task.id } }, body: patchBodyOf(named) }))
        : must(api.POST('/api/v1/tasks', { body: createBodyOf(named) })),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.task(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: keys.tasks });
      navigate(`/tasks/${saved.id}`);
    },
    onError: (error) => {
      // A refusal names its field: back to the step it is about.
      const at =
        error instanceof ApiError && error.status === 400 ? (stepOfMessage(error.message) ?? STEPS - 1) : STEPS - 1;
      if (at !== step) goTo(at);
      setProblem({ step: at, error });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (check.isPending || save.isPending) return;
    setProblem(null);
    if (step < STEPS - 1) check.mutate(step);
    else save.mutate();
  };

  const busy = check.isPending || save.isPending;
  const message = problem?.step === step && problem.error instanceof ApiError ? problem.error.message : undefined;
  // What no field of this step shows goes under the step, beside its buttons.
  const unclaimed = problem?.step === step ? rest(problem.error, STEP_FIELDS[step]) : null;
  const stepProps = { draft: named, set, message };

  return (
    <Page title={title}>
      <ol className="wizard-steps" aria-label={t.stepsLabel}>
        {t.steps.map((name, i) => (
          <li key={name} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : undefined}>
            <span className="num" aria-hidden="true">
              {i + 1}
            </span>
            {/* Back to a step done, or, changing a task, to any step: saving checks them all. */}
            {i !== step && (task || i < step) && !busy ? (
              <button type="button" className="link" onClick={() => goTo(i)}>
                {name}
              </button>
            ) : (
              name
            )}
          </li>
        ))}
      </ol>
      <form ref={form} onSubmit={submit} noValidate className="wizard">
        <h2 ref={heading} tabIndex={-1}>
          <span className="muted step-of">{t.stepOf(step + 1, STEPS)}: </span>
          {t.steps[step]}
        </h2>
        {step === 0 && <SourceStep {...stepProps} sources={sources} />}
        {step === 1 && <DestinationStep {...stepProps} destinations={destinations} clouds={clouds} />}
        {step === 2 && <ScheduleStep {...stepProps} />}
        {step === 3 && <OptionsStep {...stepProps} />}
        {step === 4 && <NameStep {...stepProps} clouds={clouds} defaultName={defaultName} />}
        {unclaimed ? <ErrorMessage error={unclaimed} /> : null}
        <div className="actions wizard-buttons">
          {step > 0 && (
            <button type="button" className="secondary" onClick={() => goTo(step - 1)} disabled={busy}>
              {t.back}
            </button>
          )}
          <button type="submit" disabled={busy}>
            {busy
              ? step < STEPS - 1
                ? t.checking
                : t.saving
              : step < STEPS - 1
                ? t.next
                : task
                  ? t.saveChanges
                  : t.create}
          </button>
        </div>
      </form>
    </Page>
  );
}

/** The error without the parts a field of the step shows beside itself; null when nothing is left. */
function rest(error: unknown, fields: string[]): unknown {
  if (!(error instanceof ApiError)) return error;
  const parts = error.message.split('; ').filter((p) => !fields.some((f) => fieldMessage(p, f)));
  if (!parts.length) return null;
  return new ApiError(error.status, error.code, parts.join('; '));
}
