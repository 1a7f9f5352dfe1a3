/**
 * OTLP end to end: a real Vigil server (`startServer`, in this process, with an `otlp` source on
 * free ports), the official OpenTelemetry JS SDK with its official exporters over OTLP/HTTP JSON,
 * OTLP/HTTP protobuf and OTLP/gRPC sending a two-span trace, a log record inside it and metrics;
 * then the trace routes (src/traces/api.ts, on a Fastify instance of their own without
 * authentication; the API's authorization is tested in src/api/) and the event search give back
 * what was sent, and the server's span and metric stores hold it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { resolveConfig } from '../config/load.js';
import { runSearch } from '../query/search.js';
import { startServer, type RunningServer } from '../server.js';
import type { OtlpSource } from '../sources/otlp.js';
import { silentLogger } from '../telemetry/log.js';
import { registerTraceRoutes } from '../traces/api.js';
import type { StoredSpan, TraceSummary } from '../traces/store.js';
import { tempDir, waitFor } from './harness.js';

type Transport = 'http-json' | 'http-protobuf' | 'grpc';
const TRANSPORTS: Transport[] = ['http-json', 'http-protobuf', 'grpc'];

describe('OTLP receiver end to end with the official OpenTelemetry exporters', () => {
  let running: RunningServer;
  let source: OtlpSource;
  let dataDir: string;
  let httpUrl: string;
  let grpcUrl: string;
  const api = Fastify();
  const sent = new Map<Transport, { traceId: string; rootSpanId: string; childSpanId: string }>();

  before(async () => {
    dataDir = tempDir('vigil-otlp-e2e-');
    const config = resolveConfig(
      {
        api: { address: '127.0.0.1', port: 0 },
        pipeline: { flush_interval_ms: 5 },
        sources: [
          {
            type: 'otlp',
            name: 'otel',
            http: { address: '127.0.0.1', port: 0 },
            grpc: { address: '127.0.0.1', port: 0 },
          },
        ],
      },
      'e2e',
      dataDir,
    );
    running = await startServer(config, silentLogger);
    source = running.sources.find((s) => s.name === 'otel') as OtlpSource;
    const described = source.describe();
    const http = /http ([^,]+)/.exec(described)?.[1];
    const grpc = /grpc ([^,]+)/.exec(described)?.[1];
    assert.ok(http && grpc, `describe() names both listeners: ${described}`);
    httpUrl = `http://${http}`;
    grpcUrl = `http://${grpc}`;
    registerTraceRoutes(api, {
      traces: running.spans,
      store: running.store,
      authorize: () => () => true,
    });
    await api.ready();

    for (const transport of TRANSPORTS) {
      const resource = resourceFromAttributes({
        'service.name': `shop-${transport}`,
        'host.name': 'e2e-host',
      });
      const url = (signal: string) => (transport === 'grpc' ? grpcUrl : `${httpUrl}/v1/${signal}`);
      const traceExporter =
        transport === 'grpc'
          ? new TraceGrpc({ url: url('traces') })
          : transport === 'http-json'
            ? new TraceHttp({ url: url('traces') })
            : new TraceProto({ url: url('traces') });
      const logExporter =
        transport === 'grpc'
          ? new LogsGrpc({ url: url('logs') })
          : transport === 'http-json'
            ? new LogsHttp({ url: url('logs') })
            : new LogsProto({ url: url('logs') });
      const metricExporter =
        transport === 'grpc'
          ? new MetricsGrpc({ url: url('metrics') })
          : transport === 'http-json'
            ? new MetricsHttp({ url: url('metrics') })
            : new MetricsProto({ url: url('metrics') });

      const tracerProvider = new BasicTracerProvider({
        resource,
        spanProcessors: [new SimpleSpanProcessor(traceExporter)],
      });
      const loggerProvider = new LoggerProvider({
        resource,
        processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
      });
      const tracer = tracerProvider.getTracer('e2e-tracer', '2.0.0');
      const root = tracer.startSpan(
        'POST /login',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'enduser.id': `alice-${transport}`,
            'http.route': '/login',
            'http.response.status_code': 200,
          },
        },
        ROOT_CONTEXT,
      );
      const inRoot = trace.setSpan(ROOT_CONTEXT, root);
      const child = tracer.startSpan(
        'SELECT users',
        { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } },
        inRoot,
      );
      child.addEvent('retry', { attempt: 2 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
      const inChild = trace.setSpan(inRoot, child);
      loggerProvider.getLogger('auth', '1.2.3').emit({
        body: `login failed for alice-${transport}`,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        attributes: {
          'enduser.id': `alice-${transport}`,
          'event.outcome': 'failure',
          'client.address': '203.0.113.9',
        },
        context: inChild,
      });
      child.end();
      root.end();
      sent.set(transport, {
        traceId: root.spanContext().traceId,
        rootSpanId: root.spanContext().spanId,
        childSpanId: child.spanContext().spanId,
      });
      await otelContext.with(ROOT_CONTEXT, async () => {
        await tracerProvider.forceFlush();
        await loggerProvider.forceFlush();
      });
      await tracerProvider.shutdown();
      await loggerProvider.shutdown();

      const reader = new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: 60_000,
      });
      const meterProvider = new MeterProvider({ resource, readers: [reader] });
      const meter = meterProvider.getMeter('e2e-meter', '1.0.0');
      meter
        .createCounter('logins.failed', { unit: '{attempt}' })
        .add(3, { 'user.name': `alice-${transport}` });
      meter
        .createHistogram('http.server.request.duration', { unit: 's' })
        .record(0.25, { 'http.route': '/login' });
      await meterProvider.forceFlush();
      await meterProvider.shutdown();
    }
  });

  after(async () => {
    await api.close();
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const transport of TRANSPORTS) {
    test(`${transport}: the trace comes back with its spans, depth, status and attributes`, async () => {
      const ids = sent.get(transport)!;
      const list = await api.inject({ method: 'GET', url: `/api/v1/traces?service=shop-${transport}` });
      assert.equal(list.statusCode, 200, list.body);
      const traces = (list.json() as { traces: TraceSummary[] }).traces;
      assert.equal(traces.length, 1);
      assert.equal(traces[0]!.traceId, ids.traceId);
      assert.equal(traces[0]!.rootName, 'POST /login');
      assert.equal(traces[0]!.spanCount, 2);
      assert.equal(traces[0]!.error, true);
      assert.deepEqual(traces[0]!.services, [`shop-${transport}`]);

      const byUser = await api.inject({
        method: 'GET',
        url: `/api/v1/traces?user=alice-${transport}&status=error`,
      });
      assert.deepEqual(
        (byUser.json() as { traces: TraceSummary[] }).traces.map((t) => t.traceId),
        [ids.traceId],
      );
      const byAttr = await api.inject({
        method: 'GET',
        url: `/api/v1/traces?attr=${encodeURIComponent('db.system=postgresql')}&service=shop-${transport}`,
      });
      assert.equal((byAttr.json() as { traces: TraceSummary[] }).traces.length, 1);
      const tooSlow = await api.inject({
        method: 'GET',
        url: `/api/v1/traces?service=shop-${transport}&min_duration=60000`,
      });
      assert.equal((tooSlow.json() as { traces: TraceSummary[] }).traces.length, 0);

      const detail = await api.inject({ method: 'GET', url: `/api/v1/traces/${ids.traceId}` });
      assert.equal(detail.statusCode, 200, detail.body);
      const body = detail.json() as { spans: StoredSpan[]; logs: Record<string, unknown>[] };
      assert.deepEqual(
        body.spans.map((s) => [s.name, s.spanId, s.parentSpanId, s.depth, s.kind, s.statusCode]),
        [
          ['POST /login', ids.rootSpanId, null, 0, 2, 0],
          ['SELECT users', ids.childSpanId, ids.rootSpanId, 1, 3, 2],
        ],
      );
      const [root, child] = body.spans;
      assert.equal(root!.attributes['enduser.id'], `alice-${transport}`);
      assert.equal(root!.attributes['http.response.status_code'], 200);
      assert.equal(root!.resource['host.name'], 'e2e-host');
      assert.equal(child!.statusMessage, 'deadlock detected');
      assert.deepEqual(
        child!.events.map((e) => [e.name, e.attributes]),
        [['retry', { attempt: 2 }]],
      );

      // The log record of the trace, found by its trace id, normalized to OCSF.
      assert.equal(body.logs.length, 1);
      const log = body.logs[0]!;
      assert.equal(log.message, `login failed for alice-${transport}`);
      assert.equal(
        log.class_uid,
        3002,
        'an authentication failure naming its user is an Authentication event',
      );
      assert.equal(log.status_id, 2);
      assert.deepEqual(log.user, { name: `alice-${transport}` });
      assert.equal(log.severity_id, 4);
      const metadata = log.metadata as Record<string, unknown>;
      assert.equal(metadata.log_provider, 'otlp');
      assert.equal((metadata.product as { name: string }).name, 'OpenTelemetry');
      assert.equal(metadata.correlation_uid, ids.traceId);
      assert.deepEqual(metadata.labels, ['security']);
      const unmapped = log.unmapped as Record<string, unknown>;
      assert.equal(unmapped.trace_id, ids.traceId);
      assert.equal(unmapped.span_id, ids.childSpanId);
      assert.equal((unmapped.scope as { name: string }).name, 'auth');
      assert.equal((unmapped.resource as Record<string, unknown>)['service.name'], `shop-${transport}`);
    });
  }

  test('the logs are searchable by trace id and by their attributes', async () => {
    const { traceId } = sent.get('grpc')!;
    const result = await runSearch(running.store, `unmapped.trace_id=${traceId}`);
    assert.equal(result.kind, 'events');
    assert.equal(result.kind === 'events' && result.events.length, 1);
    const all = await runSearch(running.store, 'source=otel | stats count() by class_uid');
    assert.deepEqual(all.kind === 'table' && all.rows, [[3002, 3]]);
  });

  test('metrics from all three transports reach the metric store', async () => {
    const metrics = running.metricStore;
    const names = await waitFor('metric names', async () => {
      const n = await metrics.names();
      return n.length >= 2 ? n : undefined;
    });
    const byName = new Map(names.map((n) => [n.name, n]));
    assert.equal(byName.get('logins.failed')?.kind, 'sum');
    assert.equal(byName.get('http.server.request.duration')?.kind, 'histogram');
    const labels = await metrics.labels('logins.failed');
    assert.deepEqual(labels['user.name'], ['alice-grpc', 'alice-http-json', 'alice-http-protobuf']);
    assert.deepEqual(labels['service.name'], ['shop-grpc', 'shop-http-json', 'shop-http-protobuf']);
  });
});
