import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { tempDir } from '../e2e/harness.js';
import { runMetricQuery } from '../metrics/run.js';
import { seriesId } from '../metrics/series.js';
import { MetricStore } from '../metrics/store.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { PrometheusSource, prometheusSchema, prometheusSource } from './prometheus.js';
import type { Sink } from './source.js';

const TOKEN = 'scrape-secret';
const noSink: Sink = { submit: () => Promise.reject(new Error('a scrape source does not submit records')) };

describe('prometheus scrape source', () => {
  const registry = new Registry();
  const requests = new Counter({
    name: 'app_requests_total',
    help: 'Requests.',
    labelNames: ['code'],
    registers: [registry],
  });
  const queue = new Gauge({ name: 'app_queue_depth', help: 'Queue depth.', registers: [registry] });
  const latency = new Histogram({
    name: 'app_latency_seconds',
    help: 'Latency.',
    buckets: [0.1, 0.5, 1],
    labelNames: ['route'],
    registers: [registry],
  });
  const size = new Summary({
    name: 'app_size_bytes',
    help: 'Sizes.',
    percentiles: [0.5, 0.9],
    registers: [registry],
  });
  let server: Server;
  let base: string;
  let extra = '';
  let store: MetricStore;

  before(async () => {
    requests.inc({ code: '200' }, 41);
    requests.inc({ code: '500' }, 2);
    queue.set(7);
    for (const v of [0.05, 0.05, 0.3, 0.7, 2]) latency.observe({ route: '/login' }, v);
    for (const v of [10, 20, 30]) size.observe(v);
    server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end('unauthorized');
        return;
      }
      if (req.url === '/broken') {
        res.writeHead(500).end('oops');
        return;
      }
      void registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text + extra);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = await MetricStore.open(tempDir());
  });
  after(async () => {
    await store.close();
    await new Promise((resolve) => server.close(resolve));
  });

  function source(config: Record<string, unknown>, metrics = new Metrics()) {
    const parsed = prometheusSchema.parse({ type: 'prometheus', bearer_token: TOKEN, ...config });
    const ctx = { sink: noSink, metrics, log: silentLogger, dataDir: tempDir(), signals: { metrics: store } };
    return prometheusSource.create('node', parsed, ctx) as PrometheusSource;
  }

  test('scrapes a real endpoint (prom-client) into the store, with job/instance labels and scrape metrics', async () => {
    const s = source({ targets: [{ url: `${base}/metrics`, labels: { dc: 'eu' } }], interval: '1h' });
    await s.start();
    await s.scrapeNow(0);
    await s.stop();
    const instance = base.slice('http://'.length);
    const labels = { job: 'node', instance, dc: 'eu' };
    // One step just after the scrape: its window (t - 60 s, t] holds the scraped points.
    const t = Date.now() + 1000;
    const window = { from: t, to: t, step: 60_000 };
    const one = async (q: string) => {
      const answer = await runMetricQuery(store, q, window);
      assert.equal(answer.series.length, 1, q);
      return answer.series[0]!;
    };
    const ok = await one('app_requests_total{code="200"}');
    assert.deepEqual(ok.labels, { ...labels, code: '200' });
    assert.equal(ok.points[0]![1], 41);
    assert.equal((await one('app_requests_total{code="500"}')).points[0]![1], 2);
    assert.equal((await one('app_queue_depth')).points[0]![1], 7);
    assert.equal((await one('up{job="node"}')).points[0]![1], 1);
    // 2 counters, 1 gauge, 4 buckets + sum + count, 2 quantiles + sum + count.
    assert.equal((await one('scrape_samples_scraped')).points[0]![1], 13);
    assert.ok((await one('scrape_duration_seconds')).points[0]![1] > 0);
    const [hist] = await store.points(seriesId('app_latency_seconds', { ...labels, route: '/login' }));
    assert.deepEqual(hist!.bounds, [0.1, 0.5, 1]);
    assert.deepEqual(hist!.buckets, [2, 1, 1, 1]);
    assert.equal(hist!.count, 5);
    assert.ok(Math.abs(hist!.sum! - 3.1) < 1e-9);
    const [summary] = await store.points(seriesId('app_size_bytes', labels));
    assert.deepEqual(summary!.quantiles, [
      { quantile: 0.5, value: 20 },
      { quantile: 0.9, value: 30 },
    ]);
    const kinds = await store.query(
      "SELECT DISTINCT name, kind FROM series WHERE name LIKE 'app_%' ORDER BY name",
    );
    assert.deepEqual(kinds.rows, [
      ['app_latency_seconds', 'histogram'],
      ['app_queue_depth', 'gauge'],
      ['app_requests_total', 'sum'],
      ['app_size_bytes', 'summary'],
    ]);
  });

  test('bad lines are counted with target and line number, the rest kept; a failed scrape gives up 0', async () => {
    const metrics = new Metrics();
    extra = 'broken_line{ 1\nafter_bad 5\n';
    const s = source(
      {
        targets: [
          { url: `${base}/metrics`, labels: { t: 'ok' } },
          { url: `${base}/broken`, labels: { t: 'broken' } },
        ],
        job: 'j2',
        interval: '1h',
      },
      metrics,
    );
    await s.start();
    await s.scrapeNow(0);
    await s.scrapeNow(1);
    await s.stop();
    extra = '';
    const dropped = metrics.dropped.list({ source: 'node' });
    const bad = dropped.find((d) => d.reason === 'bad_labels');
    assert.ok(bad, JSON.stringify(dropped));
    assert.match(bad.position!, new RegExp(`^${base}/metrics line \\d+$`));
    assert.match(bad.message!, /expected a label name/);
    const failed = dropped.find((d) => d.reason === 'scrape_failed');
    assert.equal(failed?.position, `${base}/broken`);
    assert.match(failed!.message!, /HTTP 500/);
    const t = Date.now() + 1000;
    const window = { from: t, to: t, step: 60_000 };
    const up = await runMetricQuery(store, 'up{job="j2"}', window);
    assert.deepEqual(up.series.map((x) => [x.labels.t, x.points[0]![1]]).sort(), [
      ['broken', 0],
      ['ok', 1],
    ]);
    const after = await runMetricQuery(store, 'after_bad{job="j2"}', window);
    assert.equal(after.series[0]!.points[0]![1], 5);
  });

  test('without the token the scrape fails (401) and the token is never in what is reported', async () => {
    const metrics = new Metrics();
    const s = source(
      { targets: [{ url: `${base}/metrics` }], job: 'j3', interval: '1h', bearer_token: 'wrong-token' },
      metrics,
    );
    await s.start();
    await s.scrapeNow(0);
    await s.stop();
    const [failed] = metrics.dropped.list({ source: 'node', reason: 'scrape_failed' });
    assert.match(failed!.message!, /HTTP 401/);
    assert.ok(!JSON.stringify(failed).includes('wrong-token'));
    assert.ok(!s.describe().includes('wrong-token'));
  });

  test('config: defaults, durations, and bad targets refused', () => {
    const c = prometheusSchema.parse({ type: 'prometheus', targets: [{ url: 'http://h:9100/metrics' }] });
    assert.equal(c.interval, 15_000);
    assert.equal(c.timeout, 10_000);
    assert.equal(c.honor_labels, false);
    assert.throws(() => prometheusSchema.parse({ type: 'prometheus', targets: [{ url: 'ftp://h/x' }] }));
    assert.throws(() => prometheusSchema.parse({ type: 'prometheus', targets: [] }));
    assert.throws(() =>
      prometheusSchema.parse({ type: 'prometheus', targets: [{ url: 'http://h/' }], interval: 'soon' }),
    );
  });
});
