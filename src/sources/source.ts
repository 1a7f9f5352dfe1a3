import type { z } from 'zod';
import { stringifyJson } from '../parsers/json.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { MetricSink } from '../metrics/model.js';
import type { SpanSink } from '../traces/model.js';

/** One framed record as a source received it (a line, a syslog frame, a JSON document). */
export interface RawRecord {
  /** The record's text. */
  text: string;
  /** Where it came from, for error messages: `app.log line 42`, `tcp 127.0.0.1:51234 frame 7`. */
  position: string;
  /** A format the source knows the record is in (skips auto-detection), e.g. `syslog`. */
  format?: string;
  /** The record already parsed as JSON by the source (a JSON array element); saves a second parse. */
  value?: Record<string, unknown>;
}

/** A record for one element of a JSON document: objects travel parsed; anything else is left to fail parsing. */
export function jsonElementRecord(item: unknown, position: string): RawRecord {
  return item !== null && typeof item === 'object' && !Array.isArray(item)
    ? { text: stringifyJson(item), value: item as Record<string, unknown>, position }
    : { text: stringifyJson(item), position, format: 'json' };
}

/** Records handed to the pipeline together; they are acknowledged together. */
export interface SourceBatch {
  /** The configured source name (a metrics label and the stored event's `source`). */
  source: string;
  records: RawRecord[];
}

export interface RecordError {
  position: string;
  reason: string;
  message: string;
}

/** What became of a batch once it was durably stored. */
export interface BatchResult {
  accepted: number;
  rejected: number;
  /** The first few rejections, for the sender (bounded). */
  errors: RecordError[];
}

/** The pipeline seen from a source. */
export interface Sink {
  /**
   * Parse, normalize and store a batch. The promise is the acknowledgement: it resolves only once
   * every accepted event of the batch is durably stored. With `wait: false` it rejects at once
   * with an OverloadedError when the pipeline is full (HTTP answers 429); with `wait: true`
   * (the default) it waits for room, which is how TCP receivers stop reading.
   */
  submit(batch: SourceBatch, options?: { wait?: boolean }): Promise<BatchResult>;
}

/** The pipeline is full; retry after `retryAfterSeconds`. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('pipeline is full; retry later');
    this.name = 'OverloadedError';
  }
}

/** Vigil cannot accept now (the buffer's disk refuses writes); retry after `retryAfterSeconds` (HTTP 503). */
export class UnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}

export interface SourceContext {
  sink: Sink;
  metrics: Metrics;
  log: Logger;
  /** Vigil's data directory; a source keeps its state (checkpoints) under `<dataDir>/sources/`. */
  dataDir: string;
  /** Stores for signals other than events (OTLP spans and metrics); each write resolves once durable. */
  signals?: { spans?: SpanSink; metrics?: MetricSink };
}

export interface Source {
  readonly name: string;
  /** Bind or open; resolves once the source is receiving. Fails fast on bad config (port in use...). */
  start(): Promise<void>;
  /** Stop receiving, wait for in-flight batches to be acknowledged, release everything. */
  stop(): Promise<void>;
  /** Where it listens (host:port) or what it reads, once started; for logs and tests. */
  describe(): string;
}

/**
 * A source type: its config schema (the single source of truth for its options, defaults and
 * docs) and a factory. Registered by `type` in src/sources/registry.ts.
 */
export interface SourceType<S extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  schema: S;
  create(name: string, config: z.infer<S>, ctx: SourceContext): Source;
}
