// The wizard's five steps, each a set of fields over the draft. The wizard itself (TaskWizard.tsx)
// moves between them, checks each with the API and saves; a step only shows and edits.
import { useId, useMemo } from 'react';
import { Link } from 'react-router';
import { useLang, useMessages } from '../../i18n/i18n';
import { Field, Select } from '../../ui/components';
import { useKindName } from '../../api/providers';
import {
  destinationPath,
  fieldMessage,
  filterOf,
  notifyOf,
  optionsOf,
  scheduleOf,
  verifyPatch,
  verifyScheduleFields,
  type Draft,
  type ScheduleFields,
} from './draft';
import FolderBrowser from './FolderBrowser';
import { taskWords } from './messages';
import { Choices, TextArea } from './parts';
import {
  folderWords,
  useConflictWords,
  useFilterWords,
  useNotifyWords,
  useScheduleWords,
  useVersionsWords,
  weekdayNames,
  type Cloud,
} from './words';

export interface StepProps {
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  /** The API's message about this step, if it refused it. */
  message?: string;
}

/** The fields each step shows its part of an API message beside; the rest goes under the step. */
export const STEP_FIELDS: string[][] = [
  [],
  ['destination.path'],
  ['schedule.time', 'schedule.timezone', 'schedule.weekday', 'schedule.monthday', 'schedule.frequency'],
  [
    'filter.mediaTypes',
    'filter.include',
    'filter.exclude',
    'filter.minSize',
    'filter.maxSize',
    'filter.after',
    'filter.before',
    'options.conflict',
    'options.layout',
    'options.versions',
    'options.verifySchedule',
    'notify.on',
    'notify.email',
    'notify.webhook.url',
    'notify.webhook.secret',
  ],
  ['name'],
];

function CloudChoice({
  legend,
  hint,
  name,
  clouds,
  value,
  onChange,
  none,
}: {
  legend: string;
  hint: string;
  name: string;
  clouds: Cloud[];
  value: string;
  onChange: (id: string) => void;
  none: string;
}) {
  const kindName = useKindName();
  const t = useMessages(taskWords);
  if (!clouds.length) {
    return (
      <div className="notice warn">
        <p>{none}</p>
        <p>
          <Link to="/clouds/new">{t.addCloud}</Link>
        </p>
      </div>
    );
  }
  return (
    <Choices
      legend={legend}
      hint={hint}
      name={name}
      value={value}
      onChange={onChange}
      options={clouds.map((c) => ({
        value: c.id,
        label: (
          <>
            {c.name} <span className="muted">({kindName(c.kind)})</span>
          </>
        ),
      }))}
    />
  );
}

export function SourceStep({ draft, set, sources }: StepProps & { sources: Cloud[] }) {
  const t = useMessages(taskWords);
  return (
    <>
      <CloudChoice
        legend={t.sourceCloud}
        hint={t.sourceHint}
        name="source-cloud"
        clouds={sources}
        value={draft.sourceCloudId}
        none={t.noSources}
        onChange={(id) => set({ sourceCloudId: id, sourcePath: '', pickerSessionId: undefined })}
      />
      {draft.sourceCloudId && (
        <FolderBrowser
          cloudId={draft.sourceCloudId}
          value={draft.sourcePath}
          onChange={(p) => set({ sourcePath: p })}
          label={t.sourceFolder}
        />
      )}
    </>
  );
}

export function DestinationStep({
  draft,
  set,
  message,
  destinations,
  clouds,
}: StepProps & { destinations: Cloud[]; clouds: Cloud[] }) {
  const t = useMessages(taskWords);
  const cloud = clouds.find((c) => c.id === draft.destCloudId);
  return (
    <>
      <CloudChoice
        legend={t.destCloud}
        hint={t.destHint}
        name="destination-cloud"
        clouds={destinations}
        value={draft.destCloudId}
        none={t.noDestinations}
        onChange={(id) => set({ destCloudId: id, destPath: '' })}
      />
      {draft.destCloudId && (
        <>
          <FolderBrowser
            cloudId={draft.destCloudId}
            value={draft.destPath}
            onChange={(p) => set({ destPath: p })}
            label={t.destFolder}
          />
          <Field
            label={t.newFolder}
            hint={t.newFolderHint}
            value={draft.newFolder}
            onChange={(e) => set({ newFolder: e.target.value })}
            error={fieldMessage(message, 'destination.path')}
            autoComplete="off"
          />
          <p className="copies-go">
            {t.copiesGoTo(t.copiesFrom(cloud?.name ?? '', folderWords(destinationPath(draft), t.topFolder)))}
          </p>
        </>
      )}
    </>
  );
}

