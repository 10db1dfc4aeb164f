// The Dropbox fake's namespace (case-insensitive paths, ids, revisions, content hashes of stored
// files) and its upload sessions, with every byte on disk in a temporary folder.
import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { badInput, type DropboxFailure, pathError, routeError } from './http.ts';

const BLOCK = 4 * 1024 * 1024;

/**
 * Dropbox's content_hash, written here from its definition (SHA-256 of the concatenated SHA-256s
 * of each 4 MiB block) independently of the connector's, so one's mistake does not hide the other's.
 */
export class BlockHasher {
  private outer = crypto.createHash('sha256');
  private block = crypto.createHash('sha256');
  private fill = 0;
  update(data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(BLOCK - this.fill, data.length - off);
      this.block.update(data.subarray(off, off + n));
      this.fill += n;
      off += n;
      if (this.fill === BLOCK) {
        this.outer.update(this.block.digest());
        this.block = crypto.createHash('sha256');
        this.fill = 0;
      }
    }
  }
  /** An empty input hashes no block at all: SHA-256 of nothing. */
  digest(): string {
    if (this.fill > 0) this.outer.update(this.block.digest());
    return this.outer.digest('hex');
  }
}

export async function hashFile(file: string): Promise<string> {
  const h = new BlockHasher();
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest();
}

export interface Node {
  tag: 'file' | 'folder';
  id: string;
  name: string;
  /** path_lower: the key of the namespace. */
  lower: string;
  display: string;
  size: number;
  rev: string;
  contentHash: string;
  clientModified: string;
  serverModified: string;
  blob: string;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const newId = () => `id:${crypto.randomBytes(16).toString('base64url')}`;
const newRev = () => `0${crypto.randomBytes(8).toString('hex')}`;

/** The member a route nests its LookupError/WriteError under ('path', 'path_lookup', …). */
export type Member = string;

export class Namespace {
  readonly nodes = new Map<string, Node>();
  readonly byId = new Map<string, Node>();
  readonly dir: string;
  readonly quota: number;
  used = 0;
  constructor(dir: string, quota: number) {
    this.dir = dir;
    this.quota = quota;
  }

