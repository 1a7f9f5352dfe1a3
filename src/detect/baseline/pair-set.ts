/**
 * A bounded set of strings kept as 64-bit hashes, for the first-seen detectors' known pairs.
 *
 * Memory: each member is two 32-bit words and a "recently seen" bit in slot arrays, plus an
 * open-addressing index (linear probing, at most half full) of 32-bit slot numbers: about 17 bytes
 * a member when full (the arrays double as the set grows, up to `capacity`), instead of the
 * ~100 bytes of a JS string in a Set. Two different strings share a hash with probability about
 * n²/2⁶⁵ (1 in 30 million at a million members): then the second is taken as known.
 *
 * Eviction (when full): CLOCK, an approximation of least-recently-used in O(1): a hand sweeps the
 * slots; a member seen again since the hand last passed gets a second chance (its bit is cleared),
 * the first one not seen is replaced. Evictions are counted. An evicted pair that comes back is new
 * again: the price of a bound.
 *
 * Snapshot: the members in slot order as base64 (8 bytes each) with their bits, so a restore gives
 * the same set and the same eviction order.
 */

/** 64-bit hash of a string as two 32-bit halves (FNV-1a and a murmur-style mix, different seeds). */
export function hash64(text: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  h1 >>>= 0;
  h2 >>>= 0;
  // (0, 0) marks nothing: move the one string that would hash there.
  if (h1 === 0 && h2 === 0) h2 = 1;
  return [h1, h2];
}

const INITIAL_SLOTS = 1024;

export interface PairSetSnapshot {
  /** Members in slot order, 8 bytes each (big-endian halves), base64. */
  hashes: string;
  /** One bit per member ("seen since the hand passed"), base64. */
  seen: string;
  hand: number;
  evicted: number;
}

