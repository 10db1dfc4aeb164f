// A run's and its items' state is written by core/run-state.ts alone: a write anywhere else would
// change a status, a lease or a reservation outside the transitions that keep them consistent.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';

const services = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../services');
const WRITE = /\b(UPDATE\s+(runs|run_items)\b|INSERT\s+INTO\s+(runs|run_items)\b|DELETE\s+FROM\s+(runs|run_items)\b)/i;

test('no file but core/run-state.ts writes runs or run_items', async () => {
  const writers: string[] = [];
  for (const entry of await fs.readdir(services, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const rel = path.relative(services, file);
    if (rel === path.join('core', 'run-state.ts') || rel.startsWith(`web${path.sep}`)) continue;
    const text = await fs.readFile(file, 'utf8');
    text.split('\n').forEach((line, i) => {
      if (WRITE.test(line)) writers.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(writers).toEqual([]);
});
