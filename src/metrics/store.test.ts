import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import type { MetricPoint } from './model.js';
import { rollupSeries } from './rollup.js';
import { runMetricQuery } from './run.js';
import { seriesId } from './series.js';
import { FIVE_MINUTES, MetricStore, metricStoreOptions, metricStoreSchema, ONE_HOUR } from './store.js';

const T0 = Date.UTC(2026, 0, 1);

const examples: MetricPoint[] = [
  {
    name: 'temp',
    kind: 'gauge',
    unit: 'Cel',
    description: 'room',
    labels: { room: 'a' },
    time: T0,
    value: 21.5,
  },
  {
    name: 'req_total',
    kind: 'sum',
    monotonic: true,
    temporality: 'cumulative',
    labels: { code: '200' },
    time: T0,
    startTime: T0 - 1000,
    value: 42,
  },
  {
    name: 'lat',
    kind: 'histogram',
    temporality: 'cumulative',
    labels: { route: '/' },
    time: T0,
    count: 6,
    sum: 1.5,
    min: 0.01,
    max: 0.9,
    bounds: [0.1, 0.5, 1],
    bucketCounts: [1, 2, 3, 0],
  },
  {
    name: 'lat_exp',
    kind: 'exponential_histogram',
    temporality: 'delta',
    labels: {},
    time: T0,
    count: 5,
    sum: 9,
    exponential: {
      scale: 1,
      zeroCount: 1,
      zeroThreshold: 0,
      positive: { offset: 2, bucketCounts: [1, 3] },
      negative: { offset: 0, bucketCounts: [] },
    },
  },
  {
    name: 'rpc',
    kind: 'summary',
    labels: { m: 'get' },
    time: T0,
    count: 10,
    sum: 4,
    quantiles: [
      { quantile: 0.5, value: 0.3 },
      { quantile: 0.99, value: 0.8 },
    ],
  },
];

