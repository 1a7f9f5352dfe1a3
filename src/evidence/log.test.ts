/**
 * The persistent Merkle log: roots and proofs equal an in-memory tree, commits survive reopening,
 * torn/uncommitted tails are cut, the cache repairs itself, truncateTo works, misuse is refused.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  rmSync,
  appendFileSync,
  truncateSync,
  statSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Frontier, MemoryTree, leafHash } from './merkle.js';
import { MerkleLog, MerkleLogError, cachedNodeCount, cachedNodePosition } from './log.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-merkle-log-'));
after(() => rmSync(base, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(base, `log-${dirs++}`);

const leaves = (from: number, n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`event-${from + i}`)));

/** Append `total` leaves in batches of varied sizes; returns the matching in-memory tree. */
function fill(log: MerkleLog, total: number, tree = new MemoryTree()): MemoryTree {
  const batchSizes = [1, 7, 0, 3, 64, 2, 100, 13];
  let b = 0;
  while (tree.size < total) {
    const n = Math.min(batchSizes[b++ % batchSizes.length]!, total - tree.size);
    const batch = leaves(tree.size, n);
    assert.equal(log.append(batch), tree.size);
    batch.forEach((h) => tree.append(h));
  }
  return tree;
}

/** Roots, proofs and leaves of the log equal the in-memory tree's (sampled pairs). */
function assertSameTree(log: MerkleLog, tree: MemoryTree): void {
  assert.equal(log.size, tree.size);
  assert.deepEqual(log.root(), tree.root());
  const n = tree.size;
  for (let s = 1; s <= n; s += Math.max(1, Math.floor(n / 37))) {
    assert.deepEqual(log.root(s), tree.root(s), `root ${s}`);
    for (const i of [0, Math.floor(s / 2), s - 1]) {
      assert.deepEqual(log.inclusionProof(i, s), tree.inclusionProof(i, s), `inclusion ${i}/${s}`);
    }
    assert.deepEqual(log.consistencyProof(s, n), tree.consistencyProof(s, n), `consistency ${s}→${n}`);
    assert.deepEqual(log.leaf(s - 1), Buffer.from(tree.leaf(s - 1)));
  }
}

describe('cached node layout', () => {
  test('positions and counts follow the order in which nodes complete', () => {
    for (const minLevel of [1, 2, 4]) {
      const order: string[] = [];
      const f = new Frontier();
      for (let i = 0; i < 300; i++) {
        f.push(leafHash(Buffer.of(i & 255, i >> 8)), (level, index) => {
          if (level >= minLevel) order.push(`${level}/${index}`);
        });
        assert.equal(cachedNodeCount(i + 1, minLevel), order.length, `count at ${i + 1}`);
      }
      order.forEach((key, pos) => {
        const [level, index] = key.split('/').map(Number) as [number, number];
        assert.equal(cachedNodePosition(level, index, minLevel), pos, `minLevel ${minLevel} node ${key}`);
      });
    }
  });
});

