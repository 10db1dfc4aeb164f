// Ferry beside rclone, same copies to the same s3rver:
//   1. one large file local → S3 (256 MiB and 2 GiB): MiB/s, CPU seconds, peak RSS; rclone uploads
//      with Ferry's part size and the same four parts in flight;
//   2. 2,000 files of 1 MiB local → S3 at the same concurrency (32: Ferry's four copy jobs of eight
//      lanes, rclone's --transfers), direct and through a proxy that adds 20 ms to every request, where
//      concurrency is what counts;
//   3. four runs at once, each of four files of 64 MiB (Ferry alone): every lane of every copy job
//      uploads parts at the same time, and peak memory shows whether they share one budget.
// Both, direct, also encrypted: Ferry into a crypt cloud over the S3 cloud, rclone into a crypt remote
// over the same bucket (same password and salt, names encrypted). Their throughput counts plaintext
// bytes; rclone checks, after the clock, that Ferry's encrypted copy decrypts to every name and byte.
// The copy, Ferry's PostgreSQL, the S3 server and the proxy share the machine's two cores: each row
// gives the server's (and the proxy's) CPU during the copy too, and for many files what the whole
// machine spent per file, which bounds the files per second that copy can reach here.
// Usage: npm run bench -- transfer [--quick] [--large | --many | --runs]   (writes bench/results/transfer.json)
//   --quick: 256 MiB, 300 files and files of 32 MiB only; --large, --many, --runs: that case alone.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encryptedSize } from '../connectors/crypt/blocks.ts';
import { partSizeFor } from '../connectors/s3/upload.ts';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { localFolder } from '../test/support/local-space.ts';
import { startS3 } from '../test/support/s3.ts';
import {
  MiB,
  procStats,
  randomFile,
  rcloneCheckCrypt,
  requireRclone,
  rcloneCopy,
  type RcloneCrypt,
  type StatementCount,
  statementsOf,
  runToEnd,
  startFerry,
  startPostgres,
  tempDir,
  writeResults,
} from './support.ts';

requireRclone();
const quick = process.argv.includes('--quick');
// A case named alone runs alone; none named, all run.
const named = ['--large', '--many', '--runs'].filter((flag) => process.argv.includes(flag));
const runs = (flag: string) => named.length === 0 || named.includes(flag);
const dir = await tempDir('transfer');
const postgres = await startPostgres(dir);
const s3 = await startS3('bench');
const slow = await startFaultProxy(s3.endpoint, () => ({ kind: 'delay', ms: 20 }));
const results: Record<string, unknown>[] = [];
const secrets = { password: 'bench password', salt: 'bench salt' };
/** The folder, in the crypt cloud or remote, the copies go to. */
const inVault = 'photos';

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  idleRssMiB?: number;
  /** Ferry's PostgreSQL during the run: its CPU, and the statements Ferry sent it (most called first). */
  pgCpuSeconds?: number;
  statements?: StatementCount[];
  /** The S3 server's CPU during the copy: it runs on the same two cores as the copy. */
  s3CpuSeconds: number;
  /** This process's CPU during a copy through the proxy that adds 20 ms per request (the proxy's). */
  proxyCpuSeconds?: number;
}

/** CPU seconds so far of the S3 server and of this process (where the delaying proxy runs). */
async function serversCpu(): Promise<{ s3: number; proxy: number }> {
  const own = process.cpuUsage();
  return { s3: (await procStats(s3.pid)).cpuSeconds, proxy: (own.user + own.system) / 1e6 };
}

/** What the servers spent between `before` and now; the proxy's share only if the copy went through it. */
async function serversSince(before: { s3: number; proxy: number }, endpoint: string) {
  const now = await serversCpu();
  return {
    s3CpuSeconds: +(now.s3 - before.s3).toFixed(2),
    ...(endpoint === slow.endpoint ? { proxyCpuSeconds: +(now.proxy - before.proxy).toFixed(2) } : {}),
  };
}

/**
 * Ferry copying the folder `src` (in `dir`) to `dest` in the bucket, or with `crypt` to `photos` in a
 * crypt cloud over the bucket's folder `crypt.folder`. The folder is lent to the user's space for the
 * copy, then put back for rclone.
 */
