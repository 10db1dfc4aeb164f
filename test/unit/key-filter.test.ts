// The Bloom filter of a run's planned keys: a key added is always a "maybe" (a "no" would let two
// files take one path), and few keys never added are (each costs a look-up, nothing else).
import { expect, test } from '@jest/globals';
import { KeyFilter } from '../../services/worker/runs/key-filter.ts';

test('every key added is a maybe; of 100,000 other keys, well under 1% are', () => {
  const f = new KeyFilter();
  const key = (i: number) => `photos/${2000 + (i % 25)}/${String(i % 12).padStart(2, '0')}/img_${i}.jpg`;
  for (let i = 0; i < 100_000; i++) f.add(key(i));
  let missed = 0;
  for (let i = 0; i < 100_000; i++) if (!f.mayHave(key(i))) missed++;
  expect(missed).toBe(0);
  let maybes = 0;
  for (let i = 100_000; i < 200_000; i++) if (f.mayHave(key(i))) maybes++;
  expect(maybes).toBeLessThan(1000);
  // Keys that differ only in case or by one character are told apart.
  expect(f.mayHave(key(7).toUpperCase())).toBe(false);
  expect(new KeyFilter().mayHave(key(1))).toBe(false);
});
