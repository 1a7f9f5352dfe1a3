/**
 * Zeek logs → OCSF, from the `zeek-tsv` decoder (src/parsers/zeek.ts) or from Zeek's JSON writer
 * (dotted `id.orig_h` or underscore `id_orig_h` keys; `ts` as epoch seconds or ISO text). The log
 * type comes from `_path` (TSV header, json-streaming-logs), `@stream` (Kafka/otrf shippers), or
 * else from the fields the record has (conn has `conn_state`, dns `qtype_name`...).
 *
 * Classes: conn, ssl, x509, ssh, dhcp and every other log about a connection → Network Activity
 * (4001); dns → DNS Activity (4003); http → HTTP Activity (4002); kerberos and ntlm with a user →
 * Authentication (3002); files → File System Activity (1001: the file lands on the receiving host);
 * notice and weird → Detection Finding (2004: Zeek's own detections; weird as informational
 * protocol anomalies); logs about Zeek itself or inventories (stats, reporter, software,
 * known_hosts...) → Base Event. The connection uid is kept as connection_info.uid and as
 * metadata.correlation_uid on every class, so queries join across logs. Every field not mapped is
 * kept in `unmapped` by its original name. Pure, and never throws.
 */
import type { ParsedRecord } from '../parsers/record.js';
import { ZEEK_ERROR_KEY, ZEEK_FORMAT } from '../parsers/zeek.js';
import {
  bool,
  compact,
  connectionInfo,
  count,
  Direction,
  endpoint,
  FieldReader,
  hashAlgorithm,
  hasRequiredAttributes,
  int,
  ipOf,
  list,
  num,
  secondsToMs,
  setStatus,
  Status,
  str,
  strings,
  timestampToMs,
} from './network.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import {
  addObservable,
  ObservableType,
  OcsfClass,
  ocsfEvent,
  Severity,
  SEVERITY_CAPTIONS,
  type OcsfClassInfo,
  type OcsfEvent,
  type OcsfMetadata,
} from './ocsf.js';

type Fields = Record<string, unknown>;
type Activity = { id: number; name: string };
type Metadata = OcsfMetadata & { correlation_uid?: string };

const PRODUCT = { name: 'Zeek', vendor_name: 'Zeek' };

export const zeekNormalizer: Normalizer = {
  name: 'zeek',
  accepts: (record) =>
    record.format === ZEEK_FORMAT || (record.format === 'json' && looksLikeZeekJson(record.fields)),
  normalize(record, ctx) {
    try {
      return normalizeZeek(record, ctx);
    } catch (error) {
      return unreadableEvent(record, ctx, `normalize_error: ${String(error)}`);
    }
  },
};

/** Cheap test that a JSON record came from Zeek: its path/stream tag, or `ts` with Zeek's ids. */
export function looksLikeZeekJson(f: Fields): boolean {
  if (typeof f._path === 'string' && (f.ts !== undefined || f._write_ts !== undefined)) return true;
  if (f['@proc'] === 'zeek' || f._system_name !== undefined) return true;
  if (f.ts === undefined || f.event_type !== undefined) return false;
  return (
    f.uid !== undefined ||
    f['id.orig_h'] !== undefined ||
    f.id_orig_h !== undefined ||
    f.fuid !== undefined ||
    f.uids !== undefined ||
    f['certificate.serial'] !== undefined ||
    f.certificate_serial !== undefined ||
    (typeof f.id === 'string' && /^F[0-9A-Za-z]{8,}$/.test(f.id)) ||
    (f.filter !== undefined && f.node !== undefined) ||
    (typeof f.notice === 'boolean' && typeof f.name === 'string') ||
    f.analyzer_kind !== undefined
  );
}

/** What a mapper works with. */
interface Zeek {
  f: FieldReader;
  path: string;
  time: number;
  originalTime?: string;
  ctx: NormalizeContext;
}

function normalizeZeek(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const error = str(record.fields[ZEEK_ERROR_KEY]);
  if (error !== undefined) {
    return unreadableEvent(record, ctx, error, str(record.fields._path) ?? str(record.fields['@stream']));
  }
  let z = prepare(record, ctx);
  const mapper = MAPPERS[z.path] ?? (hasConnection(z.f) ? mapConnectionLog : mapBaseEvent);
  let event = mapper(z);
  if (event === undefined && hasConnection(z.f)) event = mapConnectionLog(z);
  if (event === undefined || !hasRequiredAttributes(event)) {
    // Start over with nothing marked as mapped, so every field lands in unmapped.
    z = prepare(record, ctx);
    event = mapBaseEvent(z);
  }
  return finish(z, event, record);
}

/** A fresh view of the record: its log type, time and nothing yet mapped. */
function prepare(record: ParsedRecord, ctx: NormalizeContext): Zeek {
  const f = new FieldReader(record.fields);
  const path = str(f.get('_path')) ?? str(f.get('@stream')) ?? inferZeekPath(f);
  const tsValue = f.peek('ts');
  const time = f.take('ts', (v) => timestampToMs(v, ctx.timezone));
  return {
    f,
    path: path ?? 'unknown',
    time: time ?? ctx.receivedAt,
    ...(tsValue !== undefined ? { originalTime: String(tsValue) } : {}),
    ctx,
  };
}

// ---------------------------------------------------------------------------------------------
// log type inference (JSON without _path / @stream)

