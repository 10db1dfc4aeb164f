// Google Photos as a restore destination (Library API, appendonly): each file's bytes are uploaded
// raw for an upload token, then tokens are turned into media items by mediaItems:batchCreate, at
// most 50 a call and one call at a time per user, as Google asks. Items go into an app-created
// album named after the first folder of their path. Photos can neither overwrite nor delete, and
// keeps no hash of what it stores: what is checked is the bytes Ferry sent (count and md5).
import crypto from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { CloudError, type PutOptions, type Stored } from '../types.ts';
import type { Rest } from '../lib/rest.ts';
import { errorOf, toCloudError } from './client.ts';
import type { Library } from './library.ts';

/** Items per batchCreate (Google's maximum) and how long the oldest waits for a batch to fill. */
export const BATCH_MAX = 50;
export const BATCH_WAIT_MS = 2_000;

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/x-icon',
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  '3gp': 'video/3gpp',
  '3g2': 'video/3gpp2',
  mts: 'video/mp2t',
  m2ts: 'video/mp2t',
  mpg: 'video/mpeg',
  mpeg: 'video/mpeg',
  wmv: 'video/x-ms-wmv',
  flv: 'video/x-flv',
};
export function mimeOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? MIME[name.slice(dot + 1).toLowerCase()] : undefined;
}

interface ItemResult {
  uploadToken?: string;
  status?: { code?: number; message?: string };
  mediaItem?: { id: string };
}

interface Waiting {
  token: string;
  fileName: string;
  albumId?: string;
  arrived: number;
  api: Rest;
  resolve(r: ItemResult): void;
  reject(err: unknown): void;
}

/**
 * Collects upload tokens of one account and creates their media items: a batch goes when 50 for
 * the same album wait, or 2 s after the oldest arrived; one batchCreate at a time. One per account
 * in the process (env.accounts), shared by every handle on it.
 */
