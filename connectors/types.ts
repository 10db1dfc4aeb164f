// The connector contract (DESIGN §6). A connector is one folder exporting one definition; the
// registry in index.ts is the only list of them. Services branch on what a definition declares,
// never on its kind.
import type { z } from 'zod';

export type ProviderKind = 'google-photos' | 'google-takeout' | 'google-drive' | 's3' | 'dropbox' | 'onedrive' | 'local';

/** What a connector may use from the running service: configuration, never process.env. */
export interface ConnectorEnv {
  localRoots: string[];
  allowPrivateEndpoints: boolean;
}

/** A stored cloud as a connector sees it: its shown options and its opened secrets. */
export interface CloudConfig<O = Record<string, unknown>> {
  options: O;
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

/** An opened connection to one cloud. */
export interface CloudHandle {
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
  auth: 'oauth' | 'credentials';
  source: boolean;
  destination: boolean;
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
   */
  prepare?(options: O, env: ConnectorEnv): Promise<O>;
  open?(cloud: CloudConfig<O>, env: ConnectorEnv): CloudHandle;
}

export type CloudErrorReason = 'invalid_options' | 'not_found' | 'unauthorized' | 'unreachable' | 'failed';

/** The one error type connectors throw for conditions a user should see. */
export class CloudError extends Error {
  readonly reason: CloudErrorReason;
  constructor(reason: CloudErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export function defineConnector<O extends Record<string, unknown>>(def: ConnectorDefinition<O>): ConnectorDefinition<O> {
  return def;
}
