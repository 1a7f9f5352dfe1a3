/**
 * IP addresses and CIDR blocks as bytes, and a longest-prefix-match table over them (a binary trie:
 * a lookup walks at most 32 or 128 nodes, whatever the number of blocks). IPv4-mapped IPv6
 * addresses (`::ffff:10.0.0.1`) are read as the IPv4 address they carry. Pure.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** `10.0.0.1`, `2001:db8::1`, `fe80::1%eth0`, `::ffff:192.0.2.1` → bytes; undefined if not an address. */
export function parseIp(text: string): IpBytes | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    if (v6 && isV4Mapped(v6)) return v6.slice(12);
    return v6;
  }
  return parseIpv4(text);
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(input: string): IpBytes | undefined {
  const zone = input.indexOf('%');
  let text = zone === -1 ? input : input.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) is the last two 16-bit words.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const words = 8;
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  if (halves.length === 1 && head.length !== words) return undefined;
  if (halves.length === 2 && head.length + tail.length > words - 1) return undefined;
  const fill = (list: string[], start: number): boolean => {
    for (let i = 0; i < list.length; i++) {
      const w = list[i]!;
      if (!/^[0-9A-Fa-f]{1,4}$/.test(w)) return false;
      const n = parseInt(w, 16);
      out[(start + i) * 2] = n >> 8;
      out[(start + i) * 2 + 1] = n & 0xff;
    }
    return true;
  };
  if (!fill(head, 0) || !fill(tail, words - tail.length)) return undefined;
  return out;
}

function isV4Mapped(b: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** A CIDR block (`10.0.0.0/8`, `fc00::/7`), or a single address as a full-length block. */
export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/** `10.0.0.0/8` → block; a bare address is /32 or /128. Undefined if either part is invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.length * 8;
  if (slash === -1) return { bytes: addr, prefix: max };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p)) return undefined;
  let prefix = Number(p);
  // `::ffff:10.0.0.0/104` names IPv4 space: its prefix counts from the IPv4 part.
  if (addr.length === 4 && text.slice(0, slash).includes(':')) prefix -= 96;
  if (prefix < 0 || prefix > max) return undefined;
  return { bytes: addr, prefix };
}

function bit(bytes: IpBytes, i: number): number {
  return (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
}

/**
 * Longest-prefix match from blocks to values. Insert blocks, then `lookup(address)` returns the
 * value of the most specific block containing it (and that block's prefix length).
 */
export class PrefixTable<T> {
  // One trie per family; nodes are indexes into the child arrays, -1 for none.
  private readonly tries = {
    4: { left: [-1], right: [-1], value: [-1] },
    16: { left: [-1], right: [-1], value: [-1] },
  };
  private readonly values: T[] = [];
  private count = 0;

  /** Number of blocks inserted. */
  get size(): number {
    return this.count;
  }

  /** Add a block; a block already present gets the new value. */
  insert(cidr: Cidr, value: T): void {
    const trie = this.tries[cidr.bytes.length as 4 | 16];
    let node = 0;
    for (let i = 0; i < cidr.prefix; i++) {
      const side = bit(cidr.bytes, i) ? trie.right : trie.left;
      let next = side[node]!;
      if (next === -1) {
        next = trie.left.length;
        trie.left.push(-1);
        trie.right.push(-1);
        trie.value.push(-1);
        side[node] = next;
      }
      node = next;
    }
    if (trie.value[node] === -1) this.count++;
    trie.value[node] = this.values.length;
    this.values.push(value);
  }

  /** The value of the most specific block containing `address`, with the block's prefix length. */
  lookup(address: IpBytes): { value: T; prefix: number } | undefined {
    const trie = this.tries[address.length as 4 | 16];
    if (!trie) return undefined;
    let node = 0;
    let found = trie.value[0]!;
    let prefix = 0;
    const bits = address.length * 8;
    for (let i = 0; i < bits; i++) {
      node = (bit(address, i) ? trie.right : trie.left)[node]!;
      if (node === -1) break;
      const v = trie.value[node]!;
      if (v !== -1) {
        found = v;
        prefix = i + 1;
      }
    }
    return found === -1 ? undefined : { value: this.values[found]!, prefix };
  }
}
