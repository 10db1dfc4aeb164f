// Which addresses user-supplied endpoints (S3-compatible URLs, webhook URLs) may reach: only
// globally routable ones, whatever form an address is written in.
import dns from 'node:dns';
import { describe, expect, test } from '@jest/globals';
import { AccountRegistry } from '../../connectors/lib/registry.ts';
import s3 from '../../connectors/s3/index.ts';
import { CloudError, type ConnectorEnv } from '../../connectors/types.ts';
import {
  assertPublicHost,
  isPrivateAddress,
  PrivateEndpointError,
  publicOnlyLookup,
} from '../../connectors/lib/net-guard.ts';

// One address in each IPv4 range that is not globally reachable (IANA special-purpose registry).
const blockedV4 = [
  '0.0.0.0', // "this network"
  '0.1.2.3',
  '10.1.2.3', // private
  '100.64.0.1', // shared address space (carrier-grade NAT)
  '100.127.255.254',
  '127.0.0.1', // loopback
  '127.255.255.254',
  '169.254.169.254', // link-local, cloud metadata services
  '172.16.0.1', // private
  '172.31.255.254',
  '192.0.0.8', // IETF protocol assignments
  '192.0.2.1', // documentation
  '192.88.99.1', // 6to4 relay anycast (deprecated)
  '192.168.1.1', // private
  '198.18.0.1', // benchmarking
  '198.19.255.254',
  '198.51.100.7', // documentation
  '203.0.113.9', // documentation
  '224.0.0.1', // multicast
  '239.255.255.250',
  '240.0.0.1', // reserved
  '255.255.255.255', // broadcast
];

const blockedV6 = [
  '::', // unspecified
  '::1', // loopback
  '::127.0.0.1', // IPv4-compatible (deprecated), from the issue
  '::a9fe:a9fe', // the same, 169.254.169.254, from the issue
  '::8.8.8.8', // IPv4-compatible addresses are never reachable, whatever they embed
  '::ffff:0:7f00:1', // IPv4-translated, from the issue
  '::ffff:0:8.8.8.8',
  '64:ff9b:1::8.8.8.8', // local-use NAT64
  '100::1', // discard-only
  '2001::1', // Teredo
  '2001:2::1', // benchmarking
  '2001:10::1', // ORCHID
  '2001:db8::1', // documentation
  '3fff::1', // documentation
  '5f00::1', // SRv6 SIDs
  'fc00::1', // unique local
  'fd12:3456::1',
  'fe80::1', // link-local
  'fe80::1%lo',
  'fec0::1', // site-local (deprecated), from the issue
  'ff02::1', // multicast
  '4000::1', // not allocated (outside 2000::/3)
];

// Each blocked IPv4 address written inside IPv6: mapped, NAT64 and 6to4.
function embeddedForms(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number);
  const hi = ((a << 8) | b).toString(16);
  const lo = ((c << 8) | d).toString(16);
  return [
    `::ffff:${v4}`,
    `::ffff:${hi}:${lo}`,
    `64:ff9b::${v4}`,
    `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::`,
    `2002:${hi}:${lo}::1`,
  ];
}

const blocked = [...blockedV4, ...blockedV4.flatMap(embeddedForms), ...blockedV6];

const allowed = [
  '8.8.8.8',
  '52.216.0.1',
  '172.32.0.1',
  '100.128.0.1',
  '192.0.1.1',
  '198.20.0.1',
  '223.255.255.254',
  '::ffff:8.8.8.8', // IPv4-mapped: a plain IPv4 connection
  '64:ff9b::8.8.8.8', // NAT64 (DNS64 on an IPv6-only server)
  '2002:808:808::1', // 6to4 behind a public router
  '2606:4700::1111',
  '2a00:1450:4001::200e',
  '2001:4860:4860::8888', // global, just above 2001::/23
];

// URL host of an address: IPv6 in brackets, zone ids cannot appear in URLs.
const hostOf = (a: string) => (a.includes(':') ? `[${a}]` : a);
const inUrls = blocked.filter((a) => !a.includes('%'));

const env: ConnectorEnv = {
  localRoots: [],
  allowPrivateEndpoints: false,
  endpoints: { googleDrive: '', googlePhotos: '', googlePicker: '', dropboxApi: '', dropboxContent: '', graph: '' },
  accounts: new AccountRegistry(),
};