async function ferryCopy(src: string, endpoint: string, dest: string, crypt?: RcloneCrypt): Promise<Measured> {
  const database = await postgres.newDatabase();
  const ferry = await startFerry(database, { FERRY_LOCAL_ROOTS: dir });
  let lent: string | undefined;
  try {
    const inSpace = path.join(await localFolder(dir, await ferry.api('GET', '/me')), 'src');
    await fs.rename(src, inSpace);
    lent = inSpace;
    const local = await ferry.api('POST', '/clouds', { kind: 'local', name: 'src', options: { root: 'src' } });
    const bucket = await ferry.api('POST', '/clouds', { kind: 's3', name: 's3', options: s3.options({ endpoint }) });
    const vault =
      crypt &&
      (await ferry.api('POST', '/clouds', {
        kind: 'crypt',
        name: 'vault',
        options: { cloudId: bucket.id, path: crypt.folder, ...secrets, filenameEncryption: 'standard' },
      }));
    const task = await ferry.api('POST', '/tasks', {
      name: dest,
      source: { cloudId: local.id },
      destination: vault ? { cloudId: vault.id, path: inVault } : { cloudId: bucket.id, path: dest },
    });
    await statementsOf(database);
    const pgBefore = await postgres.cpuSeconds();
    const before = await procStats(ferry.child.pid!);
    const serversBefore = await serversCpu();
    const { run, seconds } = await runToEnd(ferry, task.id);
    if (run.status !== 'succeeded') throw new Error(`Ferry run ended ${run.status}: ${JSON.stringify(run)}`);
    const servers = await serversSince(serversBefore, endpoint);
    const afterRun = await procStats(ferry.child.pid!);
    const pgCpuSeconds = +((await postgres.cpuSeconds()) - pgBefore).toFixed(2);
    // CPU of the copy itself (the process was started, migrated and idle before it), and the
    // process's peak resident memory over its whole life.
    return {
      seconds,
      cpuSeconds: +(afterRun.cpuSeconds - before.cpuSeconds).toFixed(2),
      peakRssMiB: afterRun.peakRssMiB,
      idleRssMiB: before.peakRssMiB,
      pgCpuSeconds,
      statements: await statementsOf(database),
      ...servers,
    };
  } finally {
    await ferry.stop();
    if (lent) await fs.rename(lent, src);
  }
}

/** Ferry running one task per folder of `srcs` at once, each into a folder of its own in the bucket. */
async function ferryRuns(srcs: string[]): Promise<Measured> {
  const database = await postgres.newDatabase();
  const ferry = await startFerry(database, { FERRY_LOCAL_ROOTS: dir });
  const lent: [string, string][] = [];
  try {
    const space = await localFolder(dir, await ferry.api('GET', '/me'));
    const bucket = await ferry.api('POST', '/clouds', { kind: 's3', name: 's3', options: s3.options() });
    const tasks = [];
    for (const [r, src] of srcs.entries()) {
      await fs.rename(src, path.join(space, `src-${r}`));
      lent.push([path.join(space, `src-${r}`), src]);
      const local = await ferry.api('POST', '/clouds', {
        kind: 'local',
        name: `src ${r}`,
        options: { root: `src-${r}` },
      });
      tasks.push(
        await ferry.api('POST', '/tasks', {
          name: `run ${r}`,
          source: { cloudId: local.id },
          destination: { cloudId: bucket.id, path: `ferry-run-${r}` },
        }),
      );
    }
    const before = await procStats(ferry.child.pid!);
    const serversBefore = await serversCpu();
    const ended = await Promise.all(tasks.map((t) => runToEnd(ferry, t.id)));
    const failed = ended.find((e) => e.run.status !== 'succeeded');
    if (failed) throw new Error(`Ferry run ended ${failed.run.status}: ${JSON.stringify(failed.run)}`);
    const servers = await serversSince(serversBefore, s3.endpoint);
    const after = await procStats(ferry.child.pid!);
    return {
      ...servers,
      seconds: Math.max(...ended.map((e) => e.seconds)),
      cpuSeconds: +(after.cpuSeconds - before.cpuSeconds).toFixed(2),
      peakRssMiB: after.peakRssMiB,
      idleRssMiB: before.peakRssMiB,
    };
  } finally {
    await ferry.stop();
    for (const [from, to] of lent) await fs.rename(from, to);
  }
}

