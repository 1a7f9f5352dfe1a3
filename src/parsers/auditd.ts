/**
 * Linux audit (auditd) logs. The kernel writes one event as several lines that share an event id
 * (`msg=audit(SECONDS.MILLIS:SERIAL)`): a SYSCALL record, then EXECVE, CWD, PATH, SOCKADDR,
 * PROCTITLE... and, since audit 2.x, an EOE line closing the event. User-space programs (PAM,
 * sshd, useradd) add single-line records whose payload sits in a nested `msg='...'`.
 *
 * Two parts, both pure:
 * - `auditdDecoder` (a line decoder) groups the lines of a stream into one record per event. Audit
 *   interleaves events a little, so a few events stay open at once; an event is emitted when its
 *   EOE arrives, when newer events push it out of the window, or at the end of the stream.
 * - `auditdParser` reads one event's text into structured fields, decoding what audit encodes:
 *   hex strings (untrusted names, command arguments, proctitle), split EXECVE arguments
 *   (`a1_len=`, `a1[0]=`), socket addresses (`saddr=`), and the ENRICHED log format (a `\x1d`
 *   separator followed by upper-case interpreted fields such as `UID="root"`).
 *
 * A line it cannot read is kept in `errors` (line number and reason) rather than failing the
 * event; only text without a single audit line is a ParseError.
 */
import type { DecodedRecord, DecodeIssue, LineDecoder, LineDecoderType } from './decoder.js';
import { ParseError, type ParsedRecord, type Parser } from './record.js';

/** One record's fields: audit's key=value pairs (strings), decoded where audit encodes them. */
export type AuditRecordFields = Record<string, unknown>;

/**
 * A parsed audit event. Each record type is a key of its own (`SYSCALL`, `EXECVE`, `CWD`...), as
 * LAUREL writes them; PATH items (and the other types an event may hold several of) are arrays.
 */
export interface AuditEventFields {
  /** `SECONDS.MILLIS:SERIAL`, the event id audit writes in every line (absent: a line without one). */
  id?: string;
  /** Epoch milliseconds (audit times are UTC epoch seconds with milliseconds). */
  time?: number;
  /** The time as written, `1626611363.720`. */
  timestamp?: string;
  serial?: number;
  /** The `node=` prefix: the host name, when auditd.conf sets name_format. */
  node?: string;
  /** Record types in the order their lines came (EOE included). */
  types: string[];
  /** Lines that could not be read: 1-based line number within the event, and why. */
  errors?: { line: number; reason: string }[];
  /** Further records of a type the event normally holds once (`{ type, ...fields }`). */
  extra?: AuditRecordFields[];
  [type: string]: unknown;
}

/** Record types an event may hold several of: always arrays, in line order. */
const ARRAY_TYPES = new Set([
  'PATH',
  'OBJ_PID',
  'AVC',
  'USER_AVC',
  'SELINUX_ERR',
  'NETFILTER_PKT',
  'MAC_IPSEC_EVENT',
]);

/** Fields audit writes hex-encoded when their value holds spaces, quotes or control characters. */
const ENCODED_FIELDS = new Set([
  'name',
  'cwd',
  'exe',
  'comm',
  'ocomm',
  'path',
  'cmd',
  'acct',
  'data',
  'key',
  'dir',
  'file',
  'watch',
  'root_dir',
  'sw',
  'vm',
  'grp',
  'new_group',
  'new-disk',
  'old-disk',
  'new-fs',
  'old-fs',
  'new-chardev',
  'old-chardev',
  'new-net',
  'old-net',
  'new-rng',
  'old-rng',
  'audit_backlog_wait_time_actual',
]);

/** The line header: optional node, type, and the event id. */
const HEADER = /^(?:node=(\S*) )?type=(\S+) msg=audit\((\d{1,12})\.(\d{1,9}):(\d{1,20})\):?[ \t]?/;
/** A line with a type but no event id (`type=UNKNOWN[1329] msg=?`, seen in real logs). */
const HEADLESS = /^(?:node=(\S*) )?type=(\S+)(?: |$)/;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
/** The ENRICHED format's separator between raw and interpreted fields. */
const GS = '\x1d';