  /**
   * Checks a path argument: the pattern (400 when it does not match) and its segments (409
   * malformed_path). Returns the path's lower-case segments and their given spelling.
   */
  parse(
    route: string,
    value: unknown,
    member: Member,
    o: { root?: 'empty' | 'no'; ids?: boolean } = {},
  ): { id?: string; segments: string[] } {
    if (typeof value !== 'string')
      throw badInput(route, `${member}: expected string, got ${value === null ? 'null' : typeof value}`);
    if (o.ids !== false && value.startsWith('id:')) return { id: value, segments: [] };
    if (value === '') {
      if (o.root === 'empty') return { segments: [] };
      throw badInput(route, `${member === 'path_lookup' ? 'path' : member}: The root folder is unsupported.`);
    }
    if (value === '/' && o.root === 'empty')
      throw badInput(route, `${member}: Specify the root folder as an empty string rather than as "/".`);
    if (!value.startsWith('/'))
      throw badInput(route, `${member}: '${value}' did not match pattern '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/.*)?)'`);
    const segments = value.slice(1).split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.length > 255 || /[\u0000-\u001f]/.test(s)))
      throw pathError(member, 'malformed_path');
    return { segments };
  }

  /** The node a parsed path names, or undefined (the root is not a node). */
  find(p: { id?: string; segments: string[] }): Node | undefined {
    if (p.id) return this.byId.get(p.id);
    return this.nodes.get(`/${p.segments.join('/')}`.toLowerCase());
  }

  /** The node a path names, or a route error not_found under `member`. */
  need(route: string, value: unknown, member: Member, o: { root?: 'empty' | 'no' } = {}): Node {
    const node = this.find(this.parse(route, value, member, o));
    if (!node) throw pathError(member, 'not_found');
    return node;
  }

  /** Every node under the folder `lower` ('' for the root), this folder's children only unless recursive. */
  under(lower: string, recursive: boolean): Node[] {
    const prefix = `${lower}/`;
    const depth = lower.split('/').length;
    return [...this.nodes.values()]
      .filter((n) => n.lower.startsWith(prefix) && (recursive || n.lower.split('/').length === depth + 1))
      .sort((a, b) => (a.lower < b.lower ? -1 : 1));
  }

  metadata(n: Node, tagged = true): Record<string, unknown> {
    const base = {
      ...(tagged ? { '.tag': n.tag } : {}),
      name: n.name,
      path_lower: n.lower,
      path_display: n.display,
      id: n.id,
    };
    if (n.tag === 'folder') return base;
    return {
      ...base,
      client_modified: n.clientModified,
      server_modified: n.serverModified,
      rev: n.rev,
      size: n.size,
      is_downloadable: true,
      content_hash: n.contentHash,
    };
  }

  /**
   * Commits the bytes in `file` to `segments` (a WriteError under `member` when something is in
   * the way), creating the folders on the way as Dropbox does.
   */
  /** Commits of this namespace, one after the other: each waits for the one before it. */
  private committing: Promise<unknown> = Promise.resolve();

  /**
   * Stores `file` at the path as a commit does. Commits run one at a time, so what one checks (a
   * file at the path for `mode: add`, the rev for `update`, the quota) still holds when it writes:
   * two concurrent commits to one path never both see it free.
   */
  commit(
    segments: string[],
    file: string,
    mode: { tag: string; rev?: string; strict?: boolean },
    clientModified: string | undefined,
    member: Member,
  ): Promise<Node> {
    const done = this.committing.then(() => this.commitNow(segments, file, mode, clientModified, member));
    this.committing = done.catch(() => {});
    return done;
  }

  private async commitNow(
    segments: string[],
    file: string,
    mode: { tag: string; rev?: string; strict?: boolean },
    clientModified: string | undefined,
    member: Member,
  ): Promise<Node> {
    const lower = `/${segments.join('/')}`.toLowerCase();
    // Folders on the way: an existing file among them is a conflict; existing folders keep their spelling.
    let display = '';
    for (let i = 0; i < segments.length - 1; i++) {
      const at = `/${segments.slice(0, i + 1).join('/')}`.toLowerCase();
      const n = this.nodes.get(at);
      if (n?.tag === 'file')
        throw routeError({ '.tag': member, [member]: { '.tag': 'conflict', conflict: { '.tag': 'file_ancestor' } } });
      display = n ? n.display : `${display}/${segments[i]}`;
    }
    const existing = this.nodes.get(lower);
    if (existing?.tag === 'folder')
      throw routeError({ '.tag': member, [member]: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } });
    const stat = await fs.stat(file);
    const hash = await hashFile(file);
    // strict_conflict "forces a conflict even when the target path refers to a file with identical
    // contents" (overwrite never conflicts).
    if (existing && hash === existing.contentHash && !(mode.strict && mode.tag !== 'overwrite')) {
      // "If the target path refers to a file with identical contents, nothing gets written."
      await fs.rm(file, { force: true });
      return existing;
    }
    if (existing && mode.tag === 'add')
      throw routeError({ '.tag': member, [member]: { '.tag': 'conflict', conflict: { '.tag': 'file' } } });
    if (existing && mode.tag === 'update' && mode.rev !== existing.rev)
      throw routeError({ '.tag': member, [member]: { '.tag': 'conflict', conflict: { '.tag': 'file' } } });
    if (!existing && mode.tag === 'update')
      throw routeError({ '.tag': member, [member]: { '.tag': 'conflict', conflict: { '.tag': 'file' } } });
    if (this.used - (existing?.size ?? 0) + stat.size > this.quota)
      throw routeError({ '.tag': member, [member]: { '.tag': 'insufficient_space' } });

    this.makeFolders(segments);
    const blob = path.join(this.dir, 'blobs', crypto.randomBytes(12).toString('hex'));
    await fs.mkdir(path.dirname(blob), { recursive: true });
    await fs.rename(file, blob);
    const parent = this.nodes.get(lower.slice(0, lower.lastIndexOf('/')));
    const name = existing?.name ?? segments[segments.length - 1];
    const node: Node = {
      tag: 'file',
      id: existing?.id ?? newId(),
      name,
      lower,
      display: `${parent?.display ?? ''}/${name}`,
      size: stat.size,
      rev: newRev(),
      contentHash: hash,
      clientModified: clientModified ?? now(),
      serverModified: now(),
      blob,
    };
    if (existing) {
      this.used -= existing.size;
      await fs.rm(existing.blob, { force: true });
    }
    this.used += node.size;
    this.nodes.set(lower, node);
    this.byId.set(node.id, node);
    return node;
  }

  /** Creates the folders on the way to `segments` that are missing (the last segment is not a folder). */
  private makeFolders(segments: string[]): void {
    for (let i = 0; i < segments.length - 1; i++) {
      const at = `/${segments.slice(0, i + 1).join('/')}`.toLowerCase();
      if (this.nodes.has(at)) continue;
      const parent = this.nodes.get(at.slice(0, at.lastIndexOf('/')));
      const folder: Node = {
        tag: 'folder',
        id: newId(),
        name: segments[i],
        lower: at,
        display: `${parent?.display ?? ''}/${segments[i]}`,
        size: 0,
        rev: '',
        contentHash: '',
        clientModified: '',
        serverModified: '',
        blob: '',
      };
      this.nodes.set(at, folder);
      this.byId.set(folder.id, folder);
    }
  }

  /**
   * files/move_v2 without autorename: the file or folder (with everything in it) goes to `segments`,
   * keeping its id, creating the folders on the way. Refused (a RelocationError) when anything is
   * at the target, including the item itself spelled in another case ("we do not currently support
   * case-only renaming"), when a file is on the way, or when a folder would go into itself.
   * Serialised with the commits, so a check still holds when the move is made.
   */
  move(node: Node, segments: string[]): Promise<Node> {
    const done = this.committing.then(() => this.moveNow(node, segments));
    this.committing = done.catch(() => {});
    return done;
  }

  private moveNow(node: Node, segments: string[]): Node {
    if (this.nodes.get(node.lower) !== node) throw pathError('from_lookup', 'not_found');
    const lower = `/${segments.join('/')}`.toLowerCase();
    if (node.tag === 'folder' && lower.startsWith(`${node.lower}/`))
      throw routeError({ '.tag': 'cant_move_folder_into_itself' });
    const conflict = (tag: string) =>
      routeError({ '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': tag } } });
    for (let i = 0; i < segments.length - 1; i++) {
      if (this.nodes.get(`/${segments.slice(0, i + 1).join('/')}`.toLowerCase())?.tag === 'file')
        throw conflict('file_ancestor');
    }
    const existing = this.nodes.get(lower);
    if (existing) throw conflict(existing.tag);
    this.makeFolders(segments);
    const parent = this.nodes.get(lower.slice(0, lower.lastIndexOf('/')));
    const name = segments[segments.length - 1];
    const display = `${parent?.display ?? ''}/${name}`;
    const moving = [node, ...(node.tag === 'folder' ? this.under(node.lower, true) : [])];
    const [fromLower, fromDisplay] = [node.lower, node.display];
    for (const n of moving) this.nodes.delete(n.lower);
    for (const n of moving) {
      n.lower = lower + n.lower.slice(fromLower.length);
      n.display = display + n.display.slice(fromDisplay.length);
      this.nodes.set(n.lower, n);
    }
    node.name = name;
    return node;
  }

  /** Deletes a file or a folder with everything in it. */
  async remove(node: Node): Promise<void> {
    const gone = [node, ...(node.tag === 'folder' ? this.under(node.lower, true) : [])];
    for (const n of gone) {
      this.nodes.delete(n.lower);
      this.byId.delete(n.id);
      if (n.tag === 'file') {
        this.used -= n.size;
        await fs.rm(n.blob, { force: true });
      }
    }
  }
}

