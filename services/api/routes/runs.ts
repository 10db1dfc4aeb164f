// Runs: their state, their items, live progress and cancelling.
import { z } from 'zod';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { runNotifications } from '../../core/notifications.ts';
import { AppError, errors } from '../../core/errors.ts';
import { isFinished, type Run } from '../../core/runs.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { createRunStreams, STREAMS_PER_USER } from '../run-streams.ts';
import { errorsFor, idParams, itemsQuery, page, run, runInList, runItem, runsQuery } from '../schemas.ts';

// Events a client has not read beyond this: it stopped reading, and its stream is ended.
const MAX_UNREAD_BYTES = 256 * 1024;

export function runRoutes(app: App, s: Services): void {
  app.get(
    '/runs',
    {
      schema: {
        tags: ['runs'],
        summary:
          "The account's runs across its tasks, newest first, each with its task's name; " +
          '?active=true for those queued or running',
        querystring: runsQuery,
        response: { 200: page(runInList), ...errorsFor(400, 401) },
      },
    },
    async (request) => {
      const { active, cursor, limit } = request.query;
      return s.runs.listForUser(userOf(request).id, { active: active === 'true', cursor, limit });
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run with its progress and whether its notifications were delivered',
        params: idParams,
        response: { 200: run, ...errorsFor(400, 401, 404) },
      },
    },
    async (request) => {
      const r = await s.runs.get(userOf(request).id, request.params.id);
      return { ...r, notifications: await runNotifications(s.db, r.id) };
    },
  );

  app.get(
    '/runs/:id/items',
    {
      schema: {
        tags: ['runs'],
        summary: 'Items of a run; ?status=failed says why each failed',
        params: idParams,
        querystring: itemsQuery,
        response: { 200: page(runItem), ...errorsFor(400, 401, 404) },
      },
    },
    async (request) =>
      s.runs.items(
        userOf(request).id,
        request.params.id,
        request.query.status,
        request.query.cursor,
        request.query.limit,
      ),
  );

  const streams = createRunStreams({ accounts: s.accounts, runs: s.runs });
  app.addHook('preClose', async () => streams.closeAll());
  app.get(
    '/runs/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary:
          `Server-sent events: a "progress" event with the run every second, ` +
          `"end" when it finishes, "closed" with an error when the stream is cut ` +
          `(the token revoked, the session ended, the run deleted). At most ${STREAMS_PER_USER} open per account.`,
        params: idParams,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), ...errorsFor(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = userOf(request).id;
      const runId = request.params.id;
      const release = streams.admit(userId);
      let first: Run;
      try {
        first = await s.runs.get(userId, runId); // 404 before the stream starts
      } catch (err) {
        release();
        throw err;
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

      const stops: (() => void)[] = [release];
      let ended = false;
      const end = (last?: { event: string; data: unknown }) => {
        if (ended) return;
        ended = true;
        for (const stop of stops) stop();
        if (last && res.writable) write(last.event, last.data);
        res.end();
      };
      const show = (run: Run) => {
        write('progress', run);
        if (isFinished(run.status)) end({ event: 'end', data: { status: run.status } });
        // A client that stops reading would have the events pile up here for as long as it stays.
        else if (res.writableLength > MAX_UNREAD_BYTES) end();
      };
      const cut = (err: Error) => {
        if (err instanceof AppError) return end({ event: 'closed', data: err.render() });
        request.log.warn({ err }, 'progress stream ended early');
        end();
      };
      res.on('close', () => end());
      res.on('error', () => end());
      if (!res.socket || res.socket.destroyed) return end(); // the client left while the run was read
      show(first);
      if (ended) return;
      stops.push(streams.watchRun(userId, runId, (run) => (run instanceof Error ? cut(run) : show(run))));
      const signedOut = request.headers.authorization
        ? 'The access token was revoked.'
        : 'Your session has ended: log in again.';
      stops.push(streams.watchCredential(request, userId, (err) => cut(err ?? errors.unauthorized(signedOut))));
      stops.push(streams.onClose(() => end()));
      const onClosing = () => end();
      s.closing.addEventListener('abort', onClosing);
      stops.push(() => s.closing.removeEventListener('abort', onClosing));
      if (s.closing.aborted) end();
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Stop a queued or running run',
        params: idParams,
        response: { 200: run, ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return transaction(s.db, async (client) => {
        const r = await s.runs.cancel(client, user.id, request.params.id);
        await audit(client, { userId: user.id, action: 'run.cancel', targetId: r.id, ip: request.ip });
        return r;
      });
    },
  );
}