describe('metric store', () => {
  test('stores every kind and gives it back as written; reopens with its series', async () => {
    const dir = tempDir();
    let store = await MetricStore.open(dir);
    await store.writeMetrics(examples);
    for (const p of examples) {
      const [row] = await store.points(seriesId(p.name, p.labels));
      assert.ok(row, p.name);
      assert.equal(row.time, p.time);
      assert.equal(row.res, 0);
      assert.equal(row.value, p.value ?? null);
      assert.equal(row.count, p.count ?? null);
      assert.equal(row.sum, p.sum ?? null);
      assert.equal(row.min, p.min ?? null);
      assert.equal(row.max, p.max ?? null);
      assert.deepEqual(row.bounds, p.kind === 'histogram' ? p.bounds : null);
      assert.deepEqual(row.buckets, p.bucketCounts ?? null);
      assert.deepEqual(row.exp, p.exponential ?? null);
      assert.deepEqual(row.quantiles, p.quantiles ?? null);
      assert.equal(row.startTime, p.startTime ?? null);
    }
    const series = await store.query(
      'SELECT name, kind, unit, description, temporality, labels FROM series WHERE name = $1',
      ['temp'],
    );
    assert.deepEqual(series.rows, [['temp', 'gauge', 'Cel', 'room', null, '{"room":"a"}']]);
    await store.close();
    store = await MetricStore.open(dir);
    await store.writeMetrics([{ ...examples[0]!, time: T0 + 120_000, value: 22 }]);
    const seen = await store.query('SELECT count(*), epoch_ms(max(last_seen)) FROM series WHERE name = $1', [
      'temp',
    ]);
    assert.deepEqual(seen.rows, [[1, T0 + 120_000]]);
    assert.deepEqual(await store.labels('temp'), { room: ['a'] });
    assert.deepEqual(
      (await store.names()).map((n) => [n.name, n.kind, n.series]),
      [
        ['lat', 'histogram', 1],
        ['lat_exp', 'exponential_histogram', 1],
        ['req_total', 'sum', 1],
        ['rpc', 'summary', 1],
        ['temp', 'gauge', 1],
      ],
    );
    await store.close();
  });

  test('config defaults; one store per file and process, closed by its last user', async () => {
    assert.deepEqual(metricStoreOptions(metricStoreSchema.parse({})), {
      rawRetentionMs: 7 * 86_400_000,
      rollupRetentionMs: 90 * 86_400_000,
      downsampleIntervalMs: 600_000,
    });
    assert.throws(() => metricStoreSchema.parse({ raw_retention: 'a week' }), /duration/);
    const dir = tempDir();
    const a = await MetricStore.open(dir);
    const b = await MetricStore.open(dir);
    assert.equal(a, b);
    await a.close();
    await b.writeMetrics([{ name: 'g', kind: 'gauge', labels: {}, time: T0, value: 1 }]);
    await b.close();
    await assert.rejects(
      b.writeMetrics([{ name: 'g', kind: 'gauge', labels: {}, time: T0, value: 1 }]),
      /closed/,
    );
    const c = await MetricStore.open(dir);
    assert.notEqual(c, a);
    assert.equal((await c.points(seriesId('g', {}))).length, 1);
    await c.close();
  });

  test('concurrent writes share commits and all resolve; bad points are refused with a reason', async () => {
    const store = await MetricStore.open(tempDir());
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.writeMetrics([
          { name: 'g', kind: 'gauge', labels: { i: String(i % 5) }, time: T0 + i, value: i },
        ]),
      ),
    );
    const count = await store.query('SELECT count(*) FROM points');
    assert.equal(count.rows[0]![0], 50);
    await assert.rejects(
      store.writeMetrics([{ name: 'g', kind: 'gauge', labels: {}, time: T0 }]),
      /gauge without a value/,
    );
    await assert.rejects(
      store.writeMetrics([
        { name: 'h', kind: 'histogram', labels: {}, time: T0, bounds: [1], bucketCounts: [1] },
      ]),
      /1 bucket counts for 1 bounds/,
    );
    await store.close();
  });

  test('downsampling: 5-minute and 1-hour aggregates equal those computed from the raw points; queries read them', async () => {
    const store = await MetricStore.open(tempDir(), {
      rawRetentionMs: 86_400_000,
      rollupRetentionMs: 2 * 86_400_000,
    });
    const points: MetricPoint[] = [];
    // 3 hours of a gauge every 10 s, a counter with a reset, a delta histogram.
    for (let i = 0; i < 1080; i++) {
      const time = T0 + i * 10_000;
      points.push({ name: 'g', kind: 'gauge', labels: { h: 'x' }, time, value: Math.sin(i) * 100 });
      points.push({
        name: 'c',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        labels: {},
        time,
        value: i < 500 ? i * 3 : (i - 500) * 3,
      });
      points.push({
        name: 'h',
        kind: 'histogram',
        temporality: 'delta',
        labels: {},
        time,
        count: 3,
        sum: i,
        min: i % 7,
        max: 10 + (i % 5),
        bounds: [1, 10],
        bucketCounts: [1, i % 2, 2 - (i % 2)],
      });
    }
    await store.writeMetrics(points);
    const before = await runMetricQuery(store, 'increase(c[1h])', {
      from: T0 + ONE_HOUR,
      to: T0 + 3 * ONE_HOUR - 1,
      step: ONE_HOUR,
    });
    const gid = seriesId('g', { h: 'x' });
    const raw = await store.points(gid);
    // now: one day + 2 h after the data starts → the first 2 h become 5-minute rollups.
    const first = await store.downsample(T0 + 86_400_000 + 2 * ONE_HOUR);
    assert.equal(first.replaced, 3 * 720);
    const rolled = (await store.points(gid)).filter((r) => r.res === FIVE_MINUTES);
    assert.equal(rolled.length, 24);
    for (const r of rolled) {
      const start = Math.floor(r.time / FIVE_MINUTES) * FIVE_MINUTES;
      const inWindow = raw
        .filter((p) => p.time >= start && p.time < start + FIVE_MINUTES)
        .map((p) => p.value!);
      assert.equal(r.n, inWindow.length);
      assert.equal(r.vmin, Math.min(...inWindow));
      assert.equal(r.vmax, Math.max(...inWindow));
      assert.ok(Math.abs(r.vsum! - inWindow.reduce((a, b) => a + b, 0)) < 1e-9);
      assert.equal(r.value, inWindow[inWindow.length - 1]);
    }
    // Queries read rollups like raw points: the value at each 5-minute step is the window's last.
    const fiveMin = await runMetricQuery(store, 'g{h="x"}', {
      from: T0 + FIVE_MINUTES,
      to: T0 + 2 * ONE_HOUR - FIVE_MINUTES,
      step: FIVE_MINUTES,
    });
    assert.deepEqual(
      fiveMin.series[0]!.points,
      Array.from({ length: 23 }, (_, k) => [T0 + (k + 1) * FIVE_MINUTES, raw[(k + 1) * 30 - 1]!.value]),
    );
    const hRolled = (await store.points(seriesId('h', {}))).filter((r) => r.res === FIVE_MINUTES);
    assert.deepEqual(hRolled[0]!.buckets, [30, 15, 45]);
    assert.equal(hRolled[0]!.count, 90);
    assert.equal(hRolled[0]!.sum, (29 * 30) / 2);
    assert.equal(hRolled[0]!.min, 0);
    assert.equal(hRolled[0]!.max, 14);
    // Later: everything older than 2 days becomes 1-hour rollups, from the 5-minute ones and raw alike.
    await store.downsample(T0 + 2 * 86_400_000 + 3 * ONE_HOUR);
    const hourly = await store.points(gid);
    assert.deepEqual(
      hourly.map((r) => r.res),
      [ONE_HOUR, ONE_HOUR, ONE_HOUR],
    );
    for (const [k, r] of hourly.entries()) {
      const values = raw
        .filter((p) => p.time >= T0 + k * ONE_HOUR && p.time < T0 + (k + 1) * ONE_HOUR)
        .map((p) => p.value!);
      assert.equal(r.n, 360);
      assert.equal(r.vmin, Math.min(...values));
      assert.equal(r.vmax, Math.max(...values));
      assert.ok(Math.abs(r.vsum! - values.reduce((a, b) => a + b, 0)) < 1e-6);
    }
    // Rolling up rollups equals rolling up raw rows directly.
    assert.deepEqual(
      rollupSeries(raw, { kind: 'gauge', temporality: null }, ONE_HOUR).map((r) => [
        r.n,
        r.vmin,
        r.vmax,
        r.value,
      ]),
      hourly.map((r) => [r.n, r.vmin, r.vmax, r.value]),
    );
    // Raw: hour 2 spans samples 361..720 (reset at 500) → 358 deltas of 3 and one restart at 0.
    assert.deepEqual(before.series[0]!.points, [
      [T0 + ONE_HOUR, 359 * 3],
      [T0 + 2 * ONE_HOUR, 358 * 3],
    ]);
    // One hourly sample per 1-hour window now: too few for increase (it needs two).
    const after = await runMetricQuery(store, 'increase(c[1h])', {
      from: T0 + ONE_HOUR,
      to: T0 + 3 * ONE_HOUR - 1,
      step: ONE_HOUR,
    });
    assert.deepEqual(after.series, []);
    const twoHours = await runMetricQuery(store, 'increase(c[3h])', {
      from: T0 + 3 * ONE_HOUR,
      to: T0 + 3 * ONE_HOUR,
      step: ONE_HOUR,
    });
    // Hourly lasts: i=359 (1077), 719 (657, after the reset), 1079 (1737): 657 (restart) + 1080.
    assert.deepEqual(twoHours.series[0]!.points, [[T0 + 3 * ONE_HOUR, 657 + 1080]]);
    await store.close();
  });
});
