// Response shapes of the REST API. Request shapes of tasks live in core/task-spec.ts.
import { z } from 'zod';
import { providerKinds } from '../../connectors/index.ts';
import { LOCALES, type Locale } from '../../connectors/locale.ts';
import { isoString } from '../core/iso-time.ts';
import { displayName } from '../core/names.ts';
import { ITEM_STATUSES, RUN_STATUSES } from '../core/runs.ts';

/** A moment: a Date inside the service, an ISO 8601 string on the wire. */
export const timestamp = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: isoString,
});

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).meta({ id: 'Error' });

export const idParams = z.strictObject({ id: z.uuid() });

export const cursorQuery = z.strictObject({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const email = z.email().max(254);
export const credentials = z.strictObject({
  email,
  password: z.string().min(10, 'at least 10 characters').max(256),
});

export const signupBody = credentials.extend({
  locale: z
    .enum(LOCALES)
    .optional()
    .describe("The language of Ferry's mails; default: from Accept-Language, else English"),
});

export const user = z
  .object({
    id: z.uuid(),
    email: z.string(),
    plan: z.string(),
    locale: z.string(),
    emailVerified: z.boolean(),
    admin: z.boolean().describe('Administers this Ferry: the admin API (/api/v1/admin) answers them'),
  })
  .meta({ id: 'User' });

export const session = z.object({ user, csrfToken: z.string() });
/** A login whose account has two-factor sign-in on: the second step's challenge (no session yet). */
export const secondStep = z.object({
  secondFactorRequired: z.literal(true),
  challenge: z.string().describe('Send it with the code to POST /auth/login/second-factor within 5 minutes'),
});

export const me = user
  .extend({
    usage: z.object({
      periodStart: z.string(),
      periodEnd: z.string(),
      usedBytes: z.number().int(),
      limitBytes: z.number().int(),
    }),
    csrfToken: z.string().optional().describe('For cookie sessions: the token to send in x-csrf-token'),
    twoFactor: z.boolean().describe('Sign-in asks for a code of an authenticator app too'),
    emailVerificationRequired: z
      .boolean()
      .describe('This Ferry wants a confirmed address before tasks are created (FERRY_VERIFY_EMAIL)'),
  })
  .meta({ id: 'Me' });

/** PATCH /me: what a user may change about their account. */
export const meChanges = z.strictObject({
  locale: z.enum(LOCALES).describe("The language of Ferry's mails and of the web app"),
});

export const tokenInfo = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    lastUsedFrom: z.string().nullable().describe('The address it was last used from'),
  })
  .meta({ id: 'Token' });
export const newToken = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: timestamp,
  token: z.string().describe('Shown once'),
});

/** Words in every language Ferry speaks, one property each. */
const localizedText = z.object(Object.fromEntries(LOCALES.map((l) => [l, z.string()])) as Record<Locale, z.ZodString>);

export const provider = z
  .object({
    kind: z.enum(providerKinds),
    title: z.string(),
    auth: z.enum(['oauth', 'credentials']),
    source: z.boolean(),
    destination: z.boolean(),
    options: z
      .record(z.string(), z.unknown())
      .describe('JSON Schema of the options to create such a cloud; writeOnly fields are secrets'),
    available: z.boolean(),
    unavailableReason: z.string().nullable(),
    titles: localizedText.describe("The provider's name in every language Ferry speaks"),
    nouns: localizedText.describe(
      'The kind after a cloud\'s own name, in every language ("Home server (folder on this server)")',
    ),
    wraps: z
      .array(z.enum(providerKinds))
      .describe("The kinds of cloud such a cloud reads through (one of its owner's); empty: it reads no other cloud"),
    actions: z
      .array(z.object({ method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), path: z.string() }))
      .describe('What the API offers for clouds of this kind beyond the common routes, under /clouds/{id}/'),
    pickerSession: z
      .boolean()
      .describe('Its source is read through a session its owner fills by picking (a task names it as pickerSessionId)'),
  })
  .meta({ id: 'Provider' });

// Shown in mails (reconnect, Takeout notices) and their subjects: on one line.
export const cloudName = displayName(200);
/** A personal access token's name (routes/auth.ts). */
export const tokenName = displayName(100);

export const cloud = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    name: z.string(),
    options: z.record(z.string(), z.unknown()).describe('Options without secrets'),
    status: z.enum(['ok', 'needs_reauth', 'error']),
    lastError: z.string().nullable(),
    checkedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Cloud' });