/** The fields a line's header names. */
export interface AuditLineHeader {
  node?: string;
  type: string;
  seconds: string;
  millis: string;
  serial: string;
  /** Where the record's fields start. */
  bodyStart: number;
}

/** Read one line's header (`[node=N ]type=T msg=audit(S.M:SERIAL): `), or undefined. */
export function auditLineHeader(line: string): AuditLineHeader | undefined {
  const m = HEADER.exec(line);
  if (!m) return undefined;
  const header: AuditLineHeader = {
    type: m[2]!,
    seconds: m[3]!,
    millis: m[4]!,
    serial: m[5]!,
    bodyStart: m[0].length,
  };
  if (m[1] !== undefined) header.node = m[1];
  return header;
}

// ---------------------------------------------------------------------------------------------
// key=value bodies

/** Decode a hex string to text (UTF-8; invalid sequences become U+FFFD). */
export function hexToText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** A value as audit wrote it: quoted values are literal; unquoted encoded fields in hex are decoded. */
function decodeValue(key: string, raw: string, quoted: boolean): unknown {
  if (quoted) return raw;
  if (raw === '(null)') return null;
  if (ENCODED_FIELDS.has(key) && HEX.test(raw)) {
    const text = hexToText(raw);
    // Several rule keys are joined by \x01.
    return key === 'key' ? text.split('\x01').join(',') : text;
  }
  return raw;
}

interface KvToken {
  key: string;
  raw: string;
  quote: '' | '"' | "'" | '{';
}

/**
 * Split `k=v k2="v 2" msg='...' SADDR={ ... }` into tokens. Words without `=` (old user-space
 * records begin with `user` or `tty`; daemon records with `auditd start,`) are returned apart.
 */
function tokenize(text: string): { tokens: KvToken[]; words: string[] } {
  const tokens: KvToken[] = [];
  const words: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && c !== EQUALS && c !== SPACE && c !== TAB) c = text.charCodeAt(++j);
    if (j >= n || c !== EQUALS || j === i) {
      words.push(text.slice(i, j === i ? i + 1 : j));
      i = j === i ? i + 1 : j;
      continue;
    }
    // `(hostname=?, addr=?, terminal=cron res=success)` in old PAM records.
    const key = text.charCodeAt(i) === 0x28 ? text.slice(i + 1, j) : text.slice(i, j);
    const k = j + 1;
    const open = text.charCodeAt(k);
    if (open === DQUOTE || open === SQUOTE || open === BRACE) {
      const close = text.indexOf(open === BRACE ? '}' : open === DQUOTE ? '"' : "'", k + 1);
      const end = close === -1 ? n : close;
      const raw = text.slice(k + 1, end);
      tokens.push({
        key,
        raw: open === BRACE ? raw.trim() : raw,
        quote: open === BRACE ? '{' : open === DQUOTE ? '"' : "'",
      });
      i = close === -1 ? n : close + 1;
    } else {
      let end = text.indexOf(' ', k);
      if (end === -1) end = n;
      const tab = text.indexOf('\t', k);
      if (tab !== -1 && tab < end) end = tab;
      tokens.push({ key, raw: trimUnquoted(text.slice(k, end)), quote: '' });
      i = end;
    }
  }
  return { tokens, words };
}

const SPACE = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BRACE = 0x7b;

/** An unquoted value's stray punctuation: `addr=?,` and `res=success)` (old PAM), `key=6B6579"`. */
function trimUnquoted(raw: string): string {
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 0x2c) return raw.slice(0, -1);
  if (last === 0x29 && !raw.includes('(')) return raw.slice(0, -1);
  if (last === DQUOTE && raw.indexOf('"') === raw.length - 1) return raw.slice(0, -1);
  return raw;
}

/** Parse a key=value body into fields; the first of a repeated key wins. */
export function parseKeyValues(text: string): AuditRecordFields {
  const { tokens, words } = tokenize(text);
  const out: AuditRecordFields = {};
  for (const t of tokens) {
    if (!t.key || Object.hasOwn(out, t.key)) continue;
    if (t.quote === "'" && t.key === 'msg') out.msg = parseNested(t.raw);
    else if (t.quote === '{') out[t.key] = parseKeyValues(t.raw);
    else out[t.key] = decodeValue(t.key, t.raw, t.quote !== '');
  }
  if (words.length > 0) out.text = words.join(' ');
  return out;
}

