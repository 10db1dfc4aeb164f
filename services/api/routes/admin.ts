// The operator's console: accounts, plans, suspension, the audit log and the service's figures, for
// administrators only (FERRY_ADMINS, or promoted with `npm run ferry -- promote`). Every change is
// audited in its own transaction as an `admin.*` action by the administrator who made it.
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import * as admin from '../../core/admin.ts';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { errors } from '../../core/errors.ts';
import { createPlan, listPlans, removePlan, updatePlan } from '../../core/plans.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import {
  adminStats,
  adminUser,
  adminUserChanges,
  auditEntry,
  cursorQuery,
  errorsFor,
  idParams,
  newPlan,
  page,
  plan,
  planChanges,
  planId,
} from '../schemas.ts';

const planParams = z.strictObject({ id: planId });
const reasonBody = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional().describe('Told to the user in the mail') })
  .nullish();

/** Only administrators get past this (a signed-in user who is not one: 403). */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (!userOf(request).admin) throw errors.forbidden('This needs an administrator of this Ferry.');
}

export function adminRoutes(app: App, s: Services): void {
  app.addHook('onRequest', requireAdmin);
  const tags = ['admin'];
  const shown = (u: admin.AdminUser) => admin.withNamedAdmins(u, s.config.admins);
  /** Writes the change and its audit entry by the signed-in administrator in one transaction. */
  const audited = <T>(
    request: FastifyRequest,
    action: string,
    targetId: string,
    change: (c: pg.PoolClient) => Promise<{ result: T; details?: object }>,
  ) =>
    transaction(s.db, async (c) => {
      const { result, details } = await change(c);
      await audit(c, {
        userId: userOf(request).id,
        action,
        targetId,
        ip: request.ip,
        details: details as Record<string, unknown>,
      });
      return result;
    });

  app.get(
    '/admin/users',
    {
      schema: {
        tags,
        summary: 'Every account with its usage this month, clouds, tasks and last run, oldest first',
        querystring: cursorQuery.extend({
          q: z.string().max(254).optional().describe('Part of the address'),
          suspended: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: page(adminUser), ...errorsFor(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await admin.listUsers(s.db, {
        search: request.query.q,
        suspended: request.query.suspended,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { ...page, items: page.items.map(shown) };
    },
  );

  app.get(
    '/admin/users/:id',
    {
      schema: {
        tags,
        summary: 'One account',
        params: idParams,
        response: { 200: adminUser, ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request) => shown(await admin.getUser(s.db, request.params.id)),
  );

  app.patch(
    '/admin/users/:id',
    {
      schema: {
        tags,
        summary: "Set a user's plan and/or own monthly traffic limit (null: the plan's)",
        params: idParams,
        body: adminUserChanges,
        response: { 200: adminUser, ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request) =>
      audited(request, 'admin.user.update', request.params.id, async (c) => {
        const { before, after } = await admin.updateUser(c, request.params.id, request.body);
        return { result: shown(after), details: { before, after: request.body } };
      }),
  );

  app.post(
    '/admin/users/:id/suspend',
    {
      schema: {
        tags,
        summary: 'Suspend an account: its sessions end, its runs are cancelled, its schedules held; it is mailed',
        params: idParams,
        body: reasonBody,
        response: { 200: adminUser, ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      if (request.params.id === userOf(request).id) throw errors.conflict('You cannot suspend your own account.');
      const reason = request.body?.reason ?? null;
      return audited(request, 'admin.user.suspend', request.params.id, async (c) => {
        const { user, cancelledRuns } = await admin.suspend(c, s.boss, s.config.publicUrl, request.params.id, reason);
        return { result: shown(user), details: { reason, cancelledRuns } };
      });
    },
  );

  app.post(
    '/admin/users/:id/resume',
    {
      schema: {
        tags,
        summary: 'Lift a suspension: the user can sign in again and schedules count on from now; it is mailed',
        params: idParams,
        response: { 200: adminUser, ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      audited(request, 'admin.user.resume', request.params.id, async (c) => ({
        result: shown(await admin.resume(c, s.boss, s.config.publicUrl, request.params.id)),
      })),
  );

  app.get(
    '/admin/plans',
    {
      schema: {
        tags,
        summary: 'Every plan, smallest traffic first, with how many accounts are on it',
        response: { 200: page(plan), ...errorsFor(401, 403) },
      },
    },
    async () => ({ items: await listPlans(s.db), nextCursor: null }),
  );

  app.post(
    '/admin/plans',
    {
      schema: {
        tags,
        summary: 'Create a plan',
        body: newPlan,
        response: { 201: plan, ...errorsFor(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { id, ...fields } = request.body;
      const created = await audited(request, 'admin.plan.create', id, async (c) => {
        const p = await createPlan(c, id, {
          ...fields,
          maxTasks: fields.maxTasks ?? null,
          maxClouds: fields.maxClouds ?? null,
          allowedProviders: fields.allowedProviders ?? null,
        });
        return { result: p, details: { plan: request.body } };
      });
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/admin/plans/:id',
    {
      schema: {
        tags,
        summary: 'Change a plan: its accounts have the new limits at once (what they have stays)',
        params: planParams,
        body: planChanges,
        response: { 200: plan, ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request) =>
      audited(request, 'admin.plan.update', request.params.id, async (c) => {
        const { before, after } = await updatePlan(c, request.params.id, request.body);
        const { users: _, ...was } = before;
        return { result: after, details: { before: was, after: request.body } };
      }),
  );

  app.delete(
    '/admin/plans/:id',
    {
      schema: {
        tags,
        summary: 'Remove a plan no account is on (the free plan stays)',
        params: planParams,
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await audited(request, 'admin.plan.remove', request.params.id, async (c) => {
        const { users: _, ...was } = await removePlan(c, request.params.id);
        return { result: null, details: { plan: was } };
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/admin/audit',
    {
      schema: {
        tags,
        summary: 'The audit log, newest first',
        querystring: cursorQuery.extend({
          userId: z.uuid().optional().describe("One user's actions"),
          action: z
            .string()
            .regex(/^[a-z_.]{1,64}$/)
            .optional()
            .describe('One action ("admin.user.suspend"), or all that start so when it ends with a dot ("admin.")'),
        }),
        response: { 200: page(auditEntry), ...errorsFor(400, 401, 403) },
      },
    },
    async (request) => admin.auditLog(s.db, request.query),
  );

  app.get(
    '/admin/stats',
    {
      schema: {
        tags,
        summary: "The service's figures: accounts, clouds, tasks, runs, this month's traffic, mail",
        response: { 200: adminStats, ...errorsFor(401, 403) },
      },
    },
    async () => admin.stats(s.db, s.config.admins),
  );
}
