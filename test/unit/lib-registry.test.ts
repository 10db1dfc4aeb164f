// The per-account registry (connectors/lib/registry.ts): one state per account and scope, shared
// by whoever asks, none shared without an account, and bounded by dropping the least recently used.
import { expect, test } from '@jest/globals';
import { AccountRegistry } from '../../connectors/lib/registry.ts';

test('one state per scope and account, made once and shared', () => {
  const r = new AccountRegistry();
  let made = 0;
  const make = () => ({ n: ++made });
  const a = r.get('google-drive:pacer', 'alice', make);
  expect(r.get('google-drive:pacer', 'alice', make)).toBe(a);
  expect(r.get('google-drive:pacer', 'bob', make)).not.toBe(a);
  expect(r.get('google-photos:pacer', 'alice', make)).not.toBe(a);
  expect(made).toBe(3);
  expect(r.size).toBe(3);
});

test('no account: a fresh state each time, never kept', () => {
  const r = new AccountRegistry();
  const a = r.get('s3:pacer', undefined, () => ({}));
  expect(r.get('s3:pacer', undefined, () => ({}))).not.toBe(a);
  expect(r.size).toBe(0);
});

test('scope and account cannot be confused by a colon', () => {
  const r = new AccountRegistry();
  const a = r.get('a:b', 'c', () => 1);
  const b = r.get('a', 'b:c', () => 2);
  expect([a, b]).toEqual([1, 2]);
});

test('past max entries the least recently used goes; a holder keeps it', () => {
  const r = new AccountRegistry(2);
  const a = r.get('p', 'a', () => ({ id: 'a' }));
  r.get('p', 'b', () => ({ id: 'b' }));
  r.get('p', 'a', () => ({ id: 'a2' })); // a is used again: b is now the oldest
  r.get('p', 'c', () => ({ id: 'c' }));
  expect(r.size).toBe(2);
  expect(r.get('p', 'a', () => ({ id: 'a3' }))).toBe(a);
  expect(r.get('p', 'b', () => ({ id: 'b2' }))).toEqual({ id: 'b2' });
  expect(a).toEqual({ id: 'a' });
  expect(() => new AccountRegistry(0)).toThrow(RangeError);
});