/** Field signatures of Zeek's logs, most specific first. */
const SIGNATURES: readonly [string, (f: FieldReader) => boolean][] = [
  ['notice', (f) => f.has('note')],
  ['weird', (f) => f.has('name') && typeof f.peek('notice') === 'boolean'],
  ['conn', (f) => f.has('conn_state') || (f.has('history') && f.has('orig_pkts'))],
  [
    'dns',
    (f) =>
      f.has('qtype_name') ||
      f.has('rcode_name') ||
      (f.has('trans_id') && (f.has('query') || f.has('rejected'))),
  ],
  ['sip', (f) => f.has('call_id') || f.has('request_from') || f.has('request_path')],
  [
    'http',
    (f) =>
      (f.has('method') && (f.has('uri') || f.has('host'))) ||
      f.has('resp_mime_types') ||
      f.has('request_body_len'),
  ],
  ['kerberos', (f) => f.has('request_type') || (f.has('client') && f.has('service') && f.has('till'))],
  ['ssl', (f) => f.has('established') || f.has('server_name') || f.has('ja3') || f.has('ssl_history')],
  ['x509', (f) => f.has('certificate.serial') || f.has('certificate.subject')],
  ['files', (f) => f.has('fuid') && (f.has('seen_bytes') || f.has('mime_type') || f.has('source'))],
  ['dhcp', (f) => f.has('msg_types') || f.has('assigned_addr') || (f.has('mac') && f.has('lease_time'))],
  ['ssh', (f) => f.has('auth_success') || f.has('auth_attempts') || f.has('hassh') || f.has('host_key')],
  ['ntlm', (f) => f.has('server_nb_computer_name') || f.has('domainname')],
  ['rdp', (f) => f.has('cookie') || f.has('security_protocol') || f.has('keyboard_layout')],
  ['smb_files', (f) => /^SMB::/.test(String(f.peek('action') ?? '')) || f.has('times.modified')],
  ['smb_mapping', (f) => f.has('share_type') || f.has('native_file_system')],
  ['dce_rpc', (f) => f.has('endpoint') && f.has('operation')],
  ['analyzer', (f) => f.has('analyzer_kind') || (f.has('analyzer_name') && f.has('cause'))],
  ['dpd', (f) => f.has('failure_reason') && f.has('analyzer')],
  ['ftp', (f) => f.has('command') && (f.has('reply_code') || f.has('reply_msg'))],
  ['smtp', (f) => f.has('helo') || f.has('mailfrom') || f.has('rcptto') || f.has('last_reply')],
  ['snmp', (f) => f.has('get_requests') || f.has('community')],
  ['ntp', (f) => f.has('stratum') || f.has('ref_id')],
  ['syslog', (f) => f.has('facility') && f.has('severity') && f.has('message')],
  ['mysql', (f) => f.has('cmd') && (f.has('arg') || f.has('rows') || f.has('response'))],
  ['socks', (f) => f.has('request.host') || f.has('bound.host') || f.has('request.name')],
  ['tunnel', (f) => f.has('tunnel_type')],
  ['dnp3', (f) => f.has('fc_request') || f.has('fc_reply')],
  ['mqtt_connect', (f) => f.has('connect_status')],
  ['mqtt_publish', (f) => f.has('topic') && f.has('payload_len')],
  ['mqtt_subscribe', (f) => f.has('topics') && f.has('action')],
  ['rfb', (f) => f.has('desktop_name') || f.has('client_major_version')],
  ['software', (f) => f.has('software_type') || f.has('unparsed_version')],
  ['known_services', (f) => f.has('port_num') && f.has('port_proto')],
  ['known_certs', (f) => f.has('issuer_subject')],
  ['pe', (f) => f.has('machine') && (f.has('compile_ts') || f.has('is_exe'))],
  ['ocsp', (f) => f.has('hashAlgorithm') || f.has('certStatus')],
  ['packet_filter', (f) => f.has('filter') && f.has('node')],
  ['capture_loss', (f) => f.has('percent_lost')],
  ['stats', (f) => f.has('pkts_proc') || f.has('events_proc')],
  ['reporter', (f) => f.has('level') && f.has('message') && f.has('location')],
  [
    'known_hosts',
    (f) => f.has('host') && Object.keys(f.raw).every((k) => ZEEK_META_KEYS.has(k) || k === 'host'),
  ],
  ['loaded_scripts', (f) => typeof f.peek('name') === 'string' && !f.has('ts')],
];

/** Keys shippers add around Zeek's own fields. */
const ZEEK_META_KEYS = new Set(['ts', '_path', '_write_ts', '_system_name', '@stream', '@system', '@proc']);

/** The Zeek log a record came from, by its fields; undefined when no signature fits. */
export function inferZeekPath(f: FieldReader): string | undefined {
  for (const [path, test] of SIGNATURES) if (test(f)) return path;
  return undefined;
}

