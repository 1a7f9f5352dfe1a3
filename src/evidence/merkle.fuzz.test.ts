/**
 * Property tests for merkle.ts: proofs for random tree sizes verify, and fail for any flipped bit,
 * wrong index, wrong size, or a shortened/extended proof. Garbage never throws out of a verifier.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MemoryTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { fuzzOptions } from '../testing/fuzz.js';

const MAX = 1100;
const tree = new MemoryTree(Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`event ${i}`))));

/** A copy of `b` with bit `bit` (mod its length) flipped. */
function flip(b: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(b);
  const at = bit % (out.length * 8);
  out[at >> 3]! ^= 1 << (at & 7);
  return out;
}

const sizeAndIndex = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1)));
const twoSizes = fc
  .tuple(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 1, max: MAX }))
  .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

describe('inclusion proofs', () => {
  test('verify for every random (index, size)', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([n, i]) => {
        const proof = inclusionProof(i, n, tree);
        assert.deepEqual(verifyInclusion(i, n, tree.leaf(i), proof, tree.root(n)), { ok: true });
      }),
      fuzzOptions(),
    );
  });

  test('fail for a flipped bit in the leaf, the root or any proof node', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(), ([n, i], which, bit) => {
        const proof = inclusionProof(i, n, tree);
        const target = which % (proof.length + 2);
        const leaf = target === 0 ? flip(tree.leaf(i), bit) : tree.leaf(i);
        const root = target === 1 ? flip(tree.root(n), bit) : tree.root(n);
        const p = proof.map((node, k) => (k === target - 2 ? flip(node, bit) : node));
        assert.equal(verifyInclusion(i, n, leaf, p, root).ok, false);
      }),
      fuzzOptions(),
    );
  });

  test('fail for a wrong index', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), ([n, i], other) => {
        fc.pre(n > 1);
        const j = (i + 1 + (other % (n - 1))) % n;
        const proof = inclusionProof(i, n, tree);
        assert.equal(verifyInclusion(j, n, tree.leaf(i), proof, tree.root(n)).ok, false);
        assert.equal(verifyInclusion(j, n, tree.leaf(j), proof, tree.root(n)).ok, false);
      }),
      fuzzOptions(),
    );
  });

  test('fail for a wrong size (with that size’s root), beyond-size indices, and a cut or padded proof', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 1, max: MAX }), ([n, i], other) => {
        const proof = inclusionProof(i, n, tree);
        if (other !== n) {
          const ok = other > i && verifyInclusion(i, other, tree.leaf(i), proof, tree.root(other)).ok;
          assert.equal(ok, false);
        }
        assert.equal(verifyInclusion(n, n, tree.leaf(i), proof, tree.root(n)).ok, false);
        if (proof.length > 0) {
          assert.equal(verifyInclusion(i, n, tree.leaf(i), proof.slice(0, -1), tree.root(n)).ok, false);
        }
        assert.equal(verifyInclusion(i, n, tree.leaf(i), [...proof, tree.root(n)], tree.root(n)).ok, false);
      }),
      fuzzOptions(),
    );
  });
});

describe('consistency proofs', () => {
  test('verify for every random m ≤ n', () => {
    fc.assert(
      fc.property(twoSizes, ([m, n]) => {
        const proof = consistencyProof(m, n, tree);
        assert.deepEqual(verifyConsistency(m, n, tree.root(m), tree.root(n), proof), { ok: true });
      }),
      fuzzOptions(),
    );
  });

  test('fail for a flipped bit in either root or any proof node', () => {
    fc.assert(
      fc.property(twoSizes, fc.nat(), fc.nat(), ([m, n], which, bit) => {
        const proof = consistencyProof(m, n, tree);
        const target = which % (proof.length + 2);
        const r1 = target === 0 ? flip(tree.root(m), bit) : tree.root(m);
        const r2 = target === 1 ? flip(tree.root(n), bit) : tree.root(n);
        const p = proof.map((node, k) => (k === target - 2 ? flip(node, bit) : node));
        assert.equal(verifyConsistency(m, n, r1, r2, p).ok, false);
      }),
      fuzzOptions(),
    );
  });

  test('fail for a wrong old or new size (with the matching roots) and a cut or padded proof', () => {
    fc.assert(
      fc.property(twoSizes, fc.integer({ min: 1, max: MAX }), ([m, n], other) => {
        const proof = consistencyProof(m, n, tree);
        if (other !== m && other <= n) {
          assert.equal(verifyConsistency(other, n, tree.root(other), tree.root(n), proof).ok, false);
        }
        if (other !== n && other >= m) {
          assert.equal(verifyConsistency(m, other, tree.root(m), tree.root(other), proof).ok, false);
        }
        if (proof.length > 0) {
          assert.equal(verifyConsistency(m, n, tree.root(m), tree.root(n), proof.slice(0, -1)).ok, false);
        }
        assert.equal(verifyConsistency(m, n, tree.root(m), tree.root(n), [...proof, tree.root(n)]).ok, false);
      }),
      fuzzOptions(),
    );
  });
});

describe('garbage in', () => {
  const hashish = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }));
  const num = fc.oneof(fc.integer({ min: -3, max: 5000 }), fc.double(), fc.constant(2 ** 60));

  test('verifiers never throw and never accept random proofs', () => {
    fc.assert(
      fc.property(num, num, hashish, hashish, fc.array(hashish, { maxLength: 14 }), (a, b, h1, h2, proof) => {
        assert.equal(verifyInclusion(a, b, h1, proof, h2).ok, false);
        const c = verifyConsistency(a, b, h1, h2, proof);
        // Only the trivial m == n, equal-roots, empty-proof case may pass.
        if (c.ok) assert.ok(a === b && a > 0 && proof.length === 0 && Buffer.compare(h1, h2) === 0);
      }),
      fuzzOptions(),
    );
  });
});
