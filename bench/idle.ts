// What Ferry holds when it does nothing: `npm start`'s process (API and worker) on a fresh database,
// its peak while starting (VmHWM) and its resident memory once settled, sampled for 20 s. Started
// twice: the first start may fill Node's compile cache (the stripped TypeScript, see package.json's
// start script), the second is every later start's.
// Usage: npm run bench -- idle   (writes bench/results/idle.json)
import fs from 'node:fs/promises';
import { startFerry, startPostgres, tempDir, writeResults } from './support.ts';

const SETTLE_MS = 20_000;

const rssMiB = async (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Math.round(
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
      1024,
  );

const dir = await tempDir('idle');
const postgres = await startPostgres(dir);
const results: Array<Record<string, unknown>> = [];
try {
  for (const start of ['first', 'second']) {
    const t0 = performance.now();
    const ferry = await startFerry(await postgres.newDatabase(), { FERRY_DATA_DIR: dir });
    const startSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    try {
      const pid = ferry.child.pid!;
      const samples: number[] = [];
      for (const end = Date.now() + SETTLE_MS; Date.now() < end; ) {
        samples.push(await rssMiB(pid, 'VmRSS'));
        await new Promise((r) => setTimeout(r, 500));
      }
      results.push({
        start,
        startSeconds,
        startupPeakRssMiB: await rssMiB(pid, 'VmHWM'),
        idleRssMiB: samples.at(-1),
        idleMaxRssMiB: Math.max(...samples),
      });
    } finally {
      await ferry.stop();
    }
  }
} finally {
  await postgres.server.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
console.table(results);
console.log(`results: ${await writeResults('idle', { settleSeconds: SETTLE_MS / 1000, results })}`);
