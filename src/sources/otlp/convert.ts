/**
 * OTLP export requests → Vigil's records: log records (for the pipeline and the OTLP normalizer),
 * spans (SpanRecord) and metric points (MetricPoint). Pure.
 *
 * One converter serves both encodings. Its input is the request as a plain object with camelCase
 * keys: from protobuf (protobufjs `toObject`: int64 as decimal strings, enums as numbers, bytes as
 * Uint8Array) or from OTLP/JSON (trace and span ids as hex, int64 as strings or numbers, enums as
 * numbers, or by name, which the protobuf JSON mapping also allows; snake_case keys are accepted
 * too). A record that cannot be converted (an id of the wrong length, a span ending before it
 * starts) is rejected alone and counted, for the partial-success answer; the rest go through.
 */
import type { MetricPoint } from '../../metrics/model.js';
import type { AttributeValue, Attributes, Scope, SpanRecord } from '../../traces/model.js';

type Obj = Record<string, unknown>;

/** A record rejected by conversion: where it was in the request and why. */
export interface ConvertError {
  position: string;
  message: string;
}

export interface Converted<T> {
  items: T[];
  rejected: number;
  errors: ConvertError[];
}

/** Errors kept per request for the answer's message (the count is exact). */
const MAX_ERRORS = 10;

/** The request itself is not an OTLP export request (wrong shape). */
export class OtlpShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpShapeError';
  }
}

/** An OTLP log record as it travels to the normalizer (`RawRecord.value`, format `otlp`). */
export interface OtlpLogValue {
  [key: string]: unknown;
  time_unix_nano?: string;
  observed_time_unix_nano?: string;
  severity_number?: number;
  severity_text?: string;
  body?: AttributeValue;
  attributes: Attributes;
  dropped_attributes_count?: number;
  flags?: number;
  trace_id?: string;
  span_id?: string;
  event_name?: string;
  resource: Attributes;
  scope: Scope;
}

// ---------------------------------------------------------------------------------------------
// Field access and scalar conversion

function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

function asObject(v: unknown, where: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new OtlpShapeError(`${where}: expected an object`);
  return v as Obj;
}

function asArray(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpShapeError(`${where}: expected an array`);
  return v;
}

function asString(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OtlpShapeError(`${where}: expected a string`);
  return v;
}

const DECIMAL = /^-?\d+$/;

/** An unsigned 64-bit integer (a time in ns, a count) as a decimal string; undefined when 0/absent. */
function u64(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new OtlpShapeError(`${where}: expected an unsigned integer`);
    s = BigInt(Math.trunc(v)).toString();
  } else if (typeof v === 'string' && DECIMAL.test(v) && !v.startsWith('-')) s = v.replace(/^0+(?=\d)/, '');
  else if (typeof v === 'bigint' && v >= 0n) s = v.toString();
  else
    throw new OtlpShapeError(
      `${where}: expected an unsigned integer, got ${JSON.stringify(String(v)).slice(0, 40)}`,
    );
  if (s.length > 20 || BigInt(s) > 0xffffffffffffffffn) throw new OtlpShapeError(`${where}: out of range`);
  return s === '0' ? undefined : s;
}

/** A 64-bit integer as a JS number (counts, bucket counts: exact below 2^53). */
function int64Number(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  throw new OtlpShapeError(`${where}: expected an integer`);
}

function numberOf(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    // The protobuf JSON mapping writes non-finite doubles as strings.
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) return n;
  }
  throw new OtlpShapeError(`${where}: expected a number`);
}

function enumOf(v: unknown, names: readonly string[], where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (DECIMAL.test(v)) return Number(v);
  }
  throw new OtlpShapeError(`${where}: expected an enum value, got ${JSON.stringify(v)?.slice(0, 40)}`);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id: bytes from protobuf, hex from OTLP/JSON. Returns lowercase hex, or undefined
 * for an absent/empty/all-zero id (OTLP: invalid, i.e. none). A wrong length is a record error.
 */
