/**
 * The OTLP receiver: OpenTelemetry logs, traces and metrics over OTLP/HTTP (`POST /v1/logs`,
 * `/v1/traces`, `/v1/metrics`; protobuf or JSON, optionally gzip) and OTLP/gRPC (the three Export
 * services), optionally over TLS.
 *
 * Where each signal goes, and when it is acknowledged:
 * - log records → the pipeline (`sink.submit`, format `otlp`, normalized by src/normalize/otlp.ts);
 *   answered once durable (the submit promise);
 * - spans → the sampler (src/traces/sampling.ts) → the span store (`ctx.signals.spans`);
 * - data points → the metric store (`ctx.signals.metrics`), answered after its commit.
 * When the context brings no span store or metric sink (until server.ts wires them), the source
 * opens its own (`<dataDir>/traces.duckdb`, `<dataDir>/metrics.duckdb`) and closes them on stop.
 *
 * Answers follow the OTLP spec: 200 with an Export*ServiceResponse (partial success: the count of
 * rejected records and why) in the request's encoding; 400 with a google.rpc.Status for an
 * undecodable body; 413 over `max_body_bytes`; 415 for another content type; 429 (pipeline full)
 * and 503 (buffer disk refusing, store failing) with Retry-After. gRPC: INVALID_ARGUMENT,
 * RESOURCE_EXHAUSTED with RetryInfo (so exporters retry), UNAVAILABLE, and the message size limit.
 *
 * Request handling (`handleExport`) is transport-independent; the HTTP and gRPC servers are shells.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import type { MetricSink } from '../metrics/model.js';
import { MetricStore } from '../metrics/store.js';
import { OTLP_LOG_FORMAT } from '../normalize/otlp.js';
import { Sampler, samplingConfigSchema } from '../traces/sampling.js';
import { SpanStore } from '../traces/store.js';
import { decodeBody, EncodingError, TooLargeError } from './decompress.js';
import { convertLogs, convertMetrics, convertSpans, OtlpShapeError, type Converted } from './otlp/convert.js';
import { GRPC_PATHS, type Signal } from './otlp/proto.js';
import {
  decodeRequest,
  encodeResponse,
  encodeStatus,
  GrpcCode,
  OtlpDecodeError,
  type Encoding,
} from './otlp/wire.js';
import {
  OverloadedError,
  UnavailableError,
  type RawRecord,
  type Source,
  type SourceContext,
  type SourceType,
} from './source.js';

const port = z.number().int().min(0).max(65535);

export const otlpConfigSchema = z
  .object({
    type: z.literal('otlp'),
    name: z.string().optional(),
    http: z
      .object({
        address: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Address to listen on (0.0.0.0 or :: for all).'),
        port: port.default(4318).describe('OTLP/HTTP port (0 = any free port).'),
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(16 * 2 ** 20)
          .describe('Largest request body, after decompression; larger answers 413.'),
      })
      .strict()
      .nullable()
      .default({ address: '127.0.0.1', port: 4318, max_body_bytes: 16 * 2 ** 20 })
      .describe('OTLP/HTTP listener; null turns it off.'),
    grpc: z
      .object({
        address: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
        port: port.default(4317).describe('OTLP/gRPC port (0 = any free port).'),
        max_message_bytes: z
          .number()
          .int()
          .positive()
          .default(16 * 2 ** 20)
          .describe('Largest gRPC message; larger answers RESOURCE_EXHAUSTED.'),
      })
      .strict()
      .nullable()
      .default({ address: '127.0.0.1', port: 4317, max_message_bytes: 16 * 2 ** 20 })
      .describe('OTLP/gRPC listener; null turns it off.'),
    tls: z
      .object({
        cert: z.string().min(1).describe('Server certificate chain, PEM file.'),
        key: z.string().min(1).describe('Private key of the certificate, PEM file.'),
      })
      .strict()
      .optional()
      .describe('Serve both listeners over TLS; absent = plain text.'),
    sampling: samplingConfigSchema
      .default({ head_ratio: 1 })
      .describe('Trace (and trace-linked log) sampling.'),
    max_pending_span_batches: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe(
        'Span batches being written at most; beyond, senders are told to retry (429 / RESOURCE_EXHAUSTED).',
      ),
  })
  .strict()
  .refine((c) => c.http !== null || c.grpc !== null, { message: 'no listener: set http or grpc' });

export type OtlpConfig = z.infer<typeof otlpConfigSchema>;

/** What an export request came to, whatever the transport. */
export type ExportOutcome =
  | { kind: 'ok'; rejected: number; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'overloaded'; retryAfterSeconds: number; message: string }
  | { kind: 'unavailable'; retryAfterSeconds: number; message: string };

