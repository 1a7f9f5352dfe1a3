/**
 * `npm run bench`: Vigil's figures on this machine, measured side by side in one run.
 *  1. End-to-end ingest: NDJSON over HTTP → normalized → durably stored (acknowledged) → searchable,
 *     against a real `vigil serve` process, with ~450-byte events from several concurrent clients.
 *     Reports events/s, MB/s, p50/p99 acknowledgement latency, the server's peak RSS, bytes/event.
 *  2. Queries over BENCH_QUERY_EVENTS (default 10 million) stored events: a filtered count and a
 *     `stats count() by`, median of several runs.
 * Knobs: BENCH_EVENTS (default 1,000,000), BENCH_QUERY_EVENTS, BENCH_CLIENTS (4), BENCH_BATCH (5000).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchEvent, createRng } from '../src/demo/generate.js';
import { startVigil, freePort, vigil } from '../src/e2e/harness.js';
import { runSearch } from '../src/query/search.js';
import { EventStore } from '../src/store/duckdb.js';

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

async function ingestBench(): Promise<{ dataDir: string }> {
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
  const server = await startVigil(`api: { port: ${port} }\nsources: []\n`);
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
  const rss = peakRssBytes(server.process.pid!);
  const found = vigil(['search', '| stats count() as n', '--format', 'ndjson', '--data-dir', server.dataDir]);
  const searchable = JSON.parse(found.stdout).n as number;
  await server.stop();
  const dbBytes = statSync(join(server.dataDir, 'events.duckdb')).size;
  console.log('## End-to-end ingest (NDJSON over HTTP → normalized → durably stored → searchable)');
  console.log(
    `events: ${fmt(EVENTS)} (${(bytes / EVENTS).toFixed(0)} bytes each on average), ${CLIENTS} clients, ${BATCH} events/request`,
  );
  console.log(
    `throughput: ${fmt(EVENTS / seconds)} events/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s (${seconds.toFixed(1)} s, ${retries} 429 retries)`,
  );
  console.log(
    `ack latency per request: p50 ${median(latencies).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms`,
  );
  console.log(`server peak RSS: ${(rss / 2 ** 20).toFixed(0)} MiB`);
  console.log(`searchable after the last ack: ${fmt(searchable)} of ${fmt(EVENTS)}`);
  console.log(
    `on disk: ${(dbBytes / searchable).toFixed(1)} bytes/event (${(dbBytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  return { dataDir: server.dataDir };
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

const { dataDir } = await ingestBench();
await queryBench(dataDir);
