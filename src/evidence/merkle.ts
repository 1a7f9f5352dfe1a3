/**
 * RFC 6962 / RFC 9162 §2.1 Merkle tree hashing, proofs and proof verification.
 *
 * Pure (node:crypto SHA-256 only). Trees are addressed through their perfect subtrees: a
 * `SubtreeReader` answers "hash of the complete subtree at level L, index i" (leaves are level 0),
 * so a persistent log can serve proofs for huge trees from a cache of perfect-subtree hashes with
 * O(log n) reads, and in-memory trees (`MemoryTree`) can do the same for tests and bundles.
 *
 * Sizes and indices are plain numbers (safe integers); the arithmetic avoids 32-bit bitwise
 * operators so trees beyond 2^32 leaves stay correct.
 */
import { hash as oneShotHash } from 'node:crypto';

/** Bytes in every hash of the tree (SHA-256). */
export const HASH_SIZE = 32;

/** Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = oneShotHash('sha256', Buffer.alloc(0), 'buffer');

/** A bad argument to proof generation (index beyond the tree, size 0, m > n...). */
export class MerkleError extends Error {
  override name = 'MerkleError';
}

/** Outcome of a proof verification: `ok`, or the reason it failed. */
export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };
const fail = (reason: string): Verdict => ({ ok: false, reason });

/** Leaf hash: SHA-256(0x00 || data) — the RFC 6962 leaf domain separation. */
export function leafHash(data: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(data.length + 1);
  buf[0] = 0;
  buf.set(data, 1);
  return oneShotHash('sha256', buf, 'buffer');
}

const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
const NODE_PREFIX = Buffer.of(1);

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return oneShotHash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
  }
  nodeScratch[0] = 1;
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return oneShotHash('sha256', nodeScratch, 'buffer');
}

/** Hashes of complete (perfect) subtrees: level 0 is the leaf hashes; `index` counts from the left. */
export interface SubtreeReader {
  /** Hash of the perfect subtree covering leaves [index·2^level, (index+1)·2^level). */
  perfect(level: number, index: number): Uint8Array;
}

/** Either a reader of perfect-subtree hashes or the plain list of leaf hashes (small trees). */
export type TreeSource = SubtreeReader | readonly Uint8Array[];

/** The largest power of two strictly below n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of a power of two. */
function levelOf(powerOfTwo: number): number {
  return Math.round(Math.log2(powerOfTwo));
}

/** Whether n is a positive power of two. */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** levelOf(n) === n;
}

/** Perfect subtree hash computed straight from a leaf list (for array sources). */
function perfectFromLeaves(leaves: readonly Uint8Array[], level: number, index: number): Uint8Array {
  if (level === 0) return leaves[index]!;
  return nodeHash(
    perfectFromLeaves(leaves, level - 1, index * 2),
    perfectFromLeaves(leaves, level - 1, index * 2 + 1),
  );
}

function asReader(source: TreeSource): SubtreeReader {
  if (!Array.isArray(source)) return source as SubtreeReader;
  const leaves = source as readonly Uint8Array[];
  return {
    perfect(level, index) {
      if ((index + 1) * 2 ** level > leaves.length) {
        throw new MerkleError(`subtree ${level}/${index} beyond the leaves`);
      }
      return perfectFromLeaves(leaves, level, index);
    },
  };
}

/**
 * MTH(D[start:end]) for a subtree of the RFC 9162 tree shape (start is a multiple of the largest
 * power of two ≤ end − start, which holds for every node of a tree and for [0, size)).
 * Reads one perfect subtree per set bit of end − start.
 */
export function subtreeRoot(source: TreeSource, start: number, end: number): Buffer {
  if (end === start) return EMPTY_ROOT;
  const reader = asReader(source);
  const pieces: Uint8Array[] = [];
  let pos = start;
  while (pos < end) {
    let k = 1;
    while (k * 2 <= end - pos) k *= 2;
    pieces.push(reader.perfect(levelOf(k), pos / k));
    pos += k;
  }
  let acc: Buffer = Buffer.from(pieces[pieces.length - 1]!);
  for (let i = pieces.length - 2; i >= 0; i--) acc = nodeHash(pieces[i]!, acc);
  return acc;
}

/** Root hash of the tree whose leaf hashes are given (RFC 9162 MTH); EMPTY_ROOT for none. */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  const frontier = new Frontier();
  for (const h of leafHashes) frontier.push(h);
  return frontier.root();
}

