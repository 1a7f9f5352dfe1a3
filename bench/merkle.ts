/**
 * Merkle log figures on this machine: leaf hashing, append throughput (leaves/s, with a commit —
 * two fsyncs and the state file — every BENCH_MERKLE_COMMIT_EVERY leaves), reopen time, and the
 * latency of inclusion/consistency proof generation and verification at each size.
 * Knobs: BENCH_MERKLE_SIZES (default "1000000,10000000"), BENCH_MERKLE_BATCH (1000),
 * BENCH_MERKLE_COMMIT_EVERY (100000), BENCH_MERKLE_PROOFS (2000), BENCH_MERKLE_CACHE_MIN_LEVEL.
 * Run directly: `node .h/NAME/dist/bench/merkle.js` (or import runMerkleBench).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/evidence/merkle.js';
import { MerkleLog, DEFAULT_CACHE_MIN_LEVEL } from '../src/evidence/log.js';
import { HeadSigner } from '../src/evidence/heads.js';
import { verifyStore, type StoredEvent } from '../src/evidence/verify.js';

const SIZES = (process.env.BENCH_MERKLE_SIZES ?? '1000000,10000000').split(',').map(Number);
const BATCH = Number(process.env.BENCH_MERKLE_BATCH ?? 1000);
const COMMIT_EVERY = Number(process.env.BENCH_MERKLE_COMMIT_EVERY ?? 100_000);
const PROOFS = Number(process.env.BENCH_MERKLE_PROOFS ?? 2000);
const CACHE_MIN_LEVEL = Number(process.env.BENCH_MERKLE_CACHE_MIN_LEVEL ?? DEFAULT_CACHE_MIN_LEVEL);
const VERIFY_EVENTS = Number(process.env.BENCH_MERKLE_VERIFY_EVENTS ?? 1_000_000);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (ms: number): string => (ms * 1000).toFixed(1);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

/** Time `fn` once per item; returns per-call milliseconds. */
function timeEach<T>(items: T[], fn: (item: T) => void): number[] {
  return items.map((item) => {
    const t = performance.now();
    fn(item);
    return performance.now() - t;
  });
}

function leafHashing(): void {
  const event = Buffer.alloc(450, 'x');
  const n = 200_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    event.writeUInt32LE(i, 0);
    leafHash(event);
  }
  console.log(`leaf hashing (450-byte events): ${fmt(n / ((performance.now() - t) / 1000))} leaves/s`);
}

