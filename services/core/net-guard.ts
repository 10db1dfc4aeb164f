// User-supplied endpoints (S3-compatible URLs, later webhooks) must not reach into the operator's
// network: loopback, private, link-local and similar ranges are refused unless the operator allows
// them (FERRY_ALLOW_PRIVATE_ENDPOINTS). The check runs at connection time too, through a lookup
// hook, so a name that resolves differently later (DNS rebinding) is still caught.
import dns from 'node:dns';
import net from 'node:net';

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class PrivateEndpointError extends Error {}

/** Resolves a host name and throws PrivateEndpointError if any of its addresses is private. */
export async function assertPublicHost(host: string): Promise<void> {
  const name = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(name) ? [name] : (await dns.promises.lookup(name, { all: true })).map((a) => a.address);
  const bad = addresses.find(isPrivateAddress);
  if (bad) {
    throw new PrivateEndpointError(
      `${host} resolves to ${bad}, a private or loopback address; this server does not allow such endpoints (FERRY_ALLOW_PRIVATE_ENDPOINTS).`,
    );
  }
}

/** A dns.lookup replacement for http agents that refuses private addresses. */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as (e: Error | null) => void)(err);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      return (callback as (e: Error | null) => void)(new PrivateEndpointError(`${hostname} resolves to private address ${bad.address}`));
    }
    if ((options as dns.LookupOptions).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    (callback as (e: null, a: string, f: number) => void)(null, list[0].address, list[0].family);
  });
};
