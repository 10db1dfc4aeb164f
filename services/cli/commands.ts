// The operator's commands on the server (`npm run ferry -- <command>`): the same changes as the admin
// API (core/admin.ts, core/plans.ts), each audited as an `admin.*` action with `via: "cli"` and the
// system user who ran it, in the transaction that makes it.
import os from 'node:os';
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import * as admin from '../core/admin.ts';
import { audit } from '../core/audit.ts';
import type { Config } from '../core/config.ts';
import { migrate, transaction, type Db } from '../core/db.ts';
import { errors } from '../core/errors.ts';
import { createPlan, listPlans, removePlan, updatePlan, type PlanFields } from '../core/plans.ts';
import { ensureQueues } from '../core/queues.ts';
import { bytesText, parseBytes, table } from './format.ts';

export interface Context {
  db: Db;
  boss: PgBoss;
  config: Readonly<Config>;
  /** Where results go (stdout); messages for people go to `say`. */
  out: (line: string) => void;
}

type Flags = Record<string, string | boolean | undefined>;

const operator = () => {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
};

/** Makes a change and its audit entry in one transaction. */
function audited<T>(
  ctx: Context,
  action: string,
  targetId: string,
  change: (c: pg.PoolClient) => Promise<{ result: T; details?: Record<string, unknown> }>,
): Promise<T> {
  return transaction(ctx.db, async (c) => {
    const { result, details } = await change(c);
    await audit(c, { userId: null, action, targetId, details: { via: 'cli', operator: operator(), ...details } });
    return result;
  });
}

const need = (value: string | undefined, what: string): string => {
  if (!value) throw errors.invalid(`Missing ${what}.`);
  return value;
};

/** "none" or "unlimited": no limit; else a count. */
function limitOf(v: string | boolean | undefined, name: string): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'none' || v === 'unlimited') return null;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0)
    throw errors.invalid(`--${name} takes a whole number, or "none" for no limit.`);
  return n;
}

/** The plan fields the flags give; `kinds`: the cloud kinds there are. */
function planFlags(f: Flags, kinds: readonly string[]): Partial<PlanFields> {
  const providers = f.providers;
  const name = typeof f.name === 'string' ? f.name.trim() : undefined;
  if (name !== undefined && (!name || name.length > 100)) throw errors.invalid('--name takes 1 to 100 characters.');
  const allowed =
    providers === undefined
      ? undefined
      : providers === 'all'
        ? null
        : [
            ...new Set(
              String(providers)
                .split(',')
                .map((p) => p.trim())
                .filter(Boolean),
            ),
          ];
  const unknown = allowed?.filter((k) => !kinds.includes(k)) ?? [];
  if (unknown.length)
    throw errors.invalid(`Unknown provider ${unknown.join(', ')}: the kinds are ${kinds.join(', ')}.`);
  return {
    name,
    monthlyTrafficBytes: typeof f.traffic === 'string' ? parseBytes(f.traffic) : undefined,
    maxTasks: limitOf(f['max-tasks'], 'max-tasks'),
    maxClouds: limitOf(f['max-clouds'], 'max-clouds'),
    allowedProviders: allowed,
  };
}

function userRows(users: admin.AdminUser[]): string[][] {
  return [
    ['EMAIL', 'PLAN', 'TRAFFIC', 'CLOUDS', 'TASKS', 'LAST RUN', 'STATE'],
    ...users.map((u) => [
      u.email,
      u.plan,
      `${bytesText(u.usage.usedBytes)} / ${bytesText(u.usage.limitBytes)}${u.trafficLimitBytes === null ? '' : '*'}`,
      String(u.clouds),
      String(u.tasks),
      u.lastRun ? `${u.lastRun.status} ${u.lastRun.createdAt.slice(0, 16).replace('T', ' ')}` : '-',
      [u.suspendedAt ? 'suspended' : 'active', u.admin ? 'admin' : ''].filter(Boolean).join(', '),
    ]),
  ];
}

const planRows = (plans: Awaited<ReturnType<typeof listPlans>>) => [
  ['ID', 'NAME', 'TRAFFIC/MONTH', 'MAX TASKS', 'MAX CLOUDS', 'PROVIDERS', 'USERS'],
  ...plans.map((p) => [
    p.id,
    p.name,
    bytesText(p.monthlyTrafficBytes),
    p.maxTasks === null ? 'no limit' : String(p.maxTasks),
    p.maxClouds === null ? 'no limit' : String(p.maxClouds),
    p.allowedProviders === null ? 'all' : p.allowedProviders.join(',') || 'none',
    String(p.users),
  ]),
];

