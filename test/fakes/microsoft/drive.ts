// The fake's OneDrive: a tree of driveItems in memory, each file's content in its own file on disk.
// Names are case-insensitive and case-preserving, and refuse the characters OneDrive refuses, as the
// real drive does. Hashes (quickXorHash, sha1) are computed from the stored bytes when a file is committed.
import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { QuickXorHash } from '../../../connectors/onedrive/quickxor.ts';
import { GraphFailure } from './http.ts';

export interface Item {
  id: string;
  name: string;
  parent: Item | null;
  folder: boolean;
  /** Folders: children by lower-cased name. */
  children: Map<string, Item>;
  size: number;
  created: string;
  modified: string;
  fsCreated: string;
  fsModified: string;
  /** Bumped by any change (eTag); contentVersion only by new content (cTag). */
  version: number;
  contentVersion: number;
  quickXor?: string;
  sha1?: string;
  /** Where the content is on disk. */
  file?: string;
}

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

const INVALID_NAME = /["*:<>?/\\|\u0000-\u001f]/;

export function checkName(name: string): void {
  if (
    !name ||
    name.length > 255 ||
    INVALID_NAME.test(name) ||
    name === '.' ||
    name === '..' ||
    /[ ]$/.test(name) ||
    /^ /.test(name)
  ) {
    throw new GraphFailure(
      400,
      'invalidRequest',
      `The provided name "${name}" is not valid: names cannot contain " * : < > ? / \\ | or begin or end with a space.`,
    );
  }
}

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  mp4: 'video/mp4',
  txt: 'text/plain',
  bin: 'application/octet-stream',
};

export class DriveStore {
  readonly driveId = crypto.randomBytes(8).toString('hex').toUpperCase();
  readonly root: Item;
  private readonly byId = new Map<string, Item>();
  private readonly dir: string;
  private next = 100;
  quotaTotal: number;

  constructor(dir: string, quotaTotal: number) {
    this.dir = dir;
    this.quotaTotal = quotaTotal;
    this.root = this.make('root', null, true, new Date().toISOString());
  }

  private make(name: string, parent: Item | null, folder: boolean, now: string): Item {
    const item: Item = {
      id: `${this.driveId}!${this.next++}`,
      name,
      parent,
      folder,
      children: new Map(),
      size: 0,
      created: now,
      modified: now,
      fsCreated: now,
      fsModified: now,
      version: 1,
      contentVersion: 1,
    };
    this.byId.set(item.id, item);
    parent?.children.set(name.toLowerCase(), item);
    return item;
  }

  /** Whether the item is still in the drive (not deleted). */
  contains(item: Item): boolean {
    return this.byId.get(item.id) === item;
  }

  byIdOrFail(id: string): Item {
    const item = this.byId.get(id);
    if (!item) throw new GraphFailure(404, 'itemNotFound', 'The resource could not be found.');
    return item;
  }

  /** The item at `segments` below `from`, or a 404 as Graph gives for a missing path. */
  resolve(segments: string[], from: Item = this.root): Item {
    let at = from;
    for (const s of segments) {
      const next = at.folder ? at.children.get(s.toLowerCase()) : undefined;
      if (!next) throw new GraphFailure(404, 'itemNotFound', 'The resource could not be found.');
      at = next;
    }
    return at;
  }

  /** Creates the folders of `segments` that do not exist yet (as an upload to a path does). */
  ensureFolders(segments: string[], from: Item = this.root): Item {
    let at = from;
    for (const s of segments) {
      checkName(s);
      let next = at.children.get(s.toLowerCase());
      if (next && !next.folder)
        throw new GraphFailure(409, 'nameAlreadyExists', `A file named ${next.name} is in the way of folder ${s}.`);
      next ??= this.make(s, at, true, new Date().toISOString());
      at = next;
    }
    return at;
  }

  createFolder(parent: Item, name: string, conflict: ConflictBehavior): Item {
    checkName(name);
    const existing = parent.children.get(name.toLowerCase());
    if (existing) {
      if (conflict === 'fail')
        throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists.');
      if (conflict === 'replace') this.remove(existing);
      else name = this.freeName(parent, name);
    }
    const item = this.make(name, parent, true, new Date().toISOString());
    this.touch(parent);
    return item;
  }

