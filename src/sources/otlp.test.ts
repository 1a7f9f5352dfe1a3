import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { otlpNormalizer } from '../normalize/otlp.js';
import type { MetricPoint } from '../metrics/model.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import type { SpanRecord } from '../traces/model.js';
import { Sampler } from '../traces/sampling.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { tempDir } from '../e2e/harness.js';
import { convertLogs, convertMetrics, convertSpans } from './otlp/convert.js';
import { GRPC_PATHS, OTLP_TYPES } from './otlp/proto.js';
import { decodeRequest, decodeResponse, decodeStatus } from './otlp/wire.js';
import { handleExport, otlpSource, type OtlpTargets } from './otlp.js';
import { OverloadedError, type BatchResult, type SourceBatch } from './source.js';

const CAPTURES = 'clients/otlp/captures';
const capture = (name: string) => readFileSync(sharedPath(`${CAPTURES}/${name}.body.bin`));
const json = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
const withoutTransport = (s: string) => s.replace(/"(proof\.transport)":"[^"]*"/g, '"$1":"-"');

test(
  'captures: the exporters’ JSON and protobuf bodies convert to the same log records',
  { skip: sharedSkip(CAPTURES) },
  () => {
    const fromJson = convertLogs(decodeRequest('logs', 'json', capture('01-http-json_v1_logs')));
    const fromProto = convertLogs(decodeRequest('logs', 'protobuf', capture('05-http-protobuf_v1_logs')));
    assert.equal(fromJson.rejected + fromProto.rejected, 0);
    const [a] = fromJson.items;
    assert.deepEqual(a!.attributes, {
      'log.source': 'auth.log',
      'net.peer.ip': '203.0.113.7',
      attempt: 3,
      blocked: false,
    });
    assert.equal(a!.time_unix_nano, '1767323045678000000');
    assert.equal(a!.severity_number, 13);
    assert.equal(a!.body, 'sshd[1234]: Failed password for root from 203.0.113.7 port 52344 ssh2');
    assert.deepEqual(a!.scope, { name: 'proof-logger', version: '1.0.0' });
    const strip = (v: object) => withoutTransport(json({ ...v, observed_time_unix_nano: undefined }));
    assert.equal(strip(fromProto.items[0]!), strip(a!));
  },
);

test(
  'captures: spans and metrics convert alike from JSON and protobuf',
  { skip: sharedSkip(CAPTURES) },
  () => {
    const spansJ = convertSpans(decodeRequest('traces', 'json', capture('02-http-json_v1_traces')));
    const spansP = convertSpans(decodeRequest('traces', 'protobuf', capture('06-http-protobuf_v1_traces')));
    for (const s of [...spansJ.items, ...spansP.items]) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
      assert.equal(s.name, 'GET /login');
      assert.equal(s.kind, 1);
      assert.equal(s.service, 'otlp-proof');
      assert.deepEqual(s.attributes, { 'http.request.method': 'GET', 'http.response.status_code': 401 });
      assert.deepEqual(
        s.events.map((e) => [e.name, e.attributes]),
        [['auth.failed', { reason: 'bad password' }]],
      );
      assert.ok(s.endNs > s.startNs);
    }
    // The protobuf capture's ids, as the capture's decoder printed them (base64).
    assert.equal(spansP.items[0]!.traceId, Buffer.from('nz9Vel8ByPyJ6OSTwBa2LQ==', 'base64').toString('hex'));
    const mJ = convertMetrics(decodeRequest('metrics', 'json', capture('03-http-json_v1_metrics')));
    const mP = convertMetrics(decodeRequest('metrics', 'protobuf', capture('07-http-protobuf_v1_metrics')));
    const shape = (points: MetricPoint[]) =>
      withoutTransport(json(points.map((p) => ({ ...p, time: 0, startTime: 0 }))));
    assert.equal(shape(mP.items), shape(mJ.items));
    const [counter, histogram] = mJ.items;
    assert.equal(counter!.kind, 'sum');
    assert.equal(counter!.value, 3);
    assert.equal(counter!.monotonic, true);
    assert.equal(counter!.temporality, 'cumulative');
    assert.equal(counter!.labels['user.name'], 'root');
    assert.equal(counter!.labels['otel.scope.name'], 'proof-meter');
    assert.equal(histogram!.kind, 'histogram');
    assert.equal(histogram!.count, 1);
    assert.equal(histogram!.sum, 0.042);
    assert.equal(histogram!.bucketCounts!.length, histogram!.bounds!.length + 1);
  },
);

