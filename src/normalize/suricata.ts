/**
 * Suricata EVE JSON → OCSF. One record per `event_type`: alert → Detection Finding (2004) with the
 * signature as the analytic, severity 1-3 as High/Medium/Low, ATT&CK from the rule's metadata and
 * the IPS action (security_control profile); anomaly → Detection Finding (informational protocol
 * anomaly); flow/netflow and tls, ssh, smb, ... → Network Activity (4001); dns → DNS Activity (4003),
 * reading the v1 (one answer per record), v2 (`answers`/`grouped`) and v3 (`queries`) layouts;
 * http → HTTP Activity (4002); fileinfo → File System Activity (1001, on the receiving host); krb5
 * with a client → Authentication (3002); drop → Network Activity Refuse; stats → Base Event.
 *
 * `flow_id` becomes connection_info.uid and metadata.correlation_uid (a flow's alerts, app-layer
 * records and flow record share it), `community_id` connection_info.community_uid. Everything not
 * mapped stays in `unmapped` under its EVE name. Pure, and never throws.
 */
import type { ParsedRecord } from '../parsers/record.js';
import {
  bool,
  compact,
  connectionInfo,
  count,
  endpoint,
  FieldReader,
  hashAlgorithm,
  hasRequiredAttributes,
  int,
  ipOf,
  list,
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
import { httpActivity, httpMethod, httpUrl } from './zeek.js';

type Fields = Record<string, unknown>;
type Activity = { id: number; name: string };
type Metadata = OcsfMetadata & { correlation_uid?: string };

const PRODUCT = { name: 'Suricata', vendor_name: 'OISF' };

export const suricataNormalizer: Normalizer = {
  name: 'suricata',
  accepts: (record) => record.format === 'json' && looksLikeEve(record.fields),
  normalize(record, ctx) {
    try {
      return normalizeEve(record, ctx);
    } catch (error) {
      return failedEvent(record, ctx, `normalize_error: ${String(error)}`);
    }
  },
};

/** An EVE record: `timestamp`, `event_type`, and the object named after the type, or a flow id. */
export function looksLikeEve(f: Fields): boolean {
  const type = f.event_type;
  if (typeof type !== 'string' || f.timestamp === undefined) return false;
  return (
    f.flow_id !== undefined || f.src_ip !== undefined || (typeof f[type] === 'object' && f[type] !== null)
  );
}

interface Eve {
  f: FieldReader;
  type: string;
  time: number;
  originalTime?: string;
  ctx: NormalizeContext;
  /** What was not mapped of nested objects (`alert`, `dns`...), by object name: goes to `unmapped`. */
  leftovers?: Fields;
}

function normalizeEve(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  let eve = prepare(record, ctx);
  const mapper = MAPPERS[eve.type];
  let event = mapper?.(eve);
  if (event === undefined && hasEndpoints(eve.f)) event = mapGeneric(eve);
  if (event === undefined || !hasRequiredAttributes(event)) {
    // Start over with nothing marked as mapped, so every field lands in unmapped.
    eve = prepare(record, ctx);
    event = mapBase(eve);
  }
  return finish(eve, event, record);
}

function prepare(record: ParsedRecord, ctx: NormalizeContext): Eve {
  const f = new FieldReader(record.fields);
  const type = str(f.get('event_type')) ?? 'unknown';
  const raw = f.peek('timestamp');
  const time = f.take('timestamp', (v) => timestampToMs(v, ctx.timezone));
  return {
    f,
    type,
    time: time ?? ctx.receivedAt,
    ctx,
    ...(raw !== undefined ? { originalTime: String(raw) } : {}),
  };
}

function hasEndpoints(f: FieldReader): boolean {
  return ipOf(f.peek('src_ip')) !== undefined || ipOf(f.peek('dest_ip')) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// shared parts

function start(
  eve: Eve,
  cls: OcsfClassInfo,
  activity: Activity,
  severity: number = Severity.Informational,
): OcsfEvent {
  return ocsfEvent(cls, activity, {
    time: eve.time,
    severity_id: severity,
    metadata: {
      product: PRODUCT,
      log_name: 'eve',
      event_code: eve.type,
      ...(eve.originalTime !== undefined ? { original_time: eve.originalTime } : {}),
    },
  });
}

interface ConnectionParts {
  src?: Fields;
  dst?: Fields;
  connection: Fields;
}

/** The flow's endpoints and connection info (flow_id as uid, community id, protocol). */
function readConnection(f: FieldReader): ConnectionParts {
  const src = endpoint({ ip: f.peek('src_ip'), port: f.peek('src_port') });
  const dst = endpoint({ ip: f.peek('dest_ip'), port: f.peek('dest_port') });
  if (src) f.consume('src_ip', ...(src.port !== undefined ? ['src_port'] : []));
  if (dst) f.consume('dest_ip', ...(dst.port !== undefined ? ['dest_port'] : []));
  const connection = connectionInfo({
    uid: f.get('flow_id'),
    protocol: f.get('proto'),
    communityId: f.get('community_id'),
    ...(src?.ip ? { ip: src.ip as string } : dst?.ip ? { ip: dst.ip as string } : {}),
  });
  return compact({ src, dst, connection });
}

function placeConnection(event: OcsfEvent, parts: ConnectionParts): void {
  if (parts.src) event.src_endpoint = parts.src;
  if (parts.dst) event.dst_endpoint = parts.dst;
  event.connection_info = parts.connection;
}

function networkEvent(eve: Eve, cls: OcsfClassInfo, activity: Activity): OcsfEvent {
  const event = start(eve, cls, activity);
  placeConnection(event, readConnection(eve.f));
  const app = str(eve.f.peek('app_proto'));
  if (app && app !== 'failed') {
    eve.f.consume('app_proto');
    event.app_protocol_name = app;
  }
  return event;
}

/** The nested object of an EVE record (`alert`, `dns`...), read with its own record of what was mapped. */
function nested(f: FieldReader, name: string): FieldReader | undefined {
  const value = f.peek(name);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  f.consume(name);
  return new FieldReader(value as Fields);
}

/** Put what was not mapped of a nested object back under its name in `unmapped`. */
function keepRest(eve: Eve, name: string, reader: FieldReader | undefined): void {
  if (!reader) return;
  const rest = reader.rest();
  if (Object.keys(rest).length > 0) (eve.leftovers ??= {})[name] = rest;
}

function finish(eve: Eve, event: OcsfEvent, record: ParsedRecord): OcsfEvent {
  const f = eve.f;
  const metadata = event.metadata as Metadata;
  const flow = str(f.peek('flow_id'));
  if (flow) metadata.correlation_uid = flow;
  // The sensor (EVE `host`, the configured sensor-name) and its capture interface: the reporting
  // device, except in File System Activity, whose device is the host the file went to.
  if (event.class_uid !== OcsfClass.FileSystemActivity.uid && event.device === undefined) {
    const device = compact({
      hostname: str(f.peek('host')),
      interface_name: str(f.peek('in_iface')),
    } as Fields);
    if (Object.keys(device).length > 0) {
      f.consume('host', 'in_iface');
      event.device = { ...device, type_id: 13, type: 'IDS' };
      metadata.profiles = [...new Set([...(metadata.profiles ?? []), 'host'])];
      addObservable(event, 'device.hostname', ObservableType.Hostname, device.hostname);
    }
  }
  for (const name of ['src_endpoint', 'dst_endpoint']) {
    const ep = event[name] as Fields | undefined;
    if (!ep) continue;
    addObservable(event, `${name}.ip`, ObservableType.IPAddress, ep.ip);
    addObservable(event, `${name}.hostname`, ObservableType.Hostname, ep.hostname);
  }
  event.severity = SEVERITY_CAPTIONS[event.severity_id] ?? 'Unknown';
  const rest = { ...f.rest(), ...eve.leftovers };
  if (Object.keys(rest).length > 0) event.unmapped = rest;
  event.raw_data = record.raw;
  return event;
}

function failedEvent(record: ParsedRecord, ctx: NormalizeContext, reason: string): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 0, name: 'Unknown' },
    {
      time: ctx.receivedAt,
      severity_id: Severity.Unknown,
      metadata: { product: PRODUCT, log_name: 'eve' },
      message: `Suricata record not read: ${reason}`,
    },
  );
  event.severity = SEVERITY_CAPTIONS[Severity.Unknown];
  event.unmapped = { ...record.fields, '#error': reason };
  event.raw_data = record.raw;
  return event;
}

