import type { EventStore } from '../store/duckdb.js';
import { compileQuery } from './compile.js';

export interface SearchOptions {
  from?: number;
  to?: number;
  limit?: number;
  now?: number;
  timeoutMs?: number;
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
    const event = JSON.parse(String(at(row, 'data') ?? '{}')) as Record<string, unknown>;
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    metadata.uid = String(at(row, 'id'));
    event.metadata = metadata;
    event.raw_data = at(row, 'raw_data') ?? undefined;
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
