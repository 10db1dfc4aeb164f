// Graph's resumable upload sessions, with the rules of driveitem-createuploadsession: fragments are
// PUT in order to a pre-authenticated URL (an Authorization header is refused), each a multiple of
// 320 KiB except the last and under 60 MiB, every Content-Range carrying the same total; a GET of the
// URL tells nextExpectedRanges, DELETE cancels, and the last byte commits the file.
import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ConflictBehavior, DriveStore, Item } from './drive.ts';
import { GraphFailure, sendJson } from './http.ts';

export const FRAGMENT_MULTIPLE = 320 * 1024;
export const MAX_FRAGMENT = 60 * 1024 * 1024;

interface Session {
  id: string;
  base: Item;
  /** Folders between base and the file, created when the file is committed. */
  folders: string[];
  name: string;
  conflict: ConflictBehavior;
  fsModified?: string;
  fsCreated?: string;
  total?: number;
  received: number;
  tmp: string;
  expiresAt: number;
  busy: boolean;
}

export class Uploads {
  private readonly sessions = new Map<string, Session>();
  private readonly dir: string;
  private readonly store: DriveStore;
  private readonly ttlMs: number;
  /** Sessions created so far (tests look at them). */
  created = 0;

  constructor(dir: string, store: DriveStore, ttlMs: number) {
    this.dir = dir;
    this.store = store;
    this.ttlMs = ttlMs;
  }

  async create(
    baseUrl: string,
    base: Item,
    folders: string[],
    name: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const item = (body.item ?? {}) as Record<string, unknown>;
    const conflict = (item['@microsoft.graph.conflictBehavior'] ?? 'fail') as ConflictBehavior;
    if (!['fail', 'replace', 'rename'].includes(conflict))
      throw new GraphFailure(
        400,
        'invalidRequest',
        `Invalid value for @microsoft.graph.conflictBehavior: ${String(conflict)}`,
      );
    if (item.name !== undefined && item.name !== name)
      throw new GraphFailure(400, 'invalidRequest', 'The name in the request body does not match the name in the URL.');
    const fsi = (item.fileSystemInfo ?? {}) as Record<string, unknown>;
    for (const v of [fsi.lastModifiedDateTime, fsi.createdDateTime]) {
      if (v !== undefined && (typeof v !== 'string' || Number.isNaN(Date.parse(v))))
        throw new GraphFailure(400, 'invalidRequest', `Invalid date in fileSystemInfo: ${String(v)}`);
    }
    // OneDrive Personal checks an announced size against the quota up front.
    if (typeof item.fileSize === 'number' && this.store.used + item.fileSize > this.store.quotaTotal) {
      throw new GraphFailure(507, 'quotaLimitReached', 'Insufficient Space Available');
    }
    // A file in the way of a folder on the path fails now, as Graph resolves the path on creation.
    let at: Item | undefined = base;
    for (const f of folders) {
      const next: Item | undefined = at.children.get(f.toLowerCase());
      if (!next) {
        at = undefined;
        break;
      }
      if (!next.folder) throw new GraphFailure(409, 'nameAlreadyExists', `${next.name} is a file, not a folder.`);
      at = next;
    }
    // conflictBehavior 'fail' applies at creation too: an item at the path refuses the session. One
    // that comes after the session was created is refused at the commit (below).
    if (conflict === 'fail' && at?.children.has(name.toLowerCase()))
      throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists.');
    const id = crypto.randomBytes(18).toString('base64url');
    const tmp = path.join(this.dir, `upload-${id}`);
    await fs.writeFile(tmp, '');
    const session: Session = {
      id,
      base,
      folders,
      name,
      conflict,
      fsModified: fsi.lastModifiedDateTime as string | undefined,
      fsCreated: fsi.createdDateTime as string | undefined,
      received: 0,
      tmp,
      expiresAt: Date.now() + this.ttlMs,
      busy: false,
    };
    this.sessions.set(id, session);
    this.created++;
    return {
      uploadUrl: `${baseUrl}/upload/sessions/${id}`,
      expirationDateTime: new Date(session.expiresAt).toISOString(),
      nextExpectedRanges: ['0-'],
    };
  }

  private live(id: string): Session {
    const s = this.sessions.get(id);
    if (s && s.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      void fs.rm(s.tmp, { force: true });
    }
    const live = this.sessions.get(id);
    if (!live)
      throw new GraphFailure(
        404,
        'itemNotFound',
        'The upload session was not found; it may have expired or been completed or cancelled.',
      );
    return live;
  }