/** The stores signals go to (see the file comment). */
export interface OtlpTargets {
  sink: SourceContext['sink'];
  spans: Sampler;
  metrics: MetricSink | undefined;
}

const SPAN_STORE_RETRY_SECONDS = 5;

function partialMessage(converted: Converted<unknown>, extra: string[] = []): string {
  const parts = converted.errors.map((e) => `${e.position}: ${e.message}`);
  if (converted.rejected > converted.errors.length)
    parts.push(`(${converted.rejected - converted.errors.length} more)`);
  return [...parts, ...extra].join('; ');
}

/**
 * One export request: decode, convert, hand over, wait for durability. Never throws for anything a
 * sender can cause; store failures become `unavailable`.
 */
export async function handleExport(
  signal: Signal,
  encoding: Encoding,
  body: Uint8Array,
  targets: OtlpTargets,
  source: string,
  where: string,
  limits: { pendingSpanBatches: () => number; maxPendingSpanBatches: number } = {
    pendingSpanBatches: () => 0,
    maxPendingSpanBatches: Infinity,
  },
): Promise<ExportOutcome> {
  let request: Record<string, unknown>;
  try {
    request = decodeRequest(signal, encoding, body);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { kind: 'invalid', message: `${where}: ${error.message}` };
    throw error;
  }
  try {
    if (signal === 'logs') {
      const converted = convertLogs(request);
      const records: RawRecord[] = [];
      converted.items.forEach((value, i) => {
        const names = [value.event_name ?? '', typeof value.body === 'string' ? value.body : ''];
        if (!targets.spans.keepLog(value.trace_id, names, value.attributes)) return;
        records.push({
          text: JSON.stringify(value),
          value,
          format: OTLP_LOG_FORMAT,
          position: `${where} log ${i}`,
        });
      });
      if (records.length === 0)
        return { kind: 'ok', rejected: converted.rejected, message: partialMessage(converted) };
      const result = await targets.sink.submit({ source, records }, { wait: false });
      const pipelineErrors = result.errors.map((e) => `${e.position}: ${e.reason}: ${e.message}`);
      return {
        kind: 'ok',
        rejected: converted.rejected + result.rejected,
        message: partialMessage(converted, pipelineErrors),
      };
    }
    if (signal === 'traces') {
      const converted = convertSpans(request);
      if (limits.pendingSpanBatches() >= limits.maxPendingSpanBatches)
        return { kind: 'overloaded', retryAfterSeconds: 1, message: 'span store is busy; retry later' };
      try {
        await targets.spans.writeSpans(converted.items);
      } catch (error) {
        return {
          kind: 'unavailable',
          retryAfterSeconds: SPAN_STORE_RETRY_SECONDS,
          message: `span store: ${(error as Error).message}`,
        };
      }
      return { kind: 'ok', rejected: converted.rejected, message: partialMessage(converted) };
    }
    const converted = convertMetrics(request);
    if (!targets.metrics) {
      return {
        kind: 'ok',
        rejected: converted.rejected + converted.items.length,
        message: partialMessage(converted, ['metrics are not stored: no metric store is configured']),
      };
    }
    try {
      if (converted.items.length > 0) await targets.metrics.writeMetrics(converted.items);
    } catch (error) {
      if (error instanceof RangeError)
        return {
          kind: 'ok',
          rejected: converted.rejected + converted.items.length,
          message: partialMessage(converted, [error.message]),
        };
      return {
        kind: 'unavailable',
        retryAfterSeconds: SPAN_STORE_RETRY_SECONDS,
        message: `metric store: ${(error as Error).message}`,
      };
    }
    return { kind: 'ok', rejected: converted.rejected, message: partialMessage(converted) };
  } catch (error) {
    if (error instanceof OtlpShapeError) return { kind: 'invalid', message: `${where}: ${error.message}` };
    if (error instanceof OverloadedError)
      return { kind: 'overloaded', retryAfterSeconds: error.retryAfterSeconds, message: error.message };
    if (error instanceof UnavailableError)
      return { kind: 'unavailable', retryAfterSeconds: error.retryAfterSeconds, message: error.message };
    throw error;
  }
}

