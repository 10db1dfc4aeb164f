// User-supplied endpoints (S3-compatible URLs, webhooks) must not reach into the operator's
// network: only globally routable addresses are allowed unless the operator allows private ones
// (FERRY_ALLOW_PRIVATE_ENDPOINTS). The check runs at connection time too, through a lookup hook, so
// a name that resolves differently later (DNS rebinding) is still caught.
//
// IPv6 is an allow-list (global unicast, 2000::/3, minus its special ranges): anything new or odd is
// refused. IPv6 forms that carry an IPv4 address to connect to (mapped, NAT64, 6to4) are judged by
// that IPv4 address. Errors never say what a name resolves to: that would map the internal network.
import dns from 'node:dns';
import net from 'node:net';

function subnets(list: readonly (readonly [string, number])[], type: 'ipv4' | 'ipv6'): net.BlockList {
  const b = new net.BlockList();
  for (const [prefix, bits] of list) b.addSubnet(prefix, bits, type);
  return b;
}

// IPv4 ranges that are not globally reachable (IANA special-purpose address registry).
const blockedV4 = subnets(
  [
    ['0.0.0.0', 8], // this network
    ['10.0.0.0', 8], // private
    ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local, cloud metadata services
    ['172.16.0.0', 12], // private
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation
    ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
    ['192.168.0.0', 16], // private
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation
    ['203.0.113.0', 24], // documentation
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, and the broadcast address
  ],
  'ipv4',
);

const globalV6 = subnets([['2000::', 3]], 'ipv6');
// Special ranges inside 2000::/3 that are not globally reachable.
const blockedV6 = subnets(
  [
    ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID…
    ['2001:db8::', 32], // documentation
    ['3fff::', 20], // documentation
    ['5f00::', 16], // SRv6 segment identifiers
  ],
  'ipv6',
);

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function groups(address: string): number[] | undefined {
  let s = address.replace(/%.*$/, ''); // zone id
  if (!net.isIPv6(s)) return undefined;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[2].split('.').map(Number);
    s = `${v4[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const part = (p: string | undefined) => (p ? p.split(':').map((h) => parseInt(h, 16)) : []);
  const front = part(head);
  const back = part(tail);
  const middle = tail === undefined ? [] : Array<number>(8 - front.length - back.length).fill(0);
  const all = [...front, ...middle, ...back];
  return all.length === 8 ? all : undefined;
}

const dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** The IPv4 address an IPv6 address stands for when connecting to it, if any. */
function embeddedV4(g: number[]): string | undefined {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return dotted(g[6], g[7]); // ::ffff:0:0/96, IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return dotted(g[6], g[7]); // 64:ff9b::/96, NAT64
  if (g[0] === 0x2002) return dotted(g[1], g[2]); // 2002::/16, 6to4
  return undefined;
}

/** True unless `address` is a globally routable IP address. */
export function isPrivateAddress(address: string): boolean {
  if (net.isIPv4(address)) return blockedV4.check(address, 'ipv4');
  const g = groups(address);
  if (!g) return true;
  const v4 = embeddedV4(g);
  if (v4) return isPrivateAddress(v4);
  const full = g.map((x) => x.toString(16)).join(':');
  return !globalV6.check(full, 'ipv6') || blockedV6.check(full, 'ipv6');
}

export class PrivateEndpointError extends Error {}

const refusal = (host: string, verb: string) =>
  new PrivateEndpointError(
    `${host} ${verb} a private address; this server does not allow such endpoints (FERRY_ALLOW_PRIVATE_ENDPOINTS).`,
  );

/**
 * Resolves a host name and throws PrivateEndpointError if any of its addresses is private, or an
 * Error saying it could not be resolved.
 */
export async function assertPublicHost(host: string): Promise<void> {
  const name = host.replace(/^\[|\]$/g, '');
  if (net.isIP(name)) {
    if (isPrivateAddress(name)) throw refusal(host, 'is');
    return;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(name, { all: true });
  } catch (err) {
    throw new Error(`${host} could not be resolved.`, { cause: err });
  }
  if (addresses.some((a) => isPrivateAddress(a.address))) throw refusal(host, 'resolves to');
}

/** A dns.lookup replacement for http agents that refuses private addresses. */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as (e: Error | null) => void)(err);
    const list = addresses as dns.LookupAddress[];
    if (list.some((a) => isPrivateAddress(a.address)))
      return (callback as (e: Error | null) => void)(refusal(hostname, 'resolves to'));
    if ((options as dns.LookupOptions).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    (callback as (e: null, a: string, f: number) => void)(null, list[0].address, list[0].family);
  });
};