// ---------------------------------------------------------------------------------------------
// event types

type Mapper = (eve: Eve) => OcsfEvent | undefined;

const MAPPERS: Readonly<Record<string, Mapper>> = {
  alert: mapAlert,
  anomaly: mapAnomaly,
  flow: mapFlow,
  netflow: mapFlow,
  dns: mapDns,
  http: mapHttp,
  tls: mapTls,
  fileinfo: mapFileinfo,
  ssh: mapSsh,
  krb5: mapKrb5,
  drop: mapDrop,
  stats: mapBase,
};

/** Suricata alert severity (1 highest) → OCSF severity_id. */
export function alertSeverity(severity: number | undefined, signatureSeverity?: string): number {
  if (severity === 1)
    return signatureSeverity?.toLowerCase() === 'critical' ? Severity.Critical : Severity.High;
  if (severity === 2) return Severity.Medium;
  if (severity === 3) return Severity.Low;
  if (severity !== undefined && severity > 3) return Severity.Informational;
  return Severity.Unknown;
}

const CONFIDENCE: Readonly<Record<string, { id: number; name: string }>> = {
  low: { id: 1, name: 'Low' },
  medium: { id: 2, name: 'Medium' },
  high: { id: 3, name: 'High' },
};

function mapAlert(eve: Eve): OcsfEvent {
  const f = eve.f;
  const a = nested(f, 'alert') ?? new FieldReader({});
  const meta = a.peek('metadata');
  const m =
    meta !== null && typeof meta === 'object' && !Array.isArray(meta)
      ? new FieldReader(meta as Fields)
      : undefined;
  if (m) a.consume('metadata');
  const sid = a.take('signature_id', int);
  const gid = a.take('gid', int);
  const rev = a.take('rev', int);
  const signature = a.take('signature', str) ?? (sid !== undefined ? `signature ${sid}` : 'Suricata alert');
  const category = a.take('category', str);
  const signatureSeverity = m ? strings(m.peek('signature_severity'))[0] : undefined;
  const severity = alertSeverity(a.take('severity', int), signatureSeverity);
  if (signatureSeverity && severity === Severity.Critical) m?.consume('signature_severity');
  const event = start(eve, OcsfClass.DetectionFinding, { id: 1, name: 'Create' }, severity);
  const parts = readConnection(f);
  const attacks = m ? attacksOf(m) : [];
  const reference = strings(a.peek('references'))[0];
  event.finding_info = compact({
    uid: [
      `${gid ?? 1}:${sid ?? 0}:${rev ?? 0}`,
      str(parts.connection.uid) ?? '',
      eve.originalTime ?? eve.time,
    ].join('|'),
    title: signature,
    analytic: compact({
      uid: sid !== undefined ? String(sid) : undefined,
      name: signature,
      type_id: 1,
      type: 'Rule',
      category,
      version: rev !== undefined ? String(rev) : undefined,
    } as Fields),
    types: category ? [category] : undefined,
    attacks: attacks.length > 0 ? attacks : undefined,
    src_url: reference && /^https?:\/\//.test(reference) ? reference : undefined,
    created_time: eve.time,
  } as Fields);
  event.message = signature;
  event.is_alert = true;
  const confidence = m ? strings(m.peek('confidence'))[0]?.toLowerCase() : undefined;
  if (confidence && CONFIDENCE[confidence]) {
    m!.consume('confidence');
    event.confidence_id = CONFIDENCE[confidence].id;
    event.confidence = CONFIDENCE[confidence].name;
  }
  const action = a.take('action', str);
  if (action) {
    const blocked = action === 'blocked' || action === 'drop' || action === 'rejected';
    event.action_id = blocked ? 2 : 1;
    event.action = blocked ? 'Denied' : 'Allowed';
    event.disposition_id = blocked ? 2 : 15;
    event.disposition = blocked ? 'Blocked' : 'Detected';
    (event.metadata as Metadata).profiles = ['security_control'];
  }
  const evidence: Fields = compact({
    src_endpoint: parts.src,
    dst_endpoint: parts.dst,
    connection_info: parts.connection,
  });
  addAppLayerEvidence(eve, evidence, event);
  event.evidences = [evidence];
  addObservable(event, 'evidences.src_endpoint.ip', ObservableType.IPAddress, parts.src?.ip);
  addObservable(event, 'evidences.dst_endpoint.ip', ObservableType.IPAddress, parts.dst?.ip);
  const alertRest = a.rest();
  const metaRest = m?.rest() ?? {};
  if (Object.keys(metaRest).length > 0) alertRest.metadata = metaRest;
  if (Object.keys(alertRest).length > 0) (eve.leftovers ??= {}).alert = alertRest;
  return event;
}

