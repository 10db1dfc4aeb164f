// Providers and connected clouds.
import { z } from 'zod';
import { pathProblem } from '../../../connectors/cloud-path.ts';
import { connectors } from '../../../connectors/index.ts';
import { CloudError } from '../../../connectors/types.ts';
import { audit } from '../../core/audit.ts';
import { toAppError } from '../../core/clouds.ts';
import { transaction } from '../../core/db.ts';
import { errors } from '../../core/errors.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import {
  checkResult,
  cloud,
  createCloud,
  entriesQuery,
  entry,
  errorsFor,
  exportStatus,
  idParams,
  page,
  pickerSession,
  provider,
  updateCloud,
} from '../schemas.ts';

// A check or a folder listing that takes longer than this is reported as unreachable.
const CLOUD_CALL_TIMEOUT_MS = 20_000;

export function providerRoutes(app: App, s: Services): void {
  app.get(
    '/providers',
    {
      schema: {
        tags: ['clouds'],
        summary: 'The kinds of cloud Ferry connects, and the options each needs',
        response: { 200: z.array(provider) },
      },
    },
    async () =>
      [...connectors.values()].map((def) => {
        const why = s.clouds.unavailable(def);
        return {
          kind: def.kind,
          title: def.title,
          auth: def.auth,
          source: def.source,
          destination: def.destination,
          options: z.toJSONSchema(def.options, { io: 'input' }) as Record<string, unknown>,
          available: why === null,
          unavailableReason: why,
        };
      }),
  );
}

