// Drive's resumable upload protocol (developers.google.com/drive/api/guides/manage-uploads), our
// own client, written by hand: googleapis has none (its files.create sends a file whole, as
// `multipart` or `media`, and cannot resume). A session is opened with the file's metadata, then the
// bytes follow in chunks of 8 MiB (Drive wants multiples of 256 KiB, the last excepted), one at a
// time, each acknowledged by a 308 whose Range says what Drive holds. The session URI, the offset and
// the md5 state are checkpointed after every acknowledged chunk, so a worker that dies resumes the
// same session. New files get an id from files.generateIds before their session opens: creating
// again after a lost session then answers 409 instead of making a duplicate. The session requests
// go to the upload host through lib's REST helper; the metadata calls around them (generateIds,
// files.get, files.delete) through the library.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { BufferPool, ByteReader } from '../lib/bytes.ts';
import { drain } from '../lib/rest.ts';
import { loadHash, newHash, type ResumableHash } from '../lib/resumable-hash.ts';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import { DriveApiError, errorOf, toCloudError, type DriveClient } from './client.ts';
import { segments, type DriveFile, type Paths } from './paths.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Drive accepts chunks in multiples of this, the last chunk excepted. */
export const CHUNK_UNIT = 256 * KiB;
export const CHUNK_SIZE = 8 * MiB;
/** What the final answer (and a lookup) must include to check the upload. */
const RESULT_FIELDS = 'id,size,md5Checksum,sha256Checksum';
/** Sessions started afresh within one put() before giving up (each lost session costs a restart). */
const MAX_RESTARTS = 2;

/** The checkpoint of an upload in progress. */
export interface UploadState {
  v: 2;
  /** The cloud path this session writes. */
  path: string;
  sessionUri: string;
  /** The file the session creates (a pre-generated id) or replaces. */
  fileId: string;
  mode: 'create' | 'update';
  /** Bytes Drive acknowledged. */
  offset: number;
  /** The total announced to Drive, when known. */
  size?: number;
  /** md5 state of the first `offset` bytes (lib's resumable hash, saved as base64). */
  md5: string;
}

function isUploadState(s: unknown): s is UploadState {
  const st = s as UploadState | null;
  return (
    !!st &&
    st.v === 2 &&
    typeof st.sessionUri === 'string' &&
    typeof st.fileId === 'string' &&
    typeof st.offset === 'number' &&
    typeof st.md5 === 'string'
  );
}

const exists = (rel: string) =>
  new CloudError('exists', `${rel} is on Google Drive already; Ferry did not replace it.`);

/** Drive no longer knows the session (404/410): it expired or was cancelled; the upload starts over. */
class SessionGone extends Error {}

/** What Drive holds of a session: the bytes so far, or the finished file. */
type SessionStatus = { offset: number } | { file: DriveFile };

/** The finished md5 as hex (the hasher is done with). */
const hex = (md5: ResumableHash) => md5.digest().toString('hex');

/** The end of a 308's `Range: bytes=0-N` header as the next offset (no header: nothing received). */
function offsetOf(res: Response): number {
  const m = /^bytes=0-(\d+)$/.exec(res.headers.get('range') ?? '');
  return m ? Number(m[1]) + 1 : 0;
}

export class Uploader {
  private readonly client: DriveClient;
  private readonly paths: Paths;
  /** Pre-generated file ids, fetched ten at a time. */
  private ids: string[] = [];

  constructor(client: DriveClient, paths: Paths) {
    this.client = client;
    this.paths = paths;
  }

  async put(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const what = `Uploading ${rel} to Google Drive`;
    try {
      return await this.attempt(rel, open, o);
    } catch (err) {
      throw o.signal?.aborted ? err : toCloudError(err, what);
    }
  }

  /** Cancels a session (best effort: an unknown or finished session is fine). */
  async abandon(state: unknown): Promise<void> {
    if (!isUploadState(state)) return;
    try {
      const res = await this.client.upload.send('DELETE', state.sessionUri);
      await drain(res);
    } catch (err) {
      if (err instanceof CloudError && err.reason === 'unauthorized') throw err;
      // unreachable: the session expires by itself within a week, and no file exists until it ends
    }
  }