/** ATT&CK from ET/Suricata rule metadata (`mitre_tactic_id`, `mitre_technique_id`, ... lists). */
export function attacksOf(m: FieldReader): Fields[] {
  const tacticIds = strings(m.peek('mitre_tactic_id'));
  const tacticNames = strings(m.peek('mitre_tactic_name'));
  const techniqueIds = strings(m.peek('mitre_technique_id'));
  const techniqueNames = strings(m.peek('mitre_technique_name'));
  const n = Math.max(tacticIds.length, techniqueIds.length, tacticNames.length, techniqueNames.length);
  const attacks: Fields[] = [];
  const label = (s: string | undefined) => s?.replaceAll('_', ' ');
  for (let i = 0; i < n; i++) {
    const tactic = compact({ uid: tacticIds[i], name: label(tacticNames[i]) } as Fields);
    const techniqueId = techniqueIds[i];
    const techniqueName = label(techniqueNames[i]);
    const attack: Fields = {};
    if (Object.keys(tactic).length > 0) attack.tactic = tactic;
    if (techniqueId?.includes('.')) {
      attack.technique = { uid: techniqueId.slice(0, techniqueId.indexOf('.')) };
      attack.sub_technique = compact({ uid: techniqueId, name: techniqueName } as Fields);
    } else {
      const technique = compact({ uid: techniqueId, name: techniqueName } as Fields);
      if (Object.keys(technique).length > 0) attack.technique = technique;
    }
    if (Object.keys(attack).length > 0) attacks.push(attack);
  }
  if (attacks.length > 0)
    m.consume('mitre_tactic_id', 'mitre_tactic_name', 'mitre_technique_id', 'mitre_technique_name');
  return attacks;
}