async function benchSize(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-merkle-bench-'));
  try {
    const log = MerkleLog.open(dir, { cacheMinLevel: CACHE_MIN_LEVEL });
    const batchBytes = Buffer.alloc(BATCH * 32);
    const batch: Buffer[] = Array.from({ length: BATCH }, (_, i) =>
      batchBytes.subarray(i * 32, (i + 1) * 32),
    );
    const commits: number[] = [];
    let sinceCommit = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    while (log.size < size) {
      const n = Math.min(BATCH, size - log.size);
      randomFillSync(batchBytes);
      log.append(n === BATCH ? batch : batch.slice(0, n));
      sinceCommit += n;
      if (sinceCommit >= COMMIT_EVERY || log.size === size) {
        const tc = performance.now();
        await log.commit();
        commits.push(performance.now() - tc);
        sinceCommit = 0;
      }
    }
    const appendMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const appendCpuS = (cpu.user + cpu.system) / 1e6;
    const disk = statSync(join(dir, 'leaves.bin')).size + statSync(join(dir, 'nodes.bin')).size;
    await log.close();

    const tOpen = performance.now();
    const reopened = MerkleLog.open(dir, { cacheMinLevel: CACHE_MIN_LEVEL });
    const openMs = performance.now() - tOpen;
    const root = reopened.root();

    const indices = Array.from({ length: PROOFS }, () => Math.floor(Math.random() * size));
    const proofs: Buffer[][] = [];
    const gen = timeEach(indices, (i) => proofs.push(reopened.inclusionProof(i)));
    const leaves = indices.map((i) => reopened.leaf(i));
    let k = 0;
    const ver = timeEach(indices, (i) => {
      const ok = verifyInclusion(i, size, leaves[k]!, proofs[k]!, root).ok;
      k++;
      if (!ok) throw new Error(`inclusion proof for ${i} did not verify`);
    });
    const olds = indices.map((i) => Math.max(1, i));
    const oldRoots = olds.map((m) => reopened.root(m));
    const cproofs: Buffer[][] = [];
    const cgen = timeEach(olds, (m) => cproofs.push(reopened.consistencyProof(m)));
    k = 0;
    const cver = timeEach(olds, (m) => {
      const ok = verifyConsistency(m, size, oldRoots[k]!, root, cproofs[k]!).ok;
      k++;
      if (!ok) throw new Error(`consistency proof from ${m} did not verify`);
    });
    await reopened.close();

    console.log(
      [
        `size ${fmt(size)} (cacheMinLevel ${CACHE_MIN_LEVEL}, batch ${BATCH}):`,
        `  append ${fmt(size / (appendMs / 1000))} leaves/s wall, ${fmt(size / appendCpuS)} per CPU-second (${(appendMs / 1000).toFixed(1)} s incl. ${commits.length} commits, commit median ${median(commits).toFixed(1)} ms)`,
        `  disk ${fmt(disk / 2 ** 20)} MiB (leaves + node cache), reopen ${openMs.toFixed(1)} ms`,
        `  inclusion proof: generate median ${us(median(gen))} µs (p99 ${us(p99(gen))}), verify median ${us(median(ver))} µs (p99 ${us(p99(ver))}), ${proofs[0]!.length} hashes`,
        `  consistency proof: generate median ${us(median(cgen))} µs (p99 ${us(p99(cgen))}), verify median ${us(median(cver))} µs (p99 ${us(p99(cver))})`,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A synthetic ~300-byte stored event. */
function syntheticEvent(i: number): StoredEvent {
  const bytes = Buffer.from(`{"metadata":{"uid":"evt-${i}"},"message":"${'x'.repeat(250)}","seq":${i}}`);
  return { position: i, id: `evt-${i}`, bytes };
}

/** `vigil verify`'s core over a whole store: heads ↔ log (full recompute) and store ↔ log. */
async function verifyBench(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-merkle-verify-'));
  try {
    const log = MerkleLog.open(join(dir, 'merkle'));
    for (let i = 0; i < size; i += BATCH) {
      const batch: Buffer[] = [];
      for (let j = i; j < Math.min(size, i + BATCH); j++) batch.push(leafHash(syntheticEvent(j).bytes));
      log.append(batch);
    }
    const signer = HeadSigner.open(dir);
    const heads = [Math.floor(size / 2), size].map((s) => signer.signHead({ size: s, root: log.root(s) }));
    function* rows(): Generator<StoredEvent> {
      for (let i = 0; i < size; i++) yield syntheticEvent(i);
    }
    const t = performance.now();
    const report = await verifyStore({
      rows: rows(),
      leaves: log,
      heads,
      publicKeyPem: signer.exportPublicKey(),
    });
    const ms = performance.now() - t;
    if (!report.ok)
      throw new Error(`verification of an untouched store failed: ${report.findings[0]?.detail}`);
    console.log(
      `verifyStore over ${fmt(size)} events (2 heads): ${(ms / 1000).toFixed(1)} s, ${fmt(size / (ms / 1000))} events/s`,
    );
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the Merkle log benchmark and print its figures. */
export async function runMerkleBench(): Promise<void> {
  leafHashing();
  for (const size of SIZES) await benchSize(size);
  if (VERIFY_EVENTS > 0) await verifyBench(VERIFY_EVENTS);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runMerkleBench();
}
