/**
 * Cisco ASA (and FTD, PIX, FWSM) syslog messages → OCSF. A message is `%ASA-<level>-<id>: <text>`;
 * it arrives as a syslog record (where the `%ASA-...:` tag may have been read as the TAG, or follow
 * `: ` after the device id) or, from files a syslog server wrote without the PRI, as a text line.
 *
 * Connections built and torn down (302013-302016, 302020/302021 ICMP), NAT translations
 * (305011/305012) and access-list decisions (106001, 106006, 106015, 106023, 106100, 710003) →
 * Network Activity (4001) with the firewall's action (security_control profile) for denials;
 * AAA and login messages (113004, 113005, 113012, 113015, 605004, 605005, 611101, 611102) →
 * Authentication (3002); command accounting (111008, 111010) and every other message → Base Event
 * with the firewall as the device and the message text. The ASA writes wall-clock times without a
 * zone: they are read in the configured zone. Pure, and never throws.
 */
import { bsdTimestampToMs } from '../parsers/syslog.js';
import type { ParsedRecord } from '../parsers/record.js';
import {
  compact,
  connectionInfo,
  Direction,
  endpoint,
  hasRequiredAttributes,
  int,
  ipOf,
  portOf,
  setStatus,
  Status,
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
import { wallClockToUtc } from './time.js';

type Fields = Record<string, unknown>;
type Activity = { id: number; name: string };
type Metadata = OcsfMetadata & { correlation_uid?: string };

/** `%ASA-6-302013` as a syslog TAG. */
const TAG = /^%(ASA|FTD|PIX|FWSM)-([0-7])-(\d{6})$/;
/** `%ASA-6-302013: text` at the start of a message (after the `: ` some device-id formats leave). */
const PREFIX = /^(?::\s*)?%(ASA|FTD|PIX|FWSM)-([0-7])-(\d{6}):?\s?([\s\S]*)$/;
/** The same anywhere in a line a syslog server wrote to a file (no PRI). */
const IN_TEXT = /^([\s\S]*?)%(ASA|FTD|PIX|FWSM)-([0-7])-(\d{6}):?\s?([\s\S]*)$/;

export const asaNormalizer: Normalizer = {
  name: 'cisco-asa',
  accepts(record) {
    const f = record.fields;
    if (record.format === 'syslog') {
      return (
        (typeof f.app_name === 'string' && TAG.test(f.app_name)) ||
        (typeof f.msg === 'string' && PREFIX.test(f.msg))
      );
    }
    return (
      record.format === 'text' &&
      typeof f.message === 'string' &&
      /%(?:ASA|FTD|PIX|FWSM)-[0-7]-\d{6}/.test(f.message)
    );
  },
  normalize(record, ctx) {
    try {
      return normalizeAsa(record, ctx);
    } catch (error) {
      return failedEvent(record, ctx, `normalize_error: ${String(error)}`);
    }
  },
};

/** One ASA message as read from its envelope. */
export interface AsaMessage {
  product: string;
  level: number;
  id: string;
  text: string;
  hostname?: string;
  timestamp?: string;
  /** Epoch ms when the envelope's timestamp carried a zone. */
  zonedTime?: number;
  /** Envelope fields with no other home (syslog facility, program and pid...). */
  extra: Fields;
}

/** The ASA message in a syslog or text record, or undefined when there is none. */
export function readAsaMessage(record: ParsedRecord): AsaMessage | undefined {
  const f = record.fields;
  if (record.format === 'syslog') {
    const extra: Fields = {};
    for (const key of [
      'facility',
      'severity',
      'facility_name',
      'severity_name',
      'rfc',
      'version',
      'procid',
      'msgid',
      'structured_data',
    ]) {
      if (f[key] !== undefined) extra[key] = f[key];
    }
    const base = {
      ...(typeof f.hostname === 'string' ? { hostname: f.hostname } : {}),
      ...(typeof f.timestamp === 'string' ? { timestamp: f.timestamp } : {}),
      ...(typeof f.time === 'number' &&
      typeof f.timestamp === 'string' &&
      /[Zz]|[+-]\d{2}:?\d{2}$/.test(f.timestamp)
        ? { zonedTime: f.time }
        : {}),
    };
    const msg = typeof f.msg === 'string' ? f.msg : '';
    const tag = typeof f.app_name === 'string' ? TAG.exec(f.app_name) : null;
    if (tag) return { product: tag[1]!, level: +tag[2]!, id: tag[3]!, text: msg, ...base, extra };
    const m = PREFIX.exec(msg);
    if (!m) return undefined;
    if (typeof f.app_name === 'string') extra.program = f.app_name;
    return { product: m[1]!, level: +m[2]!, id: m[3]!, text: m[4]!, ...base, extra };
  }
  const message = typeof f.message === 'string' ? f.message : '';
  const m = IN_TEXT.exec(message);
  if (!m) return undefined;
  return {
    product: m[2]!,
    level: +m[3]!,
    id: m[4]!,
    text: m[5]!.trimEnd(),
    ...readTextHeader(m[1]!),
    extra: {},
  };
}

const BSD =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) +(?:(\d{4}) +)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/i;
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})?/;