/** The alert's app-layer context (http, tls, dns) as evidence attributes; the rest stays unmapped. */
function addAppLayerEvidence(eve: Eve, evidence: Fields, event: OcsfEvent): void {
  const f = eve.f;
  const http = nested(f, 'http');
  if (http) {
    const request = httpRequest(http, int(f.peek('dest_port')));
    if (Object.keys(request).length > 0) evidence.http_request = request;
    const url = request.url as Fields | undefined;
    if (url) {
      evidence.url = url;
      addObservable(event, 'evidences.url.url_string', ObservableType.URLString, url.url_string);
    }
    keepRest(eve, 'http', http);
  }
  const tls = nested(f, 'tls');
  if (tls) {
    const t = tlsObject(tls);
    if (t) {
      evidence.tls = t;
      addObservable(event, 'evidences.tls.sni', ObservableType.Hostname, t.sni);
    }
    keepRest(eve, 'tls', tls);
  }
  const dns = nested(f, 'dns');
  if (dns) {
    const q = dnsQuery(dns);
    if (q) {
      evidence.query = q;
      addObservable(event, 'evidences.query.hostname', ObservableType.Hostname, q.hostname);
    }
    keepRest(eve, 'dns', dns);
  }
}

function mapAnomaly(eve: Eve): OcsfEvent {
  const f = eve.f;
  const a = nested(f, 'anomaly') ?? new FieldReader({});
  const name = a.take('event', str) ?? str(a.peek('type')) ?? 'anomaly';
  const kind = a.take('type', str);
  const event = start(eve, OcsfClass.DetectionFinding, { id: 1, name: 'Create' }, Severity.Informational);
  const parts = readConnection(f);
  event.finding_info = compact({
    uid: [name, str(parts.connection.uid) ?? parts.src?.ip ?? '', eve.originalTime ?? eve.time].join('|'),
    title: name,
    analytic: compact({ name, type_id: 1, type: 'Rule', category: kind } as Fields),
    types: ['Protocol Anomaly'],
    created_time: eve.time,
  } as Fields);
  event.message = name;
  event.is_alert = false;
  const evidence = compact({
    src_endpoint: parts.src,
    dst_endpoint: parts.dst,
    connection_info:
      parts.connection.uid !== undefined || parts.src || parts.dst ? parts.connection : undefined,
  });
  if (Object.keys(evidence).length > 0) event.evidences = [evidence];
  addObservable(event, 'evidences.src_endpoint.ip', ObservableType.IPAddress, parts.src?.ip);
  addObservable(event, 'evidences.dst_endpoint.ip', ObservableType.IPAddress, parts.dst?.ip);
  keepRest(eve, 'anomaly', a);
  return event;
}

