// Plans: what a user may use (monthly traffic, tasks, clouds, providers), set by the operator.
// A user's own traffic limit (users.traffic_limit_bytes) overrides the plan's traffic only.
import type { Queryable } from './db.ts';
import { errors } from './errors.ts';

/** The plan every new account gets (users.plan_id's default): it cannot be removed. */
export const DEFAULT_PLAN = 'free';

export interface Plan {
  id: string;
  name: string;
  monthlyTrafficBytes: number;
  /** null: no limit. */
  maxTasks: number | null;
  maxClouds: number | null;
  /** Cloud kinds a user of the plan may add; null: every kind. */
  allowedProviders: string[] | null;
  /** How many accounts are on the plan. */
  users: number;
}

export type PlanFields = Omit<Plan, 'id' | 'users'>;

const columns = `p.id, p.name, p.monthly_traffic_bytes AS "monthlyTrafficBytes", p.max_tasks AS "maxTasks",
  p.max_clouds AS "maxClouds", p.allowed_providers AS "allowedProviders",
  (SELECT count(*)::int FROM users u WHERE u.plan_id = p.id) AS users`;

export async function listPlans(q: Queryable): Promise<Plan[]> {
  const { rows } = await q.query<Plan>(`SELECT ${columns} FROM plans p ORDER BY p.monthly_traffic_bytes, p.id`);
  return rows;
}

export async function getPlan(q: Queryable, id: string): Promise<Plan> {
  const { rows } = await q.query<Plan>(`SELECT ${columns} FROM plans p WHERE p.id = $1`, [id]);
  if (!rows[0]) throw errors.notFound('Plan');
  return rows[0];
}

export async function createPlan(q: Queryable, id: string, f: PlanFields): Promise<Plan> {
  const { rowCount } = await q.query(
    `INSERT INTO plans (id, name, monthly_traffic_bytes, max_tasks, max_clouds, allowed_providers)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [id, f.name, f.monthlyTrafficBytes, f.maxTasks, f.maxClouds, f.allowedProviders],
  );
  if (!rowCount) throw errors.conflict(`A plan "${id}" exists already: change it, or choose another id.`);
  return getPlan(q, id);
}

/** Changes the fields given; returns the plan as it was and as it is. */
export async function updatePlan(
  q: Queryable,
  id: string,
  patch: Partial<PlanFields>,
): Promise<{ before: Plan; after: Plan }> {
  const { rows } = await q.query<Plan>(`SELECT ${columns} FROM plans p WHERE p.id = $1 FOR UPDATE`, [id]);
  const before = rows[0];
  if (!before) throw errors.notFound('Plan');
  const f: PlanFields = {
    name: patch.name ?? before.name,
    monthlyTrafficBytes: patch.monthlyTrafficBytes ?? before.monthlyTrafficBytes,
    maxTasks: patch.maxTasks === undefined ? before.maxTasks : patch.maxTasks,
    maxClouds: patch.maxClouds === undefined ? before.maxClouds : patch.maxClouds,
    allowedProviders: patch.allowedProviders === undefined ? before.allowedProviders : patch.allowedProviders,
  };
  await q.query(
    `UPDATE plans SET name = $2, monthly_traffic_bytes = $3, max_tasks = $4, max_clouds = $5, allowed_providers = $6
      WHERE id = $1`,
    [id, f.name, f.monthlyTrafficBytes, f.maxTasks, f.maxClouds, f.allowedProviders],
  );
  return { before, after: await getPlan(q, id) };
}

/** Removes a plan no account is on; returns it as it was. */
export async function removePlan(q: Queryable, id: string): Promise<Plan> {
  if (id === DEFAULT_PLAN) throw errors.conflict('The free plan is every new account’s: it cannot be removed.');
  const { rows } = await q.query<Plan>(`SELECT ${columns} FROM plans p WHERE p.id = $1 FOR UPDATE`, [id]);
  const plan = rows[0];
  if (!plan) throw errors.notFound('Plan');
  if (plan.users > 0)
    throw errors.conflict(
      `${plan.users} account${plan.users === 1 ? ' is' : 's are'} on the plan "${plan.name}": ` +
        'move them to another first.',
    );
  await q.query('DELETE FROM plans WHERE id = $1', [id]);
  return plan;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Refuses (plan_limit) what the user's plan does not allow: another task, another cloud, or a cloud
 * of a provider it leaves out. Run inside the transaction that then creates it: the user's row is
 * locked, so creations at once from several requests cannot pass the limit between them.
 */
export async function checkAllowance(
  q: Queryable,
  userId: string,
  what: { task: true } | { cloud: string; count?: boolean },
): Promise<void> {
  const { rows } = await q.query<{
    name: string;
    max_tasks: number | null;
    max_clouds: number | null;
    allowed_providers: string[] | null;
  }>(
    `SELECT p.name, p.max_tasks, p.max_clouds, p.allowed_providers FROM users u JOIN plans p ON p.id = u.plan_id
      WHERE u.id = $1 FOR UPDATE OF u`,
    [userId],
  );
  const plan = rows[0];
  if (!plan) throw errors.notFound('User');
  if ('task' in what) {
    if (plan.max_tasks === null) return;
    const { rows: n } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE user_id = $1', [
      userId,
    ]);
    if (n[0].n >= plan.max_tasks)
      throw errors.planLimit(
        `Your plan (${plan.name}) allows ${plural(plan.max_tasks, 'task')}: delete one first, or ask the operator ` +
          `of this Ferry for a larger plan.`,
      );
    return;
  }
  if (plan.allowed_providers && !plan.allowed_providers.includes(what.cloud))
    throw errors.planLimit(
      `Your plan (${plan.name}) does not include ${what.cloud} clouds; it includes: ` +
        `${plan.allowed_providers.join(', ') || 'none'}.`,
    );
  if (plan.max_clouds === null || what.count === false) return;
  const { rows: n } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM clouds WHERE user_id = $1', [
    userId,
  ]);
  if (n[0].n >= plan.max_clouds)
    throw errors.planLimit(
      `Your plan (${plan.name}) allows ${plural(plan.max_clouds, 'cloud')}: remove one first, or ask the operator ` +
        `of this Ferry for a larger plan.`,
    );
}
