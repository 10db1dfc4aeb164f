// package.json's start script, run by a shell as `npm start` runs it (its node flags depend on
// FERRY_ROLE), without npm itself: npm is a Node process of its own, about 0.3 CPU seconds a start.
// The pinned node comes first on PATH, as npm puts it there; the script execs node, so a signal sent
// to the child reaches Ferry itself. test/e2e/start.test.ts runs the real `npm start`.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const script: string = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts.start;

export function spawnStartScript(env: NodeJS.ProcessEnv, opts: Omit<SpawnOptions, 'cwd' | 'env'>): ChildProcess {
  return spawn('sh', ['-c', script], {
    ...opts,
    cwd: repo,
    env: { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}` },
  });
}
