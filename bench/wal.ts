/**
 * The write-ahead buffer's figures on this machine, side by side in one run:
 *  1. Appends of 100-event batches (~450-byte records, encoded with encodeBatch) from several
 *     concurrent appenders, for each fsync policy (`always`, `interval`, `never`): MB/s,
 *     entries/s, events/s, p50/p99 acknowledgement latency, fsyncs and entries per fsync.
 *  2. Reopening: recovery (every checksum verified) and a full replay, MB/s.
 *  3. The batch payload codec against JSON: encode and decode MB/s.
 * Medians of 3 runs. Runnable directly: `node dist/bench/wal.js`.
 * Knobs: BENCH_WAL_ENTRIES (default 1500 per run), BENCH_WAL_APPENDERS (8), BENCH_WAL_DIR (os.tmpdir()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeBatch, encodeBatch, type BufferedBatch } from '../src/buffer/batch.js';
import { TestFs } from '../src/buffer/testing-fs.js';
import { Wal, type FsyncPolicy } from '../src/buffer/wal.js';
import { benchEvent, createRng } from '../src/demo/generate.js';

const ENTRIES = Number(process.env.BENCH_WAL_ENTRIES ?? 1500);
const APPENDERS = Number(process.env.BENCH_WAL_APPENDERS ?? 8);
const BASE_DIR = process.env.BENCH_WAL_DIR ?? tmpdir();
const RUNS = 3;
const EVENTS_PER_BATCH = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function makeBatches(count: number): BufferedBatch[] {
  const rng = createRng(7);
  const batches: BufferedBatch[] = [];
  for (let b = 0; b < count; b++) {
    const records = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
      text: benchEvent(rng, b * EVENTS_PER_BATCH + i),
      position: `bench line ${b * EVENTS_PER_BATCH + i + 1}`,
    }));
    batches.push({ source: 'bench', receivedAt: Date.now(), records });
  }
  return batches;
}

interface AppendRun {
  seconds: number;
  bytes: number;
  latencies: number[];
  fsyncs: number;
}

async function appendRun(policy: FsyncPolicy, payloads: Buffer[]): Promise<AppendRun> {
  const root = mkdtempSync(join(BASE_DIR, 'vigil-wal-bench-'));
  const fs = new TestFs();
  try {
    const wal = await Wal.open({ dir: join(root, 'buffer'), fsync: policy, fs });
    const latencies: number[] = [];
    let next = 0;
    let bytes = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: APPENDERS }, async () => {
        while (next < ENTRIES) {
          const payload = payloads[next++ % payloads.length]!;
          const t0 = performance.now();
          await wal.append(payload);
          latencies.push(performance.now() - t0);
          bytes += payload.length;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await wal.close();
    return { seconds, bytes, latencies, fsyncs: fs.datasyncs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function appendBench(payloads: Buffer[]): Promise<void> {
  const avg = payloads.reduce((n, p) => n + p.length, 0) / payloads.length;
  console.log(
    `WAL appends: ${fmt(ENTRIES)} entries of ${EVENTS_PER_BATCH} events (~${fmt(avg / 1024, 1)} KiB each), ` +
      `${APPENDERS} concurrent appenders, in ${BASE_DIR}; medians of ${RUNS}`,
  );
  console.log('policy     MB/s   entries/s    events/s   p50 ms   p99 ms   fsyncs  entries/fsync');
  for (const policy of ['always', 'interval', 'never'] as const) {
    const runs: AppendRun[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await appendRun(policy, payloads));
    const mbps = median(runs.map((r) => r.bytes / r.seconds / 1e6));
    const eps = median(runs.map((r) => ENTRIES / r.seconds));
    const p50 = median(runs.map((r) => percentile(r.latencies, 0.5)));
    const p99 = median(runs.map((r) => percentile(r.latencies, 0.99)));
    const fsyncs = median(runs.map((r) => r.fsyncs));
    console.log(
      [
        policy.padEnd(8),
        fmt(mbps, 1).padStart(6),
        fmt(eps).padStart(11),
        fmt(eps * EVENTS_PER_BATCH).padStart(11),
        fmt(p50, 2).padStart(8),
        fmt(p99, 2).padStart(8),
        fmt(fsyncs).padStart(8),
        (fsyncs > 0 ? fmt(ENTRIES / fsyncs, 1) : '-').padStart(14),
      ].join(' '),
    );
  }
}

async function reopenBench(payloads: Buffer[]): Promise<void> {
  const root = mkdtempSync(join(BASE_DIR, 'vigil-wal-bench-'));
  try {
    const dir = join(root, 'buffer');
    const wal = await Wal.open({ dir, fsync: 'never' });
    let bytes = 0;
    for (let i = 0; i < ENTRIES; i++) {
      const payload = payloads[i % payloads.length]!;
      bytes += payload.length;
      await wal.append(payload);
    }
    await wal.close();
    const opens: number[] = [];
    const replays: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const reopened = await Wal.open({ dir });
      const t1 = performance.now();
      let n = 0;
      for await (const entry of reopened.replay(0)) n += entry.payload.length > 0 ? 1 : 0;
      const t2 = performance.now();
      await reopened.close();
      if (n !== ENTRIES) throw new Error(`replayed ${n} of ${ENTRIES}`);
      opens.push(t1 - t0);
      replays.push(t2 - t1);
    }
    const mb = bytes / 1e6;
    console.log(
      `\nReopen ${fmt(mb)} MB (${fmt(ENTRIES)} entries, page cache warm): recovery ${fmt(median(opens))} ms ` +
        `(${fmt(mb / (median(opens) / 1000))} MB/s), replay ${fmt(median(replays))} ms (${fmt(mb / (median(replays) / 1000))} MB/s)`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function timeIt(fn: () => void, minMs = 300): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    n++;
  }
  return (performance.now() - start) / 1000 / n;
}

function codecBench(batches: BufferedBatch[]): void {
  const rawBytes = batches.reduce(
    (n, b) => n + b.records.reduce((m, r) => m + Buffer.byteLength(r.text), 0),
    0,
  );
  const toJson = (b: BufferedBatch): Buffer =>
    Buffer.from(
      JSON.stringify({
        s: b.source,
        t: b.receivedAt,
        r: b.records.map((r) => [r.text, r.position, r.format]),
      }),
    );
  const binary = batches.map(encodeBatch);
  const json = batches.map(toJson);
  const size = (xs: Buffer[]): number => xs.reduce((n, x) => n + x.length, 0);
  const rate = (seconds: number): string => fmt(rawBytes / seconds / 1e6).padStart(8);
  const measure = (fn: () => void): number => median(Array.from({ length: RUNS }, () => timeIt(fn)));
  const encBin = measure(() => batches.forEach(encodeBatch));
  const decBin = measure(() => binary.forEach(decodeBatch));
  const encJson = measure(() => batches.forEach(toJson));
  const decJson = measure(() => json.forEach((j) => JSON.parse(j.toString('utf8'))));
  console.log(
    `\nBatch payload codec over ${batches.length} batches (MB/s of record text; payload bytes per text byte)`,
  );
  console.log('codec     encode   decode   size');
  console.log(`binary  ${rate(encBin)} ${rate(decBin)}   ${(size(binary) / rawBytes).toFixed(3)}`);
  console.log(`JSON    ${rate(encJson)} ${rate(decJson)}   ${(size(json) / rawBytes).toFixed(3)}`);
}

/** Runs the three parts and prints their figures. */
export async function runWalBench(): Promise<void> {
  const batches = makeBatches(50);
  await appendBench(batches.map(encodeBatch));
  await reopenBench(batches.map(encodeBatch));
  codecBench(batches);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runWalBench();
}
