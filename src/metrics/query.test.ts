import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import {
  bucketQuantile,
  downscale,
  explicitBuckets,
  exponentialBuckets,
  mergeExponential,
} from './histogram.js';
import type { MetricPoint } from './model.js';
import { compileSeriesSql, MetricQuerySyntaxError, parseMetricQuery } from './query.js';
import { runMetricQuery } from './run.js';
import { MetricStore } from './store.js';

describe('metric query grammar', () => {
  test('selectors, functions, ranges, aggregations and the short "by" form', () => {
    assert.deepEqual(parseMetricQuery('up'), { name: 'up', matchers: [], func: 'raw' });
    assert.deepEqual(
      parseMetricQuery(`http_requests_total{job="api", code=~"5..", path!='/x', env!~"dev|test",}`),
      {
        name: 'http_requests_total',
        matchers: [
          { label: 'job', op: '=', value: 'api' },
          { label: 'code', op: '=~', value: '5..' },
          { label: 'path', op: '!=', value: '/x' },
          { label: 'env', op: '!~', value: 'dev|test' },
        ],
        func: 'raw',
      },
    );
    assert.deepEqual(parseMetricQuery('rate(http_requests_total{job="api"}[5m]) by (code)'), {
      name: 'http_requests_total',
      matchers: [{ label: 'job', op: '=', value: 'api' }],
      func: 'rate',
      rangeMs: 300_000,
      aggregate: { op: 'sum', by: ['code'] },
    });
    const long = parseMetricQuery('sum by (code) (increase(x[1h30m]))');
    assert.deepEqual(long, parseMetricQuery('sum(increase(x[1h30m])) by (code)'));
    assert.equal(long.rangeMs, 5_400_000);
    assert.deepEqual(parseMetricQuery('max(temp)').aggregate, { op: 'max' });
    assert.deepEqual(parseMetricQuery('{__name__="up", job="x"}'), {
      name: 'up',
      matchers: [{ label: 'job', op: '=', value: 'x' }],
      func: 'raw',
    });
    assert.deepEqual(parseMetricQuery('histogram_quantile(0.95, http_server_duration)'), {
      name: 'http_server_duration',
      matchers: [],
      func: 'quantile',
      quantile: 0.95,
    });
    assert.deepEqual(parseMetricQuery('histogram_quantile(0.5, rate(d{a="b"}[10m])) by (route)'), {
      name: 'd',
      matchers: [{ label: 'a', op: '=', value: 'b' }],
      func: 'quantile',
      quantile: 0.5,
      rangeMs: 600_000,
      aggregate: { op: 'sum', by: ['route'] },
    });
  });

  test('errors name the position and the reason', () => {
    const cases: [string, number, RegExp][] = [
      ['rate(x)', 6, /expected a range such as \[5m\]/],
      ['x{a="b"', 7, /expected "," found|expected ","/],
      ['x{a=b}', 4, /expected a quoted label value/],
      ['x{a~"b"}', 3, /unexpected character "~"/],
      ['foo(x)', 0, /unknown function foo/],
      ['histogram_quantile(2, x)', 19, /quantile 2 is not from 0 to 1/],
      ['x[5m]', 1, /needs rate/],
      ['sum(x) y', 7, /unexpected "y"/],
      ['x{a=~"("}', 5, /bad regular expression/],
      ['x{a="unterminated}', 4, /unterminated string/],
      ['sum(sum(x))', 4, /cannot be nested/],
      ['rate(x[0s])', 7, /longer than 0/],
      ['', 0, /expected a metric name/],
    ];
    for (const [text, position, reason] of cases) {
      assert.throws(
        () => parseMetricQuery(text),
        (error: unknown) => {
          assert.ok(error instanceof MetricQuerySyntaxError, text);
          assert.equal(error.position, position, `${text}: ${error.message}`);
          assert.match(error.message, reason, text);
          assert.match(error.message, new RegExp(`at position ${position + 1}:`));
          return true;
        },
      );
    }
  });

  test('series SQL: every name, label path and value is a parameter', () => {
    const sql = compileSeriesSql(parseMetricQuery(`x{"it's"="a'b", b=~".*"}`));
    assert.equal(
      sql.sql,
      "SELECT id, labels, kind, temporality FROM series WHERE name = $1 AND coalesce(json_extract_string(labels, $2), '') = $3 AND regexp_full_match(coalesce(json_extract_string(labels, $4), ''), $5) ORDER BY id",
    );
    assert.deepEqual(sql.params, ['x', `$."it's"`, "a'b", '$."b"', '.*']);
  });
});

