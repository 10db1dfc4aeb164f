// The connector contract (DESIGN §6). A connector is one folder exporting one definition; the
// registry in index.ts is the only list of them. Services branch on what a definition declares,
// never on its kind.
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { OAuthSpec, TokenSource } from './oauth.ts';

export type ProviderKind =
  | 'google-photos'
  | 'google-takeout'
  | 'google-drive'
  | 's3'
  | 'dropbox'
  | 'onedrive'
  | 'local';

/** What a connector may use from the running service: configuration, never process.env. */
export interface ConnectorEnv {
  localRoots: string[];
  allowPrivateEndpoints: boolean;
  /** Base URLs of the providers' APIs (FERRY_*_URL; emulators in tests), without trailing slash. */
  endpoints: {
    googleDrive: string;
    googlePhotos: string;
    googlePicker: string;
    dropboxApi: string;
    dropboxContent: string;
    graph: string;
  };
}

/** A stored cloud as a connector sees it: its shown options and its opened secrets. */
export interface CloudConfig<O = Record<string, unknown>> {
  options: O;
  /** The id of the user the cloud belongs to (the local connector keeps each user in a folder of their own). */
  ownerId?: string;
  /** OAuth clouds: their access token. */
  tokens?: TokenSource;
  /** Google Photos as a task's source: the Picker session whose items to copy (task.source.pickerSessionId). */
  pickerSessionId?: string;
  /** Wrapping kinds (definition.wraps): the cloud they read through, opened by the service. */
  wrapped?: CloudHandle;
  /** What the connector keeps about this cloud between runs (definition.keepsState). */
  state?: CloudState;
}

/**
 * A connector's own records about one cloud, kept by the service (a Takeout source's catalogue of
 * the archives it has indexed). Values are JSON. Listing returns them in the order first stored.
 */
export interface CloudState {
  get(key: string): Promise<unknown>;
  /** Stores `value` under `key` unless something is there already; returns what is stored now. */
  putIfAbsent(key: string, value: unknown): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  list(prefix: string): Promise<Array<{ key: string; value: unknown }>>;
}

export interface Entry {
  name: string;
  /** Path relative to the cloud's root, '/'-separated, no leading slash. */
  path: string;
  type: 'folder' | 'file';
  size?: number;
  modifiedAt?: string;
}

