/**
 * Learned detectors' figures on this machine, with BENCH_BASELINE_ENTITIES (default 100,000)
 * distinct entities: a rate baseline (failed logins per user per 5 minutes) and a first-seen
 * detector (host → external IP), each fed BENCH_BASELINE_ROUNDS (default 5) events per entity
 * spread over as many buckets. Reports events/s (median of BENCH_BASELINE_RUNS, default 3, runs),
 * the memory the state holds (heapUsed + arrayBuffers delta; run with `node --expose-gc` for exact
 * figures), and the
 * snapshot's JSON size and save/restore times.
 * Run directly: `node --expose-gc .h/NAME/dist/bench/baseline.js` (or import benchBaseline).
 */
import { fileURLToPath } from 'node:url';
import type { OcsfEvent } from '../src/normalize/ocsf.js';
import { FirstSeenDetector } from '../src/detect/baseline/first-seen.js';
import { RateBaseline } from '../src/detect/baseline/rate.js';
import type { StreamAnalyzer } from '../src/detect/baseline/analyzer.js';
import { connection, failedLogin, MINUTE, pair, series, T0 } from '../src/detect/baseline/testkit.js';

const ENTITIES = Number(process.env.BENCH_BASELINE_ENTITIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_BASELINE_ROUNDS ?? 5);
const RUNS = Number(process.env.BENCH_BASELINE_RUNS ?? 3);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  // Typed arrays (the known-pair hashes) live outside the JS heap.
  return m.heapUsed + m.arrayBuffers;
}

export interface BaselineFigures {
  name: string;
  entities: number;
  events: number;
  eventsPerSec: number;
  heapMiB: number;
  bytesPerEntity: number;
  snapshotMiB: number;
  snapshotMs: number;
  restoreMs: number;
  signals: number;
}

/** One run in its own frame, so nothing of it outlives the call (the next run's baseline is clean). */
function runOnce(
  make: () => StreamAnalyzer,
  events: OcsfEvent[],
  keep: boolean,
): { rate: number; heap: number; signals: number; json?: string; snapshotMs?: number } {
  const before = heapUsed();
  const analyzer = make();
  let signals = 0;
  const t = performance.now();
  for (const e of events) signals += analyzer.observe(e, e.time).length;
  const rate = events.length / ((performance.now() - t) / 1000);
  const heap = heapUsed() - before;
  if (!keep) return { rate, heap, signals };
  const t0 = performance.now();
  const json = JSON.stringify(analyzer.snapshot());
  return { rate, heap, signals, json, snapshotMs: performance.now() - t0 };
}

function measure(name: string, make: () => StreamAnalyzer, events: OcsfEvent[]): BaselineFigures {
  const runs = Array.from({ length: RUNS }, (_, i) => runOnce(make, events, i === RUNS - 1));
  const last = runs[runs.length - 1]!;
  const t1 = performance.now();
  make().restore(JSON.parse(last.json!));
  const restoreMs = performance.now() - t1;
  const heap = median(runs.map((r) => r.heap));
  return {
    name,
    entities: ENTITIES,
    events: events.length,
    eventsPerSec: median(runs.map((r) => r.rate)),
    heapMiB: heap / 2 ** 20,
    bytesPerEntity: heap / ENTITIES,
    snapshotMiB: Buffer.byteLength(last.json!) / 2 ** 20,
    snapshotMs: last.snapshotMs!,
    restoreMs,
    signals: last.signals,
  };
}

/** Round r: every entity once, in bucket r (5 minutes apart), in a shuffled but fixed order. */
function stream(make: (entity: number, time: number) => OcsfEvent): OcsfEvent[] {
  const events: OcsfEvent[] = [];
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < ENTITIES; i++) {
      const entity = (i * 7919) % ENTITIES;
      events.push(make(entity, T0 + r * 5 * MINUTE + Math.floor((i / ENTITIES) * 4 * MINUTE)));
    }
  return events;
}

export async function benchBaseline(): Promise<BaselineFigures[]> {
  const logins = stream((u, t) => failedLogin(t, `user${u}`));
  const rate = measure(
    'rate baseline (failed logins per user per 5 min)',
    () =>
      new RateBaseline(
        series({
          name: 'failed_logins',
          filter: { class_uid: [3002], where: { status_id: 2 } },
          entity: ['user.name'],
          max_entities: ENTITIES,
          history: 48,
        }),
      ),
    logins,
  );
  logins.length = 0;
  // Each host reaches one address per round: ROUNDS × ENTITIES pairs, all kept.
  const connections = stream((h, t) =>
    connection(
      t,
      { host: `host${h}`, ip: '10.0.0.1' },
      `8.${(h >> 8) & 255}.${h & 255}.${(t / MINUTE) & 255}`,
    ),
  );
  const firstSeen = measure(
    'first-seen (host → external IP)',
    () =>
      new FirstSeenDetector(
        pair({
          name: 'host_external_ip',
          filter: { class_uid: [4001] },
          left: ['device.hostname'],
          right: ['dst_endpoint.ip'],
          right_public_ip: true,
          learning_period: '2m',
          max_pairs: ENTITIES * ROUNDS,
        }),
      ),
    connections,
  );
  const figures = [rate, firstSeen];
  console.log(
    `learned detectors, ${fmt(ENTITIES)} entities × ${ROUNDS} rounds${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: heap figures approximate)'}:`,
  );
  for (const f of figures)
    console.log(
      `  ${f.name.padEnd(50)} ${fmt(f.eventsPerSec).padStart(10)} events/s   heap ${mib(f.heapMiB * 2 ** 20)} MiB (${fmt(f.bytesPerEntity)} B/entity)   snapshot ${f.snapshotMiB.toFixed(1)} MiB, save ${fmt(f.snapshotMs)} ms, restore ${fmt(f.restoreMs)} ms   signals ${fmt(f.signals)}`,
    );
  console.log(
    `  ratio rate/first-seen throughput: ${(rate.eventsPerSec / firstSeen.eventsPerSec).toFixed(2)}`,
  );
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchBaseline();
