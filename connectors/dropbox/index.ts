// Dropbox (API v2) as a source and a destination, signed in with OAuth.
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { mediaTypeOf } from '../media.ts';
import { pageOf } from '../lib/paging.ts';
import { CloudError, defineConnector, type Destination, type Entry, type Source, type SourceItem } from '../types.ts';
import { cloudErrorOf, createClient, DropboxApiError, pacerFor, type DropboxClient } from './client.ts';
import { uploadFile, type FileMetadata } from './upload.ts';

const options = z.object({
  account: z.string().optional(),
  accountId: z.string().optional(),
});
type Options = z.infer<typeof options>;

/** Entries per page of browse(); the folder is read whole, then sorted, as Dropbox lists in no order. */
const PAGE = 500;
/** Most entries Dropbox returns per list_folder call. */
const LIST_LIMIT = 2000;

interface FolderMetadata {
  '.tag': 'folder';
  id: string;
  name: string;
  path_display?: string;
  path_lower?: string;
}
type Metadata =
  | (FileMetadata & { '.tag': 'file' })
  | FolderMetadata
  | { '.tag': 'deleted'; name: string; path_lower?: string; path_display?: string };

interface ListFolderResult {
  entries: Metadata[];
  cursor: string;
  has_more: boolean;
}

/** A cloud path ('a/b.jpg', '' for the root) as a clean list of segments. */
const segments = (rel: string) => rel.split('/').filter(Boolean);
/** The Dropbox path of a cloud path: '/a/b.jpg'; the root is ''. */
const dropboxPath = (rel: string) => (segments(rel).length ? `/${segments(rel).join('/')}` : '');

/** Every page of a list_folder call. */
async function* listFolder(
  client: DropboxClient,
  arg: Record<string, unknown>,
  signal?: AbortSignal,
): AsyncGenerator<Metadata> {
  let page = await client.rpc<ListFolderResult>('files/list_folder', arg, signal);
  for (;;) {
    yield* page.entries;
    if (!page.has_more) return;
    signal?.throwIfAborted();
    page = await client.rpc<ListFolderResult>('files/list_folder/continue', { cursor: page.cursor }, signal);
  }
}

/** Drops the first `n` bytes of a stream (a server that ignored the Range header). */
function skipBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return done();
      }
      const rest = chunk.subarray(left);
      left = 0;
      done(null, rest);
    },
  });
}

