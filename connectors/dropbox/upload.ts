// Uploads to Dropbox through an upload session, whatever the file's size (one path for all):
// upload_session/start carries the first chunk, append_v2 the next ones, finish the last (short)
// one and commits the file. Each request carries the content_hash of its own bytes, which Dropbox
// checks; the whole file's content_hash, computed while streaming, is held against the one Dropbox
// reports for the committed file. The session and the hash state are checkpointed after every
// acknowledged chunk, so a worker that dies resumes the same session.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { DropboxApiError, type DropboxClient } from './client.ts';
import { BLOCK, contentHash, DropboxContentHasher, type ContentHashState } from './content-hash.ts';

/** Bytes per request: a multiple of the 4 MiB hash block, far below Dropbox's 150 MB per request. */
export const CHUNK = 2 * BLOCK;

/** What a checkpoint holds between attempts. */
interface SessionState {
  v: 1;
  /** The Dropbox path, lower-cased (Dropbox paths are case-insensitive). */
  path: string;
  sessionId: string;
  /** Bytes the session holds; always a multiple of CHUNK. */
  offset: number;
  /** The content hash of those bytes, to go on with. */
  hash: ContentHashState;
}

export interface FileMetadata {
  '.tag'?: 'file';
  id: string;
  name: string;
  path_display?: string;
  path_lower?: string;
  size: number;
  rev: string;
  content_hash?: string;
  client_modified?: string;
  server_modified?: string;
  is_downloadable?: boolean;
}

/** The session cannot go on (gone, expired, or holding other bytes): a new one starts from the first byte. */
class Restart extends Error {}

const EMPTY = Buffer.alloc(0);