export interface EntryPage {
  entries: Entry[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

export type HashKind = 'md5' | 'sha256' | 's3etag' | 'dropbox' | 'quickxor';
export type MediaType = 'photo' | 'video' | 'other';

/** One file a source offers. */
export interface SourceItem {
  /** Stable id within the cloud; the same file keeps it from run to run. */
  id: string;
  /** Path relative to the folder that was listed, '/'-separated. */
  path: string;
  /** Bytes, when the provider tells. */
  size?: number;
  /** ISO 8601. */
  modifiedAt?: string;
  mediaType: MediaType;
  /** Changes whenever the content may have changed (ETag, size and mtime…): incremental runs compare it. */
  version: string;
  /**
   * 'reduced': not the original bytes (a Google Photos Picker copy: location stripped, videos
   * transcoded). The manifest says so, so a later full-fidelity copy of the same item can replace it.
   */
  fidelity?: 'original' | 'reduced';
  /** Hashes the provider already knows, so content can be checked without another download. */
  hashes?: Partial<Record<HashKind, string>>;
  /** In the provider's trash: left out unless the task's filter includes trashed items. */
  trashed?: boolean;
  /**
   * The source cannot offer this file now, and says why and what to do (a damaged archive part):
   * the run records it as failed, with this reason, without trying to copy it.
   */
  problem?: string;
  /**
   * The same photo or video whichever way it was read ('gphotos:<title>@<taken time>'): a copy made
   * with fidelity 'original' supersedes a 'reduced' copy of the same identity at the same destination.
   */
  identity?: string;
}

export interface OpenOptions {
  offset?: number;
  length?: number;
  signal?: AbortSignal;
  /**
   * The source waits before it can give the bytes (a Google Photos video still being processed):
   * called with why and until when at the latest, and with null once the wait is over, so the run's
   * progress can show it.
   */
  onWaiting?(wait: { reason: string; until: string } | null): void;
}

export interface Source {
  /**
   * Every file under `folder` ('' = the cloud's root), recursively, as a stream. Throws
   * CloudError('not_found') if the folder does not exist.
   */
  list(folder: string, signal?: AbortSignal): AsyncIterable<SourceItem>;
  /**
   * The item's bytes from `offset` (needs features.rangeReads when offset > 0). `length`: the caller
   * reads no more than this, so the source may ask the provider for just that range (the stream may
   * still run on; the caller stops reading). `version`, when given, is the one list() reported: a
   * source whose files it makes up itself refuses other content.
   */
  open(item: Pick<SourceItem, 'id' | 'size'> & { version?: string }, opts?: OpenOptions): Promise<Readable>;
  /**
   * Called once a run has copied everything list() gave (e.g. deletes a Google Photos Picker session).
   * `listedAt`: when that listing ended; `complete`: all the source offered is at the task's
   * destination (no filter, nothing skipped for a different file in its place) and no other task
   * reads this source.
   */
  release?(signal?: AbortSignal, context?: { listedAt: Date; complete: boolean }): Promise<void>;
}

/** A Google Photos Picker session, as the API shows it. */
export interface PickerSession {
  id: string;
  /** Where the user picks (web apps may append /autoclose). */
  pickerUri: string;
  /** ISO 8601. */
  expireTime: string;
  mediaItemsSet: boolean;
  /** How often to poll, as Google suggests. */
  pollIntervalSeconds: number;
  /** Picked items, once mediaItemsSet. */
  itemCount?: number;
}

/** What a destination stored, as it reported it. */
export interface Stored {
  size: number;
  /** The destination's own hash of what it stored, already checked against the bytes sent. */
  hash?: { kind: HashKind; value: string };
}

/** Upload-session state of a resumable destination, kept in the database between attempts. */
export interface Checkpoint {
  /** What the last attempt saved, or null. */
  state: unknown;
  /** Saves progress; called after every chunk the destination acknowledged. */
  save(state: unknown): Promise<void>;
}

export interface PutOptions {
  /**
   * What put() does when a file is at `path` at the moment it commits. 'create': never replace it;
   * throw CloudError('exists') and leave that file untouched, even when it appeared after the run
   * listed the destination (Dropbox `mode: add` + `strict_conflict`, Graph `conflictBehavior: fail`,
   * Drive checked just before the commit, S3 `If-None-Match: *`). 'replace': replace it.
   */
  mode: 'create' | 'replace';
  /** Exact size when known; a stream that yields another size fails the upload. */
  size?: number;
  /**
   * The source's md5 of the whole content, when it has one: put() refuses to commit other bytes
   * (CloudError 'corrupt'). Checked when the upload reads from the start (not when it resumes).
   */
  expectedMd5?: string;
  modifiedAt?: string;
  signal?: AbortSignal;
  /** Resumable destinations read and save their session here. */
  checkpoint?: Checkpoint;
  /** Reports the bytes the destination has acknowledged so far. */
  onProgress?(bytes: number): void;
}

export interface Destination {
  /**
   * Writes the bytes `open(offset)` yields to `path` (relative to the cloud's root; folders are
   * created as needed), replacing what is there only with `mode: 'replace'`, and checks them against the destination's own
   * hash while streaming. A resumable destination calls open() at the offset it resumes from.
   * Throws CloudError('corrupt') when the destination's hash differs from the bytes sent.
   */
  put(path: string, open: (offset: number) => Promise<Readable>, opts: PutOptions): Promise<Stored>;
  /** Size of the file at `path`, or null when there is none. */
  stat(path: string, signal?: AbortSignal): Promise<{ size: number } | null>;
  /**
   * The destination's own hash of the file stored at `path`, with its kind, in the form the
   * destination reports it (connectors/hashes.ts computes every kind but 's3etag' from bytes): what
   * the provider keeps without a download where it keeps one (Drive md5Checksum, S3 md5 when the
   * ETag is a plain md5, Dropbox content_hash, OneDrive quickXorHash); a destination that has to read
   * the file for it (a local folder, an S3 object uploaded in parts, whose ETag no bytes give back)
   * computes `prefer` when given and computable, else md5 or its native hash. Null: no file there, or
   * no hash to tell by (a provider that has none for this file): then the file's content is unknown,
   * never taken as matching.
   */
  hashOf?(path: string, signal?: AbortSignal, prefer?: HashKind): Promise<{ kind: HashKind; value: string } | null>;
  /** Discards an unfinished upload session left by put() (resumable destinations). */
  abandon?(state: unknown): Promise<void>;
  /** Deletes the file at `path`; nothing happens when there is none. Folders are left in place. */
  remove?(path: string, signal?: AbortSignal): Promise<void>;
}

export interface Features {
  /** put() checkpoints its session and resumes from it. */
  resumable: boolean;
  /**
   * Items one copy job puts at once (default 4). A destination that commits items in batches
   * (Google Photos: 50 per batchCreate) asks for enough to fill a batch.
   */
  itemsInParallel?: number;
  /** open() honours an offset. */
  rangeReads: boolean;
  /** The hash the destination checks uploads against. */
  nativeHash: HashKind | null;
  /**
   * The source reads well only front to back, one item at a time (a .tgz archive has no index):
   * the run copies its items one by one, in the order list() gave them.
   */
  sequentialReads?: boolean;
}

/** A Takeout source's view of its delivery folder (GET /clouds/:id/takeout). */
export interface ExportStatus {
  /** The folder of the storage cloud the exports are delivered to. */
  folder: string;
  sets: Array<{
    /** Google's export timestamp, e.g. 20260712T112341Z. */
    id: string;
    createdAt: string;
    format: 'zip' | 'tgz';
    /** waiting: incomplete or still arriving; ready: will be ingested by the next run; ingested: done; grown: new parts arrived after it was ingested. */
    state: 'waiting' | 'ready' | 'ingested' | 'grown';
    waitingFor?: string;
    missing: number[];
    /** `error`: why the part cannot be read (it stays out until the file is replaced). */
    parts: Array<{ number: number; path: string; size?: number; ingested: boolean; deleted: boolean; error?: string }>;
  }>;
  /** When the next scheduled export should arrive (two months after the last), if any came. */
  nextExpectedAt?: string;
  late: boolean;
  /** When the yearly schedule runs out (after its sixth export). */
  scheduleEndsAt?: string;
  endsSoon: boolean;
  /** Where to set up the export, and how. */
  setupUrl: string;
  setup: string[];
}

/** Something a connector wants its owner told about a cloud, once per `key`. */
export interface CloudNotice {
  kind: 'export_late' | 'schedule_ending';
  key: string;
  /** The date the notice is about: when the export was expected, or when the schedule ends. */
  date: string;
}

/** An opened connection to one cloud. */
export interface CloudHandle {
  features: Features;
  source?: Source;
  destination?: Destination;
  /**
   * Proves the cloud is reachable with these credentials and usable (listable; writable where the
   * connector is a destination). Throws CloudError with a message a user can act on.
   */
  check(signal?: AbortSignal): Promise<void>;
  /**
   * Lists one folder, folders first then files, each sorted by name. `path` '' is the root.
   * Throws CloudError('not_found') if the folder does not exist.
   */
  browse(path: string, cursor: string | undefined, signal?: AbortSignal): Promise<EntryPage>;
  /** Takeout sources: the export sets in the delivery folder and their state. */
  exports?(signal?: AbortSignal): Promise<ExportStatus>;
  /** Google Photos: Picker sessions. */
  picker?: {
    create(signal?: AbortSignal): Promise<PickerSession>;
    /** The session's state; itemCount once the user is done picking. Throws CloudError('not_found') for an unknown or expired session. */
    get(id: string, signal?: AbortSignal): Promise<PickerSession>;
  };
}

export interface ConnectorDefinition<O extends Record<string, unknown> = Record<string, unknown>> {
  kind: ProviderKind;
  title: string;
  auth: 'oauth' | 'credentials';
  source: boolean;
  destination: boolean;
  /** OAuth kinds: how to sign in. */
  oauth?: OAuthSpec;
  /**
   * Options a user sends to create the cloud (credentials kinds). Fields marked
   * `.meta({ writeOnly: true })` are secrets: sealed at rest, never returned.
   */
  options: z.ZodType<O>;
  /** Whether this server can connect such a cloud now (a message saying why not, or null). */
  unavailable(env: ConnectorEnv): string | null;
  /**
   * Checks and normalises options before they are stored (e.g. a local root inside
   * FERRY_LOCAL_ROOTS, an endpoint that is not private). Throws CloudError('invalid_options').
   * `owner.userId`: the user the cloud is for (the service always passes it).
   */
  prepare?(options: O, env: ConnectorEnv, owner?: { userId: string }): Promise<O>;
  open?(cloud: CloudConfig<O>, env: ConnectorEnv): CloudHandle;
  /** Wrapping kinds: which of the user's clouds this one reads through (opened and passed as `wrapped`), and of which kinds it may be. */
  wraps?: { kinds: ProviderKind[]; cloudId(options: O): string };
  /** The connector keeps records between runs: the service passes `state`. */
  keepsState?: boolean;
  /** What to tell the owner about the cloud now (checked every few minutes from its state). */
  notices?(state: CloudState, now: Date): Promise<CloudNotice[]>;
}

/**
 * invalid_options, not_found, unauthorized: retrying will not help. unreachable, failed: it may.
 * corrupt: the destination's hash did not match the bytes sent. rate_limited: a quota that lasts
 * (a daily upload cap): nothing more goes through before `retryAt`. exists: put() with
 * mode 'create' found a file at the path; nothing was replaced.
 */
export type CloudErrorReason =
  | 'invalid_options'
  | 'not_found'
  | 'unauthorized'
  | 'unreachable'
  | 'failed'
  | 'corrupt'
  | 'rate_limited'
  | 'exists';

/** The one error type connectors throw for conditions a user should see. */
export class CloudError extends Error {
  readonly reason: CloudErrorReason;
  /** rate_limited: when the provider accepts work again. */
  readonly retryAt?: Date;
  constructor(reason: CloudErrorReason, message: string, options?: { cause?: unknown; retryAt?: Date }) {
    super(message, options);
    this.reason = reason;
    this.retryAt = options?.retryAt;
  }
}

export function defineConnector<O extends Record<string, unknown>>(
  def: ConnectorDefinition<O>,
): ConnectorDefinition<O> {
  return def;
}
