/**
 * Fuzzing verifyBundle: any mutation of a real bundle is refused (never thrown), and hostile text
 * is answered with errors, never an exception.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, verifyBundle } from './bundle.js';
import { HeadSigner } from './heads.js';
import { MemoryTree, leafHash } from './merkle.js';
import { canonicalBytes } from './canonical.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-bundle-fuzz-'));
after(() => rmSync(base, { recursive: true, force: true }));
const signer = HeadSigner.open(base);
const PUB = signer.exportPublicKey();
const bytes = Array.from({ length: 9 }, (_, i) => canonicalBytes({ metadata: { uid: `e${i}` }, n: i }));
const tree = new MemoryTree(bytes.map((b) => leafHash(b)));
const head = signer.signHead({ size: tree.size, root: tree.root(), time: 1 });
const good = buildBundle({ head, publicKeyPem: PUB, signer, idField: 'metadata.uid' }, [
  { id: 'e2', leafIndex: 2, bytes: bytes[2]!, proof: tree.inclusionProof(2) },
  { id: 'e8', leafIndex: 8, bytes: bytes[8]!, proof: tree.inclusionProof(8) },
]);

test('the unmutated bundle verifies (the property below can fail)', () => {
  assert.equal(verifyBundle(good, PUB).ok, true);
});

test('any mutation of a bundle is refused, never thrown', () => {
  fc.assert(
    fc.property(mutatedText([good]), (text) => {
      const v = verifyBundle(text, PUB);
      if (text !== good) assert.equal(v.ok, false, 'a changed bundle must not verify');
      assert.equal(v.ok, v.errors.length === 0);
    }),
    fuzzOptions(),
  );
});

test('hostile text as the bundle or as the key: errors, no exception', () => {
  fc.assert(
    fc.property(hostileText, hostileText, (text, key) => {
      assert.equal(verifyBundle(text, PUB).ok, false);
      assert.equal(verifyBundle(good, key).ok, false);
    }),
    fuzzOptions(),
  );
});