export const createCloud = z.strictObject({
  kind: z.enum(providerKinds),
  name: cloudName,
  options: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The provider's options, as GET /providers describes them"),
});

export const updateCloud = z.strictObject({
  name: cloudName.optional(),
  options: z.record(z.string(), z.unknown()).optional().describe('Changed options; secrets left out keep their value'),
});

export const checkResult = z.object({ ok: z.boolean(), error: z.string().nullable(), cloud });

export const entry = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['folder', 'file']),
  size: z.number().int().optional(),
  modifiedAt: z.string().optional(),
});

export const entriesQuery = z.strictObject({
  path: z.string().max(1024).optional(),
  cursor: z.string().max(2048).optional(),
});

// Responses are encoded, and the request schemas' transforms run one way only: the task as
// returned is described by plain shapes.
export const task = z
  .object({
    id: z.uuid(),
    name: z.string(),
    source: z.object({ cloudId: z.uuid(), path: z.string().optional(), pickerSessionId: z.string().optional() }),
    destination: z.object({ cloudId: z.uuid(), path: z.string() }),
    schedule: z
      .object({
        frequency: z.enum(['daily', 'weekly', 'monthly']),
        time: z.string(),
        timezone: z.string(),
        weekday: z.number().int().optional(),
        monthday: z.number().int().optional(),
      })
      .nullable(),
    filter: z.record(z.string(), z.unknown()),
    options: z.record(z.string(), z.unknown()),
    notify: z.record(z.string(), z.unknown()),
    nextRunAt: timestamp.nullable().describe('null when unscheduled or paused'),
    nextVerifyAt: timestamp.nullable().describe('When the task next verifies its backup (options.verifySchedule)'),
    paused: z.boolean().describe('Keeps its schedule but starts no scheduled run; Run now still works'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Task' });

const counts = z.object({ items: z.number().int(), bytes: z.number().int() });
export const run = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    kind: z
      .enum(['backup', 'restore', 'verify'])
      .describe("backup: copies the task's source; restore: copies a point in time of its backup; verify: checks it"),
    restore: z
      .object({
        at: z.iso.datetime({ offset: true }).describe('The point in time restored'),
        runId: z.uuid().nullable().describe('The backup run whose end that is, when the restore named one'),
        paths: z.array(z.string()).describe('Files or folders of the backup restored; empty: all of it'),
        destination: z.object({ cloudId: z.uuid(), path: z.string() }),
        conflict: z.enum(['skip', 'overwrite', 'rename']),
      })
      .nullable()
      .describe('What a restore run restores, and where to'),
    versionsRemoved: z
      .number()
      .int()
      .describe("Older versions this run removed from the destination (beyond the task's versions.keep or days)"),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(['manual', 'schedule']),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    totals: counts,
    done: counts,
    skipped: counts,
    failed: z.object({ items: z.number().int() }),
    waiting: z
      .object({ items: z.number().int() })
      .describe(
        'Items the source makes wait before it gives their bytes (a Google Photos video still being processed)',
      ),
    bytesPerSecond: z.number(),
    etaSeconds: z.number().int().nullable(),
    error: z.string().nullable(),
    notifications: z
      .array(
        z.object({
          channel: z.enum(['email', 'webhook']),
          event: z
            .string()
            .describe(
              'email: run_ended, quota_used_up; webhook: run.succeeded, run.partial, run.failed, run.quota_exceeded',
            ),
          to: z.string().describe('The address or URL'),
          status: z.enum(['pending', 'delivered', 'failed']).describe('pending: queued or being retried'),
          attempts: z.number().int(),
          lastStatus: z.number().int().nullable().describe("Webhooks: the endpoint's last HTTP status"),
          lastError: z.string().nullable(),
          deliveredAt: timestamp.nullable(),
        }),
      )
      .optional()
      .describe('GET /runs/:id only: the mails and webhook events this run caused, and whether they were delivered'),
  })
  .meta({ id: 'Run' });

/** GET /runs: a run with its task's name, so a list of runs across tasks needs no other call. */
export const runInList = run.omit({ notifications: true }).extend({ taskName: z.string() }).meta({ id: 'RunInList' });

export const runsQuery = cursorQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  active: z.enum(['true', 'false']).optional().describe('true: only the runs queued or running'),
});

