// Uploads to Dropbox through an upload session, whatever the file's size (one path for all):
// upload_session/start carries the first chunk, append_v2 the next ones, finish the last (short)
// one and commits the file. Each request carries the content_hash of its own bytes, which Dropbox
// checks; the whole file's content_hash, computed while streaming, is held against the one Dropbox
// reports for the committed file. The session and the hash state are checkpointed after every
// acknowledged chunk, so a worker that dies resumes the same session.
//
// Each request is the SDK's (filesUploadSessionStart, …AppendV2, …Finish); the session around them
// is Ferry's: the SDK's DropboxFileUploader always opens a new session (it cannot go on with one a
// dead worker left), sends no content_hash per chunk, keeps no checkpoint and retries on its own.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { files } from 'dropbox';
import { BufferPool, chunks } from '../lib/bytes.ts';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { DropboxApiError, type DropboxClient } from './client.ts';
import { BLOCK, contentHash, DropboxContentHasher, type ContentHashState } from './content-hash.ts';

/** Bytes per request: a multiple of the 4 MiB hash block, far below Dropbox's 150 MB per request. */
export const CHUNK = 2 * BLOCK;

/** What a checkpoint holds between attempts. */
interface SessionState {
  /** 2: the hash state is hash-wasm's (a state of version 1 does not load, and is no checkpoint). */
  v: 2;
  /** The Dropbox path, lower-cased (Dropbox paths are case-insensitive). */
  path: string;
  sessionId: string;
  /** Bytes the session holds; always a multiple of CHUNK. */
  offset: number;
  /** The content hash of those bytes, to go on with. */
  hash: ContentHashState;
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

/** A checkpointed session to go on with: its state and its hash loaded. */
interface Resumed {
  state: SessionState;
  hasher: DropboxContentHasher;
}

/** The checkpoint of this upload, or null when there is none that fits (any doubt starts afresh). */
async function resumedOf(state: unknown, path: string): Promise<Resumed | null> {
  const s = state as SessionState | null | undefined;
  if (
    s?.v !== 2 ||
    s.path !== path.toLowerCase() ||
    typeof s.sessionId !== 'string' ||
    !Number.isSafeInteger(s.offset) ||
    s.offset % CHUNK !== 0
  )
    return null;
  const hasher = await DropboxContentHasher.from(s.hash);
  return hasher && hasher.length === s.offset ? { state: s, hasher } : null;
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
  let saved = await resumedOf(o.checkpoint?.state, path);
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
  saved: Resumed | null,
  open: (offset: number) => Promise<Readable>,
  o: PutOptions,
): Promise<Stored> {
  const signal = o.signal;
  // hash-wasm's SHA-256 under the content hash: its state goes into every checkpoint.
  const whole = saved?.hasher ?? (await DropboxContentHasher.resumable());
  let sessionId = saved?.state.sessionId;
  /** Bytes the session holds, as far as we know. */
  let server = saved?.state.offset ?? 0;
  if (o.size !== undefined && server > o.size)
    throw new Restart(`the saved session holds ${server} bytes of a ${o.size}-byte file`);
  // The whole content's md5, to hold against the source's before anything is committed.
  const md5 = o.expectedMd5 && server === 0 ? crypto.createHash('md5') : undefined;

  const stream = await open(server);
  // Two chunks, from the process's budget: one travels while the next is read.
  const pool = new BufferPool(CHUNK, 2);
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
          const r = await client.call(
            (dbx, c) => dbx.filesUploadSessionStart({ contents: data, close: false, content_hash: hash }, c),
            signal,
          );
          sessionId = r.session_id;
        } else {
          const cursor = { session_id: sessionId, offset: server };
          await client.call(
            (dbx, c) => dbx.filesUploadSessionAppendV2({ contents: data, cursor, close: false, content_hash: hash }, c),
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
  ): Promise<files.FileMetadata> {
    if (sessionId === undefined) {
      const r = await client.call(
        (dbx, c) => dbx.filesUploadSessionStart({ contents: EMPTY, close: false, content_hash: contentHash(EMPTY) }, c),
        signal,
      );
      sessionId = r.session_id;
    }
    // 'create': Dropbox itself refuses to commit onto a file at the path (add), even one with the
    // same bytes (strict_conflict), and never picks another name (autorename): path/conflict/file.
    const args: files.CommitInfo = {
      path,
      mode: { '.tag': o.mode === 'create' ? 'add' : 'overwrite' },
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
      const finish: files.UploadSessionFinishArg = {
        contents: part,
        cursor: { session_id: sessionId, offset: server },
        commit: args,
        content_hash: skip ? contentHash(part) : dataHash,
      };
      try {
        return await client.call((dbx, c) => dbx.filesUploadSessionFinish(finish, c), signal);
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
          const meta = await client.call((dbx, c) => dbx.filesGetMetadata({ path }, c), signal).catch(() => null);
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
          v: 2,
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
    if (last) pool.give(last.piece); // sent and answered: the next upload may use it
    if (meta.content_hash !== expected || meta.size !== total) {
      // Dropbox stored other bytes than were sent: the file must not stay as if it were good.
      await client.call((dbx, c) => dbx.filesDeleteV2({ path }, c), signal).catch(() => {});
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
    pool.close();
  }
}
