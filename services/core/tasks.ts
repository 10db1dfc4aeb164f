// Backup tasks: what to copy from where to where, when, and whom to tell.
import { connectors } from '../../connectors/index.ts';
import { CloudError } from '../../connectors/types.ts';
import type { Clouds } from './clouds.ts';
import type { Keyring } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { errors } from './errors.ts';
import { checkAllowance } from './plans.ts';
import { decodeCursor, FIRST_KEY, pageOf, PAGE_SIZE, type Page } from './paging.ts';
import { assertPublicHost, PrivateEndpointError } from '../../connectors/lib/net-guard.ts';
import { nextRunAt, type Schedule } from './schedule.ts';
import {
  options as optionsSchema,
  notify as notifySchema,
  type CreateTask,
  type TaskNotify,
  type UpdateTask,
} from './task-spec.ts';

export interface Task {
  id: string;
  name: string;
  source: CreateTask['source'];
  destination: CreateTask['destination'];
  schedule: NonNullable<CreateTask['schedule']> | null;
  nextRunAt: Date | null;
  /** When the task next verifies its backup by itself (options.verifySchedule), null without one. */
  nextVerifyAt: Date | null;
  /** Keeps its schedule but starts no scheduled run (nextRunAt is null meanwhile). */
  paused: boolean;
  filter: NonNullable<CreateTask['filter']>;
  options: NonNullable<CreateTask['options']>;
  notify: NonNullable<CreateTask['notify']> & { emailConfirmed?: boolean };
  createdAt: Date;
  updatedAt: Date;
}

// emailConfirmed: whether run mail goes to notify.email yet (the account's own address, or one whose
// owner followed the confirmation link); until then it goes to the account's address. Looked up only
// for a task that names an address (view reads it for no other): a list does not probe users and
// notify_addresses for every row.
const columns =
  `id, name, source, destination, schedule, next_run_at AS "nextRunAt", next_verify_at AS "nextVerifyAt",
  paused, filter, options, notify,
  created_at AS "createdAt", updated_at AS "updatedAt", ` +
  `created_at::text AS "createdKey", webhook_secret AS "webhookSecret",
  CASE WHEN tasks.notify->>'email' IS NOT NULL THEN
    (SELECT lower(u.email) = lower(tasks.notify->>'email') FROM users u WHERE u.id = tasks.user_id)
    OR EXISTS (SELECT 1 FROM notify_addresses na WHERE na.user_id = tasks.user_id ` +
  `AND na.email = lower(tasks.notify->>'email') AND na.confirmed_at IS NOT NULL)
  END AS "emailConfirmed"`;

type TaskRow = Task & { createdKey: string; webhookSecret: string | null; emailConfirmed: boolean | null };
const view = ({ createdKey: _, webhookSecret: __, emailConfirmed, ...task }: TaskRow): Task =>
  task.notify.email ? { ...task, notify: { ...task.notify, emailConfirmed: Boolean(emailConfirmed) } } : task;

/** When a task's verification is next due (options.verifySchedule), as next_run_at is for its runs. */
const nextVerifyAt = (schedule: Schedule | undefined, now: Date) => (schedule ? nextRunAt(schedule, now) : null);
// Field by field: a stored schedule comes back from jsonb with its keys in another order.
const sameSchedule = (a: Schedule | undefined, b: Schedule | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    (['frequency', 'time', 'timezone', 'weekday', 'monthday'] as const).every((k) => a[k] === b[k]));

function within(parent: string, child: string): boolean {
  return parent === '' || child === parent || child.startsWith(`${parent}/`);
}