/** The `msg='...'` of user-space records: key=value pairs when it has some, else its text. */
function parseNested(text: string): AuditRecordFields | string {
  const fields = parseKeyValues(text);
  return Object.keys(fields).length === 1 && fields.text !== undefined ? text : fields;
}

/** The interpreted fields of the ENRICHED format (after `\x1d`): `UID="root" SADDR={ fam=inet ... }`. */
function parseEnriched(text: string): AuditRecordFields {
  const { tokens } = tokenize(text);
  const out: AuditRecordFields = {};
  for (const t of tokens) {
    if (!t.key || Object.hasOwn(out, t.key)) continue;
    out[t.key] = t.quote === '{' ? parseKeyValues(t.raw) : t.raw;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// record types with encoded payloads

/** PROCTITLE: the process's argv as one string (hex, NUL-separated) → arguments joined by spaces. */
export function decodeProctitle(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/\0+$/, '').replace(/\0/g, ' ');
}

/** EXECVE: `argc=3 a0="perl" a1=2D65 a2_len=20000 a2[0]=... a2[1]=...` → `{ argc, argv }`. */
function execveArgs(lines: string[], out: AuditRecordFields): void {
  const args = new Map<number, Buffer[]>();
  let argc: string | undefined;
  const other: AuditRecordFields = {};
  for (const body of lines) {
    for (const t of tokenize(body).tokens) {
      const m = /^a(\d{1,7})(?:\[(\d{1,7})\]|_len)?$/.exec(t.key);
      if (!m) {
        if (t.key === 'argc') argc ??= t.raw;
        else if (!Object.hasOwn(other, t.key)) other[t.key] = decodeValue(t.key, t.raw, t.quote !== '');
        continue;
      }
      if (t.key.endsWith('_len')) continue;
      const index = Number(m[1]);
      const chunk =
        t.quote !== '' || !HEX.test(t.raw) ? Buffer.from(t.raw, 'utf8') : Buffer.from(t.raw, 'hex');
      const list = args.get(index);
      if (list) list.push(chunk);
      else args.set(index, [chunk]);
    }
  }
  const declared = argc !== undefined && /^\d{1,7}$/.test(argc) ? Number(argc) : -1;
  let highest = -1;
  for (const index of args.keys()) highest = Math.max(highest, index);
  // argc is the truth, but never allocate more than the arguments present could fill.
  const count = Math.min(Math.max(declared, highest + 1), highest + 1 + 64);
  const argv: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts = args.get(i);
    argv.push(parts ? Buffer.concat(parts).toString('utf8') : '');
  }
  if (argc !== undefined) out.argc = argc;
  out.argv = argv;
  Object.assign(out, other);
}

/** A decoded `saddr=`: family, address and port, or the socket path. */
export interface SockAddr {
  family: string;
  addr?: string;
  port?: number;
  path?: string;
  /** Netlink: the peer's port id. */
  pid?: number;
}

const FAMILIES: Record<number, string> = {
  1: 'local',
  2: 'inet',
  3: 'ax25',
  4: 'ipx',
  5: 'appletalk',
  9: 'x25',
  10: 'inet6',
  16: 'netlink',
  17: 'packet',
  29: 'can',
  31: 'bluetooth',
  38: 'alg',
  40: 'vsock',
  44: 'xdp',
};

/**
 * Decode a sockaddr (hex). The family is in the host's byte order: `littleEndian` comes from the
 * SYSCALL record's arch (undefined: guessed from the bytes). Ports and IPv4/IPv6 addresses are in
 * network order.
 */