export function ScheduleStep({ draft, set, message }: StepProps) {
  const t = useMessages(taskWords);
  return (
    <ScheduleControls
      legend={t.frequency}
      name="frequency"
      value={draft}
      onChange={set}
      error={(f) => fieldMessage(message, `schedule.${f}`)}
    />
  );
}

/**
 * How often, on which day, at what time and in which time zone: the task's schedule, and the same
 * controls for its verification's.
 */
function ScheduleControls({
  legend,
  name,
  value,
  onChange,
  error,
  noneLabel,
}: {
  legend: string;
  name: string;
  /** What "no schedule" means here; the task's own: only Run now. */
  noneLabel?: string;
  value: ScheduleFields;
  onChange: (patch: Partial<ScheduleFields>) => void;
  error: (field: string) => string | null;
}) {
  const t = useMessages(taskWords);
  const { lang } = useLang();
  const zonesId = useId();
  const days = useMemo(() => weekdayNames(lang), [lang]);
  // Monday first in the list, as people read a week; the API numbers Sunday 0.
  const weekdays = [1, 2, 3, 4, 5, 6, 0].map((d) => ({ value: String(d), label: days[d] }));
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);
  return (
    <>
      <Choices
        legend={legend}
        name={name}
        value={value.frequency}
        onChange={(v) => onChange({ frequency: v })}
        error={error('frequency')}
        options={[
          { value: 'none', label: noneLabel ?? t.freqNone },
          { value: 'daily', label: t.freqDaily },
          { value: 'weekly', label: t.freqWeekly },
          { value: 'monthly', label: t.freqMonthly },
        ]}
      />
      {value.frequency === 'weekly' && (
        <Select
          label={t.weekday}
          value={value.weekday}
          onChange={(e) => onChange({ weekday: e.target.value })}
          options={weekdays}
        />
      )}
      {value.frequency === 'monthly' && (
        <Field
          label={t.monthday}
          hint={t.monthdayHint}
          type="number"
          inputMode="numeric"
          min={1}
          max={31}
          value={value.monthday}
          onChange={(e) => onChange({ monthday: e.target.value })}
          error={error('monthday')}
          className="short"
        />
      )}
      {value.frequency !== 'none' && (
        <>
          <Field
            label={t.time}
            hint={t.timeHint}
            value={value.time}
            onChange={(e) => onChange({ time: e.target.value })}
            error={error('time')}
            inputMode="numeric"
            autoComplete="off"
            className="short"
          />
          <Field
            label={t.timezone}
            hint={t.timezoneHint}
            value={value.timezone}
            onChange={(e) => onChange({ timezone: e.target.value })}
            error={error('timezone')}
            list={zonesId}
            autoComplete="off"
          />
          <datalist id={zonesId}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </>
      )}
    </>
  );
}

/** Older versions kept (options.versions) and a verification schedule (options.verifySchedule), both off at first. */
function HistoryOptions({ draft, set, err }: StepProps & { err: (field: string) => string | null }) {
  const t = useMessages(taskWords);
  const versionsId = useId();
  const verifyId = useId();
  return (
    <>
      <fieldset aria-describedby={`${versionsId}-hint`}>
        <legend>{t.versionsTitle}</legend>
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.keepVersions}
            onChange={(e) => set({ keepVersions: e.target.checked })}
          />
          <span>{t.keepVersions}</span>
        </label>
        <p className="hint" id={`${versionsId}-hint`}>
          {t.keepVersionsHint}
        </p>
        {draft.keepVersions && (
          <div className="pair">
            <Field
              label={t.versionsKeep}
              hint={t.versionsKeepHint}
              type="number"
              inputMode="numeric"
              min={1}
              value={draft.versionsKeep}
              onChange={(e) => set({ versionsKeep: e.target.value })}
            />
            <Field
              label={t.versionsDays}
              hint={t.versionsDaysHint}
              type="number"
              inputMode="numeric"
              min={1}
              value={draft.versionsDays}
              onChange={(e) => set({ versionsDays: e.target.value })}
            />
          </div>
        )}
        {draft.keepVersions && err('options.versions') && (
          <p className="field-error" role="alert">
            {err('options.versions')}
          </p>
        )}
      </fieldset>
      <fieldset aria-describedby={`${verifyId}-hint`}>
        <legend>{t.verifyTitle}</legend>
        <p className="hint" id={`${verifyId}-hint`}>
          {t.verifyScheduledHint}
        </p>
        <ScheduleControls
          legend={t.verifyFrequency}
          noneLabel={t.verifyFreqNone}
          name="verify-frequency"
          value={verifyScheduleFields(draft)}
          onChange={(p) => set(verifyPatch(p))}
          error={(f) => err(`options.verifySchedule.${f}`)}
        />
      </fieldset>
    </>
  );
}

