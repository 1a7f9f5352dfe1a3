/**
 * The metric store: `<dataDir>/metrics.duckdb`, a DuckDB file of its own beside the event store
 * (metrics have another shape and another life cycle: downsampling instead of events' retention).
 *
 * Two tables. `series`: one row per series (id = stable hash of name + labels, see series.ts),
 * with its name, kind, unit, labels as JSON, first and last seen (last seen is advanced in steps of
 * a minute, so a scrape does not rewrite every series row). `points`: one row per data point,
 * value columns for gauges/sums, count/sum/min/max/bounds/buckets for explicit histograms, the
 * exponential buckets and summary quantiles as JSON; `res` 0 for raw points, else the window a
 * rollup row summarizes (see rollup.ts) with its min/max/sum/number of values.
 *
 * Writes are group-committed: concurrent writeMetrics calls share one transaction, and each
 * promise resolves once that transaction is committed (durable in DuckDB's WAL). Downsampling runs
 * as a periodic job: raw points older than `raw_retention` become 5-minute rollups, anything older
 * than `rollup_retention` 1-hour rollups, in the same table, so queries read raw and rolled-up
 * data alike. All SQL is parameterized. External access is disabled and the configuration locked,
 * like the event store.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DOUBLE,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBTimestampValue,
  LIST,
  listValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { z } from 'zod';
import type { MetricKind, MetricPoint, MetricSink } from './model.js';
import { rollupSeries, windowStart, type SeriesShape, type StoredPoint } from './rollup.js';
import { canonicalLabels, seriesId } from './series.js';
import { parseDuration } from '../query/timerange.js';
import { StoreLockedError } from '../store/duckdb.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((s) => parseDuration(s) !== undefined, { message: 'expected a duration such as 7d, 12h, 90m' });

/** `metrics:` in vigil.yaml. */
export const metricStoreSchema = z
  .object({
    raw_retention: duration('7d').describe(
      'Raw points older than this are rolled up into 5-minute aggregates.',
    ),
    rollup_retention: duration('90d').describe(
      '5-minute aggregates older than this become 1-hour aggregates.',
    ),
    downsample_interval: duration('10m').describe('How often the downsampling job runs.'),
    memory_limit: z.string().optional().describe('DuckDB memory limit of the metric store, e.g. 256MB.'),
  })
  .strict();

export type MetricStoreConfig = z.infer<typeof metricStoreSchema>;

/** Store options and the downsampling interval (ms) from the `metrics:` configuration. */
export function metricStoreOptions(
  config: MetricStoreConfig,
): MetricStoreOptions & { downsampleIntervalMs: number } {
  return {
    rawRetentionMs: parseDuration(config.raw_retention)!,
    rollupRetentionMs: parseDuration(config.rollup_retention)!,
    downsampleIntervalMs: parseDuration(config.downsample_interval)!,
    ...(config.memory_limit ? { memoryLimit: config.memory_limit } : {}),
  };
}

export interface MetricStoreOptions {
  readOnly?: boolean;
  memoryLimit?: string;
  /** Downsampling thresholds (ms); defaults 7 days and 90 days. */
  rawRetentionMs?: number;
  rollupRetentionMs?: number;
}

export const FIVE_MINUTES = 300_000;
export const ONE_HOUR = 3_600_000;
/** last_seen is rewritten only when it moved by more than this. */
const LAST_SEEN_GRANULARITY = 60_000;

const DDL = [
  `CREATE TABLE IF NOT EXISTS series (
    id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, unit VARCHAR, description VARCHAR,
    monotonic BOOLEAN, temporality VARCHAR, labels VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL, last_seen TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS points (
    series_id BIGINT NOT NULL, time TIMESTAMP NOT NULL, res INTEGER NOT NULL, value DOUBLE,
    vmin DOUBLE, vmax DOUBLE, vsum DOUBLE, n BIGINT,
    count DOUBLE, sum DOUBLE, min DOUBLE, max DOUBLE, bounds DOUBLE[], buckets DOUBLE[],
    exp VARCHAR, quantiles VARCHAR, start_time TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS series_seen (id BIGINT, last_seen TIMESTAMP)`,
];

const POINT_COLUMNS =
  'series_id, epoch_ms(time), res, value, vmin, vmax, vsum, n, count, sum, min, max, bounds, buckets, exp, quantiles, epoch_ms(start_time)';

const DOUBLE_LIST = LIST(DOUBLE);