/** `Oct 10 2018 12:34:56 fw01 CiscoASA[999]: ` → its timestamp and host (the program is not kept). */
function readTextHeader(prefix: string): { timestamp?: string; hostname?: string } {
  // A PRI the syslog parser did not take (malformed) is skipped.
  let rest = prefix.trim().replace(/^<\d{0,3}>\s*/, '');
  const out: { timestamp?: string; hostname?: string } = {};
  const ts = BSD.exec(rest) ?? ISO.exec(rest);
  if (ts) {
    out.timestamp = ts[0];
    rest = rest.slice(ts[0].length).replace(/^:?\s*/, '');
  }
  const host = /^([A-Za-z0-9_][A-Za-z0-9._:-]*?)(?=\s|$)/.exec(rest);
  if (host && !host[1]!.endsWith(':') && ts) out.hostname = host[1]!;
  return out;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The message time: a zoned envelope time as is; a wall-clock one in the configured zone. */
export function asaTime(msg: AsaMessage, ctx: NormalizeContext): number | undefined {
  if (msg.zonedTime !== undefined) return msg.zonedTime;
  const ts = msg.timestamp;
  if (!ts) return undefined;
  const bsd = BSD.exec(ts);
  if (!bsd) return timestampToMs(ts, ctx.timezone);
  const [, mon, day, year, hour, minute, second, frac] = bsd;
  // Without a year, the year that puts the time nearest before the receive time (as syslog does).
  const y = year ? +year : new Date(bsdTimestampToMs(ts, ctx.receivedAt) ?? ctx.receivedAt).getUTCFullYear();
  if (+day! < 1 || +day! > 31 || +hour! > 23 || +minute! > 59 || +second! > 60) return undefined;
  const t = wallClockToUtc(
    {
      year: y,
      month: MONTHS.indexOf(mon!.toLowerCase()),
      day: +day!,
      hour: +hour!,
      minute: +minute!,
      second: Math.min(+second!, 59),
      ms: frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
    },
    ctx.timezone,
  );
  return Number.isFinite(t) ? t : undefined;
}

/** ASA levels are syslog severities (0 emergencies … 7 debugging) → OCSF severity_id. */
const SEVERITY_BY_LEVEL: readonly number[] = [
  Severity.Fatal,
  Severity.Critical,
  Severity.Critical,
  Severity.High,
  Severity.Medium,
  Severity.Low,
  Severity.Informational,
  Severity.Informational,
];

const PRODUCT_NAMES: Readonly<Record<string, string>> = {
  ASA: 'ASA',
  FTD: 'Firepower Threat Defense',
  PIX: 'PIX',
  FWSM: 'FWSM',
};

/** What the message mappers work with. */
interface Asa {
  msg: AsaMessage;
  time: number;
  /** Parsed message parts with no OCSF home: they go to `unmapped`. */
  extra: Fields;
}

function normalizeAsa(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const msg = readAsaMessage(record);
  if (!msg) return failedEvent(record, ctx, 'no %ASA- message');
  const asa: Asa = { msg, time: asaTime(msg, ctx) ?? ctx.receivedAt, extra: {} };
  let event: OcsfEvent | undefined;
  for (const [ids, re, map] of MESSAGES) {
    if (!ids.includes(msg.id)) continue;
    const m = re.exec(msg.text);
    if (m) event = map(asa, m);
    if (event) break;
  }
  if (event === undefined || !hasRequiredAttributes(event)) {
    // Parts too broken for the class (no valid address...): the message as a Base Event.
    asa.extra = {};
    event = baseEvent(asa);
  }
  return finish(asa, event, record);
}

function start(asa: Asa, cls: OcsfClassInfo, activity: Activity): OcsfEvent {
  const { msg } = asa;
  return ocsfEvent(cls, activity, {
    time: asa.time,
    severity_id: SEVERITY_BY_LEVEL[msg.level] ?? Severity.Unknown,
    metadata: {
      product: { name: PRODUCT_NAMES[msg.product] ?? msg.product, vendor_name: 'Cisco' },
      log_name: 'syslog',
      event_code: msg.id,
      ...(msg.timestamp ? { original_time: msg.timestamp } : {}),
    },
    message: msg.text,
  });
}

function finish(asa: Asa, event: OcsfEvent, record: ParsedRecord): OcsfEvent {
  const { msg } = asa;
  const metadata = event.metadata as Metadata;
  // The firewall that logged the message is the reporting device (host profile).
  if (msg.hostname && event.device === undefined) {
    event.device = { hostname: msg.hostname, type_id: 9, type: 'Firewall' };
    addObservable(event, 'device.hostname', ObservableType.Hostname, msg.hostname);
  }
  if (event.device !== undefined || event.actor !== undefined) {
    metadata.profiles = [...new Set([...(metadata.profiles ?? []), 'host'])];
  }
  const uid = (event.connection_info as Fields | undefined)?.uid;
  if (typeof uid === 'string') metadata.correlation_uid = uid;
  for (const name of ['src_endpoint', 'dst_endpoint']) {
    const ep = event[name] as Fields | undefined;
    if (!ep) continue;
    addObservable(event, `${name}.ip`, ObservableType.IPAddress, ep.ip);
    addObservable(event, `${name}.hostname`, ObservableType.Hostname, ep.hostname);
  }
  event.severity = SEVERITY_CAPTIONS[event.severity_id] ?? 'Unknown';
  const unmapped = { ...msg.extra, ...asa.extra };
  if (Object.keys(unmapped).length > 0) event.unmapped = unmapped;
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
      metadata: { product: { name: 'ASA', vendor_name: 'Cisco' }, log_name: 'syslog' },
      message: `Cisco ASA message not read: ${reason}`,
    },
  );
  event.severity = SEVERITY_CAPTIONS[Severity.Unknown];
  event.unmapped = { ...record.fields, '#error': reason };
  event.raw_data = record.raw;
  return event;
}

