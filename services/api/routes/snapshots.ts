// A task's backup through time: its snapshots, the backup as it was at one of them, restoring
// that state into a cloud, and verifying what the backup holds now.
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { errors } from '../../core/errors.ts';
import type { RestoreSpec, RunKind } from '../../core/run-state.ts';
import type { Run } from '../../core/runs.ts';
import { cloudPath, destination } from '../../core/task-spec.ts';
import { userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { cursorQuery, errorsFor, idParams, page, run, timestamp } from '../schemas.ts';

const instant = z.iso.datetime({ offset: true });
const at = instant.describe('The point in time (ISO 8601, UTC, to the microsecond)');
const pointQuery = {
  runId: z.uuid().optional().describe("A backup run of the task: the backup as that run's end left it"),
  asOf: instant.optional().describe('A time (ISO 8601): the backup as it was then. Neither: now'),
};

export const snapshot = z
  .object({
    runId: z.uuid(),
    at,
    status: z.enum(['succeeded', 'partial']),
    files: z.number().int().describe('Files in the backup at that time'),
    bytes: z.number().int().describe('Their bytes'),
    copied: z.object({ items: z.number().int(), bytes: z.number().int() }).describe('What that run copied'),
  })
  .meta({ id: 'Snapshot' });

const version = z.object({
  copiedAt: timestamp,
  replacedAt: timestamp.nullable().describe('When a newer copy took its place'),
  size: z.number().int().nullable(),
  hash: z.string().nullable().describe('The destination\'s hash of the copy, "kind:value"'),
  restorable: z.boolean().describe('The copy is still at the destination'),
});

export const treeEntry = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('folder'), name: z.string(), path: z.string() }),
    z.object({
      type: z.literal('file'),
      name: z.string(),
      path: z.string().describe('Where the file is in the backup: pass it to a restore as one of its paths'),
      size: z.number().int().nullable(),
      modifiedAt: timestamp.nullable().describe('When the file was last changed at the source'),
      copiedAt: timestamp.describe('When this copy was taken'),
      hash: z.string().nullable().describe('The destination\'s hash of the copy, "kind:value"'),
      restorable: z
        .boolean()
        .describe('The copy is still at the destination (false: overwritten, or a version removed since)'),
      versions: z.array(version).describe("The file's older copies, newest first, kept at the destination or recorded"),
    }),
  ])
  .meta({ id: 'TreeEntry' });

export const treeQuery = cursorQuery.extend({
  ...pointQuery,
  path: cloudPath.optional().describe("A folder of the backup, relative to the task's destination folder"),
});

export const restoreBody = z.strictObject({
  ...pointQuery,
  paths: z
    .array(cloudPath)
    .max(1000)
    .optional()
    .describe("Files or folders of the backup (as the tree's paths); none: all of it"),
  destination: destination.describe('The cloud and folder to restore into'),
  conflict: z
    .enum(['skip', 'overwrite', 'rename'])
    .optional()
    .describe('A file already at a path restored to: leave it, replace it, or put the restored one beside it'),
});

export function snapshotRoutes(app: App, s: Services): void {
  app.get(
    '/tasks/:id/snapshots',
    {
      schema: {
        tags: ['history'],
        summary: "The task's snapshots, newest first: each backup run that ended succeeded or partial",
        params: idParams,
        querystring: cursorQuery,
        response: { 200: page(snapshot), ...errorsFor(400, 401, 404) },
      },
    },
    async (request) =>
      s.snapshots.list(userOf(request).id, request.params.id, request.query.cursor, request.query.limit),
  );

  app.get(
    '/tasks/:id/tree',
    {
      schema: {
        tags: ['history'],
        summary: 'A folder of the backup as it was at a point in time: its folders, then its files, by name',
        description:
          'runId: as that backup run left it; asOf: as it was at that time; neither: now. ' +
          'A time before the first snapshot is refused (400).',
        params: idParams,
        querystring: treeQuery,
        response: {
          200: z.object({
            at,
            runId: z.uuid().nullable(),
            path: z.string(),
            entries: z.array(treeEntry),
            nextCursor: z.string().nullable(),
          }),
          ...errorsFor(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { path, ...q } = request.query;
      const tree = await s.snapshots.tree(userOf(request).id, request.params.id, { ...q, path: path ?? '' });
      const { items, ...rest } = tree;
      return { ...rest, entries: items };
    },
  );

  app.post(
    '/tasks/:id/restore',
    {
      schema: {
        tags: ['history'],
        summary: 'Restore the backup as it was at a point in time, or some of its files and folders, into a cloud',
        description:
          'Starts a run of kind restore that copies exactly that state (the right copy of each file, ' +
          'nothing added after it) into destination, under the conflict policy given (default rename).',
        params: idParams,
        body: restoreBody,
        response: { 202: z.object({ run }), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const started = await startRun(s, request, request.params.id, 'restore', (client, userId) =>
        s.snapshots.resolveRestore(client, userId, request.params.id, request.body),
      );
      return reply.status(202).send({ run: started });
    },
  );

  app.post(
    '/tasks/:id/verify',
    {
      schema: {
        tags: ['history'],
        summary: 'Verify the backup: check every copy it holds at the destination',
        params: idParams,
        response: { 202: z.object({ run }), ...errorsFor(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const started = await startRun(s, request, request.params.id, 'verify', async () => null);
      return reply.status(202).send({ run: started });
    },
  );
}

/** Starts a run of the task of `kind` with the spec `specOf` resolves, in one transaction with its audit entry. */
async function startRun(
  s: Services,
  request: FastifyRequest,
  taskId: string,
  kind: RunKind,
  specOf: (client: pg.PoolClient, userId: string) => Promise<RestoreSpec | null>,
): Promise<Run> {
  const user = userOf(request);
  if (s.config.verifyEmail && !user.emailVerified) throw errors.emailUnverified();
  return transaction(s.db, async (client) => {
    const spec = await specOf(client, user.id);
    const r = await s.runs.start(client, user.id, taskId, 'manual', kind, spec);
    await audit(client, {
      userId: user.id,
      action: 'run.start',
      targetId: r.id,
      ip: request.ip,
      details: { taskId: r.taskId, kind },
    });
    return r;
  });
}
