// The job queues as a running Ferry leaves them: created on a new database, and brought up to date on
// an existing one, whose queues an older Ferry created with other retries, expiry or heartbeats
// (createQueue alone leaves an existing queue as it was).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { BOSS_SCHEMA, ensureQueues, QUEUES } from '../../services/core/queues.ts';
import { createTestDatabase } from '../support/db.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let boss: PgBoss;

beforeAll(async () => {
  database = await createTestDatabase();
  boss = new PgBoss({ connectionString: database.url, schema: BOSS_SCHEMA, supervise: false, schedule: false });
  await boss.start();
});
afterAll(async () => {
  await boss.stop({ graceful: false });
  await database.drop({ waitForConnections: 1000 });
});

test("an older Ferry's queue takes this one's policy: a killed planner's job is noticed by its heartbeat", async () => {
  // As the template's queues were made before plan jobs had heartbeats.
  await boss.updateQueue(QUEUES.runPlan, { heartbeatSeconds: null, retryDelay: 60 });
  expect(await boss.getQueue(QUEUES.runPlan)).toMatchObject({ retryDelay: 60 });
  await ensureQueues(boss);
  expect(await boss.getQueue(QUEUES.runPlan)).toMatchObject({ heartbeatSeconds: 10, retryDelay: 10, retryLimit: 5 });
  expect(await boss.getQueue(QUEUES.runCopy)).toMatchObject({
    heartbeatSeconds: 10,
    deadLetter: `${QUEUES.runCopy}-dead`,
  });
});
