/**
 * Syslog: one already-framed message → fields. RFC 5424 (the syslog protocol) and RFC 3164 (BSD
 * syslog) with the variants real senders produce (no hostname, ISO timestamps after the PRI as
 * rsyslog and loggen write them, a year in the BSD timestamp). Pure: no clock; a BSD timestamp has
 * no year, so its epoch time is only computed when the caller gives a reference time
 * (`parseSyslog(text, { referenceTime })` or `bsdTimestampToMs`).
 *
 * Strict where a wrong answer would mislead (the PRI, the 5424 header, structured data), lenient
 * where real senders are sloppy (extra spaces, a missing 5424 STRUCTURED-DATA, a timestamp
 * without offset, trailing line terminators, leading whitespace).
 */
import { ParseError, type ParsedRecord, type Parser } from './record.js';

/** Facility names by code, as syslog-ng and rsyslog spell them. */
export const FACILITY_NAMES: readonly string[] = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

/** Severity names by code (0 = most severe). */
export const SEVERITY_NAMES: readonly string[] = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
];

/** The fields a syslog record carries; absent parts (NILVALUE, no hostname...) are left out. */
export interface SyslogFields {
  rfc: '5424' | '3164';
  facility: number;
  severity: number;
  facility_name: string;
  severity_name: string;
  /** RFC 5424 only. */
  version?: number;
  /** The timestamp exactly as written. */
  timestamp?: string;
  /** Epoch ms, when it can be determined (see the module comment about BSD timestamps). */
  time?: number;
  hostname?: string;
  app_name?: string;
  procid?: string;
  msgid?: string;
  /** SD-ID → { PARAM-NAME: value }, a repeated parameter as an array of its values. */
  structured_data?: Record<string, Record<string, string | string[]>>;
  msg: string;
}

export interface SyslogParseOptions {
  /** Epoch ms near the message's time (usually when it was received); fixes a BSD timestamp's year. */
  referenceTime?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5424 / RFC 3339 timestamp; the offset may be missing (sloppy senders: read as UTC). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})?$/;
/** ISO timestamp at the start of a 3164-style message (rsyslog's, loggen's); `T` or a space. */
const ISO_PREFIX =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})?(?= |$)/;
/** BSD timestamp `Mmm dd hh:mm:ss`, day space- or zero-padded, optionally a year and fraction. */
const BSD_PREFIX =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) +(?:(\d{4}) +)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?=:? |:?$)/i;
/** A hostname as BSD senders write it: a name, an IPv4 or an IPv6 address. */
const HOSTNAME = /^[A-Za-z0-9_][A-Za-z0-9._%:-]*$/;
/** `TAG:` or `TAG[PID]:` followed by a space or the end; the TAG is what 5424 calls APP-NAME. */
const TAG = /^([^\s[\]:]{1,64})(?:\[([^\]\s]{0,128})\])?:(?: |$)/;
/** `TAG[PID]` without the colon: some senders drop it (the PID brackets make it unambiguous). */
const TAG_NO_COLON = /^([^\s[\]:]{1,64})\[(\d{1,20})\](?: |$)/;

/** Parse one syslog message. Throws ParseError, never anything else. */
export function parseSyslog(text: string, options: SyslogParseOptions = {}): ParsedRecord {
  // Leading whitespace or NULs: left over from framing by some senders (e.g. `\n<13>...`).
  let pos = /^[ \t\r\n\0]*/.exec(text)![0].length;
  const { pri, end } = readPri(text, pos);
  pos = end;
  if (pos >= text.length) throw new ParseError('truncated', 'nothing after the PRI', pos);
  const base = {
    facility: pri >> 3,
    severity: pri & 7,
    facility_name: FACILITY_NAMES[pri >> 3]!,
    severity_name: SEVERITY_NAMES[pri & 7]!,
  };
  const version = /^([1-9]\d{0,2}) +(?=-|\d{4}-)/.exec(text.slice(pos, pos + 16));
  const fields: SyslogFields = version
    ? parse5424(text, pos + version[0].length, Number(version[1]), base)
    : parse3164(text, pos, base, options.referenceTime);
  return { format: 'syslog', fields: fields as unknown as Record<string, unknown>, raw: text };
}

