/**
 * Any JSON record no specific normalizer claimed → an OCSF Base Event (class 0). It reads the
 * fields most JSON logs share (a time, a message, a host, a level, a product or service) and
 * keeps every field, by its original name, in `unmapped`. Pure, and it never throws: a record it
 * cannot read still becomes an event at the receive time.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import {
  addObservable,
  ObservableType,
  OcsfClass,
  ocsfEvent,
  Severity,
  SEVERITY_CAPTIONS,
  type OcsfEvent,
  type OcsfMetadata,
} from './ocsf.js';
import { parseTimestamp } from './time.js';

type Fields = Record<string, unknown>;
type GenericMetadata = Omit<OcsfMetadata, 'version'> & { profiles?: string[] };

/** Where JSON logs put the event time, most specific first. */
const TIME_FIELDS = ['@timestamp', 'timestamp', 'time', 'ts', 'date', 'eventTime'] as const;
const MESSAGE_FIELDS = ['message', 'msg', 'log'] as const;
const LEVEL_FIELDS = ['level', 'severity'] as const;

export const genericJsonNormalizer: Normalizer = {
  name: 'generic-json',
  accepts: (record) => record.format === 'json',
  normalize(record, ctx) {
    try {
      return normalizeGeneric(record, ctx);
    } catch {
      // Nothing in a record may stop the pipeline (e.g. a value whose conversion throws).
      return minimalEvent(record, ctx);
    }
  },
};

function normalizeGeneric(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const f = record.fields;
  const metadata: GenericMetadata = { product: productOf(f), logged_time: ctx.receivedAt };
  let time = ctx.receivedAt;
  for (const name of TIME_FIELDS) {
    const v = f[name];
    if (v === undefined || v === null) continue;
    const t = parseTimestamp(v);
    if (t !== undefined) {
      time = t;
      metadata.original_time = typeof v === 'string' ? v : String(v);
      break;
    }
  }
  const hostname = hostnameOf(f);
  if (hostname !== undefined) metadata.profiles = ['host'];
  const message = firstString(f, MESSAGE_FIELDS);
  const severityId = severityOf(f);
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 99, name: 'Other' },
    { time, severity_id: severityId, metadata, ...(message !== undefined ? { message } : {}) },
  );
  event.severity = SEVERITY_CAPTIONS[severityId];
  if (hostname !== undefined) {
    event.device = { hostname, type_id: 0, type: 'Unknown' };
    addObservable(event, 'device.hostname', ObservableType.Hostname, hostname);
  }
  event.unmapped = f;
  event.raw_data = record.raw;
  return event;
}

function minimalEvent(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 99, name: 'Other' },
    { time: ctx.receivedAt, severity_id: Severity.Unknown, metadata: { product: { name: 'unknown' } } },
  );
  event.unmapped = record.fields;
  event.raw_data = record.raw;
  return event;
}

function firstString(f: Fields, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = f[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** `host` (a name, or ECS's `{name}`), `hostname`, or a literal `host.name` key. */
function hostnameOf(f: Fields): string | undefined {
  const host = f.host;
  if (typeof host === 'string' && host !== '') return host;
  if (typeof host === 'object' && host !== null && !Array.isArray(host)) {
    const name = (host as Fields).name ?? (host as Fields).hostname;
    if (typeof name === 'string' && name !== '') return name;
  }
  return firstString(f, ['hostname', 'host.name']);
}

/** `product` or `service`, as a name or an object with a name; else `unknown`. */
function productOf(f: Fields): { name: string; vendor_name?: string; version?: string } {
  for (const key of ['product', 'service']) {
    const v = f[key];
    if (typeof v === 'string' && v !== '') return { name: v };
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Fields;
      if (typeof o.name === 'string' && o.name !== '') {
        const product: { name: string; vendor_name?: string; version?: string } = { name: o.name };
        if (typeof o.vendor_name === 'string') product.vendor_name = o.vendor_name;
        else if (typeof o.vendor === 'string') product.vendor_name = o.vendor;
        if (typeof o.version === 'string') product.version = o.version;
        return product;
      }
    }
  }
  return { name: 'unknown' };
}

/** Level names of common loggers and of security tools' severities, as the syslog mapping reads them. */
const SEVERITY_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['fatal', Severity.Fatal],
  ['emerg', Severity.Fatal],
  ['emergency', Severity.Fatal],
  ['panic', Severity.Fatal],
  ['alert', Severity.Critical],
  ['crit', Severity.Critical],
  ['critical', Severity.Critical],
  ['err', Severity.High],
  ['error', Severity.High],
  ['high', Severity.High],
  ['warn', Severity.Medium],
  ['warning', Severity.Medium],
  ['medium', Severity.Medium],
  ['notice', Severity.Low],
  ['low', Severity.Low],
  ['info', Severity.Informational],
  ['information', Severity.Informational],
  ['informational', Severity.Informational],
  ['debug', Severity.Informational],
  ['trace', Severity.Informational],
  ['verbose', Severity.Informational],
]);

/** Syslog severity numbers 0 (emerg) … 7 (debug). */
const SEVERITY_BY_SYSLOG: readonly number[] = [
  Severity.Fatal,
  Severity.Critical,
  Severity.Critical,
  Severity.High,
  Severity.Medium,
  Severity.Low,
  Severity.Informational,
  Severity.Informational,
];

/** pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
const SEVERITY_BY_PINO: Readonly<Record<number, number>> = {
  10: Severity.Informational,
  20: Severity.Informational,
  30: Severity.Informational,
  40: Severity.Medium,
  50: Severity.High,
  60: Severity.Fatal,
};

function severityOf(f: Fields): number {
  for (const name of LEVEL_FIELDS) {
    const v = f[name];
    if (typeof v === 'string') {
      const known = SEVERITY_BY_NAME.get(v.trim().toLowerCase());
      if (known !== undefined) return known;
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      if (v >= 0 && v < SEVERITY_BY_SYSLOG.length) return SEVERITY_BY_SYSLOG[v]!;
      const pino = SEVERITY_BY_PINO[v];
      if (pino !== undefined) return pino;
    }
  }
  return Severity.Unknown;
}
