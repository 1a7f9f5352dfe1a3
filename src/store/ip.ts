/**
 * IP addresses as 128-bit numbers, for the `<col>_num` twins of IP columns and CIDR range filters.
 * One number space for both families: IPv4 a.b.c.d is stored as the IPv4-mapped IPv6 address
 * ::ffff:a.b.c.d, so `10.0.0.0/8` and `::ffff:10.0.0.0/104` are the same range and an IPv4 address
 * written either way compares equal. Pure functions; junk gives `undefined`, never an exception.
 */

/** ::ffff:0.0.0.0, the start of the IPv4-mapped block. */
export const IPV4_MAPPED_BASE = 0xffffn << 32n;

const MAX_128 = (1n << 128n) - 1n;

/** a.b.c.d → 32-bit number. Octets are decimal (leading zeros allowed, as some devices pad them). */
export function ipv4ToNumber(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

/** The 16-bit groups of one side of an IPv6 address (`a:b:c`); the last may be an embedded IPv4. */
function ipv6Groups(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = ipv4ToNumber(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function ipv6ToBigInt(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = ipv6Groups(halves[0]!, false);
    const tail = ipv6Groups(halves[1]!, true);
    if (!head || !tail) return undefined;
    // `::` stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = ipv6Groups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

/**
 * An IP address as a 128-bit number: IPv4 as ::ffff:a.b.c.d, IPv6 in full, compressed or
 * IPv4-embedded form. A zone id (`fe80::1%eth0`) is dropped; surrounding whitespace is ignored.
 */
export function ipToBigInt(text: string): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  let s = text.trim();
  if (s.length === 0 || s.length > 100) return undefined;
  if (s.includes(':')) {
    const zone = s.indexOf('%');
    if (zone >= 0) s = s.slice(0, zone);
    return ipv6ToBigInt(s);
  }
  const v4 = ipv4ToNumber(s);
  return v4 === undefined ? undefined : IPV4_MAPPED_BASE + BigInt(v4);
}

/**
 * The inclusive numeric range of a CIDR block, in the same number space as ipToBigInt:
 * `10.0.0.0/8` (prefix 0–32) or `2001:db8::/32` (prefix 0–128). Host bits that are set are ignored
 * (`10.1.2.3/8` is `10.0.0.0/8`), as analysts often paste an address with its prefix.
 */
export function cidrRange(text: string): { low: bigint; high: bigint } | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  const slash = s.lastIndexOf('/');
  if (slash < 0) return undefined;
  const address = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const isV6 = address.includes(':');
  if (address.includes('%')) return undefined;
  const base = ipToBigInt(address);
  if (base === undefined) return undefined;
  // IPv4 prefixes count from the start of the 32-bit address, which sits in the low 32 bits.
  const bits = isV6 ? prefix : prefix + 96;
  if ((isV6 && prefix > 128) || (!isV6 && prefix > 32)) return undefined;
  const hostMask = bits === 128 ? 0n : (1n << BigInt(128 - bits)) - 1n;
  const low = base & (MAX_128 ^ hostMask);
  return { low, high: low | hostMask };
}

/** A 128-bit number back to text: IPv4-mapped numbers as a.b.c.d, others in RFC 5952 compressed form. */
export function bigIntToIp(n: bigint): string | undefined {
  if (n < 0n || n > MAX_128) return undefined;
  if (n >> 32n === 0xffffn) {
    const v4 = Number(n & 0xffffffffn);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups (the first, on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
