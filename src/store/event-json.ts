/**
 * The `data` column holds the OCSF event as JSON, minus what other columns already hold: the raw
 * record (raw_data), a JSON record's `unmapped` fields (re-derived from raw_data), and every value
 * a typed column holds at its canonical path (time, class_uid, src_endpoint.ip, process.cmd_line...).
 * Storing those twice cost most of the bytes per event and half the write time; search puts them
 * back. `strip` and `restore` are exact inverses: a value is left out only when the column gives it
 * back with the same type at the same path. Pure.
 */
import type { OcsfEvent } from '../normalize/ocsf.js';
import { stringifyJson } from '../parsers/json.js';
import { EVENT_COLUMNS, type ColumnDef } from './schema.js';

/** Columns whose canonical path may be left out of `data` (id is metadata.uid, set by search). */
export const RESTORABLE_COLUMNS: readonly ColumnDef[] = EVENT_COLUMNS.filter(
  (c) => c.paths.length > 0 && c.name !== 'id' && c.name !== 'raw_data',
);

const SPLIT_PATHS = new Map(RESTORABLE_COLUMNS.map((c) => [c.name, c.paths[0]!.split('.')]));

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether the column gives `value` back unchanged (same JS type and value). */
export function roundTrips(column: ColumnDef, value: unknown, stored: unknown): boolean {
  if (stored === null || stored === undefined) return false;
  switch (column.type) {
    case 'VARCHAR':
      return typeof value === 'string' && value === stored;
    case 'TIMESTAMP':
      return typeof value === 'number' && Number.isInteger(value) && value === stored;
    case 'BIGINT':
    case 'INTEGER':
    case 'SMALLINT':
      return typeof value === 'number' && value === stored;
    default:
      return false;
  }
}

const splitCache = new Map<string, string[]>();

function split(path: string): string[] {
  let keys = splitCache.get(path);
  if (!keys) {
    keys = path.split('.');
    if (splitCache.size < 10_000) splitCache.set(path, keys);
  }
  return keys;
}

function at(event: Obj, keys: readonly string[]): unknown {
  let node: unknown = event;
  for (const key of keys) {
    if (!isObj(node)) return undefined;
    node = node[key];
  }
  return node;
}

const OTHER_PATHS = new Map(RESTORABLE_COLUMNS.map((c) => [c.name, c.paths.slice(1).map(split)]));

/**
 * The JSON stored as `data`. `stored` maps column name → the value written to that column;
 * `keepUnmapped` is false for JSON records (their original fields are raw_data). Left-out values
 * become `undefined` (which JSON.stringify skips) on copies of just the objects along their paths:
 * normalizers share objects between paths (actor.process is often process.parent_process), so
 * the event's own objects are never touched; its top-level keys are, and are put back after.
 */
export function storedEventJson(
  event: OcsfEvent,
  stored: ReadonlyMap<string, unknown>,
  keepUnmapped: boolean,
): string {
  const root = event as unknown as Obj;
  const undo: [string, unknown][] = [];
  const copies = new Map<string, Obj>();
  const setTop = (key: string, value: unknown) => {
    undo.push([key, root[key]]);
    root[key] = value;
  };
  /** The copy of the object at keys[0..depth) (copied once per call), ready to be changed. */
  const holderCopy = (keys: readonly string[], depth: number): Obj => {
    if (depth === 0) return root;
    const prefix = keys.slice(0, depth).join('.');
    let copy = copies.get(prefix);
    if (!copy) {
      const parent = holderCopy(keys, depth - 1);
      copy = { ...(parent[keys[depth - 1]!] as Obj) };
      if (depth === 1) setTop(keys[0]!, copy);
      else parent[keys[depth - 1]!] = copy;
      copies.set(prefix, copy);
    }
    return copy;
  };
  try {
    if (root.raw_data !== undefined) setTop('raw_data', undefined);
    if (!keepUnmapped && root.unmapped !== undefined) setTop('unmapped', undefined);
    // Observables first: their values are checked against the fields before any is left out.
    // One whose value is the text of the field it names keeps only its name and type.
    if (Array.isArray(root.observables)) {
      const thin = root.observables.map((o: unknown) =>
        isObj(o) &&
        typeof o.name === 'string' &&
        typeof o.value === 'string' &&
        scalarText(root, o.name) === o.value
          ? { ...o, value: undefined }
          : o,
      );
      setTop('observables', thin);
    }
    const hidden: string[][] = [];
    for (const column of RESTORABLE_COLUMNS) {
      const keys = SPLIT_PATHS.get(column.name)!;
      const value = at(root, keys);
      if (value === undefined || !roundTrips(column, value, stored.get(column.name))) continue;
      // Left out only when no other path of the column has a value: that is how restore knows.
      if (OTHER_PATHS.get(column.name)!.some((k) => isScalar(at(root, k)))) continue;
      hidden.push(keys);
    }
    // metadata.uid is the id column; search sets it.
    if (isObj(root.metadata) && root.metadata.uid !== undefined) hidden.push(['metadata', 'uid']);
    for (const keys of hidden) {
      if (keys.length === 1) setTop(keys[0]!, undefined);
      else holderCopy(keys, keys.length - 1)[keys[keys.length - 1]!] = undefined;
    }
    return stringifyJson(root);
  } finally {
    for (let i = undo.length - 1; i >= 0; i--) root[undo[i]![0]] = undo[i]![1];
  }
}

function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';
}

function scalarText(event: Obj, path: string): string | undefined {
  const v = at(event, split(path));
  return isScalar(v) ? String(v) : undefined;
}

/** Put column values back at their canonical paths where `data` left them out. Mutates `event`. */
export function restoreEvent(event: Obj, columnValue: (name: string) => unknown): Obj {
  for (const column of RESTORABLE_COLUMNS) {
    const value = columnValue(column.name);
    if (value === null || value === undefined) continue;
    const keys = SPLIT_PATHS.get(column.name)!;
    // Left out only when the value came from the canonical path; if another of the column's
    // paths still has it, the canonical path was never there.
    if (OTHER_PATHS.get(column.name)!.some((k) => isScalar(at(event, k)))) continue;
    let node = event;
    let blocked = false;
    for (let i = 0; i < keys.length - 1; i++) {
      const next = node[keys[i]!];
      if (next === undefined) node[keys[i]!] = {};
      else if (!isObj(next)) {
        blocked = true;
        break;
      }
      node = node[keys[i]!] as Obj;
    }
    const last = keys[keys.length - 1]!;
    if (!blocked && node[last] === undefined) node[last] = value;
  }
  // Observables stored without a value (OCSF requires one) take it from the field they name.
  if (Array.isArray(event.observables)) {
    for (const o of event.observables) {
      if (isObj(o) && o.value === undefined && typeof o.name === 'string') {
        const text = scalarText(event, o.name);
        if (text !== undefined) o.value = text;
      }
    }
  }
  return event;
}
