/**
 * `vigil verify`'s core with a simulated store (arrays): each kind of tampering is named by id and
 * position, and bad or contradicted signed heads are reported.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStore, type LeafSource, type StoredEvent, type VerifyInput, type Finding } from './verify.js';
import { HeadSigner, type SignedHead } from './heads.js';
import { MemoryTree, leafHash } from './merkle.js';
import { canonicalBytes } from './canonical.js';
import { MerkleLog } from './log.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-verify-'));
after(() => rmSync(base, { recursive: true, force: true }));
const signer = HeadSigner.open(join(base, 'install'));
const intruder = HeadSigner.open(join(base, 'intruder'));
const PUB = signer.exportPublicKey();

const N = 30;
const eventBytes = (i: number, tag = ''): Buffer =>
  canonicalBytes({ metadata: { uid: `e${i}` }, seq: i, note: tag });
/** The store as ingested: position i holds event e<i>. */
const pristine = (): StoredEvent[] =>
  Array.from({ length: N }, (_, i) => ({ position: i, id: `e${i}`, bytes: eventBytes(i) }));
const leafList = (): Buffer[] => pristine().map((r) => leafHash(r.bytes));

/** A leaf source over an array of leaf hashes. */
function leafSource(hashes: Buffer[]): LeafSource {
  return {
    size: hashes.length,
    readLeaves: (start, count) => Buffer.concat(hashes.slice(start, start + count)),
  };
}
const tree = new MemoryTree(leafList());
const heads: SignedHead[] = [10, 20, 30].map((size) =>
  signer.signHead({ size, root: tree.root(size), time: size }),
);

function run(rows: StoredEvent[], over: Partial<VerifyInput> = {}) {
  return verifyStore({ rows, leaves: leafSource(leafList()), heads, publicKeyPem: PUB, ...over });
}
const brief = (fs: Finding[]) =>
  fs.map(
    (f) =>
      `${f.kind}@${f.position ?? '-'}${f.id ? `:${f.id}` : ''}${f.count && f.count > 1 ? `x${f.count}` : ''}`,
  );

