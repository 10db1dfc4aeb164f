// Google Drive (Drive API v3), as a source (the whole drive, or a folder of it) and as a
// destination (files written into folders by path). API calls go through googleapis' client
// (client.ts); uploads use our own resumable sessions (upload.ts: the library has none); paths are
// resolved name by name (paths.ts).
import { Readable } from 'node:stream';
import { z } from 'zod';
import { mediaTypeOf } from '../media.ts';
import { pageOf } from '../lib/paging.ts';
import {
  CloudError,
  defineConnector,
  type ConnectorEnv,
  type Destination,
  type Entry,
  type Source,
  type SourceItem,
} from '../types.ts';
import { createClient, DriveApiError, signInClient, toCloudError } from './client.ts';
import { childrenQuery, hasBytes, isFolder, listQuery, Paths, segments, type DriveFile } from './paths.ts';
import { Uploader } from './upload.ts';

const options = z.object({
  /** The account's email, shown to the user (set by the service after sign-in). */
  account: z.string().optional(),
  /** The account's stable id (Drive's permissionId): requests for one account share a pacer. */
  accountId: z.string().optional(),
});
type Options = z.infer<typeof options>;

const PAGE = 500;

interface About {
  user?: { permissionId?: string; emailAddress?: string; displayName?: string };
}

