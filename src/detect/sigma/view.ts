/**
 * Event views over parsed JSON records. Windows event log records in any layout (evtx_dump,
 * Winlogbeat, flat exports) are flattened to Sigma's Windows field names first; anything else is
 * read by its own field names, dotted names reaching into nested objects (and through arrays).
 */
import { flattenWindowsEvent } from '../../normalize/windows.js';
import type { EventView } from './context.js';

type Fields = Record<string, unknown>;

function isRecord(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: `constructor` or `__proto__` must not find Object.prototype's. */
function own(obj: Fields, key: string): unknown {
  const v = obj[key];
  return v !== undefined && Object.hasOwn(obj, key) ? v : undefined;
}

/** `a.b.c` through nested objects; through an array, the values found in its elements. */
function dotted(node: unknown, parts: readonly string[], from: number): unknown {
  for (let i = from; i < parts.length; i++) {
    if (Array.isArray(node)) {
      const found: unknown[] = [];
      for (const element of node) {
        const v = dotted(element, parts, i);
        if (Array.isArray(v)) found.push(...v);
        else if (v !== undefined) found.push(v);
      }
      return found.length > 0 ? found : undefined;
    }
    if (!isRecord(node)) return undefined;
    node = own(node, parts[i]!);
  }
  return node;
}

function lookup(fields: Fields, field: string): unknown {
  const v = own(fields, field);
  if (v !== undefined || field.indexOf('.') < 0) return v;
  return dotted(fields, field.split('.'), 0);
}

function eachField(fields: Fields, fn: (name: string, value: unknown) => void): void {
  const keys = Object.keys(fields);
  for (let i = 0; i < keys.length; i++) fn(keys[i]!, fields[keys[i]!]);
}

/** A flat map of Windows field names (flattenWindowsEvent's output) as a view. */
export function windowsEventView(flat: Fields): EventView {
  return {
    format: 'evtx',
    get: (field) => lookup(flat, field),
    values: () => Object.values(flat),
    forEachField: (fn) => eachField(flat, fn),
  };
}

/** Any JSON record as a view: fields by name, dotted names into nested objects. */
export function jsonEventView(fields: Fields): EventView {
  return {
    get: (field) => lookup(fields, field),
    values: () => [fields],
  };
}

/**
 * The names flat exports (NXLog, Log Analytics) spell differently, as flattenWindowsEvent maps
 * them: Sigma name → the export's names, first present wins.
 */
const FLAT_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['Computer', ['Hostname']],
  ['Channel', ['EventLog']],
  ['Provider_Name', ['SourceName', 'ProviderName', 'EventSourceName', 'Provider', 'Source']],
  ['Provider_Guid', ['ProviderGuid']],
  ['EventRecordID', ['RecordNumber']],
  ['Execution_ProcessID', ['ExecutionProcessID']],
]);

/**
 * A flat export with its fields at the top level and no embedded EventData text: the layout
 * most collectors write, read in place rather than copied (see flatWindowsView).
 */
function isPlainFlatWindows(f: Fields): boolean {
  if (f.EventID === undefined || f.Event !== undefined || f.System !== undefined) return false;
  if (f.winlog !== undefined || f.event_id !== undefined) return false;
  if (typeof f.EventData === 'string' || typeof f.EventData_string === 'string') return false;
  return (
    f.Channel !== undefined ||
    f.Computer !== undefined ||
    f.Hostname !== undefined ||
    f.SourceName !== undefined ||
    f.EventLog !== undefined ||
    f.ProviderName !== undefined
  );
}

/** `4688`, `"4688"` or `"0x1250"` → the number, as flattenWindowsEvent makes event ids. */
function eventIdOf(v: unknown): unknown {
  if (typeof v !== 'string' || v.length === 0 || v.length > 18) return v;
  if (/^\d+$/.test(v)) return Number(v);
  if (/^0[xX][0-9a-fA-F]+$/.test(v)) return parseInt(v.slice(2), 16);
  return v;
}

/**
 * A flat Windows export read in place: the same answers as windowsEventView(flattenWindowsEvent(f))
 * without copying the record (most of the corpus; the copy would cost as much as a rule pass).
 */
export function flatWindowsView(f: Fields): EventView {
  return {
    format: 'evtx',
    get: (field) => {
      const v = own(f, field);
      if (v !== undefined) return field === 'EventID' ? eventIdOf(v) : v;
      const aliases = FLAT_ALIASES.get(field);
      if (aliases) {
        if (field === 'Provider_Name') {
          for (const a of aliases) {
            const x = own(f, a);
            if (x !== undefined && x !== null) return x;
          }
          return undefined;
        }
        return own(f, aliases[0]!);
      }
      return field.indexOf('.') < 0 ? undefined : dotted(f, field.split('.'), 0);
    },
    values: () => Object.values(f),
    forEachField: (fn) => eachField(f, fn),
  };
}

/** A parsed record's fields as a view: Windows layouts flattened, anything else as JSON. */
export function recordEventView(fields: Fields): EventView {
  if (isPlainFlatWindows(fields)) return flatWindowsView(fields);
  const flat = flattenWindowsEvent(fields);
  return flat ? windowsEventView(flat) : jsonEventView(fields);
}