const PATHS: Readonly<Record<string, Signal>> = {
  '/v1/logs': 'logs',
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
};

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

const CONTENT_TYPES: Readonly<Record<Encoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** Read a request body, stopping (413) past `limit` raw bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      request.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) over = true;
      else if (!over) chunks.push(chunk);
    });
    request.on('end', () => resolve(over ? 'too_large' : Buffer.concat(chunks, total)));
    request.on('error', reject);
  });
}

class OtlpSource implements Source {
  private http: Server | undefined;
  private grpcServer: grpc.Server | undefined;
  private readonly bound: { http?: string; grpc?: string } = {};
  private targets: OtlpTargets | undefined;
  private ownSpanStore: SpanStore | undefined;
  private ownMetricStore: MetricStore | undefined;
  private pendingSpanBatches = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private requests = 0;

  constructor(
    readonly name: string,
    private readonly config: OtlpConfig,
    private readonly ctx: SourceContext,
  ) {}

  /** The sampler in front of the span store (its counters: `sampler.stats()`). */
  get sampler(): Sampler | undefined {
    return this.targets?.spans;
  }

  /** The span store this source opened itself (when the context brought none). */
  get spanStore(): SpanStore | undefined {
    return this.ownSpanStore;
  }

  /** The metric store this source opened itself (when the context brought none). */
  get metricStore(): MetricStore | undefined {
    return this.ownMetricStore;
  }

