/**
 * The span store: its own DuckDB file (`<dataDir>/traces.duckdb`, beside the event store), one
 * table `spans`. Writes are appender batches, serialized, each committed (DuckDB's WAL) before its
 * promise resolves, so the OTLP receiver acknowledges spans only once they are durable. Queries
 * are parameterized: every value (service, attribute key as a JSON path, user, bounds) is a `$n`
 * parameter; the SQL text depends only on which filters are present.
 *
 * Opened like the event store: external access off, configuration locked.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Attributes, SpanRecord, SpanSink } from './model.js';
import { STATUS_ERROR } from './model.js';

const DDL = `CREATE TABLE IF NOT EXISTS spans (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  parent_span_id VARCHAR,
  name VARCHAR NOT NULL,
  kind SMALLINT NOT NULL,
  service VARCHAR NOT NULL,
  start TIMESTAMP NOT NULL,
  duration_ns BIGINT NOT NULL,
  status_code SMALLINT NOT NULL,
  status_message VARCHAR,
  user_id VARCHAR,
  attributes VARCHAR,
  resource VARCHAR,
  events VARCHAR,
  links VARCHAR,
  scope VARCHAR
)`;

/** Attributes that name the end user of a span (the `user` filter), most specific first. */
export const USER_ATTRIBUTES = ['enduser.id', 'enduser.name', 'user.id', 'user.name', 'user.email'] as const;