function readPri(text: string, start: number): { pri: number; end: number } {
  if (text[start] !== '<') throw new ParseError('bad_pri', 'expected "<" starting the PRI', start);
  let i = start + 1;
  while (i < text.length && i - start <= 4 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const digits = text.slice(start + 1, i);
  if (i >= text.length) throw new ParseError('truncated', 'message ends inside the PRI', i);
  if (digits.length === 0) throw new ParseError('bad_pri', 'PRI has no digits', start + 1);
  if (digits.length > 3) throw new ParseError('bad_pri', `PRI has more than 3 digits`, start + 1);
  if (text[i] !== '>')
    throw new ParseError('bad_pri', `expected ">" closing the PRI, found ${describeChar(text, i)}`, i);
  if (digits.length > 1 && digits[0] === '0')
    throw new ParseError('bad_pri', `PRI "${digits}" has a leading zero`, start + 1);
  const pri = Number(digits);
  if (pri > 191)
    throw new ParseError('bad_pri', `PRI ${pri} is above 191 (facility 23, severity 7)`, start + 1);
  return { pri, end: i + 1 };
}

type Base = Pick<SyslogFields, 'facility' | 'severity' | 'facility_name' | 'severity_name'>;

/** RFC 5424: `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]`. */
function parse5424(text: string, start: number, version: number, base: Base): SyslogFields {
  const fields: SyslogFields = { rfc: '5424', ...base, version, msg: '' };
  let pos = start;
  const header: { value: string; at: number }[] = [];
  for (const name of ['TIMESTAMP', 'HOSTNAME', 'APP-NAME', 'PROCID', 'MSGID']) {
    // Extra spaces between header fields: lenient (no header field can be empty anyway).
    while (text[pos] === ' ') pos++;
    const at = pos;
    while (pos < text.length && text[pos] !== ' ' && !isLineEnd(text[pos]!)) pos++;
    if (pos === at) throw new ParseError('truncated', `header ends before ${name}`, at);
    header.push({ value: text.slice(at, pos), at });
  }
  const [timestamp, hostname, appName, procid, msgid] = header as [
    (typeof header)[0],
    (typeof header)[0],
    (typeof header)[0],
    (typeof header)[0],
    (typeof header)[0],
  ];
  if (timestamp.value !== '-') {
    const time = rfc3339ToMs(timestamp.value);
    if (time === undefined)
      throw new ParseError(
        'bad_timestamp',
        `"${clip(timestamp.value)}" is not an RFC 3339 timestamp`,
        timestamp.at,
      );
    fields.timestamp = timestamp.value;
    fields.time = time;
  }
  if (hostname.value !== '-') fields.hostname = hostname.value;
  if (appName.value !== '-') fields.app_name = appName.value;
  if (procid.value !== '-') fields.procid = procid.value;
  if (msgid.value !== '-') fields.msgid = msgid.value;

  while (text[pos] === ' ') pos++;
  if (pos >= text.length || isLineEnd(text[pos]!)) return fields; // no SD, no MSG: lenient
  if (text[pos] === '-' && (pos + 1 >= text.length || text[pos + 1] === ' ' || isLineEnd(text[pos + 1]!))) {
    pos++;
  } else if (text[pos] === '[') {
    const sd = parseStructuredData(text, pos);
    fields.structured_data = sd.value;
    pos = sd.end;
  }
  // else: a sender that left out STRUCTURED-DATA altogether; what follows is the MSG.
  if (text[pos] === ' ') pos++;
  fields.msg = cleanMsg(text.slice(pos));
  return fields;
}

/** One or more `[SD-ID *(SP PARAM-NAME="value")]`; values unescape `\"`, `\\` and `\]`. */
function parseStructuredData(
  text: string,
  start: number,
): { value: Record<string, Record<string, string | string[]>>; end: number } {
  const value: Record<string, Record<string, string | string[]>> = {};
  let pos = start;
  while (text[pos] === '[') {
    pos++;
    const idAt = pos;
    while (pos < text.length && !' =]"'.includes(text[pos]!)) pos++;
    if (pos >= text.length) throw new ParseError('truncated', 'message ends inside an SD-ID', pos);
    if (pos === idAt) throw new ParseError('bad_structured_data', 'empty SD-ID', idAt);
    if (text[pos] === '=' || text[pos] === '"')
      throw new ParseError('bad_structured_data', `unexpected ${describeChar(text, pos)} in SD-ID`, pos);
    const id = text.slice(idAt, pos);
    // A repeated SD-ID (which RFC 5424 forbids) is merged rather than lost.
    const params = Object.hasOwn(value, id) ? value[id]! : defineOwn(value, id, {});
    for (;;) {
      while (text[pos] === ' ') pos++;
      if (pos >= text.length)
        throw new ParseError('truncated', `message ends inside SD element "${clip(id)}"`, pos);
      if (text[pos] === ']') {
        pos++;
        break;
      }
      const nameAt = pos;
      while (pos < text.length && !' =]"'.includes(text[pos]!)) pos++;
      if (pos >= text.length) throw new ParseError('truncated', 'message ends inside a PARAM-NAME', pos);
      if (pos === nameAt)
        throw new ParseError(
          'bad_structured_data',
          `expected a PARAM-NAME, found ${describeChar(text, pos)}`,
          pos,
        );
      if (text[pos] !== '=')
        throw new ParseError(
          'bad_structured_data',
          `expected "=" after PARAM-NAME, found ${describeChar(text, pos)}`,
          pos,
        );
      const name = text.slice(nameAt, pos);
      pos++;
      if (text[pos] !== '"') {
        if (pos >= text.length) throw new ParseError('truncated', 'message ends before a PARAM-VALUE', pos);
        throw new ParseError(
          'bad_structured_data',
          `expected '"' opening PARAM-VALUE, found ${describeChar(text, pos)}`,
          pos,
        );
      }
      const valueAt = pos;
      pos++;
      let param = '';
      let runStart = pos;
      for (;;) {
        if (pos >= text.length)
          throw new ParseError('truncated', 'message ends inside a PARAM-VALUE', valueAt);
        const c = text[pos]!;
        if (c === '"') break;
        if (c === '\\' && pos + 1 < text.length && '"\\]'.includes(text[pos + 1]!)) {
          param += text.slice(runStart, pos) + text[pos + 1];
          pos += 2;
          runStart = pos;
        } else pos++; // any other backslash is literal (RFC 5424 §6.3.3)
      }
      param += text.slice(runStart, pos);
      pos++; // closing quote
      const previous = Object.hasOwn(params, name) ? params[name] : undefined;
      defineOwn(
        params,
        name,
        previous === undefined ? param : Array.isArray(previous) ? [...previous, param] : [previous, param],
      );
      if (text[pos] !== ' ' && text[pos] !== ']') {
        if (pos >= text.length)
          throw new ParseError('truncated', `message ends inside SD element "${clip(id)}"`, pos);
        throw new ParseError(
          'bad_structured_data',
          `expected " " or "]" after a PARAM-VALUE, found ${describeChar(text, pos)}`,
          pos,
        );
      }
    }
  }
  return { value, end: pos };
}

/** RFC 3164 and what real BSD-style senders write: `<PRI>[TIMESTAMP SP [HOSTNAME SP]][TAG[PID]: ]MSG`. */
function parse3164(text: string, start: number, base: Base, referenceTime: number | undefined): SyslogFields {
  const fields: SyslogFields = { rfc: '3164', ...base, msg: '' };
  let pos = start;
  let rest = text.slice(pos);
  let hasTimestamp = false;

  const bsd = BSD_PREFIX.exec(rest);
  const iso = bsd ? null : ISO_PREFIX.exec(rest);
  if (bsd) {
    const [, month, day, year, hour, minute, second] = bsd;
    if (+day! < 1 || +day! > 31 || +hour! > 23 || +minute! > 59 || +second! > 60)
      throw new ParseError('bad_timestamp', `"${bsd[0]}" is not a valid time`, pos);
    fields.timestamp = bsd[0];
    const monthIndex = MONTHS.indexOf(month!.toLowerCase());
    if (year !== undefined) {
      const t = utcMs(+year, monthIndex + 1, +day!, +hour!, +minute!, +second!, fracMs(bsd[7]));
      if (t === undefined) throw new ParseError('bad_timestamp', `"${bsd[0]}" is not a valid date`, pos);
      fields.time = t;
    } else if (referenceTime !== undefined) {
      const t = bsdTimestampToMs(bsd[0], referenceTime);
      if (t !== undefined) fields.time = t;
    }
    pos += bsd[0].length;
    if (text[pos] === ':') pos++; // `Mmm dd yyyy hh:mm:ss: ` (Cisco devices)
    hasTimestamp = true;
  } else if (iso) {
    const t = rfc3339ToMs(iso[0].replace(' ', 'T').replace(',', '.'));
    if (t === undefined) throw new ParseError('bad_timestamp', `"${iso[0]}" is not a valid time`, pos);
    fields.timestamp = iso[0];
    fields.time = t;
    pos += iso[0].length;
    hasTimestamp = true;
  } else if (/^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d/i.test(rest)) {
    // It starts like a BSD timestamp but is not one: better said than read as a hostname.
    throw new ParseError('bad_timestamp', `"${clip(rest.slice(0, 20))}" is not a BSD timestamp`, pos);
  }

  if (hasTimestamp) {
    while (text[pos] === ' ') pos++;
    rest = text.slice(pos);
    // HOSTNAME follows the timestamp unless the sender left it out, in which case the next token
    // is already the TAG (`sshd:`, `su[1550]:`) or the message itself.
    const space = rest.indexOf(' ');
    const token = space === -1 ? rest : rest.slice(0, space);
    if (space !== -1 && HOSTNAME.test(token) && !token.endsWith(':')) {
      fields.hostname = token;
      pos += space;
      while (text[pos] === ' ') pos++;
      rest = text.slice(pos);
    }
  }

  const tag = TAG.exec(rest) ?? TAG_NO_COLON.exec(rest);
  if (tag) {
    fields.app_name = tag[1]!;
    if (tag[2]) fields.procid = tag[2];
    pos += tag[0].length;
  }
  fields.msg = cleanMsg(text.slice(pos));
  return fields;
}

/**
 * The epoch ms of a BSD timestamp (`Nov 22 02:49:10`, optionally `.123` or a year), read as UTC
 * (BSD syslog carries no zone). Without a year, the year is the latest that does not put the time
 * more than a month after `referenceMs` (the receive time): messages arrive after they are written,
 * give or take clock skew and zones, so a December message received in January is last year's and
 * a January message received on December 31st is next year's.
 */
export function bsdTimestampToMs(timestamp: string, referenceMs: number): number | undefined {
  const m = BSD_PREFIX.exec(timestamp.trim());
  if (!m || !Number.isFinite(referenceMs)) return undefined;
  const [, month, day, year, hour, minute, second, frac] = m;
  const monthNumber = MONTHS.indexOf(month!.toLowerCase()) + 1;
  const at = (y: number, d: number) => utcMs(y, monthNumber, d, +hour!, +minute!, +second!, fracMs(frac));
  if (year !== undefined) return at(+year, +day!);
  const refYear = new Date(referenceMs).getUTCFullYear();
  for (const y of [refYear + 1, refYear, refYear - 1]) {
    // The year is chosen by the date's place in the year; Feb 29 then exists in it or not at all.
    const lastDay = new Date(Date.UTC(y, monthNumber, 0)).getUTCDate();
    const probe = at(y, Math.min(+day!, lastDay));
    if (probe !== undefined && probe <= referenceMs + MAX_FUTURE_MS) return at(y, +day!);
  }
  return undefined;
}

/** How far after the receive time a year-less BSD timestamp may be before it is read as last year's. */
const MAX_FUTURE_MS = 31 * 24 * 3600_000;

/** RFC 3339 text → epoch ms, or undefined when it is not one or names an impossible date. */
function rfc3339ToMs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const t = utcMs(+y!, +mo!, +d!, +h!, +mi!, +s!, fracMs(frac));
  if (t === undefined) return undefined;
  if (!zone || zone === 'Z' || zone === 'z') return t;
  const digits = zone.slice(1).replace(':', '');
  const offHours = Number(digits.slice(0, 2));
  const offMinutes = Number(digits.slice(2, 4));
  if (offHours > 23 || offMinutes > 59) return undefined;
  return t - (zone[0] === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
}

/** Calendar fields (month 1-12) → epoch ms, or undefined when they do not name a real time. */
function utcMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (date.getUTCMonth() !== mo - 1) return undefined; // day beyond the month's end
  // A leap second (:60) is read as the last millisecond of the minute: order is kept, nothing rolls over.
  date.setUTCHours(h, mi, Math.min(s, 59), s === 60 ? 999 : ms);
  const t = date.getTime();
  return Number.isFinite(t) ? t : undefined;
}

