// Two matchers Jest lacks, for failures checked by a predicate (a reason, an instance of a class of
// the code under test and its message): `await expect(p).rejects.toSatisfy(isReason('exists'))`,
// `expect(() => parse(x)).toThrowSatisfying((e) => ...)`. A predicate passes by returning anything
// but false, and may itself assert with expect. Loaded for every test file (jest.config.js).
import { expect } from '@jest/globals';

declare module 'expect' {
  interface Matchers<R> {
    /** The value (a rejection with `.rejects`) satisfies the predicate. */
    toSatisfy(predicate: (value: never) => unknown): R;
    /** The function throws, and what it throws satisfies the predicate. */
    toThrowSatisfying(predicate: (error: never) => unknown): R;
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

expect.extend({
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