const dropObjects = (prefix: string) => fs.rm(path.join(s3.dir, 'bench', prefix), { recursive: true, force: true });

/** Ferry's encrypted copy of `src` into the folder `folder`, checked by rclone, then removed. */
async function ferryCryptCopy(src: string, folder: string): Promise<Measured> {
  const crypt = { folder, ...secrets };
  const m = await ferryCopy(src, s3.endpoint, folder, crypt);
  await rcloneCheckCrypt(src, s3.endpoint, 'bench', inVault, crypt);
  await dropObjects(folder);
  return m;
}

/** rclone's copy of `src` to `dest` in the bucket, or with `crypt` into its crypt remote; then removed. */
async function rcloneCopyOnce(
  src: string,
  endpoint: string,
  dest: string,
  flags: string[],
  crypt?: boolean,
): Promise<Measured> {
  const serversBefore = await serversCpu();
  const m = crypt
    ? await rcloneCopy(src, endpoint, 'bench', inVault, flags, { folder: dest, ...secrets })
    : await rcloneCopy(src, endpoint, 'bench', dest, flags);
  const servers = await serversSince(serversBefore, endpoint);
  await dropObjects(dest);
  return { ...m, ...servers };
}

/**
 * One row of the results: a copy's throughput (MiB/s of plaintext, or files/s); for an encrypted copy,
 * what share of the same tool's plain throughput it keeps, and for Ferry's, its throughput as a share of
 * rclone's crypt (the goals: at least 0.8 and at least 1).
 */
function row(
  what: string,
  copy: string,
  amount: { MiB: number } | { files: number },
  m: Measured,
  than: { plain?: Measured; rcloneCrypt?: Measured } = {},
) {
  const [unit, n] = 'MiB' in amount ? ['MiBps', amount.MiB] : ['filesPerSecond', amount.files];
  return {
    case: what,
    copy,
    [unit]: +(n / m.seconds).toFixed(1),
    seconds: +m.seconds.toFixed(2),
    cpuSeconds: +m.cpuSeconds.toFixed(2),
    peakRssMiB: m.peakRssMiB,
    ...(m.idleRssMiB !== undefined ? { rssBeforeRunMiB: m.idleRssMiB } : {}),
    ...(m.pgCpuSeconds !== undefined ? { pgCpuSeconds: m.pgCpuSeconds } : {}),
    ...(m.statements && 'files' in amount
      ? { statementsPerFile: +(m.statements.reduce((n, st) => n + st.calls, 0) / amount.files).toFixed(1) }
      : {}),
    s3CpuSeconds: m.s3CpuSeconds,
    ...(m.proxyCpuSeconds !== undefined ? { proxyCpuSeconds: m.proxyCpuSeconds } : {}),
    // Everything the machine spent on the copy: the tool, Ferry's database, the S3 server, the proxy.
    ...('files' in amount ? perFile(machineCpu(m), amount.files) : {}),
    ...(than.plain ? { ofPlain: +(than.plain.seconds / m.seconds).toFixed(2) } : {}),
    ...(than.rcloneCrypt ? { ofRcloneCrypt: +(than.rcloneCrypt.seconds / m.seconds).toFixed(2) } : {}),
  };
}

/** The machine's CPU per file, and the files a second its cores could copy at that cost. */
function perFile(cpuSeconds: number, files: number) {
  const ms = (cpuSeconds / files) * 1000;
  return {
    machineCpuMsPerFile: +ms.toFixed(2),
    ceilingFilesPerSecond: Math.round((os.availableParallelism() * 1000) / ms),
  };
}

const machineCpu = (m: Measured) => m.cpuSeconds + (m.pgCpuSeconds ?? 0) + m.s3CpuSeconds + (m.proxyCpuSeconds ?? 0);

function report(rows: ReturnType<typeof row>[]) {
  results.push(...rows);
  console.table(rows.map(({ case: _, ...r }) => r));
}

