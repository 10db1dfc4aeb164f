// Keyset pagination for the API's lists: the cursor is an opaque encoding of the last row's sort key.
import { errors } from './errors.ts';

export const PAGE_SIZE = 50;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number'))
      return key;
  } catch {
    // fall through
  }
  throw errors.invalid('Invalid cursor: pass back the nextCursor of the previous page.');
}

/**
 * Where the first page of a list sorted by (a timestamptz, a uuid) starts: a key before every row, in
 * either order. Such a list's query always compares with a key (never "no cursor, or after it"), so one
 * prepared statement, planned once per connection, serves every page, the comparison an index condition.
 */
export const FIRST_KEY = {
  ascending: ['-infinity', '00000000-0000-0000-0000-000000000000'],
  descending: ['infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
} as const;

/** Rows were fetched with limit + 1: the extra row only tells that another page exists. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => (string | number)[],
  view: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items: items.map(view), nextCursor: more ? encodeCursor(key(items[items.length - 1])) : null };
}