export async function runMigrate(ctx: Context): Promise<void> {
  const applied = await migrate(ctx.db);
  // pg-boss's own tables came with its start; its queues are Ferry's to declare.
  await ensureQueues(ctx.boss);
  if (applied.length)
    await audited(ctx, 'admin.migrate', 'database', async () => ({ result: null, details: { applied } }));
  ctx.out(applied.length ? `Applied ${applied.join(', ')}.` : 'The database is up to date.');
}

export async function runUsers(ctx: Context, f: Flags): Promise<void> {
  const all: admin.AdminUser[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.listUsers(ctx.db, {
      search: typeof f.search === 'string' ? f.search : undefined,
      suspended: f.suspended ? true : undefined,
      cursor,
      limit: 200,
    });
    all.push(...page.items.map((u) => admin.withNamedAdmins(u, ctx.config.admins)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (f.json) return ctx.out(JSON.stringify(all, null, 2));
  ctx.out(table(userRows(all)));
  ctx.out(`${all.length} account${all.length === 1 ? '' : 's'}. * own traffic limit.`);
}

/** The cloud kinds there are: loaded with the connectors, which only `plan create` and `update` need. */
const cloudKinds = async (): Promise<readonly string[]> => (await import('../../connectors/index.ts')).providerKinds;

export async function runPlan(ctx: Context, args: string[], f: Flags): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub ?? 'list') {
    case 'list': {
      const plans = await listPlans(ctx.db);
      return ctx.out(f.json ? JSON.stringify(plans, null, 2) : table(planRows(plans)));
    }
    case 'create': {
      const id = need(rest[0], 'the plan id (plan create <id> --name … --traffic …)');
      const p = planFlags(f, await cloudKinds());
      if (!p.name || p.monthlyTrafficBytes === undefined)
        throw errors.invalid('A new plan needs --name and --traffic (such as 50GB).');
      const fields: PlanFields = {
        name: p.name,
        monthlyTrafficBytes: p.monthlyTrafficBytes,
        maxTasks: p.maxTasks ?? null,
        maxClouds: p.maxClouds ?? null,
        allowedProviders: p.allowedProviders ?? null,
      };
      checkPlanId(id);
      await audited(ctx, 'admin.plan.create', id, async (c) => ({
        result: await createPlan(c, id, fields),
        details: { plan: { id, ...fields } },
      }));
      return ctx.out(`Created plan ${id}.`);
    }
    case 'update': {
      const id = need(rest[0], 'the plan id (plan update <id> --traffic …)');
      const patch = Object.fromEntries(
        Object.entries(planFlags(f, await cloudKinds())).filter(([, v]) => v !== undefined),
      );
      if (!Object.keys(patch).length)
        throw errors.invalid('Say what to change: --name, --traffic, --max-tasks, --max-clouds or --providers.');
      await audited(ctx, 'admin.plan.update', id, async (c) => {
        const { before } = await updatePlan(c, id, patch);
        const { users: _, ...was } = before;
        return { result: null, details: { before: was, after: patch } };
      });
      return ctx.out(`Changed plan ${id}.`);
    }
    case 'remove': {
      const id = need(rest[0], 'the plan id (plan remove <id>)');
      await audited(ctx, 'admin.plan.remove', id, async (c) => {
        const { users: _, ...was } = await removePlan(c, id);
        return { result: null, details: { plan: was } };
      });
      return ctx.out(`Removed plan ${id}.`);
    }
    case 'set': {
      // plan set <email|id> <plan>, and --traffic for the user's own limit ("plan": the plan's).
      const who = need(rest[0], 'the account (plan set <email> <plan> [--traffic 100GB|plan])');
      const planId = rest[1];
      const traffic = typeof f.traffic === 'string' ? (f.traffic === 'plan' ? null : parseBytes(f.traffic)) : undefined;
      if (planId === undefined && traffic === undefined) throw errors.invalid('Give a plan, --traffic, or both.');
      const user = await transaction(ctx.db, (c) => admin.findUser(c, who));
      const after = await audited(ctx, 'admin.user.update', user.id, async (c) => {
        const patch = { plan: planId, trafficLimitBytes: traffic };
        const { before, after } = await admin.updateUser(c, user.id, patch);
        return { result: after, details: { before, after: patch } };
      });
      return ctx.out(
        `${after.email}: plan ${after.plan}, ${bytesText(after.usage.limitBytes)} a month` +
          `${after.trafficLimitBytes === null ? ' (the plan’s)' : ' (their own limit)'}.`,
      );
    }
    default:
      throw errors.invalid(`Unknown plan command "${sub}": list, create, update, remove or set.`);
  }
}

function checkPlanId(id: string) {
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(id))
    throw errors.invalid(`Plan ids are lower-case letters, digits and dashes, at most 40: "${id}" is not one.`);
}