describe('histogram math', () => {
  test('quantiles interpolate inside the bucket holding the rank, like Prometheus', () => {
    const b = explicitBuckets([0.1, 0.5, 1], [10, 30, 50, 10]);
    assert.equal(bucketQuantile(0.05, b), 0.05);
    assert.ok(Math.abs(bucketQuantile(0.25, b) - (0.1 + 0.4 * (15 / 30))) < 1e-12);
    assert.equal(bucketQuantile(0.9, b), 1);
    assert.equal(bucketQuantile(0.95, b), 1); // in +Inf: the highest finite bound
    assert.ok(Number.isNaN(bucketQuantile(0.5, explicitBuckets([1], [0, 0]))));
  });

  test('exponential buckets, downscaling and merging keep every observation', () => {
    const e = {
      scale: 1,
      zeroCount: 2,
      zeroThreshold: 0.001,
      positive: { offset: -2, bucketCounts: [1, 2, 3, 4, 5] },
      negative: { offset: 0, bucketCounts: [6] },
    };
    const buckets = exponentialBuckets(e);
    assert.equal(
      buckets.reduce((s, x) => s + x.count, 0),
      23,
    );
    const base = Math.SQRT2;
    assert.deepEqual(
      buckets.find((x) => x.count === 4),
      { lo: base ** 1, hi: base ** 2, count: 4 },
    );
    const down = downscale(e, 1);
    assert.deepEqual(down.positive, { offset: -1, bucketCounts: [3, 7, 5] });
    const merged = mergeExponential([e, { ...e, scale: 0, positive: { offset: 0, bucketCounts: [10] } }]);
    assert.equal(merged.scale, 0);
    assert.deepEqual(merged.positive, { offset: -1, bucketCounts: [3, 17, 5] });
    assert.equal(merged.zeroCount, 4);
  });
});