function checkSize(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError(`${what} must be a non-negative safe integer (got ${n})`);
  }
}

/**
 * Inclusion proof (audit path, RFC 9162 §2.1.3.1) for leaf `index` in the tree of `size` leaves,
 * lowest sibling first. Throws MerkleError when index ≥ size.
 */
export function inclusionProof(index: number, size: number, source: TreeSource): Buffer[] {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new MerkleError(`leaf index ${index} is not below tree size ${size}`);
  const reader = asReader(source);
  const path: Buffer[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      path.push(subtreeRoot(reader, start + k, start + n));
      n = k;
    } else {
      path.push(Buffer.from(reader.perfect(levelOf(k), start / k)));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path.reverse();
}

/**
 * Consistency proof between the tree heads of sizes m and n (RFC 9162 §2.1.4.1, SUBPROOF), lowest
 * node first. m == n gives []. m == 0 is refused (a proof from the empty tree is meaningless:
 * every tree extends it), as is m > n.
 */
export function consistencyProof(m: number, n: number, source: TreeSource): Buffer[] {
  checkSize('m', m);
  checkSize('n', n);
  if (m > n) throw new MerkleError(`old size ${m} is larger than new size ${n}`);
  if (m === 0) {
    throw new MerkleError('a consistency proof from the empty tree is meaningless (every tree extends it)');
  }
  const reader = asReader(source);
  const proof: Buffer[] = [];
  let start = 0;
  let size = n;
  let old = m;
  let complete = true;
  for (;;) {
    if (old === size) {
      if (!complete) proof.push(subtreeRoot(reader, start, start + size));
      break;
    }
    const k = splitPoint(size);
    if (old <= k) {
      proof.push(subtreeRoot(reader, start + k, start + size));
      size = k;
    } else {
      proof.push(Buffer.from(reader.perfect(levelOf(k), start / k)));
      start += k;
      old -= k;
      size -= k;
      complete = false;
    }
  }
  return proof.reverse();
}

const isOdd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function badHash(name: string, h: Uint8Array | null | undefined): string | undefined {
  if (!(h instanceof Uint8Array)) return `${name} is missing`;
  if (h.length !== HASH_SIZE) return `${name} has ${h.length} bytes, not ${HASH_SIZE}`;
  return undefined;
}

function badProof(proof: readonly Uint8Array[] | null | undefined): string | undefined {
  if (!Array.isArray(proof)) return 'proof is not a list';
  for (let i = 0; i < proof.length; i++) {
    const bad = badHash(`proof[${i}]`, proof[i]);
    if (bad) return bad;
  }
  return undefined;
}

/** Constant-shape byte equality of two hashes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Verify an inclusion proof (RFC 9162 §2.1.3.2): leaf hash at `index` is in the tree of `size`
 * leaves with root `root`. All hashes must be 32 bytes.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Verdict {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || size < 0) {
    return fail(`index ${index} / size ${size} are not non-negative integers`);
  }
  if (index >= size) return fail(`leaf index ${index} is not below tree size ${size}`);
  const bad = badHash('leaf hash', leaf) ?? badHash('root', root) ?? badProof(proof);
  if (bad) return fail(bad);
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return fail(`proof is longer than the path for leaf ${index} in a tree of ${size}`);
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail(`proof is shorter than the path for leaf ${index} in a tree of ${size}`);
  return sameHash(r, root) ? OK : fail('proof does not lead to the root');
}

/**
 * Verify a consistency proof (RFC 9162 §2.1.4.2) that the tree of size `m` with `root1` is a
 * prefix of the tree of size `n` with `root2`. Edge cases as the reference implementation
 * (transparency-dev/merkle): m == n needs an empty proof and equal roots; m == 0 and m > n fail.
 */
export function verifyConsistency(
  m: number,
  n: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): Verdict {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || n < 0) {
    return fail(`sizes ${m} / ${n} are not non-negative integers`);
  }
  if (m > n) return fail(`old size ${m} is larger than new size ${n}`);
  const bad = badHash('old root', root1) ?? badHash('new root', root2) ?? badProof(proof);
  if (bad) return fail(bad);
  if (m === 0) return fail('a consistency proof from the empty tree is meaningless');
  if (m === n) {
    if (proof.length > 0) return fail('sizes are equal but the proof is not empty');
    return sameHash(root1, root2) ? OK : fail('sizes are equal but the roots differ');
  }
  if (proof.length === 0) return fail('empty proof');
  const path = isPowerOfTwo(m) ? [root1, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return fail('proof is longer than needed');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof is shorter than needed');
  if (!sameHash(fr, root1)) return fail('proof does not lead to the old root');
  if (!sameHash(sr, root2)) return fail('proof does not lead to the new root');
  return OK;
}

/**
 * The compact right edge of a growing tree: one perfect-subtree hash per set bit of the size.
 * Appending is amortised O(1) hashes per leaf; the root is O(log n). Completed nodes can be
 * reported to a cache as they appear.
 */
export class Frontier {
  /** nodes[level] is the perfect subtree of 2^level leaves on the right edge, when that bit is set. */
  private readonly nodes: (Uint8Array | undefined)[] = [];
  private count = 0;

  /** Leaves pushed so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Append one leaf hash. `onNode(level, index, hash)` is called for every perfect subtree of
   * level ≥ 1 that this leaf completes, lowest level first.
   */
  push(leaf: Uint8Array, onNode?: (level: number, index: number, hash: Buffer) => void): void {
    let carry: Uint8Array = leaf;
    let level = 0;
    let position = this.count; // index of `carry` on its level
    while (this.nodes[level] !== undefined) {
      carry = nodeHash(this.nodes[level]!, carry);
      this.nodes[level] = undefined;
      level++;
      position = half(position);
      onNode?.(level, position, carry as Buffer);
    }
    // A leaf is copied: callers may reuse their buffers.
    this.nodes[level] = level === 0 ? Buffer.from(carry) : carry;
    this.count++;
  }

  /** Root of the tree of the leaves pushed so far. */
  root(): Buffer {
    let acc: Uint8Array | undefined;
    for (const node of this.nodes) {
      if (node === undefined) continue;
      acc = acc === undefined ? node : nodeHash(node, acc);
    }
    return acc === undefined ? EMPTY_ROOT : Buffer.from(acc);
  }

  /** The frontier of the first `size` leaves of a tree, read from its perfect subtrees (O(log n)). */
  static fromReader(size: number, reader: SubtreeReader): Frontier {
    checkSize('size', size);
    const f = new Frontier();
    let pos = 0;
    for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
      const k = 2 ** level;
      if (pos + k > size) continue;
      f.nodes[level] = Buffer.from(reader.perfect(level, pos / k));
      pos += k;
    }
    f.count = size;
    return f;
  }
}