export function decodeSockaddr(hex: string, littleEndian?: boolean): SockAddr | undefined {
  if (!HEX.test(hex) || hex.length < 4) return undefined;
  const b = Buffer.from(hex, 'hex');
  const le = littleEndian ?? !(b[0] === 0 && b[1] !== 0);
  const family = le ? b.readUInt16LE(0) : b.readUInt16BE(0);
  const name = FAMILIES[family] ?? String(family);
  const out: SockAddr = { family: name };
  if (family === 2 && b.length >= 8) {
    out.port = b.readUInt16BE(2);
    out.addr = `${b[4]}.${b[5]}.${b[6]}.${b[7]}`;
  } else if (family === 10 && b.length >= 24) {
    out.port = b.readUInt16BE(2);
    out.addr = ipv6Text(b.subarray(8, 24));
  } else if (family === 1) {
    const rest = b.subarray(2);
    if (rest.length > 0 && rest[0] === 0) {
      // Abstract socket: a leading NUL, then a name of any bytes.
      const end = rest.indexOf(0, 1);
      out.path = `@${rest.subarray(1, end === -1 ? rest.length : end).toString('utf8')}`;
    } else {
      const end = rest.indexOf(0);
      out.path = rest.subarray(0, end === -1 ? rest.length : end).toString('utf8');
    }
  } else if (family === 16 && b.length >= 8) {
    out.pid = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  }
  return out;
}

/** 16 bytes → RFC 5952 text (`::1`, `fe80::1`, `::ffff:10.0.0.1`). */
function ipv6Text(bytes: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // The longest run of two or more zero words becomes `::`.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexWords = words.map((w) => w.toString(16));
  if (bestStart === -1) return hexWords.join(':');
  return `${hexWords.slice(0, bestStart).join(':')}::${hexWords.slice(bestStart + bestLen).join(':')}`;
}

/** The arch field (`c000003e`) → whether the machine is little-endian (`__AUDIT_ARCH_LE`). */
export function archIsLittleEndian(arch: unknown): boolean | undefined {
  if (typeof arch !== 'string') return undefined;
  const text = arch.startsWith('0x') ? arch.slice(2) : arch;
  if (!/^[0-9A-Fa-f]{1,8}$/.test(text)) return undefined;
  return (parseInt(text, 16) & 0x40000000) !== 0;
}

// ---------------------------------------------------------------------------------------------
// one event

/** A line of an event, split into its parts. */
interface SplitLine {
  header: AuditLineHeader;
  body: string;
  enriched?: string;
}

/** Add one record under its type (first one an object, repeats in `extra`; array types in line order). */
function addRecord(event: AuditEventFields, type: string, fields: AuditRecordFields): void {
  // Type names are upper case (`SYSCALL`, `UNKNOWN[1420]`, or a number): anything else could
  // collide with the event's own keys.
  if (!/^[A-Z0-9_[\]]+$/.test(type)) {
    (event.extra ??= []).push({ type, ...fields });
    return;
  }
  if (ARRAY_TYPES.has(type)) {
    const list = event[type];
    if (Array.isArray(list)) list.push(fields);
    else event[type] = [fields];
  } else if (event[type] === undefined) event[type] = fields;
  else (event.extra ??= []).push({ type, ...fields });
}

/**
 * Parse one event's text (its lines joined by `\n`) into fields. Lines of other events (a
 * decoder's mistake, or a file fed whole) are kept in `errors`, not merged.
 */
export function parseAuditd(text: string): ParsedRecord {
  const lines = text.split('\n');
  let first: AuditLineHeader | undefined;
  const split: { n: number; line: SplitLine }[] = [];
  const errors: { line: number; reason: string }[] = [];
  for (let index = 0; index < lines.length; index++) {
    const rawLine = lines[index]!;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    const start = line.length - line.trimStart().length;
    const header = auditLineHeader(start === 0 ? line : line.slice(start));
    if (!header) {
      errors.push({ line: index + 1, reason: `not an audit record line: ${clip(line)}` });
      continue;
    }
    if (first === undefined) first = header;
    else if (!sameEvent(header, first)) {
      errors.push({
        line: index + 1,
        reason: `line of another event (${header.seconds}.${header.millis}:${header.serial})`,
      });
      continue;
    }
    const rest = line.slice(start + header.bodyStart);
    const gs = rest.indexOf(GS);
    split.push({
      n: index + 1,
      line:
        gs === -1
          ? { header, body: rest }
          : { header, body: rest.slice(0, gs), enriched: rest.slice(gs + 1) },
    });
  }
  if (first === undefined) return headlessEvent(text, errors);
  const head: AuditLineHeader = first;
  const millis = head.millis.slice(0, 3).padEnd(3, '0');
  const event: AuditEventFields = {
    id: `${head.seconds}.${head.millis}:${head.serial}`,
    time: Number(head.seconds) * 1000 + Number(millis),
    timestamp: `${head.seconds}.${head.millis}`,
    serial: Number(head.serial),
    types: split.map((s) => s.line.header.type),
  };
  if (head.node !== undefined) event.node = head.node;
  fillRecords(event, split);
  if (errors.length > 0) event.errors = errors;
  return { format: 'auditd', fields: event, raw: text };
}

