/**
 * `npm run bench`: Vigil's figures on this machine, measured side by side in one run.
 *  1. End-to-end ingest: NDJSON over HTTP → normalized → durably stored (acknowledged) → searchable,
 *     against a real `vigil serve` process, with ~450-byte events from several concurrent clients.
 *     Reports events/s, MB/s, p50/p99 acknowledgement latency, the server's peak RSS, bytes/event,
 *     and how long after the last acknowledgement everything is searchable. Three runs side by
 *     side: the write-ahead buffer with fsync (the default), without fsync, and no buffer at all.
 *  2. Queries over BENCH_QUERY_EVENTS (default 10 million) stored events: a filtered count and a
 *     `stats count() by`, median of several runs.
 *  3. The write-ahead buffer alone, and the other components' own benchmarks.
 * Knobs: BENCH_EVENTS (default 1,000,000), BENCH_QUERY_EVENTS, BENCH_CLIENTS (4), BENCH_BATCH (5000).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchEvent, createRng } from '../src/demo/generate.js';
import { startVigil, freePort, vigil } from '../src/e2e/harness.js';
import { runSearch } from '../src/query/search.js';
import { EventStore } from '../src/store/duckdb.js';
import { benchBaseline } from './baseline.js';
import { benchConsole } from './console.js';
import { benchCorrelate } from './correlate.js';
import { runDetectBench } from './detect.js';
import { benchMetrics } from './metrics.js';
import { benchOtlp } from './otlp.js';
import { runMerkleBench } from './merkle.js';
import { runNormalizeBenchCloud } from './normalize.cloud.js';
import { runNormalizeBenchHost } from './normalize.host.js';
import { runNormalizeBenchNetwork } from './normalize.network.js';
import { runWalBench } from './wal.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const QUERY_EVENTS = Number(process.env.BENCH_QUERY_EVENTS ?? 10_000_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

interface IngestFigures {
  name: string;
  dataDir: string;
  eventsPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
  rssMiB: number;
  bytesPerEvent: number;
  /** From the last acknowledgement until every event is searchable. */
  searchableLagMs: number;
}

/** The ingest runs, side by side: what durability costs. */
const VARIANTS = [
  { name: 'buffer, fsync always (default: durable at ack)', buffer: '{ fsync: always }' },
  { name: 'buffer, fsync never (OS page cache)', buffer: '{ fsync: never }' },
  { name: 'no buffer (ack after the store commit)', buffer: '{ enabled: false }' },
];

async function ingestBench(variant: (typeof VARIANTS)[number]): Promise<IngestFigures> {
  const rng = createRng(1);
  const bodies: string[] = [];
  let bytes = 0;
  for (let i = 0; i < EVENTS; i += BATCH) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(EVENTS, i + BATCH); j++) lines.push(benchEvent(rng, j));
    const body = lines.join('\n');
    bytes += Buffer.byteLength(body);
    bodies.push(body);
  }
  const port = await freePort();
  const server = await startVigil(`api: { port: ${port} }\nbuffer: ${variant.buffer}\nsources: []\n`);
  const token = vigil([
    'token',
    'create',
    '--role',
    'ingest',
    '--name',
    'bench',
    '--data-dir',
    server.dataDir,
  ]).stdout.trim();
  const latencies: number[] = [];
  let next = 0;
  let retries = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const t0 = performance.now();
          const response = await fetch(`${server.url}/api/v1/ingest`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
            body,
          });
          await response.arrayBuffer();
          if (response.status === 429) {
            retries++;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          if (response.status !== 200) throw new Error(`ingest failed: ${response.status}`);
          latencies.push(performance.now() - t0);
          break;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const acked = performance.now();
  const count = () =>
    Number(
      JSON.parse(
        vigil(['search', '| stats count() as n', '--format', 'ndjson', '--data-dir', server.dataDir]).stdout,
      ).n,
    );
  let searchable = count();
  while (searchable < EVENTS && performance.now() - acked < 600_000) {
    await new Promise((r) => setTimeout(r, 100));
    searchable = count();
  }
  const searchableLagMs = performance.now() - acked;
  const rss = peakRssBytes(server.process.pid!);
  await server.stop();
  const dbBytes = statSync(join(server.dataDir, 'events.duckdb')).size;
  const figures: IngestFigures = {
    name: variant.name,
    dataDir: server.dataDir,
    eventsPerSec: EVENTS / seconds,
    mbPerSec: bytes / seconds / 1e6,
    p50: median(latencies),
    p99: percentile(latencies, 0.99),
    rssMiB: rss / 2 ** 20,
    bytesPerEvent: dbBytes / searchable,
    searchableLagMs,
  };
  console.log(
    `${variant.name}: ${(bytes / EVENTS).toFixed(0)}-byte events, ${fmt(figures.eventsPerSec)} events/s, ${figures.mbPerSec.toFixed(1)} MB/s, ` +
      `ack p50 ${figures.p50.toFixed(0)} ms p99 ${figures.p99.toFixed(0)} ms, peak RSS ${figures.rssMiB.toFixed(0)} MiB, ` +
      `${figures.bytesPerEvent.toFixed(1)} bytes/event, all ${fmt(searchable)} searchable ${figures.searchableLagMs.toFixed(0)} ms after the last ack ` +
      `(${retries} 429 retries)`,
  );
  return figures;
}

