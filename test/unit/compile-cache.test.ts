// npm install fills Node's compile cache with what Ferry loads (services/compile-cache.ts), under
// npm start's V8 flags: a start that finds a module missing loads the TypeScript stripper and keeps it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { ferryModules } from '../../services/compile-cache.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-compile-cache-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** npm start's node flags, the role's semi-space size picked as the shell would for a worker. */
const startFlags = (/exec node (.*) services\/main\.ts$/.exec(pkg.scripts.start)?.[1] ?? '')
  .replace(/\$\(.*?\)/, '2')
  .split(' ');
const warmUp = /^node (.*) services\/compile-cache\.ts$/.exec(pkg.scripts['compile-cache']);

/** Every file in a compile cache folder. */
const entries = (dir: string) => fs.readdirSync(dir, { recursive: true }).sort();

/** services/compile-cache.ts run by node with these flags, on the given cache folder. */
const warm = (flags: string[], cache: string) =>
  execFileSync(process.execPath, [...flags, path.join(repo, 'services/compile-cache.ts')], {
    env: { ...process.env, NODE_COMPILE_CACHE: cache },
  });

test('prepare fills the cache with npm start’s V8 flags (they are part of its key)', () => {
  expect(pkg.scripts.prepare).toMatch(/&& npm run compile-cache$/);
  expect(startFlags).toContain('--heap-growing-percent=30');
  // All but the semi-space size, which is not part of the key and differs by role.
  expect(warmUp?.[1].split(' ')).toEqual(startFlags.filter((f) => !f.startsWith('--max-semi-space-size=')));
});

test('the modules warmed are all of Ferry’s but the web app and the CLI’s entry point', () => {
  const modules = ferryModules();
  for (const f of ['services/main.ts', 'services/worker/runs/copy.ts', 'connectors/index.ts', 'connectors/s3/index.ts'])
    expect(modules).toContain(f);
  expect(modules.filter((f) => f.startsWith('services/web/') || f === 'services/cli/main.ts')).toEqual([]);
});

test('node with npm start’s flags finds every module the warm-up compiled; with other flags, none', () => {
  const cache = path.join(tmp, 'cache');
  warm(warmUp![1].split(' '), cache);
  const filled = entries(cache);
  expect(filled.length).toBeGreaterThan(ferryModules().length);
  // The same modules loaded again under npm start's flags: nothing compiled anew.
  warm(startFlags, cache);
  expect(entries(cache)).toEqual(filled);
  // Under other flags, everything is.
  warm(['--heap-growing-percent=20'], cache);
  expect(entries(cache).length).toBeGreaterThan(filled.length + ferryModules().length);
});