/** Dropbox's timestamps have no fractional seconds ("2015-05-12T15:50:38Z"). */
function dropboxTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fixed set of chunk buffers, reused: memory stays at `max` chunks whatever the file's size. */
class ChunkBuffers {
  private free: Buffer[] = [];
  private mine = new WeakSet<ArrayBufferLike>();
  private made = 0;
  private waiting: ((b: Buffer) => void)[] = [];
  private readonly size: number;
  private readonly max: number;
  constructor(size: number, max: number) {
    this.size = size;
    this.max = max;
  }
  async take(): Promise<Buffer> {
    const b = this.free.pop();
    if (b) return b;
    if (this.made < this.max) {
      this.made++;
      const fresh = Buffer.allocUnsafeSlow(this.size);
      this.mine.add(fresh.buffer);
      return fresh;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  give(piece: Buffer): void {
    if (!this.mine.has(piece.buffer)) return; // a source chunk passed through as it was
    const whole = Buffer.from(piece.buffer, 0, this.size);
    const next = this.waiting.shift();
    if (next) next(whole);
    else this.free.push(whole);
  }
}

/** Reads a stream in pieces of exactly `size` bytes; only the last may be shorter. */
async function* chunks(stream: Readable, size: number, pool: ChunkBuffers): AsyncGenerator<Buffer> {
  let buf: Buffer | null = null;
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (filled === 0 && chunk.length === size) {
      yield chunk;
      continue;
    }
    for (let off = 0; off < chunk.length; ) {
      buf ??= await pool.take();
      const n = Math.min(chunk.length - off, size - filled);
      chunk.copy(buf, filled, off, off + n);
      filled += n;
      off += n;
      if (filled === size) {
        yield buf;
        buf = null;
        filled = 0;
      }
    }
  }
  if (buf) yield buf.subarray(0, filled);
}

function savedState(state: unknown, path: string): SessionState | null {
  const s = state as SessionState | null | undefined;
  if (
    s?.v !== 1 ||
    s.path !== path.toLowerCase() ||
    typeof s.sessionId !== 'string' ||
    !Number.isSafeInteger(s.offset) ||
    s.offset % CHUNK !== 0
  )
    return null;
  try {
    if (DropboxContentHasher.from(s.hash).length !== s.offset) return null;
  } catch {
    return null;
  }
  return s;
}

/**
 * Writes what `open(offset)` yields to the Dropbox path `path` ('/a/b.jpg'), replacing what is
 * there only with mode 'replace' (the mode applies at finish, so a resumed session keeps it).
 * Resumes the checkpointed session when there is one; starts afresh when Dropbox no longer has it.
 */
export async function uploadFile(
  client: DropboxClient,
  path: string,
  open: (offset: number) => Promise<Readable>,
  o: PutOptions,
): Promise<Stored> {
  let saved = savedState(o.checkpoint?.state, path);
  for (let restarts = 0; ; restarts++) {
    try {
      return await attempt(client, path, saved, open, o);
    } catch (err) {
      if (!(err instanceof Restart)) throw err;
      if (restarts >= 2)
        throw new CloudError('failed', `Dropbox kept losing the upload session of ${path}: ${err.message}`);
      saved = null; // start over from the first byte in a new session
    }
  }
}

async function attempt(
  client: DropboxClient,
  path: string,
  saved: SessionState | null,
  open: (offset: number) => Promise<Readable>,
  o: PutOptions,
): Promise<Stored> {
  const signal = o.signal;
  const whole = saved ? DropboxContentHasher.from(saved.hash) : new DropboxContentHasher();
  let sessionId = saved?.sessionId;
  /** Bytes the session holds, as far as we know. */
  let server = saved?.offset ?? 0;
  if (o.size !== undefined && server > o.size)
    throw new Restart(`the saved session holds ${server} bytes of a ${o.size}-byte file`);
  // The whole content's md5, to hold against the source's before anything is committed.
  const md5 = o.expectedMd5 && server === 0 ? crypto.createHash('md5') : undefined;

  const stream = await open(server);
  const pool = new ChunkBuffers(CHUNK, 2);
  const reader = chunks(stream, CHUNK, pool);
  let pending = reader.next();

  /** Sends the part of a chunk the session does not have yet (start or append_v2). */
  async function deliver(piece: Buffer, pieceStart: number, pieceHash: string): Promise<void> {
    for (;;) {
      const skip = server - pieceStart;
      if (skip < 0) throw new Restart(`Dropbox holds ${server} bytes, fewer than the ${pieceStart} already sent`);
      if (skip >= piece.length) return; // Dropbox got these bytes already (its answer was lost)
      const data = skip ? piece.subarray(skip) : piece;
      const hash = skip ? contentHash(data) : pieceHash;
      try {
        if (sessionId === undefined) {
          const r = await client.upload<{ session_id: string }>(
            'files/upload_session/start',
            { close: false, content_hash: hash },
            data,
            signal,
          );
          sessionId = r.session_id;
        } else {
          await client.upload(
            'files/upload_session/append_v2',
            { cursor: { session_id: sessionId, offset: server }, close: false, content_hash: hash },
            data,
            signal,
          );
        }
        server += data.length;
        return;
      } catch (err) {
        const correct = err instanceof DropboxApiError ? err.correctOffset : undefined;
        if (correct !== undefined) {
          server = correct; // Dropbox tells what it has: go on from there
          continue;
        }
        if (err instanceof DropboxApiError && (err.has('not_found') || err.has('closed')))
          throw new Restart(`the upload session is gone (${err.summary})`);
        throw err;
      }
    }
  }

  /** Sends the last bytes with finish, which commits the file. */
  async function commit(
    data: Buffer,
    dataStart: number,
    dataHash: string,
    total: number,
    expected: string,
  ): Promise<FileMetadata> {
    if (sessionId === undefined) {
      const r = await client.upload<{ session_id: string }>(
        'files/upload_session/start',
        { close: false, content_hash: contentHash(EMPTY) },
        EMPTY,
        signal,
      );
      sessionId = r.session_id;
    }
    // 'create': Dropbox itself refuses to commit onto a file at the path (add), even one with the
    // same bytes (strict_conflict), and never picks another name (autorename): path/conflict/file.
    const args = {
      path,
      mode: o.mode === 'create' ? 'add' : 'overwrite',
      autorename: false,
      mute: true,
      strict_conflict: o.mode === 'create',
      ...(dropboxTime(o.modifiedAt) ? { client_modified: dropboxTime(o.modifiedAt) } : {}),
    };
    for (;;) {
      const skip = server - dataStart;
      if (skip < 0 || skip > data.length)
        throw new Restart(`Dropbox holds ${server} bytes of the session, Ferry expected ${dataStart}`);
      const part = data.subarray(skip);
      try {
        return await client.upload<FileMetadata>(
          'files/upload_session/finish',
          {
            cursor: { session_id: sessionId, offset: server },
            commit: args,
            content_hash: skip ? contentHash(part) : dataHash,
          },
          part,
          signal,
        );
      } catch (err) {
        if (!(err instanceof DropboxApiError)) throw err;
        const correct = err.correctOffset;
        if (correct !== undefined) {
          server = correct;
          continue;
        }
        if (err.has('lookup_failed') && (err.has('not_found') || err.has('closed'))) {
          // A finish whose answer was lost, then retried, finds its session gone: the file may be
          // committed already. Otherwise the session expired: start over.
          const meta = await client
            .rpc<FileMetadata & { '.tag': string }>('files/get_metadata', { path }, signal)
            .catch(() => null);
          if (meta && meta['.tag'] === 'file' && meta.content_hash === expected && meta.size === total) return meta;
          throw new Restart(`the upload session is gone (${err.summary})`);
        }
        throw err;
      }
    }
  }

  try {
    let last: { piece: Buffer; start: number; hash: string } | undefined;
    for (;;) {
      const next = await pending;
      signal?.throwIfAborted();
      if (next.done) break;
      const piece = next.value;
      const pieceStart = whole.length;
      md5?.update(piece);
      const hash = whole.updateChunk(piece);
      if (o.size !== undefined && whole.length > o.size) {
        throw new CloudError(
          'corrupt',
          `The source gave more than the ${o.size} bytes it announced; it may have changed while being read.`,
        );
      }
      if (piece.length < CHUNK) {
        last = { piece, start: pieceStart, hash }; // the stream has ended: this one goes with finish
        break;
      }
      pending = reader.next(); // the next chunk is read while this one travels
      pending.catch(() => {}); // (its failure is seen when it is awaited)
      await deliver(piece, pieceStart, hash);
      pool.give(piece);
      o.onProgress?.(Math.min(server, whole.length));
      if (o.checkpoint && server === whole.length) {
        const state: SessionState = {
          v: 1,
          path: path.toLowerCase(),
          sessionId: sessionId!,
          offset: server,
          hash: whole.state(),
        };
        await o.checkpoint.save(state);
      }
    }

    const total = whole.length;
    // A source that ended early (or ran long) must not replace what is at the path.
    if (o.size !== undefined && total !== o.size)
      throw new CloudError('corrupt', `Expected ${o.size} bytes, the source gave ${total}.`);
    const gotMd5 = md5?.digest('hex');
    if (gotMd5 && gotMd5 !== o.expectedMd5)
      throw new CloudError('corrupt', `The bytes read have md5 ${gotMd5}; the source says ${o.expectedMd5}.`);
    const expected = whole.digest();
    const meta = await commit(
      last?.piece ?? EMPTY,
      last?.start ?? total,
      last?.hash ?? contentHash(EMPTY),
      total,
      expected,
    );
    if (meta.content_hash !== expected || meta.size !== total) {
      // Dropbox stored other bytes than were sent: the file must not stay as if it were good.
      await client.rpc('files/delete_v2', { path }, signal).catch(() => {});
      throw new CloudError(
        'corrupt',
        `Dropbox stored ${path} as ${meta.size} bytes with content_hash ${meta.content_hash}; ` +
          `the ${total} bytes sent have ${expected}.`,
      );
    }
    o.onProgress?.(total);
    return { size: total, hash: { kind: 'dropbox', value: expected } };
  } finally {
    stream.destroy(); // the source (socket, file) is closed, not left half-read
    await pending.catch(() => {});
    await reader.return(undefined).catch(() => {});
  }
}