  private async attempt(rel: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const state = o.checkpoint?.state;
    let saved = isUploadState(state) ? state : null;
    if (saved && (saved.path !== rel || saved.size !== o.size)) saved = null; // another file, or another version of it
    // The md5 of the bytes Drive holds: a state that does not load (another version, damaged) cannot
    // check the file, so the checkpoint counts for nothing and its session is dropped.
    let savedMd5 = saved ? await loadHash('md5', saved.md5) : null;
    if (saved && !savedMd5) {
      await this.abandon(saved);
      saved = null;
    }
    if (saved && saved.mode === 'update' && o.mode === 'create') {
      // A session that would replace the file at the path, for a put that must not: dropped.
      await this.abandon(saved);
      saved = null;
    }
    let reuseId = saved?.mode === 'create' ? saved.fileId : undefined;

    for (let restart = 0; ; restart++) {
      let st: UploadState | null = null;
      let status: SessionStatus | null = null;
      let md5 = savedMd5;
      savedMd5 = null;
      if (saved) {
        try {
          status = await this.status(saved, saved.size, o.signal);
          // Drive holds fewer bytes than it acknowledged: the md5 state cannot go back, so start over.
          if ('offset' in status && status.offset < saved.offset) status = null;
          else st = saved;
        } catch (err) {
          if (!(err instanceof SessionGone)) throw err;
        }
        saved = null;
      }
      if (!st) {
        const begun = await this.begin(rel, o, reuseId);
        if ('stored' in begun) return begun.stored;
        st = begun.state;
        reuseId = st.mode === 'create' ? st.fileId : undefined;
        await o.checkpoint?.save(st);
        status = { offset: 0 };
        md5 = await newHash('md5');
      }
      try {
        return await this.stream(st, status!, md5!, open, o);
      } catch (err) {
        if (!(err instanceof SessionGone)) throw err;
        if (restart >= MAX_RESTARTS)
          throw new CloudError(
            'failed',
            `${err.message} Google Drive kept losing the upload sessions; try again later.`,
            { cause: err },
          );
      }
    }
  }

