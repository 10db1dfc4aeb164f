// Microsoft OneDrive (personal and work or school) through Microsoft Graph v1.0 and Microsoft's
// Graph client (client.ts): the signed-in user's drive, addressed by path (/root:/a/b.jpg:), listed
// by id with paged children, read through pre-authenticated download URLs, written through
// resumable upload sessions (upload.ts) and checked against OneDrive's quickXorHash.
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { skipBytes } from '../lib/bytes.ts';
import { pageOf } from '../lib/paging.ts';
import { drain, rangeHeader } from '../lib/rest.ts';
import { mediaTypeOf } from '../media.ts';
import type { OAuthSpec } from '../oauth.ts';
import { CloudError, defineConnector, type Destination, type Entry, type Source, type SourceItem } from '../types.ts';
import { createGraph, graphError, graphErrorOf, graphSdk, itemOrNull, statusOf, type Graph } from './client.ts';
import { createUploader, encodePath } from './upload.ts';

const options = z.object({
  account: z.string().max(320).optional().describe('The Microsoft account, as shown (set when signing in)'),
  accountId: z.string().max(128).optional().describe('The Microsoft account id (set when signing in)'),
});
type Options = z.infer<typeof options>;

/** Children per page: Graph's default, and what list() asks for. */
const PAGE = 200;
/** Entries per browse page. */
const BROWSE_PAGE = 500;
const ITEM_FIELDS = 'id,name,size,file,folder,eTag,cTag,lastModifiedDateTime,fileSystemInfo';

interface DriveItem {
  id: string;
  name: string;
  size?: number;
  eTag?: string;
  cTag?: string;
  lastModifiedDateTime?: string;
  fileSystemInfo?: { lastModifiedDateTime?: string };
  file?: { hashes?: { quickXorHash?: string } };
  folder?: { childCount?: number };
}

/** The time a person sees for the file: the one its uploader set (fileSystemInfo), else OneDrive's own. */
const modifiedOf = (it: DriveItem) => it.fileSystemInfo?.lastModifiedDateTime ?? it.lastModifiedDateTime;

export const oauth: OAuthSpec = {
  provider: 'microsoft',
  scopes: ['Files.ReadWrite', 'User.Read', 'offline_access'],
  authorizeParams: {},
  async account(accessToken, env, signal) {
    // The token just issued, as it is: refused, it is not refreshed (nothing to refresh it with).
    const token = { get: async () => accessToken, refresh: async () => accessToken };
    const graph = createGraph(env, token, undefined);
    const me = await graph.call(
      'reading the signed-in account',
      () =>
        graph.api('/me', signal).get() as Promise<{
          id: string;
          userPrincipalName?: string;
          mail?: string;
          displayName?: string;
        }>,
      signal,
    );
    return { id: me.id, name: me.userPrincipalName ?? me.mail ?? me.displayName ?? me.id };
  },
};

