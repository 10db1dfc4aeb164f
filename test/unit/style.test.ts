// The code's style, checked by the suite so that CI checks it: Biome's formatting and lint rules
// (biome.json, what `npm run lint` runs), and lines of at most 120 characters. Biome formats the code
// to that width but does not break string literals, templates, comments or JSX text, and checks
// neither SQL nor the width of CSS comments: the second test does, for every file git tracks.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';

const MAX = 120;
const root = path.resolve(import.meta.dirname, '../..');

// Generated, or frozen: the API types are written by services/web/scripts/api-types.ts; a migration once applied is
// checksummed by every database that ran it, so its text can no longer change.
const EXEMPT = new Set([
  'services/web/src/api/schema.d.ts',
  'migrations/0001-initial.sql',
  'migrations/0002-notifications.sql',
]);

function trackedCode(): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.css', '*.sql'], {
      cwd: root,
      encoding: 'utf8',
    });
    return out.split('\0').filter((f) => f && !EXEMPT.has(f));
  } catch {
    return undefined; // not a git checkout (an unpacked release): nothing to list
  }
}

test('Biome finds nothing to format or fix (npm run lint; npm run format fixes most)', () => {
  const biome = path.join(root, 'node_modules/.bin/biome');
  try {
    execFileSync(biome, ['check', '--colors=off', '.'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run lint failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
});

const files = trackedCode();
(files ? test : test.skip)(`no line of the tracked code is longer than ${MAX} characters`, () => {
  if (!files) return;
  expect(files.length).toBeGreaterThan(100);
  const long: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree, not yet in the index
    }
    text.split('\n').forEach((line, i) => {
      // Characters as an editor counts them: code points, not UTF-16 units.
      const n = [...line.replace(/\r$/, '')].length;
      if (n > MAX) long.push(`${file}:${i + 1} (${n}): ${line.trim().slice(0, 80)}`);
    });
  }
  expect(long).toEqual([]);
});