  /** Opens a session: updating the file at the path, or creating one under a pre-generated id. */
  private async begin(
    rel: string,
    o: PutOptions,
    reuseId: string | undefined,
  ): Promise<{ state: UploadState } | { stored: Stored }> {
    const parts = segments(rel);
    const name = parts.pop();
    if (!name) throw new CloudError('invalid_options', `Invalid path: ${rel}`);
    for (let tries = 0; ; tries++) {
      try {
        const parentId = (await this.paths.folder(parts.join('/'), true, o.signal))!;
        const existing = await this.paths.child(parentId, name, 'file', o.signal);
        if (existing && o.mode === 'create') {
          // The file an earlier session of this very put created (under its pre-generated id) is
          // not someone else's: it is checked as after a 409. Any other file stays as it is.
          if (existing.id === reuseId) {
            const after = await this.afterConflict(rel, existing.id, parentId, name, o);
            if (after) return after;
          }
          throw exists(rel);
        }
        if (existing) return { state: await this.open(rel, 'update', existing.id, { modifiedTime: o.modifiedAt }, o) };
        const id = reuseId ?? (await this.newId(o.signal));
        try {
          return {
            state: await this.open(rel, 'create', id, { id, name, parents: [parentId], modifiedTime: o.modifiedAt }, o),
          };
        } catch (err) {
          if (!(err instanceof DriveApiError) || err.status !== 409) throw err;
          // The file with this id exists: a session of an earlier attempt finished after all.
          const after = await this.afterConflict(rel, id, parentId, name, o);
          if (after) return after;
          // That file was since moved, renamed or trashed: it is not the one at this path.
          const fresh = await this.newId(o.signal);
          return {
            state: await this.open(
              rel,
              'create',
              fresh,
              { id: fresh, name, parents: [parentId], modifiedTime: o.modifiedAt },
              o,
            ),
          };
        }
      } catch (err) {
        // A cached folder was deleted or trashed meanwhile: resolve the path again, once.
        if (tries === 0 && err instanceof DriveApiError && err.status === 404) {
          this.paths.forget();
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * The file an earlier session of this upload created (its answer was lost, and Drive's search
   * may not show the file yet): kept when it is what the source holds, otherwise replaced. Null
   * when it is no longer at the path.
   */
  private async afterConflict(
    rel: string,
    id: string,
    parentId: string,
    name: string,
    o: PutOptions,
  ): Promise<{ state: UploadState } | { stored: Stored } | null> {
    const file = await this.client.call<DriveFile & { parents?: string[]; trashed?: boolean }>(
      (api, opts) => api.files.get({ fileId: id, fields: `${RESULT_FIELDS},name,parents,trashed` }, opts),
      o.signal,
    );
    const folderId = parentId === 'root' ? await this.paths.rootId(o.signal) : parentId;
    if (file.trashed || file.name !== name || !(file.parents ?? []).includes(folderId)) return null;
    const size = Number(file.size ?? -1);
    if (o.expectedMd5 && file.md5Checksum === o.expectedMd5 && (o.size === undefined || size === o.size)) {
      o.onProgress?.(size);
      return { stored: { size, hash: { kind: 'md5', value: file.md5Checksum } } };
    }
    // Whether it holds the right bytes cannot be told without them: upload them again over it.
    return { state: await this.open(rel, 'update', id, { modifiedTime: o.modifiedAt }, o) };
  }

  private async open(
    rel: string,
    mode: 'create' | 'update',
    fileId: string,
    metadata: Record<string, unknown>,
    o: PutOptions,
  ): Promise<UploadState> {
    const body = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined));
    const path = mode === 'create' ? '/upload/drive/v3/files' : `/upload/drive/v3/files/${encodeURIComponent(fileId)}`;
    const upload = this.client.upload;
    const sessionUri = await this.client.pacer.call(async () => {
      const res = await upload.send(mode === 'create' ? 'POST' : 'PATCH', path, {
        query: { uploadType: 'resumable', fields: RESULT_FIELDS },
        // Without a content type Drive infers one from the name and the bytes.
        headers: o.size !== undefined ? { 'x-upload-content-length': String(o.size) } : {},
        body,
        signal: o.signal,
      });
      if (!res.ok) throw await errorOf(res);
      await drain(res);
      const location = res.headers.get('location');
      if (!location) throw new DriveApiError(res.status, 'Drive opened no upload session (no Location header).');
      return new URL(location, upload.base).toString();
    }, o.signal);
    const md5 = (await newHash('md5')).save();
    return { v: 2, path: rel, sessionUri, fileId, mode, offset: 0, size: o.size, md5 };
  }

  private async newId(signal?: AbortSignal): Promise<string> {
    if (!this.ids.length) {
      const out = await this.client.call<{ ids: string[] }>(
        (api, o) => api.files.generateIds({ count: 10, space: 'drive' }, o),
        signal,
      );
      this.ids.push(...out.ids);
    }
    return this.ids.shift()!;
  }

  // Asks Drive what it holds of a session: an empty PUT with Content-Range "bytes */total" (or */*).
  // Given the total, a session that already holds every byte finishes and answers with the file.
  private async status(st: UploadState, total: number | undefined, signal?: AbortSignal): Promise<SessionStatus> {
    return this.client.pacer.call(() => this.putRange(st, Buffer.alloc(0), `bytes */${total ?? '*'}`, signal), signal);
  }

  private async putRange(st: UploadState, body: Buffer, range: string, signal?: AbortSignal): Promise<SessionStatus> {
    const res = await this.client.upload.send('PUT', st.sessionUri, {
      headers: { 'content-range': range },
      body,
      signal,
      query: { fields: RESULT_FIELDS },
    });
    if (res.status === 308) {
      await drain(res);
      return { offset: offsetOf(res) };
    }
    if (res.status === 200 || res.status === 201) return { file: (await res.json()) as DriveFile };
    if (res.status === 404 || res.status === 410) {
      await drain(res);
      throw new SessionGone(`The upload session of ${st.path} is gone (${res.status}).`);
    }
    throw await errorOf(res);
  }

  /**
   * Sends `body`, the bytes from `start`, and returns what Drive then holds. After a failed attempt
   * (a reset connection, a 5xx, a 429) the next one first asks Drive where it is, so a chunk that
   * arrived although its answer was lost is not sent twice.
   */
  private async send(
    st: UploadState,
    body: Buffer,
    start: number,
    total: number | undefined,
    signal?: AbortSignal,
  ): Promise<SessionStatus> {
    const end = start + body.length;
    let at = start;
    let unsure = false;
    for (let stalls = 0; ; ) {
      const result = await this.client.pacer.call(async () => {
        if (unsure) {
          const s = await this.status(st, total, signal);
          unsure = false;
          if ('file' in s) return s;
          if (s.offset < start || s.offset > end)
            throw new SessionGone(
              `Drive holds ${s.offset} bytes of ${st.path}, outside the chunk ${start}-${end} being sent.`,
            );
          at = s.offset;
          if (at === end && !(total !== undefined && end === total)) return s;
        }
        const part = body.subarray(at - start);
        const range = part.length ? `bytes ${at}-${at + part.length - 1}/${total ?? '*'}` : `bytes */${total ?? '*'}`;
        try {
          return await this.putRange(st, part, range, signal);
        } catch (err) {
          if (!(err instanceof SessionGone) && !(err instanceof CloudError)) unsure = true;
          throw err;
        }
      }, signal);
      if ('file' in result) return result;
      if (result.offset > end || result.offset < at)
        throw new SessionGone(`Drive acknowledged ${result.offset} bytes of ${st.path}; ${end} were sent.`);
      if (result.offset === end && !(total !== undefined && end === total)) return result;
      // Drive kept less than was sent (or holds every byte without having finished): go on from there.
      if (result.offset === at && ++stalls > 3)
        throw new CloudError('failed', `Google Drive does not accept the bytes of ${st.path} from offset ${at}.`);
      at = result.offset;
    }
  }

  /** Streams the source into the session from where Drive is, and checks what Drive made of it. */
  private async stream(
    st: UploadState,
    status: SessionStatus,
    md5: ResumableHash,
    open: (offset: number) => Promise<Readable>,
    o: PutOptions,
  ): Promise<Stored> {
    // sha256 as well when every byte passes through this attempt (Drive may report it).
    const sha = st.offset === 0 ? crypto.createHash('sha256') : undefined;
    const finished = 'file' in status ? status.file : undefined;
    const serverOffset = 'offset' in status ? status.offset : undefined;
    const stream = await open(st.offset);
    const reader = new ByteReader(stream);
    // A corrupt upload is never finished: its session is cancelled, checkpoint or not.
    let abandoned = false;
    let buffers: BufferPool | undefined;
    const corrupt = async (message: string) => {
      abandoned = true;
      await this.abandon(st);
      return new CloudError('corrupt', message);
    };
    try {
      const see = (b: Buffer) => {
        md5.update(b);
        sha?.update(b);
      };
      /** Hashes the next `count` bytes without sending them; returns how many there were. */
      const hashOnly = async (count: number) => {
        let n = 0;
        while (n < count) {
          const b = await reader.take(count - n);
          if (!b) break;
          see(b);
          n += b.length;
        }
        return n;
      };
      if (finished) {
        // The session had finished (its answer was lost): hash the rest of the source to check it.
        const n = await hashOnly(Number.MAX_SAFE_INTEGER);
        return await this.verify(st, finished, st.offset + n, hex(md5), sha?.digest('hex'), o);
      }
      // Drive may hold more than the checkpoint says (the worker died before saving): hash those bytes.
      let pos = st.offset;
      if (serverOffset! > pos) {
        const n = await hashOnly(serverOffset! - pos);
        if (n < serverOffset! - pos)
          throw await corrupt(
            `The source of ${st.path} ended at ${pos + n} bytes; Drive already holds ${serverOffset}.`,
          );
        pos = serverOffset!;
      }
      const size = o.size;
      // The chunk buffer comes from the process's budget of upload memory (bytes.ts).
      const pool = new BufferPool(size !== undefined ? Math.max(1, Math.min(CHUNK_SIZE, size - pos)) : CHUNK_SIZE, 1);
      buffers = pool;
      const buf = await pool.take(o.signal);
      for (;;) {
        o.signal?.throwIfAborted();
        const want = size !== undefined ? Math.min(buf.length, size - pos) : buf.length;
        const n = await reader.fill(buf, 0, want);
        const piece = buf.subarray(0, n);
        let last: boolean;
        if (size !== undefined) {
          // A source that ends early must not finish the file (and replace what is there).
          if (n < want) throw await corrupt(`Expected ${size} bytes, the source gave ${pos + n}.`);
          last = pos + n === size;
          if (last && !(await reader.atEnd()))
            throw await corrupt(
              `The source gave more than the ${size} bytes it announced; it may have changed while being read.`,
            );
        } else {
          last = n < want || (await reader.atEnd());
        }
        see(piece);
        const total = size ?? (last ? pos + n : undefined);
        if (last) {
          const sent = hex(md5);
          if (o.expectedMd5 && sent !== o.expectedMd5)
            throw await corrupt(`The bytes read have md5 ${sent}; the source says ${o.expectedMd5}.`);
          if (o.mode === 'create') await this.refuseIfTaken(st, o.signal);
          const result = await this.send(st, piece, pos, total, o.signal);
          pool.give(buf); // sent and answered: the next upload may use it
          if (!('file' in result))
            throw new CloudError('failed', `Google Drive did not finish ${st.path} after its last chunk.`);
          return await this.verify(st, result.file, pos + n, sent, sha?.digest('hex'), o);
        }
        const result = await this.send(st, piece, pos, total, o.signal);
        if ('file' in result) throw new CloudError('failed', `Google Drive finished ${st.path} before its last chunk.`);
        pos = result.offset;
        st = { ...st, offset: pos, md5: md5.save() };
        await o.checkpoint?.save(st);
        o.onProgress?.(pos);
      }
    } catch (err) {
      stream.destroy(); // the source (socket, file) is closed, not left half-read
      // Without a checkpoint the session cannot be resumed: cancel it.
      if (!o.checkpoint && !abandoned && !(err instanceof SessionGone)) await this.abandon(st);
      throw err;
    } finally {
      buffers?.close();
    }
  }

  /**
   * Drive keeps any number of files of one name in a folder, so it cannot refuse a create itself:
   * just before the chunk that commits, the folder is asked (afresh, no cache) whether a file of
   * that name appeared since the session opened; if so nothing is committed. A session that
   * updates a file (mode 'replace' only) has nothing to check.
   */
  private async refuseIfTaken(st: UploadState, signal?: AbortSignal): Promise<void> {
    if (st.mode !== 'create') return;
    const at = await this.paths.file(st.path, signal);
    if (at?.file && at.file.id !== st.fileId) throw exists(st.path);
  }

  /** Drive's md5 (and sha256) of the finished file against the bytes sent; a damaged file is deleted. */
  private async verify(
    st: UploadState,
    file: DriveFile,
    size: number,
    md5: string,
    sha256: string | undefined,
    o: PutOptions,
  ): Promise<Stored> {
    if (!file.md5Checksum) {
      const fileId = file.id;
      file = await this.client.call<DriveFile>(
        (api, opts) => api.files.get({ fileId, fields: RESULT_FIELDS }, opts),
        o.signal,
      );
    }
    const problem =
      Number(file.size) !== size
        ? `Drive stored ${file.size} bytes of ${st.path}; ${size} were sent.`
        : file.md5Checksum !== md5
          ? `Drive stored ${st.path} with md5 ${file.md5Checksum}; the bytes sent have md5 ${md5}.`
          : sha256 && file.sha256Checksum && file.sha256Checksum !== sha256
            ? `Drive stored ${st.path} with sha256 ${file.sha256Checksum}; the bytes sent have sha256 ${sha256}.`
            : o.size !== undefined && size !== o.size
              ? `Expected ${o.size} bytes, the source gave ${size}.`
              : null;
    if (problem) {
      const fileId = file.id;
      await this.client.call((api, opts) => api.files.delete({ fileId }, opts)).catch(() => {});
      throw new CloudError('corrupt', problem);
    }
    o.onProgress?.(size);
    return { size, hash: { kind: 'md5', value: md5 } };
  }
}