function fracMs(frac: string | undefined): number {
  return frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
}

/** MSG without the BOM that marks UTF-8 (RFC 5424 §6.4) and without trailing line terminators. */
function cleanMsg(msg: string): string {
  let end = msg.length;
  while (end > 0 && isLineEnd(msg[end - 1]!)) end--;
  return msg.charCodeAt(0) === 0xfeff ? msg.slice(1, end) : msg.slice(0, end);
}

function isLineEnd(c: string): boolean {
  return c === '\n' || c === '\r' || c === '\0';
}

/** Set an own property, even one named `__proto__`: SD-IDs and PARAM-NAMEs come from the sender. */
function defineOwn<T>(target: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function describeChar(text: string, pos: number): string {
  return pos >= text.length ? 'the end' : JSON.stringify(text[pos]);
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const SNIFF = new RegExp(
  '^[\\s\\0]*<(?:\\d|[1-9]\\d|1[0-8]\\d|19[01])>(?:' +
    [
      '[1-9]\\d{0,2} +(?:-|\\d{4}-\\d\\d-\\d\\d[Tt])', // RFC 5424
      '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\\d{1,2} +\\d', // BSD timestamp
      '\\d{4}-\\d\\d-\\d\\d[Tt ]\\d\\d:', // ISO timestamp after the PRI
      '[^\\s[\\]:]{1,64}(?:\\[[^\\]\\s]*\\])?: ', // no timestamp: straight to TAG
    ].join('|') +
    ')',
);

export const syslogParser: Parser = {
  name: 'syslog',
  sniff: (sample) => SNIFF.test(sample),
  parse: (text) => parseSyslog(text),
};
