import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import snappy from 'snappy';
import { tempDir } from '../e2e/harness.js';
import { OverloadedError, UnavailableError } from '../sources/source.js';
import { registerMetricRoutes } from './api.js';
import type { MetricPoint, MetricSink } from './model.js';
import { decodeWriteRequest, registerRemoteWrite, WriteRequestType } from './remote-write.js';
import { MetricStore } from './store.js';

const T = Date.UTC(2026, 0, 1, 12);

/** A WriteRequest as Prometheus sends it: protobuf, snappy block format. */
export function encodeWriteRequest(request: Record<string, unknown>): Buffer {
  const bytes = WriteRequestType.encode(WriteRequestType.fromObject(request)).finish();
  return snappy.compressSync(Buffer.from(bytes));
}

const label = (name: string, value: string) => ({ name, value });

const REQUEST = {
  timeseries: [
    {
      labels: [label('__name__', 'http_requests_total'), label('job', 'api'), label('code', '200')],
      samples: [
        { value: 10, timestamp: T },
        { value: 25, timestamp: T + 15_000 },
      ],
    },
    {
      labels: [label('__name__', 'queue_depth'), label('job', 'api')],
      samples: [{ value: 3, timestamp: T }],
    },
    ...[
      ['0.1', 4],
      ['1', 9],
      ['+Inf', 10],
    ].map(([le, v]) => ({
      labels: [label('__name__', 'lat_bucket'), label('job', 'api'), label('le', String(le))],
      samples: [{ value: v, timestamp: T }],
    })),
    { labels: [label('__name__', 'lat_sum'), label('job', 'api')], samples: [{ value: 4.2, timestamp: T }] },
    { labels: [label('__name__', 'lat_count'), label('job', 'api')], samples: [{ value: 10, timestamp: T }] },
    {
      labels: [label('__name__', 'native_seconds'), label('job', 'api')],
      histograms: [
        {
          count_int: 7,
          sum: 12.5,
          schema: 0,
          zero_threshold: 0.001,
          zero_count_int: 1,
          // buckets at Prometheus indexes 1, 2 and 4 ((1,2], (2,4], (8,16]): counts 1, 3, 2 as deltas.
          positive_spans: [
            { offset: 1, length: 2 },
            { offset: 1, length: 1 },
          ],
          positive_deltas: [1, 2, -1],
          timestamp: T,
        },
      ],
    },
  ],
  metadata: [{ type: 1, metric_family_name: 'http_requests_total', help: 'Requests.', unit: '' }],
};