export function OptionsStep({ draft, set, message }: StepProps) {
  const t = useMessages(taskWords);
  const err = (f: string) => fieldMessage(message, f);
  return (
    <>
      <div className="filters">
        <Choices
          legend={t.whichFiles}
          name="media"
          value={draft.media}
          onChange={(v) => set({ media: v })}
          error={err('filter.mediaTypes')}
          options={[
            { value: 'all', label: t.filesAll },
            { value: 'media', label: t.filesMedia },
          ]}
        />
        <TextArea
          label={t.include}
          hint={t.includeHint}
          value={draft.include}
          onChange={(e) => set({ include: e.target.value })}
          error={err('filter.include')}
          spellCheck={false}
        />
        <TextArea
          label={t.exclude}
          hint={t.excludeHint}
          value={draft.exclude}
          onChange={(e) => set({ exclude: e.target.value })}
          error={err('filter.exclude')}
          spellCheck={false}
        />
        <div className="pair">
          <Field
            label={t.minSize}
            type="number"
            inputMode="decimal"
            min={0}
            value={draft.minSizeMb}
            onChange={(e) => set({ minSizeMb: e.target.value })}
            error={err('filter.minSize')}
          />
          <Field
            label={t.maxSize}
            type="number"
            inputMode="decimal"
            min={0}
            value={draft.maxSizeMb}
            onChange={(e) => set({ maxSizeMb: e.target.value })}
            error={err('filter.maxSize')}
          />
        </div>
        <div className="pair">
          <Field
            label={t.after}
            type="date"
            value={draft.after}
            onChange={(e) => set({ after: e.target.value })}
            error={err('filter.after')}
          />
          <Field
            label={t.before}
            type="date"
            value={draft.before}
            onChange={(e) => set({ before: e.target.value })}
            error={err('filter.before')}
          />
        </div>
      </div>
      <Choices
        legend={t.conflict}
        name="conflict"
        value={draft.conflict}
        onChange={(v) => set({ conflict: v })}
        error={err('options.conflict')}
        options={[
          { value: 'skip', label: t.conflictSkip },
          { value: 'overwrite', label: t.conflictOverwrite },
          { value: 'rename', label: t.conflictRename },
        ]}
      />
      <Choices
        legend={t.layout}
        name="layout"
        value={draft.layoutChoice}
        onChange={(v) => set({ layoutChoice: v })}
        error={draft.layoutChoice === 'custom' ? null : err('options.layout')}
        options={[
          { value: 'keep', label: t.layoutKeep },
          { value: 'date', label: t.layoutDate },
          { value: 'custom', label: t.layoutCustom },
        ]}
      />
      {draft.layoutChoice === 'custom' && (
        <Field
          label={t.layoutPattern}
          hint={t.layoutHint}
          value={draft.layout}
          onChange={(e) => set({ layout: e.target.value })}
          error={err('options.layout')}
          autoComplete="off"
          spellCheck={false}
        />
      )}
      <HistoryOptions draft={draft} set={set} err={err} />
      <Choices
        legend={t.notifyOn}
        name="notify"
        value={draft.notifyOn}
        onChange={(v) => set({ notifyOn: v })}
        error={err('notify.on')}
        options={[
          { value: 'never', label: t.notifyNever },
          { value: 'failure', label: t.notifyFailure },
          { value: 'always', label: t.notifyAlways },
        ]}
      />
      {draft.notifyOn !== 'never' && (
        <Field
          label={t.notifyEmail}
          hint={t.notifyEmailHint}
          type="email"
          value={draft.notifyEmail}
          onChange={(e) => set({ notifyEmail: e.target.value })}
          error={err('notify.email')}
          autoComplete="email"
        />
      )}
      <details className="webhook" open={Boolean(draft.webhookUrl || err('notify.webhook'))}>
        <summary>{t.webhook}</summary>
        <Field
          label={t.webhookUrl}
          hint={t.webhookUrlHint}
          type="url"
          value={draft.webhookUrl}
          onChange={(e) => set({ webhookUrl: e.target.value })}
          error={err('notify.webhook.url')}
          autoComplete="off"
        />
        {draft.webhookUrl.trim() && (
          <Field
            label={t.webhookSecret}
            hint={t.webhookSecretHint}
            type="password"
            value={draft.webhookSecret}
            onChange={(e) => set({ webhookSecret: e.target.value })}
            error={err('notify.webhook.secret')}
            autoComplete="new-password"
          />
        )}
      </details>
    </>
  );
}

