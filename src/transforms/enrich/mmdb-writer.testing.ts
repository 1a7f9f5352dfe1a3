/**
 * Test support: writes small MaxMind DB files (no downloads are possible in tests), following the
 * MaxMind DB v2.0 specification independently of the reader: a search tree with 24, 28 or 32-bit
 * records, IPv4 networks stored at ::a.b.c.d in IPv6 trees, a data section with every type the
 * reader decodes, optionally with repeated strings written once and referenced by pointers.
 */
import { parseCidr } from './ip.js';

/** A value to encode; `{ $type }` forces a number's type (uint16, uint32, int32, uint64, uint128, float, double). */
export type MmdbValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | MmdbValue[]
  | { [key: string]: MmdbValue }
  | {
      $type: 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'float' | 'double';
      value: number | bigint;
    };

export interface MmdbWriteOptions {
  ipVersion?: 4 | 6;
  recordSize?: 24 | 28 | 32;
  databaseType?: string;
  /** Write repeated strings once and point to them (exercises pointers). */
  pointers?: boolean;
  /** Extra metadata keys. */
  metadata?: Record<string, MmdbValue>;
}

type Child = { node: number } | { data: number } | null;

/** Build an .mmdb image mapping networks (CIDR text) to values. */
export function writeMmdb(networks: Record<string, MmdbValue>, options: MmdbWriteOptions = {}): Buffer {
  const ipVersion = options.ipVersion ?? 6;
  const recordSize = options.recordSize ?? 28;
  const data = new DataWriter(options.pointers ?? false);
  const nodes: [Child, Child][] = [[null, null]];
  // Less specific first, so a more specific network splits the leaf it falls in.
  const entries = Object.entries(networks)
    .map(([text, value]) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`not a network: ${text}`);
      let bits = [...cidr.bytes].flatMap((b) => [...Array(8).keys()].map((i) => (b >> (7 - i)) & 1));
      let prefix = cidr.prefix;
      if (ipVersion === 6 && cidr.bytes.length === 4) {
        bits = [...Array(96).fill(0), ...bits];
        prefix += 96;
      }
      if (ipVersion === 4 && cidr.bytes.length === 16) throw new Error('IPv6 network in an IPv4 database');
      return { bits, prefix, value };
    })
    .sort((a, b) => a.prefix - b.prefix);
  for (const { bits, prefix, value } of entries) {
    const leaf: Child = { data: data.add(value) };
    let node = 0;
    for (let i = 0; i < prefix - 1; i++) {
      const side = bits[i]!;
      const child = nodes[node]![side];
      if (child && 'node' in child) {
        node = child.node;
        continue;
      }
      // Empty, or a less specific network's leaf that now splits in two.
      nodes.push([child, child]);
      nodes[node]![side] = { node: nodes.length - 1 };
      node = nodes.length - 1;
    }
    nodes[node]![bits[prefix - 1]!] = leaf;
  }
  const nodeCount = nodes.length;
  const recordValue = (c: Child): number =>
    c === null ? nodeCount : 'node' in c ? c.node : nodeCount + 16 + c.data;
  const tree = Buffer.concat(nodes.map(([l, r]) => encodeNode(recordValue(l), recordValue(r), recordSize)));
  const meta = new DataWriter(false);
  meta.add({
    node_count: { $type: 'uint32', value: nodeCount },
    record_size: { $type: 'uint16', value: recordSize },
    ip_version: { $type: 'uint16', value: ipVersion },
    database_type: options.databaseType ?? 'Vigil-Test',
    languages: ['en'],
    binary_format_major_version: { $type: 'uint16', value: 2 },
    binary_format_minor_version: { $type: 'uint16', value: 0 },
    build_epoch: { $type: 'uint64', value: 1700000000n },
    description: { en: 'Vigil test database' },
    ...options.metadata,
  });
  const marker = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
  return Buffer.concat([tree, Buffer.alloc(16), data.bytes(), marker, meta.bytes()]);
}

function encodeNode(left: number, right: number, recordSize: number): Buffer {
  const b = Buffer.alloc((recordSize * 2) / 8);
  if (recordSize === 24) {
    b.writeUIntBE(left, 0, 3);
    b.writeUIntBE(right, 3, 3);
  } else if (recordSize === 28) {
    b.writeUIntBE(left & 0xffffff, 0, 3);
    b[3] = ((left >>> 24) << 4) | (right >>> 24);
    b.writeUIntBE(right & 0xffffff, 4, 3);
  } else {
    b.writeUInt32BE(left, 0);
    b.writeUInt32BE(right, 4);
  }
  return b;
}