  async start(): Promise<void> {
    const { config, ctx } = this;
    try {
      let spans = ctx.signals?.spans;
      if (!spans) spans = this.ownSpanStore = await SpanStore.open(ctx.dataDir);
      let metrics = ctx.signals?.metrics;
      if (!metrics) metrics = this.ownMetricStore = await MetricStore.open(ctx.dataDir);
      const sampler = new Sampler(spans, config.sampling, {
        onError: (error, count) =>
          ctx.log.error({ err: error, source: this.name, spans: count }, 'sampled spans could not be stored'),
      });
      sampler.start();
      this.targets = { sink: ctx.sink, spans: sampler, metrics };
      const tls = config.tls
        ? await Promise.all([readFile(config.tls.cert), readFile(config.tls.key)])
        : undefined;
      if (config.http) {
        const handler = (req: IncomingMessage, res: ServerResponse) => this.track(this.serveHttp(req, res));
        this.http = tls ? createHttpsServer({ cert: tls[0], key: tls[1] }, handler) : createServer(handler);
        const http = this.http;
        const { address, port } = config.http;
        await new Promise<void>((resolve, reject) => {
          http.once('error', reject);
          http.listen(port, address, () => {
            http.off('error', reject);
            resolve();
          });
        });
        const a = http.address() as AddressInfo;
        this.bound.http = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      }
      if (config.grpc) await this.startGrpc(config.grpc, tls);
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
    ctx.log.info({ source: this.name, listening: this.describe() }, 'otlp source receiving');
  }

  private async startGrpc(
    options: NonNullable<OtlpConfig['grpc']>,
    tls: [Buffer, Buffer] | undefined,
  ): Promise<void> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': options.max_message_bytes,
      'grpc.max_send_message_length': 4 * 2 ** 20,
    });
    const identity = (b: Buffer) => b;
    for (const signal of ['logs', 'traces', 'metrics'] as const) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path: GRPC_PATHS[signal],
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      };
      server.addService(definition, {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          this.track(this.serveGrpc(signal, call, callback));
        },
      });
    }
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls[0], private_key: tls[1] }], false)
      : grpc.ServerCredentials.createInsecure();
    const host = options.address.includes(':') ? `[${options.address}]` : options.address;
    const boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${options.port}`, credentials, (error, p) =>
        error ? reject(error) : resolve(p),
      ),
    );
    this.grpcServer = server;
    this.bound.grpc = `${host}:${boundPort}`;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private limits() {
    return {
      pendingSpanBatches: () => this.pendingSpanBatches,
      maxPendingSpanBatches: this.config.max_pending_span_batches,
    };
  }

  private async export(
    signal: Signal,
    encoding: Encoding,
    body: Uint8Array,
    where: string,
  ): Promise<ExportOutcome> {
    const { metrics } = this.ctx;
    if (signal === 'traces') this.pendingSpanBatches++;
    try {
      const outcome = await handleExport(signal, encoding, body, this.targets!, this.name, where, {
        pendingSpanBatches: () => this.pendingSpanBatches - 1,
        maxPendingSpanBatches: this.limits().maxPendingSpanBatches,
      });
      if (outcome.kind === 'invalid')
        metrics.reject(this.name, 'invalid_otlp', 1, { position: where, message: outcome.message });
      else if (outcome.kind !== 'ok')
        metrics.reject(this.name, outcome.kind, 1, {
          position: where,
          message: `${signal}: ${outcome.message}`,
        });
      return outcome;
    } catch (error) {
      this.ctx.log.error({ err: error, source: this.name, signal }, 'otlp export failed');
      return { kind: 'unavailable', retryAfterSeconds: SPAN_STORE_RETRY_SECONDS, message: 'internal error' };
    } finally {
      if (signal === 'traces') this.pendingSpanBatches--;
    }
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const where = `${this.name} http request ${++this.requests}`;
    const path = (req.url ?? '').split('?')[0]!;
    const signal = PATHS[path];
    const send = (
      status: number,
      encoding: Encoding,
      body: Uint8Array,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': CONTENT_TYPES[encoding], ...headers });
      res.end(body);
    };
    try {
      if (!signal) {
        req.resume();
        return send(
          404,
          'json',
          encodeStatus('json', 5, `no such path ${path}: use /v1/logs, /v1/traces or /v1/metrics`),
        );
      }
      if (req.method !== 'POST') {
        req.resume();
        return send(405, 'json', encodeStatus('json', GrpcCode.INVALID_ARGUMENT, `${path} takes POST`), {
          allow: 'POST',
        });
      }
      const encoding = encodingOf(req.headers['content-type']);
      if (!encoding) {
        req.resume();
        return send(
          415,
          'json',
          encodeStatus(
            'json',
            GrpcCode.INVALID_ARGUMENT,
            `unsupported content-type '${req.headers['content-type'] ?? ''}': use application/x-protobuf or application/json`,
          ),
        );
      }
      const limit = this.config.http!.max_body_bytes;
      const raw = await readBody(req, limit);
      if (raw === 'too_large') {
        this.ctx.metrics.reject(this.name, 'too_large', 1, {
          position: where,
          message: `body over ${limit} bytes`,
        });
        return send(
          413,
          encoding,
          encodeStatus(encoding, GrpcCode.INVALID_ARGUMENT, `body exceeds ${limit} bytes`),
        );
      }
      let body: Buffer;
      try {
        body = await decodeBody(raw, req.headers['content-encoding'], limit);
      } catch (error) {
        if (error instanceof TooLargeError)
          return send(413, encoding, encodeStatus(encoding, GrpcCode.INVALID_ARGUMENT, error.message));
        if (error instanceof EncodingError)
          return send(
            400,
            encoding,
            encodeStatus(encoding, GrpcCode.INVALID_ARGUMENT, `${where}: ${error.message}`),
          );
        throw error;
      }
      const outcome = await this.export(signal, encoding, body, where);
      switch (outcome.kind) {
        case 'ok':
          return send(
            200,
            encoding,
            encodeResponse(signal, encoding, { rejected: outcome.rejected, message: outcome.message }),
          );
        case 'invalid':
          return send(400, encoding, encodeStatus(encoding, GrpcCode.INVALID_ARGUMENT, outcome.message));
        case 'overloaded':
          return send(
            429,
            encoding,
            encodeStatus(encoding, GrpcCode.RESOURCE_EXHAUSTED, outcome.message, outcome.retryAfterSeconds),
            { 'retry-after': String(outcome.retryAfterSeconds) },
          );
        case 'unavailable':
          return send(
            503,
            encoding,
            encodeStatus(encoding, GrpcCode.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds),
            { 'retry-after': String(outcome.retryAfterSeconds) },
          );
      }
    } catch (error) {
      this.ctx.log.error({ err: error, source: this.name }, 'otlp http request failed');
      if (!res.headersSent) send(500, 'json', encodeStatus('json', GrpcCode.INTERNAL, 'internal error'));
      else res.destroy();
    }
  }

  private async serveGrpc(
    signal: Signal,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ): Promise<void> {
    const where = `${this.name} grpc ${call.getPeer()} request ${++this.requests}`;
    const outcome = await this.export(signal, 'protobuf', call.request, where);
    if (outcome.kind === 'ok') {
      callback(
        null,
        Buffer.from(
          encodeResponse(signal, 'protobuf', { rejected: outcome.rejected, message: outcome.message }),
        ),
      );
      return;
    }
    const code =
      outcome.kind === 'invalid'
        ? grpc.status.INVALID_ARGUMENT
        : outcome.kind === 'overloaded'
          ? grpc.status.RESOURCE_EXHAUSTED
          : grpc.status.UNAVAILABLE;
    const metadata = new grpc.Metadata();
    if (outcome.kind !== 'invalid') {
      // The RetryInfo detail: OTLP exporters retry RESOURCE_EXHAUSTED only when it is present.
      metadata.set(
        'grpc-status-details-bin',
        Buffer.from(encodeStatus('protobuf', code, outcome.message, outcome.retryAfterSeconds)),
      );
    }
    callback({ code, details: outcome.message, metadata });
  }

  describe(): string {
    const parts: string[] = [];
    if (this.bound.http) parts.push(`http ${this.bound.http}`);
    if (this.bound.grpc) parts.push(`grpc ${this.bound.grpc}`);
    return parts.join(', ');
  }

  async stop(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
      });
    }
    const grpcServer = this.grpcServer;
    this.grpcServer = undefined;
    if (grpcServer) await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
    await this.targets?.spans.close();
    this.targets = undefined;
    await this.ownSpanStore?.close();
    await this.ownMetricStore?.close();
    this.ownSpanStore = undefined;
    this.ownMetricStore = undefined;
    delete this.bound.http;
    delete this.bound.grpc;
  }
}

export const otlpSource: SourceType<typeof otlpConfigSchema> = {
  type: 'otlp',
  description: 'OpenTelemetry receiver: OTLP/HTTP (protobuf, JSON) and OTLP/gRPC logs, traces and metrics.',
  schema: otlpConfigSchema,
  create: (name, config, ctx) => new OtlpSource(name, config, ctx),
};

export type { OtlpSource };