test(
  'captures: the log record is a valid OCSF Base Event from OpenTelemetry, marked security-relevant',
  {
    skip: sharedSkip(CAPTURES, OCSF_SCHEMA_DIR),
  },
  () => {
    const [value] = convertLogs(decodeRequest('logs', 'protobuf', capture('05-http-protobuf_v1_logs'))).items;
    const event = otlpNormalizer.normalize(
      { format: 'otlp', fields: value!, raw: JSON.stringify(value) },
      {
        source: 'otel',
        receivedAt: 1,
      },
    );
    assert.deepEqual(validateOcsf(event), []);
    assert.equal(event.class_uid, 0);
    assert.equal(event.time, Date.parse('2026-01-02T03:04:05.678Z'));
    assert.equal(event.severity_id, 3);
    assert.equal(event.message, value!.body);
    assert.equal((event.metadata as unknown as Record<string, unknown>).log_provider, 'otlp');
    assert.deepEqual(event.metadata.labels, ['security']);
    assert.equal((event.device as { hostname: string }).hostname, 'proof-host');
  },
);

test(
  'normalizer: an authentication record naming its user is a valid OCSF Authentication event',
  {
    skip: sharedSkip(OCSF_SCHEMA_DIR),
  },
  () => {
    const fields = {
      time_unix_nano: '1700000000123456789',
      severity_number: 9,
      body: 'user signed in',
      event_name: 'auth.login',
      attributes: { 'enduser.id': 'bob', 'event.outcome': 'success', 'client.address': '198.51.100.4' },
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      resource: { 'service.name': 'idp' },
      scope: { name: 'login' },
    };
    const event = otlpNormalizer.normalize(
      { format: 'otlp', fields, raw: '{}' },
      { source: 's', receivedAt: 0 },
    );
    assert.deepEqual(validateOcsf(event), []);
    assert.equal(event.class_uid, 3002);
    assert.equal(event.activity_id, 1);
    assert.equal(event.status_id, 1);
    assert.equal(event.time, 1700000000123);
    assert.deepEqual(event.src_endpoint, { ip: '198.51.100.4' });
    assert.equal((event.metadata as unknown as Record<string, unknown>).correlation_uid, fields.trace_id);
    assert.equal((event.unmapped as Record<string, unknown>).span_id, fields.span_id);
    // Not about authentication: a Base Event, no security label.
    const plain = otlpNormalizer.normalize(
      {
        format: 'otlp',
        fields: { body: 'cache warmed', attributes: { 'enduser.id': 'bob' }, resource: {}, scope: {} },
        raw: '{}',
      },
      { source: 's', receivedAt: 5 },
    );
    assert.deepEqual(validateOcsf(plain), []);
    assert.equal(plain.class_uid, 0);
    assert.equal(plain.time, 5);
    assert.equal(plain.metadata.labels, undefined);
  },
);

// ---------------------------------------------------------------------------------------------

const TRACE = '5b8efff798038103d269b633813fc60c';
function spanJson(spanId: string, extra: Record<string, unknown> = {}) {
  return { traceId: TRACE, spanId, name: 'op', startTimeUnixNano: '1000', endTimeUnixNano: 2000, ...extra };
}
const traceRequest = (spans: unknown[]) =>
  Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [{ spans }],
        },
      ],
    }),
  );

function fakeTargets(submit?: (batch: SourceBatch) => Promise<BatchResult>) {
  const stored: SpanRecord[] = [];
  const points: MetricPoint[] = [];
  const batches: SourceBatch[] = [];
  const targets: OtlpTargets = {
    sink: {
      submit:
        submit ??
        (async (batch) => {
          batches.push(batch);
          return { accepted: batch.records.length, rejected: 0, errors: [] };
        }),
    },
    spans: new Sampler({ writeSpans: async (s) => void stored.push(...s) }, { head_ratio: 1 }),
    metrics: { writeMetrics: async (p) => void points.push(...p) },
  };
  return { targets, stored, points, batches };
}