interface Session {
  id: string;
  file: string;
  offset: number;
  closed: boolean;
  expiresAt: number;
  /** Requests on one session are handled one after another, as a sequential session requires. */
  queue: Promise<unknown>;
}

/** What a request body turned out to be once it was on disk. */
export interface Received {
  bytes: number;
  hash: string;
  tooLarge: boolean;
}

/**
 * Writes a request body into `file` from `offset` (a session's bytes so far), hashing it. Past
 * `limit` bytes nothing more is written and the rest is drained.
 */
export async function receive(req: IncomingMessage, file: string, offset: number, limit: number): Promise<Received> {
  const fh = await fs.open(file, 'r+');
  const h = new BlockHasher();
  let bytes = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (tooLarge) continue;
      if (bytes + chunk.length > limit) {
        tooLarge = true;
        continue;
      }
      await fh.write(chunk, 0, chunk.length, offset + bytes);
      h.update(chunk);
      bytes += chunk.length;
    }
  } finally {
    await fh.close();
  }
  return { bytes, hash: h.digest(), tooLarge };
}

export class Sessions {
  private readonly map = new Map<string, Session>();
  created = 0;
  private readonly dir: string;
  private readonly ttlMs: number;
  constructor(dir: string, ttlMs: number) {
    this.dir = dir;
    this.ttlMs = ttlMs;
  }

  get open(): number {
    return [...this.map.values()].filter((s) => s.expiresAt > Date.now()).length;
  }

  async create(): Promise<Session> {
    const id = `pid_upload_session:${crypto.randomBytes(24).toString('base64url')}`;
    const file = path.join(this.dir, 'sessions', crypto.randomBytes(12).toString('hex'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '');
    const s: Session = {
      id,
      file,
      offset: 0,
      closed: false,
      expiresAt: Date.now() + this.ttlMs,
      queue: Promise.resolve(),
    };
    this.map.set(id, s);
    this.created++;
    return s;
  }

  /** The session, or UploadSessionLookupError.not_found (unknown, finished or expired after 7 days). */
  lookup(id: unknown, wrap: (e: Record<string, unknown>) => DropboxFailure): Session {
    const s = typeof id === 'string' ? this.map.get(id) : undefined;
    if (!s || s.expiresAt <= Date.now()) throw wrap({ '.tag': 'not_found' });
    return s;
  }

  /** Runs `fn` when the session's earlier requests are done. */
  serial<T>(s: Session, fn: () => Promise<T>): Promise<T> {
    const run = s.queue.then(fn, fn);
    s.queue = run.catch(() => {});
    return run;
  }

  async drop(s: Session): Promise<void> {
    this.map.delete(s.id);
    await fs.rm(s.file, { force: true });
  }

  expireAll(): void {
    for (const s of this.map.values()) s.expiresAt = 0;
  }

  async truncate(s: Session, offset: number): Promise<void> {
    await fs.truncate(s.file, offset);
  }
}
