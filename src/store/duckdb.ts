import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OcsfEvent } from '../normalize/ocsf.js';
import { ipToBigInt } from './ip.js';
import { storedEventJson } from './event-json.js';
import { dataClassOf, EVENT_COLUMNS, type ColumnDef } from './schema.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker.js';

/** An event on its way into the store, with the name of the source that received it. */
export interface StoreInput {
  event: OcsfEvent;
  source: string;
  /** The parser that read the raw record. For `json`, `unmapped` is not stored twice (see eventRow). */
  format?: string;
  /** The write-ahead buffer entry it came from (see schema.ts `wal_seq`). */
  walSeq?: number;
  /** The record's parsed fields, for detection on the way in (not stored: raw_data has them). */
  fields?: Record<string, unknown>;
}

/** Events made from events once they have their ids (detection findings), stored with them. */
export type Derive = (stored: readonly StoreInput[]) => StoreInput[];

/** Appender rows (table column order, IP columns followed by their numeric twin). */
export type StoredRows = readonly (readonly unknown[])[];

export interface StoreOptions {
  /** Open without writing (a second process searching a store that nobody serves). */
  readOnly?: boolean;
  /** DuckDB memory limit, e.g. '512MB'. */
  memoryLimit?: string;
  /** DuckDB worker threads. */
  threads?: number;
  /** WAL size that triggers a checkpoint, e.g. '128MB'. */
  checkpointThreshold?: string;
}

/** A query result, with DuckDB values turned into plain JSON-friendly values. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** The store is locked by another process. */
export class StoreLockedError extends Error {
  constructor(path: string, cause: string) {
    super(`the store at ${path} is in use by another Vigil process (a running \`vigil serve\`?): ${cause}`);
    this.name = 'StoreLockedError';
  }
}

/** A query or write the store refused; `message` is DuckDB's reason. */
export class StoreError extends Error {
  constructor(message: string, name: string) {
    super(message);
    this.name = name === 'Error' ? 'StoreError' : name;
  }
}

type Getter = (event: OcsfEvent) => unknown;

/** A worker request before it is numbered. */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

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

function integerOrNull(v: string | number | bigint | undefined, max: number): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isInteger(n) && Math.abs(n) <= max ? n : null;
}

/** One event → one row in table column order (see COLUMN_KINDS in worker.ts). */
export function eventRow(
  event: OcsfEvent,
  source: string,
  id: number,
  format?: string,
  walSeq?: number,
): unknown[] {
  event.metadata.uid = String(id);
  const row: unknown[] = [];
  const stored = new Map<string, unknown>();
  for (const { column, getters } of COLUMN_GETTERS) {
    switch (column.name) {
      case 'id':
        row.push(id);
        continue;
      case 'source':
        row.push(source);
        stored.set('source', source);
        continue;
      case 'data':
        // Without what the other columns hold (see event-json.ts). A JSON record's original
        // fields are its raw_data: search re-derives `unmapped` from it with the same normalizer.
        row.push(storedEventJson(event, stored, format !== 'json'));
        continue;
      case 'raw_format':
        row.push(format ?? null);
        continue;
      case 'wal_seq':
        row.push(walSeq ?? null);
        continue;
      case 'data_class':
        row.push(dataClassOf({ source, format }));
        continue;
      case 'raw_data':
        row.push(typeof event.raw_data === 'string' ? event.raw_data : null);
        continue;
    }
    const value = firstScalar(getters, event);
    let cell: unknown;
    switch (column.type) {
      case 'TIMESTAMP': {
        // Whole milliseconds: what the column gives back (the evidence leaf hashes these values).
        const ms = Math.round(Number(value));
        cell = value !== undefined && Number.isFinite(ms) ? ms : null;
        break;
      }
      case 'BIGINT':
        cell = integerOrNull(value, Number.MAX_SAFE_INTEGER);
        break;
      case 'INTEGER':
        cell = integerOrNull(value, 2 ** 31 - 1);
        break;
      case 'SMALLINT':
        cell = integerOrNull(value, 2 ** 15 - 1);
        break;
      default:
        cell = value === undefined ? null : String(value);
    }
    row.push(cell);
    stored.set(column.name, cell);
    if (column.ip) row.push(value === undefined ? null : (ipToBigInt(String(value)) ?? null));
  }
  return row;
}

/**
 * The embedded event store: one DuckDB database file in the data directory, owned by a worker
 * thread (src/store/worker.ts) so its synchronous flushes run on the other core. Appends are
 * serialized and durable when their promise resolves (one committed transaction each). The
 * database is opened with external access disabled and its configuration locked: no query can
 * read or write files, install extensions, or change that.
 */
