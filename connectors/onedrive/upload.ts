// Uploads to OneDrive through Graph's upload sessions (driveitem-createuploadsession): one session
// per file, fragments of 10 MiB PUT in order to its pre-authenticated URL, the session and the
// quickXorHash of the acknowledged bytes checkpointed after every fragment, so a killed worker
// resumes the same session and still checks the whole file against the hash OneDrive computes.
// The session is created, and the file read back, through the Graph client; the fragments are
// Ferry's own, sent with lib's rest: the client's LargeFileUploadTask gives no point at which a
// fragment's acknowledgement can be saved (awaited) before the next is sent, and after a lost answer
// it sends the fragment again without first asking the session what it already has.
import crypto from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GraphError } from '@microsoft/microsoft-graph-client';
import { BufferPool, ByteReader } from '../lib/bytes.ts';
import { drain } from '../lib/rest.ts';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { graphErrorOf, itemOrNull, statusOf, type Graph } from './client.ts';
import { QuickXorHash, type QuickXorState } from './quickxor.ts';

const MiB = 1024 * 1024;
/** Graph: every fragment but the last a multiple of 320 KiB, each under 60 MiB; 10 MiB is its advice. */
export const FRAGMENT = 32 * 320 * 1024;
const EMPTY_QUICKXOR = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
/** Restarts of a session that vanished (expired, cancelled) within one put. */
const MAX_RESTARTS = 2;

/** What a checkpoint holds between attempts. */
export interface UploadState {
  /** The destination path, so a checkpoint is only ever resumed for its own file. */
  path: string;
  uploadUrl: string;
  expirationDateTime: string;
  /** Bytes OneDrive has acknowledged. */
  offset: number;
  size: number;
  /** quickXorHash state over the first `offset` bytes. */
  quickxor: QuickXorState;
  /** The put's mode, which the session's conflictBehavior carries (absent: 'replace', as before modes). */
  mode?: PutOptions['mode'];
}

export function isUploadState(v: unknown): v is UploadState {
  const s = v as UploadState | null;
  return (
    !!s &&
    typeof s.path === 'string' &&
    typeof s.uploadUrl === 'string' &&
    /^https?:\/\//.test(s.uploadUrl) &&
    typeof s.expirationDateTime === 'string' &&
    Number.isSafeInteger(s.offset) &&
    Number.isSafeInteger(s.size) &&
    s.offset >= 0 &&
    s.offset <= s.size &&
    !!s.quickxor &&
    s.quickxor.length === s.offset
  );
}

/**
 * Graph's conflictBehavior for a put's mode. 'fail' makes OneDrive itself refuse to commit onto a
 * file at the path: one there already refuses createUploadSession, one that appeared after the
 * session was created refuses the last fragment (or the simple PUT), each with 409
 * nameAlreadyExists, and nothing is replaced.
 */
function conflictBehavior(mode: PutOptions['mode']): 'fail' | 'replace' {
  return mode === 'create' ? 'fail' : 'replace';
}

const exists = (rel: string) => new CloudError('exists', `${rel} is on OneDrive already; Ferry did not replace it.`);

/** The session vanished (404) or lost bytes it had acknowledged: the upload starts over. */
class SessionGone extends CloudError {
  constructor(message: string) {
    super('failed', message);
  }
}

interface DriveItemJson {
  id: string;
  size?: number;
  file?: { hashes?: { quickXorHash?: string } };
}

/** The first byte Graph still expects, from `nextExpectedRanges` ("12345-" or "12345-67890"). */
function nextExpected(ranges: unknown): number | null {
  if (!Array.isArray(ranges) || !ranges.length) return null;
  const starts = ranges.map((r) => Number(/^(\d+)-/.exec(String(r))?.[1] ?? NaN));
  if (starts.some((n) => !Number.isSafeInteger(n))) return null;
  return Math.min(...starts);
}

export function encodePath(rel: string): string {
  const parts = rel.split('/').filter(Boolean);
  if (parts.some((p) => p === '.' || p === '..')) throw new CloudError('invalid_options', `Invalid path: ${rel}`);
  return parts.map(encodeURIComponent).join('/');
}