/** Any message not mapped to a class: a Base Event about the firewall, with its text. */
function baseEvent(asa: Asa): OcsfEvent {
  return start(asa, OcsfClass.BaseEvent, { id: 99, name: 'Other' });
}

// ---------------------------------------------------------------------------------------------
// messages

type MessageMapper = (asa: Asa, m: RegExpExecArray) => OcsfEvent | undefined;

/** `iface:ip/port` as the ASA writes endpoints (IPv6 addresses contain colons, interface names do not). */
const EP = String.raw`([^\s:]+):([^\s/]+)\/(\d+)`;
/** An optional `(user)`, `(DOMAIN\user)` or `(FQDN)` after an endpoint. */
const WHO = String.raw`(?:\s?\(([^)]*)\))?`;

const MESSAGES: readonly [readonly string[], RegExp, MessageMapper][] = [
  [
    ['302013', '302015', '302303'],
    new RegExp(
      String.raw`^Built (inbound|outbound) (TCP|UDP|SCTP) connection (\d+) for ${EP} \(([^\s/]+)\/(\d+)\)${WHO} to ${EP} \(([^\s/]+)\/(\d+)\)${WHO}(.*)$`,
    ),
    mapBuilt,
  ],
  [
    ['302014', '302016', '302304'],
    new RegExp(
      String.raw`^Teardown (TCP|UDP|SCTP) connection (\d+) for ${EP}${WHO} to ${EP}${WHO} duration ([\d:]+) bytes (\d+)(.*)$`,
    ),
    mapTeardown,
  ],
  [
    ['302020', '302021'],
    /^(Built|Teardown)(?: (inbound|outbound))? (ICMP|ICMPv6) connection (?:(\d+) )?for faddr ([^\s/]+)\/(\d+)(?:\s?\(([^)]*)\))? gaddr ([^\s/]+)\/(\d+) laddr ([^\s/]+)\/(\d+)(?:\s?\(([^)]*)\))?(.*)$/,
    mapIcmp,
  ],
  [
    ['305011', '305012'],
    new RegExp(
      String.raw`^(Built|Teardown) (dynamic|static) (TCP|UDP|ICMP|ICMPv6) translation from ${EP}${WHO} to ${EP}(?: duration ([\d:]+))?(.*)$`,
    ),
    mapTranslation,
  ],
  [
    ['106023'],
    /^Deny (?:protocol )?(\S+) src ([^\s:]+):([^\s/]+?)(?:\/(\d+))?(?:\s?\(([^)]*)\))? dst ([^\s:]+):([^\s/]+?)(?:\/(\d+))?(?:\s?\(([^)]*)\))?(?: \(type (\d+), code (\d+)\))? by access-group "([^"]*)"(?: \[([^\]]*)\])?(.*)$/,
    mapDeny106023,
  ],
  [
    ['106100'],
    /^access-list (\S+) (permitted|denied|est-allowed) (\S+) ([^\s/]+)\/([^\s(]+)\((\d+)\)(?:\s?\(([^)]*)\))? -> ([^\s/]+)\/([^\s(]+)\((\d+)\)(?:\s?\(([^)]*)\))? hit-cnt (\d+)(.*?)(?: \[([^\]]*)\])?$/,
    mapAccessList,
  ],
  [
    ['106001', '106006', '106015'],
    /^(?:Inbound (TCP|UDP) connection denied|Deny inbound (TCP|UDP)|Deny (TCP|UDP) \(no connection\)) from ([^\s/]+)\/(\d+) to ([^\s/]+)\/(\d+)(?: flags (.*?))? on interface (\S+)(.*)$/,
    mapInboundDeny,
  ],
  [
    ['710003'],
    /^(TCP|UDP|ICMP) access denied by ACL from ([^\s/]+)\/(\d+) to ([^\s:]+):([^\s/]+)\/(\S+)(.*)$/,
    mapAclDenied,
  ],
  [
    ['113004', '113012'],
    /^AAA user (authentication|authorization|accounting) Successful\s*:\s*(?:server =\s*([^\s:]+)|(local database))\s*:\s*user =\s*(.*?)\s*$/,
    mapAaa,
  ],
  [
    ['113005', '113015'],
    /^AAA user (authentication|authorization) Rejected\s*:\s*reason =\s*(.*?)\s*:\s*(?:server =\s*([^\s:]+)|(local database))\s*:\s*user =\s*(.*?)\s*(?::\s*user IP =\s*(\S+))?\s*$/,
    mapAaaRejected,
  ],
  [
    ['605004', '605005'],
    /^Login (denied|permitted) from ([^\s/]+)\/(\S+) to ([^\s:]+):([^\s/]+)\/(\S+) for user\s+["\u201c]?(.*?)["\u201d]?\s*$/,
    mapLogin,
  ],
  [
    ['611101', '611102'],
    /^User authentication (succeeded|failed): IP address: ([^\s,]+),\s*Uname: (.*?)\s*$/,
    mapUserAuth,
  ],
  [
    ['111008', '111010'],
    /^User '([^']*)'(?:, running '([^']*)' from IP ([^\s,]+),)? executed (?:the )?'(.*)'(?: command)?\.?$/,
    mapCommand,
  ],
];

