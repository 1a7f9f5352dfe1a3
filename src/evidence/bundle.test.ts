/**
 * Evidence bundles: a bundle verifies offline with the public key alone, and verification names
 * an altered event, swapped proofs, a forged head, a wrong key, truncation and relabelled ids.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BundleError,
  BundleWriter,
  buildBundle,
  verifyBundle,
  type BundleEvent,
  type BundleOptions,
} from './bundle.js';
import { HeadSigner } from './heads.js';
import { MemoryTree, leafHash } from './merkle.js';
import { canonicalBytes } from './canonical.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-bundle-'));
after(() => rmSync(base, { recursive: true, force: true }));

const signer = HeadSigner.open(join(base, 'installation'));
const otherSigner = HeadSigner.open(join(base, 'attacker'));
const PUB = signer.exportPublicKey();

const events = Array.from({ length: 40 }, (_, i) => ({
  metadata: { uid: `evt-${i}` },
  time: 1_700_000_000_000 + i,
  message: i % 7 === 0 ? `failed login for ünïcode user ${i}` : `event ${i}`,
  count: BigInt(i) * 10n ** 18n,
}));
const bytes = events.map((e) => canonicalBytes(e));
const tree = new MemoryTree(bytes.map((b) => leafHash(b)));
const head = signer.signHead({ size: tree.size, root: tree.root(), time: 1_700_000_100_000 });

const selected = [3, 4, 17, 39];
const bundleEvents = (): BundleEvent[] =>
  selected.map((i) => ({ id: `evt-${i}`, leafIndex: i, bytes: bytes[i]!, proof: tree.inclusionProof(i) }));
const options = (over: Partial<BundleOptions> = {}): BundleOptions => ({
  head,
  publicKeyPem: PUB,
  signer,
  query: 'class_uid = 3002 AND status = "failure"',
  idField: 'metadata.uid',
  createdAt: 1_700_000_200_000,
  ...over,
});
const good = buildBundle(options(), bundleEvents());

/** Replace line `lineNo` (0-based) of a bundle through `edit` on its parsed JSON. */
function editLine(text: string, lineNo: number, edit: (rec: Record<string, unknown>) => void): string {
  const lines = text.split('\n');
  const rec = JSON.parse(lines[lineNo]!) as Record<string, unknown>;
  edit(rec);
  lines[lineNo] = JSON.stringify(rec);
  return lines.join('\n');
}

describe('a good bundle', () => {
  test('verifies with the public key alone', () => {
    const v = verifyBundle(good, PUB);
    assert.deepEqual(v.errors, []);
    assert.equal(v.ok, true);
    assert.equal(v.events, 4);
    assert.equal(v.verified, 4);
    assert.deepEqual(v.head, head);
  });

  test('layout: header, one line per event with the exact canonical text, signed end', () => {
    const lines = good
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 6);
    assert.equal(lines[0]!.type, 'vigil-evidence');
    assert.equal(lines[0]!.version, 1);
    assert.deepEqual(lines[0]!.publicKey, { algorithm: 'Ed25519', pem: PUB, fingerprint: signer.keyId });
    assert.equal(lines[1]!.canonical, bytes[3]!.toString('utf8'));
    assert.equal(lines[1]!.leafIndex, 3);
    assert.equal(lines[5]!.type, 'end');
    assert.equal(lines[5]!.events, 4);
  });

  test('the streaming writer gives the same bytes; non-UTF-8 events travel as base64', () => {
    const w = new BundleWriter(options());
    assert.equal([w.header(), ...bundleEvents().map((e) => w.event(e)), w.end()].join(''), good);
    assert.throws(() => w.end(), BundleError);

    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    const t = new MemoryTree([leafHash(binary)]);
    const h = signer.signHead({ size: 1, root: t.root(), time: 1 });
    const text = buildBundle(options({ head: h, idField: undefined }), [
      { id: 'b', leafIndex: 0, bytes: binary, proof: [] },
    ]);
    assert.match(text, /"canonicalBase64":"/);
    assert.deepEqual(verifyBundle(text, PUB).errors, []);
  });

  test('an empty export still verifies', () => {
    const v = verifyBundle(buildBundle(options(), []), PUB);
    assert.deepEqual([v.ok, v.events], [true, 0]);
  });

  test('the writer refuses unprovable events and a head from another key', () => {
    const w = new BundleWriter(options());
    w.header();
    assert.throws(
      () => w.event({ ...bundleEvents()[0]!, bytes: Buffer.from('forged') }),
      /evt-3 \(leaf 3\) is not provable/,
    );
    assert.throws(() => w.event({ ...bundleEvents()[0]!, leafIndex: 40 }), /not provable/);
    assert.throws(
      () => new BundleWriter(options({ publicKeyPem: otherSigner.exportPublicKey() })),
      /does not verify/,
    );
  });
});

