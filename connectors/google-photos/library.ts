// The Library API (photoslibrary.googleapis.com) as it is since 31 March 2025: it shows only the
// albums and media items this app created (what Ferry restored there), never the user's own
// library. As a source it lists those: `<album title>/<filename>`, or `<filename>` for items in no
// album. The bytes are the ones Ferry uploaded, so fidelity is 'original'.
import type { Readable } from 'node:stream';
import { backoffMs, sleep } from '../lib/pacer.ts';
import { CloudError, type Entry, type OpenOptions, type SourceItem } from '../types.ts';
import type { Rest } from '../lib/rest.ts';
import { media, PhotosApiError, toCloudError } from './client.ts';
import { Deduper } from './names.ts';
import { ProcessingDeadlines, processingFailed, processingWait, stillProcessing, waitingFor } from './picker.ts';

export interface MediaItem {
  id: string;
  filename?: string;
  mimeType?: string;
  baseUrl?: string;
  description?: string;
  mediaMetadata?: { creationTime?: string; video?: { status?: string } };
}

export interface AlbumJson {
  id: string;
  title?: string;
  mediaItemsCount?: string;
}

const segment = (name: string) => name.replace(/\//g, '_') || '_';
const isVideo = (m: MediaItem) => (m.mimeType ?? '').startsWith('video/') || !!m.mediaMetadata?.video;

export class Library {
  private readonly api: Rest;
  /** Per video still processing: when its wait ends (a retried open() does not wait again). */
  private readonly deadlines = new ProcessingDeadlines(10_000);
  /** `api` is at the Library API's base URL. */
  constructor(api: Rest) {
    this.api = api;
  }

  /** App-created albums, 50 a page (the API's maximum). */
  async *albums(signal?: AbortSignal): AsyncGenerator<AlbumJson> {
    let pageToken: string | undefined;
    do {
      const page = await this.api.json<{ albums?: AlbumJson[]; nextPageToken?: string }>('GET', `/v1/albums`, {
        query: { pageSize: 50, pageToken },
        signal,
      });
      yield* page.albums ?? [];
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async createAlbum(title: string, signal?: AbortSignal): Promise<AlbumJson> {
    return this.api.json<AlbumJson>('POST', `/v1/albums`, { body: { album: { title } }, signal });
  }

  /** An album's items (mediaItems:search with albumId), or every app-created item (mediaItems.list). */
  async *items(albumId: string | undefined, signal?: AbortSignal): AsyncGenerator<MediaItem> {
    let pageToken: string | undefined;
    do {
      const page = albumId
        ? await this.api.json<{ mediaItems?: MediaItem[]; nextPageToken?: string }>('POST', `/v1/mediaItems:search`, {
            body: { albumId, pageSize: 100, ...(pageToken ? { pageToken } : {}) },
            signal,
          })
        : await this.api.json<{ mediaItems?: MediaItem[]; nextPageToken?: string }>('GET', `/v1/mediaItems`, {
            query: { pageSize: 100, pageToken },
            signal,
          });
      yield* page.mediaItems ?? [];
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  private item(m: MediaItem, path: string): SourceItem {
    return {
      id: m.id,
      path,
      modifiedAt: m.mediaMetadata?.creationTime,
      mediaType: isVideo(m) ? 'video' : 'photo',
      version: m.id,
      fidelity: 'original',
    };
  }

  /**
   * Albums first (each item once, under the first album that has it), then the items in no album.
   * `folder` '' lists everything; an album's title lists that album.
   */
  async *list(folder: string, signal?: AbortSignal): AsyncGenerator<SourceItem> {
    const what = `Listing ${folder || 'the albums'} of Google Photos`;
    const seen = new Set<string>();
    const wanted = folder.replace(/^\/+|\/+$/g, '');
    try {
      let found = !wanted;
      const albums: AlbumJson[] = [];
      for await (const a of this.albums(signal)) albums.push(a);
      const folders = new Deduper();
      for (const a of albums) {
        const title = folders.unique(segment(a.title ?? a.id));
        if (wanted && title !== wanted) continue;
        found = true;
        const names = new Deduper();
        for await (const m of this.items(a.id, signal)) {
          if (seen.has(m.id)) continue;
          seen.add(m.id);
          yield this.item(m, `${title}/${names.unique(segment(m.filename ?? m.id))}`);
        }
      }
      if (!found)
        throw new CloudError('not_found', `Album ${wanted} not found among the albums Ferry created in Google Photos.`);
      if (wanted) return;
      const names = new Deduper();
      for await (const m of this.items(undefined, signal)) {
        if (seen.has(m.id)) continue;
        yield this.item(m, names.unique(segment(m.filename ?? m.id)));
      }
    } catch (err) {
      throw signal?.aborted ? err : toCloudError(err, what);
    }
  }

  /** One level: '' shows the albums (as folders) and the items in no album; an album's title shows its items. */
  async entries(folder: string, signal?: AbortSignal): Promise<Entry[]> {
    const entries: Entry[] = [];
    const clean = folder.replace(/^\/+|\/+$/g, '');
    if (clean.includes('/')) throw new CloudError('not_found', `Folder ${clean} not found in Google Photos.`);
    if (!clean) {
      const inAlbums = new Set<string>();
      const folders = new Deduper();
      for await (const a of this.albums(signal)) {
        const name = folders.unique(segment(a.title ?? a.id));
        entries.push({ name, path: name, type: 'folder' });
        for await (const m of this.items(a.id, signal)) inAlbums.add(m.id);
      }
      const names = new Deduper();
      for await (const m of this.items(undefined, signal)) {
        if (inAlbums.has(m.id)) continue;
        const name = names.unique(segment(m.filename ?? m.id));
        entries.push({ name, path: name, type: 'file', modifiedAt: m.mediaMetadata?.creationTime });
      }
      return entries;
    }
    for (const item of await collect(this.list(clean, signal))) {
      entries.push({
        name: item.path.slice(clean.length + 1),
        path: item.path,
        type: 'file',
        modifiedAt: item.modifiedAt,
      });
    }
    return entries;
  }

  /**
   * An app-created item's bytes: a fresh base URL (mediaItems.get), then `=d` or `=dv`. A video
   * Google is still processing (just uploaded) is waited for, asking for it again with backoff.
   */
  async open(id: string, o: OpenOptions = {}): Promise<Readable> {
    const { signal } = o;
    const what = `Downloading item ${id} from Google Photos`;
    const get = async () => {
      try {
        return await this.api.json<MediaItem>('GET', `/v1/mediaItems/${encodeURIComponent(id)}`, {
          signal,
        });
      } catch (err) {
        if (err instanceof PhotosApiError && (err.status === 400 || err.status === 404))
          throw new CloudError('not_found', `${what}: Google Photos has no item ${id} created by Ferry.`, {
            cause: err,
          });
        throw err;
      }
    };
    let told = false;
    try {
      let m = await get();
      for (
        let attempt = 0;
        isVideo(m) && m.mediaMetadata?.video?.status && m.mediaMetadata.video.status !== 'READY';
        attempt++
      ) {
        if (m.mediaMetadata.video.status === 'FAILED') {
          this.deadlines.end(id);
          throw processingFailed(`Item ${id}`);
        }
        const deadline = this.deadlines.of(id);
        if (Date.now() >= deadline) throw stillProcessing(`Item ${id}`);
        if (!told) {
          o.onWaiting?.(waitingFor(deadline));
          told = true;
        }
        await sleep(
          Math.min(backoffMs(attempt, processingWait.firstPollMs, processingWait.maxPollMs), deadline - Date.now()),
          signal,
        );
        m = await get();
      }
      this.deadlines.end(id); // ready (or no video): its wait, if any, is over
      if (!m.baseUrl) throw new CloudError('failed', `${what}: Google Photos gave no download address.`);
      return await media(this.api, `${m.baseUrl}=${isVideo(m) ? 'dv' : 'd'}`, o.offset ?? 0, signal);
    } catch (err) {
      throw signal?.aborted ? err : toCloudError(err, what);
    } finally {
      if (told) o.onWaiting?.(null);
    }
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