function ep(iface: string | undefined, ip: string | undefined, port: string | undefined): Fields | undefined {
  return endpoint({ ip, port, interfaceName: iface });
}

/** `0:01:07` (h:mm:ss, days first when present) → milliseconds. */
export function asaDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const parts = text.split(':').map(Number);
  if (parts.length < 2 || parts.length > 4 || parts.some((n) => !Number.isInteger(n) || n < 0))
    return undefined;
  const [s = 0, m = 0, h = 0, d = 0] = parts.reverse();
  return (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
}

/** Users the ASA names with an endpoint (identity firewall), kept in unmapped. */
function keepUsers(asa: Asa, src?: string, dst?: string): void {
  if (src) asa.extra.src_user = src;
  if (dst) asa.extra.dst_user = dst;
}

function networkEvent(asa: Asa, activity: Activity, src?: Fields, dst?: Fields): OcsfEvent {
  const event = start(asa, OcsfClass.NetworkActivity, activity);
  if (src) event.src_endpoint = src;
  if (dst) event.dst_endpoint = dst;
  return event;
}

/** 302013/302015: the "for" side is the lower-security interface's; `outbound` means the other side started it. */
function mapBuilt(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [
    ,
    dir,
    proto,
    id,
    fIf,
    fIp,
    fPort,
    fMapIp,
    fMapPort,
    fUser,
    tIf,
    tIp,
    tPort,
    tMapIp,
    tMapPort,
    tUser,
    tail,
  ] = m;
  const forSide = ep(fIf, fIp, fPort);
  const toSide = ep(tIf, tIp, tPort);
  const outbound = dir === 'outbound';
  const event = networkEvent(
    asa,
    { id: 1, name: 'Open' },
    outbound ? toSide : forSide,
    outbound ? forSide : toSide,
  );
  event.connection_info = connectionInfo({
    uid: id,
    protocol: proto,
    direction: outbound ? Direction.Outbound : Direction.Inbound,
    ip: fIp,
  });
  setStatus(event, Status.Success);
  if (fMapIp !== fIp || fMapPort !== fPort) asa.extra.for_mapped = { ip: fMapIp, port: int(fMapPort) };
  if (tMapIp !== tIp || tMapPort !== tPort) asa.extra.to_mapped = { ip: tMapIp, port: int(tMapPort) };
  keepUsers(asa, outbound ? tUser : fUser, outbound ? fUser : tUser);
  if (tail?.trim()) asa.extra.detail = tail.trim();
  return event;
}