function s3Options(endpoint: string) {
  return s3.options.parse({
    endpoint,
    region: 'us-east-1',
    bucket: 'backups',
    accessKeyId: 'AKIA',
    secretAccessKey: 'secret',
  });
}

describe('isPrivateAddress', () => {
  for (const a of blocked) {
    test(`blocked: ${a}`, () => expect(isPrivateAddress(a)).toBe(true));
  }
  for (const a of allowed) {
    test(`allowed: ${a}`, () => expect(isPrivateAddress(a)).toBe(false));
  }
  test('anything that is not an address is blocked', () => {
    for (const a of ['', 'localhost', '1.2.3', '::ffff:1.2.3.4.5', 'gggg::1']) expect(isPrivateAddress(a)).toBe(true);
  });
});

describe('S3 endpoints', () => {
  test(
    'every blocked address, in every form, is refused as an endpoint ' +
      'with a message that names only what the user typed',
    async () => {
      for (const a of inUrls) {
        const endpoint = `http://${hostOf(a)}:9000`;
        await expect(s3.prepare!(s3Options(endpoint), env)).rejects.toSatisfy((err: CloudError) => {
          expect(err).toBeInstanceOf(CloudError);
          expect(err.reason).toBe('invalid_options');
          expect(err.message).toMatch(/private/);
          return true;
        });
      }
    },
  );

  test('public addresses are accepted as endpoints', async () => {
    for (const a of allowed) {
      const endpoint = `https://${hostOf(a)}`;
      const prepared = await s3.prepare!(s3Options(endpoint), env);
      expect(prepared.endpoint).toBe(endpoint);
    }
  });

  test('with FERRY_ALLOW_PRIVATE_ENDPOINTS, private endpoints are accepted', async () => {
    const prepared = await s3.prepare!(s3Options('http://127.0.0.1:9000'), { ...env, allowPrivateEndpoints: true });
    expect(prepared.endpoint).toBe('http://127.0.0.1:9000');
  });
});

describe('webhook URLs', () => {
  // The task routes and the delivery check a webhook URL's host with assertPublicHost.
  test('every blocked address, in every form, is refused as a webhook host', async () => {
    for (const a of inUrls) {
      const host = new URL(`https://${hostOf(a)}/hook`).hostname;
      await expect(assertPublicHost(host)).rejects.toThrow(PrivateEndpointError);
    }
  });

  test('public addresses are accepted as webhook hosts', async () => {
    for (const a of allowed) await assertPublicHost(new URL(`https://${hostOf(a)}/hook`).hostname);
  });
});

describe('what the errors say', () => {
  test('a name that resolves to a private address is refused without saying what it resolves to', async () => {
    const resolved = (await dns.promises.lookup('localhost', { all: true })).map((r) => r.address);
    const err = await assertPublicHost('localhost').then(
      () => {
        throw new Error('localhost was accepted');
      },
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(PrivateEndpointError);
    expect(err.message).toBe(
      'localhost resolves to a private address; ' +
        'this server does not allow such endpoints (FERRY_ALLOW_PRIVATE_ENDPOINTS).',
    );
    for (const address of resolved) expect(err.message).not.toContain(address);
  });

  test('at connection time too', async () => {
    const err = await new Promise<Error | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(err).toBeInstanceOf(PrivateEndpointError);
    expect(err!.message).toBe(
      'localhost resolves to a private address; ' +
        'this server does not allow such endpoints (FERRY_ALLOW_PRIVATE_ENDPOINTS).',
    );
  });

  test('a name that does not resolve says so, and nothing more', async () => {
    const err = await assertPublicHost('no-such-host.invalid').then(
      () => {
        throw new Error('accepted');
      },
      (e: Error) => e,
    );
    expect(err.message).toBe('no-such-host.invalid could not be resolved.');
  });

  test('a literal address is named as the user wrote it', async () => {
    await expect(assertPublicHost('[::ffff:7f00:1]')).rejects.toMatchObject({
      message:
        '[::ffff:7f00:1] is a private address; ' +
        'this server does not allow such endpoints (FERRY_ALLOW_PRIVATE_ENDPOINTS).',
    });
  });
});