function hasConnection(f: FieldReader): boolean {
  return ipOf(f.peek('id.orig_h')) !== undefined || ipOf(f.peek('id.resp_h')) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// shared parts

/** A new event of `cls` with Zeek's metadata. */
function start(
  z: Zeek,
  cls: OcsfClassInfo,
  activity: Activity,
  severity: number = Severity.Informational,
): OcsfEvent {
  return ocsfEvent(cls, activity, {
    time: z.time,
    severity_id: severity,
    metadata: {
      product: PRODUCT,
      log_name: z.path,
      ...(z.originalTime !== undefined ? { original_time: z.originalTime } : {}),
    },
  });
}

interface ConnectionParts {
  src?: Record<string, unknown>;
  dst?: Record<string, unknown>;
  connection: Record<string, unknown>;
}

/** The connection 4-tuple and what Zeek knows about it (uid, protocol, community id, direction). */
function readConnection(f: FieldReader, direction?: number): ConnectionParts {
  const proto = str(f.peek('proto'));
  const icmp = proto !== undefined && /^icmp/i.test(proto);
  // For ICMP, Zeek writes the type and code as the "ports": they stay in unmapped under their names.
  const src = endpoint({
    ip: f.peek('id.orig_h'),
    port: icmp ? undefined : f.peek('id.orig_p'),
    mac: f.peek('orig_l2_addr'),
  });
  const dst = endpoint({
    ip: f.peek('id.resp_h'),
    port: icmp ? undefined : f.peek('id.resp_p'),
    mac: f.peek('resp_l2_addr'),
  });
  if (src) {
    f.consume('id.orig_h');
    if (src.port !== undefined) f.consume('id.orig_p');
    if (src.mac !== undefined) f.consume('orig_l2_addr');
  }
  if (dst) {
    f.consume('id.resp_h');
    if (dst.port !== undefined) f.consume('id.resp_p');
    if (dst.mac !== undefined) f.consume('resp_l2_addr');
  }
  const country = (name: string, ep?: Record<string, unknown>) => {
    const cc = ep ? f.take(name, str) : undefined;
    if (cc && ep) ep.location = { country: cc };
  };
  country('orig_cc', src);
  country('resp_cc', dst);
  const connection = connectionInfo({
    uid: f.get('uid'),
    protocol: f.get('proto'),
    protocolNum: f.take('ip_proto', int),
    communityId: f.get('community_id'),
    history: f.get('history'),
    direction: direction ?? localDirection(f),
    ...(src?.ip ? { ip: src.ip as string } : dst?.ip ? { ip: dst.ip as string } : {}),
  });
  return compact({ src, dst, connection });
}

/** Zeek's local_orig/local_resp → inbound, outbound or lateral. */
function localDirection(f: FieldReader): number | undefined {
  const orig = bool(f.peek('local_orig'));
  const resp = bool(f.peek('local_resp'));
  if (orig === undefined || resp === undefined) return undefined;
  f.consume('local_orig', 'local_resp');
  if (orig && resp) return Direction.Lateral;
  if (orig) return Direction.Outbound;
  if (resp) return Direction.Inbound;
  return Direction.Unknown;
}

/** Put the connection on a network-class event (4001-4003). */
function placeConnection(event: OcsfEvent, parts: ConnectionParts): void {
  if (parts.src) event.src_endpoint = parts.src;
  if (parts.dst) event.dst_endpoint = parts.dst;
  event.connection_info = parts.connection;
}

/** A network-class event of `cls` with the record's connection. */
function networkEvent(z: Zeek, cls: OcsfClassInfo, activity: Activity, direction?: number): OcsfEvent {
  const event = start(z, cls, activity);
  placeConnection(event, readConnection(z.f, direction));
  return event;
}

function setDuration(z: Zeek, event: OcsfEvent, field = 'duration'): void {
  const ms = z.f.take(field, secondsToMs);
  if (ms === undefined) return;
  event.duration = ms;
  event.start_time = z.time;
  event.end_time = z.time + ms;
}

/** Final touches every event gets: correlation uid, sensor, observables, unmapped. */
function finish(z: Zeek, event: OcsfEvent, record: ParsedRecord): OcsfEvent {
  const f = z.f;
  const metadata = event.metadata as Metadata;
  const uid =
    str(f.peek('uid')) ??
    strings(f.peek('uids'))[0] ??
    strings(f.peek('conn_uids'))[0] ??
    str(f.peek('fuid')) ??
    (z.path === 'x509' || z.path === 'pe' || z.path === 'ocsp' ? str(f.peek('id')) : undefined);
  if (uid) metadata.correlation_uid = uid;
  const sensor = str(f.peek('_system_name')) ?? str(f.peek('@system'));
  // The sensor that logged the event is the reporting device (host profile), except in File System
  // Activity, whose device is the host the file went to.
  if (sensor && event.class_uid !== OcsfClass.FileSystemActivity.uid && event.device === undefined) {
    f.consume('_system_name', '@system');
    event.device = { hostname: sensor, type_id: 13, type: 'IDS' };
    metadata.profiles = [...new Set([...(metadata.profiles ?? []), 'host'])];
    addObservable(event, 'device.hostname', ObservableType.Hostname, sensor);
  }
  for (const name of ['src_endpoint', 'dst_endpoint']) {
    const ep = event[name] as Fields | undefined;
    if (!ep) continue;
    addObservable(event, `${name}.ip`, ObservableType.IPAddress, ep.ip);
    addObservable(event, `${name}.hostname`, ObservableType.Hostname, ep.hostname);
    addObservable(event, `${name}.mac`, ObservableType.MACAddress, ep.mac);
  }
  event.severity = SEVERITY_CAPTIONS[event.severity_id] ?? 'Unknown';
  const rest = f.rest();
  if (Object.keys(rest).length > 0) event.unmapped = rest;
  event.raw_data = record.raw;
  return event;
}

/** A record that could not be read (a bad TSV line) or mapped: a Base Event carrying the reason. */
function unreadableEvent(
  record: ParsedRecord,
  ctx: NormalizeContext,
  reason: string,
  path?: string,
): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 0, name: 'Unknown' },
    {
      time: ctx.receivedAt,
      severity_id: Severity.Unknown,
      metadata: { product: PRODUCT, log_name: path ?? 'zeek' },
      message: `Zeek record not read: ${reason}`,
    },
  );
  event.severity = SEVERITY_CAPTIONS[Severity.Unknown];
  event.unmapped = {
    ...record.fields,
    ...(record.fields[ZEEK_ERROR_KEY] === undefined ? { [ZEEK_ERROR_KEY]: reason } : {}),
  };
  event.raw_data = record.raw;
  return event;
}

// ---------------------------------------------------------------------------------------------
// per-log mappers (undefined: the record lacks what the class needs; the generic mapping takes it)

type Mapper = (z: Zeek) => OcsfEvent | undefined;

const MAPPERS: Readonly<Record<string, Mapper>> = {
  conn: mapConn,
  dns: mapDns,
  http: mapHttp,
  ssl: mapSsl,
  files: mapFiles,
  notice: mapNotice,
  weird: mapWeird,
  ssh: mapSsh,
  kerberos: mapKerberos,
  ntlm: mapNtlm,
  dhcp: mapDhcp,
  reporter: mapBaseEvent,
};

/** conn_state → activity, as the OCSF Zeek mapping reads it; with Zeek's description of the state. */
const CONN_STATES: Readonly<
  Record<string, { activity: Activity; status?: (typeof Status)[keyof typeof Status]; text: string }>
