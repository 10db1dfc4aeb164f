// The Picker API (photospicker.googleapis.com): sessions a person fills by picking in Google's own
// page, and a source over one session's picked items. Picked bytes are not the originals (`=d`
// strips the location, `=dv` is a transcoded video), so items are marked fidelity 'reduced'.
// Base URLs live 60 minutes and there is no way to fetch one item by id: an expired one is
// replaced by listing the session again. A picked video Google is still processing is waited for
// the same way: listing the session until it shows READY (processingWait).
import { z } from 'zod';
import { photoIdentity } from '../media.ts';
import { backoffMs, sleep } from '../lib/pacer.ts';
import { CloudError, type OpenOptions, type Source, type SourceItem } from '../types.ts';
import type { Rest } from '../lib/rest.ts';
import { media, PhotosApiError, toCloudError } from './client.ts';
import { Deduper } from './names.ts';

/** A Picker session, as the API shows it. */
export const pickerSession = z
  .object({
    id: z.string(),
    pickerUri: z.string().describe('Open in a new tab; append /autoclose so it closes when the user is done'),
    expireTime: z.string(),
    mediaItemsSet: z.boolean().describe('The user is done picking'),
    pollIntervalSeconds: z.number().describe('Poll GET …/picker-sessions/:sid no more often than this'),
    itemCount: z.number().int().optional().describe('Picked items, once mediaItemsSet'),
  })
  .meta({ id: 'PickerSession' });
export type PickerSession = z.infer<typeof pickerSession>;

/** A session id as Google hands them out; anything else (a path, a query) is refused unsent. */
export const sessionId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w.-]+$/, 'a session id');

interface PickedMediaItem {
  id: string;
  createTime?: string;
  type?: 'PHOTO' | 'VIDEO' | 'TYPE_UNSPECIFIED';
  mediaFile?: {
    baseUrl: string;
    mimeType?: string;
    filename?: string;
    mediaFileMetadata?: { width?: number; height?: number; videoMetadata?: { processingStatus?: string } };
  };
}

interface SessionJson {
  id: string;
  pickerUri: string;
  expireTime: string;
  mediaItemsSet?: boolean;
  pollingConfig?: { pollInterval?: string; timeoutIn?: string };
}

/** What open() needs to know of a picked item. */
interface Known {
  baseUrl: string;
  /** Date.now() when the base URL was handed out. */
  listedAt: number;
  video: boolean;
  processing?: string;
}

/** Base URLs last 60 minutes; one older than this is replaced before use. */
const FRESH_MS = 55 * 60_000;
/** A session is listed again at most this often to see whether a video finished processing. */
const RECHECK_MS = 60_000;
const PAGE = 100;

/**
 * How long open() waits for a picked video Google is still processing (it copies it once READY),
 * and how often it lists the session meanwhile: from `firstPollMs`, doubling to `maxPollMs`, with
 * jitter. The Picker API tells no time to expect; a video left processing past `boundMs` is failed
 * and a later run copies it. Tests shorten these.
 */
export const processingWait = { boundMs: 15 * 60_000, firstPollMs: 5_000, maxPollMs: 60_000 };

/** "5s", "1.5s" (a protobuf Duration in JSON) → seconds. */
export function durationSeconds(d: string | undefined, fallback: number): number {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(d ?? '');
  return m ? Number(m[1]) : fallback;
}

/**
 * When each video's wait for Google's processing ends, by item id: kept while the item may be
 * opened again (a retried open() does not wait again), forgotten once it is downloaded or Google
 * failed to process it, and at most `max` (the oldest forgotten first), so a long-lived process
 * does not keep one per item it ever saw.
 */
export class ProcessingDeadlines {
  private readonly ends = new Map<string, number>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  /** The end of `id`'s wait: the one kept, else a new one from now. */
  of(id: string): number {
    let end = this.ends.get(id);
    if (end === undefined) {
      while (this.ends.size >= this.max) this.ends.delete(this.ends.keys().next().value!);
      this.ends.set(id, (end = Date.now() + processingWait.boundMs));
    }
    return end;
  }
  /** `id` is downloaded, or has definitively failed: its wait is forgotten. */
  end(id: string): void {
    this.ends.delete(id);
  }
  has(id: string): boolean {
    return this.ends.has(id);
  }
  get size(): number {
    return this.ends.size;
  }
}

export class Picker {
  private readonly api: Rest;
  private readonly base: string;
  constructor(api: Rest, base: string) {
    this.api = api;
    this.base = base;
  }