describe('store ↔ log', () => {
  test('an untouched store verifies', async () => {
    const r = await run(pristine());
    assert.equal(r.ok, true);
    assert.deepEqual(r.findings, []);
    assert.equal(r.events, N);
    assert.deepEqual(r.heads, { checked: 3, valid: 3, latestValidSize: 30, unsignedTail: 0 });
    assert.deepEqual(r.range, { from: 0, to: N });
  });

  test('altered: an event whose bytes changed', async () => {
    const rows = pristine();
    rows[5] = { ...rows[5]!, bytes: eventBytes(5, 'edited') };
    const r = await run(rows);
    assert.equal(r.ok, false);
    assert.deepEqual(brief(r.findings), ['altered@5:e5']);
    assert.match(r.findings[0]!.detail, /event e5 at position 5 does not match its leaf hash/);
  });

  test('deleted: a run of missing positions, with the ids either side', async () => {
    const rows = pristine().filter((r) => r.position !== 7 && r.position !== 8);
    const r = await run(rows);
    assert.deepEqual(brief(r.findings), ['deleted@7x2']);
    assert.equal(
      r.findings[0]!.detail,
      'positions 7..8 are in the log but not in the store (after e6, before e9)',
    );
    assert.equal(r.counts.deleted, 2);
    const first = await run(pristine().slice(1));
    assert.equal(first.findings[0]!.detail, 'position 0 is in the log but not in the store (before e1)');
    const last = await run(pristine().slice(0, -1));
    assert.equal(last.findings[0]!.detail, 'position 29 is in the log but not in the store (after e28)');
  });

  test('inserted: beyond the log, or a second claim on a position', async () => {
    const extra = { position: N, id: 'x1', bytes: eventBytes(99) };
    const dup = { position: 3, id: 'x2', bytes: eventBytes(98) };
    const r = await run([...pristine(), extra, dup]);
    assert.deepEqual(brief(r.findings).sort(), ['inserted@30:x1', 'inserted@3:x2']);
    assert.match(r.findings.find((f) => f.id === 'x1')!.detail, /beyond the log's 30 leaves/);
    assert.match(r.findings.find((f) => f.id === 'x2')!.detail, /which another stored event already holds/);
  });

  test('inserted before the genuine event at the same position: the intruder is named', async () => {
    const rows = pristine();
    rows.splice(4, 0, { position: 4, id: 'fake', bytes: eventBytes(4, 'fake') });
    const r = await run(rows);
    assert.deepEqual(brief(r.findings), ['inserted@4:fake']);
  });

  test('inserted with renumbering: the new event, and every shifted one, are named', async () => {
    const rows = pristine().map((r) => (r.position >= 26 ? { ...r, position: r.position + 1 } : r));
    rows.splice(26, 0, { position: 26, id: 'new', bytes: eventBytes(26, 'forged') });
    const r = await run(rows);
    assert.deepEqual(brief(r.findings).sort(), [
      'inserted@26:new',
      'reordered@27:e26',
      'reordered@28:e27',
      'reordered@29:e28',
      'reordered@30:e29',
    ]);
    assert.match(
      r.findings.find((f) => f.id === 'e29')!.detail,
      /position 30, beyond the log but the log has it at position 29/,
    );
    assert.equal(r.counts.altered + r.counts.deleted, 0);
  });

  test('reordered: two events’ contents swapped', async () => {
    const rows = pristine();
    [rows[2], rows[9]] = [
      { position: 2, id: 'e9', bytes: rows[9]!.bytes },
      { position: 9, id: 'e2', bytes: rows[2]!.bytes },
    ];
    const r = await run(rows);
    assert.deepEqual(brief(r.findings), ['reordered@2:e9', 'reordered@9:e2']);
    assert.match(r.findings[0]!.detail, /event e9 is stored at position 2 but the log has it at position 9/);
  });

  test('reordered: the store yields events out of position order', async () => {
    const rows = pristine();
    [rows[11], rows[12]] = [rows[12]!, rows[11]!];
    const r = await run(rows);
    assert.deepEqual(brief(r.findings), ['reordered@11:e11']);
    assert.match(r.findings[0]!.detail, /comes after position 12 in ingest order/);
  });

  test('reordered: an event deleted and re-added at the end', async () => {
    const rows = pristine().filter((r) => r.position !== 4);
    rows.push({ position: N, id: 'e4', bytes: eventBytes(4) });
    const r = await run(rows);
    assert.deepEqual(brief(r.findings), ['reordered@30:e4']);
  });

  test('a range checks only its positions; async rows work too', async () => {
    const rows = pristine().filter((r) => r.position !== 15);
    async function* stream() {
      for (const r of rows) yield r;
    }
    const r = await verifyStore({
      rows: stream(),
      leaves: leafSource(leafList()),
      heads,
      publicKeyPem: PUB,
      range: { from: 10, to: 20 },
    });
    assert.deepEqual(r.range, { from: 10, to: 20 });
    assert.deepEqual(brief(r.findings), ['deleted@15']);
    const clean = await run(pristine().slice(20), { range: { from: 20, to: 99 } });
    assert.deepEqual(clean.range, { from: 20, to: 30 });
    assert.equal(clean.ok, true);
  });

  test('findings are capped, counts stay exact', async () => {
    const rows = pristine().map((r) => ({ ...r, bytes: eventBytes(r.position, 'all edited') }));
    const r = await run(rows, { maxFindings: 3 });
    assert.equal(r.findings.length, 3);
    assert.equal(r.counts.altered, N);
    assert.equal(r.truncated, true);
  });
});

describe('heads ↔ log', () => {
  test('a log rewritten to match an altered store is caught by the signed heads, localised', async () => {
    const rows = pristine();
    rows[14] = { ...rows[14]!, bytes: eventBytes(14, 'edited') };
    const leaves = leafList();
    leaves[14] = leafHash(rows[14].bytes); // the attacker also rewrote the leaf log
    const r = await run(rows, { leaves: leafSource(leaves) });
    assert.equal(r.counts.altered, 0, 'store and log agree with each other');
    assert.deepEqual(brief(r.findings), ['log@10', 'log@10']);
    assert.match(
      r.findings[0]!.detail,
      /does not match signed head #1 \(size 20\); the first changed leaf is in positions 10..19/,
    );
  });

  test('forged and foreign heads, heads out of order, unreadable head lines', async () => {
    const forged = { ...heads[2]!, root: tree.root(29).toString('hex') };
    const foreign = intruder.signHead({ size: 30, root: tree.root(), time: 1 });
    const shrinking = signer.signHead({ size: 5, root: tree.root(5), time: 99 });
    const r = await run(pristine(), {
      heads: [...heads, forged, foreign, shrinking],
      badHeadLines: [{ line: 7, reason: 'not JSON' }],
    });
    assert.deepEqual(
      r.findings.map((f) => f.detail),
      [
        'heads file line 7 is not a signed head: not JSON',
        'head #3 (size 30): bad signature',
        `head #4 (size 30): head names key ${intruder.keyId}, not the trusted ${signer.keyId}`,
        'head #5 (size 5) is smaller than an earlier head (size 30): heads out of order',
      ],
    );
    assert.deepEqual(r.heads, { checked: 6, valid: 4, latestValidSize: 30, unsignedTail: 0 });
  });

  test('a log cut below a signed head; leaves not yet covered by a head', async () => {
    const r = await run(pristine().slice(0, 25), { leaves: leafSource(leafList().slice(0, 25)) });
    assert.deepEqual(brief(r.findings), ['log@25']);
    assert.match(r.findings[0]!.detail, /covers 30 leaves but the log has 25: leaves were removed/);
    const tail = await run(pristine(), { heads: heads.slice(0, 2) });
    assert.equal(tail.ok, true);
    assert.equal(tail.heads.unsignedTail, 10);
    const none = await run(pristine(), { skipHeads: true });
    assert.equal(none.ok, true);
  });

  test('works over a real MerkleLog', async () => {
    const log = MerkleLog.open(join(base, 'log'));
    log.append(leafList());
    const r = await verifyStore({ rows: pristine(), leaves: log, heads, publicKeyPem: PUB });
    assert.equal(r.ok, true);
    const rows = pristine();
    rows[29] = { ...rows[29]!, bytes: eventBytes(29, 'x') };
    assert.deepEqual(brief((await verifyStore({ rows, leaves: log, heads, publicKeyPem: PUB })).findings), [
      'altered@29:e29',
    ]);
    await log.close();
  });
});