> = {
  S0: {
    activity: { id: 4, name: 'Fail' },
    status: Status.Failure,
    text: 'Connection attempt seen, no reply',
  },
  S1: { activity: { id: 6, name: 'Traffic' }, text: 'Connection established, not terminated' },
  SF: {
    activity: { id: 2, name: 'Close' },
    status: Status.Success,
    text: 'Normal establishment and termination',
  },
  REJ: { activity: { id: 5, name: 'Refuse' }, status: Status.Failure, text: 'Connection attempt rejected' },
  S2: {
    activity: { id: 6, name: 'Traffic' },
    text: 'Established, originator attempted close, no reply from responder',
  },
  S3: {
    activity: { id: 6, name: 'Traffic' },
    text: 'Established, responder attempted close, no reply from originator',
  },
  RSTO: {
    activity: { id: 2, name: 'Close' },
    status: Status.Success,
    text: 'Established, originator aborted (sent a RST)',
  },
  RSTR: { activity: { id: 2, name: 'Close' }, status: Status.Success, text: 'Responder sent a RST' },
  RSTOS0: {
    activity: { id: 6, name: 'Traffic' },
    text: 'Originator sent a SYN followed by a RST, no SYN-ACK from the responder',
  },
  RSTRH: {
    activity: { id: 2, name: 'Close' },
    text: 'Responder sent a SYN ACK followed by a RST, no SYN from the originator',
  },
  SH: {
    activity: { id: 2, name: 'Close' },
    text: 'Originator sent a SYN followed by a FIN, no SYN ACK from the responder',
  },
  SHR: {
    activity: { id: 2, name: 'Close' },
    text: 'Responder sent a SYN ACK followed by a FIN, no SYN from the originator',
  },
  OTH: { activity: { id: 6, name: 'Traffic' }, text: 'No SYN seen, just midstream traffic' },
};

function mapConn(z: Zeek): OcsfEvent {
  const f = z.f;
  const state = str(f.peek('conn_state'));
  const known = state !== undefined ? CONN_STATES[state] : undefined;
  const event = networkEvent(z, OcsfClass.NetworkActivity, known?.activity ?? { id: 6, name: 'Traffic' });
  if (state !== undefined) {
    f.consume('conn_state');
    event.status_code = state;
    if (known?.status) setStatus(event, known.status);
    if (known) event.status_detail = known.text;
  }
  const service = f.take('service', (v) => strings(v).join(',') || undefined);
  if (service) event.app_protocol_name = service;
  setDuration(z, event);
  const traffic: Fields = {};
  const put = (key: string, field: string) => {
    const n = f.take(field, count);
    if (n !== undefined) traffic[key] = n;
  };
  put('bytes_out', 'orig_bytes');
  put('bytes_in', 'resp_bytes');
  put('packets_out', 'orig_pkts');
  put('packets_in', 'resp_pkts');
  put('bytes_missed', 'missed_bytes');
  sumInto(traffic, 'bytes', 'bytes_out', 'bytes_in');
  sumInto(traffic, 'packets', 'packets_out', 'packets_in');
  if (Object.keys(traffic).length > 0) event.traffic = traffic;
  return event;
}

function sumInto(traffic: Fields, total: string, a: string, b: string): void {
  if (traffic[a] === undefined && traffic[b] === undefined) return;
  const sum = ((traffic[a] as number | undefined) ?? 0) + ((traffic[b] as number | undefined) ?? 0);
  if (Number.isSafeInteger(sum)) traffic[total] = sum;
}

/** DNS RCODEs OCSF enumerates (rcode_id); others are 99 Other. */
const RCODE_IDS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]);

/** DNS header flags Zeek logs → OCSF dns_answer flag ids. */
const DNS_FLAGS: readonly [string, number, string][] = [
  ['AA', 1, 'Authoritative Answer'],
  ['TC', 2, 'Truncated Response'],
  ['RD', 3, 'Recursion Desired'],
  ['RA', 4, 'Recursion Available'],
];

function mapDns(z: Zeek): OcsfEvent {
  const f = z.f;
  const answered = f.has('rcode') || f.has('rcode_name') || f.has('answers');
  const event = networkEvent(
    z,
    OcsfClass.DnsActivity,
    answered ? { id: 6, name: 'Traffic' } : { id: 1, name: 'Query' },
  );
  event.app_protocol_name = 'dns';
  const hostname = f.take('query', str);
  if (hostname !== undefined) {
    event.query = compact({
      hostname,
      type: f.take('qtype_name', str),
      class: f.take('qclass_name', str),
      packet_uid: f.take('trans_id', (v) => {
        const n = int(v);
        return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
      }),
    });
    addObservable(event, 'query.hostname', ObservableType.Hostname, hostname);
  }
  const rcodeName = f.take('rcode_name', str);
  const rcode = int(f.peek('rcode'));
  if (rcodeName) event.rcode = rcodeName;
  if (rcode !== undefined) {
    f.consume('rcode');
    event.rcode_id = RCODE_IDS.has(rcode) ? rcode : 99;
    if (!rcodeName) event.rcode = String(rcode);
  }
  const answers = list(f.peek('answers'));
  if (answers.length > 0 && answers.every((a) => typeof a === 'string')) {
    f.consume('answers');
    const ttls = list(f.get('TTLs'));
    const flags = DNS_FLAGS.filter(([name]) => bool(f.peek(name)) === true);
    for (const [name] of DNS_FLAGS) if (bool(f.peek(name)) !== undefined) f.consume(name);
    event.answers = answers.map((rdata, i) => {
      const ttl = num(ttls[i]);
      return compact({
        rdata: rdata as string,
        ttl: ttl !== undefined && ttl >= 0 ? Math.round(ttl) : undefined,
        packet_uid: (event.query as Fields | undefined)?.packet_uid,
        flag_ids: flags.length > 0 ? flags.map(([, id]) => id) : undefined,
        flags: flags.length > 0 ? flags.map(([, , caption]) => caption) : undefined,
      });
    });
    for (const a of answers) addObservable(event, 'answers.rdata', dnsAnswerType(a as string), a);
  }
  const rtt = f.take('rtt', secondsToMs);
  if (rtt !== undefined) {
    event.query_time = z.time;
    event.response_time = z.time + rtt;
    event.duration = rtt;
    event.start_time = z.time;
    event.end_time = z.time + rtt;
  }
  const rejected = bool(f.peek('rejected'));
  if (rejected !== undefined) {
    f.consume('rejected');
    setStatus(
      event,
      rejected ? Status.Failure : Status.Success,
      rejected ? 'Query rejected by the server' : undefined,
    );
  }
  return event;
}