test('partial success: bad spans are rejected alone, with position and reason', async () => {
  const { targets, stored } = fakeTargets();
  const body = traceRequest([
    spanJson('00f067aa0ba902b7', { kind: 'SPAN_KIND_SERVER', status: { code: 2, message: 'boom' } }),
    spanJson('abc'),
    spanJson('00f067aa0ba902b8', { startTimeUnixNano: '5000' }),
  ]);
  const outcome = await handleExport('traces', 'json', body, targets, 'otel', 'req 1');
  assert.equal(outcome.kind, 'ok');
  assert.ok(outcome.kind === 'ok');
  assert.equal(outcome.rejected, 2);
  assert.match(
    outcome.message,
    /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\.spanId: 1.5 bytes, expected 8|spans\[1\]\.spanId/,
  );
  assert.match(outcome.message, /spans\[2\]: ends \(2000\) before it starts \(5000\)/);
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.kind, 2);
  assert.equal(stored[0]!.statusCode, 2);
  assert.equal(stored[0]!.service, 'svc');
});

test('logs: pipeline rejections join the partial success; a full pipeline is overloaded', async () => {
  const logs = Buffer.from(
    JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [{ body: { stringValue: 'a' } }, { traceId: 'zz' }, { body: { intValue: '7' } }] },
          ],
        },
      ],
    }),
  );
  const { targets, batches } = fakeTargets(async (batch) => {
    batches.push(batch);
    return { accepted: 1, rejected: 1, errors: [{ position: 'p', reason: 'transform_error', message: 'x' }] };
  });
  const outcome = await handleExport('logs', 'json', logs, targets, 'otel', 'req');
  assert.deepEqual(
    outcome.kind === 'ok' && {
      rejected: outcome.rejected,
      pipeline: /transform_error/.test(outcome.message),
    },
    { rejected: 2, pipeline: true },
  );
  assert.deepEqual(
    batches[0]!.records.map((r) => [r.format, (r.value as { body: unknown }).body]),
    [
      ['otlp', 'a'],
      ['otlp', 7],
    ],
  );
  const full = fakeTargets(() => Promise.reject(new OverloadedError(3)));
  assert.deepEqual(await handleExport('logs', 'json', logs, full.targets, 'otel', 'req'), {
    kind: 'overloaded',
    retryAfterSeconds: 3,
    message: 'pipeline is full; retry later',
  });
});

test('undecodable bodies and wrong shapes are invalid, with a clear message', async () => {
  const { targets } = fakeTargets();
  const garbage = await handleExport(
    'traces',
    'protobuf',
    Buffer.from([0x0a, 0xff, 0xff]),
    targets,
    'o',
    'req 9',
  );
  assert.equal(garbage.kind, 'invalid');
  assert.match(
    garbage.kind === 'invalid' ? garbage.message : '',
    /^req 9: invalid protobuf ExportTraceServiceRequest/,
  );
  const shape = await handleExport(
    'metrics',
    'json',
    Buffer.from('{"resourceMetrics": 5}'),
    targets,
    'o',
    'r',
  );
  assert.deepEqual(shape, { kind: 'invalid', message: 'r: resourceMetrics: expected an array' });
  const notJson = await handleExport('logs', 'json', Buffer.from('{'), targets, 'o', 'r');
  assert.equal(notJson.kind, 'invalid');
});

test('metrics: every kind converts; a bad histogram rejects its data points', () => {
  const point = {
    timeUnixNano: '2000000',
    startTimeUnixNano: '1000000',
    attributes: [{ key: 'k', value: { intValue: 1 } }],
  };
  const converted = convertMetrics({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'g', gauge: { dataPoints: [{ ...point, asInt: '42' }] } },
              {
                name: 'e',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      ...point,
                      count: 3,
                      scale: 2,
                      zeroCount: 1,
                      positive: { offset: -1, bucketCounts: ['1', 1] },
                    },
                  ],
                },
              },
              {
                name: 's',
                summary: {
                  dataPoints: [{ ...point, count: 2, sum: 5, quantileValues: [{ quantile: 0.5, value: 2 }] }],
                },
              },
              {
                name: 'bad',
                histogram: { dataPoints: [{ ...point, explicitBounds: [1, 2], bucketCounts: [1] }, point] },
              },
            ],
          },
        ],
      },
    ],
  });
  assert.equal(converted.rejected, 2);
  assert.match(converted.errors[0]!.message, /1 bucket counts for 2 bounds/);
  assert.deepEqual(
    converted.items.map((p) => [p.name, p.kind, p.time, p.startTime, p.labels.k]),
    [
      ['g', 'gauge', 2, 1, '1'],
      ['e', 'exponential_histogram', 2, 1, '1'],
      ['s', 'summary', 2, 1, '1'],
    ],
  );
  assert.equal(converted.items[0]!.value, 42);
  assert.deepEqual(converted.items[1]!.exponential, {
    scale: 2,
    zeroCount: 1,
    positive: { offset: -1, bucketCounts: [1, 1] },
    negative: { offset: 0, bucketCounts: [] },
  });
  assert.equal(converted.items[1]!.temporality, 'delta');
});