/** 302014/302016: who started the connection is not said; "for"/"to" are kept as src/dst, flagged unknown. */
function mapTeardown(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, proto, id, fIf, fIp, fPort, fUser, tIf, tIp, tPort, tUser, duration, bytes, tail] = m;
  let reason = tail?.trim() ?? '';
  const user = /\s*\(([^()]*)\)$/.exec(reason);
  if (user && !/^(?:TCP|SYN|FIN|Flow|Conn|Xlate|Tunnel|Pinhole|Unknown)/.test(user[1]!)) {
    asa.extra.user = user[1];
    reason = reason.slice(0, user.index).trim();
  }
  const reset = /reset/i.test(reason);
  const event = networkEvent(
    asa,
    reset ? { id: 3, name: 'Reset' } : { id: 2, name: 'Close' },
    ep(fIf, fIp, fPort),
    ep(tIf, tIp, tPort),
  );
  event.is_src_dst_assignment_known = false;
  event.connection_info = connectionInfo({ uid: id, protocol: proto, ip: fIp });
  const ms = asaDuration(duration);
  if (ms !== undefined) {
    event.duration = ms;
    event.end_time = asa.time;
    event.start_time = asa.time - ms;
  }
  const total = int(bytes);
  if (total !== undefined && total >= 0) event.traffic = { bytes: total };
  if (reason) {
    event.status_detail = reason;
    event.status_code = reason;
  }
  keepUsers(asa, fUser, tUser);
  return event;
}

/** 302020/302021: ICMP "connections" between a foreign (faddr) and a local (laddr) address. */
function mapIcmp(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, action, dir, proto, id, fIp, , fUser, gIp, gId, lIp, , lUser, tail] = m;
  const foreign = endpoint({ ip: fIp });
  const local = endpoint({ ip: lIp });
  const outbound = dir === 'outbound';
  const built = action === 'Built';
  const event = networkEvent(
    asa,
    built ? { id: 1, name: 'Open' } : { id: 2, name: 'Close' },
    outbound ? local : foreign,
    outbound ? foreign : local,
  );
  if (!dir) event.is_src_dst_assignment_known = false;
  event.connection_info = connectionInfo({
    uid: id,
    protocol: proto === 'ICMPv6' ? 'icmp6' : 'icmp',
    direction: dir ? (outbound ? Direction.Outbound : Direction.Inbound) : undefined,
    ip: fIp,
  });
  if (gIp !== lIp) asa.extra.global = { ip: gIp, id: int(gId) };
  const icmp = /type (\d+) code (\d+)/.exec(tail ?? '');
  if (icmp) asa.extra.icmp = { type: +icmp[1]!, code: +icmp[2]! };
  keepUsers(asa, outbound ? lUser : fUser, outbound ? fUser : lUser);
  return event;
}

