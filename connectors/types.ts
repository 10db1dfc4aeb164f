// The connector contract. A connector is one folder exporting one definition; the
// registry in index.ts is the only list of them. Services branch on what a definition declares,
// never on its kind.
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { AccountRegistry } from './lib/registry.ts';
import type { Localized } from './locale.ts';
import type { OAuthSpec, TokenSource } from './oauth.ts';

export type ProviderKind =
  | 'google-photos'
  | 'google-takeout'
  | 'google-drive'
  | 's3'
  | 'dropbox'
  | 'onedrive'
  | 'local'
  | 'crypt';

/** The providers' API base URLs connectors declare (definition.endpoints). */
export type EndpointName = 'googleDrive' | 'googlePhotos' | 'googlePicker' | 'dropboxApi' | 'dropboxContent' | 'graph';

/**
 * A base URL of a provider's API that the operator may point elsewhere (an emulator in tests): the
 * variable that sets it, and the provider's own.
 */
export interface EndpointSetting {
  env: string;
  default: string;
}

/** What a connector may use from the running service: configuration, never process.env. */
export interface ConnectorEnv {
  localRoots: string[];
  allowPrivateEndpoints: boolean;
  /** The base URLs the connectors declared, as configured, without trailing slash. */
  endpoints: Record<EndpointName, string>;
  /** Per-account state of this process (pacers, batchers), shared by every handle on one account. */
  accounts: AccountRegistry;
  /**
   * Limits every process keeps to together (the service's, in PostgreSQL); unset, each process keeps
   * its own (a connector on its own, in tests).
   */
  shared?: SharedLimits;
}

/** A provider account's limits, held across every worker process. Keys name the account. */
export interface SharedLimits {
  /**
   * Takes `n` tokens of the bucket `key` (refilled at `ratePerSecond` up to `burst`) and says how
   * long to wait before spending them: the bucket's debt, or a pause another process recorded.
   * `parked` when that pause lasts past `maxWaitMs`: the caller gives up until then instead.
   */
  take(
    key: string,
    o: { ratePerSecond: number; burst: number; n: number; maxWaitMs: number },
  ): Promise<{ waitMs: number; parked?: { until: Date; why: string } }>;
  /** Every process waits until `until` before its next call under `key` (a Retry-After, a daily cap). */
  pause(key: string, until: Date, why: string): Promise<void>;
  /** Runs `fn` while no other process runs one under the same key (Google Photos' batchCreate). */
  exclusive<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** A stored cloud as a connector sees it: its shown options and its opened secrets. */
export interface CloudConfig<O = Record<string, unknown>> {
  options: O;
  /** The id of the user the cloud belongs to (the local connector keeps each user in a folder of their own). */
  ownerId?: string;
  /** OAuth clouds: their access token. */
  tokens?: TokenSource;
  /** Kinds read through picked sessions (definition.pickerSession): the one a task names to copy. */
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
  /** Drops the values whose key starts with `prefix`, but those whose key starts with `keep`. */
  drop(prefix: string, keep?: string): Promise<void>;
  /** Lists too long for one value (a row per entry), read a page or a row at a time. */
  rows: CloudRows;
}

/** One entry of a CloudRows list: its place in the list, the key it is found by, and its value. */
export interface CloudRow {
  n: number;
  key: string;
  value: unknown;
}

/**
 * Long lists a connector keeps about one cloud (a Takeout source's catalogue of a million media),
 * each written once, a batch at a time, under a name of its own, and dropped when a newer one
 * replaces it. Nothing reads a list whole: a page at a time in order, or one row by its key.
 */
export interface CloudRows {
  /** Adds rows to a list; a row whose place is taken already is left as it is (two writers of one list agree). */
  add(list: string, rows: CloudRow[]): Promise<void>;
  /** The value of the list's row with `key` (the first, should two share it). */
  get(list: string, key: string): Promise<unknown>;
  /** Up to `limit` rows of the list placed after `after`, in order. */
  page(list: string, after: number, limit: number): Promise<CloudRow[]>;
  /** Drops every list of the cloud but those named in `keep`. */
  dropAllBut(keep: string[]): Promise<void>;
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
  /**
   * The file's id within the cloud, what open() reads it by. It is:
   * - stable: the same file has the same id from listing to listing and from run to run, and
   *   whichever folder was listed (the folder it is in, or any folder above it);
   * - distinct: no two files of one listing share an id (one name in two folders is two files);
   * - never relative to the folder listed. A provider that names files by ids of its own gives
   *   that id (Drive, Dropbox, OneDrive, Google Photos); one that names them by path gives the path
   *   from the cloud's root (below its root folder or key prefix), '/'-separated, without a leading
   *   slash (a local folder, S3); a source that makes up its files gives an id of its own that says
   *   which file and is stable as above (Takeout: by content);
   * - kept when the file is replaced in place, where the provider keeps it (a path always; Drive
   *   files.update, Dropbox overwrite, Graph replace), while `version` changes. An id therefore
   *   says which file, never what is in it: `version` and `hashes` do.
   */
  id: string;
  /**
   * Path relative to the folder that was listed, '/'-separated, without a leading slash: where the
   * file goes below the destination folder. Two items of one listing share a path only where the
   * provider lets one folder hold two files of one name (Drive); their ids differ.
   */
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
  /**
   * The item is read from a stream it shares with the items listed next to it (an entry of a .tgz
   * archive, which has no index): a run whose listing holds such items copies them one at a time,
   * in the order list() gave them.
   */
  sequential?: boolean;
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
   * The item's bytes from `offset`: every source honours one, as a resumed upload asks for the rest
   * (with a range request where the provider has them, else by skipping). `length`: the caller
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
  /**
   * Object Lock retention of what is written (a task's options.objectLock): until `until`, nobody can
   * delete or overwrite this version (COMPLIANCE), or only with the right to bypass it (GOVERNANCE).
   * Only S3 keeps it; an S3 bucket without Object Lock refuses the put (CloudError 'invalid_options').
   */
  retention?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; until: Date };
  signal?: AbortSignal;
  /** Resumable destinations read and save their session here. */
  checkpoint?: Checkpoint;
  /** Reports the bytes the destination has acknowledged so far. */
  onProgress?(bytes: number): void;
}

