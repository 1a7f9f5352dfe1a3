/**
 * OpenTelemetry log records (OTLP, received by src/sources/otlp.ts as format `otlp`) → OCSF 1.8.
 *
 * - Class: Authentication (3002) when the record is about a logon/logoff/authentication and names
 *   the user (`enduser.id`, `user.name`, ...); every other record is a Base Event (class 0,
 *   activity Other), the class OCSF has for application logs that fit no activity class.
 * - `metadata.log_provider = 'otlp'`, `metadata.product.name = 'OpenTelemetry'` (the access rules
 *   treat such events as application data), `metadata.log_name` = instrumentation scope,
 *   `metadata.log_level` = severity text.
 * - Trace correlation: the trace id (hex) is `metadata.correlation_uid` and `unmapped.trace_id`,
 *   the span id `unmapped.span_id`: `unmapped.trace_id=<id>` finds the logs of a trace.
 * - Severity: OTLP severity number ranges → OCSF severity_id (TRACE/DEBUG/INFO Informational,
 *   WARN Medium, ERROR High, FATAL Fatal); without a number, the severity text.
 * - Security-relevant records (authentication, authorization, policy: src/traces/security.ts) get
 *   the label `security` in `metadata.labels` and `unmapped.security_relevant = true`.
 * - Everything else is kept in `unmapped`: `attributes`, `resource`, `scope`, `event_name`,
 *   `severity_number`, `severity_text`, `body` (when not a string), `flags`, times in ns.
 *
 * Pure; never throws on odd content.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { AttributeValue, Attributes } from '../traces/model.js';
import { isSecurityRelevant } from '../traces/security.js';
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

/** The format the OTLP source gives its log records. */
export const OTLP_LOG_FORMAT = 'otlp';

type Metadata = Omit<OcsfMetadata, 'version'> & {
  profiles?: string[];
  log_provider: string;
  log_name?: string;
  log_level?: string;
  correlation_uid?: string;
  labels?: string[];
  original_time?: string;
};

/** OTLP severity number (1..24) → OCSF severity_id. */
export function severityFromOtlp(number: unknown, text: unknown): number {
  if (typeof number === 'number' && number >= 1 && number <= 24) {
    if (number <= 12) return Severity.Informational;
    if (number <= 16) return Severity.Medium;
    if (number <= 20) return Severity.High;
    return Severity.Fatal;
  }
  if (typeof text === 'string') {
    const t = text.trim().toLowerCase();
    if (/^(trace|debug|info)/.test(t)) return Severity.Informational;
    if (t.startsWith('warn')) return Severity.Medium;
    if (t.startsWith('err')) return Severity.High;
    if (t.startsWith('fatal') || t === 'critical' || t === 'crit') return Severity.Fatal;
  }
  return Severity.Unknown;
}

function nsToMs(ns: unknown): number | undefined {
  if (typeof ns !== 'string' || !/^\d+$/.test(ns)) return undefined;
  const ms = ns.length <= 6 ? Number(ns) / 1e6 : Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
  return Math.floor(ms);
}

function attributesOf(v: unknown): Attributes {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Attributes) : {};
}

