// Ferry beside rclone, same copies to the same s3rver:
//   1. one large file local → S3 (256 MiB and 2 GiB): MiB/s, CPU seconds, peak RSS; rclone uploads
//      with Ferry's part size and the same four parts in flight;
//   2. 2,000 files of 1 MiB local → S3 at the same concurrency (16), direct and through a proxy
//      that adds 20 ms to every request, where concurrency is what counts.
// Usage: node bench/transfer.ts [--quick]   (writes bench/results/transfer.json)
import fs from 'node:fs/promises';
import path from 'node:path';
import { partSizeFor } from '../connectors/s3/upload.ts';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { localFolder } from '../test/support/local-space.ts';
import { startS3 } from '../test/support/s3.ts';
import {
  MiB,
  procStats,
  randomFile,
  rcloneCopy,
  runToEnd,
  startFerry,
  startPostgres,
  tempDir,
  writeResults,
} from './support.ts';

const quick = process.argv.includes('--quick');
const dir = await tempDir('transfer');
const postgres = await startPostgres(dir);
const s3 = await startS3('bench');
const slow = await startFaultProxy(s3.endpoint, () => ({ kind: 'delay', ms: 20 }));
const results: Record<string, unknown>[] = [];

/** Ferry copying the folder `src` (in `dir`): lent to the user's space for the copy, then put back for rclone. */
async function ferryCopy(src: string, endpoint: string, dest: string) {
  const ferry = await startFerry(await postgres.newDatabase(), { FERRY_LOCAL_ROOTS: dir });
  let lent: string | undefined;
  try {
    const inSpace = path.join(await localFolder(dir, await ferry.api('GET', '/me')), 'src');
    await fs.rename(src, inSpace);
    lent = inSpace;
    const local = await ferry.api('POST', '/clouds', { kind: 'local', name: 'src', options: { root: 'src' } });
    const bucket = await ferry.api('POST', '/clouds', { kind: 's3', name: 's3', options: s3.options({ endpoint }) });
    const task = await ferry.api('POST', '/tasks', {
      name: dest,
      source: { cloudId: local.id },
      destination: { cloudId: bucket.id, path: dest },
    });
    const before = await procStats(ferry.child.pid!);
    const { run, seconds } = await runToEnd(ferry, task.id);
    if (run.status !== 'succeeded') throw new Error(`Ferry run ended ${run.status}: ${JSON.stringify(run)}`);
    const afterRun = await procStats(ferry.child.pid!);
    // CPU of the copy itself (the process was started, migrated and idle before it), and the
    // process's peak resident memory over its whole life.
    return {
      seconds,
      cpuSeconds: +(afterRun.cpuSeconds - before.cpuSeconds).toFixed(2),
      peakRssMiB: afterRun.peakRssMiB,
      idleRssMiB: before.peakRssMiB,
    };
  } finally {
    await ferry.stop();
    if (lent) await fs.rename(lent, src);
  }
}

const dropObjects = (prefix: string) => fs.rm(path.join(s3.dir, 'bench', prefix), { recursive: true, force: true });

for (const size of quick ? [256 * MiB] : [256 * MiB, 2048 * MiB]) {
  const src = path.join(dir, `one-${size / MiB}`);
  await randomFile(path.join(src, 'big.bin'), size);
  const ferry = await ferryCopy(src, s3.endpoint, `ferry-${size / MiB}`);
  await dropObjects(`ferry-${size / MiB}`);
  const rclone = await rcloneCopy(src, s3.endpoint, 'bench', `rclone-${size / MiB}`, [
    '--transfers',
    '4',
    '--s3-chunk-size',
    `${partSizeFor(size) / MiB}M`,
    '--s3-upload-concurrency',
    '4',
  ]);
  await dropObjects(`rclone-${size / MiB}`);
  await fs.rm(src, { recursive: true });
  const row = {
    case: `one file of ${size / MiB} MiB, local → S3`,
    ferryMiBps: +(size / MiB / ferry.seconds).toFixed(1),
    rcloneMiBps: +(size / MiB / rclone.seconds).toFixed(1),
    ferrySeconds: +ferry.seconds.toFixed(2),
    rcloneSeconds: +rclone.seconds.toFixed(2),
    ferryCpuSeconds: ferry.cpuSeconds,
    rcloneCpuSeconds: rclone.cpuSeconds,
    ferryPeakRssMiB: ferry.peakRssMiB,
    ferryRssBeforeRunMiB: ferry.idleRssMiB,
    rclonePeakRssMiB: rclone.peakRssMiB,
  };
  results.push(row);
  console.log(row);
}

const count = quick ? 300 : 2000;
const many = path.join(dir, 'many');
for (let i = 0; i < count; i++) await randomFile(path.join(many, `d${i % 20}`, `f${i}.jpg`), MiB);
for (const [label, endpoint] of [
  ['direct', s3.endpoint],
  ['+20 ms per request', slow.endpoint],
] as const) {
  const tag = label === 'direct' ? 'direct' : 'latency';
  const ferry = await ferryCopy(many, endpoint, `ferry-many-${tag}`);
  await dropObjects(`ferry-many-${tag}`);
  const rclone = await rcloneCopy(many, endpoint, 'bench', `rclone-many-${tag}`, [
    '--transfers',
    '16',
    '--checkers',
    '16',
  ]);
  await dropObjects(`rclone-many-${tag}`);
  const row = {
    case: `${count} files of 1 MiB, local → S3, ${label}, 16 at a time`,
    ferryFilesPerSecond: +(count / ferry.seconds).toFixed(1),
    rcloneFilesPerSecond: +(count / rclone.seconds).toFixed(1),
    ferrySeconds: +ferry.seconds.toFixed(2),
    rcloneSeconds: +rclone.seconds.toFixed(2),
    ferryCpuSeconds: ferry.cpuSeconds,
    rcloneCpuSeconds: rclone.cpuSeconds,
    ferryPeakRssMiB: ferry.peakRssMiB,
    rclonePeakRssMiB: rclone.peakRssMiB,
  };
  results.push(row);
  console.log(row);
}

console.log(`results: ${await writeResults('transfer', results)}`);
await slow.close();
await s3.close();
await postgres.server.stop();
await fs.rm(dir, { recursive: true, force: true });