  /** Every page of a session's picked items. */
  async *pages(sessionId: string, signal?: AbortSignal): AsyncGenerator<PickedMediaItem[]> {
    let pageToken: string | undefined;
    do {
      const page = await this.api.json<{ mediaItems?: PickedMediaItem[]; nextPageToken?: string }>(
        'GET',
        `${this.base}/v1/mediaItems`,
        {
          query: { sessionId, pageSize: PAGE, pageToken },
          signal,
        },
      );
      yield page.mediaItems ?? [];
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async create(signal?: AbortSignal): Promise<PickerSession> {
    try {
      return toSession(await this.api.json<SessionJson>('POST', `${this.base}/v1/sessions`, { body: {}, signal }));
    } catch (err) {
      if (err instanceof PhotosApiError && err.code === 'FAILED_PRECONDITION') {
        throw new CloudError(
          'failed',
          'This Google account has no Google Photos library: open Google Photos once with it, then try again.',
          { cause: err },
        );
      }
      if (err instanceof PhotosApiError && err.status === 429 && !err.daily) {
        throw new CloudError(
          'failed',
          'Google Photos refuses more picking sessions for now: finish or cancel the open ones, then try again.',
          { cause: err },
        );
      }
      throw toCloudError(err, 'Starting a Google Photos picking session');
    }
  }

  async get(id: string, signal?: AbortSignal): Promise<PickerSession> {
    const what = 'Reading a Google Photos picking session';
    let session: PickerSession;
    try {
      session = toSession(
        await this.api.json<SessionJson>('GET', `${this.base}/v1/sessions/${encodeURIComponent(id)}`, { signal }),
      );
    } catch (err) {
      if (err instanceof PhotosApiError && err.status === 404)
        throw new CloudError(
          'not_found',
          'This Google Photos picking session expired or was closed: start a new one.',
          { cause: err },
        );
      throw toCloudError(err, what);
    }
    if (session.mediaItemsSet) {
      let count = 0;
      try {
        for await (const page of this.pages(id, signal)) count += page.length;
      } catch (err) {
        throw toCloudError(err, what);
      }
      session.itemCount = count;
    }
    return session;
  }

  async delete(id: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.api.json('DELETE', `${this.base}/v1/sessions/${encodeURIComponent(id)}`, { signal });
    } catch (err) {
      if (err instanceof PhotosApiError && err.status === 404) return; // already gone or expired
      throw toCloudError(err, 'Closing the Google Photos picking session');
    }
  }

  /** A source over one session's picked items. */
  source(sessionId: string): Source {
    const picker = this;
    const known = new Map<string, Known>();
    let refreshedAt = 0;
    /** Per video still processing: when its wait ends (a retried open() does not wait again). At
     * most as many as a session can hold (2,000 picked items). */
    const deadlines = new ProcessingDeadlines(2_000);
    // The open()s waiting for videos all wake at the same time for one listing (poll), spaced by a
    // backoff that starts over once none is waiting.
    let waiting = 0;
    let pollAt = 0;
    let pollStep = 0;
    let refreshing: Promise<void> | undefined;
    const what = 'Listing the items picked in Google Photos';

    const remember = (m: PickedMediaItem, at: number) => {
      if (!m.mediaFile?.baseUrl) return;
      known.set(m.id, {
        baseUrl: m.mediaFile.baseUrl,
        listedAt: at,
        video: m.type === 'VIDEO' || (m.mediaFile.mimeType ?? '').startsWith('video/'),
        processing: m.mediaFile.mediaFileMetadata?.videoMetadata?.processingStatus,
      });
    };
    /** Lists the whole session again for fresh base URLs (one refresh shared by concurrent callers). */
    const refresh = (signal?: AbortSignal) =>
      (refreshing ??= (async () => {
        try {
          for await (const page of this.pages(sessionId, signal)) {
            const at = Date.now();
            for (const m of page) remember(m, at);
          }
          refreshedAt = Date.now();
        } catch (err) {
          if (err instanceof PhotosApiError && err.status === 404)
            throw new CloudError(
              'not_found',
              'The Google Photos picking session expired or was closed: pick the photos again.',
              { cause: err },
            );
          throw toCloudError(err, what);
        } finally {
          refreshing = undefined;
        }
      })());
    const lookup = async (id: string, signal?: AbortSignal): Promise<Known> => {
      let k = known.get(id);
      if (
        !k ||
        Date.now() - k.listedAt > FRESH_MS ||
        (k.video && k.processing !== 'READY' && Date.now() - refreshedAt > RECHECK_MS)
      ) {
        await refresh(signal);
        k = known.get(id);
      }
      if (!k)
        throw new CloudError('not_found', `Item ${id} is not among the items picked in this Google Photos session.`);
      return k;
    };

    /** When the next listing for videos still processing is due (shared by all who wait). */
    const nextPoll = () => {
      if (pollAt <= Date.now())
        pollAt = Date.now() + backoffMs(pollStep++, processingWait.firstPollMs, processingWait.maxPollMs);
      return pollAt;
    };
    /** Lists the session unless a listing ended since `due`; one under way is joined. */
    const pollAfter = async (due: number, signal?: AbortSignal) => {
      if (refreshing || refreshedAt < due) await refresh(signal);
    };
    /** Waits until Google has processed the video (returned READY), or throws why it cannot be had. */
    const processed = async (id: string, name: string, o: OpenOptions): Promise<Known> => {
      const deadline = deadlines.of(id);
      let told = false;
      waiting++;
      try {
        for (;;) {
          const k = known.get(id)!;
          // over: downloaded next, or never
          if (k.processing === 'READY' || k.processing === 'FAILED') deadlines.end(id);
          if (k.processing === 'READY') return k;
          if (k.processing === 'FAILED') throw processingFailed(name);
          if (Date.now() >= deadline) throw stillProcessing(name);
          if (!told) {
            o.onWaiting?.(waitingFor(deadline));
            told = true;
          }
          const due = nextPoll();
          await sleep(Math.min(due, deadline) - Date.now(), o.signal);
          if (Date.now() >= due) await pollAfter(due, o.signal);
        }
      } finally {
        if (--waiting === 0) pollStep = pollAt = 0;
        if (told) o.onWaiting?.(null);
      }
    };

    return {
      async *list(folder: string, signal?: AbortSignal): AsyncGenerator<SourceItem> {
        if (folder) throw new CloudError('not_found', 'Photos picked in Google Photos have no folders: list the root.');
        const names = new Deduper();
        const pages = picker.pages(sessionId, signal);
        for (;;) {
          let next: IteratorResult<PickedMediaItem[]>;
          try {
            next = await pages.next();
          } catch (err) {
            if (err instanceof PhotosApiError && err.status === 400 && err.code === 'FAILED_PRECONDITION') {
              throw new CloudError(
                'failed',
                'The photos have not been picked yet: finish picking in Google Photos (press Done), then run again.',
                { cause: err },
              );
            }
            if (err instanceof PhotosApiError && err.status === 404)
              throw new CloudError(
                'not_found',
                'The Google Photos picking session expired or was closed: pick the photos again.',
                { cause: err },
              );
            throw signal?.aborted ? err : toCloudError(err, what);
          }
          if (next.done) break;
          const at = Date.now();
          for (const m of next.value) {
            remember(m, at);
            const video = known.get(m.id)?.video ?? m.type === 'VIDEO';
            yield {
              id: m.id,
              path: names.unique((m.mediaFile?.filename || m.id).replace(/\//g, '_')),
              // The Picker does not tell sizes.
              size: undefined,
              modifiedAt: m.createTime,
              mediaType: video ? 'video' : 'photo',
              version: m.id,
              fidelity: 'reduced',
              identity:
                m.mediaFile?.filename && m.createTime ? photoIdentity(m.mediaFile.filename, m.createTime) : undefined,
            };
          }
        }
        refreshedAt = Date.now();
      },

      open: async (item, o = {}) => {
        const { signal } = o;
        const name = `Item ${item.id}`;
        for (let attempt = 0; ; attempt++) {
          let k = await lookup(item.id, signal);
          if (k.video && k.processing !== 'READY') k = await processed(item.id, name, o);
          try {
            return await media(this.api, `${k.baseUrl}=${k.video ? 'dv' : 'd'}`, o.offset ?? 0, signal);
          } catch (err) {
            // An expired base URL (403, or 404 from the media host): list again, once.
            if (attempt === 0 && err instanceof PhotosApiError && (err.status === 403 || err.status === 404)) {
              k.listedAt = 0;
              continue;
            }
            throw signal?.aborted ? err : toCloudError(err, `Downloading ${name} from Google Photos`);
          }
        }
      },

      release: (signal) => this.delete(sessionId, signal),
    };
  }
}

/** Why a video cannot be had: Google failed to process it. */
export function processingFailed(name: string): CloudError {
  return new CloudError('failed', `${name} is a video Google Photos failed to process; it cannot be downloaded.`);
}

/** Why a video was not copied: Google was still processing it when the wait ran out. */
export function stillProcessing(name: string): CloudError {
  return new CloudError(
    'failed',
    `${name} is still being processed by Google Photos; a later run copies it. ` +
      `Waited ${minutes(processingWait.boundMs)} for it.`,
  );
}

/** What open() tells (onWaiting) while it waits for a video, until `deadline` at the latest. */
export function waitingFor(deadline: number): { reason: string; until: string } {
  return {
    reason: 'Google Photos is still processing this video: waiting for it',
    until: new Date(deadline).toISOString(),
  };
}

/** "15 minutes", "1 minute", "40 seconds". */
function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  const m = Math.round(ms / 60_000);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

function toSession(s: SessionJson): PickerSession {
  return {
    id: s.id,
    pickerUri: s.pickerUri,
    expireTime: s.expireTime,
    mediaItemsSet: !!s.mediaItemsSet,
    pollIntervalSeconds: durationSeconds(s.pollingConfig?.pollInterval, 5) || 5,
  };
}