function text(v: AttributeValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

const USER_KEYS = ['enduser.id', 'enduser.name', 'user.name', 'user.id', 'usr.name', 'user'] as const;
const IP_KEYS = [
  'client.address',
  'source.address',
  'net.peer.ip',
  'net.sock.peer.addr',
  'network.peer.address',
] as const;
const AUTH_WORDS =
  /(^|[^a-z])(auth[a-z]*|log[io]n|logon|logoff|logout|sign[-_. ]?(in|out)|password|mfa)([^a-z]|$)/i;
const LOGOFF_WORDS = /(logoff|logout|sign[-_. ]?out)/i;
const FAILURE_WORDS = /(fail|denied|invalid|reject|forbidden|unauthori[sz]ed|error)/i;
const SUCCESS_WORDS = /(success|succeeded|accepted|granted|allow)/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function firstOf(attributes: Attributes, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = text(attributes[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

export const otlpNormalizer: Normalizer = {
  name: 'otlp',
  accepts: (record) => record.format === OTLP_LOG_FORMAT,
  normalize(record, ctx) {
    try {
      return normalizeOtlp(record, ctx);
    } catch {
      const event = ocsfEvent(
        OcsfClass.BaseEvent,
        { id: 99, name: 'Other' },
        {
          time: ctx.receivedAt,
          severity_id: Severity.Unknown,
          metadata: { product: { name: 'OpenTelemetry' }, log_provider: 'otlp' } as Metadata,
        },
      );
      event.unmapped = record.fields;
      return event;
    }
  },
};

function normalizeOtlp(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const f = record.fields;
  const attributes = attributesOf(f.attributes);
  const resource = attributesOf(f.resource);
  const scope = attributesOf(f.scope);
  const body = f.body as AttributeValue | undefined;
  const message = typeof body === 'string' ? body : undefined;
  const eventName = typeof f.event_name === 'string' ? f.event_name : undefined;
  const time = nsToMs(f.time_unix_nano) ?? nsToMs(f.observed_time_unix_nano) ?? ctx.receivedAt;
  const severityId = severityFromOtlp(f.severity_number, f.severity_text);
  const scopeName = typeof scope.name === 'string' && scope.name !== '' ? scope.name : undefined;
  const hostname = text(resource['host.name']);
  const service = text(resource['service.name']);
  const traceId = typeof f.trace_id === 'string' ? f.trace_id : undefined;

  const names = [eventName ?? '', message ?? ''];
  const security = isSecurityRelevant(names, [attributes]);
  const user = firstOf(attributes, USER_KEYS);
  const authText = [eventName, message, ...Object.keys(attributes)].filter(Boolean).join(' ');
  const authentication = security && user !== undefined && AUTH_WORDS.test(authText);

  const metadata: Metadata = {
    product: { name: 'OpenTelemetry', ...(service ? { vendor_name: service } : {}) },
    log_provider: 'otlp',
    logged_time: ctx.receivedAt,
    ...(scopeName ? { log_name: scopeName } : {}),
    ...(typeof f.severity_text === 'string' && f.severity_text !== '' ? { log_level: f.severity_text } : {}),
    ...(traceId ? { correlation_uid: traceId } : {}),
    ...(security ? { labels: ['security'] } : {}),
    ...(typeof f.time_unix_nano === 'string' ? { original_time: f.time_unix_nano } : {}),
  };
  if (hostname !== undefined) metadata.profiles = ['host'];

  let event: OcsfEvent;
  if (authentication) {
    const logoff = LOGOFF_WORDS.test(authText);
    const outcome = text(attributes['event.outcome']) ?? text(attributes['auth.result']) ?? '';
    const failed =
      FAILURE_WORDS.test(outcome) || (!SUCCESS_WORDS.test(outcome) && FAILURE_WORDS.test(message ?? ''));
    event = ocsfEvent(
      OcsfClass.Authentication,
      logoff ? { id: 2, name: 'Logoff' } : { id: 1, name: 'Logon' },
      { time, severity_id: severityId, metadata, ...(message !== undefined ? { message } : {}) },
    );
    event.user = { name: user };
    // What was logged on to: OCSF asks for a service or a destination endpoint.
    event.service = { name: service ?? scopeName ?? 'unknown' };
    event.status_id = failed ? 2 : 1;
    event.status = failed ? 'Failure' : 'Success';
    addObservable(event, 'user.name', ObservableType.UserName, user);
    const ip = firstOf(attributes, IP_KEYS);
    if (ip !== undefined) {
      event.src_endpoint = { ip };
      if (IPV4.test(ip) || ip.includes(':'))
        addObservable(event, 'src_endpoint.ip', ObservableType.IPAddress, ip);
    }
  } else {
    event = ocsfEvent(
      OcsfClass.BaseEvent,
      { id: 99, name: 'Other' },
      { time, severity_id: severityId, metadata, ...(message !== undefined ? { message } : {}) },
    );
  }
  event.severity = SEVERITY_CAPTIONS[severityId];
  if (hostname !== undefined) {
    event.device = { hostname, type_id: 0, type: 'Unknown' };
    addObservable(event, 'device.hostname', ObservableType.Hostname, hostname);
  }
  const unmapped: Record<string, unknown> = { ...f };
  if (message !== undefined) delete unmapped.body;
  if (security) unmapped.security_relevant = true;
  event.unmapped = unmapped;
  event.raw_data = record.raw;
  return event;
}