export const runItem = z
  .object({
    id: z.string(),
    path: z.string(),
    size: z.number().int().nullable(),
    status: z.enum(ITEM_STATUSES),
    attempts: z.number().int(),
    destPath: z.string().nullable(),
    error: z.string().nullable(),
    waiting: z
      .object({ reason: z.string(), until: timestamp.nullable().describe('When the wait ends at the latest') })
      .nullable()
      .describe('While the item is copied: the source makes it wait before it gives its bytes, and why'),
    updatedAt: timestamp,
  })
  .meta({ id: 'RunItem' });

export const itemsQuery = cursorQuery.extend({ status: z.enum(ITEM_STATUSES).optional() });

/** Error responses a route may give, for the OpenAPI document. */
export const errorsFor = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorBody]));

// ---- the operator's console (routes/admin.ts) ----------------------------------------------------

export const planId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40')
  .describe('A short name that stays: users.plan refers to it');
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(1_000_000);

export const planFields = z.strictObject({
  name: displayName(100),
  monthlyTrafficBytes: bytes,
  maxTasks: count.nullable().optional().describe('null or absent: no limit'),
  maxClouds: count.nullable().optional().describe('null or absent: no limit'),
  allowedProviders: z
    .array(z.enum(providerKinds))
    .max(50)
    .refine((a) => new Set(a).size === a.length, 'each kind once')
    .nullable()
    .optional()
    .describe('Cloud kinds its users may add; null or absent: every kind'),
});
export const newPlan = planFields.extend({ id: planId });
export const planChanges = planFields.partial();

export const plan = z
  .object({
    id: z.string(),
    name: z.string(),
    monthlyTrafficBytes: z.number().int(),
    maxTasks: z.number().int().nullable(),
    maxClouds: z.number().int().nullable(),
    allowedProviders: z.array(z.string()).nullable(),
    users: z.number().int().describe('Accounts on the plan'),
  })
  .meta({ id: 'Plan' });

export const adminUser = z
  .object({
    id: z.uuid(),
    email: z.string(),
    plan: z.string(),
    trafficLimitBytes: z.number().int().nullable().describe("The user's own monthly traffic; null: the plan's"),
    admin: z
      .boolean()
      .describe('Administers this Ferry: promoted with `npm run ferry -- promote`, or named by FERRY_ADMINS'),
    emailVerified: z.boolean(),
    createdAt: timestamp,
    suspendedAt: timestamp.nullable(),
    suspendedReason: z.string().nullable(),
    usage: z.object({ periodStart: z.string(), usedBytes: z.number().int(), limitBytes: z.number().int() }),
    clouds: z.number().int(),
    tasks: z.number().int(),
    lastRun: z
      .object({ id: z.uuid(), status: z.string(), createdAt: z.string(), finishedAt: z.string().nullable() })
      .nullable(),
  })
  .meta({ id: 'AdminUser' });

export const adminUserChanges = z
  .strictObject({
    plan: planId.optional(),
    trafficLimitBytes: bytes.nullable().optional().describe("null: the plan's traffic again"),
  })
  .refine((p) => p.plan !== undefined || p.trafficLimitBytes !== undefined, 'give plan, trafficLimitBytes or both');

export const auditEntry = z
  .object({
    id: z.number().int(),
    at: timestamp,
    userId: z.uuid().nullable().describe('Who acted; null: someone signed out, or an operator on the command line'),
    userEmail: z.string().nullable(),
    action: z.string(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

const tally = z.record(z.string(), z.number().int());
export const adminStats = z
  .object({
    users: z.object({
      total: z.number().int(),
      suspended: z.number().int(),
      admins: z.number().int(),
      signedUpLast30Days: z.number().int(),
    }),
    clouds: z.object({ total: z.number().int(), byKind: tally, needingReauth: z.number().int() }),
    tasks: z.object({ total: z.number().int(), scheduled: z.number().int(), paused: z.number().int() }),
    runs: z.object({ queued: z.number().int(), running: z.number().int(), endedLast24Hours: tally }),
    traffic: z.object({
      periodStart: z.string(),
      usedBytes: z.number().int(),
      reservedBytes: z.number().int(),
      usersOverQuota: z.number().int(),
    }),
    mail: z.object({ pending: z.number().int(), failedLast24Hours: z.number().int() }),
  })
  .meta({ id: 'AdminStats' });
