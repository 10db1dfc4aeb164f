// What a task is: the schemas that validate a task as a user writes it, shared by the API (request
// validation, OpenAPI) and the worker (reading stored tasks).
import { z } from 'zod';
import { displayName } from './names.ts';
import { isTimeZone } from './schedule.ts';

/** A folder path inside a cloud: '/'-separated, no '..', stored without leading or trailing slash. */
export const cloudPath = z
  .string()
  .max(1024)
  .refine(
    (p) => !p.split('/').some((s) => s === '..' || s === '.') && !p.includes('\0'),
    'must not contain "." or ".." segments',
  )
  .transform((p) => p.split('/').filter(Boolean).join('/'));

const glob = z.string().min(1).max(512);
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('ISO 8601 date or date-time');

export const LAYOUT_TOKENS = ['yyyy', 'mm', 'dd', 'name', 'stem', 'ext', 'dir', 'path'] as const;

export const schedule = z
  .strictObject({
    frequency: z.enum(['daily', 'weekly', 'monthly']),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time HH:MM')
      .describe('Local time of day, HH:MM'),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin')
      .describe('IANA time zone'),
    weekday: z.number().int().min(0).max(6).optional().describe('Weekly: 0 = Sunday … 6 = Saturday'),
    monthday: z
      .number()
      .int()
      .min(1)
      .max(31)
      .optional()
      .describe('Monthly: day of month; past the end of a month, its last day'),
  })
  .superRefine((s, ctx) => {
    const need = (field: 'weekday' | 'monthday', wanted: boolean) => {
      if (wanted && s[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `required for a ${s.frequency} schedule` });
      if (!wanted && s[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `not allowed for a ${s.frequency} schedule` });
    };
    need('weekday', s.frequency === 'weekly');
    need('monthday', s.frequency === 'monthly');
  });

export const filter = z
  .strictObject({
    include: z
      .array(glob)
      .max(100)
      .optional()
      .describe('Glob patterns (e.g. **/*.jpg); only matching paths are copied'),
    exclude: z.array(glob).max(100).optional().describe('Glob patterns of paths never copied'),
    mediaTypes: z
      .array(z.enum(['photo', 'video', 'other']))
      .min(1)
      .max(3)
      .refine((a) => new Set(a).size === a.length, 'must not repeat a type')
      .optional(),
    minSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Bytes'),
    maxSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Bytes'),
    after: instant.optional().describe('Only items dated at or after this'),
    before: instant.optional().describe('Only items dated before this'),
    includeTrashed: z
      .boolean()
      .optional()
      .describe("Also copy items in the provider's trash (Google Takeout: trashed photos); left out by default"),
  })
  .refine((f) => f.minSize === undefined || f.maxSize === undefined || f.minSize <= f.maxSize, {
    message: 'minSize must not exceed maxSize',
    path: ['minSize'],
  })
  .refine((f) => !f.after || !f.before || Date.parse(f.after) < Date.parse(f.before), {
    message: 'after must be earlier than before',
    path: ['after'],
  });

export const layout = z
  .string()
  .min(1)
  .max(512)
  .superRefine((t, ctx) => {
    for (const [, token] of t.matchAll(/\{([^{}]*)\}/g)) {
      if (!(LAYOUT_TOKENS as readonly string[]).includes(token)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown token {${token}}; known: ${LAYOUT_TOKENS.map((k) => `{${k}}`).join(' ')}`,
        });
      }
    }
    if (/[{}]/.test(t.replace(/\{[^{}]*\}/g, ''))) ctx.addIssue({ code: 'custom', message: 'unbalanced braces' });
    if (t.startsWith('/') || t.split('/').some((s) => s === '..' || s === '.')) {
      ctx.addIssue({ code: 'custom', message: 'must be a relative path without "." or ".." segments' });
    }
  })
  .describe(
    `Destination path template, e.g. {yyyy}/{mm}/{name}. Tokens: ${LAYOUT_TOKENS.map((k) => `{${k}}`).join(' ')}`,
  );

export const options = z.strictObject({
  conflict: z
    .enum(['skip', 'overwrite', 'rename'])
    .default('skip')
    .describe('When the destination already has a different file at the path'),
  verify: z.boolean().default(true).describe('Check every copy against the hash computed while it streamed'),
  layout: layout.optional(),
  versions: z
    .strictObject({
      keep: z.number().int().min(1).max(1000).optional().describe('Versions kept of each file, newest first'),
      days: z.number().int().min(1).max(36_500).optional().describe('Versions older than this are removed'),
    })
    .refine((v) => v.keep !== undefined || v.days !== undefined, 'give keep, days or both')
    .optional()
    .describe(
      'Keep the copy a changed file replaces, as a version under .ferry-versions/ in the destination folder, ' +
        'instead of overwriting it; a later run removes versions beyond keep or older than days',
    ),
  verifySchedule: schedule
    .optional()
    .describe('When the task verifies its backup by itself (checks every copy at the destination)'),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      days: z.number().int().min(1).max(36_500),
    })
    .optional()
    .describe('S3 destinations: Object Lock retention on every object Ferry writes (the bucket must have it on)'),
});

export const webhook = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .describe('Receives run.succeeded, run.partial, run.failed and run.quota_exceeded as signed JSON POSTs'),
  secret: z
    .string()
    .min(16, 'at least 16 characters')
    .max(256)
    .optional()
    .meta({ writeOnly: true })
    .describe(
      'Signs each POST (Ferry-Signature header, HMAC-SHA256). ' +
        'Required with a new URL; left out, the stored one is kept. Never returned.',
    ),
});

export const notify = z.strictObject({
  on: z
    .enum(['never', 'failure', 'always'])
    .default('failure')
    .describe('failure includes partial, failed and quota_exceeded runs'),
  email: z.email().max(254).optional().describe("Defaults to the account's address"),
  webhook: webhook.optional(),
});

export const source = z.strictObject({
  cloudId: z.uuid(),
  path: cloudPath.optional(),
  pickerSessionId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('Google Photos: the picker session whose items to copy'),
});

export const destination = z.strictObject({
  cloudId: z.uuid(),
  path: cloudPath,
});

// Shown in run mails, their subjects and webhook bodies: on one line.
export const taskName = displayName(200);

export const createTask = z.strictObject({
  name: taskName,
  source,
  destination,
  schedule: schedule.optional(),
  filter: filter.optional(),
  options: options.optional(),
  notify: notify.optional(),
});

export const updateTask = z.strictObject({
  name: taskName.optional(),
  source: source.optional(),
  destination: destination.optional(),
  schedule: schedule.nullable().optional().describe('null removes the schedule'),
  filter: filter.optional(),
  options: options.optional(),
  notify: notify.optional(),
  paused: z
    .boolean()
    .optional()
    .describe(
      'A paused task keeps its schedule but starts no scheduled run; Run now still works. ' +
        'Resuming schedules the next run from now',
    ),
});

export type CreateTask = z.infer<typeof createTask>;
export type UpdateTask = z.infer<typeof updateTask>;
export type TaskSchedule = z.infer<typeof schedule>;
export type TaskFilter = z.infer<typeof filter>;
export type TaskOptions = z.infer<typeof options>;
export type TaskNotify = z.infer<typeof notify>;