/**
 * Text without an event id: kept as an event without time or serial (the normalizer uses the
 * receive time), its first line's type and fields read if it has them, and the reason recorded.
 * Only empty text is a ParseError.
 */
function headlessEvent(text: string, errors: { line: number; reason: string }[]): ParsedRecord {
  const lines = text.split('\n').map((l) => l.trim());
  const index = lines.findIndex((l) => l !== '');
  if (index === -1) throw new ParseError('empty', 'no audit record in empty text', 0);
  const line = lines[index]!;
  const event: AuditEventFields = { types: [] };
  const m = HEADLESS.exec(line);
  if (m) {
    if (m[1] !== undefined) event.node = m[1];
    event.types.push(m[2]!);
    const body = line.slice(m[0].length);
    const gs = body.indexOf(GS);
    const fields = parseKeyValues(gs === -1 ? body : body.slice(0, gs));
    if (gs !== -1) Object.assign(fields, parseEnriched(body.slice(gs + 1)));
    addRecord(event, m[2]!, fields);
    // The line's own complaint ("not an audit record line") is replaced by the precise one.
    event.errors = [
      { line: index + 1, reason: 'no event id (msg=audit(SECONDS.MILLIS:SERIAL))' },
      ...errors.filter((e) => e.line !== index + 1),
    ];
  } else event.errors = errors;
  return { format: 'auditd', fields: event, raw: text };
}

function fillRecords(event: AuditEventFields, split: { n: number; line: SplitLine }[]): void {
  const execve = split.filter((s) => s.line.header.type === 'EXECVE');
  let execveDone = false;
  const sockaddrs: AuditRecordFields[] = [];
  for (const { line } of split) {
    const { type } = line.header;
    if (type === 'EOE') continue;
    let fields: AuditRecordFields;
    if (type === 'EXECVE') {
      // One EXECVE per event, though audit splits long argument lists over several lines.
      if (execveDone) continue;
      execveDone = true;
      fields = {};
      execveArgs(
        execve.map((s) => s.line.body),
        fields,
      );
    } else {
      fields = parseKeyValues(line.body);
      if (type === 'PROCTITLE' && fields.proctitle !== undefined) fields.proctitle = proctitleOf(line.body);
      if (type === 'SOCKADDR') sockaddrs.push(fields);
    }
    if (line.enriched !== undefined) {
      for (const [key, value] of Object.entries(parseEnriched(line.enriched))) {
        if (!Object.hasOwn(fields, key)) fields[key] = value;
      }
    }
    addRecord(event, type, fields);
  }
  const syscall = event.SYSCALL as AuditRecordFields | undefined;
  const le = archIsLittleEndian(syscall?.arch);
  for (const fields of sockaddrs) {
    if (typeof fields.saddr !== 'string') continue;
    const addr = decodeSockaddr(fields.saddr, le);
    if (addr) Object.assign(fields, addrFields(addr));
  }
}

/** PROCTITLE's value: hex (NUL-separated argv) decoded, or the quoted text. */
function proctitleOf(body: string): unknown {
  const t = tokenize(body).tokens.find((x) => x.key === 'proctitle');
  if (!t) return undefined;
  if (t.quote !== '' || !HEX.test(t.raw)) return t.raw;
  return decodeProctitle(hexToText(t.raw));
}

function addrFields(addr: SockAddr): AuditRecordFields {
  const out: AuditRecordFields = { family: addr.family };
  if (addr.addr !== undefined) out.addr = addr.addr;
  if (addr.port !== undefined) out.port = addr.port;
  if (addr.path !== undefined) out.path = addr.path;
  if (addr.pid !== undefined) out.nlnk_pid = addr.pid;
  return out;
}

