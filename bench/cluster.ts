// Ferry scaled out: one API process and 1, 2 or 4 worker processes (FERRY_ROLE, each as `npm start`
// starts it) on one PostgreSQL, copying 1,000 files of 256 KiB from folders to s3rver with 20 ms
// added to every request: one user's run of 1,000 files, then four users' runs of 250 at once (a
// user's run has at most four copy jobs at work, whatever the number of workers). Files per
// second, and the workers' CPU seconds, for each.
// Usage: node bench/cluster.ts [workers…]   (default 1 2 4; writes bench/results/cluster.json)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { localFolder } from '../test/support/local-space.ts';
import { startS3 } from '../test/support/s3.ts';
import {
  START_ENV,
  nodeFlags,
  procStats,
  randomFile,
  type FerryProcess,
  repo,
  runToEnd,
  startFerry,
  startPostgres,
  tempDir,
  writeResults,
} from './support.ts';

const FILES = 1000;
const SIZE = 256 * 1024;
const counts = process.argv.slice(2).map(Number).filter(Boolean);
const dir = await tempDir('cluster');
const postgres = await startPostgres(dir);
const s3 = await startS3('bench');
const slow = await startFaultProxy(s3.endpoint, () => ({ kind: 'delay', ms: 20 }));
const src = path.join(dir, 'photos');
for (let i = 0; i < FILES; i++) await randomFile(path.join(src, `${2010 + (i % 10)}`, `IMG_${i}.jpg`), SIZE);

/** A worker process on the database, as `FERRY_ROLE=worker npm start` starts one. */
async function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags('worker'), path.join(repo, 'services/main.ts')], {
    env: {
      ...process.env,
      ...START_ENV,
      DATABASE_URL: url,
      FERRY_ROLE: 'worker',
      FERRY_LOCAL_ROOTS: dir,
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      FERRY_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      said += b;
      if (said.includes('worker started')) resolve();
    });
    child.once('exit', () => reject(new Error(`worker exited: ${said}`)));
  });
  child.stdout!.resume();
  return child;
}

/** Copies the files in `users` runs at once (the files split between them); files per second. */
async function copy(workers: number, users: number): Promise<Record<string, unknown>> {
  const url = await postgres.newDatabase();
  const first = await startFerry(url, { FERRY_ROLE: 'api', FERRY_LOCAL_ROOTS: dir });
  const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(url)));
  const lent: [string, string][] = [];
  try {
    const tasks = [];
    for (let u = 0; u < users; u++) {
      // Each user signs up on the same API (startFerry signs the first one up).
      const api = u === 0 ? first : await signUpAgain(first.url);
      const space = await localFolder(dir, await api.api('GET', '/me'));
      const mine = path.join(space, 'photos');
      await fs.mkdir(mine, { recursive: true });
      for (const year of (await fs.readdir(src)).filter((_, i) => i % users === u)) {
        await fs.rename(path.join(src, year), path.join(mine, year));
        lent.push([path.join(mine, year), path.join(src, year)]);
      }
      const local = await api.api('POST', '/clouds', { kind: 'local', name: 'src', options: { root: 'photos' } });
      const bucket = await api.api('POST', '/clouds', {
        kind: 's3',
        name: 's3',
        options: s3.options({ endpoint: slow.endpoint }),
      });
      const task = await api.api('POST', '/tasks', {
        name: 'photos',
        source: { cloudId: local.id },
        destination: { cloudId: bucket.id, path: `w${workers}-u${users}-${u}` },
      });
      tasks.push({ api, task });
    }
    const before = await Promise.all(procs.map((p) => procStats(p.pid!)));
    const t0 = performance.now();
    const ends = await Promise.all(tasks.map(({ api, task }) => runToEnd(api, task.id)));
    const seconds = (performance.now() - t0) / 1000;
    for (const { run } of ends) if (run.status !== 'succeeded') throw new Error(`run ended ${run.status}`);
    const after = await Promise.all(procs.map((p) => procStats(p.pid!)));
    const cpu = after.reduce((n, a, i) => n + a.cpuSeconds - before[i].cpuSeconds, 0);
    return {
      workers,
      users,
      filesPerSecond: +(FILES / seconds).toFixed(1),
      seconds: +seconds.toFixed(2),
      workerCpuSeconds: +cpu.toFixed(2),
      peakRssMiBPerWorker: Math.max(...after.map((a) => a.peakRssMiB)),
    };
  } finally {
    for (const [from, to] of lent) await fs.rename(from, to);
    for (const p of procs) p.kill('SIGTERM');
    await first.stop();
    await fs.rm(path.join(s3.dir, 'bench'), { recursive: true, force: true });
    await fs.mkdir(path.join(s3.dir, 'bench'));
  }
}

/** Another account on a running Ferry, with its own token. */
async function signUpAgain(url: string): Promise<Pick<FerryProcess, 'api'>> {
  const email = `bench-${Math.random().toString(36).slice(2)}@example.com`;
  const signup = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'benchmark password' }),
  });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0];
  const { csrfToken } = (await signup.json()) as { csrfToken: string };
  const tok = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: '{"name":"bench"}',
  });
  const { token } = (await tok.json()) as { token: string };
  return {
    async api<T>(method: string, p: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/api/v1${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

const results: Record<string, unknown>[] = [];
for (const users of [1, 4])
  for (const workers of counts.length ? counts : [1, 2, 4]) results.push(await copy(workers, users));
for (const r of results) {
  const one = results.find((x) => x.users === r.users && x.workers === results[0].workers)!;
  r.ofOneWorker = +((r.filesPerSecond as number) / (one.filesPerSecond as number)).toFixed(2);
}
console.log(`${FILES} files of ${SIZE / 1024} KiB, folders → S3 with 20 ms per request`);
console.table(results);
console.log(`results: ${await writeResults('cluster', results)}`);

await slow.close();
await s3.close();
await postgres.server.stop();
await fs.rm(dir, { recursive: true, force: true });