export interface Destination {
  /**
   * Writes the bytes `open(offset)` yields to `path` (relative to the cloud's root; folders are
   * created as needed), replacing what is there only with `mode: 'replace'`, and checks them against the
   * destination's own hash while streaming. A resumable destination calls open() at the offset it resumes from.
   * Throws CloudError('corrupt') when the destination's hash differs from the bytes sent.
   */
  put(path: string, open: (offset: number) => Promise<Readable>, opts: PutOptions): Promise<Stored>;
  /** Size of the file at `path`, or null when there is none. */
  stat(path: string, signal?: AbortSignal): Promise<{ size: number } | null>;
  /**
   * The destination's own hash of the file stored at `path`, with its kind, in the form the
   * destination reports it (connectors/lib/hashes.ts computes every kind but 's3etag' from bytes): what
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
  /**
   * Moves the file at `from` to `to` (both relative to the cloud's root; folders created as needed)
   * on the server, without downloading it. CloudError('not_found') when nothing is at `from`,
   * CloudError('exists') when something is at `to`: a move never replaces. Kept versions need it.
   */
  move?(from: string, to: string, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves when what put() writes with a `retention` is kept locked (S3: the bucket has Object Lock
   * on); rejects with a CloudError that says why not. Absent: the destination keeps no retention.
   */
  checkRetention?(signal?: AbortSignal): Promise<void>;
}

export interface Features {
  /**
   * Items one copy job puts at once (default 4). A destination that commits items in batches
   * (Google Photos: 50 per batchCreate) asks for enough to fill a batch.
   */
  itemsInParallel?: number;
  /**
   * A listing of the source holds only part of what it keeps (the items picked in a session, the
   * files of the latest export): a file missing from it was not deleted, so no deletion is recorded.
   */
  partialListing?: boolean;
}

/** A notice's mail in one language: the service lays it out and adds a link to the cloud and the footer. */
export interface NoticeMail {
  subject: string;
  /** Paragraphs; an array is a bulleted list (under the paragraph before it). */
  body: Array<string | string[]>;
  /** A button to what the owner should do, e.g. a provider's settings page. */
  action?: { label: string; url: string };
}

/** Something a connector wants its owner told about a cloud: mailed once per cloud and `key`. */
export interface CloudNotice {
  key: string;
  mail: Localized<NoticeMail>;
}

/** Names the service passes for a notice's words, each on one line already. */
export interface NoticeNames {
  /** The cloud's name, as its owner gave it. */
  cloud: string;
  /** Wrapping kinds: the name of the cloud read through, when it still exists. */
  wrapped: string | null;
}

/** What an action's handler gets: what open() gets, and the call's signal (aborted at its timeout). */
export interface ActionContext<O> {
  cloud: CloudConfig<O>;
  env: ConnectorEnv;
  signal: AbortSignal;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * Something a connector does for a cloud of its kind beyond the contract, as rclone's backend
 * commands do (Google Photos' Picker sessions, a Takeout source's export status). The API mounts
 * each once at `/clouds/:id/<path>`, for the cloud's owner, validating with these schemas; a cloud
 * of a kind that does not declare it is refused. Errors are CloudErrors, as everywhere.
 */
export interface CloudAction<
  O = Record<string, unknown>,
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /clouds/:id/, e.g. 'picker-sessions/:sid': `:name` segments are path parameters (`params`). */
  path: string;
  summary: string;
  params?: P;
  body?: B;
  /** The result; its `.meta({ id })` names it among the OpenAPI document's components. */
  response: R;
  /** The status of a success; 200 unless said. */
  status?: 200 | 201;
  /** A success the owner's audit log records: its action and details. */
  audit?(result: z.output<R>): { action: string; details?: Record<string, unknown> };
  run(ctx: ActionContext<O>, input: { params: Parsed<P>; body: Parsed<B> }): Promise<z.input<R>>;
}

/** Declares an action with its input and result typed from its schemas. */
export function defineAction<
  O,
  P extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(action: CloudAction<O, P, B, R>): CloudAction<O> {
  return action as unknown as CloudAction<O>;
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
}

export interface ConnectorDefinition<O extends Record<string, unknown> = Record<string, unknown>> {
  kind: ProviderKind;
  title: string;
  /** The provider's name as the web app shows it, in every language Ferry speaks; default `title`. */
  titles?: Localized<string>;
  /**
   * The kind after a cloud's own name, in every language ("Home server (folder on this server)");
   * default `titles`.
   */
  nouns?: Localized<string>;
  auth: 'oauth' | 'credentials';
  source: boolean;
  destination: boolean;
  /** OAuth kinds: how to sign in. */
  oauth?: OAuthSpec;
  /** The provider's API base URLs the connector calls, and the variables that override them. */
  endpoints?: Partial<Record<EndpointName, EndpointSetting>>;
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
  /**
   * Wrapping kinds: which of the user's clouds this one reads through
   * (opened and passed as `wrapped`), and of which kinds it may be. `tried`: the cloud is opened
   * through it and checked before it is stored, as credentials kinds are (an encrypted folder: a
   * wrong password on an existing vault is refused at once).
   */
  wraps?: { kinds: ProviderKind[]; cloudId(options: O): string; tried?: boolean };
  /** The connector keeps records between runs: the service passes `state`. */
  keepsState?: boolean;
  /**
   * What to tell the owner about the cloud now, worded in every language (checked every few minutes
   * from its state; each `key` is mailed once).
   */
  notices?(state: CloudState, now: Date, names: NoticeNames): Promise<CloudNotice[]>;
  /** What the API offers for clouds of this kind beyond the contract, under /clouds/:id/. */
  actions?: CloudAction<O>[];
  /**
   * The source is read through a session its owner fills by picking (started with one of the
   * actions): a task names one as source.pickerSessionId, which must match `id`, and the service
   * passes it to open() as `pickerSessionId`. Kinds without it take no session.
   */
  pickerSession?: { id: z.ZodType<string> };
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