export class EventStore {
  private nextId: number;
  private nextRequest = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private lastWrite: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    lastId: number,
  ) {
    this.nextId = lastId + 1;
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      // The worker keeps the process alive only while a request is outstanding.
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new StoreError(reply.error, reply.name));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`store worker exited (${code})`)));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  static async open(dataDir: string, options: StoreOptions = {}): Promise<EventStore> {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'events.duckdb');
    const config: Record<string, string> = {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      // Checkpoints rewrite the table's last, partly filled row group; with DuckDB's 16 MB default
      // they came every few batches and cost more than the appends. Commits stay durable (WAL).
      checkpoint_threshold: options.checkpointThreshold ?? '256MB',
      // The current storage format: zstd for strings (see schema.ts). Applies to new stores.
      storage_compatibility_version: 'latest',
    };
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    const init: WorkerInit = { path, config, readOnly: Boolean(options.readOnly) };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init, execArgv: [] });
    const first = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!first.ok) {
      await worker.terminate();
      if (/lock|Conflicting/i.test(first.error)) throw new StoreLockedError(path, first.error);
      throw new StoreError(`cannot open the store at ${path}: ${first.error}`, 'StoreError');
    }
    worker.unref();
    return new EventStore(path, worker, first.value as number);
  }

  private request<T>(message: RequestBody): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const id = this.nextRequest++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  /**
   * Append events durably (one DuckDB transaction, committed before the promise resolves).
   * Assigns each event its id (`metadata.uid`). Appends are applied in call order.
   */
  append(inputs: readonly StoreInput[], derive?: Derive): Promise<{ firstId: number; count: number }> {
    const firstId = this.nextId;
    if (inputs.length === 0) return Promise.resolve({ firstId, count: 0 });
    const rows = inputs.map((input, i) =>
      eventRow(input.event, input.source, firstId + i, input.format, input.walSeq),
    );
    // Derived events (findings) get the next ids and go in the same transaction.
    if (derive) {
      const derived = derive(inputs);
      for (const input of derived)
        rows.push(eventRow(input.event, input.source, firstId + rows.length, input.format, input.walSeq));
    }
    const count = rows.length;
    this.nextId += count;
    const write = this.request<void>({ op: 'append', rows }).then(
      () => {
        this.onCommit?.(rows);
        return { firstId, count };
      },
      (error: Error) => {
        // Ids stay gapless (event id N is evidence leaf N-1): a failed batch gives its ids back
        // when nothing was issued after it (the pipeline writes one batch at a time).
        if (this.nextId === firstId + count) this.nextId = firstId;
        throw error;
      },
    );
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  /** Wait until every append issued so far has finished. */
  async flush(): Promise<void> {
    await this.lastWrite;
  }

  /** Run a compiled, parameterized query. A query running longer than `timeoutMs` is interrupted. */
  query(sql: string, params: readonly unknown[] = [], timeoutMs = 30_000): Promise<QueryResult> {
    return this.request<QueryResult>({ op: 'query', sql, params: [...params], timeoutMs });
  }

  /** Called with the rows of every committed append, in commit order (the evidence log). */
  onCommit: ((rows: StoredRows) => void) | undefined;

  /** The highest event id (0: none). */
  async maxId(): Promise<number> {
    const result = await this.query('SELECT coalesce(max(id), 0) FROM events');
    return Number(result.rows[0]?.[0] ?? 0);
  }

  /**
   * Stored rows in id order from `fromId` (up to `toId` inclusive), as the store gives them back,
   * `columns` in the order asked, in chunks.
   */
  async *rowsFrom(
    fromId: number,
    columns: readonly string[],
    toId?: number,
    chunk = 20_000,
  ): AsyncGenerator<unknown[][]> {
    const select = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ');
    let next = fromId;
    const last = toId ?? (await this.maxId());
    while (next <= last) {
      const end = Math.min(last, next + chunk - 1);
      const result = await this.query(`SELECT ${select} FROM events WHERE id BETWEEN $1 AND $2 ORDER BY id`, [
        BigInt(next),
        BigInt(end),
      ]);
      if (result.rows.length > 0) yield result.rows;
      next = end + 1;
    }
  }

  /** The highest write-ahead buffer entry stored (0: none): a replay starts after it. */
  async storedWalSeq(): Promise<number> {
    const result = await this.query('SELECT coalesce(max(wal_seq), 0) FROM events');
    return Number(result.rows[0]?.[0] ?? 0);
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    const result = await this.query('SELECT count(*) FROM events');
    return Number(result.rows[0]?.[0] ?? 0);
  }

  /** Force a checkpoint (compresses the WAL into the database file). */
  async checkpoint(): Promise<void> {
    await this.request({ op: 'checkpoint' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    await this.request({ op: 'close' });
    this.closed = true;
    await this.worker.terminate();
  }
}