export function cloudRoutes(app: App, s: Services): void {
  app.get(
    '/clouds',
    {
      schema: { tags: ['clouds'], summary: 'List connected clouds', response: { 200: page(cloud), ...errorsFor(401) } },
    },
    async (request) => ({ items: await s.clouds.list(userOf(request).id), nextCursor: null }),
  );

  app.post(
    '/clouds',
    {
      schema: {
        tags: ['clouds'],
        summary:
          'Connect a cloud with credentials (s3, local); its connection is tried first and a cloud that cannot be reached is not saved',
        body: createCloud,
        response: { 201: cloud, ...errorsFor(400, 401, 403, 422, 502) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const created = await transaction(s.db, async (client) => {
        const c = await s.clouds.create(client, user.id, request.body);
        await audit(client, {
          userId: user.id,
          action: 'cloud.create',
          targetId: c.id,
          ip: request.ip,
          details: { kind: c.kind },
        });
        return c;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/clouds/:id',
    {
      schema: {
        tags: ['clouds'],
        summary: 'A connected cloud',
        params: idParams,
        response: { 200: cloud, ...errorsFor(400, 401, 404) },
      },
    },
    async (request) => s.clouds.get(userOf(request).id, request.params.id),
  );

  app.patch(
    '/clouds/:id',
    {
      schema: {
        tags: ['clouds'],
        summary: 'Rename a cloud or change its options (changed options are tried as at creation)',
        params: idParams,
        body: updateCloud,
        response: { 200: cloud, ...errorsFor(400, 401, 403, 404, 422, 502) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return transaction(s.db, async (client) => {
        const c = await s.clouds.update(client, user.id, request.params.id, request.body);
        await audit(client, { userId: user.id, action: 'cloud.update', targetId: c.id, ip: request.ip });
        return c;
      });
    },
  );

  app.delete(
    '/clouds/:id',
    {
      schema: {
        tags: ['clouds'],
        summary: 'Disconnect a cloud',
        params: idParams,
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await transaction(s.db, async (client) => {
        await s.clouds.remove(client, user.id, request.params.id);
        await audit(client, { userId: user.id, action: 'cloud.delete', targetId: request.params.id, ip: request.ip });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/clouds/:id/check',
    {
      schema: {
        tags: ['clouds'],
        summary: 'Test that Ferry can reach and use the cloud',
        params: idParams,
        response: { 200: checkResult, ...errorsFor(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const { handle } = await s.clouds.open(user.id, request.params.id);
      let error: string | null = null;
      try {
        await handle.check(AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS));
      } catch (err) {
        // A failed check is an answer, not an error: it is recorded on the cloud and shown.
        if (err instanceof CloudError) error = err.message;
        else if ((err as Error).name === 'TimeoutError')
          error = `The cloud did not answer within ${CLOUD_CALL_TIMEOUT_MS / 1000} seconds.`;
        else throw err;
      }
      const updated = await s.clouds.recordCheck(user.id, request.params.id, error);
      return { ok: error === null, error, cloud: updated };
    },
  );

  app.get(
    '/clouds/:id/entries',
    {
      schema: {
        tags: ['clouds'],
        summary: 'Browse the folders of a cloud',
        params: idParams,
        querystring: entriesQuery,
        response: { 200: page(entry), ...errorsFor(400, 401, 404, 422, 502) },
      },
    },
    async (request) => {
      // One check of the path for every kind of cloud, before any provider or disk sees it.
      const problem = pathProblem(request.query.path ?? '');
      if (problem) throw errors.invalid(`path ${problem}.`);
      const { handle } = await s.clouds.open(userOf(request).id, request.params.id);
      try {
        const result = await handle.browse(
          request.query.path ?? '',
          request.query.cursor,
          AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS),
        );
        return { items: result.entries, nextCursor: result.nextCursor ?? null };
      } catch (err) {
        throw toAppError(err);
      }
    },
  );

  // Google Photos: the user picks what to back up in Google's Picker (the only way an app may read
  // a library since 2025); a task whose source names the session then copies the picked items.
  app.get(
    '/clouds/:id/takeout',
    {
      schema: {
        tags: ['clouds'],
        summary:
          'Google Photos via Takeout: the export sets in the delivery folder, their parts and state, when the next is due, and how to set up the export',
        params: idParams,
        response: { 200: exportStatus, ...errorsFor(400, 401, 404, 422, 502) },
      },
    },
    async (request) => {
      try {
        const { cloud: c, handle } = await s.clouds.open(userOf(request).id, request.params.id);
        if (!handle.exports)
          throw errors.invalid(`${c.name} receives no Takeout exports: only a Google Photos via Takeout cloud does.`);
        return await handle.exports(AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS));
      } catch (err) {
        throw toAppError(err);
      }
    },
  );

  const pickerOf = async (userId: string, cloudId: string) => {
    const { cloud: c, handle } = await s.clouds.open(userId, cloudId);
    if (!handle.picker) throw errors.invalid(`${c.name} has no Picker sessions: only a Google Photos cloud does.`);
    return handle.picker;
  };

  app.post(
    '/clouds/:id/picker-sessions',
    {
      schema: {
        tags: ['clouds'],
        summary:
          'Google Photos: start a Picker session; open its pickerUri (with /autoclose) in a new tab for the user to pick',
        params: idParams,
        response: { 201: pickerSession, ...errorsFor(400, 401, 403, 404, 422, 502) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const picker = await pickerOf(user.id, request.params.id);
      try {
        const session = await picker.create(AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS));
        await audit(s.db, {
          userId: user.id,
          action: 'picker.create',
          targetId: request.params.id,
          ip: request.ip,
          details: { sessionId: session.id },
        });
        return reply.status(201).send(session);
      } catch (err) {
        throw toAppError(err);
      }
    },
  );

  app.get(
    '/clouds/:id/picker-sessions/:sid',
    {
      schema: {
        tags: ['clouds'],
        summary:
          'Google Photos: whether the user is done picking (poll at pollIntervalSeconds), and how many items were picked',
        params: z.strictObject({
          id: z.uuid(),
          sid: z
            .string()
            .min(1)
            .max(256)
            .regex(/^[\w.-]+$/, 'a session id'),
        }),
        response: { 200: pickerSession, ...errorsFor(400, 401, 404, 422, 502) },
      },
    },
    async (request) => {
      const picker = await pickerOf(userOf(request).id, request.params.id);
      try {
        return await picker.get(request.params.sid, AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS));
      } catch (err) {
        throw toAppError(err);
      }
    },
  );
}