function userOf(attributes: Attributes): string | null {
  for (const key of USER_ATTRIBUTES) {
    const v = attributes[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return null;
}

const bigintJson = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export interface TraceFilter {
  /** A span of the trace belongs to this service. */
  service?: string;
  /** Trace duration bounds, milliseconds. */
  minDurationMs?: number;
  maxDurationMs?: number;
  /** `error`: a span has status error; `ok`: none has. */
  status?: 'error' | 'ok';
  /** A span (or its resource) has these attribute values (all of them). */
  attributes?: Record<string, string>;
  /** A span's end user (enduser.id, user.name...). */
  user?: string;
  /** Trace start bounds, epoch ms: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  /** At most this many traces, newest first (default 50, at most 1000). */
  limit?: number;
}

export interface TraceSummary {
  traceId: string;
  /** Name of the root span (the span without a parent), or of the earliest span. */
  rootName: string;
  rootService: string;
  services: string[];
  spanCount: number;
  /** Epoch ms of the earliest span start. */
  start: number;
  durationMs: number;
  error: boolean;
}

export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  service: string;
  /** Epoch ms (microsecond precision as a fraction). */
  start: number;
  durationNs: number;
  statusCode: number;
  statusMessage: string;
  /** 0 for a root (or a span whose parent is not stored), else its parent's depth + 1. */
  depth: number;
  attributes: Attributes;
  resource: Attributes;
  events: { timeNs: string; name: string; attributes: Attributes }[];
  links: { traceId: string; spanId: string; attributes: Attributes }[];
  scope: { name: string; version?: string };
}

export interface SpanStoreOptions {
  memoryLimit?: string;
  threads?: number;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

export class SpanStore implements SpanSink {
  private lastWrite: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(dataDir: string, options: SpanStoreOptions = {}): Promise<SpanStore> {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'traces.duckdb');
    const config: Record<string, string> = {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      memory_limit: options.memoryLimit ?? '256MB',
      threads: String(options.threads ?? 1),
    };
    const instance = await DuckDBInstance.create(path, config);
    const writer = await instance.connect();
    await writer.run(DDL);
    const reader = await instance.connect();
    return new SpanStore(path, instance, writer, reader);
  }

  /** Append spans in one committed batch; resolves once durable (DuckDB WAL). Serialized. */
  writeSpans(spans: readonly SpanRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('span store is closed'));
    if (spans.length === 0) return this.lastWrite.then(() => undefined);
    const write = this.lastWrite.then(() => this.append(spans));
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  private async append(spans: readonly SpanRecord[]): Promise<void> {
    const appender = await this.writer.createAppender('spans');
    try {
      for (const s of spans) {
        appender.appendVarchar(s.traceId);
        appender.appendVarchar(s.spanId);
        if (s.parentSpanId) appender.appendVarchar(s.parentSpanId);
        else appender.appendNull();
        appender.appendVarchar(s.name);
        appender.appendSmallInt(s.kind);
        appender.appendVarchar(s.service);
        appender.appendTimestamp(new DuckDBTimestampValue(s.startNs / 1000n));
        appender.appendBigInt(s.endNs - s.startNs);
        appender.appendSmallInt(s.statusCode);
        appender.appendVarchar(s.statusMessage);
        const user = userOf(s.attributes);
        if (user !== null) appender.appendVarchar(user);
        else appender.appendNull();
        appender.appendVarchar(JSON.stringify(s.attributes));
        appender.appendVarchar(JSON.stringify(s.resource));
        appender.appendVarchar(JSON.stringify(s.events, bigintJson));
        appender.appendVarchar(JSON.stringify(s.links));
        appender.appendVarchar(JSON.stringify(s.scope));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Trace summaries matching a filter, newest first. */
  async listTraces(filter: TraceFilter = {}): Promise<TraceSummary[]> {
    const params: DuckDBValue[] = [];
    const p = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    // Which traces: any span matching the span-level filters.
    const where: string[] = [];
    if (filter.service !== undefined) where.push(`service = ${p(filter.service)}`);
    if (filter.user !== undefined) where.push(`user_id = ${p(filter.user)}`);
    for (const [key, value] of Object.entries(filter.attributes ?? {})) {
      const path = `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      const pathParam = p(path);
      const valueParam = p(value);
      where.push(
        `(json_extract_string(attributes, ${pathParam}) = ${valueParam} OR json_extract_string(resource, ${pathParam}) = ${valueParam})`,
      );
    }
    if (filter.from !== undefined) where.push(`epoch_ms(start) >= ${p(Math.floor(filter.from))}`);
    if (filter.to !== undefined) where.push(`epoch_ms(start) < ${p(Math.ceil(filter.to))}`);
    const having: string[] = [];
    if (filter.minDurationMs !== undefined)
      having.push(`duration_ns >= ${p(Math.round(filter.minDurationMs * 1e6))}`);
    if (filter.maxDurationMs !== undefined)
      having.push(`duration_ns <= ${p(Math.round(filter.maxDurationMs * 1e6))}`);
    if (filter.status === 'error') having.push('error');
    if (filter.status === 'ok') having.push('NOT error');
    const limit = p(Math.max(1, Math.min(1000, Math.floor(filter.limit ?? 50))));
    const sql = `
      WITH matched AS (SELECT DISTINCT trace_id FROM spans${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}),
      summary AS (
        SELECT s.trace_id,
          coalesce(arg_min(s.name, s.start) FILTER (WHERE s.parent_span_id IS NULL), arg_min(s.name, s.start)) AS root_name,
          coalesce(arg_min(s.service, s.start) FILTER (WHERE s.parent_span_id IS NULL), arg_min(s.service, s.start)) AS root_service,
          list(DISTINCT s.service ORDER BY s.service) AS services,
          count(*) AS span_count,
          min(epoch_us(s.start)) AS start_us,
          max(epoch_us(s.start) * 1000 + s.duration_ns) - min(epoch_us(s.start) * 1000) AS duration_ns,
          bool_or(s.status_code = ${STATUS_ERROR}) AS error
        FROM spans s SEMI JOIN matched m ON s.trace_id = m.trace_id
        GROUP BY s.trace_id
      )
      SELECT trace_id, root_name, root_service, services, span_count, start_us, duration_ns, error
      FROM summary${having.length > 0 ? ` WHERE ${having.join(' AND ')}` : ''}
      ORDER BY start_us DESC, trace_id
      LIMIT ${limit}`;
    const result = await this.reader.runAndReadAll(sql, params);
    return result.getRowsJS().map((row) => ({
      traceId: String(row[0]),
      rootName: String(row[1] ?? ''),
      rootService: String(row[2] ?? ''),
      services: (row[3] as string[]).map(String),
      spanCount: Number(row[4]),
      start: Number(row[5]) / 1000,
      durationMs: Number(row[6]) / 1e6,
      error: Boolean(row[7]),
    }));
  }

  /** A trace's spans in start order, each with its depth in the span tree. Empty when unknown. */
  async getTrace(traceId: string): Promise<StoredSpan[]> {
    const id = traceId.toLowerCase();
    if (!TRACE_ID.test(id)) return [];
    const result = await this.reader.runAndReadAll(
      `SELECT trace_id, span_id, parent_span_id, name, kind, service, epoch_us(start), duration_ns, status_code,
              status_message, attributes, resource, events, links, scope
       FROM spans WHERE trace_id = $1 ORDER BY start, span_id`,
      [id],
    );
    const spans: StoredSpan[] = result.getRowsJS().map((r) => ({
      traceId: String(r[0]),
      spanId: String(r[1]),
      parentSpanId: r[2] === null ? null : String(r[2]),
      name: String(r[3]),
      kind: Number(r[4]),
      service: String(r[5]),
      start: Number(r[6]) / 1000,
      durationNs: Number(r[7]),
      statusCode: Number(r[8]),
      statusMessage: String(r[9] ?? ''),
      depth: 0,
      attributes: JSON.parse(String(r[10] ?? '{}')) as Attributes,
      resource: JSON.parse(String(r[11] ?? '{}')) as Attributes,
      events: JSON.parse(String(r[12] ?? '[]')) as StoredSpan['events'],
      links: JSON.parse(String(r[13] ?? '[]')) as StoredSpan['links'],
      scope: JSON.parse(String(r[14] ?? '{}')) as StoredSpan['scope'],
    }));
    // Equal starts (microsecond resolution): parents before their children.
    return withDepth(spans).sort((a, b) => a.start - b.start || a.depth - b.depth);
  }

  async count(): Promise<number> {
    const result = await this.reader.runAndReadAll('SELECT count(*) FROM spans');
    return Number(result.getRowsJS()[0]?.[0] ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lastWrite;
    this.writer.closeSync();
    this.reader.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Depth of each span in its trace's tree (iteratively, so a parent cycle or a very deep trace
 * cannot recurse without end): a span whose parent is absent is a root (depth 0).
 */
export function withDepth<T extends { spanId: string; parentSpanId: string | null; depth: number }>(
  spans: T[],
): T[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const known = new Map<string, number>();
  for (const span of spans) {
    const chain: T[] = [];
    const seen = new Set<string>();
    let current: T | undefined = span;
    let base = 0;
    while (current) {
      const cached = known.get(current.spanId);
      if (cached !== undefined) {
        base = cached + 1;
        break;
      }
      if (seen.has(current.spanId)) break; // a cycle: treat where it closes as a root
      seen.add(current.spanId);
      chain.push(current);
      current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const depth = base + (chain.length - 1 - i);
      known.set(chain[i]!.spanId, depth);
      chain[i]!.depth = depth;
    }
  }
  return spans;
}
