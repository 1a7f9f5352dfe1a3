/**
 * Fuzzing verifyStore: any random tampering of a simulated store is reported (never ok), an
 * untouched store always verifies, and arbitrary rows never make it throw.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStore, type LeafSource, type StoredEvent } from './verify.js';
import { HeadSigner } from './heads.js';
import { MemoryTree, leafHash } from './merkle.js';
import { canonicalBytes } from './canonical.js';
import { fuzzOptions } from '../testing/fuzz.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-verify-fuzz-'));
after(() => rmSync(base, { recursive: true, force: true }));
const signer = HeadSigner.open(base);
const PUB = signer.exportPublicKey();
const N = 50;
const bytesOf = (i: number, tag = ''): Buffer => canonicalBytes({ id: `e${i}`, i, tag });
const pristine = (): StoredEvent[] =>
  Array.from({ length: N }, (_, i) => ({ position: i, id: `e${i}`, bytes: bytesOf(i) }));
const hashes = pristine().map((r) => leafHash(r.bytes));
const leaves: LeafSource = { size: N, readLeaves: (s, c) => Buffer.concat(hashes.slice(s, s + c)) };
const tree = new MemoryTree(hashes);
const heads = [25, 50].map((size) => signer.signHead({ size, root: tree.root(size), time: size }));

type Op = [kind: number, a: number, b: number];

/** Apply tampering operations to a copy of the pristine store. */
function tamper(ops: Op[]): StoredEvent[] {
  let rows = pristine();
  for (const [kind, a, b] of ops) {
    if (rows.length === 0) break;
    const i = a % rows.length;
    const j = b % rows.length;
    switch (kind) {
      case 0: // alter
        rows[i] = { ...rows[i]!, bytes: bytesOf(rows[i]!.position, `edit ${b}`) };
        break;
      case 1: // delete
        rows = rows.filter((_, k) => k !== i);
        break;
      case 2: // insert with a fresh position
        rows.push({ position: N + (b % 5), id: `x${b}`, bytes: bytesOf(1000 + b) });
        break;
      case 3: // swap contents, keep positions
        [rows[i], rows[j]] = [
          { ...rows[i]!, bytes: rows[j]!.bytes },
          { ...rows[j]!, bytes: rows[i]!.bytes },
        ];
        break;
      case 4: // swap order of yield
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
        break;
      default: // duplicate claim on a position
        rows.splice(j, 0, { position: rows[i]!.position, id: `d${b}`, bytes: bytesOf(2000 + b) });
    }
  }
  return rows;
}

const same = (a: StoredEvent[], b: StoredEvent[]): boolean =>
  a.length === b.length &&
  a.every((r, k) => r.position === b[k]!.position && Buffer.compare(r.bytes, b[k]!.bytes) === 0);

test('untouched store verifies (the property below can fail)', async () => {
  assert.equal((await verifyStore({ rows: pristine(), leaves, heads, publicKeyPem: PUB })).ok, true);
});

test('any tampering is reported', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(5), fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }),
      async (ops) => {
        const rows = tamper(ops);
        const r = await verifyStore({ rows, leaves, heads, publicKeyPem: PUB });
        assert.equal(r.ok, same(rows, pristine()), JSON.stringify(r.findings.slice(0, 5)));
        assert.equal(r.ok, r.findings.length === 0);
      },
    ),
    fuzzOptions(),
  );
});

test('arbitrary rows never throw', async () => {
  const row = fc.record({
    position: fc.oneof(fc.integer({ min: -5, max: 60 }), fc.double(), fc.constant(2 ** 60)),
    id: fc.string({ maxLength: 5 }),
    bytes: fc.uint8Array({ maxLength: 20 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
      const r = await verifyStore({ rows, leaves, heads, publicKeyPem: PUB });
      assert.equal(typeof r.ok, 'boolean');
    }),
    fuzzOptions(),
  );
});
