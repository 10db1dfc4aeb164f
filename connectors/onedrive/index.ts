// Microsoft OneDrive (personal and work or school) through Microsoft Graph v1.0: the signed-in
// user's drive, addressed by path (/root:/a/b.jpg:), listed by id with paged children, read through
// pre-authenticated download URLs, written through resumable upload sessions (upload.ts) and checked
// against OneDrive's quickXorHash.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { mediaTypeOf } from '../media.ts';
import type { OAuthSpec } from '../oauth.ts';
import { pageOf } from '../lib/paging.ts';
import { CloudError, defineConnector, type Destination, type Entry, type Source, type SourceItem } from '../types.ts';
import { createGraph, graphError, toCloudError, GraphError, type Graph } from './graph.ts';
import { createUploader, encodePath } from './upload.ts';
import { rangeHeader } from '../lib/range.ts';

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

interface ChildrenPage {
  value?: DriveItem[];
  '@odata.nextLink'?: string;
}

/** The time a person sees for the file: the one its uploader set (fileSystemInfo), else OneDrive's own. */
const modifiedOf = (it: DriveItem) => it.fileSystemInfo?.lastModifiedDateTime ?? it.lastModifiedDateTime;

export const oauth: OAuthSpec = {
  provider: 'microsoft',
  scopes: ['Files.ReadWrite', 'User.Read', 'offline_access'],
  authorizeParams: {},
  async account(accessToken, env, signal) {
    let res: Response;
    try {
      res = await fetch(`${env.endpoints.graph}/v1.0/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal,
      });
    } catch (err) {
      throw toCloudError(err, 'reading the signed-in account');
    }
    if (!res.ok) throw toCloudError(await graphError(res), 'reading the signed-in account');
    const me = (await res.json()) as { id: string; userPrincipalName?: string; mail?: string; displayName?: string };
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
    const graph: Graph = createGraph(env.endpoints.graph, cloud.tokens, cloud.options.accountId);
    const uploader = createUploader(graph);
    const clean = (rel: string) => rel.split('/').filter(Boolean).join('/');
    const itemUrl = (rel: string) => (clean(rel) ? `${graph.drive}/root:/${encodePath(rel)}:` : `${graph.drive}/root`);

    /** The item at a path, or null when there is none. */
    async function itemAt(rel: string, signal?: AbortSignal): Promise<DriveItem | null> {
      return graph.call(
        `reading ${clean(rel) || 'the root folder'}`,
        async () => {
          const { status, body } = await graph.json<DriveItem>(
            `${itemUrl(rel)}?$select=${ITEM_FIELDS}`,
            { auth: true, ok: [404] },
            signal,
          );
          return status === 404 ? null : body;
        },
        signal,
      );
    }

    async function folderAt(rel: string, signal?: AbortSignal): Promise<DriveItem> {
      const item = await itemAt(rel, signal);
      if (!item?.folder) throw new CloudError('not_found', `Folder ${clean(rel) || '/'} not found in OneDrive.`);
      return item;
    }

    /** Every child of a folder, page by page, following @odata.nextLink as Graph gives it. */
    async function* childrenOf(folderId: string, signal?: AbortSignal): AsyncGenerator<DriveItem[]> {
      let url: string | undefined =
        `${graph.drive}/items/${encodeURIComponent(folderId)}/children?$top=${PAGE}&$select=${ITEM_FIELDS}`;
      while (url) {
        const at: string = url;
        const { body } = await graph.call(
          'listing a folder',
          () => graph.json<ChildrenPage>(at, { auth: true }, signal),
          signal,
        );
        yield body.value ?? [];
        url = body['@odata.nextLink'];
      }
    }

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
            // Graph answers with a redirect to a short-lived, pre-authenticated URL: followed
            // without the access token, which is not for that host.
            const first = await graph.send(
              `${graph.drive}/items/${encodeURIComponent(item.id)}/content`,
              { auth: true, redirect: 'manual' },
              o.signal,
            );
            let res = first.res;
            let release = first.release;
            if (res.status >= 300 && res.status < 400) {
              const location = res.headers.get('location');
              await res.body?.cancel();
              release();
              if (!location) throw new CloudError('failed', `OneDrive gave no download address for ${item.id}.`);
              const range = rangeHeader(offset, o.length);
              const dl = await graph.send(
                new URL(location, res.url || graph.drive).toString(),
                { auth: false, headers: range ? { range } : {} },
                o.signal,
              );
              res = dl.res;
              release = dl.release;
              // An expired or refused download URL: the next try asks Graph for a fresh one.
              if (!res.ok) {
                const err = await graphError(res);
                release();
                if (err.status === 429 || err.status >= 500) throw err;
                throw new GraphError(
                  502,
                  err.code,
                  `the download URL was refused (HTTP ${err.status}${err.detail ? `, ${err.detail}` : ''})`,
                );
              }
            } else if (!res.ok) {
              const err = await graphError(res);
              release();
              throw err;
            }
            release(); // the body streams from here on, as slowly as the destination takes it
            let skip = 0;
            if (offset > 0 && res.status !== 206)
              skip = offset; // the range was ignored: drop what precedes it
            else if (res.status === 206) {
              const from = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN);
              if (from !== offset) {
                await res.body?.cancel();
                throw new CloudError('failed', `OneDrive sent bytes from ${from} of ${item.id}, not from ${offset}.`);
              }
            }
            const body = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
            return skip ? Readable.from(skipBytes(skip)(body)) : body;
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
          const { status } = await graph.call(
            `removing ${path}`,
            () =>
              graph.json(
                itemUrl(path),
                { method: 'DELETE', auth: true, headers: item.eTag ? { 'if-match': item.eTag } : {}, ok: [404, 412] },
                signal,
              ),
            signal,
          );
          if (status !== 412) return; // 204 removed; 404 gone meanwhile
        }
        throw new CloudError('failed', `${path} kept changing in OneDrive while Ferry was removing it; run again.`);
      },
    };

    return {
      features: {},
      source,
      destination,
      async check(signal) {
        const drive = await graph.call(
          'opening the drive',
          () =>
            graph.json<{ id?: string; quota?: { state?: string } }>(
              `${graph.drive}?$select=id,driveType,quota`,
              { auth: true },
              signal,
            ),
          signal,
        );
        if (!drive.body.id)
          throw new CloudError(
            'failed',
            'Microsoft Graph answered without a drive: this account may have no OneDrive.',
          );
        await graph.call(
          'listing the root folder',
          () => graph.json(`${graph.drive}/root/children?$top=1&$select=id`, { auth: true }, signal),
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

/** Drops the first `n` bytes of a stream (a server that ignored the Range asked for). */
function skipBytes(n: number) {
  let left = n;
  return async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      if (left >= chunk.length) {
        left -= chunk.length;
        continue;
      }
      yield left ? chunk.subarray(left) : chunk;
      left = 0;
    }
  };
}