describe('remote-write', () => {
  test('decodes a snappy + protobuf WriteRequest: samples, classic and native histograms', () => {
    const points = decodeWriteRequest(encodeWriteRequest(REQUEST));
    const by = (name: string) => points.filter((p) => p.name === name);
    assert.deepEqual(by('http_requests_total'), [
      {
        name: 'http_requests_total',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        labels: { job: 'api', code: '200' },
        time: T,
        value: 10,
        description: 'Requests.',
      },
      {
        name: 'http_requests_total',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        labels: { job: 'api', code: '200' },
        time: T + 15_000,
        value: 25,
        description: 'Requests.',
      },
    ]);
    assert.deepEqual(by('queue_depth'), [
      { name: 'queue_depth', kind: 'gauge', labels: { job: 'api' }, time: T, value: 3 },
    ]);
    const [lat] = by('lat');
    assert.equal(lat!.kind, 'histogram');
    assert.deepEqual(lat!.bounds, [0.1, 1]);
    assert.deepEqual(lat!.bucketCounts, [4, 5, 1]);
    assert.equal(lat!.count, 10);
    assert.equal(lat!.sum, 4.2);
    const [native] = by('native_seconds');
    assert.equal(native!.kind, 'exponential_histogram');
    assert.equal(native!.count, 7);
    assert.deepEqual(native!.exponential, {
      scale: 0,
      zeroCount: 1,
      zeroThreshold: 0.001,
      positive: { offset: 0, bucketCounts: [1, 3, 0, 2] },
      negative: { offset: 0, bucketCounts: [] },
    });
  });

  test('bad payloads are refused with a reason', () => {
    assert.throws(() => decodeWriteRequest(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1])), /over the limit/);
    assert.throws(() => decodeWriteRequest(Buffer.from('hello')), /snappy/);
    assert.throws(() => decodeWriteRequest(snappy.compressSync(Buffer.from([0x0a, 0x05, 0x0a]))), /protobuf/);
    assert.throws(
      () =>
        decodeWriteRequest(
          encodeWriteRequest({
            timeseries: [{ labels: [label('job', 'x')], samples: [{ value: 1, timestamp: T }] }],
          }),
        ),
      /timeseries 0: no __name__ label/,
    );
  });

  describe('routes', () => {
    let app: FastifyInstance;
    let store: MetricStore;
    let failWith: Error | undefined;
    let allowed = true;
    before(async () => {
      store = await MetricStore.open(tempDir());
      const sink: MetricSink = {
        writeMetrics: (points: readonly MetricPoint[]) =>
          failWith ? Promise.reject(failWith) : store.writeMetrics(points),
      };
      app = Fastify();
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      const authorize = (
        _request: unknown,
        reply: { code: (n: number) => { send: (b: unknown) => void } },
      ) => {
        if (!allowed) reply.code(403).send({ error: 'forbidden' });
        return allowed;
      };
      registerRemoteWrite(app, { metrics: sink, authorize });
      registerMetricRoutes(app, { metrics: store, authorize });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await store.close();
    });

    const post = (payload: Buffer) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/prom/write',
        payload,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
        },
      });

    test('POST /api/v1/prom/write stores the points (204) and the metric API reads them back', async () => {
      const response = await post(encodeWriteRequest(REQUEST));
      assert.equal(response.statusCode, 204, response.body);
      const q = new URLSearchParams({
        q: 'rate(http_requests_total[1m]) by (code)',
        from: String(T + 30_000),
        to: String(T + 30_000),
        step: '1m',
      });
      const answer = await app.inject({ url: `/api/v1/metrics/query?${q}` });
      assert.equal(answer.statusCode, 200, answer.body);
      const body = answer.json() as {
        series: { labels: Record<string, string>; points: [number, number][] }[];
      };
      assert.deepEqual(body.series, [{ labels: { code: '200' }, points: [[T + 30_000, 1]] }]);
      const names = (await app.inject({ url: '/api/v1/metrics/names' })).json() as {
        names: { name: string }[];
      };
      assert.deepEqual(
        names.names.map((n) => n.name),
        ['http_requests_total', 'lat', 'native_seconds', 'queue_depth'],
      );
      const labels = (await app.inject({ url: '/api/v1/metrics/labels?name=http_requests_total' })).json();
      assert.deepEqual(labels, { name: 'http_requests_total', labels: { code: ['200'], job: ['api'] } });
      const p50 = await app.inject({
        url: `/api/v1/metrics/query?${new URLSearchParams({ q: 'histogram_quantile(0.5, lat)', from: String(T), to: String(T), step: '60' })}`,
      });
      // Rank 5 of 10: in (0.1, 1] which holds 5 after the first 4 → 0.1 + 0.9 * 1/5.
      assert.ok(Math.abs((p50.json() as typeof body).series[0]!.points[0]![1] - (0.1 + 0.9 / 5)) < 1e-12);
    });

    test('answers 400 for bad payloads and queries, 429/503 on backpressure, 403 unauthorized', async () => {
      const bad = await post(Buffer.from('not snappy'));
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ message: string }>().message, /snappy/);
      const syntax = await app.inject({ url: '/api/v1/metrics/query?q=rate(x)' });
      assert.equal(syntax.statusCode, 400);
      assert.deepEqual(syntax.json<{ position: number }>().position, 6);
      const step = await app.inject({ url: '/api/v1/metrics/query?q=x&step=never' });
      assert.equal(step.statusCode, 400);
      failWith = new OverloadedError(2);
      const busy = await post(encodeWriteRequest(REQUEST));
      assert.equal(busy.statusCode, 429);
      assert.equal(busy.headers['retry-after'], '2');
      failWith = new UnavailableError(7, 'disk full');
      const down = await post(encodeWriteRequest(REQUEST));
      assert.equal(down.statusCode, 503);
      assert.equal(down.headers['retry-after'], '7');
      failWith = undefined;
      allowed = false;
      assert.equal((await post(encodeWriteRequest(REQUEST))).statusCode, 403);
      assert.equal((await app.inject({ url: '/api/v1/metrics/names' })).statusCode, 403);
      allowed = true;
    });
  });
});
