/**
 * A reader for MaxMind DB files (`.mmdb`: GeoLite2/GeoIP2 City, Country and ASN, DB-IP, IPinfo),
 * written from the public format specification (MaxMind DB v2.0): a binary search tree over the
 * address bits whose leaves point into a data section of typed values, and a metadata map at the
 * end of the file. The file is read into memory once; lookups do no I/O and decode only the
 * record they reach (decoded records are cached by their offset).
 *
 * Bad files fail when opened (MmdbError naming the offset and the reason), not during lookups;
 * a lookup that meets corrupt data returns undefined.
 */
import type { IpBytes } from './ip.js';

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // \xAB\xCD\xEF MaxMind.com
const METADATA_MAX = 128 * 1024;
const MAX_DEPTH = 64;
/** Values decoded for one record at most: pointers can make a small file describe a huge tree. */
const MAX_VALUES = 100_000;

/** A file that is not a readable MaxMind DB. */
export class MmdbError extends Error {
  constructor(
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at byte ${offset})`);
    this.name = 'MmdbError';
  }
}

/** The metadata every MaxMind DB carries. */
export interface MmdbMetadata {
  node_count: number;
  record_size: number;
  ip_version: number;
  database_type: string;
  binary_format_major_version: number;
  binary_format_minor_version: number;
  build_epoch?: number | bigint;
  languages?: string[];
  description?: Record<string, string>;
  [key: string]: unknown;
}

export class MmdbReader {
  readonly metadata: MmdbMetadata;
  private readonly nodeCount: number;
  private readonly recordSize: number;
  private readonly nodeBytes: number;
  private readonly treeSize: number;
  private readonly dataStart: number;
  private readonly dataEnd: number;
  /** The node where IPv4 addresses start in an IPv6 tree (after 96 zero bits). */
  private readonly ipv4Start: number;
  private readonly cache = new Map<number, unknown>();

  constructor(private readonly buf: Buffer) {
    const markerAt = buf.lastIndexOf(METADATA_MARKER);
    if (markerAt === -1 || buf.length - markerAt > METADATA_MAX + METADATA_MARKER.length)
      throw new MmdbError('no MaxMind DB metadata marker (not an .mmdb file)');
    const metaStart = markerAt + METADATA_MARKER.length;
    let meta: unknown;
    try {
      meta = new DataDecoder(buf, metaStart, buf.length).decode(metaStart).value;
    } catch (error) {
      throw error instanceof MmdbError
        ? error
        : new MmdbError(`unreadable metadata: ${String(error)}`, metaStart);
    }
    this.metadata = checkMetadata(meta, metaStart);
    this.nodeCount = this.metadata.node_count;
    this.recordSize = this.metadata.record_size;
    this.nodeBytes = (this.recordSize * 2) / 8;
    this.treeSize = this.nodeCount * this.nodeBytes;
    this.dataStart = this.treeSize + 16;
    this.dataEnd = markerAt;
    if (this.dataStart > this.dataEnd)
      throw new MmdbError(`the search tree (${this.nodeCount} nodes) is larger than the file`, this.treeSize);
    let node = 0;
    if (this.metadata.ip_version === 6) {
      for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.readRecord(node, 0);
    }
    this.ipv4Start = node;
  }

  /** The record for an address (its most specific network), or undefined when the database has none. */
  lookup(address: IpBytes): unknown {
    const pointer = this.findPointer(address);
    if (pointer === undefined) return undefined;
    const offset = pointer - this.nodeCount - 16;
    if (this.cache.has(offset)) return this.cache.get(offset);
    let value: unknown;
    try {
      value = new DataDecoder(this.buf, this.dataStart, this.dataEnd).decode(this.dataStart + offset).value;
    } catch {
      value = undefined;
    }
    if (this.cache.size < 100_000) this.cache.set(offset, value);
    return value;
  }

  private findPointer(address: IpBytes): number | undefined {
    let node: number;
    if (address.length === 4) node = this.ipv4Start;
    else if (this.metadata.ip_version === 6) node = 0;
    else return undefined; // an IPv6 address in an IPv4-only database
    const bits = address.length * 8;
    for (let i = 0; i < bits && node < this.nodeCount; i++) {
      const b = (address[i >> 3]! >> (7 - (i & 7))) & 1;
      node = this.readRecord(node, b);
    }
    if (node === this.nodeCount || node < this.nodeCount) return undefined;
    const offset = node - this.nodeCount - 16;
    return offset >= 0 && this.dataStart + offset < this.dataEnd ? node : undefined;
  }

  private readRecord(node: number, side: number): number {
    const at = node * this.nodeBytes;
    const b = this.buf;
    switch (this.recordSize) {
      case 24:
        return b.readUIntBE(at + side * 3, 3);
      case 28:
        return side === 0
          ? ((b[at + 3]! & 0xf0) << 20) | b.readUIntBE(at, 3)
          : ((b[at + 3]! & 0x0f) << 24) | b.readUIntBE(at + 4, 3);
      default:
        return b.readUInt32BE(at + side * 4);
    }
  }
}

function checkMetadata(meta: unknown, offset: number): MmdbMetadata {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw new MmdbError('the metadata is not a map', offset);
  const m = meta as Record<string, unknown>;
  for (const key of ['node_count', 'record_size', 'ip_version', 'binary_format_major_version']) {
    if (typeof m[key] !== 'number') throw new MmdbError(`metadata ${key} is missing or not a number`, offset);
  }
  if (m.binary_format_major_version !== 2)
    throw new MmdbError(
      `binary format version ${String(m.binary_format_major_version)} (only 2 is known)`,
      offset,
    );
  if (![24, 28, 32].includes(m.record_size as number))
    throw new MmdbError(`record size ${String(m.record_size)} (24, 28 or 32 expected)`, offset);
  if (m.ip_version !== 4 && m.ip_version !== 6)
    throw new MmdbError(`ip_version ${String(m.ip_version)} (4 or 6 expected)`, offset);
  if (typeof m.database_type !== 'string') m.database_type = '';
  return m as MmdbMetadata;
}

/** Decodes values of the data section (and the metadata, which uses the same encoding). */
class DataDecoder {
  private values = 0;

  constructor(
    private readonly buf: Buffer,
    /** Where pointers count from. */
    private readonly base: number,
    private readonly end: number,
  ) {}

  decode(at: number, depth = 0): { value: unknown; next: number } {
    if (depth > MAX_DEPTH) throw new MmdbError('data nested too deep', at);
    if (++this.values > MAX_VALUES) throw new MmdbError(`more than ${MAX_VALUES} values in one record`, at);
    const ctrl = this.byte(at);
    let pos = at + 1;
    let type = ctrl >> 5;
    if (type === 1) return this.pointer(ctrl, pos, depth);
    if (type === 0) {
      type = 7 + this.byte(pos);
      pos++;
    }
    let size = ctrl & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      const n = this.uint(pos, extra);
      size = size === 29 ? 29 + n : size === 30 ? 285 + n : 65821 + n;
      pos += extra;
    }
    return this.payload(type, size, pos, depth);
  }

  private pointer(ctrl: number, pos: number, depth: number): { value: unknown; next: number } {
    const ss = (ctrl >> 3) & 3;
    const vvv = ctrl & 7;
    let target: number;
    if (ss === 0) target = (vvv << 8) | this.byte(pos);
    else if (ss === 1) target = ((vvv << 16) | this.uint(pos, 2)) + 2048;
    else if (ss === 2) target = vvv * 2 ** 24 + this.uint(pos, 3) + 526336;
    else target = this.uint(pos, 4);
    const next = pos + ss + 1;
    const value = this.decode(this.base + target, depth + 1).value;
    return { value, next };
  }

  private payload(type: number, size: number, pos: number, depth: number): { value: unknown; next: number } {
    switch (type) {
      case 2: // UTF-8 string
        this.need(pos, size);
        return { value: this.buf.toString('utf8', pos, pos + size), next: pos + size };
      case 3: // double
        this.need(pos, 8);
        return { value: this.buf.readDoubleBE(pos), next: pos + 8 };
      case 4: // bytes
        this.need(pos, size);
        return { value: Buffer.from(this.buf.subarray(pos, pos + size)), next: pos + size };
      case 5: // uint16
      case 6: // uint32
        if (size > (type === 5 ? 2 : 4)) throw new MmdbError(`integer of ${size} bytes`, pos);
        return { value: this.uint(pos, size), next: pos + size };
      case 7: // map
        return this.map(size, pos, depth);
      case 8: {
        // int32 (two's complement)
        if (size > 4) throw new MmdbError(`int32 of ${size} bytes`, pos);
        const n = this.uint(pos, size);
        return { value: size === 4 ? n | 0 : n, next: pos + size };
      }
      case 9: // uint64
      case 10: {
        // uint128
        if (size > (type === 9 ? 8 : 16)) throw new MmdbError(`integer of ${size} bytes`, pos);
        this.need(pos, size);
        let n = 0n;
        for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(this.buf[pos + i]!);
        return { value: n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, next: pos + size };
      }
      case 11: {
        // array
        const list: unknown[] = [];
        let next = pos;
        for (let i = 0; i < size; i++) {
          const item = this.decode(next, depth + 1);
          list.push(item.value);
          next = item.next;
        }
        return { value: list, next };
      }
      case 14: // boolean: the size is the value
        return { value: size !== 0, next: pos };
      case 15: // float
        this.need(pos, 4);
        return { value: this.buf.readFloatBE(pos), next: pos + 4 };
      default:
        throw new MmdbError(`unknown data type ${type}`, pos);
    }
  }

  private map(size: number, pos: number, depth: number): { value: unknown; next: number } {
    const out: Record<string, unknown> = {};
    let next = pos;
    for (let i = 0; i < size; i++) {
      const key = this.decode(next, depth + 1);
      if (typeof key.value !== 'string') throw new MmdbError('a map key that is not a string', next);
      const value = this.decode(key.next, depth + 1);
      // Object.defineProperty: a key such as `__proto__` stays a plain key.
      Object.defineProperty(out, key.value, {
        value: value.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      next = value.next;
    }
    return { value: out, next };
  }

  private byte(at: number): number {
    if (at < 0 || at >= this.end) throw new MmdbError('data ends early', at);
    return this.buf[at]!;
  }

  private need(at: number, size: number): void {
    if (at < 0 || at + size > this.end) throw new MmdbError('data ends early', at);
  }

  private uint(at: number, size: number): number {
    this.need(at, size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + this.buf[at + i]!;
    return n;
  }
}