/** The data section encoding: a control byte (type, size), size extensions, payload. */
class DataWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly strings = new Map<string, number>();

  constructor(private readonly usePointers: boolean) {}

  /** Append a value; returns its offset in the section. */
  add(value: MmdbValue): number {
    // Encoding may first append the strings the value points to.
    const encoded = this.encode(value);
    const at = this.length;
    this.push(encoded);
    return at;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private encode(value: MmdbValue): Buffer {
    if (typeof value === 'string') return this.string(value);
    if (typeof value === 'boolean') return control(14, value ? 1 : 0, Buffer.alloc(0));
    if (typeof value === 'bigint') return control(9, 0, uintBytes(value));
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff)
        return control(6, 0, uintBytes(BigInt(value)));
      const b = Buffer.alloc(8);
      b.writeDoubleBE(value);
      return control(3, 8, b);
    }
    if (Buffer.isBuffer(value)) return control(4, value.length, value);
    if (Array.isArray(value))
      return Buffer.concat([control(11, value.length, Buffer.alloc(0)), ...value.map((v) => this.encode(v))]);
    if ('$type' in value && typeof value.$type === 'string')
      return typed(value as { $type: string; value: number | bigint });
    const entries = Object.entries(value as Record<string, MmdbValue>);
    const parts = entries.flatMap(([k, v]) => [this.string(k), this.encode(v)]);
    return Buffer.concat([control(7, entries.length, Buffer.alloc(0)), ...parts]);
  }

  /** A string; with pointers on, its second use points to the first (strings written alone first). */
  private string(s: string): Buffer {
    const payload = Buffer.from(s, 'utf8');
    if (!this.usePointers || payload.length < 3) return control(2, payload.length, payload);
    let at = this.strings.get(s);
    if (at === undefined) {
      at = this.length;
      this.push(control(2, payload.length, payload));
      this.strings.set(s, at);
    }
    return pointer(at);
  }
}

function typed(v: { $type: string; value: number | bigint }): Buffer {
  switch (v.$type) {
    case 'uint16':
      return control(5, 0, uintBytes(BigInt(v.value)));
    case 'uint32':
      return control(6, 0, uintBytes(BigInt(v.value)));
    case 'uint64':
      return control(9, 0, uintBytes(BigInt(v.value)));
    case 'uint128':
      return control(10, 0, uintBytes(BigInt(v.value)));
    case 'int32': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(v.value));
      return control(8, 4, b);
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeFloatBE(Number(v.value));
      return control(15, 4, b);
    }
    default: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(v.value));
      return control(3, 8, b);
    }
  }
}

/** Big-endian bytes of an unsigned integer, as few as needed (0 → none). */
function uintBytes(n: bigint): Buffer {
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.from(out);
}

/** Control byte(s) for a type and size, then the payload. Size 0 for integers means "payload length". */
function control(type: number, size: number, payload: Buffer): Buffer {
  const n = type >= 5 && type <= 10 && type !== 7 ? payload.length : size;
  const head: number[] = [];
  let sizeBits: number;
  const ext: number[] = [];
  if (n < 29) sizeBits = n;
  else if (n < 285) {
    sizeBits = 29;
    ext.push(n - 29);
  } else if (n < 65821) {
    sizeBits = 30;
    ext.push((n - 285) >> 8, (n - 285) & 0xff);
  } else {
    sizeBits = 31;
    const m = n - 65821;
    ext.push((m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
  }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.concat([Buffer.from([...head, ...ext]), payload]);
}

/** A pointer to a data-section offset, in the smallest of the four sizes. */
function pointer(target: number): Buffer {
  if (target < 2048) return Buffer.from([0x20 | (target >> 8), target & 0xff]);
  if (target < 526336) {
    const v = target - 2048;
    return Buffer.from([0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff]);
  }
  if (target < 134744064) {
    const v = target - 526336;
    return Buffer.from([0x30 | (v >> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
  }
  return Buffer.from([
    0x38,
    (target >>> 24) & 0xff,
    (target >> 16) & 0xff,
    (target >> 8) & 0xff,
    target & 0xff,
  ]);
}