/** flow (both directions) and netflow (one direction) records → connection summaries. */
function mapFlow(eve: Eve): OcsfEvent {
  const f = eve.f;
  const flow = nested(f, eve.type) ?? new FieldReader({});
  const state = str(flow.peek('state'));
  const event = networkEvent(
    eve,
    OcsfClass.NetworkActivity,
    state === 'closed' ? { id: 2, name: 'Close' } : { id: 6, name: 'Traffic' },
  );
  if (state) {
    flow.consume('state');
    event.status_code = state;
  }
  const reason = flow.take('reason', str);
  if (reason) event.status_detail = `Flow ended: ${reason}`;
  const traffic: Fields = compact({
    packets_out: flow.take('pkts_toserver', count),
    packets_in: flow.take('pkts_toclient', count),
    bytes_out: flow.take('bytes_toserver', count),
    bytes_in: flow.take('bytes_toclient', count),
    packets: flow.take('pkts', count),
    bytes: flow.take('bytes', count),
  });
  if (traffic.bytes === undefined && (traffic.bytes_out !== undefined || traffic.bytes_in !== undefined)) {
    traffic.bytes = ((traffic.bytes_out as number) ?? 0) + ((traffic.bytes_in as number) ?? 0);
  }
  if (
    traffic.packets === undefined &&
    (traffic.packets_out !== undefined || traffic.packets_in !== undefined)
  ) {
    traffic.packets = ((traffic.packets_out as number) ?? 0) + ((traffic.packets_in as number) ?? 0);
  }
  if (Object.keys(traffic).length > 0) event.traffic = traffic;
  const startTime = flow.take('start', (v) => timestampToMs(v, eve.ctx.timezone));
  const endTime = flow.take('end', (v) => timestampToMs(v, eve.ctx.timezone));
  if (startTime !== undefined) event.start_time = startTime;
  if (endTime !== undefined) event.end_time = endTime;
  if (startTime !== undefined && endTime !== undefined && endTime >= startTime)
    event.duration = endTime - startTime;
  const tcp = nested(f, 'tcp');
  const flags = tcp ? tcp.peek('tcp_flags') : undefined;
  if (tcp && typeof flags === 'string' && /^[0-9a-f]{1,4}$/i.test(flags)) {
    tcp.consume('tcp_flags');
    (event.connection_info as Fields).tcp_flags = parseInt(flags, 16);
  }
  keepRest(eve, 'tcp', tcp);
  keepRest(eve, eve.type, flow);
  return event;
}

/** DNS RCODE names → OCSF rcode_id. */
const RCODES: Readonly<Record<string, number>> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
};

const OPCODES = ['Query', 'Inverse Query', 'Status', 'Reserved', 'Notify', 'Update', 'DSO Message'];

/** The question of a DNS record in any EVE layout (v1/v2 top-level rrname, v3 queries[], v2 query[]). */
function dnsQuery(d: FieldReader): Fields | undefined {
  const first = (name: string): FieldReader | undefined => {
    const items = list(d.peek(name));
    const item = items[0];
    return item !== null && typeof item === 'object' && !Array.isArray(item)
      ? new FieldReader(item as Fields)
      : undefined;
  };
  let q: FieldReader | undefined;
  let source: string | undefined;
  if (d.has('rrname')) q = d;
  else if ((q = first('queries'))) source = 'queries';
  else if ((q = first('query'))) source = 'query';
  const hostname = q ? str(q.peek('rrname')) : undefined;
  if (!q || !hostname) return undefined;
  const single = source === undefined || list(d.peek(source)).length === 1;
  const take = <T>(name: string, convert: (v: unknown) => T | undefined) =>
    single ? q!.take(name, convert) : convert(q!.peek(name));
  const query: Fields = compact({
    hostname: take('rrname', str),
    type: take('rrtype', str),
    packet_uid: (() => {
      const id = int(d.peek('id') ?? q.peek('id'));
      return id !== undefined && id >= 0 && id <= 65535 ? id : undefined;
    })(),
  });
  if (query.packet_uid !== undefined) (d.has('id') ? d : q).consume('id');
  const opcode = int(d.peek('opcode') ?? q.peek('opcode'));
  if (opcode !== undefined && opcode >= 0 && opcode < OPCODES.length) {
    (d.has('opcode') ? d : q).consume('opcode');
    query.opcode_id = opcode;
    query.opcode = OPCODES[opcode];
  }
  if (source && single) {
    const rest = q.rest();
    if (Object.keys(rest).length === 0) d.consume(source);
  }
  return query;
}

const DNS_FLAGS: readonly [string, number, string][] = [
  ['aa', 1, 'Authoritative Answer'],
  ['tc', 2, 'Truncated Response'],
  ['rd', 3, 'Recursion Desired'],
  ['ra', 4, 'Recursion Available'],
];

