// What both halves of the conformance suite use: reading streams whole, streams shaped as sources
// shape them, listings collected, and files seeded in parallel.
import { Readable } from 'node:stream';
import { CloudError, type CloudHandle, type Entry, type SourceItem } from '../../connectors/types.ts';

export const MiB = 1024 * 1024;

export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The first `n` bytes of a stream (or fewer if it ends before); the rest is not read. */
export async function firstBytes(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of stream) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= n) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, n);
}

/** A stream in small pieces, with no size given: as a provider that does not tell the length. */
export function trickle(data: Buffer, piece = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
    })(),
  );
}

/** A source that produces its bytes slowly, so each chunk is acknowledged before the next is read. */
export function slow(data: Buffer, piece = MiB): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += piece) {
        await new Promise((r) => setTimeout(r, 5));
        yield data.subarray(i, i + piece);
      }
    })(),
  );
}

/** Every item list() gives for `folder`, in path order. */
export async function listAll(h: CloudHandle, folder: string): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of h.source!.list(folder)) out.push(item);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Every entry browse() gives for `folder`, page after page, in the order given. */
export async function browseAll(h: CloudHandle, folder: string): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await h.browse(folder, cursor);
    entries.push(...page.entries);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== undefined);
  return { entries, pages };
}

/** Runs `work` on every element, `width` at a time. */
export async function inParallel<T>(all: T[], width: number, work: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, all.length) }, async () => {
      while (next < all.length) await work(all[next++]);
    }),
  );
}

export const isReason = (reason: CloudError['reason']) => (err: Error) =>
  err instanceof CloudError && err.reason === reason;

/** Names in the order browse() promises: by code unit, as the connectors compare them. */
export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
