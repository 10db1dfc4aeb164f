// What the benchmarks share: a PostgreSQL, an s3rver, Ferry as a real process driven through its
// API, rclone doing the same copy, and a place for the results.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, freePort, type EmbeddedPostgres } from '../services/core/embedded-postgres.ts';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MiB = 1024 * 1024;

export async function tempDir(name: string): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `ferry-bench-${name}-`)));
  await fs.chmod(dir, 0o755);
  return dir;
}

export interface BenchPostgres {
  server: EmbeddedPostgres;
  newDatabase(): Promise<string>;
  /** CPU seconds the server's processes (postmaster and backends) have used so far. */
  cpuSeconds(): Promise<number>;
}

/** The benchmarks' PostgreSQL; it counts statements (pg_stat_statements) for statementsOf. */
export async function startPostgres(dir: string): Promise<BenchPostgres> {
  const cluster = path.join(dir, 'pg');
  const server = await startEmbeddedPostgres({
    dir: cluster,
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'all',
    },
  });
  return {
    server,
    async cpuSeconds() {
      const postmaster = Number((await fs.readFile(path.join(server.dir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      let total = 0;
      for (const pid of await fs.readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
        // fields[1] is the parent's pid; [11] and [12] user and system time in ticks; [13] and [14] those
        // of the postmaster's children that have exited (a backend whose connection closed meanwhile).
        if (Number(pid) === postmaster)
          total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
        else if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100;
      }
      return total;
    },
    async newDatabase() {
      const name = `bench_${crypto.randomBytes(4).toString('hex')}`;
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return server.urlFor(name);
    },
  };
}

/** One statement's share of a database's work: how often it ran, and its time in ms. */
export interface StatementCount {
  calls: number;
  ms: number;
  query: string;
}

/**
 * The statements a database ran since the last call (pg_stat_statements of that database), most
 * called first. The first call only starts the count.
 */
export async function statementsOf(databaseUrl: string): Promise<StatementCount[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await c.query<{ calls: string; ms: number; query: string }>(
      `SELECT calls, total_exec_time AS ms, query FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY calls DESC`,
    );
    await c.query('SELECT pg_stat_statements_reset()');
    return rows.map((r) => ({ calls: Number(r.calls), ms: +r.ms.toFixed(1), query: r.query.replace(/\s+/g, ' ') }));
  } finally {
    await c.end();
  }
}

/** Peak resident set (VmHWM) and CPU seconds of a live process, from /proc. */
export async function procStats(pid: number): Promise<{ peakRssMiB: number; cpuSeconds: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  const stat = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { peakRssMiB: Math.round(hwm), cpuSeconds: ticks / 100 };
}

export interface FerryProcess {
  url: string;
  child: ChildProcess;
  token: string;
  api<T = any>(method: string, url: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A process that only serves the API (FERRY_ROLE=api) gets 16 MiB semi-spaces, as `npm start` gives
 * it: at a thousand requests a second, answers still being written when a 2 MiB young generation fills
 * are promoted, and a page of 50 runs cost 1.53 ms of CPU, 1.05 ms with this (`npm run bench -- api
 * --quick --only=runs --no-transfer --split`). It holds no transfer buffers.
 */
const API_SEMI_SPACE_MIB = 16;

/**
 * The V8 flags of `npm start` (package.json) for a role: a small young generation keeps transfer
 * buffers from piling up in resident memory; the old generation grows 30% past what a full collection
 * left (V8 otherwise lets it grow to several times that: a copy of 2,000 small files piled 200 MB of
 * garbage onto 50 MB alive, 428 MiB resident at its peak, 235 MiB with this); and buffers count
 * toward the heap's limit as a whole instead of forcing a full collection every few MiB allocated
 * (a third of a plain copy's CPU went to them).
 */
export const nodeFlags = (role = 'all') => [
  `--max-semi-space-size=${role === 'api' ? API_SEMI_SPACE_MIB : 2}`,
  '--heap-growing-percent=30',
  '--external-memory-accounted-in-global-limit',
];

/**
 * The environment `npm start` gives Ferry (package.json): Node's compile cache where it keeps it (a
 * start that strips no TypeScript stays 17 MiB smaller), and glibc's fixed mmap threshold.
 */
export const START_ENV = {
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(repo, 'node_modules/.cache/node'),
  MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
};

/** Ferry as `npm start` runs it (API and worker in one process, same V8 flags), on the given database. */
export async function startFerry(databaseUrl: string, env: Record<string, string>): Promise<FerryProcess> {
  const port = await freePort();
  // FERRY_BENCH_NODE_FLAGS adds flags for a look inside (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const extra = process.env.FERRY_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeFlags(env.FERRY_ROLE), ...extra, path.join(repo, 'services/main.ts')], {
    env: {
      ...process.env,
      ...START_ENV,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      FERRY_LOG_LEVEL: 'warn',
      FERRY_ALLOW_PRIVATE_ENDPOINTS: '1',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    if (Date.now() > deadline) throw new Error('Ferry did not start');
    const ok = await fetch(`${url}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const f: FerryProcess = {
    url,
    child,
    token: '',
    async api(method, p, body) {
      const res = await fetch(`${url}/api/v1${p}`, {
        method,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(f.token ? { authorization: `Bearer ${f.token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
  const signup = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${crypto.randomBytes(3).toString('hex')}@example.com`,
      password: 'benchmark password',
    }),
  });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0];
  const { csrfToken } = (await signup.json()) as { csrfToken: string };
  const tok = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: '{"name":"bench"}',
  });
  f.token = ((await tok.json()) as { token: string }).token;
  return f;
}

/** Runs a task to its end; returns the run and the wall time from the request to the end. */
/** Starts a run of the task (a backup, or what `start` asks for: a restore) and waits for its end. */
export async function runToEnd(
  f: Pick<FerryProcess, 'api'>,
  taskId: string,
  start: { path: string; body?: object } = { path: `/tasks/${taskId}/runs` },
): Promise<{ run: any; seconds: number }> {
  const t0 = performance.now();
  const { run } = await f.api('POST', start.path, start.body);
  for (;;) {
    const r = await f.api('GET', `/runs/${run.id}`);
    if (!['queued', 'running'].includes(r.status)) return { run: r, seconds: (performance.now() - t0) / 1000 };
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * An rclone crypt remote over the s3rver bucket's folder `folder`, as Ferry's crypt cloud is made
 * ({cloudId, path: folder, password, salt, filenameEncryption: 'standard'}): same password and salt
 * (rclone's password and password2).
 */
export interface RcloneCrypt {
  folder: string;
  password: string;
  salt: string;
}

/**
 * Stops a benchmark that compares with rclone before it starts anything, when rclone is not there:
 * with what installs it, not a stack trace halfway through.
 */
export function requireRclone(): void {
  try {
    execFileSync('rclone', ['version'], { stdio: 'ignore' });
  } catch {
    console.error(
      'This benchmark runs rclone beside Ferry, and rclone is not installed. Install it and run it again:\n' +
        '  sudo apt-get install -y rclone     (Debian, Ubuntu)\n' +
        '  or see https://rclone.org/install/',
    );
    process.exit(1);
  }
}

/** rclone takes its passwords obscured, even from the environment. */
const obscure = (secret: string) => execFileSync('rclone', ['obscure', secret]).toString().trim();

/**
 * rclone's remotes, by environment variables alone: `bench:` the s3rver at `endpoint`, and with
 * `crypt`, `vault:` a crypt remote over `bench:<bucket>/<folder>`.
 */
function rcloneEnv(endpoint: string, bucket: string, crypt?: RcloneCrypt): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // rclone 1.60 refuses S3 endpoints while it is set
  Object.assign(env, {
    RCLONE_CONFIG: '/dev/null', // no remote of the user's own config in the way
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
    RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: 'S3RVER',
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: 'S3RVER',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
  });
  if (crypt)
    Object.assign(env, {
      RCLONE_CONFIG_VAULT_TYPE: 'crypt',
      RCLONE_CONFIG_VAULT_REMOTE: `bench:${bucket}/${crypt.folder}`,
      RCLONE_CONFIG_VAULT_PASSWORD: obscure(crypt.password),
      RCLONE_CONFIG_VAULT_PASSWORD2: obscure(crypt.salt),
      RCLONE_CONFIG_VAULT_FILENAME_ENCRYPTION: 'standard',
    });
  return env;
}

/** A command to completion, its stderr (asynchronous: a proxy in this process must keep serving). */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${stderr}`);
  return stderr;
}

/**
 * rclone copying `src` to s3rver (`dest` in the bucket, or with `crypt` in its crypt remote), with
 * its wall time, CPU and peak RSS (GNU time).
 */
export async function rcloneCopy(
  src: string,
  endpoint: string,
  bucket: string,
  dest: string,
  flags: string[],
  crypt?: RcloneCrypt,
): Promise<{ seconds: number; cpuSeconds: number; peakRssMiB: number }> {
  const env = rcloneEnv(endpoint, bucket, crypt);
  const target = crypt ? `vault:${dest}` : `bench:${bucket}/${dest}`;
  const t0 = performance.now();
  const stderr = await run('/usr/bin/time', ['-f', '%U %S %M', 'rclone', 'copy', src, target, ...flags], env);
  const seconds = (performance.now() - t0) / 1000;
  const [user, sys, maxKb] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, cpuSeconds: user + sys, peakRssMiB: Math.round(maxKb / 1024) };
}

/**
 * Checks with rclone that `dest` in the crypt remote decrypts to exactly the files of `src`: every
 * name, and every byte (--download reads and decrypts each file; a crypt remote has no hash to go by).
 * Throws, with rclone's account of what differs, if not.
 */
export async function rcloneCheckCrypt(
  src: string,
  endpoint: string,
  bucket: string,
  dest: string,
  crypt: RcloneCrypt,
): Promise<void> {
  await run('rclone', ['check', '--download', src, `vault:${dest}`], rcloneEnv(endpoint, bucket, crypt));
}

/** Writes `size` random bytes to `file` without holding them in memory. */
export async function randomFile(file: string, size: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const h = await fs.open(file, 'w');
  const block = crypto.randomBytes(8 * MiB);
  for (let off = 0; off < size; off += block.length) {
    block.writeUInt32LE(off / block.length, 0); // each block differs
    await h.write(block, 0, Math.min(block.length, size - off));
  }
  await h.close();
}

export async function writeResults(name: string, results: unknown): Promise<string> {
  const dir = path.join(repo, 'bench/results');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await fs.writeFile(
    file,
    `${JSON.stringify(
      { at: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, results },
      null,
      2,
    )}\n`,
  );
  return file;
}