  private state(s: Session): Record<string, unknown> {
    // A session whose commit failed has every byte: it expects none.
    const ranges =
      s.total !== undefined && s.received === s.total
        ? []
        : [`${s.received}-${s.total !== undefined ? s.total - 1 : ''}`];
    return { expirationDateTime: new Date(s.expiresAt).toISOString(), nextExpectedRanges: ranges };
  }

  status(id: string): Record<string, unknown> {
    return this.state(this.live(id));
  }

  async cancel(id: string): Promise<void> {
    const s = this.live(id);
    this.sessions.delete(id);
    await fs.rm(s.tmp, { force: true });
  }

  /** Expires every session now (tests of a session that is gone). */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiresAt = Date.now() - 1;
  }

  get open(): number {
    return [...this.sessions.values()].filter((s) => s.expiresAt > Date.now()).length;
  }

  async put(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    itemJson: (item: Item) => Record<string, unknown>,
  ): Promise<void> {
    const s = this.live(id);
    if (req.headers.authorization) {
      throw new GraphFailure(
        401,
        'unauthenticated',
        'The upload URL is pre-authenticated: requests to it must not carry an Authorization header.',
      );
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!m)
      throw new GraphFailure(
        400,
        'invalidRequest',
        'A Content-Range header of the form "bytes start-end/total" is required.',
      );
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const length = end - start + 1;
    if (end < start || end >= total)
      throw new GraphFailure(400, 'invalidRange', `Invalid Content-Range: ${req.headers['content-range']}`);
    if (req.headers['content-length'] === undefined || Number(req.headers['content-length']) !== length) {
      throw new GraphFailure(
        400,
        'invalidRequest',
        `Content-Length ${req.headers['content-length'] ?? '(none)'} ` +
          `does not match the Content-Range of ${length} bytes.`,
      );
    }
    if (length >= MAX_FRAGMENT)
      throw new GraphFailure(
        413,
        'requestTooLarge',
        `A fragment must be smaller than 60 MiB; this one has ${length} bytes.`,
      );
    if (s.total !== undefined && total !== s.total) {
      throw new GraphFailure(
        400,
        'invalidRange',
        `The total size ${total} differs from the ${s.total} bytes the earlier fragments declared.`,
      );
    }
    if (s.busy || start !== s.received) {
      throw new GraphFailure(
        416,
        'invalidRange',
        'The uploaded fragment overlaps with data that has already been received, or leaves a gap.',
        {
          extra: { nextExpectedRanges: [`${s.received}-`] },
        },
      );
    }
    if (end + 1 !== total && length % FRAGMENT_MULTIPLE !== 0) {
      throw new GraphFailure(
        400,
        'invalidRange',
        `Fragments other than the last must be a multiple of 320 KiB (327,680 bytes); this one has ${length} bytes.`,
      );
    }

    s.busy = true;
    let got = 0;
    try {
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          got += chunk.length;
          if (got > length)
            return done(new GraphFailure(400, 'invalidRequest', 'The body is longer than its Content-Range.'));
          done(null, chunk);
        },
      });
      await pipeline(req, count, createWriteStream(s.tmp, { flags: 'r+', start }));
      if (got !== length)
        throw new GraphFailure(
          400,
          'invalidRequest',
          `The body has ${got} bytes; the Content-Range announced ${length}.`,
        );
    } catch (err) {
      await fs.truncate(s.tmp, s.received).catch(() => {});
      s.busy = false;
      if (err instanceof GraphFailure) throw err;
      if (!res.destroyed)
        throw new GraphFailure(400, 'invalidRequest', `The fragment was not received whole: ${(err as Error).message}`);
      return; // the client went away mid-fragment: nothing to answer
    }
    s.busy = false;
    s.total = total;
    s.received = end + 1;
    if (s.received < total) return sendJson(res, 202, this.state(s));

    // The last byte: the file is committed at its path, and the session ends. A commit that fails
    // (409 nameAlreadyExists under conflictBehavior 'fail', 507 quota) leaves the session and its
    // bytes in place until it expires, as Graph does ("the upload session will be preserved").
    s.busy = true;
    try {
      const parent = this.store.ensureFolders(s.folders, s.base);
      const { item, created } = await this.store.commit(parent, s.name, s.tmp, {
        conflict: s.conflict,
        fsModified: s.fsModified,
        fsCreated: s.fsCreated,
      });
      this.sessions.delete(id);
      sendJson(res, created ? 201 : 200, itemJson(item));
    } finally {
      s.busy = false;
    }
  }
}