export default defineConnector<Options>({
  kind: 'dropbox',
  title: 'Dropbox',
  auth: 'oauth',
  source: true,
  destination: true,
  oauth: {
    provider: 'dropbox',
    scopes: [
      'files.metadata.read',
      'files.metadata.write',
      'files.content.read',
      'files.content.write',
      'account_info.read',
    ],
    // Without it Dropbox gives no refresh token, and access ends when the short-lived token does.
    authorizeParams: { token_access_type: 'offline' },
    async account(accessToken, env, signal) {
      const res = await fetch(`${env.endpoints.dropboxApi}/2/users/get_current_account`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: 'null',
        signal,
      }).catch((err: unknown) => {
        throw new CloudError('unreachable', `Cannot reach Dropbox: ${(err as Error).message}`, { cause: err });
      });
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        throw new CloudError(
          res.status === 401 || res.status === 403 ? 'unauthorized' : 'failed',
          `Dropbox did not tell who signed in (${res.status}: ${text.slice(0, 200)}).`,
        );
      }
      const body = (await res.json()) as { account_id: string; email: string };
      return { id: body.account_id, name: body.email };
    },
  },
  options,
  endpoints: {
    dropboxApi: { env: 'FERRY_DROPBOX_API_URL', default: 'https://api.dropboxapi.com' },
    dropboxContent: { env: 'FERRY_DROPBOX_CONTENT_URL', default: 'https://content.dropboxapi.com' },
  },
  unavailable: () => null,
  open(cloud, env) {
    const tokens = cloud.tokens;
    if (!tokens) throw new CloudError('unauthorized', 'This Dropbox cloud has no sign-in: reconnect it.');
    const client = createClient({
      apiUrl: env.endpoints.dropboxApi,
      contentUrl: env.endpoints.dropboxContent,
      tokens,
      pacer: pacerFor(cloud.options.accountId),
    });
    const fail = (what: string, signal?: AbortSignal) => (err: unknown) => {
      throw cloudErrorOf(err, what, signal);
    };

    const source: Source = {
      async *list(folder, signal) {
        const root = dropboxPath(folder);
        const what = `Folder ${root || '/'}`;
        // Items' paths are relative to the folder listed: what follows its segments in path_display
        // (Dropbox compares paths without case, so the folder may be spelled otherwise there).
        const depth = segments(folder).length;
        const entries = listFolder(
          client,
          { path: root, recursive: true, limit: LIST_LIMIT, include_non_downloadable_files: false },
          signal,
        );
        for (;;) {
          let next: IteratorResult<Metadata>;
          try {
            next = await entries.next();
          } catch (err) {
            if (err instanceof DropboxApiError && err.has('reset')) {
              throw new CloudError(
                'failed',
                `Dropbox restarted the listing of ${what} (it changed while being read); run again.`,
                { cause: err },
              );
            }
            throw cloudErrorOf(err, what, signal);
          }
          if (next.done) return;
          const e = next.value;
          if (e['.tag'] !== 'file' || e.is_downloadable === false) continue;
          const display = e.path_display ?? e.path_lower;
          if (!display || segments(display).length <= depth) continue;
          const item: SourceItem = {
            id: e.id,
            path: segments(display).slice(depth).join('/'),
            size: e.size,
            modifiedAt: e.client_modified ?? e.server_modified,
            mediaType: mediaTypeOf(e.name),
            version: `${e.rev}`,
            hashes: e.content_hash ? { dropbox: e.content_hash } : undefined,
          };
          yield item;
        }
      },
      async open(item, o = {}) {
        const offset = o.offset ?? 0;
        if (item.size !== undefined && offset >= item.size && offset > 0) return Readable.from([]);
        const res = await client
          .download({ path: item.id }, offset, o.signal, o.length)
          .catch(fail(`File ${item.id}`, o.signal));
        if (!res.body) return Readable.from([]);
        const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
        // Dropbox answers a Range request with 206; a 200 carries the whole file.
        if (offset > 0 && res.status === 200) {
          const rest = skipBytes(offset);
          body.on('error', (err) => rest.destroy(err));
          return body.pipe(rest);
        }
        return body;
      },
    };

    const destination: Destination = {
      async put(rel, open, o) {
        const path = dropboxPath(rel);
        if (!path) throw new CloudError('invalid_options', 'A file needs a name.');
        try {
          return await uploadFile(client, path, open, o);
        } catch (err) {
          throw cloudErrorOf(err, `File ${path}`, o.signal);
        }
      },
      async stat(rel, signal) {
        const path = dropboxPath(rel);
        if (!path) return null;
        try {
          const meta = await client.rpc<Metadata>('files/get_metadata', { path }, signal);
          return meta['.tag'] === 'file' ? { size: meta.size } : null;
        } catch (err) {
          if (err instanceof DropboxApiError && err.status === 409 && err.has('not_found')) return null;
          throw cloudErrorOf(err, `File ${path}`, signal);
        }
      },
      // Dropbox keeps no md5, only its content_hash, given with the file's metadata.
      async hashOf(rel, signal) {
        const path = dropboxPath(rel);
        if (!path) return null;
        try {
          const meta = await client.rpc<Metadata>('files/get_metadata', { path }, signal);
          return meta['.tag'] === 'file' && meta.content_hash ? { kind: 'dropbox', value: meta.content_hash } : null;
        } catch (err) {
          if (err instanceof DropboxApiError && err.status === 409 && err.has('not_found')) return null;
          throw cloudErrorOf(err, `File ${path}`, signal);
        }
      },
      // Dropbox has no call to discard an upload session: an unfinished one holds no file anyone
      // sees, and Dropbox drops it after 7 days.
      async abandon() {},
      async remove(rel, signal) {
        const path = dropboxPath(rel);
        if (!path)
          throw new CloudError('invalid_options', 'The Dropbox root is a folder; Ferry removes single files only.');
        const what = `File ${path}`;
        // delete_v2 deletes a folder with everything in it. So the path is looked at first, and
        // only the revision seen there is deleted (parent_rev): if something else took its place
        // meanwhile, Dropbox refuses and the path is looked at again.
        for (let attempt = 0; attempt < 3; attempt++) {
          let meta: Metadata;
          try {
            meta = await client.rpc<Metadata>('files/get_metadata', { path }, signal);
          } catch (err) {
            if (err instanceof DropboxApiError && err.status === 409 && err.has('not_found')) return;
            throw cloudErrorOf(err, what, signal);
          }
          if (meta['.tag'] === 'folder')
            throw new CloudError('invalid_options', `${path} is a folder on Dropbox; Ferry removes single files only.`);
          if (meta['.tag'] !== 'file') return;
          try {
            await client.rpc('files/delete_v2', { path, parent_rev: meta.rev }, signal);
            return;
          } catch (err) {
            const changed =
              err instanceof DropboxApiError &&
              err.status === 409 &&
              (err.has('not_found') || err.has('not_file') || err.has('conflict'));
            if (!changed) throw cloudErrorOf(err, what, signal);
          }
        }
        throw new CloudError('failed', `${path} kept changing on Dropbox while Ferry was removing it; run again.`);
      },
    };

    return {
      features: {},
      source,
      destination,
      async check(signal) {
        // Listing the root proves the token works and the files scopes were granted.
        await client
          .rpc('files/list_folder', { path: '', limit: 1 }, signal)
          .catch(fail('The Dropbox root folder', signal));
      },
      async browse(rel, cursor, signal) {
        const path = dropboxPath(rel);
        const folder = segments(rel).join('/');
        const entries: Entry[] = [];
        try {
          for await (const e of listFolder(client, { path, recursive: false, limit: LIST_LIMIT }, signal)) {
            const entryPath = folder ? `${folder}/${e.name}` : e.name;
            if (e['.tag'] === 'folder') entries.push({ name: e.name, path: entryPath, type: 'folder' });
            else if (e['.tag'] === 'file')
              entries.push({
                name: e.name,
                path: entryPath,
                type: 'file',
                size: e.size,
                modifiedAt: e.client_modified ?? e.server_modified,
              });
          }
        } catch (err) {
          throw cloudErrorOf(err, `Folder ${path || '/'}`, signal);
        }
        return pageOf(entries, cursor, PAGE);
      },
    };
  },
});
