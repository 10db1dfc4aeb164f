// `npm start` as a new user runs it: a real process on a fresh data folder, no configuration.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../services/core/embedded-postgres.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-start-'));
});
const started: Started[] = [];
afterAll(async () => {
  // Whatever a failed test left running must not outlive the suite.
  for (const s of started) {
    if (s.child.exitCode === null && s.child.signalCode === null) process.kill(-s.child.pid!, 'SIGKILL');
  }
  spawnSync('pkill', ['-INT', '-f', `postgres -D ${dataDir}`]);
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('FERRY_') && k !== 'DATABASE_URL' && k !== 'PORT'),
  );
  // Its own process group, as under a service manager; signals go to npm alone, which passes them on.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repo,
    env: { ...clean, FERRY_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const s = { child, output: () => out, exited };
  started.push(s);
  return s;
}

async function waitHealthy(url: string, s: Started, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (s.child.exitCode !== null) throw new Error(`Ferry exited (${s.child.exitCode}):\n${s.output()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return Date.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no healthy /healthz within ${timeoutMs} ms:\n${s.output()}`);
}

const postgresRunning = async () => spawnSync('pgrep', ['-f', `postgres -D ${dataDir}`]).status === 0;

test('npm start on a fresh data folder answers /healthz within 30 s and stops cleanly on SIGTERM', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port) });
  const ms = await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
  console.log(`fresh start to healthy /healthz: ${ms} ms`);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(ready.status).toBe(200);
  const signup = await fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'first@example.com', password: 'a long enough password' }),
  });
  expect(signup.status).toBe(201);
  const key = await fs.stat(path.join(dataDir, 'secret.key'));
  expect(key.mode & 0o777).toBe(0o600);
  expect(await postgresRunning()).toBeTruthy();

  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
  // the embedded PostgreSQL stopped with Ferry
  expect(await postgresRunning()).toBe(false);
  // Logs are JSON lines and carry no secret.
  const lines = s
    .output()
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  expect(lines.length).toBeGreaterThan(3);
  for (const l of lines) JSON.parse(l);
  expect(s.output()).not.toContain('a long enough password');
});

test('a restart keeps the data; a wrong FERRY_SECRET_KEY stops it at start with a clear error', async () => {
  const port = await freePort();
  const wrong = start({ PORT: String(port), FERRY_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
  expect(await wrong.exited).toBe(1);
  expect(wrong.output()).toMatch(/not the key this database's credentials were sealed with/);
  expect(await postgresRunning()).toBe(false);

  const s = start({ PORT: String(port) });
  const ms = await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
  console.log(`restart to healthy /healthz: ${ms} ms`);
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'first@example.com', password: 'a long enough password' }),
  });
  expect(login.status).toBe(200);
  s.child.kill('SIGINT');
  expect(await s.exited).toBe(0);
});

test('a SIGTERM to the whole process group (systemd, Docker, kill -- -PGID) is one graceful stop', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port) });
  await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
  // npm and node both receive it, and npm passes its copy on to node: node sees it twice.
  process.kill(-s.child.pid!, 'SIGTERM');
  expect(await s.exited).toBe(0);
  expect(s.output()).not.toMatch(/exiting now/);
  expect((s.output().match(/shutting down/g) ?? []).length).toBe(1);
  // the embedded PostgreSQL stopped with Ferry
  expect(await postgresRunning()).toBe(false);
});

/** Its exit code; null also when it still runs after timeoutMs (the after hook stops it). */
const exitWithin = (s: Started, timeoutMs: number) =>
  Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref())]);

const inUse = (pid: number) =>
  `another Ferry (pid ${pid}) uses this data folder ${dataDir}: ` +
  `stop it first, or give this one its own FERRY_DATA_DIR or a DATABASE_URL`;

test(
  'a second Ferry on the same data folder is refused with a ' + 'clear message, and the first keeps its database',
  async () => {
    const port = await freePort();
    const first = start({ PORT: String(port) });
    await waitHealthy(`http://127.0.0.1:${port}`, first, 30_000);
    const owner = nodeOf(first);
    // A second `npm start`, and an API + worker pair on one machine without DATABASE_URL.
    for (const env of [
      { PORT: String(await freePort()) },
      { PORT: String(await freePort()), FERRY_ROLE: 'worker' },
    ] as Record<string, string>[]) {
      const second = start(env);
      expect(await exitWithin(second, 30_000)).toBe(1);
      expect(second.output()).toContain(inUse(owner));
    }
    // Without the lock file (deleted by hand, or lost in a race of two starts) the server's parent,
    // a live Ferry, still says it is taken.
    await fs.rm(path.join(dataDir, 'pg.lock'), { force: true });
    const third = start({ PORT: String(await freePort()) });
    expect(await exitWithin(third, 30_000)).toBe(1);
    expect(third.output()).toContain(inUse(owner));

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const signup = await fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'while-second@example.com', password: 'a long enough password' }),
    });
    expect(signup.status).toBe(201);
    process.kill(-first.child.pid!, 'SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await postgresRunning()).toBe(false);
  },
);