export default defineConnector<Options>({
  kind: 'onedrive',
  title: 'Microsoft OneDrive',
  titles: { en: 'OneDrive', de: 'OneDrive', fr: 'OneDrive' },
  auth: 'oauth',
  source: true,
  destination: true,
  oauth,
  options,
  endpoints: { graph: { env: 'FERRY_GRAPH_URL', default: 'https://graph.microsoft.com' } },
  unavailable: () => null,
  open(cloud, env) {
    if (!cloud.tokens) throw new CloudError('unauthorized', 'This OneDrive is not signed in: reconnect it.');
    const graph: Graph = createGraph(env, cloud.tokens, cloud.options.accountId);
    const uploader = createUploader(graph);
    const clean = (rel: string) => rel.split('/').filter(Boolean).join('/');
    const itemPath = (rel: string) => (clean(rel) ? `/me/drive/root:/${encodePath(rel)}:` : '/me/drive/root');

    /** The item at a path, or null when there is none. */
    async function itemAt(rel: string, signal?: AbortSignal): Promise<DriveItem | null> {
      return graph.call(
        `reading ${clean(rel) || 'the root folder'}`,
        () => itemOrNull(graph.api(`${itemPath(rel)}?$select=${ITEM_FIELDS}`, signal).get()),
        signal,
      );
    }

    async function folderAt(rel: string, signal?: AbortSignal): Promise<DriveItem> {
      const item = await itemAt(rel, signal);
      if (!item?.folder) throw new CloudError('not_found', `Folder ${clean(rel) || '/'} not found in OneDrive.`);
      return item;
    }

    /**
     * The id of folder `rel`, made (with the folders above it) where it is missing. A folder made
     * meanwhile by another worker (409 on the create) is looked up again and used.
     */
    async function folderFor(rel: string, signal?: AbortSignal): Promise<string> {
      const path = clean(rel);
      const item = await itemAt(path, signal);
      if (item?.folder) return item.id;
      if (item) throw new CloudError('failed', `${path} is a file in OneDrive, where Ferry needs a folder.`);
      const parentId = await folderFor(path.split('/').slice(0, -1).join('/'), signal);
      const name = path.split('/').at(-1)!;
      const made = await graph.call(
        `creating folder ${path}`,
        async () => {
          try {
            return (await graph
              .api(`/me/drive/items/${encodeURIComponent(parentId)}/children`, signal)
              .post({ name, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' })) as DriveItem;
          } catch (err) {
            if (statusOf(err) === 409) return null;
            throw err;
          }
        },
        signal,
      );
      if (made) return made.id;
      const now = await itemAt(path, signal);
      if (now?.folder) return now.id;
      throw new CloudError('failed', `OneDrive would not make folder ${path}: something else is in its place.`);
    }

    /** Every child of a folder, page by page. */
    const childrenOf = (folderId: string, signal?: AbortSignal) =>
      graph.pages<DriveItem>(
        'listing a folder',
        `/me/drive/items/${encodeURIComponent(folderId)}/children?$top=${PAGE}&$select=${ITEM_FIELDS}`,
        signal,
      );

    const source: Source = {
      async *list(folder, signal) {
        const start = await folderAt(folder, signal);
        // Depth first with an explicit stack: memory holds the folders still to visit, not the tree.
        const stack: { id: string; prefix: string }[] = [{ id: start.id, prefix: '' }];
        while (stack.length) {
          const { id, prefix } = stack.pop()!;
          for await (const page of childrenOf(id, signal)) {
            for (const it of page) {
              const rel = prefix + it.name;
              if (it.folder) stack.push({ id: it.id, prefix: `${rel}/` });
              else if (it.file) {
                // Other items (OneNote notebooks, …) have no content to copy.
                const item: SourceItem = {
                  id: it.id,
                  path: rel,
                  size: it.size,
                  modifiedAt: modifiedOf(it),
                  mediaType: mediaTypeOf(it.name),
                  version: `${it.eTag ?? it.cTag}`,
                };
                const quickxor = it.file.hashes?.quickXorHash;
                if (quickxor) item.hashes = { quickxor }; // sha1 is not a hash Ferry compares
                yield item;
              }
            }
          }
        }
      },
      async open(item, o = {}) {
        const offset = o.offset ?? 0;
        if (item.size !== undefined && offset >= item.size && offset > 0) return Readable.from([]);
        return graph.call(
          `downloading ${item.id}`,
          async () => {
            // Graph answers with a redirect to a short-lived, pre-authenticated URL, taken by hand
            // (the client's raw answer): the content is fetched from there through lib's rest,
            // streamed, with the Range, and without the access token, which is not for that host.
            const first = (await graph
              .api(`/me/drive/items/${encodeURIComponent(item.id)}/content`, o.signal)
              .option('redirect', 'manual')
              .responseType(graphSdk().ResponseType.RAW)
              .get()) as Response;
            if (!first.ok && (first.status < 300 || first.status >= 400)) throw await graphErrorOf(first);
            await drain(first);
            const location = first.status >= 300 && first.status < 400 ? first.headers.get('location') : null;
            if (!location) throw new CloudError('failed', `OneDrive gave no download address for ${item.id}.`);
            const range = rangeHeader(offset, o.length);
            const res = await graph.rest.send('GET', new URL(location, graph.base).toString(), {
              headers: range ? { range } : {},
              signal: o.signal,
            });
            // An expired or refused download URL: the next try asks Graph for a fresh one.
            if (!res.ok) {
              const err = await graphErrorOf(res);
              if (err.statusCode === 429 || err.statusCode >= 500) throw err;
              throw graphError(
                502,
                err.code ?? 'error',
                `the download URL was refused (HTTP ${err.statusCode}${err.message ? `, ${err.message}` : ''})`,
              );
            }
            let skip = 0;
            if (offset > 0 && res.status !== 206)
              skip = offset; // the range was ignored: drop what precedes it
            else if (res.status === 206) {
              const from = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN);
              if (from !== offset) {
                await drain(res);
                throw new CloudError('failed', `OneDrive sent bytes from ${from} of ${item.id}, not from ${offset}.`);
              }
            }
            // The body streams from here on, as slowly as the destination takes it.
            const body = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
            return skip ? pipeline(body, skipBytes(skip), () => {}) : body;
          },
          o.signal,
        );
      },
    };

    const destination: Destination = {
      put: (rel, open, o) => uploader.put(rel, open, o),
      async stat(rel, signal) {
        const item = await itemAt(rel, signal);
        return item?.file ? { size: item.size ?? 0 } : null;
      },
      // OneDrive keeps no md5; its quickXorHash comes with the item (file.hashes), on personal and business drives.
      async hashOf(rel, signal) {
        const item = await itemAt(rel, signal);
        const quickxor = item?.file?.hashes?.quickXorHash;
        return quickxor ? { kind: 'quickxor', value: quickxor } : null;
      },
      abandon: (state) => uploader.abandon(state),
      async remove(rel, signal) {
        const path = clean(rel);
        if (!path)
          throw new CloudError('invalid_options', 'The root of OneDrive is a folder; Ferry removes single files only.');
        // DELETE takes a folder with everything in it. So the item is looked at first, and deleted
        // only as it was seen (If-Match its eTag): if something else took its place meanwhile,
        // Graph answers 412 and the path is looked at again. Deleted items go to the recycle bin.
        for (let attempt = 0; attempt < 3; attempt++) {
          const item = await itemAt(path, signal);
          if (!item) return;
          if (!item.file)
            throw new CloudError(
              'invalid_options',
              `${path} is ${item.folder ? 'a folder' : 'not a file'} in OneDrive; Ferry removes single files only.`,
            );
          const removed = await graph.call(
            `removing ${path}`,
            async () => {
              try {
                await graph
                  .api(itemPath(path), signal)
                  .headers(item.eTag ? { 'if-match': item.eTag } : {})
                  .delete();
                return true;
              } catch (err) {
                if (statusOf(err) === 404) return true; // gone meanwhile
                if (statusOf(err) === 412) return false;
                throw err;
              }
            },
            signal,
          );
          if (removed) return;
        }
        throw new CloudError('failed', `${path} kept changing in OneDrive while Ferry was removing it; run again.`);
      },
      async move(from, to, signal) {
        const [src, dst] = [clean(from), clean(to)];
        if (!src || !dst)
          throw new CloudError('invalid_options', 'The root of OneDrive is a folder; Ferry moves single files only.');
        const item = await itemAt(src, signal);
        if (!item) throw new CloudError('not_found', `${src} not found in OneDrive.`);
        if (!item.file)
          throw new CloudError(
            'invalid_options',
            `${src} is ${item.folder ? 'a folder' : 'not a file'} in OneDrive; Ferry moves single files only.`,
          );
        const parentId = await folderFor(dst.split('/').slice(0, -1).join('/'), signal);
        // The item is moved by its id (whatever took its place at `src` meanwhile stays), to the new
        // folder and name at once; conflictBehavior fail: Graph refuses (409) rather than replace.
        const outcome = await graph.call(
          `moving ${src} to ${dst}`,
          async () => {
            try {
              await graph
                .api(`/me/drive/items/${encodeURIComponent(item.id)}?@microsoft.graph.conflictBehavior=fail`, signal)
                .patch({ parentReference: { id: parentId }, name: dst.split('/').at(-1) });
              return 'moved';
            } catch (err) {
              if (statusOf(err) === 409) return 'taken';
              if (statusOf(err) === 404) return 'gone';
              throw err;
            }
          },
          signal,
        );
        if (outcome === 'gone') throw new CloudError('not_found', `${src} was removed from OneDrive meanwhile.`);
        if (outcome === 'taken') {
          // A retried move whose first answer was lost finds the file already there: that is done.
          if ((await itemAt(dst, signal))?.id === item.id) return;
          throw new CloudError('exists', `${dst} is in OneDrive already; Ferry moved nothing onto it.`);
        }
      },
    };

    return {
      features: {},
      source,
      destination,
      async check(signal) {
        const drive = await graph.call(
          'opening the drive',
          () => graph.api('/me/drive?$select=id,driveType,quota', signal).get() as Promise<{ id?: string }>,
          signal,
        );
        if (!drive?.id)
          throw new CloudError(
            'failed',
            'Microsoft Graph answered without a drive: this account may have no OneDrive.',
          );
        await graph.call(
          'listing the root folder',
          () => graph.api('/me/drive/root/children?$top=1&$select=id', signal).get(),
          signal,
        );
      },
      async browse(rel, cursor, signal) {
        const folder = await folderAt(rel, signal);
        const base = clean(rel);
        const entries: Entry[] = [];
        for await (const page of childrenOf(folder.id, signal)) {
          for (const it of page) {
            const path = base ? `${base}/${it.name}` : it.name;
            if (it.folder) entries.push({ name: it.name, path, type: 'folder', modifiedAt: modifiedOf(it) });
            else if (it.file)
              entries.push({ name: it.name, path, type: 'file', size: it.size, modifiedAt: modifiedOf(it) });
          }
        }
        return pageOf(entries, cursor, BROWSE_PAGE);
      },
    };
  },
});
