// /metrics as the operator's Prometheus sees it: behind its token, with the figures of a real backup
// and a verification that finds a copy missing, route labels without ids, the service-wide figures
// from PostgreSQL; the metrics port of any process; and a dashboard that names only real metrics.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { freePort } from '../../services/core/embedded-postgres.ts';
import { serveMetrics } from '../../services/core/metrics.ts';
import { signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';

const TOKEN = crypto.randomBytes(24).toString('base64url');
let t: TestApp;
let s3: TestS3;
let root: string;
let a: Actor;
let runId: string;

/** The value of one series in Prometheus text, or undefined when the scrape has no such series. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  t.app.inject({ method: 'GET', url: '/metrics', headers });

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-metrics-')));
  s3 = await startS3();
  t = await startTestApp(
    { FERRY_LOCAL_ROOTS: root, FERRY_ALLOW_PRIVATE_ENDPOINTS: '1', FERRY_METRICS_TOKEN: TOKEN },
    { worker: true },
  );
  a = await signup(t);
  await fs.mkdir(path.join(root, a.id, 'photos'), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(root, a.id, 'photos', 'a.jpg'), crypto.randomBytes(1000));
  await fs.writeFile(path.join(root, a.id, 'photos', 'b.jpg'), crypto.randomBytes(3000));
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: a.bearer, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const local = await post('/clouds', { kind: 'local', name: 'here', options: { root: 'photos' } });
  const bucket = await post('/clouds', { kind: 's3', name: 'bucket', options: s3.options() });
  const task = await post('/tasks', {
    name: 'photos',
    source: { cloudId: local.id },
    destination: { cloudId: bucket.id, path: 'backup' },
  });
  const { run } = await post(`/tasks/${task.id}/runs`, {});
  runId = run.id;
  expect((await waitForRun(t, a, runId)).status).toBe('succeeded');
  // One copy goes missing at the destination; the verification finds it.
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  const gone = listed.Contents!.find((o) => o.Key!.endsWith('a.jpg'))!.Key!;
  await s3.client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: gone }));
  const verify = await post(`/tasks/${task.id}/verify`, {});
  expect((await waitForRun(t, a, verify.run.id)).status).toBe('partial');
});

afterAll(async () => {
  await t?.close();
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

test('without the token, or with another, /metrics is 401 with the error body, and says nothing', async () => {
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }, a.bearer]) {
    const res = await scrape(headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('metrics token') } });
    expect(res.body).not.toContain('ferry_');
  }
});

test("the backup's and the verification's figures, as an operator reads them", async () => {
  await t.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: a.bearer });
  const res = await scrape();
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = res.body;
  expect(value(text, 'ferry_runs_started_total{kind="backup",trigger="manual"}')).toBe(1);
  expect(value(text, 'ferry_runs_started_total{kind="verify",trigger="manual"}')).toBe(1);
  expect(value(text, 'ferry_runs_ended_total{status="succeeded"}')).toBe(1);
  expect(value(text, 'ferry_runs_ended_total{status="partial"}')).toBe(1);
  // Two copied by the backup; the verification's one present copy is "done", charging nothing.
  expect(value(text, 'ferry_items_total{status="done"}')).toBe(3);
  expect(value(text, 'ferry_bytes_copied_total')).toBe(4000);
  expect(value(text, 'ferry_items_failed_total{reason="missing"}')).toBe(1);
  expect(value(text, 'ferry_provider_calls_total{connector="s3",outcome="ok"}')).toBeGreaterThanOrEqual(2);
  expect(value(text, 'ferry_job_duration_seconds_count{queue="run-copy",outcome="ok"}')).toBeGreaterThanOrEqual(1);
  // Route patterns, never a URL with an id in it.
  expect(
    value(text, 'ferry_http_request_duration_seconds_count{method="GET",route="/api/v1/runs/:id",status="200"}'),
  ).toBeGreaterThanOrEqual(1);
  expect(text).not.toContain(runId);
  expect(text).not.toContain(a.id);
  // The whole service's, from PostgreSQL: the traffic charged, nothing running, nothing waiting.
  expect(value(text, 'ferry_traffic_used_bytes')).toBe(4000);
  expect(value(text, 'ferry_traffic_limit_bytes')).toBe(5 * 1024 ** 3);
  expect(value(text, 'ferry_users_near_traffic_limit')).toBe(0);
  expect(value(text, 'ferry_runs_active{status="running"}')).toBe(0);
  expect(value(text, 'ferry_runs_active{status="queued"}')).toBe(0);
  expect(value(text, 'ferry_webhooks_failed')).toBe(0);
  expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
});

test('without FERRY_METRICS_TOKEN there is no /metrics on the API port', async () => {
  const other = await startTestApp();
  try {
    const res = await other.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer x' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  } finally {
    await other.close();
  }
});

test("the metrics port: any process's figures without a token, the service's from API processes only", async () => {
  const port = await freePort();
  const worker = await serveMetrics(port, '127.0.0.1', t.db, false);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(value(text, 'ferry_runs_ended_total{status="succeeded"}')).toBe(1);
    expect(text).not.toContain('ferry_traffic_used_bytes');
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  } finally {
    await worker.close();
  }
  const apiPort = await freePort();
  const api = await serveMetrics(apiPort, '127.0.0.1', t.db, true);
  try {
    const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    expect(value(text, 'ferry_traffic_used_bytes')).toBe(4000);
  } finally {
    await api.close();
  }
});

test('the example Grafana dashboard names only metrics Ferry exports', async () => {
  const file = path.join(import.meta.dirname, '../../infra/grafana/ferry-dashboard.json');
  const dashboard = JSON.parse(await fs.readFile(file, 'utf8'));
  const exported = new Set(
    (await scrape()).body
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]),
  );
  const named = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
    p.targets.flatMap((x) => x.expr.match(/\b(?:ferry|process)_[a-z_]+/g) ?? []),
  );
  expect(named.length).toBeGreaterThan(15);
  for (const name of named) {
    // A histogram is exported once, its series are _bucket, _sum and _count.
    expect(exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''))).toBe(true);
  }
});
