/**
 * Audit events that arrive as JSON rather than raw lines, brought to the shape the auditd parser
 * produces (AuditEventFields) so one normalizer maps them all:
 * - LAUREL's JSON (`{"ID":"1626611363.720:348501","SYSCALL":{...},"EXECVE":{"ARGV":[...]},...}`),
 * - a raw audit line inside a JSON envelope (a shipper's `message`, Splunk's `_raw`, `log`),
 * - go-libaudit's parsed messages (`raw_msg: "audit(...): ..."` with `record_type`).
 * Pure; `accepts`-time checks are a few property reads.
 */
import {
  archIsLittleEndian,
  decodeSockaddr,
  parseAuditd,
  type AuditEventFields,
  type AuditRecordFields,
} from '../parsers/auditd.js';

type Fields = Record<string, unknown>;

const LAUREL_ID = /^(\d{1,12})\.(\d{1,9}):(\d{1,20})$/;
/** Envelope fields that may hold one raw audit line. */
const LINE_FIELDS = ['message', '_raw', 'log', 'raw', 'event_original'] as const;

/** Where a JSON record holds audit data, if it does (cheap: a few property checks). */
export type AuditJsonKind = 'laurel' | 'line' | 'libaudit';

export function auditJsonKind(f: Fields): AuditJsonKind | undefined {
  const id = f.ID;
  if (typeof id === 'string' && id.length < 48 && LAUREL_ID.test(id)) return 'laurel';
  if (typeof f.raw_msg === 'string' && typeof f.record_type === 'string' && f.raw_msg.startsWith('audit('))
    return 'libaudit';
  for (const name of LINE_FIELDS) {
    const v = f[name];
    if (
      typeof v === 'string' &&
      (v.startsWith('type=') || v.startsWith('node=')) &&
      v.includes(' msg=audit(')
    )
      return 'line';
  }
  return undefined;
}

/** The audit event a JSON record carries, and the envelope fields that are not part of it. */
export function auditEventFromJson(
  f: Fields,
  kind: AuditJsonKind,
): { event: AuditEventFields; envelope?: Fields; host?: string } {
  if (kind === 'laurel') return { event: fromLaurel(f) };
  const envelope: Fields = { ...f };
  let text: string;
  if (kind === 'libaudit') {
    text = `type=${String(f.record_type).toUpperCase()} msg=${String(f.raw_msg)}`;
    delete envelope.raw_msg;
  } else {
    const name = LINE_FIELDS.find(
      (n) => typeof f[n] === 'string' && (f[n] as string).includes(' msg=audit('),
    )!;
    text = f[name] as string;
    delete envelope[name];
  }
  const event = parseAuditd(text).fields as AuditEventFields;
  const host = hostOf(f);
  return host === undefined ? { event, envelope } : { event, envelope, host };
}

/** The host a shipper's envelope names (`host.name`, `hostname`, `host`). */
function hostOf(f: Fields): string | undefined {
  const host = f.host;
  if (host !== null && typeof host === 'object' && typeof (host as Fields).name === 'string')
    return (host as Fields).name as string;
  for (const v of [f.hostname, f.host, f.computer_name]) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// LAUREL

/** Types LAUREL writes as lists though an event holds one (kept as arrays by the parser only for PATH etc.). */
const PARSER_ARRAY_TYPES = new Set(['PATH', 'OBJ_PID', 'AVC', 'USER_AVC', 'SELINUX_ERR', 'NETFILTER_PKT']);

/** What LAUREL adds to events (parent process, environment, script, labels): not record types. */
const LAUREL_ADDITIONS = new Set(['PARENT_INFO', 'ENV', 'SCRIPT', 'LABELS', 'CONTAINER_INFO']);

function fromLaurel(f: Fields): AuditEventFields {
  const m = LAUREL_ID.exec(f.ID as string)!;
  const millis = m[2]!.slice(0, 3).padEnd(3, '0');
  const event: AuditEventFields = {
    id: f.ID as string,
    time: Number(m[1]) * 1000 + Number(millis),
    timestamp: `${m[1]}.${m[2]}`,
    serial: Number(m[3]),
    types: [],
  };
  if (typeof f.NODE === 'string') event.node = f.NODE;
  for (const [key, value] of Object.entries(f)) {
    if (key === 'ID' || key === 'NODE') continue;
    if (LAUREL_ADDITIONS.has(key)) {
      // LAUREL's own enrichments: kept by name, not audit records.
      event[key] = value;
      continue;
    }
    if (!/^[A-Z0-9_[\]]+$/.test(key) || value === null || typeof value !== 'object') {
      // LAUREL's own additions (enrichments, container info) keep their names.
      (event.extra ??= []).push({ type: key, value });
      continue;
    }
    event.types.push(key);
    const records = (Array.isArray(value) ? value : [value]).filter(
      (r): r is Fields => r !== null && typeof r === 'object' && !Array.isArray(r),
    );
    const converted = records.map((r) => laurelRecord(key, r));
    if (PARSER_ARRAY_TYPES.has(key)) event[key] = converted;
    else if (converted.length > 0) {
      event[key] = converted[0];
      for (const more of converted.slice(1)) (event.extra ??= []).push({ type: key, ...more });
    }
  }
  const sockaddr = event.SOCKADDR as AuditRecordFields | undefined;
  if (sockaddr) laurelSockaddr(sockaddr, archIsLittleEndian((event.SYSCALL as Fields | undefined)?.arch));
  return event;
}

/** One LAUREL record → the parser's shape: EXECVE/PROCTITLE `ARGV` become `argv` / `proctitle`. */
function laurelRecord(type: string, r: Fields): AuditRecordFields {
  const out: AuditRecordFields = { ...r };
  if (type === 'EXECVE' && Array.isArray(r.ARGV)) {
    out.argv = r.ARGV.map((a) => (typeof a === 'string' ? a : String(a)));
    delete out.ARGV;
  } else if (type === 'PROCTITLE' && Array.isArray(r.ARGV)) {
    out.proctitle = r.ARGV.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
    delete out.ARGV;
  } else if (type === 'SYSCALL') {
    if (typeof r.arch === 'string' && r.arch.startsWith('0x')) out.arch = r.arch.slice(2);
    // The four syscall arguments, as the raw format names them (a0..a3, hex without 0x).
    if (Array.isArray(r.ARGV)) {
      r.ARGV.slice(0, 4).forEach((a, i) => {
        if (typeof a === 'string') out[`a${i}`] = a.startsWith('0x') ? a.slice(2) : a;
      });
      delete out.ARGV;
    }
  }
  return out;
}

/**
 * LAUREL's SOCKADDR: `saddr` percent-encoded bytes and, when it could interpret them, `SADDR`
 * (`{ saddr_fam=inet laddr=10.0.0.1 lport=4444 }`). Family, address and port as the parser names them.
 */
function laurelSockaddr(rec: AuditRecordFields, littleEndian: boolean | undefined): void {
  if (typeof rec.saddr !== 'string') return;
  const bytes = Buffer.from(percentBytes(rec.saddr));
  const addr = decodeSockaddr(bytes.toString('hex'), littleEndian);
  if (!addr) return;
  rec.family = addr.family;
  if (addr.addr !== undefined) rec.addr = addr.addr;
  if (addr.port !== undefined) rec.port = addr.port;
  if (addr.path !== undefined) rec.path = addr.path;
}

/** `%01%00/var%00` → the bytes (a `%` not followed by two hex digits is itself). */
function percentBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else out.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return out;
}