function idOf(v: unknown, bytes: number, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  let hex: string;
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else if (typeof v === 'string') {
    if (!HEX.test(v)) throw new RecordError(`${where}: not hex`);
    hex = v.toLowerCase();
  } else throw new RecordError(`${where}: expected bytes or a hex string`);
  if (hex.length === 0) return undefined;
  if (hex.length !== bytes * 2) throw new RecordError(`${where}: ${hex.length / 2} bytes, expected ${bytes}`);
  return /^0+$/.test(hex) ? undefined : hex;
}

/** One record is bad; the others of the request are fine. */
class RecordError extends Error {}

function nsToMs(ns: string | undefined): number | undefined {
  if (ns === undefined) return undefined;
  return ns.length <= 6 ? Number(ns) / 1e6 : Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// Attributes

const MAX_DEPTH = 32;

/** OTLP AnyValue → a JSON value. */
export function anyValue(v: unknown, where: string, depth = 0): AttributeValue {
  const o = asObject(v, where);
  if (!o) return null;
  if (depth > MAX_DEPTH) throw new OtlpShapeError(`${where}: nested deeper than ${MAX_DEPTH}`);
  let x: unknown;
  if ((x = get(o, 'stringValue', 'string_value')) !== undefined) return asString(x, where) ?? '';
  if ((x = get(o, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof x !== 'boolean') throw new OtlpShapeError(`${where}: expected a boolean`);
    return x;
  }
  if ((x = get(o, 'intValue', 'int_value')) !== undefined) {
    if (typeof x === 'number' && Number.isInteger(x)) return x;
    if (typeof x === 'string' && DECIMAL.test(x)) {
      const n = Number(x);
      return Number.isSafeInteger(n) ? n : x;
    }
    throw new OtlpShapeError(`${where}: expected an integer`);
  }
  if ((x = get(o, 'doubleValue', 'double_value')) !== undefined) {
    const n = numberOf(x, where)!;
    // JSON has no NaN or Infinity: kept as the protobuf JSON mapping writes them.
    return Number.isFinite(n) ? n : String(n);
  }
  if ((x = get(o, 'arrayValue', 'array_value')) !== undefined) {
    const values = asArray(asObject(x, where)?.values, `${where}.values`);
    return values.map((item, i) => anyValue(item, `${where}[${i}]`, depth + 1));
  }
  if ((x = get(o, 'kvlistValue', 'kvlist_value')) !== undefined) {
    return keyValues(asObject(x, where)?.values, where, depth + 1);
  }
  if ((x = get(o, 'bytesValue', 'bytes_value')) !== undefined) {
    if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    return asString(x, where) ?? '';
  }
  return null;
}

/** A repeated KeyValue → an object (a repeated key keeps its last value). */
export function keyValues(v: unknown, where: string, depth = 0): Attributes {
  const out: Attributes = {};
  const list = asArray(v, where);
  for (let i = 0; i < list.length; i++) {
    const kv = asObject(list[i], `${where}[${i}]`);
    if (!kv) continue;
    const key = asString(kv.key, `${where}[${i}].key`) ?? '';
    // Object.defineProperty: a key named __proto__ is data, not a prototype change.
    Object.defineProperty(out, key, {
      value: anyValue(kv.value, `${where}[${i}].value`, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function scopeOf(v: unknown, where: string): Scope {
  const o = asObject(v, where);
  if (!o) return { name: '' };
  const version = asString(o.version, `${where}.version`);
  const attributes = keyValues(o.attributes, `${where}.attributes`);
  return {
    name: asString(o.name, `${where}.name`) ?? '',
    ...(version ? { version } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

function resourceOf(v: unknown, where: string): Attributes {
  return keyValues(asObject(v, where)?.attributes, `${where}.attributes`);
}

function root(request: unknown, camel: string, snake: string): unknown[] {
  const o = asObject(request, 'request');
  if (!o) throw new OtlpShapeError('request: expected an object');
  return asArray(get(o, camel, snake), camel);
}

/**
 * Walk resource → scope → items: `visit` converts one item; a RecordError rejects that item only.
 * Anything else thrown (a wrong shape above the items) rejects the request.
 */
function walk<T>(
  request: unknown,
  keys: { resource: [string, string]; scope: [string, string]; items: [string, string] },
  visit: (item: Obj, resource: Attributes, scope: Scope, where: string, out: T[]) => void,
  count: (item: Obj) => number = () => 1,
): Converted<T> {
  const result: Converted<T> = { items: [], rejected: 0, errors: [] };
  const resources = root(request, ...keys.resource);
  for (let r = 0; r < resources.length; r++) {
    const rw = `${keys.resource[0]}[${r}]`;
    const ro = asObject(resources[r], rw);
    if (!ro) continue;
    const resource = resourceOf(ro.resource, `${rw}.resource`);
    const scopes = asArray(get(ro, ...keys.scope), `${rw}.${keys.scope[0]}`);
    for (let s = 0; s < scopes.length; s++) {
      const sw = `${rw}.${keys.scope[0]}[${s}]`;
      const so = asObject(scopes[s], sw);
      if (!so) continue;
      const scope = scopeOf(so.scope, `${sw}.scope`);
      const items = asArray(get(so, ...keys.items), `${sw}.${keys.items[0]}`);
      for (let i = 0; i < items.length; i++) {
        const iw = `${sw}.${keys.items[0]}[${i}]`;
        const io = asObject(items[i], iw);
        if (!io) continue;
        try {
          visit(io, resource, scope, iw, result.items);
        } catch (error) {
          if (!(error instanceof RecordError) && !(error instanceof OtlpShapeError)) throw error;
          result.rejected += count(io);
          if (result.errors.length < MAX_ERRORS) result.errors.push({ position: iw, message: error.message });
        }
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Logs

const SEVERITY_NAMES = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((l) =>
    ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${l}${n}`),
  ),
];

/** ExportLogsServiceRequest → one value per log record (the normalizer's input). */
export function convertLogs(request: unknown): Converted<OtlpLogValue> {
  return walk<OtlpLogValue>(
    request,
    {
      resource: ['resourceLogs', 'resource_logs'],
      scope: ['scopeLogs', 'scope_logs'],
      items: ['logRecords', 'log_records'],
    },
    (o, resource, scope, where, out) => {
      const value: OtlpLogValue = {
        attributes: keyValues(o.attributes, `${where}.attributes`),
        resource,
        scope,
      };
      const time = u64(get(o, 'timeUnixNano', 'time_unix_nano'), `${where}.timeUnixNano`);
      if (time) value.time_unix_nano = time;
      const observed = u64(
        get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
        `${where}.observedTimeUnixNano`,
      );
      if (observed) value.observed_time_unix_nano = observed;
      const severity = enumOf(
        get(o, 'severityNumber', 'severity_number'),
        SEVERITY_NAMES,
        `${where}.severityNumber`,
      );
      if (severity < 0 || severity > 24)
        throw new RecordError(`${where}.severityNumber: ${severity} is not 0..24`);
      if (severity) value.severity_number = severity;
      const severityText = asString(get(o, 'severityText', 'severity_text'), `${where}.severityText`);
      if (severityText) value.severity_text = severityText;
      const body = get(o, 'body', 'body');
      if (body !== undefined && body !== null) value.body = anyValue(body, `${where}.body`);
      const dropped = get(o, 'droppedAttributesCount', 'dropped_attributes_count');
      if (typeof dropped === 'number' && dropped > 0) value.dropped_attributes_count = dropped;
      const flags = get(o, 'flags', 'flags');
      if (typeof flags === 'number' && flags !== 0) value.flags = flags;
      const traceId = idOf(get(o, 'traceId', 'trace_id'), 16, `${where}.traceId`);
      if (traceId) value.trace_id = traceId;
      const spanId = idOf(get(o, 'spanId', 'span_id'), 8, `${where}.spanId`);
      if (spanId) value.span_id = spanId;
      const eventName = asString(get(o, 'eventName', 'event_name'), `${where}.eventName`);
      if (eventName) value.event_name = eventName;
      out.push(value);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Spans

const KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** ExportTraceServiceRequest → spans. */
export function convertSpans(request: unknown): Converted<SpanRecord> {
  return walk<SpanRecord>(
    request,
    {
      resource: ['resourceSpans', 'resource_spans'],
      scope: ['scopeSpans', 'scope_spans'],
      items: ['spans', 'spans'],
    },
    (o, resource, scope, where, out) => {
      const traceId = idOf(get(o, 'traceId', 'trace_id'), 16, `${where}.traceId`);
      const spanId = idOf(get(o, 'spanId', 'span_id'), 8, `${where}.spanId`);
      if (!traceId) throw new RecordError(`${where}.traceId: missing (a span needs a non-zero trace id)`);
      if (!spanId) throw new RecordError(`${where}.spanId: missing (a span needs a non-zero span id)`);
      const parentSpanId = idOf(get(o, 'parentSpanId', 'parent_span_id'), 8, `${where}.parentSpanId`);
      const start = u64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${where}.startTimeUnixNano`);
      const end = u64(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), `${where}.endTimeUnixNano`);
      if (!start) throw new RecordError(`${where}.startTimeUnixNano: missing`);
      const startNs = BigInt(start);
      const endNs = end ? BigInt(end) : startNs;
      if (endNs < startNs) throw new RecordError(`${where}: ends (${end}) before it starts (${start})`);
      const kind = enumOf(get(o, 'kind', 'kind'), KIND_NAMES, `${where}.kind`);
      if (kind < 0 || kind > 5) throw new RecordError(`${where}.kind: ${kind} is not 0..5`);
      const status = asObject(o.status, `${where}.status`) ?? {};
      const statusCode = enumOf(status.code, STATUS_NAMES, `${where}.status.code`);
      if (statusCode < 0 || statusCode > 2)
        throw new RecordError(`${where}.status.code: ${statusCode} is not 0..2`);
      const traceState = asString(get(o, 'traceState', 'trace_state'), `${where}.traceState`);
      const service = resource['service.name'];
      const span: SpanRecord = {
        traceId,
        spanId,
        name: asString(o.name, `${where}.name`) ?? '',
        kind,
        service: typeof service === 'string' ? service : '',
        startNs,
        endNs,
        statusCode,
        statusMessage: asString(status.message, `${where}.status.message`) ?? '',
        attributes: keyValues(o.attributes, `${where}.attributes`),
        resource,
        scope,
        events: asArray(o.events, `${where}.events`).map((e, i) => {
          const ew = `${where}.events[${i}]`;
          const eo = asObject(e, ew) ?? {};
          return {
            timeNs: BigInt(u64(get(eo, 'timeUnixNano', 'time_unix_nano'), `${ew}.timeUnixNano`) ?? '0'),
            name: asString(eo.name, `${ew}.name`) ?? '',
            attributes: keyValues(eo.attributes, `${ew}.attributes`),
          };
        }),
        links: asArray(o.links, `${where}.links`).map((l, i) => {
          const lw = `${where}.links[${i}]`;
          const lo = asObject(l, lw) ?? {};
          const ts = asString(get(lo, 'traceState', 'trace_state'), `${lw}.traceState`);
          return {
            traceId: idOf(get(lo, 'traceId', 'trace_id'), 16, `${lw}.traceId`) ?? '',
            spanId: idOf(get(lo, 'spanId', 'span_id'), 8, `${lw}.spanId`) ?? '',
            ...(ts ? { traceState: ts } : {}),
            attributes: keyValues(lo.attributes, `${lw}.attributes`),
          };
        }),
      };
      if (parentSpanId) span.parentSpanId = parentSpanId;
      if (traceState) span.traceState = traceState;
      out.push(span);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Metrics

const TEMPORALITY_NAMES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

/** Attribute values as label strings: strings as they are, anything else as JSON. */
function labelText(v: AttributeValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function addLabels(labels: Record<string, string>, attributes: Attributes): void {
  for (const [k, v] of Object.entries(attributes)) labels[k] = labelText(v);
}

function dataPointCount(metric: Obj): number {
  for (const key of [
    'gauge',
    'sum',
    'histogram',
    'exponentialHistogram',
    'exponential_histogram',
    'summary',
  ]) {
    const data = metric[key];
    if (data && typeof data === 'object') {
      const points = get(data as Obj, 'dataPoints', 'data_points');
      return Array.isArray(points) ? Math.max(1, points.length) : 1;
    }
  }
  return 1;
}

/**
 * ExportMetricsServiceRequest → metric points. Labels: resource attributes, then the scope as
 * `otel.scope.name` / `otel.scope.version`, then the point's attributes. A metric that cannot be
 * converted is rejected with all its data points (the partial-success count is of data points).
 */
export function convertMetrics(request: unknown): Converted<MetricPoint> {
  return walk<MetricPoint>(
    request,
    {
      resource: ['resourceMetrics', 'resource_metrics'],
      scope: ['scopeMetrics', 'scope_metrics'],
      items: ['metrics', 'metrics'],
    },
    (m, resource, scope, where, out) => {
      const name = asString(m.name, `${where}.name`);
      if (!name) throw new RecordError(`${where}.name: missing`);
      const unit = asString(m.unit, `${where}.unit`);
      const description = asString(m.description, `${where}.description`);
      const base: Record<string, string> = {};
      addLabels(base, resource);
      if (scope.name) base['otel.scope.name'] = scope.name;
      if (scope.version) base['otel.scope.version'] = scope.version;
      const points: MetricPoint[] = [];
      const point = (kind: MetricPoint['kind'], p: Obj, pw: string): MetricPoint => {
        const labels = { ...base };
        addLabels(labels, keyValues(p.attributes, `${pw}.attributes`));
        const time = nsToMs(u64(get(p, 'timeUnixNano', 'time_unix_nano'), `${pw}.timeUnixNano`));
        if (time === undefined) throw new RecordError(`${pw}.timeUnixNano: missing`);
        const startTime = nsToMs(
          u64(get(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${pw}.startTimeUnixNano`),
        );
        return {
          name,
          kind,
          ...(unit ? { unit } : {}),
          ...(description ? { description } : {}),
          labels,
          time,
          ...(startTime !== undefined ? { startTime } : {}),
        };
      };
      const numberValue = (p: Obj, pw: string): number => {
        const d = get(p, 'asDouble', 'as_double');
        if (d !== undefined && d !== null) return numberOf(d, `${pw}.asDouble`)!;
        const i = get(p, 'asInt', 'as_int');
        if (i !== undefined && i !== null) {
          if (typeof i === 'number' || (typeof i === 'string' && DECIMAL.test(i))) return Number(i);
          throw new RecordError(`${pw}.asInt: expected an integer`);
        }
        return 0;
      };
      const temporality = (data: Obj, dw: string): 'cumulative' | 'delta' | undefined => {
        const t = enumOf(
          get(data, 'aggregationTemporality', 'aggregation_temporality'),
          TEMPORALITY_NAMES,
          dw,
        );
        return t === 1 ? 'delta' : t === 2 ? 'cumulative' : undefined;
      };
      const optional = (p: Obj, key: string, pw: string): number | undefined =>
        numberOf(p[key], `${pw}.${key}`);
      let data: Obj | undefined;
      if ((data = asObject(m.gauge, `${where}.gauge`))) {
        asArray(get(data, 'dataPoints', 'data_points'), `${where}.gauge.dataPoints`).forEach((p, i) => {
          const pw = `${where}.gauge.dataPoints[${i}]`;
          const po = asObject(p, pw) ?? {};
          points.push({ ...point('gauge', po, pw), value: numberValue(po, pw) });
        });
      } else if ((data = asObject(m.sum, `${where}.sum`))) {
        const t = temporality(data, `${where}.sum.aggregationTemporality`);
        const monotonic = get(data, 'isMonotonic', 'is_monotonic') === true;
        asArray(get(data, 'dataPoints', 'data_points'), `${where}.sum.dataPoints`).forEach((p, i) => {
          const pw = `${where}.sum.dataPoints[${i}]`;
          const po = asObject(p, pw) ?? {};
          points.push({
            ...point('sum', po, pw),
            value: numberValue(po, pw),
            monotonic,
            ...(t ? { temporality: t } : {}),
          });
        });
      } else if ((data = asObject(m.histogram, `${where}.histogram`))) {
        const t = temporality(data, `${where}.histogram.aggregationTemporality`);
        asArray(get(data, 'dataPoints', 'data_points'), `${where}.histogram.dataPoints`).forEach((p, i) => {
          const pw = `${where}.histogram.dataPoints[${i}]`;
          const po = asObject(p, pw) ?? {};
          const bounds = asArray(get(po, 'explicitBounds', 'explicit_bounds'), `${pw}.explicitBounds`).map(
            (b, j) => numberOf(b, `${pw}.explicitBounds[${j}]`)!,
          );
          const bucketCounts = asArray(get(po, 'bucketCounts', 'bucket_counts'), `${pw}.bucketCounts`).map(
            (c, j) => int64Number(c, `${pw}.bucketCounts[${j}]`),
          );
          if (bucketCounts.length > 0 && bucketCounts.length !== bounds.length + 1)
            throw new RecordError(`${pw}: ${bucketCounts.length} bucket counts for ${bounds.length} bounds`);
          const sum = optional(po, 'sum', pw);
          const min = optional(po, 'min', pw);
          const max = optional(po, 'max', pw);
          points.push({
            ...point('histogram', po, pw),
            ...(t ? { temporality: t } : {}),
            count: int64Number(po.count, `${pw}.count`),
            ...(sum !== undefined ? { sum } : {}),
            ...(min !== undefined ? { min } : {}),
            ...(max !== undefined ? { max } : {}),
            bounds,
            bucketCounts,
          });
        });
      } else if (
        (data = asObject(
          get(m, 'exponentialHistogram', 'exponential_histogram'),
          `${where}.exponentialHistogram`,
        ))
      ) {
        const t = temporality(data, `${where}.exponentialHistogram.aggregationTemporality`);
        asArray(get(data, 'dataPoints', 'data_points'), `${where}.exponentialHistogram.dataPoints`).forEach(
          (p, i) => {
            const pw = `${where}.exponentialHistogram.dataPoints[${i}]`;
            const po = asObject(p, pw) ?? {};
            const buckets = (v: unknown, bw: string) => {
              const bo = asObject(v, bw) ?? {};
              return {
                offset: Number(numberOf(bo.offset, `${bw}.offset`) ?? 0),
                bucketCounts: asArray(get(bo, 'bucketCounts', 'bucket_counts'), `${bw}.bucketCounts`).map(
                  (c, j) => int64Number(c, `${bw}.bucketCounts[${j}]`),
                ),
              };
            };
            const sum = optional(po, 'sum', pw);
            const min = optional(po, 'min', pw);
            const max = optional(po, 'max', pw);
            const zeroThreshold = numberOf(get(po, 'zeroThreshold', 'zero_threshold'), `${pw}.zeroThreshold`);
            points.push({
              ...point('exponential_histogram', po, pw),
              ...(t ? { temporality: t } : {}),
              count: int64Number(po.count, `${pw}.count`),
              ...(sum !== undefined ? { sum } : {}),
              ...(min !== undefined ? { min } : {}),
              ...(max !== undefined ? { max } : {}),
              exponential: {
                scale: Number(numberOf(po.scale, `${pw}.scale`) ?? 0),
                zeroCount: int64Number(get(po, 'zeroCount', 'zero_count'), `${pw}.zeroCount`),
                ...(zeroThreshold !== undefined ? { zeroThreshold } : {}),
                positive: buckets(po.positive, `${pw}.positive`),
                negative: buckets(po.negative, `${pw}.negative`),
              },
            });
          },
        );
      } else if ((data = asObject(m.summary, `${where}.summary`))) {
        asArray(get(data, 'dataPoints', 'data_points'), `${where}.summary.dataPoints`).forEach((p, i) => {
          const pw = `${where}.summary.dataPoints[${i}]`;
          const po = asObject(p, pw) ?? {};
          points.push({
            ...point('summary', po, pw),
            count: int64Number(po.count, `${pw}.count`),
            sum: numberOf(po.sum, `${pw}.sum`) ?? 0,
            quantiles: asArray(get(po, 'quantileValues', 'quantile_values'), `${pw}.quantileValues`).map(
              (q, j) => {
                const qo = asObject(q, `${pw}.quantileValues[${j}]`) ?? {};
                return {
                  quantile: numberOf(qo.quantile, `${pw}.quantileValues[${j}].quantile`) ?? 0,
                  value: numberOf(qo.value, `${pw}.quantileValues[${j}].value`) ?? 0,
                };
              },
            ),
          });
        });
      } else
        throw new RecordError(`${where}: no data (gauge, sum, histogram, exponentialHistogram or summary)`);
      // All points of a metric or none: a bad point rejects its metric (counted per data point).
      for (const p of points) out.push(p);
    },
    dataPointCount,
  );
}