/** The node process `npm start` runs (npm's only child: the start script execs it). */
function nodeOf(s: Started): number {
  const pids = spawnSync('pgrep', ['-P', String(s.child.pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  expect(pids.length).toBe(1);
  return Number(pids[0]);
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

test(
  'a SIGKILLed Ferry’s PostgreSQL stops soon after it; ' +
    'a server still left running is taken over by the next start',
  async () => {
    const port = await freePort();
    const first = start({ PORT: String(port) });
    await waitHealthy(`http://127.0.0.1:${port}`, first, 30_000);
    process.kill(nodeOf(first), 'SIGKILL');
    await first.exited;
    const ms = await until('the orphaned PostgreSQL stops', async () => !(await postgresRunning()), 10_000);
    console.log(`PostgreSQL stopped ${ms} ms after Ferry was killed`);

    // Its watchdog killed as well (kill -KILL of everything): the server stays, and the next start
    // must stop it and start afresh.
    const second = start({ PORT: String(port) });
    await waitHealthy(`http://127.0.0.1:${port}`, second, 30_000);
    const watchdogs = spawnSync('pgrep', ['-f', `ferry-pg-watchdog .* ${dataDir}/pg$`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
    // one watchdog for the data folder
    expect(watchdogs.length).toBe(1);
    process.kill(Number(watchdogs[0]), 'SIGKILL');
    process.kill(nodeOf(second), 'SIGKILL');
    await second.exited;
    await new Promise((r) => setTimeout(r, 500));
    // the server outlived both
    expect(await postgresRunning()).toBeTruthy();

    const third = start({ PORT: String(port) });
    await waitHealthy(`http://127.0.0.1:${port}`, third, 30_000);
    const signup = await fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'after-kill@example.com', password: 'a long enough password' }),
    });
    expect(signup.status).toBe(201);
    process.kill(-third.child.pid!, 'SIGTERM');
    expect(await third.exited).toBe(0);
    expect(await postgresRunning()).toBe(false);
  },
);

test(
  'a stale postmaster.pid and Ferry lock naming some other live ' +
    'program are set aside, and that program left alone',
  async () => {
    // After a crash or a reboot the pid in the lock files can belong to anything by now: Ferry's
    // lock also holds its start time, which that program's is not.
    const other = spawn('sleep', ['120'], { stdio: 'ignore' });
    try {
      const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
      await fs.writeFile(pidFile, `${other.pid}\n${path.join(dataDir, 'pg')}\n1700000000\n5432\n\n127.0.0.1\n`);
      await fs.writeFile(path.join(dataDir, 'pg.lock'), `${other.pid}\nanother-boot:12345\n`);
      const port = await freePort();
      const s = start({ PORT: String(port) });
      await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
      // the other program still runs
      expect(other.exitCode).toBe(null);
      expect(other.signalCode).toBe(null);
      process.kill(-s.child.pid!, 'SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      other.kill('SIGKILL');
    }
  },
);

test('a stop requested while Ferry is still starting is a graceful stop once it has started', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port) });
  await until(
    'PostgreSQL is up, the rest still starting',
    () => s.output().includes('embedded PostgreSQL started'),
    30_000,
  );
  process.kill(-s.child.pid!, 'SIGTERM');
  expect(await s.exited).toBe(0);
  expect(await postgresRunning()).toBe(false);
});

test('a second, different stop request exits at once, and the embedded PostgreSQL still stops', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port) });
  await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
  const node = nodeOf(s);
  process.kill(node, 'SIGTERM');
  process.kill(node, 'SIGINT');
  expect(await s.exited).toBe(130);
  expect(s.output()).toMatch(/second stop request: exiting now/);
  await until('PostgreSQL stops', async () => !(await postgresRunning()), 10_000);
});

test('invalid configuration is reported and nothing starts', async () => {
  const s = start({ PORT: 'eighty', FERRY_ROLE: 'everything' });
  expect(await s.exited).toBe(2);
  expect(s.output()).toMatch(/PORT/);
  expect(s.output()).toMatch(/FERRY_ROLE/);
});

test('FERRY_ROLE=worker runs without an HTTP server', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port), FERRY_ROLE: 'worker' });
  const t0 = Date.now();
  while (!s.output().includes('worker started') && Date.now() - t0 < 30_000)
    await new Promise((r) => setTimeout(r, 50));
  expect(s.output()).toMatch(/worker started/);
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
});

// Only root can hand the cluster to the postgres user.
const asRoot = process.getuid?.() === 0 ? test : test.skip;
asRoot(
  'as root, a data folder the postgres user cannot reach still starts: ' + 'the cluster goes to /var/lib/ferry',
  async () => {
    const closed = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-closed-')); // 0700, like a home folder
    const inner = path.join(closed, 'data');
    const port = await freePort();
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('FERRY_') && k !== 'DATABASE_URL' && k !== 'PORT'),
    );
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repo,
      env: { ...clean, FERRY_DATA_DIR: inner, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const s = { child, output: () => out, exited: exited as Promise<number | null> };
      await waitHealthy(`http://127.0.0.1:${port}`, s, 30_000);
      const cluster = /"cluster":"([^"]+)"/.exec(out)?.[1];
      expect(cluster ?? '').toMatch(/^\/var\/lib\/ferry\/pg-[0-9a-f]{12}$/);
      expect(out).toMatch(/cannot reach the data folder/);
      // the operator’s folder was not opened up
      expect((await fs.stat(closed)).mode & 0o777).toBe(0o700);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await fs.rm(cluster!, { recursive: true, force: true });
      await fs.rm(`${cluster}.password`, { force: true });
      await fs.rm(`${cluster}.log`, { force: true });
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      await fs.rm(closed, { recursive: true, force: true });
    }
  },
);