// ---------------------------------------------------------------------------------------------
// The source itself: HTTP status codes, gRPC status and RetryInfo.

test('source: 200/partial success, 400 Status, 413, 415 over HTTP; RESOURCE_EXHAUSTED with RetryInfo over gRPC', async () => {
  const dataDir = tempDir('vigil-otlp-src-');
  let overloaded = false;
  const spans: SpanRecord[] = [];
  const source = otlpSource.create(
    'otel',
    otlpSource.schema.parse({
      type: 'otlp',
      http: { port: 0, max_body_bytes: 4096 },
      grpc: { port: 0 },
    }),
    {
      sink: {
        submit: async (batch) => {
          if (overloaded) throw new OverloadedError(7);
          return { accepted: batch.records.length, rejected: 0, errors: [] };
        },
      },
      metrics: new Metrics(),
      log: silentLogger,
      dataDir,
      signals: {
        spans: { writeSpans: async (s) => void spans.push(...s) },
        metrics: { writeMetrics: async () => {} },
      },
    },
  );
  await source.start();
  try {
    const [, http, grpcAddress] = /http ([^,]+), grpc (.+)$/.exec(source.describe())!;
    const post = (path: string, type: string, body: Uint8Array) =>
      fetch(`http://${http}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

    const ok = await post(
      '/v1/traces',
      'application/json',
      traceRequest([spanJson('00f067aa0ba902b7'), spanJson('0')]),
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    const okBody = (await ok.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(okBody.partialSuccess.rejectedSpans, '1');
    assert.match(okBody.partialSuccess.errorMessage, /spans\[1\]\.spanId/);
    assert.equal(spans.length, 1);

    const proto = OTLP_TYPES.traces.request;
    const good = proto.encode(proto.fromObject({})).finish();
    const full = await post('/v1/traces', 'application/x-protobuf', good);
    assert.equal(full.status, 200);
    assert.deepEqual(decodeResponse('traces', new Uint8Array(await full.arrayBuffer())), {
      rejected: 0,
      message: '',
    });

    const bad = await post('/v1/logs', 'application/x-protobuf', Buffer.from([0x0a, 0x05, 0x01]));
    assert.equal(bad.status, 400);
    const status = decodeStatus(new Uint8Array(await bad.arrayBuffer()));
    assert.equal(status.code, 3);
    assert.match(status.message, /invalid protobuf ExportLogsServiceRequest/);

    assert.equal((await post('/v1/logs', 'application/json', Buffer.alloc(5000, 0x20))).status, 413);
    assert.equal((await post('/v1/logs', 'text/plain', Buffer.from('x'))).status, 415);
    assert.equal((await fetch(`http://${http}/v1/nope`, { method: 'POST' })).status, 404);

    overloaded = true;
    const logs = Buffer.from(
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] }),
    );
    const busy = await post('/v1/logs', 'application/json', logs);
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get('retry-after'), '7');
    assert.deepEqual(await busy.json(), {
      code: 8,
      message: 'pipeline is full; retry later',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
    });

    // gRPC: the same request, RESOURCE_EXHAUSTED with a RetryInfo detail.
    const client = new grpc.Client(grpcAddress!, grpc.credentials.createInsecure());
    const call = (body: Uint8Array) =>
      new Promise<{ error: grpc.ServiceError | null; response?: Buffer }>((resolve) =>
        client.makeUnaryRequest(
          GRPC_PATHS.logs,
          (b: Uint8Array) => Buffer.from(b),
          (b: Buffer) => b,
          body,
          (error, response) => resolve({ error, ...(response ? { response } : {}) }),
        ),
      );
    const logsProto = OTLP_TYPES.logs.request;
    const encoded = logsProto
      .encode(
        logsProto.fromObject({
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }],
        }),
      )
      .finish();
    const exhausted = await call(encoded);
    assert.equal(exhausted.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    const details = exhausted.error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    assert.equal(decodeStatus(details).retryDelaySeconds, 7);
    overloaded = false;
    const accepted = await call(encoded);
    assert.equal(accepted.error, null);
    assert.deepEqual(decodeResponse('logs', accepted.response!), { rejected: 0, message: '' });
    const invalid = await call(Buffer.from([0x0a, 0x05, 0x01]));
    assert.equal(invalid.error?.code, grpc.status.INVALID_ARGUMENT);
    client.close();
  } finally {
    await source.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
