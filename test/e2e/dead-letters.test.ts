// A run whose job ran out of retries (its worker died on it each time: an archive too large for the
// machine, say) ends failed with the job's last error and what to do: it does not wait for ever as
// "queued" or "running" with nobody at work on it. pg-boss moves the job to its dead-letter queue as
// it does in production; the test only takes the worker's place for the attempts that fail.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createNotifier } from '../../services/core/notifications.ts';
import { deadLetterOf, QUEUES } from '../../services/core/queues.ts';
import { failAbandonedRunOf } from '../../services/worker/jobs/dead-run.ts';
import { addWorker, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

let t: TestApp & { url: string };
let root: string;
let a: Actor;
let taskId: string;

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-dead-')));
  t = await startTestApp({ FERRY_LOCAL_ROOTS: root });
  a = await signup(t);
  await fs.writeFile(path.join(await localFolder(root, a, 'src'), 'IMG_0001.jpg'), 'a photo');
  await localFolder(root, a, 'dst');
  const post = async (url: string, payload: object) =>
    (await t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers: a.bearer })).json();
  const src = (await post('/clouds', { kind: 'local', name: 'NAS', options: { root: 'src' } })).id;
  const dst = (await post('/clouds', { kind: 'local', name: 'Disk', options: { root: 'dst' } })).id;
  taskId = (
    await post('/tasks', { name: 'photos', source: { cloudId: src }, destination: { cloudId: dst, path: 'b' } })
  ).id;
  // One attempt per job, so that the test need not wait out the backoff of six.
  for (const q of [QUEUES.runPlan, QUEUES.runCopy]) await t.boss.updateQueue(q, { retryLimit: 0 });
});
afterAll(async () => {
  await t?.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** Starts a run, and fails its job of `queue` as a worker that died on it would: no worker is running yet. */
async function runWhoseJobDies(queue: string, error: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${taskId}/runs`, headers: a.bearer });
  expect(res.statusCode).toBe(202);
  const runId: string = res.json().run.id;
  const [job] = await t.boss.fetch<{ runId: string }>(queue);
  expect(job.data.runId).toBe(runId);
  await t.boss.fail(queue, job.id, { message: error });
  expect(await t.boss.findJobs(deadLetterOf(queue), { data: { runId } })).toHaveLength(1);
  return runId;
}

test('a plan whose job dies at every attempt ends the run failed, with the last error and what to do', async () => {
  const runId = await runWhoseJobDies(QUEUES.runPlan, 'JavaScript heap out of memory');
  const stop = await addWorker(t);
  try {
    const run = await waitForRun(t, a, runId, 30_000);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.error).toBe(
      'Listing what to copy stopped after 1 attempt; the last ended with: JavaScript heap out of memory. ' +
        'What was copied is kept: start the run again to carry on, and tell the operator if it stops the same way.',
    );
    // The task is free for its next run, which copies the file.
    const next = await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${taskId}/runs`, headers: a.bearer });
    expect(next.statusCode).toBe(202);
    expect(await waitForRun(t, a, next.json().run.id, 30_000)).toMatchObject({ status: 'succeeded' });
    expect(await fs.readFile(path.join(root, a.id, 'dst', 'b', 'IMG_0001.jpg'), 'utf8')).toBe('a photo');
  } finally {
    await stop();
  }
});

test('a copy job that died leaves its run to the copy jobs still queued; the last one to die ends it', async () => {
  // A run planned (its plan job done), with two copy jobs: no worker runs, the test plays the one
  // that dies on each, and the dead-letter handler is called as a worker calls it.
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${taskId}/runs`, headers: a.bearer });
  const runId: string = res.json().run.id;
  const [plan] = await t.boss.fetch<{ runId: string }>(QUEUES.runPlan);
  await t.boss.complete(QUEUES.runPlan, plan.id);
  await t.db.query(`UPDATE runs SET status = 'running', started_at = now() WHERE id = $1`, [runId]);
  await t.boss.insert(QUEUES.runCopy, [{ data: { runId } }, { data: { runId } }]);
  const deps = { ...t, notifier: createNotifier({ boss: t.boss, publicUrl: 'http://localhost' }) } as never;
  const handle = failAbandonedRunOf(QUEUES.runCopy);
  const dies = async (error: string) => {
    const [job] = await t.boss.fetch<{ runId: string }>(QUEUES.runCopy);
    await t.boss.fail(QUEUES.runCopy, job.id, { message: error });
    const [dead] = await t.boss.fetch<{ runId: string }>(deadLetterOf(QUEUES.runCopy), { includeMetadata: true });
    expect(dead.data.runId).toBe(runId);
    await handle(dead, deps);
  };
  const status = async () => (await t.db.query('SELECT status, error FROM runs WHERE id = $1', [runId])).rows[0];

  await dies('connection terminated unexpectedly');
  expect(await status()).toEqual({ status: 'running', error: null });
  await dies('connection terminated unexpectedly');
  expect(await status()).toEqual({
    status: 'failed',
    error:
      'Copying stopped after 1 attempt; the last ended with: connection terminated unexpectedly. What was ' +
      'copied is kept: start the run again to carry on, and tell the operator if it stops the same way.',
  });
});