describe('tampering is detected', () => {
  test('an altered event: named by index, and the end digest breaks', () => {
    const bad = editLine(good, 2, (rec) => {
      rec.canonical = String(rec.canonical).replace('event 4', 'event 5');
    });
    const v = verifyBundle(bad, PUB);
    assert.equal(v.ok, false);
    assert.equal(v.verified, 3);
    assert.deepEqual(
      v.errors.map((e) => e.index),
      [1, null],
    );
    assert.match(v.errors[0]!.reason, /"evt-4" at leaf 4 is not in the signed tree/);
    assert.match(v.errors[1]!.reason, /digest/);
  });

  test('swapped proofs: both events fail', () => {
    const lines = good.split('\n');
    const a = JSON.parse(lines[1]!) as { proof: string[] };
    const b = JSON.parse(lines[3]!) as { proof: string[] };
    let bad = editLine(good, 1, (rec) => (rec.proof = b.proof));
    bad = editLine(bad, 3, (rec) => (rec.proof = a.proof));
    const v = verifyBundle(bad, PUB);
    assert.deepEqual(
      v.errors.filter((e) => e.index !== null).map((e) => e.index),
      [0, 2],
    );
    assert.match(v.errors[0]!.reason, /proof does not lead to the root/);
  });

  test('a swapped leaf index fails too', () => {
    const v = verifyBundle(
      editLine(good, 1, (rec) => (rec.leafIndex = 5)),
      PUB,
    );
    assert.deepEqual(v.errors[0], { index: 0, reason: v.errors[0]!.reason });
    assert.match(v.errors[0]!.reason, /"evt-3" at leaf 5 is not in the signed tree/);
  });

  test('a forged head (altered root, or re-signed by another key) proves nothing', () => {
    const forgedRoot = editLine(good, 0, (rec) => {
      (rec.treeHead as { root: string }).root = leafHash(Buffer.from('x')).toString('hex');
    });
    const v1 = verifyBundle(forgedRoot, PUB);
    assert.equal(v1.ok, false);
    assert.equal(v1.verified, 0);
    assert.ok(v1.errors.some((e) => e.index === null && /tree head: bad signature/.test(e.reason)));

    const forgedTree = new MemoryTree([leafHash(Buffer.from('{"metadata":{"uid":"evt-x"}}'))]);
    const forged = buildBundle(
      options({
        head: otherSigner.signHead({ size: 1, root: forgedTree.root(), time: 1 }),
        publicKeyPem: otherSigner.exportPublicKey(),
        signer: otherSigner,
      }),
      [{ id: 'evt-x', leafIndex: 0, bytes: Buffer.from('{"metadata":{"uid":"evt-x"}}'), proof: [] }],
    );
    const v2 = verifyBundle(forged, PUB);
    assert.equal(v2.ok, false);
    assert.equal(v2.verified, 0);
    const reasons = v2.errors.map((e) => e.reason).join('\n');
    assert.match(reasons, /made with key sha256:[0-9a-f]+, not the trusted key/);
    assert.match(reasons, /tree head: head names key/);
    assert.match(reasons, /end record’s signature does not verify/);
  });

  test('a wrong trusted key: the good bundle does not verify against it', () => {
    const v = verifyBundle(good, otherSigner.exportPublicKey());
    assert.equal(v.ok, false);
    assert.equal(v.verified, 0);
    assert.match(v.errors.map((e) => e.reason).join('\n'), /not the trusted key/);
    const junk = verifyBundle(good, 'junk');
    assert.deepEqual(junk.errors, [
      { index: null, reason: 'the trusted key is not an Ed25519 public key (PEM)' },
    ]);
  });

  test('removed, added or reordered lines and truncation are evident', () => {
    const lines = good.split('\n');
    const removed = [...lines.slice(0, 2), ...lines.slice(3)].join('\n');
    const vr = verifyBundle(removed, PUB);
    assert.equal(vr.ok, false);
    assert.match(vr.errors.map((e) => e.reason).join('\n'), /counts 4 events, the bundle has 3/);

    const reordered = [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n');
    assert.match(verifyBundle(reordered, PUB).errors[0]!.reason, /out of order/);

    const truncated = lines.slice(0, 3).join('\n') + '\n';
    assert.deepEqual(verifyBundle(truncated, PUB).errors, [
      { index: null, reason: 'no end record: the bundle is truncated' },
    ]);
    assert.match(verifyBundle(good.slice(0, -1), PUB).errors[0]!.reason, /does not end with a newline/);
  });

  test('a relabelled id is refused when the bundle declares its id field', () => {
    const v = verifyBundle(
      editLine(good, 4, (rec) => (rec.id = 'evt-1')),
      PUB,
    );
    assert.deepEqual(v.errors[0], {
      index: 3,
      reason: 'id "evt-1" is not the event\'s metadata.uid ("evt-39")',
    });
  });

  test('not a bundle at all', () => {
    for (const text of ['', 'hello\n', '{"type":"vigil-evidence","version":2}\n', '[1]\n']) {
      const v = verifyBundle(text, PUB);
      assert.equal(v.ok, false, text);
      assert.equal(v.events, 0);
    }
  });
});
