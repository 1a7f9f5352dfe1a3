/**
 * Building blocks the network normalizers share (Zeek, Suricata EVE, Cisco ASA): reading loosely
 * typed source fields while remembering which were used (the rest go to `unmapped`, so nothing is
 * lost), OCSF network endpoints and connection info that only carry valid values, and timestamps
 * without a zone read in the configured one. Pure.
 */
import { isIP } from 'node:net';
import { addObservable, ObservableType, OcsfClass, type OcsfEvent } from './ocsf.js';
import { parseTimestamp, wallClockToUtc } from './time.js';

type Fields = Record<string, unknown>;

/**
 * Read access to a record's fields that records what was read. `get('id.orig_h')` also finds
 * `id_orig_h` (the underscore style some shippers write), so mappers name fields one way only.
 */
export class FieldReader {
  private readonly used = new Set<string>();

  constructor(readonly raw: Fields) {}

  /** The key `name` is stored under (itself, or its underscore form), if present. */
  private keyOf(name: string): string | undefined {
    if (Object.hasOwn(this.raw, name)) return name;
    if (!name.includes('.')) return undefined;
    const alt = name.replaceAll('.', '_');
    return Object.hasOwn(this.raw, alt) ? alt : undefined;
  }

  /** The field's value (undefined when absent or null), marking it as mapped. */
  get(name: string): unknown {
    const key = this.keyOf(name);
    if (key === undefined) return undefined;
    const value = this.raw[key];
    if (value === null || value === undefined) return undefined;
    this.used.add(key);
    return value;
  }

  /**
   * The field converted by `convert`; marked as mapped only when the conversion succeeds, so a value
   * that is not what it should be (an invalid address...) stays in `unmapped`.
   */
  take<T>(name: string, convert: (value: unknown) => T | undefined): T | undefined {
    const key = this.keyOf(name);
    if (key === undefined) return undefined;
    const value = convert(this.raw[key]);
    if (value !== undefined) this.used.add(key);
    return value;
  }

  /** The value without marking it mapped (for decisions; the field still goes to `unmapped`). */
  peek(name: string): unknown {
    const key = this.keyOf(name);
    return key === undefined ? undefined : (this.raw[key] ?? undefined);
  }

  has(name: string): boolean {
    return this.peek(name) !== undefined;
  }

  /** Mark fields as mapped without reading them (e.g. ones folded into another attribute). */
  consume(...names: string[]): void {
    for (const name of names) this.get(name);
  }

  /** Every field not read, by its original name: the event's `unmapped`. */
  rest(): Fields {
    const out: Fields = {};
    for (const key of Object.keys(this.raw)) {
      if (this.used.has(key)) continue;
      const value = this.raw[key];
      if (value === undefined) continue;
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else out[key] = value;
    }
    return out;
  }
}

/** A non-empty string, or undefined (numbers are written as text). */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** A finite number from a number, a safe bigint or numeric text. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof value === 'string' && /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** A safe integer (OCSF integer attributes), or undefined. */
export function int(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative safe integer (byte and packet counts). */
export function count(value: unknown): number | undefined {
  const n = int(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'T' || value === 'true') return true;
  if (value === 'F' || value === 'false') return false;
  return undefined;
}

/** An array as is, a single value as a one-element array, nothing as []. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Non-empty strings of a list. */
export function strings(value: unknown): string[] {
  return list(value)
    .map(str)
    .filter((s): s is string => s !== undefined);
}

/** A valid IPv4 or IPv6 address (OCSF's pattern), without an IPv6 zone, or undefined. */
export function ipOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text.length <= 40 && isIP(text) !== 0 ? text : undefined;
}

/** A TCP/UDP port, or undefined. */
export function portOf(value: unknown): number | undefined {
  const n = int(value);
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

/** A MAC address as OCSF writes it (six colon-separated hex bytes), or undefined. */
export function macOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}$/.test(value)
    ? value.replaceAll('-', ':').toLowerCase()
    : undefined;
}

/** IP protocol numbers by the names sensors write. */
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmp6: 58,
  'ipv6-icmp': 58,
  ipv6_icmp: 58,
  sctp: 132,
};

export function protocolNumber(name: string | undefined): number | undefined {
  return name === undefined ? undefined : PROTOCOL_NUMBERS[name.toLowerCase()];
}

/** The parts of an OCSF network endpoint a normalizer knows; the endpoint exists only with an address or name. */
export interface EndpointFacts {
  ip?: unknown;
  port?: unknown;
  hostname?: unknown;
  mac?: unknown;
  interfaceName?: unknown;
  domain?: unknown;
}

/** An OCSF network_endpoint from what is valid in `facts`, or undefined when it would identify nothing. */
export function endpoint(facts: EndpointFacts): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const ip = ipOf(facts.ip);
  if (ip) out.ip = ip;
  const hostname = str(facts.hostname);
  if (hostname) out.hostname = hostname;
  const domain = str(facts.domain);
  if (domain) out.domain = domain;
  const interfaceName = str(facts.interfaceName);
  if (interfaceName) out.interface_name = interfaceName;
  if (Object.keys(out).length === 0) return undefined;
  const port = portOf(facts.port);
  if (port !== undefined) out.port = port;
  const mac = macOf(facts.mac);
  if (mac) out.mac = mac;
  return out;
}