function mapDns(eve: Eve): OcsfEvent {
  const f = eve.f;
  const d = nested(f, 'dns') ?? new FieldReader({});
  const type = str(d.peek('type'));
  const activity =
    type === 'query' || type === 'request'
      ? { id: 1, name: 'Query' }
      : type === 'answer' || type === 'response'
        ? { id: 2, name: 'Response' }
        : { id: 0, name: 'Unknown' };
  if (activity.id !== 0) d.consume('type');
  const event = networkEvent(eve, OcsfClass.DnsActivity, activity);
  event.app_protocol_name ??= 'dns';
  const query = dnsQuery(d);
  if (query) {
    event.query = query;
    addObservable(event, 'query.hostname', ObservableType.Hostname, query.hostname);
  }
  const rcode = d.take('rcode', str);
  if (rcode) {
    event.rcode = rcode;
    event.rcode_id = RCODES[rcode.toUpperCase()] ?? 99;
  }
  const flags = DNS_FLAGS.filter(([name]) => bool(d.peek(name)) === true);
  const answers = dnsAnswers(d, flags);
  if (answers.length > 0) {
    for (const [name] of DNS_FLAGS) if (bool(d.peek(name)) !== undefined) d.consume(name);
    event.answers = answers;
    for (const a of answers) {
      const rdata = a.rdata as string;
      addObservable(
        event,
        'answers.rdata',
        ipOf(rdata) ? ObservableType.IPAddress : ObservableType.Hostname,
        rdata,
      );
    }
  }
  keepRest(eve, 'dns', d);
  return event;
}

/** DNS answers from v1 (rdata at top level), v2/v3 (`answers` list) or v2 `grouped` by type. */
function dnsAnswers(d: FieldReader, flags: readonly [string, number, string][]): Fields[] {
  const withFlags = (a: Fields): Fields =>
    flags.length > 0 ? { ...a, flag_ids: flags.map(([, id]) => id), flags: flags.map(([, , c]) => c) } : a;
  const ttlOf = (v: unknown) => {
    const n = int(v);
    return n !== undefined && n >= 0 ? n : undefined;
  };
  const rdata = str(d.peek('rdata'));
  if (rdata) {
    d.consume('rdata');
    // v1: one answer per record, its name and type at the top level (the question's, for the first answer).
    return [withFlags(compact({ rdata, type: str(d.peek('rrtype')), ttl: d.take('ttl', ttlOf) }))];
  }
  const items = list(d.peek('answers'));
  if (items.length > 0) {
    const answers: Fields[] = [];
    for (const item of items) {
      if (item === null || typeof item !== 'object') continue;
      const a = item as Fields;
      const value = str(a.rdata);
      if (value) answers.push(withFlags(compact({ rdata: value, type: str(a.rrtype), ttl: ttlOf(a.ttl) })));
    }
    // `grouped` (v2) repeats the same answers by type: mapped with them.
    if (answers.length === items.length) d.consume('answers', 'grouped');
    return answers;
  }
  const grouped = d.peek('grouped');
  if (grouped !== null && typeof grouped === 'object' && !Array.isArray(grouped)) {
    const answers: Fields[] = [];
    let all = true;
    for (const [type, values] of Object.entries(grouped as Fields)) {
      for (const v of list(values)) {
        const value = str(v);
        if (value) answers.push(withFlags({ rdata: value, type }));
        else all = false;
      }
    }
    if (all && answers.length > 0) d.consume('grouped');
    return answers;
  }
  return [];
}

/** An EVE http object → OCSF http_request (url, method, user agent, referrer, version, headers). */
function httpRequest(h: FieldReader, port: number | undefined): Fields {
  const method = h.take('http_method', httpMethod);
  const url = httpUrl(str(h.peek('hostname')), str(h.peek('url')), int(h.peek('http_port')) ?? port);
  if (url) h.consume('hostname', 'url', ...(h.has('http_port') ? ['http_port'] : []));
  const headers = h.take('request_headers', headerList);
  const xff = h.take('xff', (v) => {
    const ips = String(v ?? '')
      .split(',')
      .map((s) => ipOf(s.trim()));
    return ips.length > 0 && ips.every(Boolean) ? (ips as string[]) : undefined;
  });
  return compact({
    http_method: method,
    url,
    user_agent: h.take('http_user_agent', str),
    referrer: h.take('http_refer', str),
    version: h.take('protocol', str),
    http_headers: headers,
    x_forwarded_for: xff,
  });
}

/** EVE `[{name, value}]` headers → OCSF http_header list (only when every item is well formed). */
function headerList(value: unknown): Fields[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: Fields[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object') return undefined;
    const { name, value: v } = item as Fields;
    if (typeof name !== 'string' || typeof v !== 'string') return undefined;
    out.push({ name, value: v });
  }
  return out;
}

