// Drive knows files by id, not by path, and lets a folder hold several items of the same name.
// A path is resolved one name at a time from the root; of several items with the same name the
// oldest (createdTime, then id) is taken, always, so every lookup and every write agrees.
import type { DriveClient } from './client.ts';

export const FOLDER = 'application/vnd.google-apps.folder';
/** The fields Ferry reads of a file. */
export const FILE_FIELDS = 'id,name,mimeType,size,md5Checksum,sha256Checksum,modifiedTime,createdTime';

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  /** int64 as a decimal string; absent for folders and Google Docs. */
  size?: string;
  md5Checksum?: string;
  sha256Checksum?: string;
  modifiedTime?: string;
  createdTime?: string;
}

interface FileList {
  files: DriveFile[];
  nextPageToken?: string;
}

/** Google Docs, Sheets, shortcuts…: items without bytes of their own. */
export const isGoogleType = (f: DriveFile) => f.mimeType.startsWith('application/vnd.google-apps.');
export const isFolder = (f: DriveFile) => f.mimeType === FOLDER;
export const hasBytes = (f: DriveFile) => !isGoogleType(f);

/** A string literal of Drive's query language. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function segments(rel: string): string[] {
  return rel.split('/').filter((p) => p !== '' && p !== '.');
}

function oldestOf(files: DriveFile[]): DriveFile | undefined {
  return [...files].sort((a, b) =>
    (a.createdTime ?? '') < (b.createdTime ?? '')
      ? -1
      : (a.createdTime ?? '') > (b.createdTime ?? '')
        ? 1
        : a.id < b.id
          ? -1
          : 1,
  )[0];
}

/** Every page of a files.list query, as it arrives. */
export async function* listQuery(client: DriveClient, q: string, signal?: AbortSignal): AsyncGenerator<DriveFile[]> {
  let pageToken: string | undefined;
  do {
    const page = await client.call<FileList>(
      (api, o) => api.files.list({ q, fields: `nextPageToken,files(${FILE_FIELDS})`, pageSize: 1000, pageToken }, o),
      signal,
    );
    yield page.files ?? [];
    pageToken = page.nextPageToken;
  } while (pageToken);
}

export const childrenQuery = (parentId: string) => `${quote(parentId)} in parents and trashed=false`;

/** Resolves paths to ids, with a cache of the folders found or created through this handle. */
export class Paths {
  private readonly client: DriveClient;
  private readonly folders = new Map<string, string>();
  /** Folders being looked up or created, so that concurrent uploads into one folder create it once. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(client: DriveClient) {
    this.client = client;
  }

  /** The oldest item named `name` in `parentId` of the kind asked for. */
  async child(
    parentId: string,
    name: string,
    kind: 'folder' | 'file',
    signal?: AbortSignal,
  ): Promise<DriveFile | undefined> {
    const q =
      `${quote(parentId)} in parents and name=${quote(name)} and ` +
      `mimeType${kind === 'folder' ? '=' : '!='}${quote(FOLDER)} and trashed=false`;
    const found: DriveFile[] = [];
    for await (const page of listQuery(this.client, q, signal))
      found.push(...page.filter((f) => (kind === 'folder' ? isFolder(f) : hasBytes(f))));
    return oldestOf(found);
  }

  /** The id of folder `rel` ('' is the root), creating missing folders when asked; null when it does not exist. */
  async folder(rel: string, create: boolean, signal?: AbortSignal): Promise<string | null> {
    let parent = 'root';
    let at = '';
    for (const name of segments(rel)) {
      at = at ? `${at}/${name}` : name;
      let id = this.folders.get(at);
      if (!id) {
        if (create) {
          let p = this.pending.get(at);
          if (!p) {
            // Shared by concurrent callers, so no single caller's signal cancels it.
            p = this.ensure(parent, name).finally(() => this.pending.delete(at));
            this.pending.set(at, p);
          }
          id = await p;
        } else {
          id = (await this.child(parent, name, 'folder', signal))?.id;
          if (!id) return null;
        }
        this.folders.set(at, id);
      }
      parent = id;
    }
    return parent;
  }

  /** The file at `rel` and the id of its folder; null when the folder does not exist. */
  async file(rel: string, signal?: AbortSignal): Promise<{ parentId: string; file?: DriveFile } | null> {
    const parts = segments(rel);
    const name = parts.pop();
    if (!name) return null;
    const parentId = await this.folder(parts.join('/'), false, signal);
    if (!parentId) return null;
    return { parentId, file: await this.child(parentId, name, 'file', signal) };
  }

  /** The real id of the root folder ('root' is only an alias of it). */
  async rootId(signal?: AbortSignal): Promise<string> {
    let id = this.folders.get('');
    if (!id) {
      id = (await this.client.call<DriveFile>((api, o) => api.files.get({ fileId: 'root', fields: 'id' }, o), signal))
        .id;
      this.folders.set('', id);
    }
    return id;
  }

  /** Forgets cached folders (after Drive said one no longer exists: deleted or trashed elsewhere). */
  forget(): void {
    this.folders.clear();
  }

  private async ensure(parentId: string, name: string): Promise<string> {
    const found = await this.child(parentId, name, 'folder');
    if (found) return found.id;
    const created = await this.client.call<DriveFile>((api, o) =>
      api.files.create({ fields: 'id', requestBody: { name, mimeType: FOLDER, parents: [parentId] } }, o),
    );
    // Another worker may have created the same folder meanwhile: everyone then uses the oldest.
    // The other, empty or not, is left alone: deleting a Drive folder deletes what is in it.
    return (await this.child(parentId, name, 'folder'))?.id ?? created.id;
  }
}