/** Observables for the addresses and names of the event's endpoints. */
export function addEndpointObservables(event: OcsfEvent, ...names: string[]): void {
  for (const name of names) {
    const ep = event[name] as Record<string, unknown> | undefined;
    if (!ep) continue;
    addObservable(event, `${name}.ip`, ObservableType.IPAddress, ep.ip);
    addObservable(event, `${name}.hostname`, ObservableType.Hostname, ep.hostname);
    addObservable(event, `${name}.mac`, ObservableType.MACAddress, ep.mac);
  }
}

/** OCSF connection_info.direction_id values. */
export const Direction = { Unknown: 0, Inbound: 1, Outbound: 2, Lateral: 3, Local: 4 } as const;
const DIRECTION_NAMES = ['Unknown', 'Inbound', 'Outbound', 'Lateral', 'Local'];

export interface ConnectionFacts {
  uid?: unknown;
  protocol?: unknown;
  protocolNum?: unknown;
  communityId?: unknown;
  history?: unknown;
  direction?: number;
  tcpFlags?: number;
  /** An endpoint address, for the IP version. */
  ip?: string;
}

/** OCSF network_connection_info (direction_id is required: Unknown when not known). */
export function connectionInfo(facts: ConnectionFacts): Record<string, unknown> {
  const direction = facts.direction ?? Direction.Unknown;
  const out: Record<string, unknown> = { direction_id: direction, direction: DIRECTION_NAMES[direction] };
  const uid = str(facts.uid);
  if (uid) out.uid = uid;
  const protocol = str(facts.protocol)?.toLowerCase();
  if (protocol) out.protocol_name = protocol;
  const protoNum = int(facts.protocolNum) ?? protocolNumber(protocol);
  if (protoNum !== undefined && protoNum >= 0 && protoNum <= 255) out.protocol_num = protoNum;
  const community = str(facts.communityId);
  if (community) out.community_uid = community;
  const history = str(facts.history);
  if (history) out.flag_history = history;
  if (facts.tcpFlags !== undefined) out.tcp_flags = facts.tcpFlags;
  const version = facts.ip ? isIP(facts.ip) : 0;
  if (version === 4 || version === 6) {
    out.protocol_ver_id = version;
    out.protocol_ver = `Internet Protocol version ${version}`;
  }
  return out;
}

/** Seconds (a Zeek interval) → whole milliseconds (OCSF durations), or undefined. */
export function secondsToMs(value: unknown): number | undefined {
  const n = num(value);
  if (n === undefined || n < 0) return undefined;
  const ms = Math.round(n * 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const ISO_NO_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/;

/**
 * A timestamp → epoch ms: epoch numbers by magnitude, ISO text with its zone, and ISO text without
 * one read in `timeZone` (the configured zone; absent: UTC).
 */
export function timestampToMs(value: unknown, timeZone: string | undefined): number | undefined {
  if (typeof value === 'string') {
    const m = ISO_NO_ZONE.exec(value.trim());
    if (m) {
      const [, y, mo, d, h, mi, s, frac] = m;
      if (+mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h! > 23 || +mi! > 59 || +s! > 60) return undefined;
      return wallClockToUtc(
        {
          year: +y!,
          month: +mo! - 1,
          day: +d!,
          hour: +h!,
          minute: +mi!,
          second: Math.min(+s!, 59),
          ms: frac ? Math.round(Number(`0.${frac}`) * 1000) : 0,
        },
        timeZone,
      );
    }
  }
  const t = parseTimestamp(value);
  if (t === undefined || !Number.isFinite(t)) return undefined;
  // Sub-millisecond digits round (as epoch floats do) rather than truncate, so the same instant
  // written as `1521911720.865716` and as `...20.865716Z` is the same millisecond.
  const sub = typeof value === 'string' && /^\s*\d{4}-/.test(value) ? /[.,]\d{3}(\d)/.exec(value) : null;
  return sub && Number(sub[1]) >= 5 ? t + 1 : t;
}

/** OCSF status_id / status pairs. */
export const Status = {
  Unknown: { id: 0, name: 'Unknown' },
  Success: { id: 1, name: 'Success' },
  Failure: { id: 2, name: 'Failure' },
} as const;

export function setStatus(event: OcsfEvent, status: { id: number; name: string }, detail?: string): void {
  event.status_id = status.id;
  event.status = status.name;
  if (detail) event.status_detail = detail;
}

/** A copy without the attributes whose value is undefined (events carry only what is known). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const key in obj) {
    const value = obj[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** A hash's OCSF fingerprint algorithm by its hex length: MD5, SHA-1, SHA-256, SHA-512. */
export function hashAlgorithm(hex: string): { id: number; name: string } | undefined {
  const clean = hex.replaceAll(':', '');
  if (!/^[0-9a-fA-F]+$/.test(clean)) return undefined;
  switch (clean.length) {
    case 32:
      return { id: 1, name: 'MD5' };
    case 40:
      return { id: 2, name: 'SHA-1' };
    case 64:
      return { id: 3, name: 'SHA-256' };
    case 128:
      return { id: 4, name: 'SHA-512' };
    default:
      return undefined;
  }
}

/** The attributes a class requires one of (OCSF `anyOf` constraints). */
export function hasRequiredAttributes(event: OcsfEvent): boolean {
  switch (event.class_uid) {
    case OcsfClass.NetworkActivity.uid:
    case OcsfClass.DnsActivity.uid:
      return event.src_endpoint !== undefined || event.dst_endpoint !== undefined;
    case OcsfClass.HttpActivity.uid:
      return event.http_request !== undefined || event.http_response !== undefined;
    case OcsfClass.Authentication.uid:
      return event.service !== undefined || event.dst_endpoint !== undefined;
    default:
      return true;
  }
}
