// Providers and connected clouds.
import { z } from 'zod';
import { pathProblem } from '../../../connectors/lib/paths.ts';
import { connectors } from '../../../connectors/index.ts';
import { LOCALES, type Localized } from '../../../connectors/locale.ts';
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
  idParams,
  page,
  provider,
  updateCloud,
} from '../schemas.ts';

/** The same words in every language (a provider's name that no language changes). */
const localized = (text: string) => Object.fromEntries(LOCALES.map((l) => [l, text])) as Localized<string>;

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
        const titles = def.titles ?? localized(def.title);
        return {
          kind: def.kind,
          title: def.title,
          auth: def.auth,
          source: def.source,
          destination: def.destination,
          options: z.toJSONSchema(def.options, { io: 'input' }) as Record<string, unknown>,
          available: why === null,
          unavailableReason: why,
          titles,
          nouns: def.nouns ?? titles,
          wraps: def.wraps?.kinds ?? [],
          actions: (def.actions ?? []).map((a) => ({ method: a.method, path: a.path })),
          pickerSession: def.pickerSession !== undefined,
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
          'Connect a cloud with credentials (s3, local); ' +
          'its connection is tried first and a cloud that cannot be reached is not saved',
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
}
