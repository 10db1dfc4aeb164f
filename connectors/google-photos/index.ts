// Google Photos: a source over what a person picks in Google's Picker (cloud.pickerSessionId), or
// over the albums and items Ferry itself created; and a restore destination (uploads into
// app-created albums). Since 31 March 2025 no API reads a whole library: Takeout does that.
// Requests go through client.ts; the Picker in picker.ts, the Library API in library.ts and
// upload.ts.
import { z } from 'zod';
import { pageOf } from '../lib/paging.ts';
import {
  CloudError,
  type CloudConfig,
  type ConnectorEnv,
  defineAction,
  defineConnector,
  type Destination,
  type Source,
} from '../types.ts';
import { createClient, toCloudError } from './client.ts';
import { Library } from './library.ts';
import { Picker, pickerSession, sessionId } from './picker.ts';
import { Albums, Batcher, Restorer } from './upload.ts';

const options = z.object({
  /** The account's email, shown to the user (set by the service after sign-in). */
  account: z.string().optional(),
  /** The account's stable id (OpenID `sub`): requests for one account share a pacer and a batcher. */
  accountId: z.string().optional(),
});
type Options = z.infer<typeof options>;

const PAGE = 500;

/** The payload of a JWT (here Google's OpenID id_token), without checking its signature. */
export function jwtPayload(jwt: string): Record<string, unknown> | null {
  const part = jwt.split('.')[1];
  if (!part) return null;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function connect(cloud: CloudConfig<Options>, env: ConnectorEnv) {
  if (!cloud.tokens) throw new CloudError('unauthorized', 'This Google Photos cloud has no sign-in: reconnect it.');
  const api = createClient(cloud.tokens, env, cloud.options.accountId);
  return { api, picker: new Picker(api, env.endpoints.googlePicker) };
}

const sessionParams = z.strictObject({ sid: sessionId });

// The user picks what to back up in Google's Picker (the only way an app may read a library since
// 2025); a task whose source names the session then copies the picked items.
const actions = [
  defineAction<Options, undefined, undefined, typeof pickerSession>({
    method: 'POST',
    path: 'picker-sessions',
    summary:
      'Google Photos: start a Picker session; open its pickerUri (with /autoclose) in a new tab for the user to pick',
    response: pickerSession,
    status: 201,
    audit: (session) => ({ action: 'picker.create', details: { sessionId: session.id } }),
    run: ({ cloud, env, signal }) => connect(cloud, env).picker.create(signal),
  }),
  defineAction<Options, typeof sessionParams, undefined, typeof pickerSession>({
    method: 'GET',
    path: 'picker-sessions/:sid',
    summary:
      'Google Photos: whether the user is done picking (poll at pollIntervalSeconds), and how many items were picked',
    params: sessionParams,
    response: pickerSession,
    run: ({ cloud, env, signal }, { params }) => connect(cloud, env).picker.get(params.sid, signal),
  }),
];

export default defineConnector<Options>({
  kind: 'google-photos',
  title: 'Google Photos',
  titles: { en: 'Google Photos', de: 'Google Fotos', fr: 'Google Photos' },
  auth: 'oauth',
  source: true,
  destination: true,
  oauth: {
    provider: 'google',
    scopes: [
      'https://www.googleapis.com/auth/photospicker.mediaitems.readonly',
      'https://www.googleapis.com/auth/photoslibrary.appendonly',
      'https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata',
      'https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata',
      // The Photos APIs have no "who am I": the OpenID id_token of the sign-in names the account.
      'openid',
      'email',
    ],
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    async account(_accessToken, _env, _signal, extra) {
      // The id_token came straight from Google's token endpoint over TLS: its signature need not be
      // checked (OpenID Connect Core §3.1.3.7).
      const claims = extra?.idToken ? jwtPayload(extra.idToken) : null;
      const sub = claims?.sub;
      if (typeof sub !== 'string' || !sub)
        throw new CloudError('failed', 'Google did not say which account signed in.');
      const email = typeof claims?.email === 'string' ? claims.email : undefined;
      return { id: sub, name: email ?? sub };
    },
  },
  options,
  endpoints: {
    googlePhotos: { env: 'FERRY_GOOGLE_PHOTOS_URL', default: 'https://photoslibrary.googleapis.com' },
    googlePicker: { env: 'FERRY_GOOGLE_PICKER_URL', default: 'https://photospicker.googleapis.com' },
  },
  unavailable: () => null,
  actions,
  pickerSession: { id: sessionId },
  open(cloud, env) {
    const { api, picker } = connect(cloud, env);
    const library = new Library(api);
    // Google wants the batchCreate calls of one user made one at a time: one batcher per account in
    // the process, and across processes one batchCreate at a time under the account's shared lock.
    // Albums likewise, so that lanes restoring one folder at once make one album.
    const accountId = cloud.options.accountId;
    const batcher = env.accounts.get('google-photos:batcher', accountId, () => {
      const shared = env.shared;
      return new Batcher(
        shared && accountId ? (fn) => shared.exclusive(`google-photos:batchCreate:${accountId}`, fn) : undefined,
      );
    });
    const albums = env.accounts.get('google-photos:albums', accountId, () => {
      const shared = env.shared;
      return new Albums(
        shared && accountId ? (fn) => shared.exclusive(`google-photos:albums:${accountId}`, fn) : undefined,
      );
    });
    const restorer = new Restorer(api, library, batcher, albums);

    let source: Source;
    if (cloud.pickerSessionId) source = picker.source(cloud.pickerSessionId);
    else {
      source = {
        list: (folder, signal) => library.list(folder, signal),
        open: (item, o) => library.open(item.id, o),
      };
    }

    const destination: Destination = {
      put: (path, open, o) => restorer.put(path, open, o),
      // Photos cannot look a file up by path nor overwrite one: what was restored is the manifest's to know.
      async stat() {
        return null;
      },
    };

    return {
      // 50 items at once fill one batchCreate. A picker session lists what was picked, not the library.
      features: { itemsInParallel: 50, ...(cloud.pickerSessionId ? { partialListing: true } : {}) },
      source,
      destination,
      async check(signal) {
        try {
          await api.json('GET', '/v1/albums', { query: { pageSize: 1 }, signal });
        } catch (err) {
          throw signal?.aborted ? err : toCloudError(err, 'Checking Google Photos');
        }
      },
      async browse(path, cursor, signal) {
        try {
          return pageOf(await library.entries(path, signal), cursor, PAGE);
        } catch (err) {
          throw signal?.aborted ? err : toCloudError(err, `Browsing ${path || 'the albums'} of Google Photos`);
        }
      },
    };
  },
});