export class Batcher {
  private queue: Waiting[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | undefined;

  private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;

  /** `exclusive`: runs a batchCreate while no other process makes one for the account (env.shared). */
  constructor(exclusive: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()) {
    this.exclusive = exclusive;
  }

  add(w: Omit<Waiting, 'arrived' | 'resolve' | 'reject'>, signal?: AbortSignal): Promise<ItemResult> {
    return new Promise((resolve, reject) => {
      const entry: Waiting = { ...w, arrived: Date.now(), resolve, reject };
      this.queue.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || !this.queue.length) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const full = this.fullAlbum();
    const wait = this.queue[0].arrived + BATCH_WAIT_MS - Date.now();
    if (full !== null || wait <= 0) return void this.flush(full ?? this.queue[0].albumId);
    this.timer = setTimeout(() => this.schedule(), wait);
  }

  /** An album (undefined: none) with a full batch waiting, or null. */
  private fullAlbum(): string | undefined | null {
    const counts = new Map<string | undefined, number>();
    for (const w of this.queue) {
      const n = (counts.get(w.albumId) ?? 0) + 1;
      if (n >= BATCH_MAX) return w.albumId;
      counts.set(w.albumId, n);
    }
    return null;
  }

  private async flush(albumId: string | undefined): Promise<void> {
    const batch: Waiting[] = [];
    this.queue = this.queue.filter((w) =>
      batch.length < BATCH_MAX && w.albumId === albumId ? (batch.push(w), false) : true,
    );
    this.busy = true;
    try {
      const { api } = batch[0];
      const body = {
        ...(albumId ? { albumId } : {}),
        newMediaItems: batch.map((w) => ({ simpleMediaItem: { uploadToken: w.token, fileName: w.fileName } })),
      };
      const res = await this.exclusive(() =>
        api.json<{ newMediaItemResults?: ItemResult[] } | undefined>('POST', '/v1/mediaItems:batchCreate', { body }),
      );
      const results = res?.newMediaItemResults ?? [];
      batch.forEach((w, i) => {
        const r = results.find((x) => x.uploadToken === w.token) ?? results[i];
        w.resolve(r ?? { status: { code: 2, message: 'Google Photos did not report on this item.' } });
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}

/**
 * The app-created albums of one account, by title: one per account in the process (env.accounts).
 * A title not seen yet is looked up afresh and created if absent under the account's lock, so that
 * the runs, lanes and processes restoring one folder at once make one album, not one each.
 */
export class Albums {
  private readonly ids = new Map<string, Promise<string>>();
  private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(exclusive: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()) {
    this.exclusive = exclusive;
  }

  id(title: string, library: Library, signal?: AbortSignal): Promise<string> {
    let p = this.ids.get(title);
    if (!p) {
      p = this.exclusive(async () => {
        for await (const a of library.albums(signal)) if (a.title === title) return a.id;
        return (await library.createAlbum(title, signal)).id;
      });
      const mine = p;
      p.catch(() => {
        if (this.ids.get(title) === mine) this.ids.delete(title);
      });
      this.ids.set(title, p);
    }
    return p;
  }
}

/** The restore side of one handle: uploads, batched creation into the account's albums. */
export class Restorer {
  private readonly api: Rest;
  private readonly library: Library;
  private readonly batcher: Batcher;
  private readonly albums: Albums;

  constructor(api: Rest, library: Library, batcher: Batcher, albums: Albums) {
    this.api = api;
    this.library = library;
    this.batcher = batcher;
    this.albums = albums;
  }

  /** The album with this title (an existing app-created one is reused). */
  private async album(title: string, signal?: AbortSignal): Promise<string> {
    try {
      return await this.albums.id(title, this.library, signal);
    } catch (err) {
      // The look-up is shared: one another run started may have ended with that run's cancellation.
      if (signal?.aborted) throw err;
      return this.albums.id(title, this.library, signal);
    }
  }

  /** Sends the bytes; returns the upload token and what was sent. */
  private async upload(
    path: string,
    mime: string,
    open: (offset: number) => Promise<Readable>,
    o: PutOptions,
  ): Promise<{ token: string; size: number; md5: string }> {
    let size = 0;
    let md5 = crypto.createHash('md5');
    const token = await this.api.pacer.call(async () => {
      const res = await this.api.send('POST', '/v1/uploads', {
        headers: {
          'content-type': 'application/octet-stream',
          'x-goog-upload-content-type': mime,
          'x-goog-upload-protocol': 'raw',
        },
        // The file as it is read, counted and hashed on the way: opened again for each sending (the
        // helper sends it again after a 401 refreshed the token; the pacer after a transient failure).
        body: async () => {
          size = 0;
          md5 = crypto.createHash('md5');
          const counter = new Transform({
            transform(chunk: Buffer, _e, cb) {
              size += chunk.length;
              md5.update(chunk);
              o.onProgress?.(size);
              cb(null, chunk);
            },
          });
          const src = await open(0);
          src.on('error', (err) => counter.destroy(err));
          return src.pipe(counter);
        },
        signal: o.signal,
      });
      if (!res.ok) throw await errorOf(res);
      return (await res.text()).trim();
    }, o.signal);
    if (!token) throw new CloudError('failed', `Uploading ${path} to Google Photos: no upload token came back.`);
    return { token, size, md5: md5.digest('hex') };
  }

  /**
   * `o.mode` changes nothing here: Photos never replaces anything (every upload becomes a new media
   * item, and stat() reports no file at any path), so 'create' and 'replace' both add the item.
   */
  async put(path: string, open: (offset: number) => Promise<Readable>, o: PutOptions): Promise<Stored> {
    const segs = path.split('/').filter(Boolean);
    const fileName = segs.at(-1) ?? path;
    const what = `Uploading ${path} to Google Photos`;
    const mime = mimeOf(fileName);
    if (!mime)
      throw new CloudError(
        'failed',
        `${path} is not a photo or video Google Photos takes; it cannot be restored there.`,
      );
    try {
      const albumId = segs.length > 1 ? await this.album(segs[0], o.signal) : undefined;
      for (let attempt = 0; ; attempt++) {
        const sent = await this.upload(path, mime, open, o);
        if (o.size !== undefined && sent.size !== o.size)
          throw new CloudError('corrupt', `${what}: read ${sent.size} bytes where ${o.size} were expected.`);
        // Checked before batchCreate, which is what commits the item.
        if (o.expectedMd5 && sent.md5 !== o.expectedMd5.toLowerCase()) {
          throw new CloudError(
            'corrupt',
            `${what}: the bytes read (md5 ${sent.md5}) are not the ` +
              `source's (md5 ${o.expectedMd5}); nothing was created.`,
          );
        }
        const r = await this.batcher.add({ token: sent.token, fileName, albumId, api: this.api }, o.signal);
        const ok = r.mediaItem && (!r.status?.code || r.status.code === 0);
        // Photos reports no size nor hash of what it stored: the count and md5 above are the check.
        if (ok) return { size: sent.size };
        if (attempt >= 1)
          throw new CloudError(
            'failed',
            `${what}: Google Photos did not create the item: ${r.status?.message ?? 'no reason given'}`,
          );
        // A per-item failure: the upload token is spent, so the bytes go up again for the next batch.
      }
    } catch (err) {
      throw o.signal?.aborted ? err : toCloudError(err, what);
    }
  }
}