  private freeName(parent: Item, name: string): string {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = `${stem} ${n}${ext}`;
      if (!parent.children.has(candidate.toLowerCase())) return candidate;
    }
  }

  get used(): number {
    let sum = 0;
    for (const item of this.byId.values()) if (!item.folder) sum += item.size;
    return sum;
  }

  /**
   * Stores the bytes of `tmp` as the file `name` in `parent`, as the end of an upload does: the
   * file is moved into the store, its hashes computed. Returns whether a new item was created.
   */
  async commit(
    parent: Item,
    name: string,
    tmp: string,
    opts: { conflict: ConflictBehavior; fsModified?: string; fsCreated?: string },
  ): Promise<{ item: Item; created: boolean }> {
    checkName(name);
    const size = (await fs.stat(tmp)).size;
    const existing = parent.children.get(name.toLowerCase());
    if (existing?.folder && opts.conflict !== 'rename')
      throw new GraphFailure(409, 'nameAlreadyExists', `${existing.name} is a folder.`);
    if (existing && opts.conflict === 'fail')
      throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists.');
    const replacing = existing && opts.conflict === 'replace' ? existing : undefined;
    if (this.used - (replacing?.size ?? 0) + size > this.quotaTotal)
      throw new GraphFailure(507, 'quotaLimitReached', 'Insufficient Space Available');

    const xor = new QuickXorHash();
    const sha1 = crypto.createHash('sha1');
    for await (const chunk of createReadStream(tmp, { highWaterMark: 1024 * 1024 })) {
      xor.update(chunk as Buffer);
      sha1.update(chunk as Buffer);
    }
    const now = new Date().toISOString();
    let item = replacing;
    let created = false;
    if (!item) {
      item = this.make(existing ? this.freeName(parent, name) : name, parent, false, now);
      if (opts.fsCreated) item.fsCreated = opts.fsCreated;
      created = true;
    } else {
      item.version++;
      item.contentVersion++;
      item.modified = now;
    }
    const file = path.join(this.dir, `${item.id.replace(/[^A-Za-z0-9]/g, '_')}-${item.contentVersion}`);
    await fs.rename(tmp, file);
    if (item.file) await fs.rm(item.file, { force: true });
    item.file = file;
    item.size = size;
    item.quickXor = xor.digest();
    item.sha1 = sha1.digest('hex').toUpperCase();
    item.fsModified = opts.fsModified ?? now;
    this.touch(parent);
    return { item, created };
  }

  update(item: Item, patch: { name?: string; fsModified?: string; fsCreated?: string }): void {
    if (patch.name !== undefined && patch.name !== item.name) {
      if (!item.parent) throw new GraphFailure(400, 'invalidRequest', 'The root cannot be renamed.');
      checkName(patch.name);
      if (item.parent.children.has(patch.name.toLowerCase()) && patch.name.toLowerCase() !== item.name.toLowerCase()) {
        throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists.');
      }
      item.parent.children.delete(item.name.toLowerCase());
      item.name = patch.name;
      item.parent.children.set(item.name.toLowerCase(), item);
    }
    if (patch.fsModified) item.fsModified = patch.fsModified;
    if (patch.fsCreated) item.fsCreated = patch.fsCreated;
    item.version++;
    item.modified = new Date().toISOString();
  }

  /**
   * Moves `item` (a folder with what is in it) into `parent` under `name`, as an update of its
   * parentReference does; the id stays. An item of that name in the new folder: 409
   * nameAlreadyExists with conflictBehavior fail, else replaced or the moved item renamed.
   */
  move(item: Item, parent: Item, name: string, conflict: ConflictBehavior): void {
    if (!item.parent) throw new GraphFailure(400, 'invalidRequest', 'The root cannot be moved.');
    checkName(name);
    if (!parent.folder) throw new GraphFailure(400, 'invalidRequest', 'The new parent must be a folder.');
    for (let at: Item | null = parent; at; at = at.parent)
      if (at === item) throw new GraphFailure(400, 'invalidRequest', 'A folder cannot be moved into itself.');
    const existing = parent.children.get(name.toLowerCase());
    if (existing && existing !== item) {
      if (conflict === 'fail')
        throw new GraphFailure(409, 'nameAlreadyExists', 'The specified item name already exists.');
      if (conflict === 'replace') this.remove(existing);
      else name = this.freeName(parent, name);
    }
    const from = item.parent;
    from.children.delete(item.name.toLowerCase());
    item.name = name;
    item.parent = parent;
    parent.children.set(name.toLowerCase(), item);
    item.version++;
    this.touch(from);
    this.touch(parent);
  }

  remove(item: Item): void {
    if (!item.parent) throw new GraphFailure(403, 'accessDenied', 'The root folder cannot be deleted.');
    const drop = (it: Item) => {
      for (const child of it.children.values()) drop(child);
      this.byId.delete(it.id);
      if (it.file) void fs.rm(it.file, { force: true });
    };
    drop(item);
    item.parent.children.delete(item.name.toLowerCase());
    this.touch(item.parent);
  }

  private touch(folder: Item): void {
    folder.version++;
    folder.modified = new Date().toISOString();
  }

  pathOf(item: Item): string {
    const parts: string[] = [];
    for (let at: Item | null = item; at?.parent; at = at.parent) parts.unshift(at.name);
    return parts.join('/');
  }

  sizeOf(item: Item): number {
    if (!item.folder) return item.size;
    let sum = 0;
    for (const c of item.children.values()) sum += this.sizeOf(c);
    return sum;
  }

  /** The driveItem resource as Graph returns it, limited to `select` when given. */
  json(item: Item, select?: string[]): Record<string, unknown> {
    const parentPath = item.parent
      ? `/drive/root:${item.parent.parent ? `/${this.pathOf(item.parent)}` : ''}`
      : undefined;
    const full: Record<string, unknown> = {
      createdDateTime: item.created,
      cTag: `"c:{${item.id}},${item.contentVersion}"`,
      eTag: `"{${item.id}},${item.version}"`,
      id: item.id,
      lastModifiedDateTime: item.modified,
      name: item.name,
      size: this.sizeOf(item),
      webUrl: `https://onedrive.live.com/?id=${encodeURIComponent(item.id)}`,
      parentReference: item.parent
        ? { driveId: this.driveId.toLowerCase(), driveType: 'personal', id: item.parent.id, path: parentPath }
        : { driveId: this.driveId.toLowerCase(), driveType: 'personal' },
      fileSystemInfo: { createdDateTime: item.fsCreated, lastModifiedDateTime: item.fsModified },
    };
    if (item.folder) full.folder = { childCount: item.children.size };
    else {
      const ext = item.name.slice(item.name.lastIndexOf('.') + 1).toLowerCase();
      full.file = {
        mimeType: MIME[ext] ?? 'application/octet-stream',
        hashes: { quickXorHash: item.quickXor, sha1Hash: item.sha1 },
      };
    }
    if (!item.parent) full.root = {};
    if (!select) return full;
    const out: Record<string, unknown> = {};
    for (const key of select) if (key in full) out[key] = full[key];
    return out;
  }
}
