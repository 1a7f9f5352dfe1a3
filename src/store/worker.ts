/**
 * The DuckDB side of the event store, in its own thread. DuckDB's appender flush (compression,
 * WAL write, checkpoints) is synchronous and CPU-heavy; running it here keeps the main thread
 * free to receive, parse and normalize the next batches on the other core. Messages in, replies
 * out; the only DuckDB instance of the process lives here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { EVENT_COLUMNS, eventsTableDdl, eventsTableMigrations } from './schema.js';

export interface WorkerInit {
  path: string;
  config: Record<string, string>;
  readOnly: boolean;
}

export type WorkerRequest =
  | { id: number; op: 'append'; rows: unknown[][] }
  | { id: number; op: 'query'; sql: string; params: unknown[]; timeoutMs: number }
  | { id: number; op: 'checkpoint' }
  | { id: number; op: 'close' };

export type WorkerReply =
  { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string; name: string };

/** The appender's column kinds, in table order (IP columns are followed by their numeric twin). */
export type ColumnKind = 'bigint' | 'timestamp' | 'integer' | 'smallint' | 'varchar' | 'uhugeint';

export const COLUMN_KINDS: readonly ColumnKind[] = EVENT_COLUMNS.flatMap((c): ColumnKind[] => {
  const kind: ColumnKind =
    c.type === 'BIGINT'
      ? 'bigint'
      : c.type === 'TIMESTAMP'
        ? 'timestamp'
        : c.type === 'INTEGER'
          ? 'integer'
          : c.type === 'SMALLINT'
            ? 'smallint'
            : 'varchar';
  return c.ip ? [kind, 'uhugeint'] : [kind];
});

function toDuckValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  return value as DuckDBValue;
}

/** DuckDB values → structured-clone-friendly JS: timestamps as epoch ms, safe bigints as numbers. */
function fromDuckValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof DuckDBTimestampValue) return Number(value.micros / 1000n);
  if (typeof value === 'object') {
    const v = value as { toDouble?: () => number };
    return typeof v.toDouble === 'function' ? v.toDouble() : String(value);
  }
  return value;
}

const TRACE = process.env.VIGIL_STORE_TRACE === '1';

async function main(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(init.path, init.config);
  } catch (error) {
    port.postMessage({ id: 0, ok: false, error: String(error), name: 'OpenError' } satisfies WorkerReply);
    return;
  }
  const writer: DuckDBConnection | undefined = init.readOnly ? undefined : await instance.connect();
  if (writer) {
    await writer.run(eventsTableDdl());
    for (const sql of eventsTableMigrations()) await writer.run(sql);
  }
  const reader = await instance.connect();
  let lastId = 0;
  const exists = await reader.runAndReadAll(
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'",
  );
  if (Number(exists.getRows()[0]?.[0]) > 0) {
    const max = await reader.runAndReadAll('SELECT coalesce(max(id), 0) FROM events');
    lastId = Number(max.getRows()[0]?.[0]);
  }
  port.postMessage({ id: 0, ok: true, value: lastId } satisfies WorkerReply);

  const append = async (rows: unknown[][]): Promise<void> => {
    if (!writer) throw new Error('store is open read-only');
    const appender = await writer.createAppender('events');
    try {
      for (const row of rows) {
        for (let i = 0; i < COLUMN_KINDS.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) {
            appender.appendNull();
            continue;
          }
          switch (COLUMN_KINDS[i]) {
            case 'bigint':
              appender.appendBigInt(BigInt(v as number | bigint));
              break;
            case 'timestamp':
              appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(v as number)) * 1000n));
              break;
            case 'integer':
              appender.appendInteger(v as number);
              break;
            case 'smallint':
              appender.appendSmallInt(v as number);
              break;
            case 'uhugeint':
              appender.appendUHugeInt(v as bigint);
              break;
            default:
              appender.appendVarchar(v as string);
          }
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      try {
        appender.closeSync();
      } catch {
        // the flush error is the one that matters
      }
    }
  };

  // One request at a time, in order: appends must not interleave, and a query sees prior appends.
  let chain: Promise<unknown> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    chain = chain.then(async () => {
      try {
        let value: unknown;
        switch (request.op) {
          case 'append': {
            const started = performance.now();
            await append(request.rows);
            if (TRACE)
              process.stderr.write(
                `store append ${request.rows.length} rows ${(performance.now() - started).toFixed(1)} ms\n`,
              );
            break;
          }
          case 'query': {
            const timer = setTimeout(() => reader.interrupt(), request.timeoutMs);
            try {
              const result = await reader.runAndReadAll(request.sql, request.params.map(toDuckValue));
              value = {
                columns: result.columnNames(),
                rows: result.getRows().map((r) => r.map(fromDuckValue)),
              };
            } finally {
              clearTimeout(timer);
            }
            break;
          }
          case 'checkpoint':
            if (writer) await writer.run('CHECKPOINT');
            break;
          case 'close':
            if (writer) {
              try {
                await writer.run('CHECKPOINT');
              } catch {
                // DuckDB replays the WAL on the next open
              }
              writer.closeSync();
            }
            reader.closeSync();
            instance.closeSync();
            break;
        }
        port.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply);
        if (request.op === 'close') port.close();
      } catch (error) {
        port.postMessage({
          id: request.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          name: error instanceof Error ? error.name : 'Error',
        } satisfies WorkerReply);
      }
    });
  });
}

if (parentPort && workerData) void main(workerData as WorkerInit);