/**
 * A whole tree in memory: every level of perfect-subtree hashes, extended as leaves are appended.
 * For tests, evidence bundles and small logs; ~2× the leaf hashes in memory.
 */
export class MemoryTree implements SubtreeReader {
  private readonly levels: Uint8Array[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const h of leafHashes) this.append(h);
  }

  /** Number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /** Add one leaf hash (32 bytes). */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) {
      throw new MerkleError(`leaf hash must be ${HASH_SIZE} bytes (got ${leaf.length})`);
    }
    this.levels[0]!.push(Buffer.from(leaf));
    let level = 0;
    while (this.levels[level]!.length % 2 === 0) {
      const row = this.levels[level]!;
      const parent = nodeHash(row[row.length - 2]!, row[row.length - 1]!);
      level++;
      (this.levels[level] ??= []).push(parent);
    }
  }

  perfect(level: number, index: number): Uint8Array {
    const node = this.levels[level]?.[index];
    if (node === undefined) throw new MerkleError(`no complete subtree at level ${level}, index ${index}`);
    return node;
  }

  /** Leaf hash at `index`. */
  leaf(index: number): Uint8Array {
    return this.perfect(0, index);
  }

  /** Root of the first `size` leaves (default: all). */
  root(size = this.size): Buffer {
    if (size > this.size) throw new MerkleError(`tree has ${this.size} leaves, not ${size}`);
    return subtreeRoot(this, 0, size);
  }

  /** Inclusion proof for `index` in the tree of the first `size` leaves. */
  inclusionProof(index: number, size = this.size): Buffer[] {
    if (size > this.size) throw new MerkleError(`tree has ${this.size} leaves, not ${size}`);
    return inclusionProof(index, size, this);
  }

  /** Consistency proof between the first m and first n leaves. */
  consistencyProof(m: number, n = this.size): Buffer[] {
    if (n > this.size) throw new MerkleError(`tree has ${this.size} leaves, not ${n}`);
    return consistencyProof(m, n, this);
  }
}
