import { restoreEvent } from '../store/event-json.js';
import type { EventStore } from '../store/duckdb.js';
import { processRecord } from '../pipeline/process.js';
import { compileQuery } from './compile.js';

export interface SearchOptions {
  from?: number;
  to?: number;
  limit?: number;
  now?: number;
  timeoutMs?: number;
  /** The caller's data classes (its role's scope), applied inside the query; absent: unscoped. */
  dataClasses?: readonly string[];
}

/** A search answer, the same from the API and the CLI. */
export type SearchResult =
  | { kind: 'events'; events: Record<string, unknown>[]; fields?: string[]; elapsedMs: number }
  | { kind: 'table'; columns: string[]; rows: unknown[][]; elapsedMs: number };

/** Compile a query (parameterized SQL) and run it on the store's read connection. */
export async function runSearch(
  store: EventStore,
  query: string,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const started = performance.now();
  const compiled = compileQuery(query, { ...options, now: options.now ?? Date.now() });
  const result = await store.query(compiled.sql, compiled.params, options.timeoutMs);
  const elapsedMs = Math.round((performance.now() - started) * 10) / 10;
  if (compiled.kind === 'table') {
    return { kind: 'table', columns: compiled.columns, rows: result.rows, elapsedMs };
  }
  const index = new Map(result.columns.map((c, i) => [c, i]));
  const at = (row: unknown[], name: string) => row[index.get(name) ?? -1];
  const events = result.rows.map((row) => {
    const event = restoreEvent(
      JSON.parse(String(at(row, 'data') ?? '{}')) as Record<string, unknown>,
      (name) => at(row, name),
    );
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    metadata.uid = String(at(row, 'id'));
    event.metadata = metadata;
    const raw = at(row, 'raw_data');
    event.raw_data = raw ?? undefined;
    if (at(row, 'raw_format') === 'json' && typeof raw === 'string' && event.unmapped === undefined) {
      // The store keeps a JSON record's original fields once, as raw_data; the same pure
      // normalizer gives back the `unmapped` it made at ingest.
      const again = processRecord(
        { text: raw, position: `event ${String(metadata.uid)}`, format: 'json' },
        { source: String(at(row, 'source')), receivedAt: Number(at(row, 'ingest_time')) },
      );
      if (again.ok && again.event.unmapped !== undefined) event.unmapped = again.event.unmapped;
    }
    return { ...event, source: at(row, 'source') } as Record<string, unknown>;
  });
  if (compiled.fields && compiled.fields.length > 0) {
    const fieldColumns = compiled.fields.map(
      (f, i) => [f, result.columns.length - compiled.fields!.length + i] as const,
    );
    events.forEach((event, r) => {
      event._fields = Object.fromEntries(fieldColumns.map(([f, i]) => [f, result.rows[r]![i]]));
    });
    return { kind: 'events', events, fields: compiled.fields, elapsedMs };
  }
  return { kind: 'events', events, elapsedMs };
}