function mapHttp(eve: Eve): OcsfEvent {
  const f = eve.f;
  const h = nested(f, 'http') ?? new FieldReader({});
  const event = networkEvent(eve, OcsfClass.HttpActivity, httpActivity(str(h.peek('http_method'))));
  event.app_protocol_name ??= 'http';
  const request = httpRequest(h, (event.dst_endpoint as Fields | undefined)?.port as number | undefined);
  if (Object.keys(request).length > 0) {
    event.http_request = request;
    const url = request.url as Fields | undefined;
    addObservable(event, 'http_request.url.url_string', ObservableType.URLString, url?.url_string);
    addObservable(event, 'http_request.url.hostname', ObservableType.Hostname, url?.hostname);
    addObservable(event, 'http_request.user_agent', ObservableType.HTTPUserAgent, request.user_agent);
  }
  const code = h.take('status', int);
  if (code !== undefined) {
    event.http_response = compact({
      code,
      body_length: h.take('length', count),
      content_type: h.take('http_content_type', str),
      http_headers: h.take('response_headers', headerList),
    });
  }
  keepRest(eve, 'http', h);
  return event;
}

/** An EVE tls object → OCSF tls (version required: 'Unknown' when Suricata did not log one). */
function tlsObject(t: FieldReader): Fields | undefined {
  const tls: Fields = compact({
    version: t.take('version', str),
    sni: t.take('sni', str),
    ja3_hash: t.take('ja3', (v) => md5Of(v)),
    ja3s_hash: t.take('ja3s', (v) => md5Of(v)),
  });
  const issuer = str(t.peek('issuerdn'));
  const serial = str(t.peek('serial'));
  if (issuer && serial) {
    t.consume('issuerdn', 'serial');
    const cert: Fields = compact({
      issuer,
      serial_number: serial,
      subject: t.take('subject', str),
      created_time: t.take('notbefore', (v) => timestampToMs(v, undefined)),
      expiration_time: t.take('notafter', (v) => timestampToMs(v, undefined)),
    });
    const fp = t.take('fingerprint', (v) => {
      const text = str(v);
      const algo = text ? hashAlgorithm(text) : undefined;
      return text && algo ? { algorithm_id: algo.id, algorithm: algo.name, value: text } : undefined;
    });
    if (fp) cert.fingerprints = [fp];
    const sans = t.take('subjectaltname', (v) => {
      const names = strings(v);
      return names.length > 0
        ? names.map((name) => ({ name, type: ipOf(name) ? 'IP Address' : 'DNS' }))
        : undefined;
    });
    if (sans) cert.sans = sans;
    tls.certificate = cert;
  }
  if (Object.keys(tls).length === 0) return undefined;
  tls.version ??= 'Unknown';
  return tls;
}

/** `{hash, string}` (ja3/ja3s) → an MD5 fingerprint. */
function md5Of(value: unknown): Fields | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const hash = str((value as Fields).hash);
  return hash ? { algorithm_id: 1, algorithm: 'MD5', value: hash } : undefined;
}

function mapTls(eve: Eve): OcsfEvent {
  const f = eve.f;
  const t = nested(f, 'tls') ?? new FieldReader({});
  const event = networkEvent(eve, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  event.app_protocol_name ??= 'tls';
  const ja4 = t.take('ja4', str);
  if (ja4) event.ja4_fingerprint_list = [{ type_id: 1, type: 'JA4', value: ja4 }];
  const tls = tlsObject(t);
  if (tls) {
    event.tls = tls;
    addObservable(event, 'tls.sni', ObservableType.Hostname, tls.sni);
  }
  keepRest(eve, 'tls', t);
  return event;
}

/** fileinfo → File System Activity on the host the file went to (EVE orients it as the file moved). */
function mapFileinfo(eve: Eve): OcsfEvent | undefined {
  const f = eve.f;
  const receiver = ipOf(f.peek('dest_ip'));
  const fi = f.peek('fileinfo');
  if (!receiver || fi === null || typeof fi !== 'object') return undefined;
  const info = nested(f, 'fileinfo')!;
  f.consume('dest_ip');
  const event = start(eve, OcsfClass.FileSystemActivity, { id: 99, name: 'Network Transfer' });
  event.device = { ip: receiver, type_id: 0, type: 'Unknown' };
  event.actor = { app_name: str(f.get('app_proto')) ?? 'unknown' };
  const filename = info.take('filename', str);
  const base = filename
    ? filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1)
    : '';
  const file: Fields = compact({
    name: base || filename || 'unknown',
    type_id: 1,
    type: 'Regular File',
    path: filename && base && base !== filename ? filename : undefined,
    size: info.take('size', count),
    uid: info.take('file_id', str),
  });
  const hashes: Fields[] = [];
  for (const [field, id, name] of [
    ['md5', 1, 'MD5'],
    ['sha1', 2, 'SHA-1'],
    ['sha256', 3, 'SHA-256'],
  ] as const) {
    const value = info.take(field, str);
    if (!value) continue;
    hashes.push({ algorithm_id: id, algorithm: name, value });
    addObservable(event, 'file.hashes.value', ObservableType.Hash, value);
  }
  if (hashes.length > 0) file.hashes = hashes;
  event.file = file;
  addObservable(event, 'file.name', ObservableType.FileName, file.name);
  addObservable(event, 'device.ip', ObservableType.IPAddress, receiver);
  const sender = ipOf(f.peek('src_ip'));
  if (sender) addObservable(event, 'unmapped.src_ip', ObservableType.IPAddress, sender);
  const flow = f.take('flow_id', str);
  if (flow) event.connection_uid = flow;
  keepRest(eve, 'fileinfo', info);
  return event;
}