function dnsAnswerType(rdata: string): number {
  return ipOf(rdata) ? ObservableType.IPAddress : ObservableType.Hostname;
}

/** HTTP methods → HTTP Activity activity ids. */
const HTTP_ACTIVITIES: Readonly<Record<string, number>> = {
  CONNECT: 1,
  DELETE: 2,
  GET: 3,
  HEAD: 4,
  OPTIONS: 5,
  POST: 6,
  PUT: 7,
  TRACE: 8,
  PATCH: 9,
};

/** A method as OCSF's http_method enumerates it (upper case), or undefined (WebDAV, junk): kept unmapped. */
export function httpMethod(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return HTTP_ACTIVITIES[upper] !== undefined ? upper : undefined;
}

/** An HTTP method → its HTTP Activity activity (unknown methods are Other, named). */
export function httpActivity(method: string | undefined): Activity {
  if (method === undefined) return { id: 0, name: 'Unknown' };
  const upper = method.toUpperCase();
  const id = HTTP_ACTIVITIES[upper];
  return id !== undefined ? { id, name: upper[0] + upper.slice(1).toLowerCase() } : { id: 99, name: method };
}

/** An OCSF url from a Host header and a request target (absolute targets, as proxies see them, win). */
export function httpUrl(
  host: string | undefined,
  target: string | undefined,
  port?: number,
): Fields | undefined {
  if (target === undefined && host === undefined) return undefined;
  const url: Fields = {};
  if (target !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    url.url_string = target;
    try {
      const u = new URL(target);
      url.scheme = u.protocol.replace(/:$/, '');
      url.hostname = u.hostname;
      url.path = u.pathname;
      if (u.search) url.query_string = u.search.slice(1);
      if (u.port) url.port = Number(u.port);
    } catch {
      // not a URL after all: the text is kept as url_string
    }
    return url;
  }
  if (target !== undefined) {
    const q = target.indexOf('?');
    url.path = q === -1 ? target : target.slice(0, q);
    if (q !== -1 && q + 1 < target.length) url.query_string = target.slice(q + 1);
  }
  if (host !== undefined) {
    url.hostname = host;
    url.scheme = 'http';
    const hostPort = host.includes(':') || port === undefined || port === 80 ? '' : `:${port}`;
    url.url_string = `http://${host}${hostPort}${target ?? ''}`;
  }
  if (url.path === undefined && url.url_string === undefined) return undefined;
  return url;
}

function mapHttp(z: Zeek): OcsfEvent {
  const f = z.f;
  const method = str(f.peek('method'));
  const event = networkEvent(z, OcsfClass.HttpActivity, httpActivity(method));
  event.app_protocol_name = 'http';
  const request: Fields = {};
  const known = f.take('method', httpMethod);
  if (known) request.http_method = known;
  const host = str(f.peek('host'));
  const uri = str(f.peek('uri'));
  const url = httpUrl(host, uri, (event.dst_endpoint as Fields | undefined)?.port as number | undefined);
  if (url) {
    f.consume('host', 'uri');
    request.url = url;
    addObservable(event, 'http_request.url.url_string', ObservableType.URLString, url.url_string);
    addObservable(event, 'http_request.url.hostname', ObservableType.Hostname, url.hostname);
  }
  const ua = f.take('user_agent', str);
  if (ua) {
    request.user_agent = ua;
    addObservable(event, 'http_request.user_agent', ObservableType.HTTPUserAgent, ua);
  }
  Object.assign(
    request,
    compact({
      referrer: f.take('referrer', str),
      version: f.take('version', str),
      body_length: f.take('request_body_len', count),
    }),
  );
  const origin = f.take('origin', str);
  if (origin) request.http_headers = [{ name: 'Origin', value: origin }];
  if (Object.keys(request).length > 0) event.http_request = request;
  const code = f.take('status_code', int);
  if (code !== undefined) {
    event.http_response = compact({
      code,
      status: f.take('status_msg', str),
      body_length: f.take('response_body_len', count),
    });
  }
  return event;
}

function fingerprint(value: string, algorithm?: { id: number; name: string }): Fields | undefined {
  const algo = algorithm ?? hashAlgorithm(value);
  return algo ? { algorithm_id: algo.id, algorithm: algo.name, value } : undefined;
}

