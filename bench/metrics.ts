/**
 * The metric store's figures on this machine, side by side in one run:
 *  1. Writes: data points/s into `metrics.duckdb` (durable at each resolve), gauges and counters
 *     over BENCH_METRIC_SERIES series, in batches of 5000 from 4 concurrent writers (group commit).
 *  2. Queries over BENCH_METRIC_POINTS (default 1,000,000) stored counter points: `rate(...[5m])
 *     by (code)` and a raw `sum(...)` over the whole range, and a histogram_quantile, median of 5.
 *  3. Scrape parsing: text exposition format MB/s and samples/s (a 2,000-series body, as
 *     prom-client writes them, with a histogram family).
 * Medians of several runs. Runnable directly: `node dist/bench/metrics.js`.
 * Knobs: BENCH_METRIC_POINTS, BENCH_METRIC_SERIES (default 1000), BENCH_METRIC_DIR (os.tmpdir()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseExposition } from '../src/metrics/exposition.js';
import type { MetricPoint } from '../src/metrics/model.js';
import { runMetricQuery } from '../src/metrics/run.js';
import { MetricStore } from '../src/metrics/store.js';

const POINTS = Number(process.env.BENCH_METRIC_POINTS ?? 1_000_000);
const SERIES = Number(process.env.BENCH_METRIC_SERIES ?? 1000);
const BASE_DIR = process.env.BENCH_METRIC_DIR ?? tmpdir();
const BATCH = 5000;
const WRITERS = 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const T0 = Date.UTC(2026, 0, 1);
const SCRAPE_EVERY = 15_000;

/** Point i: series i % SERIES, one scrape every 15 s for all series. */
function counterPoint(i: number): MetricPoint {
  const s = i % SERIES;
  const scrape = Math.floor(i / SERIES);
  return {
    name: 'http_requests_total',
    kind: 'sum',
    monotonic: true,
    temporality: 'cumulative',
    labels: {
      job: 'api',
      instance: `host-${s % 50}:9100`,
      code: String(200 + (s % 5) * 100),
      handler: `/h${s % 4}`,
    },
    time: T0 + scrape * SCRAPE_EVERY,
    value: scrape * (1 + (s % 7)),
  };
}

function histogramPoint(scrape: number, s: number): MetricPoint {
  return {
    name: 'http_server_duration',
    kind: 'histogram',
    temporality: 'cumulative',
    labels: { route: `/r${s}` },
    time: T0 + scrape * SCRAPE_EVERY,
    count: scrape * 20,
    sum: scrape * 3,
    bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    bucketCounts: [1, 2, 3, 4, 3, 2, 2, 1, 1, 1, 0].map((c) => c * scrape),
  };
}

async function writeBench(store: MetricStore): Promise<{ seconds: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < POINTS) {
        const from = next;
        next = Math.min(POINTS, next + BATCH);
        const batch: MetricPoint[] = [];
        for (let i = from; i < next; i++) batch.push(counterPoint(i));
        await store.writeMetrics(batch);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000 };
}

function exposition(series: number): string {
  const lines = ['# HELP app_requests_total Requests.', '# TYPE app_requests_total counter'];
  for (let s = 0; s < series; s++)
    lines.push(
      `app_requests_total{method="GET",code="${200 + (s % 5)}",path="/api/v1/items/${s}"} ${s * 13} 1700000000000`,
    );
  lines.push('# TYPE app_latency_seconds histogram');
  for (let r = 0; r < 50; r++) {
    for (const le of ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '+Inf'])
      lines.push(`app_latency_seconds_bucket{route="/r${r}",le="${le}"} ${r * 3}`);
    lines.push(
      `app_latency_seconds_sum{route="/r${r}"} ${r}`,
      `app_latency_seconds_count{route="/r${r}"} ${r * 3}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Runs the three parts and prints their figures. */
export async function benchMetrics(): Promise<void> {
  const dir = mkdtempSync(join(BASE_DIR, 'vigil-metrics-bench-'));
  try {
    const store = await MetricStore.open(dir);
    console.log(
      `\nMetric store: ${fmt(POINTS)} counter points over ${fmt(SERIES)} series, batches of ${BATCH}, ${WRITERS} writers`,
    );
    const write = await writeBench(store);
    console.log(
      `write         ${fmt(POINTS / write.seconds)} points/s (${write.seconds.toFixed(2)} s, durable at each resolve)`,
    );
    const scrapes = Math.ceil(POINTS / SERIES);
    const hist: MetricPoint[] = [];
    for (let scrape = 0; scrape < scrapes; scrape++)
      for (let s = 0; s < 20; s++) hist.push(histogramPoint(scrape, s));
    await store.writeMetrics(hist);
    const to = T0 + (scrapes - 1) * SCRAPE_EVERY;
    const queries = [
      'rate(http_requests_total{job="api"}[5m]) by (code)',
      'sum(http_requests_total) by (handler)',
      'histogram_quantile(0.95, http_server_duration[5m]) by ()',
    ];
    console.log(
      `queries over ${fmt(POINTS)} points (${fmt((to - T0) / 60_000)} minutes, step 5m), median of 5:`,
    );
    for (const q of queries) {
      const times: number[] = [];
      let series = 0;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const answer = await runMetricQuery(store, q, { from: T0, to, step: 300_000 });
        times.push(performance.now() - started);
        series = answer.series.length;
      }
      console.log(`  ${fmt(median(times), 1).padStart(8)} ms  ${q}  (${series} series)`);
    }
    await store.close();

    const body = exposition(2000);
    const mb = Buffer.byteLength(body) / 1e6;
    const times: number[] = [];
    let samples = 0;
    for (let run = 0; run < 7; run++) {
      const started = performance.now();
      for (let k = 0; k < 10; k++)
        samples = parseExposition(body, { now: T0, labels: { job: 'x', instance: 'h:1' } }).samples;
      times.push((performance.now() - started) / 10);
    }
    const ms = median(times);
    console.log(
      `scrape parse  ${fmt(mb / (ms / 1000), 1)} MB/s, ${fmt(samples / (ms / 1000))} samples/s (${fmt(samples)} samples, ${fmt(mb * 1000)} kB body, ${fmt(ms, 2)} ms each)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMetrics();
}