export interface Uploader {
  put(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored>;
  abandon(state: unknown): Promise<void>;
}

export function createUploader(graph: Graph): Uploader {
  const itemPath = (rel: string) => `/me/drive/root:/${encodePath(rel)}:`;
  const itemById = (id: string) => `/me/drive/items/${encodeURIComponent(id)}`;

  /** Where the session stands: the next byte it expects, or null when it is gone. One exchange, no retry. */
  async function sessionNextOnce(uploadUrl: string, signal?: AbortSignal): Promise<number | null> {
    const res = await graph.rest.send('GET', uploadUrl, { signal });
    if (res.status === 404) {
      await drain(res);
      return null;
    }
    if (!res.ok) throw await graphErrorOf(res);
    const body = (await res.json()) as { nextExpectedRanges?: unknown };
    return nextExpected(body.nextExpectedRanges);
  }

  const sessionNext = (uploadUrl: string, signal?: AbortSignal) =>
    graph.call('checking an upload session', () => sessionNextOnce(uploadUrl, signal), signal);

  async function cancel(uploadUrl: string, signal?: AbortSignal): Promise<void> {
    await graph.call(
      'cancelling an upload session',
      async () => {
        const res = await graph.rest.send('DELETE', uploadUrl, { signal });
        if (!res.ok && res.status !== 404) throw await graphErrorOf(res);
        await drain(res);
      },
      signal,
    );
  }

  async function deleteItem(id: string): Promise<void> {
    await graph.call('deleting a corrupt upload', () => itemOrNull(graph.api(itemById(id)).delete())).catch(() => {});
  }

  /** The item at a path with its hash, or null. One exchange, no retry. */
  function itemAtOnce(rel: string, signal?: AbortSignal): Promise<DriveItemJson | null> {
    return itemOrNull(graph.api(`${itemPath(rel)}?$select=id,size,file`, signal).get());
  }

  /** Checks what OneDrive stored against the hash of the bytes sent; a mismatch is deleted. */
  async function verify(
    rel: string,
    item: DriveItemJson,
    size: number,
    expected: string,
    signal?: AbortSignal,
  ): Promise<Stored> {
    let hash = item.file?.hashes?.quickXorHash;
    if (!hash) {
      // Business drives may compute the hash a moment after the upload completes.
      const again: DriveItemJson = await graph.call(
        `reading ${rel}`,
        () => graph.api(`${itemById(item.id)}?$select=id,size,file`, signal).get(),
        signal,
      );
      hash = again.file?.hashes?.quickXorHash;
    }
    if (item.size !== size || (hash && hash !== expected)) {
      await deleteItem(item.id);
      throw new CloudError(
        'corrupt',
        item.size !== size
          ? `OneDrive stored ${item.size} bytes for ${rel}; ${size} were sent.`
          : `OneDrive stored ${rel} with quickXorHash ${hash}, but the bytes sent hash to ${expected}.`,
      );
    }
    return hash ? { size, hash: { kind: 'quickxor', value: hash } } : { size };
  }

  /** A 0-byte file: upload sessions cannot carry one, a simple upload can. */
  async function putEmpty(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const stream = await open(0);
    try {
      if (!(await new ByteReader(stream).atEnd()))
        throw new CloudError(
          'corrupt',
          `Expected 0 bytes for ${rel}, the source gave more; it may have changed while being read.`,
        );
    } finally {
      stream.destroy();
    }
    const md5 = crypto.createHash('md5').digest('hex');
    if (o.expectedMd5 && o.expectedMd5 !== md5)
      throw new CloudError('corrupt', `The bytes read have md5 ${md5}; the source says ${o.expectedMd5}.`);
    const saved = o.checkpoint?.state;
    if (isUploadState(saved)) await cancel(saved.uploadUrl, o.signal).catch(() => {});
    let item: DriveItemJson = await graph.call(
      `uploading ${rel}`,
      async () => {
        try {
          return await graph
            .api(`${itemPath(rel)}/content?@microsoft.graph.conflictBehavior=${conflictBehavior(o.mode)}`, o.signal)
            .header('content-type', 'application/octet-stream')
            .put(Buffer.alloc(0));
        } catch (err) {
          if (statusOf(err) === 409) throw exists(rel);
          throw err;
        }
      },
      o.signal,
    );
    if (o.modifiedAt) {
      const id = item.id;
      item = await graph.call(
        `setting the date of ${rel}`,
        () => graph.api(itemById(id), o.signal).patch({ fileSystemInfo: { lastModifiedDateTime: o.modifiedAt } }),
        o.signal,
      );
    }
    const stored = await verify(rel, item, 0, EMPTY_QUICKXOR, o.signal);
    o.onProgress?.(0);
    return stored;
  }

  /** A stream of unknown length goes to a temporary file first: Graph needs the total before the first byte. */
  async function putSpooled(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-onedrive-'));
    try {
      const file = path.join(dir, 'spool');
      await pipeline(await open(0), createWriteStream(file), { signal: o.signal });
      const size = (await fs.stat(file)).size;
      return await put(rel, async (offset) => createReadStream(file, { start: offset, highWaterMark: MiB }), {
        ...o,
        size,
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async function createSession(rel: string, o: PutOptions): Promise<{ uploadUrl: string; expirationDateTime: string }> {
    const item: Record<string, unknown> = { '@microsoft.graph.conflictBehavior': conflictBehavior(o.mode) };
    if (o.modifiedAt) item.fileSystemInfo = { lastModifiedDateTime: o.modifiedAt };
    const body: { uploadUrl?: string; expirationDateTime?: string } = await graph.call(
      `starting the upload of ${rel}`,
      async () => {
        try {
          return await graph.api(`${itemPath(rel)}/createUploadSession`, o.signal).post({ item });
        } catch (err) {
          // conflictBehavior 'fail' and an item at the path: Graph refuses the session itself
          // (the conflict behaviour applies at creation as at completion). A 409 for anything else
          // (a file where a folder of the path should be) stays the error it is.
          if (
            o.mode === 'create' &&
            statusOf(err) === 409 &&
            (err as GraphError).code === 'nameAlreadyExists' &&
            (await itemAtOnce(rel, o.signal))
          )
            throw exists(rel);
          throw err;
        }
      },
      o.signal,
    );
    if (!body.uploadUrl) throw new CloudError('failed', `OneDrive started no upload session for ${rel}.`);
    return {
      uploadUrl: body.uploadUrl,
      expirationDateTime: body.expirationDateTime ?? new Date(Date.now() + 3600_000).toISOString(),
    };
  }

  /**
   * Sends one fragment. Returns the next byte the session expects, or the committed item after the
   * last fragment. A retry first asks the session what it has, since a fragment whose answer was
   * lost may have arrived: it is then not sent twice.
   */
  async function sendFragment(
    rel: string,
    uploadUrl: string,
    body: Buffer,
    start: number,
    total: number,
    finalHash: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ next: number } | { item: DriveItemJson }> {
    const end = start + body.length;
    /** The session is gone after its last fragment: did that fragment complete the file? */
    const completed = async (): Promise<{ item: DriveItemJson }> => {
      if (finalHash) {
        const item = await itemAtOnce(rel, signal);
        if (item && item.size === total && item.file?.hashes?.quickXorHash === finalHash) return { item };
      }
      throw new SessionGone(`The upload session of ${rel} has expired or was cancelled.`);
    };
    let tried = false;
    return graph.call(
      `uploading ${rel}`,
      async () => {
        if (tried) {
          const next = await sessionNextOnce(uploadUrl, signal);
          if (next === null) return completed();
          if (next > start && next <= end) return { next };
          if (next !== start) throw new SessionGone(`The upload session of ${rel} expects byte ${next}, not ${start}.`);
        }
        tried = true;
        const res = await graph.fragments.send('PUT', uploadUrl, {
          body,
          headers: {
            'content-range': `bytes ${start}-${end - 1}/${total}`,
            'content-type': 'application/octet-stream',
          },
          signal,
        });
        if (res.status === 202) {
          const next = nextExpected(((await res.json()) as { nextExpectedRanges?: unknown }).nextExpectedRanges);
          if (next === null || next <= start || next > end)
            throw new SessionGone(`The upload session of ${rel} answered an unexpected range after byte ${start}.`);
          return { next };
        }
        if (res.status === 200 || res.status === 201) return { item: (await res.json()) as DriveItemJson };
        if (res.status === 409 && finalHash) {
          // conflictBehavior 'fail' and a file at the path when the last byte arrived.
          const err = await graphErrorOf(res);
          if (err.code === 'nameAlreadyExists') throw exists(rel);
          throw err;
        }
        if (res.status === 404) {
          await drain(res);
          return completed();
        }
        if (res.status === 416) {
          // Bytes the session already has: ask it where it stands.
          await drain(res);
          const next = await sessionNextOnce(uploadUrl, signal);
          if (next === null) return completed();
          if (next > start && next <= end) return { next };
          throw new SessionGone(`The upload session of ${rel} expects byte ${next}, not ${start}.`);
        }
        throw await graphErrorOf(res);
      },
      signal,
    );
  }

  async function putSession(
    rel: string,
    open: (offset: number) => Promise<Readable>,
    o: PutOptions,
    size: number,
  ): Promise<Stored> {
    let session: { uploadUrl: string; expirationDateTime: string } | null = null;
    let offset = 0;
    let xor = new QuickXorHash();
    /** Bytes past the checkpoint that the session already has (acknowledged after the last save). */
    let have = 0;

    const saved = o.checkpoint?.state;
    if (isUploadState(saved)) {
      const fresh = Date.parse(saved.expirationDateTime) > Date.now() + 60_000;
      // A session is resumed only for the same mode: its conflictBehavior was fixed when it was created.
      const same = saved.path === rel && saved.size === size && (saved.mode ?? 'replace') === o.mode;
      const next = same && fresh ? await sessionNext(saved.uploadUrl, o.signal) : null;
      if (next !== null && next >= saved.offset && next < size) {
        session = { uploadUrl: saved.uploadUrl, expirationDateTime: saved.expirationDateTime };
        offset = saved.offset;
        xor = QuickXorHash.restore(saved.quickxor);
        have = next;
      } else {
        await cancel(saved.uploadUrl, o.signal).catch(() => {}); // another file's, expired or inconsistent
      }
    }

    for (let restarts = 0; ; restarts++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof SessionGone) || restarts >= MAX_RESTARTS) throw err;
        session = null;
        offset = 0;
        xor = new QuickXorHash();
        have = 0;
      }
    }

    async function attempt(): Promise<Stored> {
      const checkpoint = async () => {
        if (o.checkpoint && session)
          await o.checkpoint.save({
            path: rel,
            ...session,
            offset,
            size,
            quickxor: xor.save(),
            mode: o.mode,
          } satisfies UploadState);
      };
      if (!session) {
        session = await createSession(rel, o);
        await checkpoint(); // before any byte, so an interrupted first fragment can still be abandoned
      }
      const uploadUrl = session.uploadUrl;
      // The source's md5 is held against the whole content, so only when reading from the start.
      const md5 = o.expectedMd5 && offset === 0 ? crypto.createHash('md5') : undefined;
      const stream = await open(offset);
      const reader = new ByteReader(stream);
      // The fragment buffer comes from the process's budget of upload memory (bytes.ts).
      const pool = new BufferPool(Math.max(1, Math.min(FRAGMENT, size - offset)), 1);
      const buf = await pool.take(o.signal).catch((err) => {
        stream.destroy();
        throw err;
      });
      let sourceError = false;
      const short = (got: number) => {
        sourceError = true;
        return new CloudError(
          'corrupt',
          `Expected ${size} bytes for ${rel}, the source gave ${got}; it may have changed while being read.`,
        );
      };
      try {
        // Bytes the session has beyond the checkpoint: read and hashed, not sent again.
        while (offset < have) {
          const n = Math.min(buf.length, have - offset);
          const got = await reader.fill(buf, 0, n);
          if (got < n) throw short(offset + got);
          xor.update(buf.subarray(0, n));
          md5?.update(buf.subarray(0, n));
          offset += n;
        }
        if (have) await checkpoint();
        o.onProgress?.(offset);

        let filled = 0; // bytes at the start of buf read but not yet acknowledged
        for (;;) {
          const want = Math.min(buf.length, size - offset);
          filled = await reader.fill(buf, filled, want);
          if (filled < want) throw short(offset + filled);
          const fragment = buf.subarray(0, want);
          const last = offset + want === size;
          let finalHash: string | undefined;
          if (last) {
            if (!(await reader.atEnd())) {
              sourceError = true;
              throw new CloudError(
                'corrupt',
                `The source gave more than the ${size} bytes it announced for ${rel}; ` +
                  `it may have changed while being read.`,
              );
            }
            if (md5) {
              const got = md5.copy().update(fragment).digest('hex');
              if (got !== o.expectedMd5) {
                sourceError = true;
                throw new CloudError(
                  'corrupt',
                  `The bytes read for ${rel} have md5 ${got}; the source says ${o.expectedMd5}.`,
                );
              }
            }
            finalHash = xor.copy().update(fragment).digest();
          }
          const answer = await sendFragment(rel, uploadUrl, fragment, offset, size, finalHash, o.signal);
          if ('item' in answer) {
            pool.give(buf); // sent and answered: the next upload may use it
            if (!finalHash)
              throw new CloudError('failed', `OneDrive completed ${rel} before its last fragment was sent.`);
            const stored = await verify(rel, answer.item, size, finalHash, o.signal);
            o.onProgress?.(size);
            return stored;
          }
          // Usually the whole fragment; what the session did not take is sent again with what follows.
          const acked = answer.next - offset;
          xor.update(buf.subarray(0, acked));
          md5?.update(buf.subarray(0, acked));
          buf.copyWithin(0, acked, want);
          filled = want - acked;
          offset = answer.next;
          o.onProgress?.(offset);
          await checkpoint();
          if (offset >= size)
            throw new CloudError('failed', `OneDrive acknowledged all of ${rel} without completing it.`);
        }
      } catch (err) {
        stream.destroy(); // the source (socket, file) is closed, not left half-read
        // A corrupt source is never resumed, and without a checkpoint nothing could resume it.
        if (sourceError || !o.checkpoint || (err instanceof CloudError && err.reason === 'corrupt'))
          await cancel(uploadUrl).catch(() => {});
        throw err;
      } finally {
        pool.close();
      }
    }
  }

  async function put(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    if (!encodePath(rel)) throw new CloudError('invalid_options', 'A file needs a path.');
    const clean = rel.split('/').filter(Boolean).join('/');
    if (o.size === undefined) return putSpooled(clean, open, o);
    if (o.size === 0) return putEmpty(clean, open, o);
    return putSession(clean, open, o, o.size);
  }

  return {
    put,
    async abandon(state) {
      if (isUploadState(state)) await cancel(state.uploadUrl);
    },
  };
}
