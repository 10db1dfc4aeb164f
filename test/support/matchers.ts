// Matchers Jest lacks, loaded for every test file (jest.config.js):
// - failures checked by a predicate (a reason, an instance of a class of the code under test and its
//   message): `await expect(p).rejects.toSatisfy(isReason('exists'))`,
//   `expect(() => parse(x)).toThrowSatisfying((e) => ...)`. A predicate passes by returning anything
//   but false, and may itself assert with expect;
// - bytes compared as bytes: `expect(read).toEqualBytes(sent)`. toEqual walks a Buffer element by
//   element, minutes for a few MiB, and prints every byte of a difference.
import { types } from 'node:util';
import { expect } from '@jest/globals';

declare module 'expect' {
  interface Matchers<R> {
    /** The value (a rejection with `.rejects`) satisfies the predicate. */
    toSatisfy(predicate: (value: never) => unknown): R;
    /** The function throws, and what it throws satisfies the predicate. */
    toThrowSatisfying(predicate: (error: never) => unknown): R;
    /** The same bytes (a Buffer or Uint8Array each). */
    toEqualBytes(expected: unknown): R;
  }
}

function judge(value: unknown, predicate: (value: never) => unknown, what: string) {
  try {
    const pass = predicate(value as never) !== false;
    return { pass, message: () => `${what} ${pass ? 'satisfies' : 'does not satisfy'} the predicate: ${show(value)}` };
  } catch (err) {
    return { pass: false, message: () => `${what} does not satisfy the predicate (${show(err)}): ${show(value)}` };
  }
}

function show(value: unknown): string {
  if (value && typeof value === 'object' && 'message' in value) {
    const e = value as { name?: string; message: string; code?: unknown; reason?: unknown };
    return `${e.name ?? 'Error'}: ${e.message}${e.reason ? ` (reason ${String(e.reason)})` : ''}`;
  }
  return String(value);
}

/** Where two byte arrays first differ, and their lengths. */
function byteDifference(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (x: Uint8Array) => Buffer.from(x.subarray(i, i + 16)).toString('hex');
  return `${a.length} bytes received, ${b.length} expected; first difference at byte ${i}: ${around(a)} ≠ ${around(b)}`;
}

expect.extend({
  toEqualBytes(received: unknown, expected: unknown) {
    // isUint8Array, not instanceof: a Buffer Node made comes from another realm than the test's.
    if (!types.isUint8Array(received) || !types.isUint8Array(expected))
      return { pass: false, message: () => `bytes compared with bytes, not ${show(received)} with ${show(expected)}` };
    const pass = Buffer.compare(received, expected) === 0;
    return {
      pass,
      message: () => (pass ? `the same ${received.length} bytes` : byteDifference(received, expected)),
    };
  },
  toSatisfy(received: unknown, predicate: (value: never) => unknown) {
    return judge(received, predicate, 'the value');
  },
  toThrowSatisfying(received: unknown, predicate: (error: never) => unknown) {
    if (typeof received !== 'function') return { pass: false, message: () => 'expected a function' };
    try {
      received();
    } catch (err) {
      return judge(err, predicate, 'what it threw');
    }
    return { pass: false, message: () => 'the function threw nothing' };
  },
});