function mapSsh(eve: Eve): OcsfEvent {
  const f = eve.f;
  const event = networkEvent(eve, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  event.app_protocol_name ??= 'ssh';
  const ssh = f.peek('ssh') as Fields | undefined;
  // HASSH fingerprints; the software versions stay in unmapped with the rest of the ssh object.
  const hassh = (side: unknown) => {
    const h = side !== null && typeof side === 'object' ? (side as Fields).hassh : undefined;
    return h !== null && typeof h === 'object' ? str((h as Fields).hash) : undefined;
  };
  const client = hassh(ssh?.client);
  const server = hassh(ssh?.server);
  const src = event.src_endpoint as Fields | undefined;
  const dst = event.dst_endpoint as Fields | undefined;
  if (src && client) src.fingerprints = [{ algorithm_id: 20, algorithm: 'HASSH', value: client }];
  if (dst && server) dst.fingerprints = [{ algorithm_id: 20, algorithm: 'HASSH', value: server }];
  return event;
}

/** krb5 with a client name → Authentication; without one, a Network Activity like other protocols. */
function mapKrb5(eve: Eve): OcsfEvent | undefined {
  const f = eve.f;
  const k = f.peek('krb5');
  if (k === null || typeof k !== 'object') return undefined;
  const cname = str((k as Fields).cname);
  if (!cname || cname === '<empty>') return undefined;
  const krb = nested(f, 'krb5')!;
  krb.consume('cname');
  const msgType = str(krb.peek('msg_type')) ?? '';
  const activity = /^KRB_AS_/.test(msgType)
    ? { id: 3, name: 'Authentication Ticket' }
    : /^KRB_TGS_/.test(msgType)
      ? { id: 4, name: 'Service Ticket Request' }
      : { id: 0, name: 'Unknown' };
  const event = start(eve, OcsfClass.Authentication, activity);
  const parts = readConnection(f);
  if (parts.src) event.src_endpoint = parts.src;
  if (parts.dst) event.dst_endpoint = parts.dst;
  event.user = compact({ name: cname, domain: krb.take('realm', str) });
  addObservable(event, 'user.name', ObservableType.UserName, cname);
  event.auth_protocol_id = 2;
  event.auth_protocol = 'Kerberos';
  event.is_remote = true;
  const sname = krb.take('sname', str);
  if (sname) event.service = { name: sname };
  const failed = bool(krb.peek('failed_request')) === true || msgType === 'KRB_ERROR';
  const error = str(krb.peek('error_code'));
  setStatus(event, failed ? Status.Failure : Status.Success, failed ? error : undefined);
  keepRest(eve, 'krb5', krb);
  return event;
}

/** drop: a packet the IPS dropped → Network Activity, Refuse, with the security control's action. */
function mapDrop(eve: Eve): OcsfEvent {
  const event = networkEvent(eve, OcsfClass.NetworkActivity, { id: 5, name: 'Refuse' });
  setStatus(event, Status.Failure, 'Dropped by Suricata');
  event.action_id = 2;
  event.action = 'Denied';
  event.disposition_id = 6;
  event.disposition = 'Dropped';
  (event.metadata as Metadata).profiles = ['security_control'];
  return event;
}

/** Any other event about a flow (smb, smtp, ftp, rdp, dhcp, quic...) → Network Activity, Traffic. */
function mapGeneric(eve: Eve): OcsfEvent {
  const event = networkEvent(eve, OcsfClass.NetworkActivity, { id: 6, name: 'Traffic' });
  event.app_protocol_name ??= eve.type;
  return event;
}

/** Records about Suricata itself (stats) or without a flow → Base Event. */
function mapBase(eve: Eve): OcsfEvent {
  const event = start(eve, OcsfClass.BaseEvent, { id: 99, name: 'Other' });
  event.message = eve.type === 'stats' ? 'Suricata engine statistics' : `Suricata ${eve.type} record`;
  return event;
}