/** A name as one segment of a Ferry path: Drive allows '/' in names. */
const segment = (name: string) => name.replace(/\//g, '_');

export default defineConnector<Options>({
  kind: 'google-drive',
  title: 'Google Drive',
  auth: 'oauth',
  source: true,
  destination: true,
  oauth: {
    provider: 'google',
    // Full access: Ferry reads whole drives as a source and writes into existing folders.
    scopes: ['https://www.googleapis.com/auth/drive'],
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    async account(accessToken: string, env: ConnectorEnv, signal?: AbortSignal) {
      let about: About;
      try {
        about = await signInClient(env.endpoints.googleDrive, accessToken).call<About>(
          (api, o) => api.about.get({ fields: 'user' }, o),
          signal,
        );
      } catch (err) {
        throw toCloudError(err, 'Reading the Google account');
      }
      if (!about.user?.permissionId)
        throw new CloudError('failed', 'Google Drive did not say which account signed in.');
      return {
        id: about.user.permissionId,
        name: about.user.emailAddress ?? about.user.displayName ?? about.user.permissionId,
      };
    },
  },
  options,
  endpoints: { googleDrive: { env: 'FERRY_GOOGLE_DRIVE_URL', default: 'https://www.googleapis.com' } },
  unavailable: () => null,
  open(cloud, env) {
    if (!cloud.tokens) throw new CloudError('unauthorized', 'This Google Drive cloud has no sign-in: reconnect it.');
    const client = createClient(env, cloud.tokens, cloud.options.accountId);
    const paths = new Paths(client);
    const uploader = new Uploader(client, paths);
    const call = async <T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        throw signal?.aborted ? err : toCloudError(err, what);
      }
    };
    const folderId = async (rel: string, signal?: AbortSignal) => {
      const id = await paths.folder(rel, false, signal);
      if (!id) throw new CloudError('not_found', `Folder ${segments(rel).join('/') || '/'} not found in Google Drive.`);
      return id;
    };

    const source: Source = {
      async *list(folder, signal) {
        const what = `Listing ${folder || 'the root'} of Google Drive`;
        // Breadth-first, one files.list query per folder, items yielded as their page arrives.
        const queue = [{ id: await call(what, () => folderId(folder, signal), signal), prefix: '' }];
        while (queue.length) {
          const dir = queue.shift()!;
          const pages = listQuery(client, childrenQuery(dir.id), signal);
          for (;;) {
            let next: IteratorResult<DriveFile[]>;
            try {
              next = await call(what, () => pages.next(), signal);
            } catch (err) {
              // A subfolder deleted while the listing runs has nothing left to list.
              if (dir.prefix && err instanceof CloudError && err.reason === 'not_found') break;
              throw err;
            }
            if (next.done) break;
            for (const f of next.value) {
              const path = dir.prefix + segment(f.name);
              if (isFolder(f)) queue.push({ id: f.id, prefix: `${path}/` });
              if (!hasBytes(f)) continue; // folders, Google Docs, shortcuts: nothing to copy
              const item: SourceItem = {
                id: f.id,
                path,
                size: f.size !== undefined ? Number(f.size) : undefined,
                modifiedAt: f.modifiedTime,
                mediaType: mediaTypeOf(f.name),
                version: `${f.md5Checksum ?? ''}:${f.size}:${f.modifiedTime}`,
                hashes: {
                  ...(f.md5Checksum ? { md5: f.md5Checksum } : {}),
                  ...(f.sha256Checksum ? { sha256: f.sha256Checksum } : {}),
                },
              };
              yield item;
            }
          }
        }
      },
      async open(item, o = {}) {
        // From the end: nothing to read (Drive answers a Range there with 416).
        if (item.size !== undefined && (o.offset ?? 0) >= item.size && (o.offset ?? 0) > 0) return Readable.from([]);
        return call(
          `Reading file ${item.id} from Google Drive`,
          () => client.download(item.id, o.offset ?? 0, o.signal, o.length),
          o.signal,
        );
      },
    };

    const destination: Destination = {
      put: (rel, open, o) => uploader.put(rel, open, o),
      async stat(rel, signal) {
        const found = await call(`Looking up ${rel} in Google Drive`, () => paths.file(rel, signal), signal);
        return found?.file ? { size: Number(found.file.size ?? 0) } : null;
      },
      // Drive keeps md5Checksum (and sha256Checksum) of every file with content in its metadata.
      async hashOf(rel, signal) {
        const found = await call(`Looking up ${rel} in Google Drive`, () => paths.file(rel, signal), signal);
        const file = found?.file;
        if (file?.md5Checksum) return { kind: 'md5', value: file.md5Checksum };
        if (file?.sha256Checksum) return { kind: 'sha256', value: file.sha256Checksum };
        return null;
      },
      abandon: (state) => uploader.abandon(state),
      async remove(rel, signal) {
        const name = segments(rel).at(-1);
        if (!name)
          throw new CloudError(
            'invalid_options',
            'The root of Google Drive is a folder; Ferry removes single files only.',
          );
        await call(
          `Removing ${rel} from Google Drive`,
          async () => {
            // The file is found as every lookup finds it (the oldest of its name, never a folder).
            const found = await paths.file(rel, signal);
            if (!found) return; // its folder does not exist
            if (!found.file) {
              if (await paths.child(found.parentId, name, 'folder', signal)) {
                throw new CloudError(
                  'invalid_options',
                  `${segments(rel).join('/')} is a folder in Google Drive; Ferry removes single files only.`,
                );
              }
              return;
            }
            // To the trash, not deleted: Drive keeps it there for 30 days, so a removal can be undone.
            try {
              const fileId = found.file.id;
              await client.call(
                (api, o) => api.files.update({ fileId, fields: 'id,trashed', requestBody: { trashed: true } }, o),
                signal,
              );
            } catch (err) {
              if (err instanceof DriveApiError && err.status === 404) return; // gone meanwhile
              throw err;
            }
          },
          signal,
        );
      },
      async move(from, to, signal) {
        const name = segments(to).at(-1);
        if (!segments(from).length || !name)
          throw new CloudError(
            'invalid_options',
            'The root of Google Drive is a folder; Ferry moves single files only.',
          );
        const what = `Moving ${from} to ${to} in Google Drive`;
        // The real id of a folder ('root' is only an alias, which Drive's parent lists do not hold).
        const real = (id: string) => (id === 'root' ? paths.rootId(signal) : id);
        const attempt = async () => {
          // The file is found as every lookup finds it (the oldest of its name, never a folder).
          const found = await paths.file(from, signal);
          if (!found?.file) throw new CloudError('not_found', `${segments(from).join('/')} not found in Google Drive.`);
          const file = found.file;
          const parentId = await real((await paths.folder(segments(to).slice(0, -1).join('/'), true, signal))!);
          // Drive keeps any number of files of one name in a folder, so it never refuses a move
          // itself: the target folder is asked first, and a file there is never joined by another.
          const there = await paths.child(parentId, name, 'file', signal);
          if (there?.id === file.id) return; // already there (a retry whose first answer was lost)
          if (there)
            throw new CloudError(
              'exists',
              `${segments(to).join('/')} is on Google Drive already; Ferry moved nothing onto it.`,
            );
          const oldParentId = await real(found.parentId);
          const moving = parentId !== oldParentId;
          // One request: the new folder added and the old one removed, with the new name; the id stays.
          await client.call(
            (api, o) =>
              api.files.update(
                {
                  fileId: file.id,
                  fields: 'id',
                  ...(moving ? { addParents: parentId, removeParents: oldParentId } : {}),
                  requestBody: { name },
                },
                o,
              ),
            signal,
          );
        };
        await call(
          what,
          async () => {
            try {
              await attempt();
            } catch (err) {
              // A cached folder was deleted or trashed meanwhile: resolve the paths again, once.
              if (!(err instanceof DriveApiError) || err.status !== 404) throw err;
              paths.forget();
              await attempt();
            }
          },
          signal,
        );
      },
    };

    return {
      features: {},
      source,
      destination,
      async check(signal) {
        await call(
          'Checking Google Drive',
          async () => {
            const about = await client.call<About>(
              (api, o) => api.about.get({ fields: 'user(permissionId,emailAddress)' }, o),
              signal,
            );
            if (!about.user?.permissionId)
              throw new CloudError('failed', 'Google Drive did not say which account this is.');
            await client.call(
              (api, o) => api.files.list({ q: childrenQuery('root'), fields: 'files(id)', pageSize: 1 }, o),
              signal,
            );
          },
          signal,
        );
      },
      async browse(rel, cursor, signal) {
        const what = `Browsing ${rel || 'the root'} of Google Drive`;
        const clean = segments(rel).join('/');
        const entries: Entry[] = [];
        await call(
          what,
          async () => {
            const id = await folderId(clean, signal);
            // Drive's own order is not Ferry's (folders first, then by name): the folder is read whole.
            for await (const page of listQuery(client, childrenQuery(id), signal)) {
              for (const f of page) {
                const name = segment(f.name);
                const path = clean ? `${clean}/${name}` : name;
                if (isFolder(f)) entries.push({ name, path, type: 'folder', modifiedAt: f.modifiedTime });
                else if (hasBytes(f))
                  entries.push({ name, path, type: 'file', size: Number(f.size ?? 0), modifiedAt: f.modifiedTime });
              }
            }
          },
          signal,
        );
        return pageOf(entries, cursor, PAGE);
      },
    };
  },
});
