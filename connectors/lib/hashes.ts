// Streaming hashers for the kinds of hash clouds keep, so bytes read from one cloud can be held
// against the hash another cloud reports for its stored file (as Destination.hashOf gives it).
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { DropboxContentHasher } from '../dropbox/content-hash.ts';
import { QuickXorHash } from '../onedrive/quickxor.ts';
import type { HashKind } from '../types.ts';

/** Bytes fed in any pieces; digest() once, in the form the cloud reports that kind. */
export interface Hasher {
  update(data: Uint8Array): void;
  digest(): string;
}

/**
 * A hasher for `kind`: md5 and sha256 as lowercase hex, Dropbox's content_hash as lowercase hex,
 * OneDrive's quickXorHash as base64 (as Graph gives it). Null for 's3etag': a multipart ETag
 * depends on the part sizes of the upload, which the bytes alone do not tell.
 */
export function hasherFor(kind: HashKind): Hasher | null {
  switch (kind) {
    case 'md5':
    case 'sha256': {
      const h = crypto.createHash(kind);
      return { update: (d) => void h.update(d), digest: () => h.digest('hex') };
    }
    case 'dropbox': {
      const h = new DropboxContentHasher();
      return { update: (d) => void h.update(d), digest: () => h.digest() };
    }
    case 'quickxor': {
      const h = new QuickXorHash();
      return { update: (d) => void h.update(d), digest: () => h.digest() };
    }
    default:
      return null; // 's3etag', or a kind this version does not know
  }
}

/** Whether two hashes of one kind are equal, in the forms clouds report them (hex in any case; base64 exactly). */
export function sameHash(kind: HashKind, a: string, b: string): boolean {
  return kind === 'quickxor' ? a === b : a.toLowerCase() === b.toLowerCase();
}

/** The hash of `kind` of everything `stream` yields, or null when that kind cannot be computed from the bytes. */
export async function hashStream(kind: HashKind, stream: Readable | AsyncIterable<Uint8Array>): Promise<string | null> {
  const h = hasherFor(kind);
  if (!h) {
    (stream as Readable).destroy?.();
    return null;
  }
  for await (const chunk of stream) h.update(chunk as Uint8Array);
  return h.digest();
}

/** The hash of `kind` of one buffer, or null when that kind cannot be computed from the bytes. */
export function hashBytes(kind: HashKind, data: Uint8Array): string | null {
  const h = hasherFor(kind);
  if (!h) return null;
  h.update(data);
  return h.digest();
}