interface KnownSeries {
  lastSeen: number;
  shape: SeriesShape;
}

interface PendingWrite {
  points: readonly MetricPoint[];
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface MetricQueryResult {
  columns: string[];
  rows: unknown[][];
}

/** DuckDB values → plain JS: BIGINT as number when safe (ids stay bigint), lists as arrays. */
function plain(value: DuckDBValue, keepBigInt = false): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint') {
    if (keepBigInt) return value;
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof DuckDBListValue) return value.items.map((v) => plain(v));
  if (value instanceof DuckDBTimestampValue) return Number(value.micros / 1000n);
  if (typeof value === 'object') {
    const v = value as { toDouble?: () => number };
    return typeof v.toDouble === 'function' ? v.toDouble() : String(value);
  }
  return value;
}

/** JS parameters → DuckDB values (arrays as lists). */
function bind(params: readonly unknown[]): DuckDBValue[] {
  return params.map((p) => (Array.isArray(p) ? listValue(p as DuckDBValue[]) : (p as DuckDBValue)));
}

const ts = (ms: number) => new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);

function appendDouble(a: DuckDBAppender, v: number | null | undefined): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendDouble(v);
}

function appendList(a: DuckDBAppender, v: readonly number[] | null | undefined): void {
  if (!v) a.appendNull();
  else a.appendList(listValue(v.map(Number)), DOUBLE_LIST);
}

function appendText(a: DuckDBAppender, v: unknown): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendVarchar(JSON.stringify(v));
}

/** A stored row back from SQL (POINT_COLUMNS order). */
function storedFromRow(r: readonly DuckDBValue[]): StoredPoint {
  const num = (v: DuckDBValue) => (v === null ? null : Number(v as number));
  const list = (v: DuckDBValue) => (v === null ? null : (plain(v) as number[]));
  const json = <T>(v: DuckDBValue) => (v === null ? null : (JSON.parse(v as string) as T));
  return {
    seriesId: r[0] as bigint,
    time: Number(r[1] as bigint),
    res: Number(r[2]),
    value: num(r[3]!),
    vmin: num(r[4]!),
    vmax: num(r[5]!),
    vsum: num(r[6]!),
    n: num(r[7]!),
    count: num(r[8]!),
    sum: num(r[9]!),
    min: num(r[10]!),
    max: num(r[11]!),
    bounds: list(r[12]!),
    buckets: list(r[13]!),
    exp: json(r[14]!),
    quantiles: json(r[15]!),
    startTime: r[16] === null ? null : Number(r[16] as bigint),
  };
}

/** A raw point as a points-table row. */
export function storedFromPoint(p: MetricPoint, id: bigint): StoredPoint {
  const n = (v: number | undefined) => (v === undefined ? null : v);
  return {
    seriesId: id,
    time: p.time,
    res: 0,
    value: n(p.value),
    vmin: null,
    vmax: null,
    vsum: null,
    n: null,
    count: n(p.count),
    sum: n(p.sum),
    min: n(p.min),
    max: n(p.max),
    bounds: p.kind === 'histogram' ? (p.bounds ?? []) : null,
    buckets: p.bucketCounts ?? null,
    exp: p.exponential ?? null,
    quantiles: p.quantiles ?? null,
    startTime: p.startTime ?? null,
  };
}

/** Why a point cannot be stored, or undefined. */
export function invalidPoint(p: MetricPoint): string | undefined {
  if (typeof p.name !== 'string' || p.name === '') return 'a metric point needs a name';
  if (!Number.isFinite(p.time) || Math.abs(p.time) > 8.64e15)
    return `${p.name}: time ${p.time} is not a valid time`;
  if ((p.kind === 'gauge' || p.kind === 'sum') && typeof p.value !== 'number')
    return `${p.name}: ${p.kind} without a value`;
  if (p.kind === 'histogram' && p.bucketCounts && p.bucketCounts.length !== (p.bounds?.length ?? 0) + 1)
    return `${p.name}: histogram with ${p.bucketCounts.length} bucket counts for ${p.bounds?.length ?? 0} bounds`;
  return undefined;
}

