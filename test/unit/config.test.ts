// The providers' variables come from what the registered connectors declare (their API base URLs,
// their OAuth clients): the same names, the same defaults, the same clear errors as the service's own.
import { describe, expect, test } from '@jest/globals';
import { connectors } from '../../connectors/index.ts';
import { createClouds, oauthClientsOf } from '../../services/core/clouds.ts';
import { ConfigError, connectorEnvOf, loadConfig } from '../../services/core/config.ts';
import type { Keyring } from '../../services/core/crypto.ts';
import type { Db } from '../../services/core/db.ts';

describe('configuration the connectors declare', () => {
  test("without variables: the providers' own endpoints, and no OAuth client", () => {
    const c = loadConfig({});
    expect(c.endpoints).toEqual({
      googleDrive: 'https://www.googleapis.com',
      googlePhotos: 'https://photoslibrary.googleapis.com',
      googlePicker: 'https://photospicker.googleapis.com',
      dropboxApi: 'https://api.dropboxapi.com',
      dropboxContent: 'https://content.dropboxapi.com',
      graph: 'https://graph.microsoft.com',
    });
    expect(c.oauth).toEqual({
      google: {
        clientId: undefined,
        clientSecret: undefined,
        authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenUrl: 'https://oauth2.googleapis.com/token',
      },
      dropbox: {
        clientId: undefined,
        clientSecret: undefined,
        authUrl: 'https://www.dropbox.com/oauth2/authorize',
        tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
      },
      microsoft: {
        clientId: undefined,
        clientSecret: undefined,
        authUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
        tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      },
    });
    expect(oauthClientsOf(c)).toEqual({});
  });

  test('every documented variable is read: endpoints without their trailing slash, clients with both halves', () => {
    const c = loadConfig({
      FERRY_GOOGLE_CLIENT_ID: 'g-id',
      FERRY_GOOGLE_CLIENT_SECRET: 'g-secret',
      FERRY_GOOGLE_AUTH_URL: 'http://127.0.0.1:9100/auth',
      FERRY_GOOGLE_TOKEN_URL: 'http://127.0.0.1:9100/token',
      FERRY_GOOGLE_PHOTOS_URL: 'http://127.0.0.1:9100/',
      FERRY_GOOGLE_PICKER_URL: 'http://127.0.0.1:9101',
      FERRY_GOOGLE_DRIVE_URL: 'http://127.0.0.1:9102//',
      FERRY_DROPBOX_CLIENT_ID: 'd-id',
      FERRY_DROPBOX_API_URL: 'http://127.0.0.1:9200',
      FERRY_DROPBOX_CONTENT_URL: 'http://127.0.0.1:9201',
      FERRY_MS_CLIENT_ID: 'm-id',
      FERRY_MS_CLIENT_SECRET: 'm-secret',
      FERRY_GRAPH_URL: 'http://127.0.0.1:9300',
    });
    expect(connectorEnvOf(c).endpoints).toEqual({
      googleDrive: 'http://127.0.0.1:9102',
      googlePhotos: 'http://127.0.0.1:9100',
      googlePicker: 'http://127.0.0.1:9101',
      dropboxApi: 'http://127.0.0.1:9200',
      dropboxContent: 'http://127.0.0.1:9201',
      graph: 'http://127.0.0.1:9300',
    });
    const clients = oauthClientsOf(c);
    // Dropbox has no secret: no client
    expect(Object.keys(clients).sort()).toEqual(['google', 'microsoft']);
    expect(clients.google).toEqual({
      clientId: 'g-id',
      clientSecret: 'g-secret',
      authUrl: 'http://127.0.0.1:9100/auth',
      tokenUrl: 'http://127.0.0.1:9100/token',
    });
  });

  test("a bad value is named with its variable, the connectors' beside the service's own", () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', FERRY_DROPBOX_API_URL: 'not a url', FERRY_GRAPH_URL: 'ftp://graph' }),
    ).toThrowSatisfying((err: ConfigError) => {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/^Invalid configuration:\n/);
      for (const name of ['PORT', 'FERRY_DROPBOX_API_URL', 'FERRY_GRAPH_URL'])
        expect(err.message).toMatch(new RegExp(`\\n {2}${name}: `));
      return true;
    });
  });

  test('a sign-in cloud without its OAuth client says which variables the operator sets', () => {
    const c = loadConfig({});
    const clouds = createClouds({} as Db, {} as Keyring, connectorEnvOf(c), {
      clients: oauthClientsOf(c),
      onRevoked: async () => {},
    });
    const said = Object.fromEntries(
      [...connectors.values()].filter((d) => d.oauth).map((d) => [d.kind, clouds.unavailable(d)]),
    );
    expect(said['google-drive']!).toMatch(/FERRY_GOOGLE_CLIENT_ID and FERRY_GOOGLE_CLIENT_SECRET/);
    expect(said['google-photos']!).toMatch(/FERRY_GOOGLE_CLIENT_ID and FERRY_GOOGLE_CLIENT_SECRET/);
    expect(said.dropbox!).toMatch(/FERRY_DROPBOX_CLIENT_ID and FERRY_DROPBOX_CLIENT_SECRET/);
    expect(said.onedrive!).toMatch(/FERRY_MS_CLIENT_ID and FERRY_MS_CLIENT_SECRET/);
  });
});

describe("the operator's variables", () => {
  test('defaults: 30 s to shut down, no metrics token or port, no administrators', () => {
    const c = loadConfig({});
    expect([c.shutdownSeconds, c.metricsToken, c.metricsPort, c.admins]).toEqual([30, undefined, undefined, []]);
  });

  test('read as given; administrators by lower-cased address', () => {
    const c = loadConfig({
      FERRY_SHUTDOWN_SECONDS: '90',
      FERRY_METRICS_TOKEN: 'a-long-enough-token',
      FERRY_METRICS_PORT: '9464',
      FERRY_ADMINS: ' Ops@Example.org, root@example.org ,',
    });
    expect([c.shutdownSeconds, c.metricsToken, c.metricsPort, c.admins]).toEqual([
      90,
      'a-long-enough-token',
      9464,
      ['ops@example.org', 'root@example.org'],
    ]);
  });

  test.each([
    ['FERRY_SHUTDOWN_SECONDS', '0'],
    ['FERRY_METRICS_TOKEN', 'short'],
    ['FERRY_METRICS_PORT', '70000'],
    ['FERRY_ADMINS', 'ops@example.org,nobody'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\n {2}${name}: `));
  });
});
