// The order test files start in (jest.config.js: testSequencer): the longest first, so that no long file
// starts near the end and runs on alone while the other workers idle. Jest's own sequencer knows the
// durations only from a cache of an earlier run on the same machine; without one (CI starts afresh) it
// goes by file size, and files such as the cluster and start tests, short in lines and long in seconds,
// started last and stretched the run by minutes. So: the durations a whole run measured, kept in
// test/support/durations.json; a file not listed there takes Jest's cached duration if it has one,
// and with neither it starts first, as Jest starts a file it knows nothing about.
//
// To refresh the list after a whole run with `npm test -- --json --outputFile=/tmp/jest.json`:
//   node test/support/sequencer.ts /tmp/jest.json
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from '@jest/test-result';
import jestSequencer from '@jest/test-sequencer';

// Its types describe the CommonJS build (the class as `default`); its ES module exports the class itself.
const TestSequencer = jestSequencer as unknown as typeof import('@jest/test-sequencer')['default'];

const repo = path.resolve(import.meta.dirname, '../..');
const LIST = path.join(import.meta.dirname, 'durations.json');

/** Seconds per test file (relative to the repository), as a whole run under load measured them. */
function durations(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(LIST, 'utf8'));
  } catch {
    return {};
  }
}

export default class LongestFirst extends TestSequencer {
  override sort(tests: Array<Test>): Array<Test> {
    const listed = durations();
    const seconds = (test: Test): number => {
      const known = listed[path.relative(repo, test.path).split(path.sep).join('/')];
      if (known !== undefined) return known;
      // Jest's own sequencer's duration from its cache (a method its types call private).
      const cached = (this as unknown as { time(test: Test): number | undefined }).time(test);
      return cached === undefined ? Number.POSITIVE_INFINITY : cached / 1000;
    };
    const order = new Map(tests.map((test) => [test, seconds(test)]));
    return [...tests].sort((a, b) => order.get(b)! - order.get(a)! || a.path.localeCompare(b.path));
  }
}

// Run as a script: writes durations.json from a Jest --json report.
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as {
    testResults: { name: string; startTime: number; endTime: number }[];
  };
  const list = Object.fromEntries(
    report.testResults
      .map((r) => [path.relative(repo, r.name), Math.round((r.endTime - r.startTime) / 100) / 10] as const)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b)),
  );
  fs.writeFileSync(LIST, `${JSON.stringify(list, null, 2)}\n`);
  console.log(`${LIST}: ${Object.keys(list).length} files`);
}