function sameEvent(a: AuditLineHeader, b: AuditLineHeader): boolean {
  return a.serial === b.serial && a.seconds === b.seconds && a.millis === b.millis && a.node === b.node;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** Whether a line is an audit record line (`[node=N ]type=T msg=audit(S.M:SERIAL):`). */
export function isAuditLine(line: string): boolean {
  return HEADER.test(line.trimStart());
}

export const auditdParser: Parser = {
  name: 'auditd',
  sniff: isAuditLine,
  parse: parseAuditd,
};

// ---------------------------------------------------------------------------------------------
// the line decoder

/** Events kept open at once while their lines may still come. */
export const AUDITD_WINDOW = 4;
/** An event with more lines than this is emitted as it is (PATH floods, hostile input). */
const MAX_EVENT_LINES = 2048;
const MAX_EVENT_CHARS = 4 * 1024 * 1024;
const RECENT_KEYS = 64;

interface OpenEvent {
  key: string;
  lines: string[];
  chars: number;
  position: string;
  done: boolean;
}

/**
 * Groups a stream's lines into events, in the order their first lines came. `window` events stay
 * open; an event is complete at its EOE line, pushed out by newer events, or flushed by `end()`.
 */
export class AuditdLineDecoder implements LineDecoder {
  private readonly open: OpenEvent[] = [];
  /** Keys of the events emitted last, to recognise an EOE that comes after its event left. */
  private readonly recent = new Set<string>();

  constructor(private readonly window = AUDITD_WINDOW) {}

  push(line: string, position: string): { records: DecodedRecord[]; issues?: DecodeIssue[] } {
    const trimmed = line.trimStart();
    if (trimmed === '') return { records: [] };
    const header = auditLineHeader(trimmed);
    if (!header) {
      // Not an audit line. Comments (`# ...`) in annotated files are not records; anything else is
      // emitted alone, after the events before it, and kept as an event with a parse error.
      if (trimmed.startsWith('#')) {
        return {
          records: [],
          issues: [
            { position, reason: 'comment', message: 'a comment line, not an audit record', text: line },
          ],
        };
      }
      const records = this.drain(this.open.length);
      records.push({ text: line, position, format: 'auditd' });
      return { records };
    }
    const key = `${header.node ?? ''}|${header.seconds}.${header.millis}:${header.serial}`;
    let event = this.open.find((e) => e.key === key && !e.done);
    if (!event && header.type === 'EOE' && this.recent.has(key)) {
      // The end marker of an event already emitted (pushed out of the window): nothing to add.
      const message = `end of event ${header.seconds}.${header.millis}:${header.serial} after the event was emitted`;
      return { records: [], issues: [{ position, reason: 'late_eoe', message, text: line }] };
    }
    if (!event) {
      event = { key, lines: [], chars: 0, position, done: false };
      this.open.push(event);
    }
    event.lines.push(trimmed);
    event.chars += trimmed.length;
    if (header.type === 'EOE' || event.lines.length >= MAX_EVENT_LINES || event.chars >= MAX_EVENT_CHARS)
      event.done = true;
    const records: DecodedRecord[] = [];
    // Complete events leave in order; the oldest open one leaves when the window is full.
    while (this.open.length > 0 && (this.open[0]!.done || this.open.length > this.window)) {
      records.push(this.emit(this.open.shift()!));
    }
    return { records };
  }

  end(): DecodedRecord[] {
    return this.drain(this.open.length);
  }

  pending(): boolean {
    return this.open.length > 0;
  }

  private drain(count: number): DecodedRecord[] {
    return this.open.splice(0, count).map((e) => this.emit(e));
  }

  private emit(event: OpenEvent): DecodedRecord {
    this.recent.add(event.key);
    if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.values().next().value!);
    return { text: event.lines.join('\n'), position: event.position, format: 'auditd' };
  }
}

/** The `auditd` line decoder: raw audit.log streams, with or without `node=`, raw or ENRICHED. */
export const auditdDecoder: LineDecoderType = {
  name: 'auditd',
  sniff: isAuditLine,
  create: () => new AuditdLineDecoder(),
};