/** 305011/305012: a NAT translation of the real (source) address; the mapped address stays in unmapped. */
function mapTranslation(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, action, kind, proto, rIf, rIp, rPort, user, mIf, mIp, mPort, duration] = m;
  const built = action === 'Built';
  const event = networkEvent(
    asa,
    built ? { id: 1, name: 'Open' } : { id: 2, name: 'Close' },
    ep(rIf, rIp, rPort),
  );
  event.connection_info = connectionInfo({ protocol: proto === 'ICMPv6' ? 'icmp6' : proto, ip: rIp });
  asa.extra.translation = compact({ type: kind, interface: mIf, ip: mIp, port: portOf(mPort) });
  if (ipOf(mIp)) addObservable(event, 'unmapped.translation.ip', ObservableType.IPAddress, mIp);
  const ms = asaDuration(duration);
  if (ms !== undefined) event.duration = ms;
  if (user) asa.extra.user = user;
  return event;
}

/** The firewall's decision, on events that use the security_control profile. */
function setAction(event: OcsfEvent, allowed: boolean, rule?: string): void {
  event.action_id = allowed ? 1 : 2;
  event.action = allowed ? 'Allowed' : 'Denied';
  event.disposition_id = allowed ? 1 : 2;
  event.disposition = allowed ? 'Allowed' : 'Blocked';
  if (rule) event.firewall_rule = { name: rule };
  const metadata = event.metadata as Metadata;
  metadata.profiles = [...new Set([...(metadata.profiles ?? []), 'security_control'])];
}

function deniedEvent(asa: Asa, src?: Fields, dst?: Fields): OcsfEvent {
  const event = networkEvent(asa, { id: 5, name: 'Refuse' }, src, dst);
  setStatus(event, Status.Failure);
  return event;
}

function mapDeny106023(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, proto, sIf, sIp, sPort, sUser, dIf, dIp, dPort, dUser, icmpType, icmpCode, acl, hashes] = m;
  const event = deniedEvent(asa, ep(sIf, sIp, sPort), ep(dIf, dIp, dPort));
  const numeric = /^\d+$/.test(proto!);
  event.connection_info = connectionInfo({
    protocol: numeric ? undefined : proto,
    protocolNum: numeric ? proto : undefined,
    ip: sIp,
  });
  setAction(event, false, acl);
  event.status_detail = `Denied by access-group "${acl}"`;
  if (icmpType !== undefined) asa.extra.icmp = { type: +icmpType, code: +icmpCode! };
  if (hashes) asa.extra.rule_ids = hashes;
  keepUsers(asa, sUser, dUser);
  return event;
}

function mapAccessList(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, acl, verdict, proto, sIf, sIp, sPort, sUser, dIf, dIp, dPort, dUser, hits, interval, hashes] = m;
  const allowed = verdict !== 'denied';
  const event = allowed
    ? networkEvent(asa, { id: 6, name: 'Traffic' }, ep(sIf, sIp, sPort), ep(dIf, dIp, dPort))
    : deniedEvent(asa, ep(sIf, sIp, sPort), ep(dIf, dIp, dPort));
  if (allowed) setStatus(event, Status.Success);
  event.connection_info = connectionInfo({ protocol: proto, ip: sIp });
  setAction(event, allowed, acl);
  event.status_detail = `access-list ${acl} ${verdict}`;
  const n = int(hits);
  if (n !== undefined && n > 0) event.count = n;
  if (interval?.trim()) asa.extra.hit_interval = interval.trim().replace(/^\(|\)$/g, '');
  if (hashes) asa.extra.rule_ids = hashes;
  keepUsers(asa, sUser, dUser);
  return event;
}

function mapInboundDeny(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, p1, p2, p3, sIp, sPort, dIp, dPort, flags, iface] = m;
  const proto = p1 ?? p2 ?? p3;
  const event = deniedEvent(
    asa,
    endpoint({ ip: sIp, port: sPort, interfaceName: iface }),
    endpoint({ ip: dIp, port: dPort }),
  );
  event.connection_info = connectionInfo({ protocol: proto, direction: Direction.Inbound, ip: sIp });
  setAction(event, false);
  if (flags) asa.extra.tcp_flags = flags;
  return event;
}