const versionsOf = (d: Draft) => ({
  keep: Number(d.versionsKeep) || undefined,
  days: Number(d.versionsDays) || undefined,
});

/** What the task will do, in the words the task page uses, before it is created. */
export function Summary({ draft, clouds }: { draft: Draft; clouds: Cloud[] }) {
  const t = useMessages(taskWords);
  const scheduleWords = useScheduleWords();
  const filterWords = useFilterWords();
  const conflictWords = useConflictWords();
  const notifyWords = useNotifyWords();
  const versionsWords = useVersionsWords();
  const cloudName = (id: string) => clouds.find((c) => c.id === id)?.name ?? t.unknownCloud;
  const layout =
    draft.layoutChoice === 'keep' ? t.layoutAsIs : draft.layoutChoice === 'date' ? t.layoutDate : draft.layout;
  const schedule = scheduleOf(draft);
  const verify = optionsOf(draft).verifySchedule;
  const verifySchedule = verify ? { ...verify, monthday: Number(verify.monthday) } : null;
  return (
    <>
      <h3>{t.summary}</h3>
      <dl className="facts task-facts">
        <dt>{t.from}</dt>
        <dd>{t.copiesFrom(cloudName(draft.sourceCloudId), folderWords(draft.sourcePath, t.topFolder))}</dd>
        <dt>{t.to}</dt>
        <dd>{t.copiesFrom(cloudName(draft.destCloudId), folderWords(destinationPath(draft), t.topFolder))}</dd>
        <dt>{t.when}</dt>
        <dd>{scheduleWords(schedule ? { ...schedule, monthday: Number(schedule.monthday) } : null)}</dd>
        <dt>{t.files}</dt>
        <dd>{filterWords(filterOf(draft) as Parameters<typeof filterWords>[0])}</dd>
        <dt>{t.whenExists}</dt>
        <dd>{conflictWords(draft.conflict)}</dd>
        <dt>{t.arrange}</dt>
        <dd>{layout}</dd>
        <dt>{t.versionsTitle}</dt>
        <dd>{versionsWords(draft.keepVersions ? versionsOf(draft) : undefined)}</dd>
        <dt>{t.verifyTitle}</dt>
        <dd>{verifySchedule ? scheduleWords(verifySchedule) : t.verifyOff}</dd>
        <dt>{t.notifications}</dt>
        <dd>
          {notifyWords(notifyOf(draft)).map((l) => (
            <span key={l} className="line">
              {l}
            </span>
          ))}
        </dd>
      </dl>
    </>
  );
}

export function NameStep({
  draft,
  set,
  message,
  clouds,
  defaultName,
}: StepProps & { clouds: Cloud[]; defaultName: string }) {
  const t = useMessages(taskWords);
  return (
    <>
      <Field
        label={t.name}
        hint={t.nameHint}
        value={draft.nameEdited ? draft.name : defaultName}
        onChange={(e) => set({ name: e.target.value, nameEdited: true })}
        error={fieldMessage(message, 'name')}
        autoComplete="off"
      />
      <Summary draft={draft} clouds={clouds} />
    </>
  );
}