export function createTasks(
  db: Db,
  env: {
    keyring: Keyring;
    allowPrivateEndpoints: boolean;
    /** Opens a task's destination to see whether it can keep versions. */
    clouds?: Pick<Clouds, 'open'>;
  },
) {
  /**
   * The notify settings as stored (the webhook without its secret) and the sealed secret. A webhook
   * given without a secret keeps the stored one; a new webhook needs one.
   */
  async function notifyFields(input: TaskNotify | undefined, storedSecret: string | null) {
    const notify = input ?? notifySchema.parse({});
    if (!notify.webhook) return { notify, sealed: null };
    const { url, secret } = notify.webhook;
    if (!env.allowPrivateEndpoints) {
      try {
        await assertPublicHost(new URL(url).hostname);
      } catch (err) {
        if (err instanceof PrivateEndpointError) throw errors.invalid(`notify.webhook.url: ${err.message}`);
        throw errors.invalid(`notify.webhook.url: ${new URL(url).hostname} cannot be resolved.`);
      }
    }
    const sealed = secret ? env.keyring.seal(secret) : storedSecret;
    if (!sealed)
      throw errors.invalid('notify.webhook.secret: required to sign the webhook’s requests (16 to 256 characters).');
    return { notify: { ...notify, webhook: { url } }, sealed };
  }

  /**
   * The source and destination must be this user's clouds, able to play their part, and not overlap.
   * Either end may be left out (the wizard checks its steps one at a time): only what is given is checked.
   */
  async function checkEnds(q: Queryable, userId: string, t: Partial<Pick<CreateTask, 'source' | 'destination'>>) {
    const { rows } = await q.query<{ id: string; kind: string; name: string }>(
      'SELECT id, kind, name FROM clouds WHERE user_id = $1 AND id = ANY($2)',
      [userId, [t.source?.cloudId, t.destination?.cloudId].filter(Boolean)],
    );
    const src = t.source && rows.find((r) => r.id === t.source!.cloudId);
    const dst = t.destination && rows.find((r) => r.id === t.destination!.cloudId);
    if (t.source && !src) throw errors.invalid('source.cloudId: no such cloud.');
    if (t.destination && !dst) throw errors.invalid('destination.cloudId: no such cloud.');
    if (src) {
      const srcDef = connectors.get(src.kind);
      if (!srcDef?.source) throw errors.invalid(`source.cloudId: ${srcDef?.title ?? src.kind} cannot be a source.`);
      const session = t.source!.pickerSessionId;
      if (session !== undefined) {
        // Only a source read through sessions its owner picks takes one, and only one of its form.
        if (!srcDef.pickerSession) {
          const kinds = [...connectors.values()].filter((d) => d.pickerSession).map((d) => d.title);
          throw errors.invalid(
            `source.pickerSessionId: a ${srcDef.title} source has no picker sessions; ` +
              `only ${kinds.join(', ')} sources do.`,
          );
        }
        const checked = srcDef.pickerSession.id.safeParse(session);
        if (!checked.success) {
          throw errors.invalid(`source.pickerSessionId: ${checked.error.issues.map((i) => i.message).join('; ')}.`);
        }
      }
    }
    if (dst) {
      const dstDef = connectors.get(dst.kind);
      if (!dstDef?.destination)
        throw errors.invalid(`destination.cloudId: ${dstDef?.title ?? dst.kind} cannot be a destination.`);
    }
    if (src && dst) {
      const srcPath = t.source!.path ?? '';
      if (src.id === dst.id && (within(srcPath, t.destination!.path) || within(t.destination!.path, srcPath))) {
        throw errors.invalid(
          'destination.path: source and destination folders overlap on the same cloud; ' +
            'a run would copy its own output.',
        );
      }
    }
  }

  /**
   * A task keeps versions by moving the copies a changed file replaces on the server: its destination
   * must be able to (`move`; a crypt cloud can when the cloud it wraps can). Opening a cloud makes no
   * network call.
   */
  async function checkVersions(userId: string, t: Pick<CreateTask, 'destination' | 'options'>) {
    if (!t.options?.versions || !env.clouds) return;
    let opened;
    try {
      opened = await env.clouds.open(userId, t.destination.cloudId);
    } catch (err) {
      if (err instanceof CloudError) throw errors.invalid(`options.versions: ${err.message}`);
      throw err;
    }
    if (!opened.handle.destination?.move) {
      const title = connectors.get(opened.cloud.kind)?.title ?? opened.cloud.kind;
      throw errors.invalid(
        `options.versions: the destination "${opened.cloud.name}" (${title}) cannot move files on the server, ` +
          'so it cannot keep versions of the files it replaces; leave versions out for this destination.',
      );
    }
  }

  /**
   * Object Lock retention (options.objectLock) is S3's: only an S3 destination takes it. Whether its
   * bucket has Object Lock on is asked when a run starts (the bucket may change meanwhile).
   */
  async function checkObjectLock(q: Queryable, userId: string, t: Pick<CreateTask, 'destination' | 'options'>) {
    if (!t.options?.objectLock) return;
    const { rows } = await q.query<{ kind: string; name: string }>(
      'SELECT kind, name FROM clouds WHERE user_id = $1 AND id = $2',
      [userId, t.destination.cloudId],
    );
    const cloud = rows[0];
    if (cloud && cloud.kind !== 's3') {
      const title = connectors.get(cloud.kind)?.title ?? cloud.kind;
      throw errors.invalid(
        `options.objectLock: only S3 destinations can lock what Ferry writes; "${cloud.name}" is ${title}. ` +
          'Leave objectLock out for this destination.',
      );
    }
  }

  // Named statements, as for runs (runs.ts): each connection plans them once, not on every request.
  async function row(q: Queryable, userId: string, id: string, lock = false): Promise<TaskRow> {
    const { rows } = await q.query<TaskRow>({
      name: lock ? 'tasks.row.lock' : 'tasks.row',
      text: `SELECT ${columns} FROM tasks WHERE user_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      values: [userId, id],
    });
    if (!rows[0]) throw errors.notFound('Task');
    return rows[0];
  }

  return {
    async list(userId: string, cursor?: string, limit = PAGE_SIZE): Promise<Page<Task>> {
      const after = decodeCursor(cursor, 2) ?? FIRST_KEY.ascending;
      const { rows } = await db.query<TaskRow>({
        name: 'tasks.list',
        text: `SELECT ${columns} FROM tasks WHERE user_id = $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
          ORDER BY created_at, id LIMIT $4`,
        values: [userId, after[0], after[1], limit + 1],
      });
      return pageOf(rows, limit, (r) => [r.createdKey, r.id], view);
    },

    async get(userId: string, id: string): Promise<Task> {
      return view(await row(db, userId, id));
    },

    /**
     * Checks a task, or the part of one given, as create (or, with `taskId`, update) would, without
     * storing anything: the wizard checks each step with the API's own rules before the next.
     */
    async check(q: Queryable, userId: string, input: UpdateTask, taskId?: string): Promise<void> {
      const current = taskId ? await row(q, userId, taskId) : null;
      await checkEnds(q, userId, {
        source: input.source ?? current?.source,
        destination: input.destination ?? current?.destination,
      });
      if (input.notify) await notifyFields(input.notify, current?.webhookSecret ?? null);
    },

    async create(q: Queryable, userId: string, input: CreateTask, now = new Date()): Promise<Task> {
      await checkAllowance(q, userId, { task: true });
      await checkEnds(q, userId, input);
      await checkObjectLock(q, userId, input);
      await checkVersions(userId, input);
      const { notify, sealed } = await notifyFields(input.notify, null);
      const { rows } = await q.query<TaskRow>(
        `INSERT INTO tasks (user_id, name, source_cloud_id, source, destination_cloud_id, destination, schedule,
          next_run_at, filter, options, notify,
                            webhook_secret, webhook_key_id, next_verify_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${columns}`,
        [
          userId,
          input.name,
          input.source.cloudId,
          input.source,
          input.destination.cloudId,
          input.destination,
          input.schedule ?? null,
          input.schedule ? nextRunAt(input.schedule, now) : null,
          input.filter ?? {},
          input.options ?? optionsSchema.parse({}),
          notify,
          sealed,
          sealed ? env.keyring.currentId : null,
          nextVerifyAt(input.options?.verifySchedule, now),
        ],
      );
      return view(rows[0]);
    },

    async update(q: Queryable, userId: string, id: string, patch: UpdateTask, now = new Date()): Promise<Task> {
      const current = await row(q, userId, id, true);
      const next = {
        name: patch.name ?? current.name,
        source: patch.source ?? current.source,
        destination: patch.destination ?? current.destination,
        schedule: patch.schedule === undefined ? current.schedule : patch.schedule,
        filter: patch.filter ?? current.filter,
        options: patch.options ?? current.options,
        paused: patch.paused ?? current.paused,
      };
      if (patch.source || patch.destination) await checkEnds(q, userId, next);
      if (patch.options || patch.destination) await checkObjectLock(q, userId, next);
      if (patch.options || patch.destination) await checkVersions(userId, next);
      const { notify, sealed } = patch.notify
        ? await notifyFields(patch.notify, current.webhookSecret)
        : { notify: current.notify, sealed: current.webhookSecret };
      // Paused: no next run. A new schedule, or resuming, counts from now: a resumed task does not
      // make up the occurrences it missed while paused.
      const resumed = current.paused && !next.paused;
      const nextRun =
        next.paused || !next.schedule
          ? null
          : patch.schedule === undefined && !resumed
            ? current.nextRunAt
            : nextRunAt(next.schedule, now);
      // The verification schedule, likewise: a new or changed one, or resuming, counts from now.
      const verifyNext = {
        keep: !next.paused && !resumed && sameSchedule(next.options.verifySchedule, current.options.verifySchedule),
        at: next.paused ? null : nextVerifyAt(next.options.verifySchedule, now),
      };
      const { rows } = await q.query<TaskRow>(
        `UPDATE tasks SET name = $3, source_cloud_id = $4, source = $5, destination_cloud_id = $6, destination =
          $7, schedule = $8,
                next_run_at = $9, filter = $10, options = $11, notify = $12, webhook_secret = $13, paused = $15,
                webhook_key_id = CASE WHEN $13::text IS NULL THEN NULL WHEN $13 IS DISTINCT FROM webhook_secret
                  THEN $14 ELSE webhook_key_id END,
                next_verify_at = CASE WHEN $16 THEN next_verify_at ELSE $17 END,
                updated_at = now()
          WHERE user_id = $1 AND id = $2 RETURNING ${columns}`,
        [
          userId,
          id,
          next.name,
          next.source.cloudId,
          next.source,
          next.destination.cloudId,
          next.destination,
          next.schedule,
          nextRun,
          next.filter,
          next.options,
          notify,
          sealed,
          env.keyring.currentId,
          next.paused,
          verifyNext.keep,
          verifyNext.at,
        ],
      );
      return view(rows[0]);
    },

    async remove(q: Queryable, userId: string, id: string): Promise<void> {
      await row(q, userId, id, true);
      const { rows } = await q.query('SELECT 1 FROM runs WHERE task_id = $1 AND status IN ($2, $3)', [
        id,
        'queued',
        'running',
      ]);
      if (rows.length) throw errors.conflict('A run of this task is queued or running: cancel it first.');
      await q.query('DELETE FROM tasks WHERE user_id = $1 AND id = $2', [userId, id]);
    },
  };
}

export type Tasks = ReturnType<typeof createTasks>;
