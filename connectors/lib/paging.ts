// Paging of a folder listing that a provider returns whole: folders first, then files, by name;
// the cursor is the position after the last entry returned.
import { CloudError, type Entry, type EntryPage } from '../types.ts';

export function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((a, b) =>
    a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type === 'folder' ? -1 : 1,
  );
}

export function pageOf(entries: Entry[], cursor: string | undefined, size: number): EntryPage {
  let start = 0;
  if (cursor !== undefined) {
    start = Number(Buffer.from(cursor, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw new CloudError('invalid_options', 'Invalid cursor.');
  }
  const sorted = sortEntries(entries);
  const end = start + size;
  return {
    entries: sorted.slice(start, end),
    nextCursor: end < sorted.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}
