/**
 * Which IP addresses the fetch proxy may connect to when a declared origin's *name* resolves to
 * them. A plugin's author controls the DNS of the names it declares, so a name may not lead the
 * host to its own loopback, the LAN, link-local services or the cloud's metadata endpoint.
 * IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that
 * IPv4 address.
 *
 * @module
 */
import { isIP } from 'node:net';

/** Why an address is refused. */
export type AddressKind =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cloud metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** An address the policy refuses, and why. */
export interface AddressRefusal {
  kind: AddressKind;
  /** The range it lies in, for the error message (`127.0.0.0/8`). */
  range: string;
}

type Range4 = readonly [base: number, bits: number, kind: AddressKind, range: string];

const v4 = (text: string): number => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const r4 = (cidr: string, kind: AddressKind): Range4 => {
  const [base, bits] = cidr.split('/');
  return [v4(base), Number(bits ?? 32), kind, cidr];
};

/** Checked in order: the metadata hosts first, since they lie inside link-local and CGNAT space. */
const V4_RANGES: readonly Range4[] = [
  r4('169.254.169.254/32', 'cloud metadata'), // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean
  r4('169.254.170.2/32', 'cloud metadata'), // AWS ECS task credentials
  r4('100.100.100.200/32', 'cloud metadata'), // Alibaba Cloud
  r4('0.0.0.0/8', 'unspecified'),
  r4('10.0.0.0/8', 'private'),
  r4('100.64.0.0/10', 'private'), // carrier-grade NAT (RFC 6598)
  r4('127.0.0.0/8', 'loopback'),
  r4('169.254.0.0/16', 'link-local'),
  r4('172.16.0.0/12', 'private'),
  r4('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  r4('192.0.2.0/24', 'reserved'), // documentation
  r4('192.168.0.0/16', 'private'),
  r4('198.18.0.0/15', 'reserved'), // benchmarking
  r4('198.51.100.0/24', 'reserved'),
  r4('203.0.113.0/24', 'reserved'),
  r4('224.0.0.0/4', 'multicast'),
  r4('255.255.255.255/32', 'broadcast'),
  r4('240.0.0.0/4', 'reserved'),
];

/** The refusal for an IPv4 address given as a 32-bit number, or `undefined` when it is public. */
function classify4(address: number): AddressRefusal | undefined {
  for (const [base, bits, kind, range] of V4_RANGES) {
    // Division instead of shifts: JavaScript's bit operators are signed 32-bit.
    const size = 2 ** (32 - bits);
    if (Math.floor(address / size) === Math.floor(base / size)) return { kind, range };
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (already known to be valid). */
function groups6(text: string): number[] {
  let address = text.toLowerCase();
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  // A trailing dotted IPv4 part is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const n = v4(dotted[1]);
    address = `${address.slice(0, dotted.index)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

const embedded4 = (g: number[], at: number): number => g[at] * 65536 + g[at + 1];

/** The refusal for an IPv6 address, or `undefined` when it is public. */
function classify6(g: number[]): AddressRefusal | undefined {
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0);
  if (zeroUpTo(8)) return { kind: 'unspecified', range: '::/128' };
  if (zeroUpTo(7) && g[7] === 1) return { kind: 'loopback', range: '::1/128' };
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) return classify4(embedded4(g, 6));
  // NAT64 (64:ff9b::a.b.c.d) reaches the IPv4 address through the gateway; 64:ff9b:1::/48 is local.
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    if (g.slice(2, 6).every((group) => group === 0)) return classify4(embedded4(g, 6));
    if (g[2] === 1) return { kind: 'private', range: '64:ff9b:1::/48' };
  }
  // 6to4 (2002:aabb:ccdd::) carries the IPv4 address of its relay end.
  if (g[0] === 0x2002) return classify4(embedded4(g, 1));
  if (g[0] === 0x2001 && g[1] === 0) return { kind: 'reserved', range: '2001::/32' }; // Teredo tunnels
  if (g[0] === 0x2001 && g[1] === 0xdb8) return { kind: 'reserved', range: '2001:db8::/32' }; // documentation
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return { kind: 'reserved', range: '100::/64' }; // discard
  if (g[0] === 0xfd00 && g[1] === 0xec2 && g.slice(2, 7).every((group) => group === 0) && g[7] === 0x254) {
    return { kind: 'cloud metadata', range: 'fd00:ec2::254/128' }; // AWS IMDS over IPv6
  }
  if ((g[0] & 0xfe00) === 0xfc00) return { kind: 'private', range: 'fc00::/7' }; // unique local
  if ((g[0] & 0xffc0) === 0xfe80) return { kind: 'link-local', range: 'fe80::/10' };
  if ((g[0] & 0xffc0) === 0xfec0) return { kind: 'private', range: 'fec0::/10' }; // site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return { kind: 'multicast', range: 'ff00::/8' };
  return undefined;
}

/**
 * Why the fetch proxy may not connect to `address` for a name, or `undefined` when it is a public
 * address. Text that is not an IP address is refused as `reserved` (nothing to connect to).
 *
 * @example
 * ```ts
 * refusalOf('169.254.169.254'); // { kind: 'cloud metadata', range: '169.254.169.254/32' }
 * refusalOf('::ffff:127.0.0.1'); // { kind: 'loopback', range: '127.0.0.0/8' }
 * refusalOf('93.184.215.14');   // undefined
 * ```
 */
export function refusalOf(address: string): AddressRefusal | undefined {
  const family = isIP(address);
  if (family === 4) return classify4(v4(address));
  if (family === 6) return classify6(groups6(address));
  return { kind: 'reserved', range: 'not an IP address' };
}

/**
 * Whether `address` is a cloud metadata endpoint, in any of its IPv4 or IPv6 spellings: refused
 * even when a manifest declares it literally, since no model API is served there.
 *
 * @example
 * ```ts
 * isMetadataAddress('[::ffff:169.254.169.254]'.slice(1, -1)); // true
 * ```
 */
export function isMetadataAddress(address: string): boolean {
  return refusalOf(address)?.kind === 'cloud metadata';
}