describe('MerkleLog', () => {
  test('an empty log: size 0, the empty root; proofs refused', async () => {
    const log = MerkleLog.open(freshDir());
    assert.equal(log.size, 0);
    assert.deepEqual(log.root(), new MemoryTree().root());
    assert.throws(() => log.inclusionProof(0), /not below tree size 0/);
    assert.deepEqual(log.append([]), 0);
    assert.deepEqual(log.lastCommit.size, 0);
    assert.equal(log.report.cacheRepaired, false);
    await log.close();
  });

  test('appends in batches: roots, proofs and leaf reads equal an in-memory tree', async () => {
    for (const cacheMinLevel of [1, 3, 4]) {
      const log = MerkleLog.open(freshDir(), { cacheMinLevel });
      const tree = fill(log, 777);
      assertSameTree(log, tree);
      assert.deepEqual(log.readLeaves(5, 3), Buffer.concat([tree.leaf(5), tree.leaf(6), tree.leaf(7)]));
      const chunks = [...log.leafChunks(0, log.size, 100)];
      assert.equal(chunks.length, 8);
      assert.deepEqual(Buffer.concat(chunks.map((c) => c.hashes)), log.readLeaves(0, 777));
      assert.throws(() => log.readLeaves(770, 8), MerkleLogError);
      await log.close();
    }
  });

  test('callers may reuse their leaf buffers between appends', async () => {
    const log = MerkleLog.open(freshDir());
    const tree = new MemoryTree();
    const scratch = Buffer.alloc(32);
    for (const h of leaves(0, 41)) {
      h.copy(scratch);
      log.append([scratch]);
      tree.append(scratch);
    }
    scratch.fill(0);
    assertSameTree(log, tree);
    assert.deepEqual(tree.root(), new MemoryTree(leaves(0, 41)).root());
    await log.close();
  });

  test('commit, close and reopen: the same tree, a clean report', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 500);
    const state = await log.commit();
    assert.equal(state.size, 500);
    assert.deepEqual(state.root, tree.root());
    await log.close();
    const again = MerkleLog.open(dir);
    assert.deepEqual(again.report, {
      leaves: 500,
      tornBytes: 0,
      uncommittedLeaves: 0,
      missingCommittedLeaves: 0,
      cacheRepaired: false,
      rootMatchesCommit: true,
    });
    assert.deepEqual(again.lastCommit, { size: 500, root: tree.root() });
    assertSameTree(again, tree);
    fill(again, 600, tree);
    assertSameTree(again, tree);
    await again.close();
  });

  test('a torn tail and uncommitted leaves are cut on reopen', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 300);
    log.commitSync();
    log.append(leaves(300, 40)); // never committed
    await log.close();
    appendFileSync(join(dir, 'leaves.bin'), Buffer.alloc(10, 0xab)); // torn write
    const again = MerkleLog.open(dir);
    assert.equal(again.report.tornBytes, 10);
    assert.equal(again.report.uncommittedLeaves, 40);
    assert.equal(again.report.rootMatchesCommit, true);
    assert.equal(statSync(join(dir, 'leaves.bin')).size, 300 * 32);
    assertSameTree(again, tree);
    await again.close();
  });

  test('without any commit, whole leaves are kept and a partial one cut', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 90);
    await log.close();
    appendFileSync(join(dir, 'leaves.bin'), Buffer.alloc(31, 1));
    const again = MerkleLog.open(dir);
    assert.equal(again.report.tornBytes, 31);
    assert.equal(again.report.rootMatchesCommit, null);
    assertSameTree(again, tree);
    await again.close();
  });

  test('truncateTo cuts back to the store’s size, durably; appends continue correctly', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    fill(log, 400);
    log.commitSync();
    log.truncateTo(257);
    const tree = new MemoryTree(leaves(0, 257));
    assertSameTree(log, tree);
    assert.equal(log.lastCommit.size, 257);
    assert.throws(() => log.truncateTo(258), MerkleLogError);
    const extra = leaves(10_000, 50);
    log.append(extra);
    extra.forEach((h) => tree.append(h));
    assertSameTree(log, tree);
    await log.close();
    const again = MerkleLog.open(dir);
    assert.equal(again.size, 257, 'the appends after truncation were never committed');
    assert.equal(again.report.uncommittedLeaves, 50);
    await again.close();
  });

  test('a lagging cache (nodes.bin cut short) is replayed from the leaves', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir, { cacheMinLevel: 2 });
    const tree = fill(log, 1000);
    log.commitSync();
    await log.close();
    const nodes = join(dir, 'nodes.bin');
    truncateSync(nodes, Math.floor(statSync(nodes).size / 3) + 5);
    const again = MerkleLog.open(dir, { cacheMinLevel: 2 });
    assert.equal(again.report.cacheRepaired, true);
    assert.equal(again.report.rootMatchesCommit, true);
    assert.equal(statSync(nodes).size, cachedNodeCount(1000, 2) * 32);
    assertSameTree(again, tree);
    await again.close();
  });

  test('a corrupted cache: a bad frontier node is rebuilt on open; rebuildCache() repairs the rest', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir, { cacheMinLevel: 1 });
    const tree = fill(log, 256 + 64 + 3);
    log.commitSync();
    await log.close();
    const nodes = join(dir, 'nodes.bin');
    const bytes = readFileSync(nodes);
    const frontierNode = cachedNodePosition(8, 0, 1); // the 256-leaf subtree on the right edge
    bytes[frontierNode * 32] ^= 1;
    writeFileSync(nodes, bytes);
    const again = MerkleLog.open(dir, { cacheMinLevel: 1 });
    assert.equal(again.report.cacheRepaired, true);
    assert.equal(again.report.rootMatchesCommit, true);
    assertSameTree(again, tree);
    await again.close();

    const inner = readFileSync(nodes);
    inner[cachedNodePosition(2, 1, 1) * 32] ^= 1; // inside the tree: not visible from the right edge
    writeFileSync(nodes, inner);
    const third = MerkleLog.open(dir, { cacheMinLevel: 1 });
    assert.equal(third.report.cacheRepaired, false);
    assert.notDeepEqual(third.inclusionProof(0, 256), tree.inclusionProof(0, 256));
    third.rebuildCache();
    assertSameTree(third, tree);
    await third.close();
  });

  test('altered leaves: on the right edge seen at open; anywhere once the cache is rebuilt', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 100);
    log.commitSync();
    await log.close();
    const file = join(dir, 'leaves.bin');
    const bytes = readFileSync(file);
    bytes[99 * 32 + 7] ^= 0x80; // in the 4-leaf subtree below the cached levels: hashed from leaves
    writeFileSync(file, bytes);
    const again = MerkleLog.open(dir);
    assert.equal(again.report.rootMatchesCommit, false);
    await again.close();

    bytes[99 * 32 + 7] ^= 0x80;
    bytes[42 * 32 + 7] ^= 0x80; // inside the cached 64-leaf subtree: open (O(log n)) cannot see it
    writeFileSync(file, bytes);
    const third = MerkleLog.open(dir);
    assert.equal(third.report.rootMatchesCommit, true);
    third.rebuildCache();
    assert.notDeepEqual(third.root(), tree.root());
    await third.close();
  });

  test('leaves lost below the commit are reported', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 100);
    log.commitSync();
    await log.close();
    truncateSync(join(dir, 'leaves.bin'), 60 * 32);
    const again = MerkleLog.open(dir);
    assert.equal(again.report.missingCommittedLeaves, 40);
    assert.equal(again.size, 60);
    assert.deepEqual(again.root(), tree.root(60));
    await again.close();
  });

  test('another cacheMinLevel on reopen rebuilds the cache', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir, { cacheMinLevel: 4 });
    const tree = fill(log, 333);
    log.commitSync();
    await log.close();
    const again = MerkleLog.open(dir, { cacheMinLevel: 2 });
    assert.equal(again.report.cacheRepaired, true);
    assert.equal(statSync(join(dir, 'nodes.bin')).size, cachedNodeCount(333, 2) * 32);
    assertSameTree(again, tree);
    await again.close();
  });

  test('concurrent commits serialise; truncateTo waits for none and refuses', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 10);
    const first = log.commit();
    log.append(leaves(10, 5));
    leaves(10, 5).forEach((h) => tree.append(h));
    const second = log.commit();
    assert.throws(() => log.truncateTo(3), /commit is in flight/);
    assert.throws(() => log.commitSync(), /in flight/);
    assert.ok((await first).size >= 10, 'a commit covers at least what was appended before it');
    assert.deepEqual(await second, { size: 15, root: tree.root() });
    await log.close();
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { size: number; root: string };
    assert.equal(state.size, 15);
    assert.equal(state.root, tree.root().toString('hex'));
  });

  test('bad input is refused without changing the log; a closed log refuses everything', async () => {
    const dir = freshDir();
    const log = MerkleLog.open(dir);
    const tree = fill(log, 20);
    assert.throws(
      () => log.append([leafHash(Buffer.of(1)), Buffer.alloc(31)]),
      /leaf hash #1 must be 32 bytes/,
    );
    assertSameTree(log, tree);
    assert.throws(() => log.leaf(20), MerkleLogError);
    assert.throws(() => log.root(21), MerkleLogError);
    assert.throws(() => MerkleLog.open(freshDir(), { cacheMinLevel: 0 }), /cacheMinLevel/);
    await log.close();
    assert.throws(() => log.append(leaves(0, 1)), /closed/);
    writeFileSync(join(dir, 'state.json'), '{"version":9}');
    assert.throws(() => MerkleLog.open(dir), /not a version 1 log state/);
  });
});
