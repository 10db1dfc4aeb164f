// Dropbox (API v2) as a source and a destination, signed in with OAuth.
import { Readable } from 'node:stream';
import type { files } from 'dropbox';
import { z } from 'zod';
import { mediaTypeOf } from '../media.ts';
import { pageOf } from '../lib/paging.ts';
import type { TokenSource } from '../oauth.ts';
import { CloudError, defineConnector, type Destination, type Entry, type Source, type SourceItem } from '../types.ts';
import { createClient, DropboxApiError, pacerOf, toCloudError, type DropboxClient } from './client.ts';
import { uploadFile } from './upload.ts';

const options = z.object({
  account: z.string().optional(),
  accountId: z.string().optional(),
});
type Options = z.infer<typeof options>;

/** Entries per page of browse(); the folder is read whole, then sorted, as Dropbox lists in no order. */
const PAGE = 500;
/** Most entries Dropbox returns per list_folder call. */
const LIST_LIMIT = 2000;

type Metadata = files.ListFolderResult['entries'][number];

/** A cloud path ('a/b.jpg', '' for the root) as a clean list of segments. */
const segments = (rel: string) => rel.split('/').filter(Boolean);
/** The Dropbox path of a cloud path: '/a/b.jpg'; the root is ''. */
const dropboxPath = (rel: string) => (segments(rel).length ? `/${segments(rel).join('/')}` : '');

/** Every page of a list_folder call. */
async function* listFolder(
  client: DropboxClient,
  arg: files.ListFolderArg,
  signal?: AbortSignal,
): AsyncGenerator<Metadata> {
  let page = await client.call((dbx, o) => dbx.filesListFolder(arg, o), signal);
  for (;;) {
    yield* page.entries;
    if (!page.has_more) return;
    signal?.throwIfAborted();
    const cursor = page.cursor;
    page = await client.call((dbx, o) => dbx.filesListFolderContinue({ cursor }, o), signal);
  }
}

/** What is at `path` (a file, a folder), or null when nothing is. */
async function metadataOf(client: DropboxClient, path: string, signal?: AbortSignal): Promise<Metadata | null> {
  try {
    return await client.call((dbx, o) => dbx.filesGetMetadata({ path }, o), signal);
  } catch (err) {
    if (err instanceof DropboxApiError && err.status === 409 && err.has('not_found')) return null;
    throw err;
  }
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
      // The token just given by the sign-in: when Dropbox refuses it there is nothing to refresh.
      const tokens: TokenSource = {
        get: async () => accessToken,
        refresh: async () => {
          throw new CloudError('unauthorized', 'Dropbox refused the access it has just granted: connect again.');
        },
      };
      const client = createClient({ endpoints: env.endpoints, tokens, pacer: pacerOf(env, undefined) });
      try {
        const me = await client.call((dbx, o) => dbx.usersGetCurrentAccount(o), signal);
        return { id: me.account_id, name: me.email };
      } catch (err) {
        throw toCloudError(err, 'The Dropbox account');
      }
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
    const client = createClient({ endpoints: env.endpoints, tokens, pacer: pacerOf(env, cloud.options.accountId) });
    const fail = (what: string) => (err: unknown) => {
      throw toCloudError(err, what);
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
            throw toCloudError(err, what);
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
        return client.download(item.id, { offset, length: o.length, signal: o.signal }).catch(fail(`File ${item.id}`));
      },
    };

    const destination: Destination = {
      async put(rel, open, o) {
        const path = dropboxPath(rel);
        if (!path) throw new CloudError('invalid_options', 'A file needs a name.');
        return uploadFile(client, path, open, o).catch(fail(`File ${path}`));
      },
      async stat(rel, signal) {
        const path = dropboxPath(rel);
        if (!path) return null;
        const meta = await metadataOf(client, path, signal).catch(fail(`File ${path}`));
        return meta?.['.tag'] === 'file' ? { size: meta.size } : null;
      },
      // Dropbox keeps no md5, only its content_hash, given with the file's metadata.
      async hashOf(rel, signal) {
        const path = dropboxPath(rel);
        if (!path) return null;
        const meta = await metadataOf(client, path, signal).catch(fail(`File ${path}`));
        return meta?.['.tag'] === 'file' && meta.content_hash ? { kind: 'dropbox', value: meta.content_hash } : null;
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
          const meta = await metadataOf(client, path, signal).catch(fail(what));
          if (meta?.['.tag'] === 'folder')
            throw new CloudError('invalid_options', `${path} is a folder on Dropbox; Ferry removes single files only.`);
          if (meta?.['.tag'] !== 'file') return;
          const rev = meta.rev;
          try {
            await client.call((dbx, o) => dbx.filesDeleteV2({ path, parent_rev: rev }, o), signal);
            return;
          } catch (err) {
            const changed =
              err instanceof DropboxApiError &&
              err.status === 409 &&
              (err.has('not_found') || err.has('not_file') || err.has('conflict'));
            if (!changed) throw toCloudError(err, what);
          }
        }
        throw new CloudError('failed', `${path} kept changing on Dropbox while Ferry was removing it; run again.`);
      },
      async move(from, to, signal) {
        const [src, dst] = [dropboxPath(from), dropboxPath(to)];
        if (!src || !dst)
          throw new CloudError('invalid_options', 'The Dropbox root is a folder; Ferry moves single files only.');
        const what = `Moving ${src} to ${dst}`;
        // move_v2 takes a folder with everything in it. So the path is looked at first, and the
        // file seen there is moved by its id: whatever took its place meanwhile stays where it is.
        const meta = await metadataOf(client, src, signal).catch(fail(what));
        if (!meta) throw new CloudError('not_found', `${src} not found on Dropbox.`);
        if (meta['.tag'] !== 'file')
          throw new CloudError('invalid_options', `${src} is a folder on Dropbox; Ferry moves single files only.`);
        const id = meta.id;
        try {
          // autorename false: Dropbox refuses (to/conflict) rather than put the file under another name.
          const arg = { from_path: id, to_path: dst, autorename: false, allow_ownership_transfer: false };
          await client.call((dbx, o) => dbx.filesMoveV2(arg, o), signal);
        } catch (err) {
          if (!(err instanceof DropboxApiError) || err.status !== 409) throw toCloudError(err, what);
          const [member, tag, conflict] = err.tags;
          if (member === 'from_lookup' && tag === 'not_found')
            throw new CloudError('not_found', `${src} not found on Dropbox.`, { cause: err });
          if (member === 'to' && tag === 'conflict' && (conflict === 'file' || conflict === 'folder')) {
            // A retried move whose first answer was lost finds the file already there: that is done.
            const there = await metadataOf(client, dst, signal).catch(fail(what));
            if (there?.['.tag'] === 'file' && there.id === id) return;
            throw new CloudError('exists', `${dst} is on Dropbox already; Ferry moved nothing onto it.`, {
              cause: err,
            });
          }
          throw toCloudError(err, what);
        }
      },
    };

    return {
      features: {},
      source,
      destination,
      async check(signal) {
        // Listing the root proves the token works and the files scopes were granted.
        await client
          .call((dbx, o) => dbx.filesListFolder({ path: '', limit: 1 }, o), signal)
          .catch(fail('The Dropbox root folder'));
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
          throw toCloudError(err, `Folder ${path || '/'}`);
        }
        return pageOf(entries, cursor, PAGE);
      },
    };
  },
});
