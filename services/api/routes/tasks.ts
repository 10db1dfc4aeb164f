// Backup tasks and starting their runs.
import { z } from 'zod';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { errors } from '../../core/errors.ts';
import { createTask, updateTask } from '../../core/task-spec.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { cursorQuery, errorsFor, idParams, page, run, task } from '../schemas.ts';

export function taskRoutes(app: App, s: Services): void {
  app.get(
    '/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'List tasks',
        querystring: cursorQuery,
        response: { 200: page(task), ...errorsFor(400, 401) },
      },
    },
    async (request) => s.tasks.list(userOf(request).id, request.query.cursor, request.query.limit),
  );

  app.post(
    '/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Create a backup task',
        body: createTask,
        response: { 201: task, ...errorsFor(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      if (s.config.verifyEmail && !user.emailVerified) throw errors.emailUnverified();
      const created = await transaction(s.db, async (client) => {
        const t = await s.tasks.create(client, user.id, request.body);
        if (t.notify.email) await s.notifier.askToConfirm(client, user, t.notify.email);
        await audit(client, { userId: user.id, action: 'task.create', targetId: t.id, ip: request.ip });
        return t;
      });
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/tasks/check',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Check a task, or part of one, without saving it',
        description:
          'Applies the rules of POST /tasks (or, with taskId, of PATCH /tasks/:id) to the fields given ' +
          'and stores nothing: 204 when they are fine, 400 with the first problem otherwise. ' +
          'The web app checks each step of its task wizard with it.',
        querystring: z.strictObject({ taskId: z.uuid().optional().describe('Check as a change of this task') }),
        body: updateTask,
        response: { 204: z.null(), ...errorsFor(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await s.tasks.check(s.db, userOf(request).id, request.body, request.query.taskId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'A task',
        params: idParams,
        response: { 200: task, ...errorsFor(400, 401, 404) },
      },
    },
    async (request) => s.tasks.get(userOf(request).id, request.params.id),
  );

  app.patch(
    '/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Change a task',
        params: idParams,
        body: updateTask,
        response: { 200: task, ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return transaction(s.db, async (client) => {
        const t = await s.tasks.update(client, user.id, request.params.id, request.body);
        if (request.body.notify?.email) await s.notifier.askToConfirm(client, user, request.body.notify.email);
        await audit(client, { userId: user.id, action: 'task.update', targetId: t.id, ip: request.ip });
        return t;
      });
    },
  );

  app.delete(
    '/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Delete a task and its history',
        params: idParams,
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await transaction(s.db, async (client) => {
        await s.tasks.remove(client, user.id, request.params.id);
        await audit(client, { userId: user.id, action: 'task.delete', targetId: request.params.id, ip: request.ip });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/tasks/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Run a task now',
        params: idParams,
        response: { 202: z.object({ run }), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      if (s.config.verifyEmail && !user.emailVerified) throw errors.emailUnverified();
      const started = await transaction(s.db, async (client) => {
        const r = await s.runs.start(client, user.id, request.params.id, 'manual');
        await audit(client, {
          userId: user.id,
          action: 'run.start',
          targetId: r.id,
          ip: request.ip,
          details: { taskId: r.taskId },
        });
        return r;
      });
      return reply.status(202).send({ run: started });
    },
  );

  app.get(
    '/tasks/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Runs of a task, newest first',
        params: idParams,
        querystring: cursorQuery,
        response: { 200: page(run), ...errorsFor(400, 401, 404) },
      },
    },
    async (request) =>
      s.runs.listForTask(userOf(request).id, request.params.id, request.query.cursor, request.query.limit),
  );
}