function mapSsl(z: Zeek): OcsfEvent {
  const f = z.f;
  const event = networkEvent(z, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  event.app_protocol_name = 'ssl';
  const established = bool(f.peek('established'));
  const validation = str(f.peek('validation_status'));
  if (established !== undefined) {
    f.consume('established');
    setStatus(
      event,
      established ? Status.Success : Status.Failure,
      established ? undefined : 'Handshake not completed',
    );
  }
  if (validation) {
    f.consume('validation_status');
    event.status_detail = validation;
  }
  const tls = compact({
    version: f.take('version', str),
    cipher: f.take('cipher', str),
    sni: f.take('server_name', str),
    ja3_hash: f.take('ja3', (v) =>
      typeof v === 'string' ? fingerprint(v, { id: 1, name: 'MD5' }) : undefined,
    ),
    ja3s_hash: f.take('ja3s', (v) =>
      typeof v === 'string' ? fingerprint(v, { id: 1, name: 'MD5' }) : undefined,
    ),
  } as Fields);
  if (Object.keys(tls).length > 0) {
    // OCSF requires the version; a handshake Zeek did not see to the end has none.
    tls.version ??= 'Unknown';
    event.tls = tls;
    addObservable(event, 'tls.sni', ObservableType.Hostname, tls.sni);
  }
  return event;
}

/** files.log → File System Activity on the host that received the file; undefined without one. */
function mapFiles(z: Zeek): OcsfEvent | undefined {
  const f = z.f;
  const receiver = fileReceiver(f);
  const source = str(f.peek('source'));
  if (!receiver || !source) return undefined;
  f.consume(receiver.field, 'source');
  const event = start(z, OcsfClass.FileSystemActivity, { id: 99, name: 'Network Transfer' });
  event.device = { ip: receiver.ip, type_id: 0, type: 'Unknown' };
  event.actor = { app_name: source };
  const fuid = f.take('fuid', str);
  const filename = f.take('filename', str);
  const file: Fields = compact({
    name: filename ? baseName(filename) : (fuid ?? 'unknown'),
    type_id: 1,
    type: 'Regular File',
    path: filename && baseName(filename) !== filename ? filename : undefined,
    uid: fuid,
    mime_type: f.take('mime_type', str),
    size: f.take('total_bytes', count) ?? f.take('seen_bytes', count),
  });
  const hashes: Fields[] = [];
  for (const [field, id, name] of [
    ['md5', 1, 'MD5'],
    ['sha1', 2, 'SHA-1'],
    ['sha256', 3, 'SHA-256'],
  ] as const) {
    const value = f.take(field, str);
    if (!value) continue;
    hashes.push({ algorithm_id: id, algorithm: name, value });
    addObservable(event, 'file.hashes.value', ObservableType.Hash, value);
  }
  if (hashes.length > 0) file.hashes = hashes;
  event.file = file;
  addObservable(event, 'file.name', ObservableType.FileName, file.name);
  addObservable(event, 'device.ip', ObservableType.IPAddress, receiver.ip);
  const conn = str(f.peek('uid')) ?? strings(f.peek('conn_uids'))[0];
  if (conn) event.connection_uid = conn;
  setDuration(z, event);
  // The sending host has no attribute in this class: it stays in unmapped, and is searchable.
  const sender =
    receiver.field === 'rx_hosts' ? 'tx_hosts' : receiver.field === 'id.resp_h' ? 'id.orig_h' : 'id.resp_h';
  for (const ip of strings(f.peek(sender))) {
    if (ipOf(ip)) addObservable(event, `unmapped.${sender}`, ObservableType.IPAddress, ip);
  }
  return event;
}

/** The host a file went to: rx_hosts (Zeek ≤ 5), or the side of the connection that did not send it. */
function fileReceiver(f: FieldReader): { ip: string; field: string } | undefined {
  const rx = strings(f.peek('rx_hosts')).map(ipOf);
  if (rx.length === 1 && rx[0]) return { ip: rx[0], field: 'rx_hosts' };
  const isOrig = bool(f.peek('is_orig'));
  if (isOrig === undefined) return undefined;
  const field = isOrig ? 'id.resp_h' : 'id.orig_h';
  const ip = ipOf(f.peek(field));
  return ip ? { ip, field } : undefined;
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut === -1 || cut === path.length - 1 ? path : path.slice(cut + 1);
}

/** Notice namespaces whose notices are about Zeek's own health or inventory, not threats. */
const INFORMATIONAL_NOTICES = new Set(['CaptureLoss', 'PacketFilter', 'Software', 'Conn', 'Signatures']);

function mapNotice(z: Zeek): OcsfEvent {
  const f = z.f;
  const note = str(f.peek('note')) ?? 'unknown';
  f.consume('note');
  const namespace = note.includes('::') ? note.slice(0, note.indexOf('::')) : undefined;
  const informational = namespace !== undefined && INFORMATIONAL_NOTICES.has(namespace);
  const severity = informational
    ? Severity.Informational
    : namespace === 'Weird'
      ? Severity.Low
      : Severity.Medium;
  const msg = f.take('msg', str);
  return findingEvent(z, {
    title: note,
    analytic: compact({ name: note, type_id: 1, type: 'Rule', category: namespace }),
    desc: msg,
    severity,
    isAlert: !informational,
  });
}

function mapWeird(z: Zeek): OcsfEvent {
  const f = z.f;
  const name = str(f.peek('name')) ?? 'unknown';
  f.consume('name');
  const notice = bool(f.peek('notice'));
  if (notice !== undefined) f.consume('notice');
  return findingEvent(z, {
    title: name,
    analytic: compact({ name, type_id: 1, type: 'Rule', category: str(f.peek('source')) }),
    desc: f.take('addl', str),
    severity: Severity.Informational,
    isAlert: notice === true,
    types: ['Protocol Anomaly'],
  });
}

/** A Detection Finding for a notice or weird, with the connection as its evidence. */
function findingEvent(
  z: Zeek,
  facts: {
    title: string;
    analytic: Fields;
    desc?: string;
    severity: number;
    isAlert: boolean;
    types?: string[];
  },
): OcsfEvent {
  const f = z.f;
  const event = start(z, OcsfClass.DetectionFinding, { id: 1, name: 'Create' }, facts.severity);
  const parts = readConnection(f);
  // Notices also name the hosts as src/dst/p when there is no connection (scans, sweeps).
  parts.src ??= endpoint({ ip: f.peek('src') });
  parts.dst ??= endpoint({ ip: f.peek('dst'), port: f.peek('p') });
  if (parts.src?.ip === f.peek('src')) f.consume('src');
  if (parts.dst?.ip === f.peek('dst')) f.consume('dst');
  if (parts.dst?.port !== undefined && parts.dst.port === int(f.peek('p'))) f.consume('p');
  const key = [
    facts.title,
    str(f.peek('uid')) ?? str(f.peek('fuid')) ?? parts.src?.ip ?? '',
    z.originalTime ?? z.time,
  ];
  event.finding_info = compact({
    uid: key.join('|'),
    title: facts.title,
    desc: facts.desc,
    analytic: facts.analytic,
    types: facts.types,
    created_time: z.time,
  });
  if (facts.desc) event.message = facts.desc;
  else event.message = facts.title;
  event.is_alert = facts.isAlert;
  const evidence = compact({
    src_endpoint: parts.src,
    dst_endpoint: parts.dst,
    connection_info: Object.keys(parts.connection).length > 2 ? parts.connection : undefined,
  });
  if (Object.keys(evidence).length > 0) event.evidences = [evidence];
  addObservable(event, 'evidences.src_endpoint.ip', ObservableType.IPAddress, parts.src?.ip);
  addObservable(event, 'evidences.dst_endpoint.ip', ObservableType.IPAddress, parts.dst?.ip);
  return event;
}

function mapSsh(z: Zeek): OcsfEvent {
  const f = z.f;
  const dir = str(f.peek('direction'));
  const direction =
    dir === 'INBOUND' ? Direction.Inbound : dir === 'OUTBOUND' ? Direction.Outbound : undefined;
  if (direction !== undefined) f.consume('direction');
  const event = networkEvent(z, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' }, direction);
  event.app_protocol_name = 'ssh';
  const ok = bool(f.peek('auth_success'));
  if (ok !== undefined) {
    f.consume('auth_success');
    setStatus(
      event,
      ok ? Status.Success : Status.Failure,
      ok ? 'Authentication succeeded' : 'Authentication failed',
    );
  }
  const src = event.src_endpoint as Fields | undefined;
  const dst = event.dst_endpoint as Fields | undefined;
  const hassh = src ? f.take('hassh', str) : undefined;
  if (src && hassh) src.fingerprints = [{ algorithm_id: 20, algorithm: 'HASSH', value: hassh }];
  const prints: Fields[] = [];
  const hasshServer = dst ? f.take('hasshServer', str) : undefined;
  if (hasshServer) prints.push({ algorithm_id: 20, algorithm: 'HASSH', value: hasshServer });
  const hostKey = dst ? f.take('host_key', str) : undefined;
  if (hostKey) {
    const md5 = /^[0-9a-f]{2}(?::[0-9a-f]{2}){15}$/i.test(hostKey);
    prints.push(
      md5
        ? { algorithm_id: 1, algorithm: 'MD5', value: hostKey }
        : { algorithm_id: 99, algorithm: 'host key', value: hostKey },
    );
  }
  if (dst && prints.length > 0) dst.fingerprints = prints;
  return event;
}

/** kerberos.log with a client principal → Authentication (AS: ticket, TGS: service ticket). */
function mapKerberos(z: Zeek): OcsfEvent | undefined {
  const f = z.f;
  const client = str(f.peek('client'));
  if (!client) return undefined;
  f.consume('client');
  const type = str(f.peek('request_type'));
  const activity =
    type === 'AS'
      ? { id: 3, name: 'Authentication Ticket' }
      : type === 'TGS'
        ? { id: 4, name: 'Service Ticket Request' }
        : { id: 0, name: 'Unknown' };
  if (type === 'AS' || type === 'TGS') f.consume('request_type');
  const cut = client.lastIndexOf('/');
  const name = cut > 0 ? client.slice(0, cut) : client;
  const realm = cut > 0 && cut < client.length - 1 ? client.slice(cut + 1) : undefined;
  const service = f.take('service', str);
  return authEvent(z, activity, {
    user: compact({ name, domain: realm }),
    protocol: { id: 2, name: 'Kerberos' },
    ...(service ? { service } : {}),
  });
}

/** ntlm.log with a user name → Authentication (Logon). */
function mapNtlm(z: Zeek): OcsfEvent | undefined {
  const f = z.f;
  const username = str(f.peek('username'));
  if (!username) return undefined;
  f.consume('username');
  const event = authEvent(
    z,
    { id: 1, name: 'Logon' },
    {
      user: compact({ name: username, domain: f.take('domainname', str) }),
      protocol: { id: 1, name: 'NTLM' },
    },
  );
  const src = event.src_endpoint as Fields | undefined;
  const workstation = src ? f.take('hostname', str) : undefined;
  if (src && workstation) src.hostname = workstation;
  const dst = event.dst_endpoint as Fields | undefined;
  const server = dst
    ? (f.take('server_dns_computer_name', str) ?? f.take('server_nb_computer_name', str))
    : undefined;
  if (dst && server) dst.hostname = server;
  const tree = dst ? f.take('server_tree_name', str) : undefined;
  if (dst && tree) dst.domain = tree;
  return event;
}

function authEvent(
  z: Zeek,
  activity: Activity,
  facts: { user: Fields; protocol: { id: number; name: string }; service?: string },
): OcsfEvent {
  const f = z.f;
  const event = start(z, OcsfClass.Authentication, activity);
  const parts = readConnection(f);
  if (parts.src) event.src_endpoint = parts.src;
  if (parts.dst) event.dst_endpoint = parts.dst;
  event.user = facts.user;
  addObservable(event, 'user.name', ObservableType.UserName, facts.user.name);
  event.auth_protocol_id = facts.protocol.id;
  event.auth_protocol = facts.protocol.name;
  event.is_remote = true;
  if (facts.service) event.service = { name: facts.service };
  const ok = bool(f.peek('success'));
  const detail = f.take('error_msg', str) ?? f.take('status', str);
  if (ok !== undefined) {
    f.consume('success');
    setStatus(event, ok ? Status.Success : Status.Failure, detail);
  } else if (detail) event.status_detail = detail;
  return event;
}

function mapDhcp(z: Zeek): OcsfEvent {
  const f = z.f;
  const event = start(z, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  event.app_protocol_name = 'dhcp';
  if (hasConnection(f)) {
    // Zeek before 2.6 logged DHCP per connection, with the assigned address as assigned_ip.
    placeConnection(event, readConnection(f));
  } else {
    const clientField = f.has('client_addr') ? 'client_addr' : 'assigned_addr';
    const src = endpoint({
      ip: f.peek(clientField),
      mac: f.peek('mac'),
      hostname: f.peek('host_name') ?? f.peek('client_fqdn'),
      domain: f.peek('domain'),
    });
    if (src) {
      if (src.ip) f.consume(clientField);
      if (src.mac) f.consume('mac');
      if (src.hostname) f.consume(f.has('host_name') ? 'host_name' : 'client_fqdn');
      if (src.domain) f.consume('domain');
      event.src_endpoint = src;
    }
    const dst = f.take('server_addr', (v) => endpoint({ ip: v }));
    if (dst) event.dst_endpoint = dst;
    event.connection_info = connectionInfo({ uid: strings(f.peek('uids'))[0], protocol: 'udp' });
  }
  const types = strings(f.peek('msg_types'));
  if (types.length > 0) event.message = `DHCP ${types.join(' ')}`;
  setDuration(z, event);
  return event;
}

/** The application protocol of connection logs named otherwise. */
const APP_PROTOCOLS: Readonly<Record<string, string>> = {
  smb_files: 'smb',
  smb_mapping: 'smb',
  mqtt_connect: 'mqtt',
  mqtt_publish: 'mqtt',
  mqtt_subscribe: 'mqtt',
};

/** Any other log about a connection (rdp, smb, ftp, smtp, dce_rpc, dpd...) → Network Activity, Traffic. */
function mapConnectionLog(z: Zeek): OcsfEvent {
  const f = z.f;
  const event = networkEvent(z, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  const failed = f.peek('failure_reason');
  const analyzer = str(f.peek('analyzer')) ?? str(f.peek('analyzer_name'));
  if (typeof failed === 'string') {
    // dpd.log / analyzer.log: a protocol analyzer gave up on the connection.
    f.consume('failure_reason');
    setStatus(event, Status.Failure, failed);
    if (analyzer) event.app_protocol_name = analyzer.toLowerCase();
  } else if (z.path !== 'unknown') event.app_protocol_name = APP_PROTOCOLS[z.path] ?? z.path;
  const okField = ['success', 'auth'].find((name) => bool(f.peek(name)) !== undefined);
  if (okField && event.status_id === undefined) {
    setStatus(event, bool(f.get(okField)) ? Status.Success : Status.Failure);
  }
  const resultField = ['result', 'status', 'connect_status'].find((name) => str(f.peek(name)) !== undefined);
  if (resultField && event.status_detail === undefined) event.status_detail = str(f.get(resultField));
  const message = z.path === 'syslog' ? f.take('message', str) : summary(z.path, f);
  if (message) event.message = message.trimEnd();
  setDuration(z, event);
  return event;
}

/** A one-line description of a protocol log entry, from fields that stay in unmapped. */
function summary(path: string, f: FieldReader): string | undefined {
  const s = (name: string) => str(f.peek(name));
  switch (path) {
    case 'ftp':
      return [s('command'), s('arg')].filter(Boolean).join(' ') || undefined;
    case 'smb_files':
      return (
        [s('action'), [s('path'), s('name')].filter(Boolean).join('\\')].filter(Boolean).join(' ') ||
        undefined
      );
    case 'smb_mapping':
      return s('path');
    case 'dce_rpc':
      return s('endpoint') && s('operation') ? `${s('endpoint')}::${s('operation')}` : undefined;
    case 'rdp':
      return s('cookie') ? `RDP cookie ${s('cookie')}` : undefined;
    case 'mysql':
      return [s('cmd'), s('arg')].filter(Boolean).join(' ') || undefined;
    default:
      return undefined;
  }
}

/**
 * Logs not about a connection (Zeek's own health, inventories, file analysis, x509 certificates,
 * which carry no endpoint a network class needs) → Base Event, every field in unmapped.
 */
function mapBaseEvent(z: Zeek): OcsfEvent {
  const f = z.f;
  const level = str(f.peek('level'));
  const severity =
    level === 'Reporter::ERROR'
      ? Severity.Medium
      : level === 'Reporter::WARNING'
        ? Severity.Low
        : Severity.Informational;
  const event = start(z, OcsfClass.BaseEvent, { id: 99, name: 'Other' }, severity);
  event.message = baseMessage(z) || `Zeek ${z.path} record`;
  // Hosts, names and hashes in these logs stay searchable.
  for (const name of ['host', 'id.orig_h', 'id.resp_h', 'src', 'dst', 'client_addr', 'assigned_addr']) {
    const ip = ipOf(f.peek(name));
    if (ip) addObservable(event, `unmapped.${name}`, ObservableType.IPAddress, ip);
  }
  const fp = str(f.peek('fingerprint'));
  if (fp && hashAlgorithm(fp)) addObservable(event, 'unmapped.fingerprint', ObservableType.Hash, fp);
  for (const name of strings(f.peek('san.dns')))
    addObservable(event, 'unmapped.san.dns', ObservableType.Hostname, name);
  return event;
}

function baseMessage(z: Zeek): string | undefined {
  const f = z.f;
  const s = (name: string) => str(f.peek(name));
  switch (z.path) {
    case 'reporter':
      return f.take('message', str);
    case 'software':
      return [s('name'), s('unparsed_version')].filter(Boolean).join(' ');
    case 'loaded_scripts':
      return s('name');
    case 'known_hosts':
      return s('host') ? `Known host ${s('host')}` : undefined;
    case 'known_services':
      return s('host')
        ? `Known service on ${s('host')}:${s('port_num') ?? '?'}/${s('port_proto') ?? '?'}`
        : undefined;
    case 'x509':
      return s('certificate.subject')
        ? `Certificate ${s('certificate.subject')} issued by ${s('certificate.issuer') ?? 'unknown issuer'}`
        : undefined;
    default:
      return undefined;
  }
}
