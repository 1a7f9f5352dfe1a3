import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { OcsfEvent } from '../normalize/ocsf.js';
import { stringifyJson } from '../parsers/json.js';
import { ipToBigInt } from './ip.js';
import { EVENT_COLUMNS, eventsTableDdl, type ColumnDef } from './schema.js';

/** An event on its way into the store, with the name of the source that received it. */
export interface StoreInput {
  event: OcsfEvent;
  source: string;
}

export interface StoreOptions {
  /** Open without writing (a second process searching a store that nobody serves). */
  readOnly?: boolean;
  /** DuckDB memory limit, e.g. '512MB'. */
  memoryLimit?: string;
  /** DuckDB worker threads. */
  threads?: number;
}

/** A query result, with DuckDB values turned into plain JSON-friendly values. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** The store is busy or locked by another process. */
export class StoreLockedError extends Error {
  constructor(path: string, cause: unknown) {
    super(
      `the store at ${path} is in use by another Vigil process (a running \`vigil serve\`?): ${String(cause)}`,
    );
    this.name = 'StoreLockedError';
  }
}

type Getter = (event: OcsfEvent) => unknown;

function pathGetter(path: string): Getter {
  const keys = path.split('.');
  return (event) => {
    let value: unknown = event;
    for (const key of keys) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

/** Column writers, compiled once: for each column, the paths to try in order. */
const COLUMN_GETTERS: { column: ColumnDef; getters: Getter[] }[] = EVENT_COLUMNS.map((column) => ({
  column,
  getters: column.paths.map(pathGetter),
}));

function firstScalar(getters: Getter[], event: OcsfEvent): string | number | bigint | undefined {
  for (const get of getters) {
    const v = get(event);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  }
  return undefined;
}

function timestamp(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}

function toInteger(v: string | number | bigint | undefined, max: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number(v);
  return Number.isInteger(n) && Math.abs(n) <= max ? n : undefined;
}

/**
 * The embedded event store: one DuckDB database file in the data directory. Writes go through one
 * appender connection, serialized; queries run on their own connection. The database is opened
 * with external access disabled and the configuration locked, so no query can read or write files.
 */
export class EventStore {
  private nextId: bigint;
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection | undefined,
    private readonly reader: DuckDBConnection,
    lastId: bigint,
  ) {
    this.nextId = lastId + 1n;
  }

  static async open(dataDir: string, options: StoreOptions = {}): Promise<EventStore> {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'events.duckdb');
    const config: Record<string, string> = {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
    };
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (error) {
      if (/lock|Conflicting/i.test(String(error))) throw new StoreLockedError(path, error);
      throw error;
    }
    const writer = options.readOnly ? undefined : await instance.connect();
    if (writer) await writer.run(eventsTableDdl());
    const reader = await instance.connect();
    let lastId = 0n;
    const tables = await reader.runAndReadAll(
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'",
    );
    if (Number(tables.getRows()[0]?.[0]) > 0) {
      const max = await reader.runAndReadAll('SELECT coalesce(max(id), 0) FROM events');
      lastId = BigInt(max.getRows()[0]?.[0] as bigint | number);
    }
    return new EventStore(path, instance, writer, reader, lastId);
  }

  /**
   * Append events durably (one DuckDB transaction, committed before the promise resolves).
   * Assigns each event its id (`metadata.uid`). Appends are serialized.
   */
  append(inputs: readonly StoreInput[]): Promise<{ firstId: bigint; count: number }> {
    const run = this.writeChain.then(() => this.appendNow(inputs));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(inputs: readonly StoreInput[]): Promise<{ firstId: bigint; count: number }> {
    if (!this.writer) throw new Error('store is open read-only');
    if (this.closed) throw new Error('store is closed');
    const firstId = this.nextId;
    if (inputs.length === 0) return { firstId, count: 0 };
    const appender = await this.writer.createAppender('events');
    try {
      let id = firstId;
      for (const input of inputs) {
        this.appendRow(appender, input, id);
        id += 1n;
      }
      appender.flushSync();
      this.nextId = id;
    } finally {
      try {
        appender.closeSync();
      } catch {
        // the flush error is the one that matters
      }
    }
    return { firstId, count: inputs.length };
  }

  private appendRow(appender: DuckDBAppender, { event, source }: StoreInput, id: bigint): void {
    event.metadata.uid = String(id);
    for (const { column, getters } of COLUMN_GETTERS) {
      switch (column.name) {
        case 'id':
          appender.appendBigInt(id);
          continue;
        case 'source':
          appender.appendVarchar(source);
          continue;
        case 'data': {
          const { raw_data: _raw, ...rest } = event;
          appender.appendVarchar(stringifyJson(rest));
          continue;
        }
      }
      const value = firstScalar(getters, event);
      if (value === undefined) {
        appender.appendNull();
        if (column.ip) appender.appendNull();
        continue;
      }
      switch (column.type) {
        case 'TIMESTAMP': {
          const ms = typeof value === 'number' ? value : Number(value);
          if (Number.isFinite(ms)) appender.appendTimestamp(timestamp(ms));
          else appender.appendNull();
          break;
        }
        case 'BIGINT': {
          const n = toInteger(value, Number.MAX_SAFE_INTEGER);
          if (n === undefined) appender.appendNull();
          else appender.appendBigInt(BigInt(n));
          break;
        }
        case 'INTEGER': {
          const n = toInteger(value, 2 ** 31 - 1);
          if (n === undefined) appender.appendNull();
          else appender.appendInteger(n);
          break;
        }
        case 'SMALLINT': {
          const n = toInteger(value, 2 ** 15 - 1);
          if (n === undefined) appender.appendNull();
          else appender.appendSmallInt(n);
          break;
        }
        default: {
          const text = String(value);
          appender.appendVarchar(text);
          if (column.ip) {
            const num = ipToBigInt(text);
            if (num === undefined) appender.appendNull();
            else appender.appendUHugeInt(num);
          }
        }
      }
    }
    appender.endRow();
  }

  /** Wait until every append issued so far has finished. */
  async flush(): Promise<void> {
    await this.writeChain;
  }

  /** Run a compiled, parameterized query. A query running longer than `timeoutMs` is interrupted. */
  async query(sql: string, params: readonly unknown[] = [], timeoutMs = 30_000): Promise<QueryResult> {
    const timer = setTimeout(() => this.reader.interrupt(), timeoutMs);
    try {
      const reader = await this.reader.runAndReadAll(sql, params.map(toDuckValue));
      return { columns: reader.columnNames(), rows: reader.getRows().map((row) => row.map(fromDuckValue)) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    const result = await this.query('SELECT count(*) FROM events');
    return Number(result.rows[0]?.[0] ?? 0);
  }

  /** Force a checkpoint (compresses the WAL into the database file). */
  async checkpoint(): Promise<void> {
    await this.flush();
    if (this.writer) await this.writer.run('CHECKPOINT');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.writer) {
      try {
        await this.writer.run('CHECKPOINT');
      } catch {
        // a failed checkpoint leaves the WAL, which DuckDB replays on the next open
      }
      this.writer.closeSync();
    }
    this.reader.closeSync();
    this.instance.closeSync();
  }
}

function toDuckValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return timestamp(value.getTime());
  return value as DuckDBValue;
}

/** DuckDB values → JSON-friendly JS: timestamps as epoch ms, bigints as numbers when safe. */
function fromDuckValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof DuckDBTimestampValue) return Number(value.micros / 1000n);
  if (typeof value === 'object') {
    const text = String(value);
    return typeof (value as { toDouble?: unknown }).toDouble === 'function'
      ? (value as { toDouble(): number }).toDouble()
      : text;
  }
  return value;
}