async function queryBench(dataDir: string): Promise<void> {
  const store = await EventStore.open(dataDir);
  let count = await store.count();
  const base = count;
  // Grow to QUERY_EVENTS by copying the ingested events forward in time (realistic values, new ids).
  const grow = performance.now();
  while (count < QUERY_EVENTS) {
    const take = Math.min(base, QUERY_EVENTS - count);
    await store.query(
      `INSERT INTO events SELECT * REPLACE (id + $1 AS id, time + to_milliseconds($2) AS time) FROM events WHERE id <= $3`,
      [BigInt(count), BigInt(Math.floor(count / base) * 3_600_000), BigInt(take)],
    );
    count += take;
  }
  await store.checkpoint();
  console.log('');
  console.log(
    `## Queries over ${fmt(await store.count())} stored events (grown in ${((performance.now() - grow) / 1000).toFixed(0)} s)`,
  );
  const queries = [
    ['filtered count', 'event_code=4625 AND user=admin* | stats count()'],
    ['stats count() by', '| stats count() by host'],
    ['stats by two fields', '| stats count(), dc(user) by class_uid, host'],
    ['free-text search, first page', 'mimikatz | head 50'],
  ];
  for (const [name, q] of queries) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await runSearch(store, q!, { now: Date.now() + 365 * 86_400_000 });
      times.push(performance.now() - t0);
    }
    console.log(
      `${name.padEnd(30)} median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)})  ${q}`,
    );
  }
  await store.close();
  const bytes = statSync(join(dataDir, 'events.duckdb')).size;
  console.log(`on disk at this size: ${(bytes / count).toFixed(1)} bytes/event`);
}

console.log('## End-to-end ingest (NDJSON over HTTP → normalized → durably stored → searchable)');
console.log(
  `${fmt(EVENTS)} events per run, ${CLIENTS} clients, ${BATCH} events/request; each run against a fresh \`vigil serve\``,
);
const runs: IngestFigures[] = [];
for (const variant of VARIANTS) runs.push(await ingestBench(variant));
const [durable, ...others] = runs;
for (const other of others)
  console.log(
    `durability cost vs "${other.name}": ${(other.eventsPerSec / durable!.eventsPerSec).toFixed(2)}x the throughput without it`,
  );
await queryBench(durable!.dataDir);
console.log('');
console.log('## Write-ahead buffer alone');
await runWalBench();

console.log('');
console.log('## Normalization throughput per format (parse + normalize, one core, real samples)');
const formats = [
  ...(await runNormalizeBenchNetwork()),
  ...(await runNormalizeBenchCloud()),
  ...(await runNormalizeBenchHost()),
];
for (const f of formats)
  console.log(
    `${f.format.padEnd(22)} ${fmt(f.eventsPerSec).padStart(9)} events/s  (${fmt(f.events)} events)`,
  );

console.log('');
console.log('## Sigma: all active rules over the 542,042-event Windows corpus');
await runDetectBench();

console.log('');
console.log('## Merkle evidence log');
await runMerkleBench();

console.log('');
console.log('## Correlation, sequences and learned baselines (100,000 distinct entities)');
await benchCorrelate();
await benchBaseline();

console.log('');
console.log('## OpenTelemetry (OTLP/HTTP protobuf, official JS exporters as the load)');
const otlp = await benchOtlp();
console.log(
  `spans ${fmt(otlp.spansPerSecond)}/s (${otlp.ratioToCollector.toFixed(2)}× the Collector's ~${fmt(otlp.collectorSpansPerSecondPerCore)}/s per core), ` +
    `log records ${fmt(otlp.logRecordsPerSecond)}/s, data points ${fmt(otlp.dataPointsPerSecond)}/s`,
);

console.log('');
console.log('## Metric store and queries');
await benchMetrics();

console.log('');
await benchConsole({ events: QUERY_EVENTS });