export class MetricStore implements MetricSink {
  private readonly known = new Map<bigint, KnownSeries>();
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private downsampling: Promise<unknown> | undefined;
  private closed = false;
  /** One statement at a time on the connection (transactions must not interleave). */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: MetricStoreOptions,
  ) {}

  /** Stores open in this process by path: DuckDB must not open one file twice in a process. */
  private static readonly opened = new Map<string, Promise<MetricStore>>();
  private refs = 1;

  /**
   * Open `<dataDir>/metrics.duckdb`. Within one process the same store is shared (each open needs
   * its own close; the last one closes the file), so sources that open it themselves until
   * server.ts passes one (prometheus, otlp) do not open the file twice.
   */
  static async open(dataDir: string, options: MetricStoreOptions = {}): Promise<MetricStore> {
    mkdirSync(dataDir, { recursive: true });
    const path = resolve(dataDir, 'metrics.duckdb');
    const shared = MetricStore.opened.get(path);
    if (shared) {
      const store = await shared;
      if (store.refs > 0) {
        store.refs++;
        return store;
      }
      await store.closing; // the last user is closing it: open it again once closed
      return MetricStore.open(dataDir, options);
    }
    const opening = MetricStore.openFile(path, options);
    MetricStore.opened.set(path, opening);
    try {
      return await opening;
    } catch (error) {
      MetricStore.opened.delete(path);
      throw error;
    }
  }

  private static async openFile(path: string, options: MetricStoreOptions): Promise<MetricStore> {
    const config: Record<string, string> = {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      storage_compatibility_version: 'latest',
    };
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (error) {
      if (/lock|Conflicting/i.test(String(error))) throw new StoreLockedError(path, String(error));
      throw new Error(`cannot open the metric store at ${path}: ${String(error)}`, { cause: error });
    }
    const connection = await instance.connect();
    if (!options.readOnly) for (const sql of DDL) await connection.run(sql);
    const store = new MetricStore(path, instance, connection, options);
    const exists = await connection.runAndReadAll(
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'series'",
    );
    if (Number(exists.getRows()[0]?.[0]) > 0) {
      const rows = await connection.runAndReadAll(
        'SELECT id, epoch_ms(last_seen), kind, temporality FROM series',
      );
      for (const [id, lastSeen, kind, temporality] of rows.getRows())
        store.known.set(id as bigint, {
          lastSeen: Number(lastSeen as bigint),
          shape: {
            kind: kind as MetricKind,
            temporality: (temporality as SeriesShape['temporality']) ?? null,
          },
        });
    }
    return store;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Store points durably; concurrent calls share one transaction (group commit). */
  writeMetrics(points: readonly MetricPoint[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('metric store is closed'));
    if (this.options.readOnly) return Promise.reject(new Error('metric store is open read-only'));
    for (const p of points) {
      const why = invalidPoint(p);
      if (why) return Promise.reject(new RangeError(why));
    }
    if (points.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ points, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        try {
          await this.serial(() => this.commit(group.flatMap((w) => w.points)));
          for (const w of group) w.resolve();
        } catch (error) {
          for (const w of group) w.reject(error as Error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async commit(points: readonly MetricPoint[]): Promise<void> {
    const c = this.connection;
    const newSeries: { id: bigint; p: MetricPoint; first: number; last: number }[] = [];
    const newIndex = new Map<bigint, number>();
    const touched = new Map<bigint, number>();
    const rows: StoredPoint[] = [];
    for (const p of points) {
      const id = this.idOf(p);
      rows.push(storedFromPoint(p, id));
      const known = this.known.get(id);
      if (known) {
        if (p.time > known.lastSeen + LAST_SEEN_GRANULARITY && p.time > (touched.get(id) ?? -Infinity))
          touched.set(id, p.time);
        continue;
      }
      const at = newIndex.get(id);
      if (at === undefined) {
        newIndex.set(id, newSeries.length);
        newSeries.push({ id, p, first: p.time, last: p.time });
      } else {
        const s = newSeries[at]!;
        s.first = Math.min(s.first, p.time);
        s.last = Math.max(s.last, p.time);
      }
    }
    await c.run('BEGIN TRANSACTION');
    try {
      await this.appendPoints(rows);
      if (newSeries.length > 0) {
        const a = await c.createAppender('series');
        try {
          for (const { id, p, first, last } of newSeries) {
            a.appendBigInt(id);
            a.appendVarchar(p.name);
            a.appendVarchar(p.kind);
            if (p.unit) a.appendVarchar(p.unit);
            else a.appendNull();
            if (p.description) a.appendVarchar(p.description);
            else a.appendNull();
            if (p.monotonic === undefined) a.appendNull();
            else a.appendBoolean(p.monotonic);
            if (p.temporality) a.appendVarchar(p.temporality);
            else a.appendNull();
            a.appendVarchar(canonicalLabels(p.labels));
            a.appendTimestamp(ts(first));
            a.appendTimestamp(ts(last));
            a.endRow();
          }
          a.flushSync();
        } finally {
          a.closeSync();
        }
      }
      if (touched.size > 0) {
        const a = await c.createAppender('series_seen');
        try {
          for (const [id, t] of touched) {
            a.appendBigInt(id);
            a.appendTimestamp(ts(t));
            a.endRow();
          }
          a.flushSync();
        } finally {
          a.closeSync();
        }
        await c.run(
          'UPDATE series SET last_seen = s.last_seen FROM series_seen s WHERE series.id = s.id AND s.last_seen > series.last_seen',
        );
        await c.run('DELETE FROM series_seen');
      }
      await c.run('COMMIT');
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const { id, p, last } of newSeries)
      this.known.set(id, { lastSeen: last, shape: { kind: p.kind, temporality: p.temporality ?? null } });
    for (const [id, t] of touched) this.known.get(id)!.lastSeen = t;
  }

  /** Series ids by name and labels in their given order (hashing is the costly part of a write). */
  private readonly ids = new Map<string, bigint>();

  private idOf(p: MetricPoint): bigint {
    const key = JSON.stringify(p.name) + JSON.stringify(p.labels); // unambiguous
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.ids.size >= 200_000) this.ids.clear();
      id = seriesId(p.name, p.labels);
      this.ids.set(key, id);
    }
    return id;
  }

  private async appendPoints(rows: readonly StoredPoint[]): Promise<void> {
    const a = await this.connection.createAppender('points');
    try {
      for (const r of rows) {
        a.appendBigInt(r.seriesId);
        a.appendTimestamp(ts(r.time));
        a.appendInteger(r.res);
        appendDouble(a, r.value);
        appendDouble(a, r.vmin);
        appendDouble(a, r.vmax);
        appendDouble(a, r.vsum);
        if (r.n === null) a.appendNull();
        else a.appendBigInt(BigInt(r.n));
        appendDouble(a, r.count);
        appendDouble(a, r.sum);
        appendDouble(a, r.min);
        appendDouble(a, r.max);
        appendList(a, r.bounds);
        appendList(a, r.buckets);
        appendText(a, r.exp);
        appendText(a, r.quantiles);
        if (r.startTime === null) a.appendNull();
        else a.appendTimestamp(ts(r.startTime));
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** Run a parameterized query (arrays bind as lists). BIGINT ids come back as bigint in column `series_id`/`id`. */
  query(sql: string, params: readonly unknown[] = [], timeoutMs = 30_000): Promise<MetricQueryResult> {
    if (this.closed) return Promise.reject(new Error('metric store is closed'));
    return this.serial(async () => {
      const timer = setTimeout(() => this.connection.interrupt(), timeoutMs);
      let result;
      try {
        result = await this.connection.runAndReadAll(sql, bind(params));
      } finally {
        clearTimeout(timer);
      }
      const columns = result.columnNames();
      const keep = columns.map((c) => c === 'series_id' || c === 'id');
      return { columns, rows: result.getRows().map((r) => r.map((v, i) => plain(v, keep[i]))) };
    });
  }

  /** The stored rows of one series in time order (raw and rollups), for tests and exports. */
  async points(id: bigint): Promise<StoredPoint[]> {
    return this.serial(async () => {
      const result = await this.connection.runAndReadAll(
        `SELECT ${POINT_COLUMNS} FROM points WHERE series_id = $1::BIGINT ORDER BY time, res`,
        [id],
      );
      return result.getRows().map(storedFromRow);
    });
  }

  /**
   * Roll old points up (see the file comment). Idempotent: a window already rolled up is folded
   * again with any late raw points. Returns how many rows were replaced and written.
   */
  async downsample(now: number): Promise<{ replaced: number; written: number }> {
    const raw = this.options.rawRetentionMs ?? 7 * 86_400_000;
    const rolled = this.options.rollupRetentionMs ?? 90 * 86_400_000;
    let replaced = 0;
    let written = 0;
    for (const tier of [
      { res: FIVE_MINUTES, cutoff: windowStart(now - raw, FIVE_MINUTES) },
      { res: ONE_HOUR, cutoff: windowStart(now - rolled, ONE_HOUR) },
    ]) {
      const todo = await this.query(
        'SELECT series_id, min(epoch_ms(time)) FROM points WHERE res < $1 AND time < make_timestamp($2::BIGINT * 1000) GROUP BY series_id ORDER BY series_id',
        [tier.res, tier.cutoff],
      );
      for (let i = 0; i < todo.rows.length; i += 200) {
        const chunk = todo.rows.slice(i, i + 200);
        const ids = chunk.map((r) => r[0] as bigint);
        const since = windowStart(Math.min(...chunk.map((r) => Number(r[1]))), tier.res);
        const result = await this.serial(() => this.rollupChunk(ids, since, tier.cutoff, tier.res));
        replaced += result.replaced;
        written += result.written;
      }
    }
    return { replaced, written };
  }

  private async rollupChunk(
    ids: readonly bigint[],
    since: number,
    cutoff: number,
    res: number,
  ): Promise<{ replaced: number; written: number }> {
    const c = this.connection;
    const where =
      'series_id IN (SELECT unnest($1::BIGINT[])) AND res <= $2 AND time >= make_timestamp($3::BIGINT * 1000) AND time < make_timestamp($4::BIGINT * 1000)';
    const params = bind([ids, res, since, cutoff]);
    await c.run('BEGIN TRANSACTION');
    try {
      const result = await c.runAndReadAll(
        `SELECT ${POINT_COLUMNS} FROM points WHERE ${where} ORDER BY series_id, time, res`,
        params,
      );
      const rows = result.getRows().map(storedFromRow);
      const out: StoredPoint[] = [];
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        if (i < rows.length && rows[i]!.seriesId === rows[start]!.seriesId) continue;
        const id = rows[start]!.seriesId;
        const shape = this.known.get(id)?.shape ?? { kind: 'gauge', temporality: null };
        out.push(...rollupSeries(rows.slice(start, i), shape, res));
        start = i;
      }
      await c.run(`DELETE FROM points WHERE ${where}`, params);
      await this.appendPoints(out);
      await c.run('COMMIT');
      return { replaced: rows.length, written: out.length };
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Run downsample(Date.now()) every `intervalMs` (errors go to `onError`). */
  startDownsampling(intervalMs: number, onError: (error: Error) => void): void {
    this.stopDownsampling();
    this.timer = setInterval(() => {
      if (this.downsampling) return;
      this.downsampling = this.downsample(Date.now())
        .catch((error: Error) => onError(error))
        .finally(() => (this.downsampling = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  stopDownsampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Metric names with their kind, unit, series count and last time seen. */
  async names(): Promise<
    { name: string; kind: string; unit: string | null; series: number; lastSeen: number }[]
  > {
    const result = await this.query(
      'SELECT name, any_value(kind), any_value(unit), count(*), max(epoch_ms(last_seen)) FROM series GROUP BY name ORDER BY name',
    );
    return result.rows.map(([name, kind, unit, series, lastSeen]) => ({
      name: name as string,
      kind: kind as string,
      unit: (unit as string | null) ?? null,
      series: Number(series),
      lastSeen: Number(lastSeen),
    }));
  }

  /** The label names of a metric and their values (at most `maxValues` each, sorted). */
  async labels(name: string, maxValues = 100): Promise<Record<string, string[]>> {
    const result = await this.query('SELECT labels FROM series WHERE name = $1', [name]);
    const values = new Map<string, Set<string>>();
    for (const [labels] of result.rows)
      for (const [k, v] of Object.entries(JSON.parse(labels as string) as Record<string, string>)) {
        let set = values.get(k);
        if (!set) values.set(k, (set = new Set()));
        set.add(v);
      }
    const out: Record<string, string[]> = {};
    for (const k of [...values.keys()].sort()) out[k] = [...values.get(k)!].sort().slice(0, maxValues);
    return out;
  }

  /** Wait for pending writes and downsampling, checkpoint, close. */
  async close(): Promise<void> {
    if (this.refs === 0) return this.closing;
    if (--this.refs > 0) return;
    this.closing = this.closeFile().finally(() => MetricStore.opened.delete(this.path));
    return this.closing;
  }

  private closing: Promise<void> | undefined;

  private async closeFile(): Promise<void> {
    this.stopDownsampling();
    while (this.flushing) await this.flushing;
    await this.downsampling;
    await this.chain;
    this.closed = true;
    if (!this.options.readOnly) await this.connection.run('CHECKPOINT').catch(() => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
