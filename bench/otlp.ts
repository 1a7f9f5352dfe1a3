/**
 * OTLP receiver throughput: spans/s, log records/s and data points/s through the real receiver
 * (src/sources/otlp.ts over OTLP/HTTP protobuf, span store and metric store on disk), with the
 * official OpenTelemetry JS exporters as the load generator (batch processors, large batches).
 * Log records go to a sink that acknowledges at once, so the figure is the receiver's (decode,
 * convert, frame), not the event pipeline's. Each figure is the median of `runs`, beside the
 * OpenTelemetry Collector's published ~12,000 spans/s per core.
 *
 * Call: `node -e "import('./dist/bench/otlp.js').then(m => m.benchOtlp()).then(r => console.log(r))"`.
 */
import { rmSync } from 'node:fs';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tempDir } from '../src/e2e/harness.js';
import { otlpSource } from '../src/sources/otlp.js';
import { silentLogger } from '../src/telemetry/log.js';
import { Metrics } from '../src/telemetry/metrics.js';

export interface OtlpBenchResult {
  spansPerSecond: number;
  logRecordsPerSecond: number;
  dataPointsPerSecond: number;
  collectorSpansPerSecondPerCore: number;
  ratioToCollector: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchOtlp(
  options: { spans?: number; logs?: number; series?: number; runs?: number } = {},
): Promise<OtlpBenchResult> {
  const spans = options.spans ?? 50_000;
  const logs = options.logs ?? 50_000;
  const series = options.series ?? 5_000;
  const runs = options.runs ?? 3;
  const dataDir = tempDir('vigil-otlp-bench-');
  let logsReceived = 0;
  const source = otlpSource.create(
    'otel',
    otlpSource.schema.parse({ type: 'otlp', http: { port: 0 }, grpc: null }),
    {
      sink: {
        submit: async (batch) => {
          logsReceived += batch.records.length;
          return { accepted: batch.records.length, rejected: 0, errors: [] };
        },
      },
      metrics: new Metrics(),
      log: silentLogger,
      dataDir,
    },
  );
  await source.start();
  const url = `http://${/http ([^,]+)/.exec(source.describe())![1]}`;
  const resource = resourceFromAttributes({ 'service.name': 'bench', 'host.name': 'bench-host' });
  const spanRates: number[] = [];
  const logRates: number[] = [];
  const pointRates: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const tp = new BasicTracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), {
            maxExportBatchSize: 2048,
            maxQueueSize: spans + 1,
            scheduledDelayMillis: 50,
          }),
        ],
      });
      const tracer = tp.getTracer('bench');
      const t0 = performance.now();
      for (let i = 0; i < spans; i++) {
        const s = tracer.startSpan(
          'GET /items',
          { attributes: { 'http.route': '/items', 'enduser.id': `u${i % 100}` } },
          ROOT_CONTEXT,
        );
        s.end();
      }
      await tp.forceFlush();
      spanRates.push(spans / ((performance.now() - t0) / 1000));
      await tp.shutdown();

      const lp = new LoggerProvider({
        resource,
        processors: [
          new BatchLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `${url}/v1/logs` }),
            maxExportBatchSize: 2048,
            maxQueueSize: logs + 1,
            scheduledDelayMillis: 50,
          }),
        ],
      });
      const logger = lp.getLogger('bench');
      const before = logsReceived;
      const t1 = performance.now();
      for (let i = 0; i < logs; i++)
        logger.emit({
          body: `request ${i} served`,
          severityNumber: 9,
          attributes: { 'http.route': '/items' },
        });
      await lp.forceFlush();
      logRates.push((logsReceived - before) / ((performance.now() - t1) / 1000));
      await lp.shutdown();

      const reader = new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }),
        exportIntervalMillis: 3_600_000,
      });
      const mp = new MeterProvider({ resource, readers: [reader] });
      const counter = mp.getMeter('bench').createCounter('bench.requests');
      for (let i = 0; i < series; i++) counter.add(1, { route: `/r${i}`, run: String(run) });
      const t2 = performance.now();
      await mp.forceFlush();
      pointRates.push(series / ((performance.now() - t2) / 1000));
      await mp.shutdown();
    }
  } finally {
    await source.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const spansPerSecond = Math.round(median(spanRates));
  return {
    spansPerSecond,
    logRecordsPerSecond: Math.round(median(logRates)),
    dataPointsPerSecond: Math.round(median(pointRates)),
    collectorSpansPerSecondPerCore: 12_000,
    ratioToCollector: Math.round((spansPerSecond / 12_000) * 100) / 100,
  };
}