for (const size of !runs('--large') ? [] : quick ? [256 * MiB] : [256 * MiB, 2048 * MiB]) {
  const n = size / MiB;
  const src = path.join(dir, `one-${n}`);
  await randomFile(path.join(src, 'big.bin'), size);
  const flags = (bytes: number) => [
    '--transfers',
    '4',
    '--s3-chunk-size',
    `${partSizeFor(bytes) / MiB}M`,
    '--s3-upload-concurrency',
    '4',
  ];
  const ferry = await ferryCopy(src, s3.endpoint, `ferry-${n}`);
  await dropObjects(`ferry-${n}`);
  const ferryCrypt = await ferryCryptCopy(src, `ferry-crypt-${n}`);
  const rclone = await rcloneCopyOnce(src, s3.endpoint, `rclone-${n}`, flags(size));
  const rcloneCrypt = await rcloneCopyOnce(src, s3.endpoint, `rclone-crypt-${n}`, flags(encryptedSize(size)), true);
  await fs.rm(src, { recursive: true });
  const what = `one file of ${n} MiB, local → S3`;
  console.log(what);
  report([
    row(what, 'Ferry', { MiB: n }, ferry),
    row(what, 'Ferry crypt', { MiB: n }, ferryCrypt, { plain: ferry, rcloneCrypt }),
    row(what, 'rclone', { MiB: n }, rclone),
    row(what, 'rclone crypt', { MiB: n }, rcloneCrypt, { plain: rclone }),
  ]);
}

const count = quick ? 300 : 2000;
const many = path.join(dir, 'many');
if (runs('--many')) for (let i = 0; i < count; i++) await randomFile(path.join(many, `d${i % 20}`, `f${i}.jpg`), MiB);
const manyFlags = ['--transfers', '32', '--checkers', '32'];
for (const [label, endpoint] of !runs('--many')
  ? []
  : ([
      ['direct', s3.endpoint],
      ['+20 ms per request', slow.endpoint],
    ] as const)) {
  const direct = label === 'direct';
  const tag = direct ? 'direct' : 'latency';
  const ferry = await ferryCopy(many, endpoint, `ferry-many-${tag}`);
  await dropObjects(`ferry-many-${tag}`);
  const ferryCrypt = direct ? await ferryCryptCopy(many, 'ferry-crypt-many') : undefined;
  const rclone = await rcloneCopyOnce(many, endpoint, `rclone-many-${tag}`, manyFlags);
  const rcloneCrypt = direct ? await rcloneCopyOnce(many, endpoint, 'rclone-crypt-many', manyFlags, true) : undefined;
  const what = `${count} files of 1 MiB, local → S3, ${label}, 32 at a time`;
  console.log(what);
  console.log("Ferry's most frequent statements (calls per file, ms in PostgreSQL):");
  for (const st of ferry.statements!.slice(0, 12))
    console.log(
      `  ${(st.calls / count).toFixed(2).padStart(6)} ${String(st.ms).padStart(8)}  ${st.query.slice(0, 110)}`,
    );
  results.push({ case: what, copy: 'Ferry', statements: ferry.statements!.slice(0, 20) });
  report([
    row(what, 'Ferry', { files: count }, ferry),
    ...(ferryCrypt ? [row(what, 'Ferry crypt', { files: count }, ferryCrypt, { plain: ferry, rcloneCrypt })] : []),
    row(what, 'rclone', { files: count }, rclone),
    ...(rcloneCrypt ? [row(what, 'rclone crypt', { files: count }, rcloneCrypt, { plain: rclone })] : []),
  ]);
}

if (runs('--runs')) {
  const fileMiB = quick ? 32 : 64;
  const srcs = [];
  for (let r = 0; r < 4; r++) {
    const src = path.join(dir, `run-${r}`);
    for (let i = 0; i < 4; i++) await randomFile(path.join(src, `f${i}.bin`), fileMiB * MiB);
    srcs.push(src);
  }
  const ferry = await ferryRuns(srcs);
  for (let r = 0; r < srcs.length; r++) await dropObjects(`ferry-run-${r}`);
  await Promise.all(srcs.map((src) => fs.rm(src, { recursive: true })));
  const what = `4 runs at once, each 4 files of ${fileMiB} MiB, local → S3`;
  console.log(what);
  report([row(what, 'Ferry', { MiB: 16 * fileMiB }, ferry)]);
}

console.log(`results: ${await writeResults('transfer', results)}`);
await slow.close();
await s3.close();
await postgres.server.stop();
await fs.rm(dir, { recursive: true, force: true });