export async function runSuspend(ctx: Context, args: string[], f: Flags): Promise<void> {
  const who = need(args[0], 'the account (suspend <email> [--reason "…"])');
  const reason = typeof f.reason === 'string' && f.reason.trim() ? f.reason.trim().slice(0, 500) : null;
  const { id } = await transaction(ctx.db, (c) => admin.findUser(c, who));
  const { user, cancelledRuns } = await audited(ctx, 'admin.user.suspend', id, async (c) => {
    const r = await admin.suspend(c, ctx.boss, ctx.config.publicUrl, id, reason);
    return { result: r, details: { reason, cancelledRuns: r.cancelledRuns } };
  });
  ctx.out(
    `Suspended ${user.email}: signed out, ${cancelledRuns} run${cancelledRuns === 1 ? '' : 's'} cancelled, ` +
      `schedules held; a mail is on its way.`,
  );
}

export async function runResume(ctx: Context, args: string[]): Promise<void> {
  const who = need(args[0], 'the account (resume <email>)');
  const { id } = await transaction(ctx.db, (c) => admin.findUser(c, who));
  const user = await audited(ctx, 'admin.user.resume', id, async (c) => ({
    result: await admin.resume(c, ctx.boss, ctx.config.publicUrl, id),
  }));
  ctx.out(`Resumed ${user.email}: they can sign in again, and their schedules count on from now.`);
}

export async function runPromote(ctx: Context, args: string[], f: Flags): Promise<void> {
  const who = need(args[0], 'the account (promote <email> [--revoke])');
  const revoke = Boolean(f.revoke);
  const { id, email } = await transaction(ctx.db, (c) => admin.findUser(c, who));
  const changed = await audited(ctx, revoke ? 'admin.user.demote' : 'admin.user.promote', id, async (c) => ({
    result: await admin.setAdmin(c, id, !revoke),
  }));
  const named = ctx.config.admins.includes(email.toLowerCase());
  ctx.out(
    !changed
      ? `${email} was ${revoke ? 'not' : 'already'} promoted: nothing changed.`
      : revoke
        ? `${email} is no longer promoted${named ? ', but FERRY_ADMINS still names them' : ''}.`
        : `${email} administers this Ferry now.`,
  );
}

export async function runStats(ctx: Context, f: Flags): Promise<void> {
  const s = await admin.stats(ctx.db, ctx.config.admins);
  if (f.json) return ctx.out(JSON.stringify(s, null, 2));
  const tally = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  ctx.out(
    table([
      ['Accounts', `${s.users.total} (${s.users.suspended} suspended, ${s.users.admins} administrators)`],
      ['New in 30 days', String(s.users.signedUpLast30Days)],
      ['Clouds', `${s.clouds.total} (${tally(s.clouds.byKind)}); ${s.clouds.needingReauth} need reconnecting`],
      ['Tasks', `${s.tasks.total} (${s.tasks.scheduled} scheduled, ${s.tasks.paused} paused)`],
      ['Runs now', `${s.runs.running} running, ${s.runs.queued} queued`],
      ['Runs ended, 24 h', tally(s.runs.endedLast24Hours)],
      [
        `Traffic since ${s.traffic.periodStart.slice(0, 10)}`,
        `${bytesText(s.traffic.usedBytes)} (+${bytesText(s.traffic.reservedBytes)} in flight); ` +
          `${s.traffic.usersOverQuota} accounts at their limit`,
      ],
      ['Mail', `${s.mail.pending} waiting, ${s.mail.failedLast24Hours} failed in 24 h`],
    ]),
  );
}
