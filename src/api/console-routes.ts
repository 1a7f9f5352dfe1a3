/**
 * API endpoints the web console needs beyond search: who the caller is (to show the role and what
 * it may do) and the field names for query completion. Field names are the typed columns with
 * their OCSF paths, plus the keys seen in a sample of recent events of every source (through
 * `runSearch`, so `unmapped` names come out exactly as search and the query language see them).
 * Both need the `search` permission; samples are scoped to the caller's data classes, as searches
 * are. No SQL is written here, only the query language.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { runSearch } from '../query/search.js';
import type { EventStore } from '../store/duckdb.js';
import { EVENT_COLUMNS } from '../store/schema.js';
import { ROLES, type Permission } from './auth.js';

export interface ConsoleRoutesOptions {
  store: EventStore;
  authorize: (permission: Permission) => (request: FastifyRequest, reply: FastifyReply) => boolean;
  /** How long a field list is reused (ms); default one minute. */
  fieldsTtlMs?: number;
  /** Events sampled per source; default 50. */
  samplePerSource?: number;
}

export type FieldKind = 'column' | 'ocsf' | 'unmapped';

export interface FieldName {
  name: string;
  kind: FieldKind;
}

/** Keys the store keeps apart or search adds: not fields to offer. */
const SKIP = new Set(['raw_data', '_fields']);
const MAX_DEPTH = 5;
const MAX_FIELDS = 2000;

/** Typed columns by every name the query language accepts for them. */
export function columnFieldNames(): FieldName[] {
  return EVENT_COLUMNS.flatMap((c) =>
    c.paths.length === 0 ? [] : [c.name, ...c.paths].map((name) => ({ name, kind: 'column' as const })),
  );
}

/**
 * Field names found in events (pure): dotted OCSF paths to leaves (arrays and their contents are
 * one leaf), and each original field under `unmapped` both as `unmapped.X` and by its own name `X`.
 */
export function eventFieldNames(events: readonly Record<string, unknown>[]): FieldName[] {
  const found = new Map<string, FieldKind>();
  const add = (name: string, kind: FieldKind) => {
    if (found.size < MAX_FIELDS && !found.has(name)) found.set(name, kind);
  };
  const walk = (value: unknown, path: string, depth: number, kind: FieldKind, bare: string) => {
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (!isObject || depth >= MAX_DEPTH) {
      add(path, kind);
      if (kind === 'unmapped' && bare) add(bare, 'unmapped');
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      walk(child, `${path}.${key}`, depth + 1, kind, bare ? `${bare}.${key}` : key);
    }
  };
  for (const event of events)
    for (const [key, value] of Object.entries(event)) {
      if (SKIP.has(key)) continue;
      if (key === 'unmapped') walk(value, 'unmapped', 0, 'unmapped', '');
      else walk(value, key, 1, 'ocsf', '');
    }
  return [...found].map(([name, kind]) => ({ name, kind }));
}

/** Columns first, then OCSF paths, then original names; each group by name; no duplicates. */
export function mergeFieldNames(...lists: FieldName[][]): FieldName[] {
  const order: Record<FieldKind, number> = { column: 0, ocsf: 1, unmapped: 2 };
  const byName = new Map<string, FieldName>();
  for (const f of lists.flat()) {
    const seen = byName.get(f.name);
    if (!seen || order[f.kind] < order[seen.kind]) byName.set(f.name, f);
  }
  return [...byName.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
}

export function registerConsoleRoutes(app: FastifyInstance, opts: ConsoleRoutesOptions): void {
  const ttl = opts.fieldsTtlMs ?? 60_000;
  const perSource = opts.samplePerSource ?? 50;
  /** Per data-class scope: a role sees the names of the data it may search, no others. */
  const cache = new Map<string, { at: number; fields: Promise<FieldName[]> }>();

  const sampleFields = async (dataClasses: readonly string[]): Promise<FieldName[]> => {
    const sources = await runSearch(opts.store, '| stats count() by source | sort -count | head 50', {
      dataClasses,
    });
    const names = sources.kind === 'table' ? sources.rows.map((r) => String(r[0])) : [];
    const lists = [columnFieldNames()];
    for (const source of names) {
      // The source name goes in quotes as a query value; quotes and backslashes in it are escaped.
      const value = `"${source.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      const sample = await runSearch(opts.store, `source=${value}`, { limit: perSource, dataClasses });
      if (sample.kind === 'events') lists.push(eventFieldNames(sample.events));
    }
    return mergeFieldNames(...lists);
  };

  app.get('/api/v1/console/me', async (request, reply) => {
    if (!opts.authorize('search')(request, reply)) return reply;
    const principal = request.principal!;
    return reply.send({
      name: principal.name,
      role: principal.role,
      kind: principal.kind ?? 'token',
      permissions: principal.permissions ?? ROLES[principal.role] ?? [],
    });
  });

  app.get('/api/v1/console/fields', async (request, reply) => {
    if (!opts.authorize('search')(request, reply)) return reply;
    // As the search route does: a principal without data classes searches nothing.
    const dataClasses = [...(request.principal!.dataClasses ?? [])].sort();
    const key = dataClasses.join(',');
    const now = Date.now();
    let entry = cache.get(key);
    if (!entry || now - entry.at > ttl) {
      const fields = sampleFields(dataClasses);
      entry = { at: now, fields };
      cache.set(key, entry);
      // A failed sample is not kept: the next request tries again.
      fields.catch(() => {
        if (cache.get(key)?.fields === fields) cache.delete(key);
      });
    }
    return reply.send({ fields: await entry.fields });
  });
}