describe('metric queries on a store', () => {
  const T0 = Date.UTC(2026, 0, 1);
  let store: MetricStore;
  before(async () => {
    store = await MetricStore.open(tempDir());
    const points: MetricPoint[] = [];
    for (let i = 0; i <= 60; i++) {
      const time = T0 + i * 10_000;
      // Counter: +5 per 10 s, restarts at i = 30 (from 0).
      for (const [code, factor] of [
        ['200', 1],
        ['500', 2],
      ] as const)
        points.push({
          name: 'req_total',
          kind: 'sum',
          monotonic: true,
          temporality: 'cumulative',
          labels: { job: 'api', code },
          time,
          value: (i < 30 ? i * 5 : (i - 30) * 5) * factor,
        });
      points.push({
        name: 'req_total',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        labels: { job: 'web', code: '200' },
        time,
        value: i * 100,
      });
      points.push({ name: 'temp', kind: 'gauge', labels: { room: i % 2 ? 'a' : 'b' }, time, value: i });
      // Cumulative histogram: each 10 s, 10 observations in (0, 0.1] and 10 in (0.5, 1].
      points.push({
        name: 'dur',
        kind: 'histogram',
        temporality: 'cumulative',
        labels: { route: '/x' },
        time,
        count: 20 * i,
        sum: i,
        bounds: [0.1, 0.5, 1],
        bucketCounts: [10 * i, 0, 10 * i, 0],
      });
      // Delta exponential histogram (scale 0: buckets (1,2], (2,4], (4,8]).
      points.push({
        name: 'edur',
        kind: 'exponential_histogram',
        temporality: 'delta',
        labels: {},
        time,
        count: 10,
        sum: 30,
        exponential: {
          scale: 0,
          zeroCount: 0,
          positive: { offset: 0, bucketCounts: [2, 3, 5] },
          negative: { offset: 0, bucketCounts: [] },
        },
      });
    }
    points.push({
      name: 'rpc',
      kind: 'summary',
      labels: {},
      time: T0 + 300_000,
      quantiles: [{ quantile: 0.99, value: 0.7 }],
    });
    await store.writeMetrics(points);
  });
  after(() => store.close());

  const window = { from: T0 + 60_000, to: T0 + 600_000, step: 60_000 };

  test('rate and increase handle a counter reset; by (code) sums series', async () => {
    const inc = await runMetricQuery(store, 'increase(req_total{job="api", code="200"}[1m])', window);
    assert.equal(inc.series.length, 1);
    // Window (t-60s, t]: 6 samples, 5 deltas of 5; the window holding the restart counts the new value 0.
    for (const [t, v] of inc.series[0]!.points) assert.equal(v, t === T0 + 300_000 ? 20 : 25, `at ${t}`);
    const rate = await runMetricQuery(store, 'rate(req_total{job="api"}[2m]) by (code)', window);
    assert.deepEqual(
      rate.series.map((s) => s.labels),
      [{ code: '200' }, { code: '500' }],
    );
    // 12 samples over 110 s: 11 deltas of 5 (one restart at 0 in some windows) → 55/110 or 50/110 per s.
    const first = rate.series[0]!.points.find(([t]) => t === T0 + 240_000)![1];
    assert.ok(Math.abs(first - 55 / 110) < 1e-12);
    const atReset = rate.series[0]!.points.find(([t]) => t === T0 + 360_000)![1];
    assert.ok(Math.abs(atReset - 50 / 110) < 1e-12);
    assert.ok(
      Math.abs(rate.series[1]!.points.find(([t]) => t === T0 + 240_000)![1] - 2 * (55 / 110)) < 1e-12,
    );
    const all = await runMetricQuery(store, 'sum(rate(req_total[1m]))', window);
    assert.equal(all.series.length, 1);
    assert.deepEqual(all.series[0]!.labels, {});
    assert.ok(Math.abs(all.series[0]!.points[0]![1] - (25 + 50 + 500) / 50) < 1e-12);
  });

  test('label matchers: =, !=, =~, !~ and missing labels', async () => {
    const names = async (q: string) =>
      (await runMetricQuery(store, q, window)).series.map((s) => `${s.labels.job}/${s.labels.code}`).sort();
    assert.deepEqual(await names('req_total{code="200"}'), ['api/200', 'web/200']);
    assert.deepEqual(await names('req_total{code!="200"}'), ['api/500']);
    assert.deepEqual(await names('req_total{job=~"a.*"}'), ['api/200', 'api/500']);
    assert.deepEqual(await names('req_total{job=~"a"}'), []); // anchored, like Prometheus
    assert.deepEqual(await names('req_total{job!~"api|x"}'), ['web/200']);
    assert.deepEqual(await names('req_total{missing=""}'), ['api/200', 'api/500', 'web/200']);
  });

  test('raw values per step and aggregations', async () => {
    const raw = await runMetricQuery(store, 'temp{room="a"}', window);
    // Last sample in (t-60s, t]: i = t/10s, odd ones only in room a.
    assert.deepEqual(raw.series[0]!.points.slice(0, 2), [
      [T0 + 60_000, 5],
      [T0 + 120_000, 11],
    ]);
    const q = async (op: string) =>
      (await runMetricQuery(store, `${op}(temp)`, window)).series[0]!.points[0]![1];
    assert.equal(await q('sum'), 11);
    assert.equal(await q('avg'), 5.5);
    assert.equal(await q('min'), 5);
    assert.equal(await q('max'), 6);
    assert.equal(await q('count'), 2);
  });

  test('histogram_quantile over explicit, exponential and summary data', async () => {
    const p = await runMetricQuery(store, 'histogram_quantile(0.95, dur[1m])', window);
    // Per window: 60 in (0, 0.1], 60 in (0.5, 1] → p95 is at rank 114 of 120: 0.5 + 0.5 * 54/60.
    for (const [, v] of p.series[0]!.points) assert.ok(Math.abs(v - (0.5 + 0.5 * (54 / 60))) < 1e-12);
    const p25 = await runMetricQuery(store, 'histogram_quantile(0.25, dur[1m]) by (route)', window);
    assert.deepEqual(p25.series[0]!.labels, { route: '/x' });
    assert.ok(Math.abs(p25.series[0]!.points[0]![1] - 0.1 * (30 / 60)) < 1e-12);
    // Delta exponential: per 1m window 6 points × (2, 3, 5): p90 at rank 54 of 60 in (4, 8] holding 30 → 4 + 4 * 24/30.
    const e = await runMetricQuery(store, 'histogram_quantile(0.9, edur[1m])', window);
    assert.ok(Math.abs(e.series[0]!.points[0]![1] - (4 + 4 * (24 / 30))) < 1e-12);
    const s = await runMetricQuery(store, 'histogram_quantile(0.99, rpc[5m])', window);
    assert.deepEqual(s.series[0]!.points, [
      [T0 + 300_000, 0.7],
      [T0 + 360_000, 0.7],
      [T0 + 420_000, 0.7],
      [T0 + 480_000, 0.7],
      [T0 + 540_000, 0.7],
    ]);
    await assert.rejects(runMetricQuery(store, 'dur', window), /use histogram_quantile/);
    await assert.rejects(runMetricQuery(store, 'histogram_quantile(0.5, temp)', window), /not a histogram/);
    await assert.rejects(runMetricQuery(store, 'temp', { from: 0, to: 1e12, step: 1000 }), /at most 11000/);
  });
});