function mapAclDenied(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, proto, sIp, sPort, dIf, dIp, service] = m;
  const port = portOf(service);
  const event = deniedEvent(
    asa,
    endpoint({ ip: sIp, port: sPort }),
    endpoint({ ip: dIp, port, interfaceName: dIf }),
  );
  event.connection_info = connectionInfo({ protocol: proto, ip: sIp });
  setAction(event, false);
  event.status_detail = 'Access to the device denied by ACL';
  if (port === undefined && service) asa.extra.service = service;
  return event;
}

function authEvent(asa: Asa, activity: Activity, user: string, ok: boolean, detail?: string): OcsfEvent {
  const event = start(asa, OcsfClass.Authentication, activity);
  event.user = { name: user };
  addObservable(event, 'user.name', ObservableType.UserName, user);
  setStatus(event, ok ? Status.Success : Status.Failure, detail);
  // The firewall is what the user logs on to (its AAA, VPN or management service).
  if (asa.msg.hostname) event.dst_endpoint = { hostname: asa.msg.hostname };
  event.service = { name: PRODUCT_NAMES[asa.msg.product] ?? asa.msg.product };
  return event;
}

const AAA_ACTIVITIES: Readonly<Record<string, Activity>> = {
  authentication: { id: 1, name: 'Logon' },
  authorization: { id: 99, name: 'Authorization' },
  accounting: { id: 99, name: 'Accounting' },
};

function mapAaa(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, kind, server, local, user] = m;
  const event = authEvent(asa, AAA_ACTIVITIES[kind!]!, user!, true);
  aaaServer(asa, event, server, local);
  return event;
}

function mapAaaRejected(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, kind, reason, server, local, user, userIp] = m;
  const event = authEvent(asa, AAA_ACTIVITIES[kind!]!, user!, false, reason);
  aaaServer(asa, event, server, local);
  const src = endpoint({ ip: userIp });
  if (src) event.src_endpoint = src;
  else if (userIp) asa.extra.user_ip = userIp;
  return event;
}

function aaaServer(asa: Asa, event: OcsfEvent, server?: string, local?: string): void {
  if (local) event.auth_protocol = 'local database';
  if (!server) return;
  asa.extra.aaa_server = server;
  if (ipOf(server)) addObservable(event, 'unmapped.aaa_server', ObservableType.IPAddress, server);
}

function mapLogin(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, verdict, sIp, sPort, dIf, dIp, service, user] = m;
  const ok = verdict === 'permitted';
  const event = authEvent(asa, { id: 1, name: 'Logon' }, user!, ok, ok ? undefined : 'Login denied');
  const src = endpoint({ ip: sIp, port: sPort });
  if (src) event.src_endpoint = src;
  const dst = endpoint({ ip: dIp, port: service, interfaceName: dIf, hostname: asa.msg.hostname });
  if (dst) event.dst_endpoint = dst;
  if (service && portOf(service) === undefined) event.service = { name: service };
  else if (service) asa.extra.service = service;
  event.is_remote = true;
  return event;
}

function mapUserAuth(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, verdict, ip, user] = m;
  const ok = verdict === 'succeeded';
  const event = authEvent(asa, { id: 1, name: 'Logon' }, user!, ok);
  const src = endpoint({ ip });
  if (src) event.src_endpoint = src;
  event.is_remote = true;
  return event;
}

/** 111008/111010: a configuration command run on the firewall, by whom (and from where). */
function mapCommand(asa: Asa, m: RegExpExecArray): OcsfEvent {
  const [, user, via, ip, command] = m;
  const event = start(asa, OcsfClass.BaseEvent, { id: 99, name: 'Other' });
  event.actor = { user: { name: user } };
  addObservable(event, 'actor.user.name', ObservableType.UserName, user);
  asa.extra.command = command;
  addObservable(event, 'unmapped.command', ObservableType.CommandLine, command);
  if (via) asa.extra.via = via;
  if (ip) {
    asa.extra.from_ip = ip;
    if (ipOf(ip)) addObservable(event, 'unmapped.from_ip', ObservableType.IPAddress, ip);
  }
  return event;
}