export class PairSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private seen: Uint8Array;
  /** Slot number + 1 per index cell (0: empty). Size: a power of two ≥ 2 × slots. */
  private index: Int32Array;
  private mask: number;
  private count = 0;
  private hand = 0;
  private evictions = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be ≥ 1, got ${capacity}`);
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.seen = new Uint8Array(slots);
    this.index = new Int32Array(indexSize(slots));
    this.mask = this.index.length - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Members evicted to stay within capacity, ever. */
  get evicted(): number {
    return this.evictions;
  }

  /** Bytes held by the arrays (what the set costs). */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.seen.byteLength + this.index.byteLength;
  }

  has(text: string): boolean {
    const [h, l] = hash64(text);
    return this.find(h, l) !== -1;
  }

  /** Mark as seen; true if it was already a member, false if it was added (maybe evicting one). */
  touch(text: string): boolean {
    const [h, l] = hash64(text);
    const slot = this.find(h, l);
    if (slot !== -1) {
      this.seen[slot] = 1;
      return true;
    }
    this.insert(h, l);
    return false;
  }

  /** The slot of a hash, or -1. */
  private find(h: number, l: number): number {
    let cell = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
    for (;;) {
      const entry = this.index[cell]!;
      if (entry === 0) return -1;
      if (this.hi[entry - 1] === h && this.lo[entry - 1] === l) return entry - 1;
      cell = (cell + 1) & this.mask;
    }
  }

  private insert(h: number, l: number): void {
    let slot: number;
    if (this.count < this.hi.length) {
      slot = this.count++;
    } else if (this.hi.length < this.capacity) {
      this.grow(Math.min(this.capacity, this.hi.length * 2));
      slot = this.count++;
    } else {
      while (this.seen[this.hand] === 1) {
        this.seen[this.hand] = 0;
        this.hand = (this.hand + 1) % this.capacity;
      }
      slot = this.hand;
      this.hand = (this.hand + 1) % this.capacity;
      this.unindex(slot);
      this.evictions++;
    }
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.seen[slot] = 0;
    this.indexSlot(slot);
  }

  private indexSlot(slot: number): void {
    let cell = (this.hi[slot]! ^ Math.imul(this.lo[slot]!, 0x9e3779b1)) & this.mask;
    while (this.index[cell] !== 0) cell = (cell + 1) & this.mask;
    this.index[cell] = slot + 1;
  }

  /** Remove a slot from the index, shifting later probes back (no tombstones). */
  private unindex(slot: number): void {
    const { index, mask } = this;
    let cell = (this.hi[slot]! ^ Math.imul(this.lo[slot]!, 0x9e3779b1)) & mask;
    while (index[cell] !== slot + 1) cell = (cell + 1) & mask;
    let hole = cell;
    let next = (hole + 1) & mask;
    while (index[next] !== 0) {
      const s = index[next]! - 1;
      const home = (this.hi[s]! ^ Math.imul(this.lo[s]!, 0x9e3779b1)) & mask;
      // Move it into the hole unless its home lies cyclically in (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        index[hole] = index[next]!;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    index[hole] = 0;
  }

  private grow(slots: number): void {
    const hi = new Uint32Array(slots);
    const lo = new Uint32Array(slots);
    const seen = new Uint8Array(slots);
    hi.set(this.hi.subarray(0, this.count));
    lo.set(this.lo.subarray(0, this.count));
    seen.set(this.seen.subarray(0, this.count));
    this.hi = hi;
    this.lo = lo;
    this.seen = seen;
    this.index = new Int32Array(indexSize(slots));
    this.mask = this.index.length - 1;
    for (let s = 0; s < this.count; s++) this.indexSlot(s);
  }

  snapshot(): PairSetSnapshot {
    const bytes = Buffer.alloc(this.count * 8);
    for (let s = 0; s < this.count; s++) {
      bytes.writeUInt32BE(this.hi[s]!, s * 8);
      bytes.writeUInt32BE(this.lo[s]!, s * 8 + 4);
    }
    const bits = Buffer.alloc(Math.ceil(this.count / 8));
    for (let s = 0; s < this.count; s++) if (this.seen[s]) bits[s >> 3]! |= 1 << (s & 7);
    return {
      hashes: bytes.toString('base64'),
      seen: bits.toString('base64'),
      hand: this.hand,
      evicted: this.evictions,
    };
  }

  /**
   * A set with a snapshot's members. With a smaller capacity than the snapshot's, the members
   * the hand would evict first are dropped (counted as evicted). Throws on a malformed snapshot.
   */
  static restore(snapshot: unknown, capacity: number): PairSet {
    const s = snapshot as PairSetSnapshot;
    if (!s || typeof s !== 'object' || typeof s.hashes !== 'string' || typeof s.seen !== 'string')
      throw new Error('not a pair-set snapshot');
    const bytes = Buffer.from(s.hashes, 'base64');
    const bits = Buffer.from(s.seen, 'base64');
    if (bytes.length % 8 !== 0) throw new Error('pair-set snapshot: hashes are not 8-byte words');
    const n = bytes.length / 8;
    const hand = Number.isSafeInteger(s.hand) && s.hand >= 0 && s.hand < Math.max(n, 1) ? s.hand : 0;
    const set = new PairSet(capacity);
    // Oldest (next to evict) first, from the hand round; a full set then continues from slot 0.
    const drop = Math.max(0, n - capacity);
    for (let i = drop; i < n; i++) {
      const s2 = (hand + i) % n;
      const h = bytes.readUInt32BE(s2 * 8);
      const l = bytes.readUInt32BE(s2 * 8 + 4);
      if (h === 0 && l === 0) throw new Error('pair-set snapshot: empty hash');
      if (set.find(h, l) !== -1) continue;
      set.insert(h, l);
      set.seen[set.count - 1] = (bits[s2 >> 3]! >> (s2 & 7)) & 1;
    }
    set.evictions = (Number.isSafeInteger(s.evicted) ? s.evicted : 0) + drop;
    return set;
  }
}

function indexSize(slots: number): number {
  let size = 16;
  while (size < slots * 2) size *= 2;
  return size;
}
