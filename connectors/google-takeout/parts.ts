// Where an indexed part is kept. Its record (state `part:<set>:<NNN>`) says what the part is and
// holds its albums; its media and sidecars, tens of thousands of each in a large part, are pages of
// state of their own (`page:<set>:<NNN>:<tag>:m<k>` and `…:s<k>`), written while the part is
// indexed and read one at a time, so no process holds a part's entries whole. The tag is the
// file's: a part indexed anew (its file replaced) never mixes with the pages a build is reading,
// and two listings that index one file at once write the same pages. The pages of a part's other
// tags are dropped once its record names the new ones.
import crypto from 'node:crypto';
import { CloudError, type CloudState } from '../types.ts';
import type { IndexedMedia, IndexedSidecar, InlinePart, PartPages, PartRecord } from './catalogue.ts';

/** Entries in a page: about 0.7 MB of JSON for media. (A variable so tests can make it small.) */
export const paging = { entries: 2000 };

const partId = (set: string, n: number) => `${set}:${String(n).padStart(3, '0')}`;
export const PART_KEY = (set: string, n: number) => `part:${partId(set, n)}`;
const HEAD_KEY = (set: string, n: number) => `head:${partId(set, n)}`;
const pagesOf = (set: string, n: number) => `page:${partId(set, n)}:`;
const pageKey = (part: Pick<PartRecord, 'set' | 'number' | 'pages'>, kind: 'm' | 's', k: number) =>
  `${pagesOf(part.set, part.number)}${part.pages.tag}:${kind}${k}`;

/**
 * An indexed part without what it holds (state `head:`, beside its record): what a listing needs to
 * see that nothing is new, and the export status to show the parts, without reading the parts.
 * `entries`: what it holds, as counted against its export's allowance (index-part.ts).
 */
export type PartHead = Omit<PartRecord, 'pages' | 'albums'> & { entries: number };

export function headOf(p: PartRecord | InlinePart): PartHead {
  if ('pages' in p) {
    const { pages, albums, ...rest } = p;
    return { ...rest, entries: pages.media + pages.sidecars + albums.length };
  }
  const { media, sidecars, albums, ...rest } = p;
  return { ...rest, entries: media.length + sidecars.length + albums.length };
}

/**
 * The parts' heads, in the order the parts were first indexed; made from their records once, where
 * an older Ferry left none.
 */
export async function loadHeads(state: CloudState): Promise<PartHead[]> {
  if (await state.get('heads')) return (await state.list('head:')).map((r) => r.value as PartHead);
  const heads: PartHead[] = [];
  for (const { value } of await state.list('part:')) {
    const head = headOf(value as PartRecord | InlinePart);
    await state.set(HEAD_KEY(head.set, head.number), head);
    heads.push(head);
  }
  await state.set('heads', true);
  return heads;
}

/** The error of a build whose part was indexed again under it (its file replaced): retried. */
export const changedMeanwhile = (path: string) =>
  new CloudError('unreachable', `${path} changed while the catalogue was built: built again next time.`);

/** Writes the entries of a part being indexed, a page at a time, under its file's tag. */
export function pageWriter(state: CloudState, part: Pick<PartRecord, 'set' | 'number' | 'sourceId' | 'version'>) {
  const { set, number } = part;
  const tag = crypto
    .createHash('sha256')
    .update(JSON.stringify([part.sourceId, part.version]))
    .digest('hex');
  const pages: PartPages = { tag: tag.slice(0, 12), media: 0, sidecars: 0 };
  const at = { set, number, pages };
  let media: IndexedMedia[] = [];
  let sidecars: IndexedSidecar[] = [];
  const flushMedia = async () => {
    if (media.length) await state.set(pageKey(at, 'm', Math.floor((pages.media - 1) / paging.entries)), media);
    media = [];
  };
  const flushSidecars = async () => {
    if (sidecars.length) await state.set(pageKey(at, 's', Math.floor((pages.sidecars - 1) / paging.entries)), sidecars);
    sidecars = [];
  };
  return {
    async media(m: IndexedMedia) {
      media.push(m);
      pages.media++;
      if (media.length === paging.entries) await flushMedia();
    },
    async sidecar(s: IndexedSidecar) {
      sidecars.push(s);
      pages.sidecars++;
      if (sidecars.length === paging.entries) await flushSidecars();
    },
    /** Writes what is left; the part's record names the pages by what this gives. */
    async close(): Promise<PartPages> {
      await flushMedia();
      await flushSidecars();
      return { ...pages };
    },
    /** Drops what was written (an indexing that failed), unless the part's record names it (another listing's). */
    async discard() {
      const stored = (await state.get(PART_KEY(set, number))) as PartRecord | undefined;
      if (stored?.pages?.tag !== pages.tag) await state.drop(`${pagesOf(set, number)}${pages.tag}:`);
    },
  };
}
export type PageWriter = ReturnType<typeof pageWriter>;

/**
 * Saves a part's record and its head, then drops the pages of the part that it does not name (an
 * earlier indexing's).
 */
export async function savePart(state: CloudState, record: PartRecord): Promise<void> {
  await state.set(PART_KEY(record.set, record.number), record);
  await state.set(HEAD_KEY(record.set, record.number), headOf(record));
  const own = pagesOf(record.set, record.number);
  await state.drop(own, `${own}${record.pages.tag}:`);
}

/** Page `k` of a part's media or sidecars; a page gone means the part was indexed anew meanwhile. */
export async function readPage<K extends 'm' | 's'>(
  state: CloudState,
  part: PartRecord,
  kind: K,
  k: number,
): Promise<K extends 'm' ? IndexedMedia[] : IndexedSidecar[]> {
  const page = await state.get(pageKey(part, kind, k));
  if (!Array.isArray(page)) throw changedMeanwhile(part.path);
  return page as K extends 'm' ? IndexedMedia[] : IndexedSidecar[];
}

export const writePage = (state: CloudState, part: PartRecord, kind: 'm' | 's', k: number, page: unknown[]) =>
  state.set(pageKey(part, kind, k), page);

/** A part's media or sidecars, a page at a time, in archive order. */
export async function* pagesIn<K extends 'm' | 's'>(state: CloudState, part: PartRecord, kind: K) {
  const count = kind === 'm' ? part.pages.media : part.pages.sidecars;
  for (let k = 0; k * paging.entries < count; k++) yield await readPage(state, part, kind, k);
}

/** A record an older Ferry stored with its entries inside, moved to pages (once, by the build that reads it). */
export async function paged(state: CloudState, inline: InlinePart): Promise<PartRecord> {
  const { media, sidecars, ...rest } = inline;
  const writer = pageWriter(state, inline);
  for (const m of media) await writer.media(m);
  for (const s of sidecars) await writer.sidecar(s);
  const record: PartRecord = { ...rest, pages: await writer.close() };
  await savePart(state, record);
  return record;
}
