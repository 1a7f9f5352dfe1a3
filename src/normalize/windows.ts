/**
 * Windows event log records (JSON) → OCSF.
 *
 * Collectors ship Windows events in several JSON layouts. `flattenWindowsEvent` turns each into one
 * flat map named as Sigma names Windows fields (System attributes as `Element_Attribute`, e.g.
 * `Provider_Name`, `Execution_ProcessID`; EventData/UserData values by their `Name`), which is what
 * detection rules match on; it becomes the event's `unmapped`. Layouts:
 *  - evtx_dump / xmltodict: `{"Event":{"System":{...},"EventData":{...}}}`, attributes under
 *    `#attributes` or `@Name`, element text under `#text`;
 *  - Winlogbeat 7+: `winlog.{event_id,channel,computer_name,event_data,...}`;
 *  - Winlogbeat 6: top-level `event_id`, `log_name`, `computer_name`, `event_data`;
 *  - flat exports (NXLog, Log Analytics, ...): EventData values at the top level beside `EventID`,
 *    `Channel`, `Hostname`/`Computer`; a Log Analytics `EventData` string (XML or JSON) is parsed.
 * Flat layouts keep every original key and gain the canonical names (`Computer` beside NXLog's
 * `Hostname`, ...), so rules written for one layout work on all.
 *
 * Mapped (OCSF 1.8): Sysmon 1 / Security 4688 → Process Activity Launch, Sysmon 5 / 4689 →
 * Terminate; Sysmon 3 → Network Activity; 4624/4625 → Authentication Logon (success/failure),
 * 4634/4647 → Logoff; Sysmon 11 → File System Activity Create, 23/26 → Delete; Sysmon 22 → DNS
 * Activity; everything else → Base Event. Every event carries `device` (the `host` profile, named
 * in metadata.profiles). Pure: no I/O; time from the record, else the receive time.
 */
import { isIP } from 'node:net';
import { parseJsonDocument } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
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
import { parseTimestamp } from './time.js';

type Fields = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// flattening

type Layout = 'evtx' | 'winlogbeat' | 'winlogbeat6' | 'flat';

/**
 * A field by name. `__proto__` as a plain assignment would replace the object's prototype rather
 * than add a field; such a key is dropped (raw_data keeps it).
 */
function put(out: Fields, key: string, value: unknown): void {
  if (key !== '__proto__') out[key] = value;
}

/** Lookup tables as Maps: a field value such as `constructor` must not find Object.prototype's. */
function table<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries));
}

function isRecord(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Which Windows layout a JSON record is in, if any; a few key lookups. */
function layoutOf(f: Fields): Layout | undefined {
  const event = f.Event;
  if (isRecord(event) && isRecord(event.System)) return 'evtx';
  if (isRecord(f.System) && f.System.EventID !== undefined) return 'evtx';
  const winlog = f.winlog;
  if (isRecord(winlog) && (winlog.event_id !== undefined || winlog.channel !== undefined))
    return 'winlogbeat';
  if (
    f.event_id !== undefined &&
    (f.log_name !== undefined || f.computer_name !== undefined || isRecord(f.event_data))
  ) {
    return 'winlogbeat6';
  }
  if (
    f.EventID !== undefined &&
    (f.Channel !== undefined ||
      f.Computer !== undefined ||
      f.Hostname !== undefined ||
      f.SourceName !== undefined ||
      f.EventLog !== undefined ||
      f.ProviderName !== undefined)
  ) {
    return 'flat';
  }
  return undefined;
}

/** Whether a parsed JSON record is a Windows event in one of the known layouts. */
export function isWindowsEvent(fields: Fields): boolean {
  return layoutOf(fields) !== undefined;
}

/**
 * Any supported layout → one flat map of Windows field names (see the module comment), or
 * undefined when the record is not a Windows event. Pure; values are shared with the input, not
 * copied, so the input must not be mutated afterwards.
 */
export function flattenWindowsEvent(fields: Fields): Fields | undefined {
  const layout = layoutOf(fields);
  if (layout === undefined) return undefined;
  let out: Fields;
  switch (layout) {
    case 'evtx':
      out = flattenEvtx(fields);
      break;
    case 'winlogbeat':
      out = flattenWinlogbeat(fields);
      break;
    case 'winlogbeat6':
      out = flattenWinlogbeat6(fields);
      break;
    default:
      out = flattenFlat(fields);
  }
  const id = out.EventID;
  if (typeof id === 'string') {
    const n = toInt(id);
    if (n !== undefined) out.EventID = n;
  }
  return out;
}

/** System fields that event data must not overwrite: they identify the event. */
function keepIdentity(out: Fields, system: Fields): void {
  if (system.EventID !== undefined) out.EventID = system.EventID;
  if (system.Channel !== undefined) out.Channel = system.Channel;
  if (system.Computer !== undefined) out.Computer = system.Computer;
  if (system.Provider_Name !== undefined) out.Provider_Name = system.Provider_Name;
}

function flattenEvtx(f: Fields): Fields {
  const event = isRecord(f.Event) ? f.Event : f;
  const out: Fields = {};
  // Fields beside `Event` (a shipper's own) are kept as they are.
  if (event !== f) for (const key in f) if (key !== 'Event') put(out, key, f[key]);
  const system: Fields = {};
  const sys = event.System as Fields;
  for (const key in sys) {
    const v = sys[key];
    if (v === null || v === undefined) continue;
    if (isRecord(v)) addElement(system, key, v);
    else put(system, key, v);
  }
  Object.assign(out, system);
  if (event.EventData !== undefined) addData(out, event.EventData);
  const userData = event.UserData;
  if (isRecord(userData)) {
    // UserData holds one provider-defined element (e.g. LogFileCleared) whose children are the values.
    for (const key in userData) {
      if (key === '#attributes' || key.charCodeAt(0) === 0x40) continue;
      const child = userData[key];
      if (isRecord(child)) addData(out, child);
      else setField(out, key, child);
    }
  }
  const rendering = event.RenderingInfo;
  if (isRecord(rendering) && typeof rendering.Message === 'string' && out.Message === undefined) {
    out.Message = rendering.Message;
  }
  keepIdentity(out, system);
  return out;
}

/** An XML element as JSON: its text becomes `name`, each attribute `name_attribute` (Sigma's naming). */
function addElement(out: Fields, name: string, el: Fields): void {
  for (const key in el) {
    const v = el[key];
    if (key === '#text') put(out, name, v);
    else if (key === '#attributes') {
      if (isRecord(v)) for (const attr in v) if (attr !== 'xmlns') put(out, `${name}_${attr}`, v[attr]);
    } else if (key.charCodeAt(0) === 0x40 /* @ */) {
      if (key !== '@xmlns') put(out, `${name}_${key.slice(1)}`, v);
    }
  }
}

/** The text of an element value: `{"#text": x}` → x; anything else as it is. */
function elementText(v: unknown): unknown {
  return isRecord(v) && '#text' in v ? v['#text'] : v;
}

/**
 * EventData (or a UserData element) into the flat map. Named values come as keys (evtx_dump) or
 * as `Data: [{"@Name": .., "#text": ..}]` (xmltodict); unnamed `<Data>` values become `Data`
 * (one value, or a list), as Sigma rules for classic events expect.
 */
function addData(out: Fields, data: unknown): void {
  if (!isRecord(data)) {
    if (data !== null && data !== undefined) out.Data = data;
    return;
  }
  let unnamed: unknown[] | undefined;
  for (const key in data) {
    if (key === '#attributes' || key.charCodeAt(0) === 0x40) continue;
    const v = data[key];
    if (key === 'Data') {
      unnamed = addDataElements(out, v, unnamed);
    } else if (key === '#text') {
      (unnamed ??= []).push(...(Array.isArray(v) ? v : [v]));
    } else {
      setField(out, key, elementText(v));
    }
  }
  if (unnamed !== undefined && unnamed.length > 0) out.Data = unnamed.length === 1 ? unnamed[0] : unnamed;
}

function addDataElements(out: Fields, v: unknown, unnamed: unknown[] | undefined): unknown[] | undefined {
  const items = Array.isArray(v) ? v : [v];
  for (const item of items) {
    if (isRecord(item)) {
      const attrs = item['#attributes'];
      const name = isRecord(attrs) ? attrs.Name : item['@Name'];
      const text = '#text' in item ? item['#text'] : null;
      if (typeof name === 'string') setField(out, name, text);
      else if (text !== null) (unnamed ??= []).push(...(Array.isArray(text) ? text : [text]));
    } else if (item !== undefined) {
      (unnamed ??= []).push(item);
    }
  }
  return unnamed;
}

/** A data value by its name; a name with spaces also under the name without them, as Sigma writes it. */
function setField(out: Fields, key: string, value: unknown): void {
  put(out, key, value);
  if (key.indexOf(' ') >= 0) {
    const compact = key.replaceAll(' ', '');
    if (out[compact] === undefined) out[compact] = value;
  }
}

/** Winlogbeat 7+ `winlog` fields → Windows names. */
const WINLOG_NAMES: ReadonlyMap<string, string> = table({
  channel: 'Channel',
  computer_name: 'Computer',
  event_id: 'EventID',
  provider_name: 'Provider_Name',
  provider_guid: 'Provider_Guid',
  record_id: 'EventRecordID',
  task: 'Task',
  opcode: 'Opcode',
  keywords: 'Keywords',
  version: 'Version',
  activity_id: 'Correlation_ActivityID',
  related_activity_id: 'Correlation_RelatedActivityID',
});

function flattenWinlogbeat(f: Fields): Fields {
  const out: Fields = {};
  for (const key in f) if (key !== 'winlog') put(out, key, f[key]);
  const winlog = f.winlog as Fields;
  const system: Fields = {};
  const rest: Fields = {};
  for (const key in winlog) {
    const v = winlog[key];
    const name = WINLOG_NAMES.get(key);
    if (name !== undefined) system[name] = v;
    else if (key !== 'event_data' && key !== 'user_data') put(rest, key, v);
  }
  const proc = winlog.process;
  if (isRecord(proc)) {
    if (proc.pid !== undefined) system.Execution_ProcessID = proc.pid;
    if (isRecord(proc.thread) && proc.thread.id !== undefined) system.Execution_ThreadID = proc.thread.id;
  }
  if (isRecord(winlog.user) && winlog.user.identifier !== undefined)
    system.Security_UserID = winlog.user.identifier;
  // What winlog holds besides event data and the fields renamed above stays under `winlog`.
  out.winlog = rest;
  Object.assign(out, system);
  addBeatData(out, winlog.event_data);
  addBeatData(out, winlog.user_data);
  keepIdentity(out, system);
  return out;
}

/** Winlogbeat 6 top-level fields → Windows names (the originals stay too). */
const WINLOGBEAT6_NAMES: readonly (readonly [string, string])[] = [
  ['event_id', 'EventID'],
  ['log_name', 'Channel'],
  ['computer_name', 'Computer'],
  ['source_name', 'Provider_Name'],
  ['provider_guid', 'Provider_Guid'],
  ['record_number', 'EventRecordID'],
  ['process_id', 'Execution_ProcessID'],
  ['thread_id', 'Execution_ThreadID'],
  ['activity_id', 'Correlation_ActivityID'],
];

function flattenWinlogbeat6(f: Fields): Fields {
  const { event_data: eventData, user_data: userData, ...out } = f;
  const system: Fields = {};
  for (const [from, to] of WINLOGBEAT6_NAMES) {
    const v = f[from];
    if (v !== undefined) system[to] = v;
  }
  if (isRecord(f.user) && f.user.identifier !== undefined) system.Security_UserID = f.user.identifier;
  Object.assign(out, system);
  addBeatData(out, eventData);
  addBeatData(out, userData);
  keepIdentity(out, system);
  return out;
}

/** Winlogbeat names unnamed `<Data>` values param1, param2...; Sigma rules expect them as `Data`. */
function addBeatData(out: Fields, data: unknown): void {
  if (!isRecord(data)) return;
  for (const key in data) setField(out, key, data[key]);
  if (data.param1 !== undefined && data.Data === undefined) {
    const values: unknown[] = [];
    for (let i = 1; data[`param${i}`] !== undefined; i++) values.push(data[`param${i}`]);
    out.Data = values.length === 1 ? values[0] : values;
  }
}

function flattenFlat(f: Fields): Fields {
  const out: Fields = { ...f };
  // Canonical names beside the collector's own (NXLog, Log Analytics, flat exports).
  if (out.Computer === undefined && f.Hostname !== undefined) out.Computer = f.Hostname;
  if (out.Channel === undefined && f.EventLog !== undefined) out.Channel = f.EventLog;
  if (out.Provider_Name === undefined) {
    const provider = f.SourceName ?? f.ProviderName ?? f.EventSourceName ?? f.Provider ?? f.Source;
    if (provider !== undefined) out.Provider_Name = provider;
  }
  if (out.Provider_Guid === undefined && f.ProviderGuid !== undefined) out.Provider_Guid = f.ProviderGuid;
  if (out.EventRecordID === undefined && f.RecordNumber !== undefined) out.EventRecordID = f.RecordNumber;
  if (out.Execution_ProcessID === undefined && f.ExecutionProcessID !== undefined) {
    out.Execution_ProcessID = f.ExecutionProcessID;
  }
  // Log Analytics keeps EventData as text: XML for SecurityEvent, JSON for WindowsEvent.
  if (typeof f.EventData === 'string' && addEmbeddedData(out, f.EventData)) delete out.EventData;
  if (typeof f.EventData_string === 'string' && addEmbeddedData(out, f.EventData_string))
    delete out.EventData_string;
  return out;
}

/** EventData held as a string: `{...}` JSON or `<EventData><Data Name=..>` XML. False if neither. */
function addEmbeddedData(out: Fields, text: string): boolean {
  const first = firstChar(text);
  if (first === 0x7b /* { */) {
    let data: unknown;
    try {
      data = parseJsonDocument(text);
    } catch {
      return false;
    }
    if (!isRecord(data)) return false;
    for (const key in data) {
      const own = key === 'EventID' || key === 'Channel' || key === 'Computer' || key === 'Provider_Name';
      if (!own || out[key] === undefined) setField(out, key, data[key]);
    }
    return true;
  }
  if (first === 0x3c /* < */) return addXmlData(out, text);
  return false;
}

function firstChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return c;
  }
  return -1;
}

/**
 * `<Data Name="X">value</Data>` elements of an EventData XML text, found with indexOf (no XML
 * parser: the shape is fixed and this runs per event). Entities and CDATA are decoded.
 */
function addXmlData(out: Fields, xml: string): boolean {
  let found = false;
  let unnamed: unknown[] | undefined;
  let i = 0;
  for (;;) {
    const open = xml.indexOf('<Data', i);
    if (open < 0) break;
    const after = xml.charCodeAt(open + 5);
    if (
      after !== 0x3e &&
      after !== 0x2f &&
      after !== 0x20 &&
      after !== 0x09 &&
      after !== 0x0a &&
      after !== 0x0d
    ) {
      i = open + 5; // <DataItem ...>
      continue;
    }
    const tagEnd = xml.indexOf('>', open);
    if (tagEnd < 0) break;
    const selfClosing = xml.charCodeAt(tagEnd - 1) === 0x2f;
    const name = attribute(xml.slice(open + 5, selfClosing ? tagEnd - 1 : tagEnd), 'Name');
    let value: string | null = null;
    if (selfClosing) {
      i = tagEnd + 1;
    } else {
      const close = xml.indexOf('</Data>', tagEnd);
      if (close < 0) break;
      value = decodeXmlText(xml.slice(tagEnd + 1, close));
      i = close + 7;
    }
    found = true;
    if (name !== undefined) setField(out, name, value);
    else (unnamed ??= []).push(value);
  }
  if (unnamed !== undefined && out.Data === undefined) out.Data = unnamed.length === 1 ? unnamed[0] : unnamed;
  return found;
}

function attribute(tag: string, name: string): string | undefined {
  const at = tag.indexOf(`${name}=`);
  if (at < 0) return undefined;
  const quote = tag.charAt(at + name.length + 1);
  if (quote !== '"' && quote !== "'") return undefined;
  const start = at + name.length + 2;
  const end = tag.indexOf(quote, start);
  return end < 0 ? undefined : decodeXmlText(tag.slice(start, end));
}

const XML_ENTITIES: ReadonlyMap<string, string> = table({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" });

function decodeXmlText(text: string): string {
  if (text.startsWith('<![CDATA[') && text.endsWith(']]>')) return text.slice(9, -3);
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.charCodeAt(0) !== 0x23) return XML_ENTITIES.get(ref) ?? whole;
    const code = ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// ---------------------------------------------------------------------------------------------
// the normalizer

export const windowsNormalizer: Normalizer = {
  name: 'windows',
  accepts: (record) => record.format === 'json' && layoutOf(record.fields) !== undefined,
  normalize(record, ctx) {
    try {
      const flat = flattenWindowsEvent(record.fields);
      if (flat !== undefined) return mapEvent(new WinEvent(flat, record, ctx));
    } catch {
      // Bad content must not stop the pipeline: fall through to an event that keeps it all.
    }
    return fallbackEvent(record, ctx);
  },
};

/** What every mapping reads from a flattened event, computed once. */
class WinEvent {
  readonly eventId: number | undefined;
  readonly channel: string | undefined;
  readonly provider: string | undefined;
  readonly computer: string | undefined;
  readonly isSysmon: boolean;
  readonly isSecurity: boolean;

  constructor(
    readonly flat: Fields,
    readonly record: ParsedRecord,
    readonly ctx: NormalizeContext,
  ) {
    this.eventId = toInt(flat.EventID);
    this.channel = text(flat.Channel);
    this.provider = text(flat.Provider_Name);
    this.computer = text(flat.Computer);
    const channel = this.channel?.toLowerCase();
    const provider = this.provider?.toLowerCase();
    this.isSysmon =
      channel === 'microsoft-windows-sysmon/operational' || provider === 'microsoft-windows-sysmon';
    this.isSecurity = channel === 'security' || provider === 'microsoft-windows-security-auditing';
  }

  /** A data value as text, without Windows' placeholders for "none" (`-`, empty). */
  get(name: string): string | undefined {
    return meaningful(this.flat[name]);
  }
}

function mapEvent(w: WinEvent): OcsfEvent {
  let event: OcsfEvent | undefined;
  if (w.computer !== undefined) {
    if (w.isSysmon) {
      switch (w.eventId) {
        case 1:
          event = sysmonProcessCreate(w);
          break;
        case 5:
          event = sysmonProcessTerminate(w);
          break;
        case 3:
          event = sysmonNetworkConnect(w);
          break;
        case 11:
          event = sysmonFile(w, FILE_CREATE);
          break;
        case 23:
        case 26:
          event = sysmonFile(w, FILE_DELETE);
          break;
        case 22:
          event = sysmonDnsQuery(w);
          break;
      }
    } else if (w.isSecurity) {
      switch (w.eventId) {
        case 4688:
          event = securityProcessCreate(w);
          break;
        case 4689:
          event = securityProcessExit(w);
          break;
        case 4624:
          event = securityLogon(w, true);
          break;
        case 4625:
          event = securityLogon(w, false);
          break;
        case 4634:
        case 4647:
          event = securityLogoff(w);
          break;
      }
    }
  }
  return event ?? baseEvent(w);
}

// ---------------------------------------------------------------------------------------------
// common parts

type WindowsMetadata = Omit<OcsfMetadata, 'version'> & { profiles: string[]; log_provider?: string };

/** The envelope every Windows event gets; mappers add their class's attributes. */
function envelope(w: WinEvent, cls: OcsfClassInfo, activity: { id: number; name: string }): OcsfEvent {
  const { time, original } = eventTime(w);
  const metadata: WindowsMetadata = {
    product: { name: w.isSysmon ? 'Sysmon' : 'Microsoft Windows', vendor_name: 'Microsoft' },
    profiles: ['host'],
    logged_time: w.ctx.receivedAt,
  };
  if (w.channel !== undefined) metadata.log_name = w.channel;
  if (w.provider !== undefined) metadata.log_provider = w.provider;
  const code = w.eventId ?? text(w.flat.EventID);
  if (code !== undefined) metadata.event_code = String(code);
  const recordId = text(w.flat.EventRecordID);
  if (recordId !== undefined) metadata.original_event_uid = recordId;
  if (original !== undefined) metadata.original_time = original;
  const message = messageOf(w.flat);
  const severity_id = severityOf(w.flat);
  const event = ocsfEvent(cls, activity, { time, severity_id, metadata, ...(message ? { message } : {}) });
  event.severity = SEVERITY_CAPTIONS[severity_id];
  if (w.computer !== undefined) {
    event.device = {
      hostname: w.computer,
      type_id: 0,
      type: 'Unknown',
      os: { name: 'Windows', type_id: 100, type: 'Windows' },
    };
    addObservable(event, 'device.hostname', ObservableType.Hostname, w.computer);
  }
  return event;
}

/** The original fields and text, last so they follow the mapped attributes. */
function finish(w: WinEvent, event: OcsfEvent): OcsfEvent {
  event.unmapped = w.flat;
  event.raw_data = w.record.raw;
  return event;
}

function baseEvent(w: WinEvent): OcsfEvent {
  return finish(w, envelope(w, OcsfClass.BaseEvent, { id: 99, name: 'Other' }));
}

/** When even flattening failed: the record as it came, so nothing is lost. */
function fallbackEvent(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 99, name: 'Other' },
    {
      time: ctx.receivedAt,
      severity_id: Severity.Unknown,
      metadata: { product: { name: 'Microsoft Windows', vendor_name: 'Microsoft' } },
    },
  );
  event.unmapped = record.fields;
  event.raw_data = record.raw;
  return event;
}

/** The first time field a layout has, as epoch ms, and its original text. */
const TIME_FIELDS = [
  'TimeCreated_SystemTime',
  'TimeCreated',
  'TimeGenerated',
  '@timestamp',
  'EventTime',
] as const;

function eventTime(w: WinEvent): { time: number; original?: string } {
  for (const name of TIME_FIELDS) {
    const v = w.flat[name];
    if (typeof v === 'string' && v !== '') {
      const time = isoUtcToMs(v) ?? parseTimestamp(v);
      if (time !== undefined) return { time, original: v };
    }
  }
  return { time: w.ctx.receivedAt };
}

/**
 * `2020-06-10T02:51:00.594Z` (`@timestamp`, `TimeCreated`, `SystemTime`; up to 9 fraction digits)
 * without a regular expression: this runs for every event. Anything else is left to parseTimestamp.
 */
function isoUtcToMs(t: string): number | undefined {
  const n = t.length;
  if (n < 20 || n > 30 || t.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (t.charCodeAt(4) !== 0x2d || t.charCodeAt(7) !== 0x2d || t.charCodeAt(10) !== 0x54) return undefined;
  if (t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  let ms = 0;
  if (n > 20) {
    if (t.charCodeAt(19) !== 0x2e || n - 21 > 9) return undefined;
    const fraction = digits(t, 20, n - 21);
    if (fraction < 0) return undefined;
    ms = n - 21 >= 3 ? Math.floor(fraction / 10 ** (n - 24)) : fraction * 10 ** (24 - n);
  }
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The decimal value of `count` digits at `from`, or -1. */
function digits(t: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = t.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function messageOf(flat: Fields): string | undefined {
  const m = flat.Message ?? flat.message ?? flat.RenderedDescription;
  return typeof m === 'string' && m !== '' ? m : undefined;
}

/** Windows Level (1 critical, 2 error, 3 warning, 4 information, 5 verbose, 0 log-always) → severity_id. */
const SEVERITY_BY_LEVEL: readonly number[] = [
  Severity.Informational,
  Severity.Critical,
  Severity.High,
  Severity.Medium,
  Severity.Informational,
  Severity.Informational,
];

/** Level names as collectors write them (NXLog Severity, Winlogbeat level, Log Analytics EventLevelName). */
const SEVERITY_BY_NAME: ReadonlyMap<string, number> = table({
  critical: Severity.Critical,
  error: Severity.High,
  warning: Severity.Medium,
  warn: Severity.Medium,
  information: Severity.Informational,
  informational: Severity.Informational,
  info: Severity.Informational,
  verbose: Severity.Informational,
  debug: Severity.Informational,
  'audit success': Severity.Informational,
  'audit failure': Severity.Informational,
  audit_success: Severity.Informational,
  audit_failure: Severity.Informational,
});

function severityOf(flat: Fields): number {
  const level = toInt(flat.Level ?? flat.EventLevel);
  if (level !== undefined && level >= 0 && level < SEVERITY_BY_LEVEL.length) return SEVERITY_BY_LEVEL[level]!;
  const log = flat.log;
  const name = flat.level ?? flat.Severity ?? flat.EventLevelName ?? (isRecord(log) ? log.level : undefined);
  if (typeof name === 'string') return SEVERITY_BY_NAME.get(name.toLowerCase()) ?? Severity.Unknown;
  return Severity.Unknown;
}

// ---------------------------------------------------------------------------------------------
// value helpers

/** Strings as they are, numbers and bigints as decimal text; anything else (and '') is undefined. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** Like text(), without the placeholders Windows writes for "none". */
function meaningful(v: unknown): string | undefined {
  const t = text(v);
  return t === undefined || t === '-' || t === '%%1793' ? undefined : t;
}

/** An integer from a number, bigint, decimal text or `0x` hex text (Security events write pids in hex). */
function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'bigint')
    return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 18) return undefined;
  let n: number;
  if (v.length > 2 && v.charCodeAt(0) === 0x30 && (v.charCodeAt(1) === 0x78 || v.charCodeAt(1) === 0x58)) {
    n = parseInt(v.slice(2), 16);
    if (!isHex(v, 2)) return undefined;
  } else {
    if (!isDecimal(v)) return undefined;
    n = Number(v);
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

function isDecimal(v: string): boolean {
  for (let i = v.charCodeAt(0) === 0x2d ? 1 : 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return v !== '-';
}

function isHex(v: string, from: number): boolean {
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i) | 0x20;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** A process id: a non-negative 32-bit integer. */
function pidOf(v: unknown): number | undefined {
  const n = toInt(v);
  return n !== undefined && n >= 0 && n <= 0xffffffff ? n : undefined;
}

function portOf(v: unknown): number | undefined {
  const n = toInt(v);
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

/** An IP address the OCSF pattern accepts (no IPv6 zone suffix). */
function ipOf(v: unknown): string | undefined {
  const t = meaningful(v);
  if (t === undefined) return undefined;
  const ip = t.indexOf('%') >= 0 ? t.slice(0, t.indexOf('%')) : t;
  return isIP(ip) !== 0 ? ip : undefined;
}

/** Sysmon writes GUIDs as `{6a910b9d-...}` or `5AA13A44-...` depending on the collector: one form. */
function guidOf(v: unknown): string | undefined {
  const t = meaningful(v);
  if (t === undefined) return undefined;
  const bare = (
    t.charCodeAt(0) === 0x7b && t.charCodeAt(t.length - 1) === 0x7d ? t.slice(1, -1) : t
  ).toLowerCase();
  return bare === NULL_GUID ? undefined : bare;
}

const NULL_GUID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sysmon writes `<unknown process>` (NXLog: `&lt;unknown process&gt;`) when it could not resolve the image. */
function imagePath(v: unknown): string | undefined {
  const t = meaningful(v);
  return t === undefined || t.charCodeAt(0) === 0x3c || t.startsWith('&lt;') ? undefined : t;
}

function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return cut < 0 ? path : path.slice(cut + 1);
}

/** `DOMAIN\name` (or a bare name) → an OCSF user. */
function userFromAccount(account: string | undefined): Fields | undefined {
  if (account === undefined) return undefined;
  const cut = account.indexOf('\\');
  if (cut < 0) return { name: account };
  const name = account.slice(cut + 1);
  const domain = account.slice(0, cut);
  if (name === '') return undefined;
  return domain === '' ? { name } : { name, domain };
}

/** Security events name a user by three fields with a common prefix (Subject..., Target...). */
function userFromParts(w: WinEvent, prefix: 'Subject' | 'Target'): Fields | undefined {
  const name = w.get(`${prefix}UserName`);
  const domain = w.get(`${prefix}DomainName`);
  const sid = w.get(`${prefix}UserSid`);
  const user: Fields = {};
  if (name !== undefined) user.name = name;
  if (domain !== undefined) user.domain = domain;
  if (sid !== undefined && sid !== 'S-1-0-0') user.uid = sid;
  return user.name !== undefined || user.uid !== undefined ? user : undefined;
}

const HASH_ALGORITHMS: ReadonlyMap<string, { id: number; name: string }> = table({
  MD5: { id: 1, name: 'MD5' },
  SHA1: { id: 2, name: 'SHA-1' },
  SHA256: { id: 3, name: 'SHA-256' },
  SHA384: { id: 9, name: 'SHA-384' },
  SHA512: { id: 4, name: 'SHA-512' },
  IMPHASH: { id: 18, name: 'Imphash' },
});

/** Sysmon's `SHA1=...,MD5=...,IMPHASH=...` → OCSF fingerprints. */
function hashesOf(v: unknown): Fields[] | undefined {
  const t = meaningful(v);
  if (t === undefined) return undefined;
  const out: Fields[] = [];
  for (const part of t.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const value = part.slice(eq + 1).trim();
    if (value === '') continue;
    const label = part.slice(0, eq).trim().toUpperCase();
    const algorithm = HASH_ALGORITHMS.get(label);
    out.push(
      algorithm
        ? { algorithm_id: algorithm.id, algorithm: algorithm.name, value }
        : { algorithm_id: 99, algorithm: label, value },
    );
  }
  return out.length > 0 ? out : undefined;
}

/** An executable's path → OCSF file. */
function fileOf(path: string): Fields {
  return { name: basename(path), path, type_id: 1, type: 'Regular File' };
}

const INTEGRITY: ReadonlyMap<string, number> = table({
  untrusted: 1,
  low: 2,
  medium: 3,
  'medium plus': 3,
  mediumplus: 3,
  high: 4,
  system: 5,
  protected: 6,
});
const INTEGRITY_CAPTIONS = ['Unknown', 'Untrusted', 'Low', 'Medium', 'High', 'System', 'Protected'];

/** Security events give the integrity level as a mandatory label SID, S-1-16-<RID>. */
function integrityFromLabel(label: string | undefined): number | undefined {
  if (label === undefined || !label.startsWith('S-1-16-')) return undefined;
  const rid = Number(label.slice(7));
  if (!Number.isInteger(rid)) return undefined;
  if (rid < 0x1000) return 1;
  if (rid < 0x2000) return 2;
  if (rid < 0x3000) return 3;
  if (rid < 0x4000) return 4;
  if (rid < 0x5000) return 5;
  return 6;
}

function setIntegrity(process: Fields, id: number | undefined, caption?: string): void {
  if (id === undefined) return;
  process.integrity_id = id;
  process.integrity = caption ?? INTEGRITY_CAPTIONS[id];
}

function addUserObservable(event: OcsfEvent, name: string, user: Fields | undefined): void {
  if (user?.name !== undefined) addObservable(event, name, ObservableType.UserName, user.name);
}

function addProcessObservables(event: OcsfEvent, prefix: string, process: Fields | undefined): void {
  if (process === undefined) return;
  addObservable(event, `${prefix}.name`, ObservableType.ProcessName, process.name);
  addObservable(event, `${prefix}.pid`, ObservableType.ProcessID, process.pid);
  const file = process.file as Fields | undefined;
  const hashes = file?.hashes as Fields[] | undefined;
  if (hashes)
    for (const h of hashes) addObservable(event, `${prefix}.file.hashes.value`, ObservableType.Hash, h.value);
}

// ---------------------------------------------------------------------------------------------
// Process Activity

const PROCESS_LAUNCH = { id: 1, name: 'Launch' };
const PROCESS_TERMINATE = { id: 2, name: 'Terminate' };

/** The process an event names by Image/ProcessId/ProcessGuid (Sysmon), or undefined without an id. */
function sysmonProcess(w: WinEvent, prefix = ''): Fields | undefined {
  const pid = pidOf(w.flat[`${prefix}ProcessId`]);
  const uid = guidOf(w.flat[`${prefix}ProcessGuid`]);
  if (pid === undefined && uid === undefined) return undefined;
  const process: Fields = {};
  const image = imagePath(w.flat[`${prefix}Image`]);
  if (image !== undefined) {
    process.name = basename(image);
    process.file = fileOf(image);
  }
  if (pid !== undefined) process.pid = pid;
  if (uid !== undefined) process.uid = uid;
  const cmd = w.get(`${prefix}CommandLine`);
  if (cmd !== undefined) process.cmd_line = cmd;
  return process;
}

/** Sysmon 1: the new process, its image's metadata and hashes, and its parent as the actor. */
function sysmonProcessCreate(w: WinEvent): OcsfEvent | undefined {
  const process = sysmonProcess(w);
  if (process === undefined) return undefined;
  const file = process.file as Fields | undefined;
  if (file !== undefined) {
    const hashes = hashesOf(w.flat.Hashes);
    if (hashes) file.hashes = hashes;
    const company = w.get('Company');
    if (company !== undefined) file.company_name = company;
    const version = w.get('FileVersion');
    if (version !== undefined) file.version = version;
    const description = w.get('Description');
    if (description !== undefined) file.desc = description;
    const product = w.get('Product');
    if (product !== undefined) file.product = { name: product };
    const original = w.get('OriginalFileName');
    if (original !== undefined) file.internal_name = original;
  }
  const user = userFromAccount(w.get('User'));
  if (user) process.user = user;
  const cwd = w.get('CurrentDirectory');
  if (cwd !== undefined) process.working_directory = cwd;
  const integrity = w.get('IntegrityLevel');
  if (integrity !== undefined) setIntegrity(process, INTEGRITY.get(integrity.toLowerCase()) ?? 99, integrity);
  const created = parseTimestamp(w.flat.UtcTime);
  if (created !== undefined) process.created_time = created;
  const parent = sysmonProcess(w, 'Parent');
  const parentUser = userFromAccount(w.get('ParentUser'));
  if (parent) {
    if (parentUser) parent.user = parentUser;
    process.parent_process = parent;
  }
  const actorUser = parentUser ?? user;
  const actor: Fields = {};
  if (parent) actor.process = parent;
  if (actorUser) actor.user = actorUser;
  if (actor.process === undefined && actor.user === undefined) return undefined;

  return processLaunch(w, process, parent, actor, user, actorUser);
}

/** Security 4688: new process by path and hex pid; the creator is the Subject, the parent its process. */
function securityProcessCreate(w: WinEvent): OcsfEvent | undefined {
  const pid = pidOf(w.flat.NewProcessId);
  if (pid === undefined) return undefined;
  const process: Fields = { pid };
  const image = w.get('NewProcessName');
  if (image !== undefined) {
    process.name = basename(image);
    process.file = fileOf(image);
  }
  const cmd = w.get('CommandLine');
  if (cmd !== undefined) process.cmd_line = cmd;
  setIntegrity(process, integrityFromLabel(w.get('MandatoryLabel')));
  const subject = userFromParts(w, 'Subject');
  // Target* names the new process's account when it differs from the creator's (runas, services).
  const target = userFromParts(w, 'Target');
  const processUser = target ?? subject;
  if (processUser) process.user = processUser;
  let parent: Fields | undefined;
  const parentPid = pidOf(w.flat.ProcessId);
  if (parentPid !== undefined) {
    parent = { pid: parentPid };
    const parentImage = w.get('ParentProcessName');
    if (parentImage !== undefined) {
      parent.name = basename(parentImage);
      parent.file = fileOf(parentImage);
    }
    if (subject) parent.user = subject;
    process.parent_process = parent;
  }
  const actor: Fields = {};
  if (parent) actor.process = parent;
  if (subject) actor.user = subject;
  const logonId = w.get('SubjectLogonId');
  if (logonId !== undefined) actor.session = { uid: logonId };
  if (actor.process === undefined && actor.user === undefined) return undefined;

  return processLaunch(w, process, parent, actor, processUser, subject);
}

/** The Process Activity Launch event shared by Sysmon 1 and Security 4688. */
function processLaunch(
  w: WinEvent,
  process: Fields,
  parent: Fields | undefined,
  actor: Fields,
  processUser: Parameters<typeof addUserObservable>[2],
  actorUser: Parameters<typeof addUserObservable>[2],
): OcsfEvent {
  const event = envelope(w, OcsfClass.ProcessActivity, PROCESS_LAUNCH);
  event.process = process;
  event.actor = actor;
  addProcessObservables(event, 'process', process);
  addProcessObservables(event, 'process.parent_process', parent);
  addObservable(event, 'process.cmd_line', ObservableType.CommandLine, process.cmd_line);
  addUserObservable(event, 'process.user.name', processUser);
  addUserObservable(event, 'actor.user.name', actorUser);
  return finish(w, event);
}

/** Sysmon 5: the process that ended; the actor is its own user (Sysmon does not say who ended it). */
function sysmonProcessTerminate(w: WinEvent): OcsfEvent | undefined {
  const process = sysmonProcess(w);
  if (process === undefined) return undefined;
  const user = userFromAccount(w.get('User'));
  if (user) process.user = user;
  const event = envelope(w, OcsfClass.ProcessActivity, PROCESS_TERMINATE);
  event.process = process;
  event.actor = user ? { user } : { process };
  const ended = parseTimestamp(w.flat.UtcTime);
  if (ended !== undefined) process.terminated_time = ended;
  addProcessObservables(event, 'process', process);
  addUserObservable(event, 'process.user.name', user);
  return finish(w, event);
}

/** Security 4689: the process that exited (path, hex pid, exit status); the Subject is the actor. */
function securityProcessExit(w: WinEvent): OcsfEvent | undefined {
  const pid = pidOf(w.flat.ProcessId);
  const subject = userFromParts(w, 'Subject');
  if (pid === undefined || subject === undefined) return undefined;
  const process: Fields = { pid, user: subject };
  const image = w.get('ProcessName');
  if (image !== undefined) {
    process.name = basename(image);
    process.file = fileOf(image);
  }
  const event = envelope(w, OcsfClass.ProcessActivity, PROCESS_TERMINATE);
  event.process = process;
  event.actor = { user: subject };
  const status = toInt(w.flat.Status);
  if (status !== undefined && status >= -0x80000000 && status <= 0xffffffff) event.exit_code = status;
  addProcessObservables(event, 'process', process);
  addUserObservable(event, 'actor.user.name', subject);
  return finish(w, event);
}

// ---------------------------------------------------------------------------------------------
// Network Activity

const PROTOCOL_NUMBERS: ReadonlyMap<string, number> = table({ tcp: 6, udp: 17, icmp: 1, icmpv6: 58 });

function endpoint(ip: unknown, port: unknown, hostname: unknown): Fields | undefined {
  const out: Fields = {};
  const address = ipOf(ip);
  if (address !== undefined) out.ip = address;
  const p = portOf(port);
  if (p !== undefined) out.port = p;
  const name = meaningful(hostname);
  if (name !== undefined) out.hostname = name;
  return out.ip !== undefined || out.hostname !== undefined ? out : undefined;
}

/** The process an event attributes its activity to, with its user, as an OCSF actor. */
function sysmonActor(w: WinEvent): { actor: Fields; process?: Fields; user?: Fields } | undefined {
  const process = sysmonProcess(w);
  const user = userFromAccount(w.get('User'));
  if (process === undefined && user === undefined) return undefined;
  const actor: Fields = {};
  if (process) actor.process = process;
  if (user) actor.user = user;
  return { actor, process, user };
}

/** Sysmon 3: a TCP/UDP connection, its endpoints as Sysmon reports them, and the process. */
function sysmonNetworkConnect(w: WinEvent): OcsfEvent | undefined {
  const src = endpoint(w.flat.SourceIp, w.flat.SourcePort, w.flat.SourceHostname);
  const dst = endpoint(w.flat.DestinationIp, w.flat.DestinationPort, w.flat.DestinationHostname);
  if (src === undefined && dst === undefined) return undefined;
  const event = envelope(w, OcsfClass.NetworkActivity, { id: 1, name: 'Open' });
  if (src) event.src_endpoint = src;
  if (dst) event.dst_endpoint = dst;
  const connection: Fields = {};
  const protocol = w.get('Protocol')?.toLowerCase();
  if (protocol !== undefined) {
    connection.protocol_name = protocol;
    const number = PROTOCOL_NUMBERS.get(protocol);
    if (number !== undefined) connection.protocol_num = number;
  }
  const initiated = w.get('Initiated')?.toLowerCase();
  if (initiated === 'true') {
    connection.direction_id = 2;
    connection.direction = 'Outbound';
  } else if (initiated === 'false') {
    connection.direction_id = 1;
    connection.direction = 'Inbound';
  } else {
    connection.direction_id = 0;
    connection.direction = 'Unknown';
  }
  const v6 = w.get('SourceIsIpv6')?.toLowerCase();
  if (v6 === 'true' || v6 === 'false') {
    connection.protocol_ver_id = v6 === 'true' ? 6 : 4;
    connection.protocol_ver =
      v6 === 'true' ? 'Internet Protocol version 6 (IPv6)' : 'Internet Protocol version 4 (IPv4)';
  }
  event.connection_info = connection;
  const who = sysmonActor(w);
  if (who) {
    event.actor = who.actor;
    addProcessObservables(event, 'actor.process', who.process);
    addUserObservable(event, 'actor.user.name', who.user);
  }
  if (src?.ip) addObservable(event, 'src_endpoint.ip', ObservableType.IPAddress, src.ip);
  if (dst?.ip) addObservable(event, 'dst_endpoint.ip', ObservableType.IPAddress, dst.ip);
  if (src?.hostname) addObservable(event, 'src_endpoint.hostname', ObservableType.Hostname, src.hostname);
  if (dst?.hostname) addObservable(event, 'dst_endpoint.hostname', ObservableType.Hostname, dst.hostname);
  return finish(w, event);
}

// ---------------------------------------------------------------------------------------------
// File System Activity

const FILE_CREATE = { id: 1, name: 'Create' };
const FILE_DELETE = { id: 4, name: 'Delete' };

/** Sysmon 11 (FileCreate), 23 (FileDelete, archived) and 26 (FileDeleteDetected). */
function sysmonFile(w: WinEvent, activity: { id: number; name: string }): OcsfEvent | undefined {
  const path = w.get('TargetFilename');
  const who = sysmonActor(w);
  if (path === undefined || who === undefined) return undefined;
  const file = fileOf(path);
  const created = parseTimestamp(w.flat.CreationUtcTime);
  if (created !== undefined) file.created_time = created;
  const hashes = hashesOf(w.flat.Hashes);
  if (hashes) file.hashes = hashes;
  const event = envelope(w, OcsfClass.FileSystemActivity, activity);
  event.file = file;
  event.actor = who.actor;
  addObservable(event, 'file.name', ObservableType.FileName, file.name);
  addObservable(event, 'file.path', ObservableType.FilePath, path);
  if (hashes) for (const h of hashes) addObservable(event, 'file.hashes.value', ObservableType.Hash, h.value);
  addProcessObservables(event, 'actor.process', who.process);
  addUserObservable(event, 'actor.user.name', who.user);
  return finish(w, event);
}

// ---------------------------------------------------------------------------------------------
// DNS Activity

/** Resource record type numbers that Sysmon writes as `type:  5 name` in QueryResults. */
const DNS_TYPES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  65: 'HTTPS',
};

/** Windows DNS client statuses (DNS_ERROR_RCODE_*) → OCSF rcode_id; 0 is success. */
const RCODE_BY_STATUS: Readonly<Record<number, { id: number; name: string }>> = {
  0: { id: 0, name: 'NoError' },
  9001: { id: 1, name: 'FormError' },
  9002: { id: 2, name: 'ServError' },
  9003: { id: 3, name: 'NXDomain' },
  9004: { id: 4, name: 'NotImp' },
  9005: { id: 5, name: 'Refused' },
  9006: { id: 6, name: 'YXDomain' },
  9007: { id: 7, name: 'YXRRSet' },
  9008: { id: 8, name: 'NXRRSet' },
  9009: { id: 9, name: 'NotAuth' },
  9010: { id: 10, name: 'NotZone' },
};

/**
 * `type:  5 edge.example.net;::ffff:13.107.21.200;` → answers. Addresses come IPv4-mapped; they
 * are A records and are given as plain IPv4.
 */
function dnsAnswers(results: string | undefined): Fields[] | undefined {
  if (results === undefined) return undefined;
  const out: Fields[] = [];
  for (const raw of results.split(';')) {
    const part = raw.trim();
    if (part === '' || part === '-') continue;
    if (part.startsWith('type:')) {
      const rest = part.slice(5).trim();
      const space = rest.indexOf(' ');
      const number = Number(space < 0 ? rest : rest.slice(0, space));
      const rdata = space < 0 ? '' : rest.slice(space + 1).trim();
      if (rdata === '') continue;
      const type = DNS_TYPES[number];
      out.push(type ? { type, rdata } : { rdata });
    } else {
      const ip = part.startsWith('::ffff:') && isIP(part.slice(7)) === 4 ? part.slice(7) : part;
      const family = isIP(ip);
      out.push(
        family === 4 ? { type: 'A', rdata: ip } : family === 6 ? { type: 'AAAA', rdata: ip } : { rdata: ip },
      );
    }
  }
  return out.length > 0 ? out : undefined;
}

/** Sysmon 22: a name the process looked up, the client's status and the answers. */
function sysmonDnsQuery(w: WinEvent): OcsfEvent | undefined {
  const name = w.get('QueryName');
  const who = sysmonActor(w);
  if (name === undefined && who === undefined) return undefined;
  const event = envelope(w, OcsfClass.DnsActivity, { id: 6, name: 'Traffic' });
  if (name !== undefined) {
    const query: Fields = { hostname: name };
    const type = DNS_TYPES[toInt(w.flat.QueryType) ?? -1];
    if (type !== undefined) query.type = type;
    event.query = query;
    addObservable(event, 'query.hostname', ObservableType.Hostname, name);
  }
  // The query leaves the logging host; Sysmon does not name the server asked.
  event.src_endpoint = { hostname: w.computer };
  const answers = dnsAnswers(w.get('QueryResults'));
  if (answers) {
    event.answers = answers;
    for (const a of answers) {
      if (a.type === 'A' || a.type === 'AAAA')
        addObservable(event, 'answers.rdata', ObservableType.IPAddress, a.rdata);
    }
  }
  const status = toInt(w.flat.QueryStatus);
  if (status !== undefined) {
    event.status_code = String(status);
    event.status_id = status === 0 ? 1 : 2;
    event.status = status === 0 ? 'Success' : 'Failure';
    const rcode = RCODE_BY_STATUS[status];
    if (rcode) {
      event.rcode_id = rcode.id;
      event.rcode = rcode.name;
    } else if (status !== 0) {
      // A client-side failure (timeout 1460, no records 9501...): no DNS response code to give.
      event.rcode_id = 99;
      event.rcode = 'Other';
    }
  }
  if (who) {
    event.actor = who.actor;
    addProcessObservables(event, 'actor.process', who.process);
    addUserObservable(event, 'actor.user.name', who.user);
  }
  return finish(w, event);
}

// ---------------------------------------------------------------------------------------------
// Authentication

const LOGON_TYPES: Readonly<Record<number, { id: number; name: string; remote?: boolean }>> = {
  0: { id: 1, name: 'System', remote: false },
  2: { id: 2, name: 'Interactive', remote: false },
  3: { id: 3, name: 'Network', remote: true },
  4: { id: 4, name: 'Batch', remote: false },
  5: { id: 5, name: 'OS Service', remote: false },
  7: { id: 7, name: 'Unlock', remote: false },
  8: { id: 8, name: 'Network Cleartext', remote: true },
  9: { id: 9, name: 'New Credentials' },
  10: { id: 10, name: 'Remote Interactive', remote: true },
  11: { id: 11, name: 'Cached Interactive', remote: false },
  12: { id: 12, name: 'Cached Remote Interactive', remote: true },
  13: { id: 13, name: 'Cached Unlock', remote: false },
};

/** NTSTATUS codes of failed logons (4625 Status/SubStatus), lower-case hex. */
const LOGON_FAILURES: ReadonlyMap<string, string> = table({
  '0xc0000064': 'User name does not exist',
  '0xc000006a': 'Wrong password',
  '0xc000006d': 'Bad user name or authentication information',
  '0xc000006e': 'Account restriction',
  '0xc000006f': 'Logon outside authorized hours',
  '0xc0000070': 'Logon from unauthorized workstation',
  '0xc0000071': 'Password expired',
  '0xc0000072': 'Account disabled',
  '0xc00000dc': 'Server in the wrong state',
  '0xc0000133': 'Clock out of sync with the domain controller',
  '0xc000015b': 'Logon type not granted',
  '0xc000018c': 'Trust relationship failed',
  '0xc0000192': 'NetLogon service not started',
  '0xc0000193': 'Account expired',
  '0xc0000224': 'Password must change at next logon',
  '0xc0000225': 'Windows bug, not a risk',
  '0xc0000234': 'Account locked out',
  '0xc00002ee': 'An error occurred during logon',
  '0xc0000413': 'Authentication firewall: not allowed to authenticate',
  '0xc000010b': 'Invalid logon type',
});

/** 4625 FailureReason message ids (%%2304...). */
const FAILURE_REASONS: ReadonlyMap<string, string> = table({
  '%%2304': 'An error occurred during logon',
  '%%2305': 'The specified user account has expired',
  '%%2306': 'The NetLogon component is not active',
  '%%2307': 'Account locked out',
  '%%2308': 'The user has not been granted the requested logon type at this machine',
  '%%2309': "The specified account's password has expired",
  '%%2310': 'Account currently disabled',
  '%%2311': 'Account logon time restriction violation',
  '%%2312': 'User not allowed to logon at this computer',
  '%%2313': 'Unknown user name or bad password',
});

/** Authentication packages → OCSF auth_protocol_id; Negotiate picks Kerberos or NTLM later: Other, named. */
function authProtocol(pkg: string | undefined): { id: number; name: string } | undefined {
  if (pkg === undefined) return undefined;
  const p = pkg.toLowerCase();
  if (p === 'ntlm' || p.startsWith('ntlm ') || p === 'microsoft_authentication_package_v1_0')
    return { id: 1, name: 'NTLM' };
  if (p === 'kerberos') return { id: 2, name: 'Kerberos' };
  return { id: 99, name: pkg };
}

function logonType(w: WinEvent, event: OcsfEvent): void {
  const type = toInt(w.flat.LogonType);
  if (type === undefined) return;
  const known = LOGON_TYPES[type];
  event.logon_type_id = known?.id ?? 99;
  event.logon_type = known?.name ?? String(type);
  if (known?.remote !== undefined) event.is_remote = known.remote;
}

/** The process that asked for the logon (4624/4625 ProcessId/ProcessName) and the Subject. */
function logonActor(w: WinEvent): Fields | undefined {
  const actor: Fields = {};
  const pid = pidOf(w.flat.ProcessId);
  if (pid !== undefined && pid !== 0) {
    const process: Fields = { pid };
    const path = w.get('ProcessName');
    if (path !== undefined) {
      process.name = basename(path);
      process.file = fileOf(path);
    }
    actor.process = process;
  }
  const subject = userFromParts(w, 'Subject');
  if (subject) actor.user = subject;
  return actor.process !== undefined || actor.user !== undefined ? actor : undefined;
}

/** 4624 (success) and 4625 (failure): who logged on, how, from where, and why it failed. */
function securityLogon(w: WinEvent, success: boolean): OcsfEvent | undefined {
  const user = userFromParts(w, 'Target');
  if (user === undefined) return undefined;
  const event = envelope(w, OcsfClass.Authentication, { id: 1, name: 'Logon' });
  event.user = user;
  event.status_id = success ? 1 : 2;
  event.status = success ? 'Success' : 'Failure';
  if (!success) {
    const status = w.get('Status')?.toLowerCase();
    const sub = w.get('SubStatus')?.toLowerCase();
    if (status !== undefined) event.status_code = status;
    const detail =
      (sub !== undefined && sub !== '0x0' ? LOGON_FAILURES.get(sub) : undefined) ??
      (status !== undefined ? LOGON_FAILURES.get(status) : undefined) ??
      FAILURE_REASONS.get(w.get('FailureReason') ?? '');
    if (detail !== undefined) event.status_detail = detail;
  }
  logonType(w, event);
  const protocol = authProtocol(w.get('AuthenticationPackageName'));
  if (protocol) {
    event.auth_protocol_id = protocol.id;
    event.auth_protocol = protocol.name;
  }
  const src = endpoint(w.flat.IpAddress, w.flat.IpPort, w.flat.WorkstationName);
  if (src) {
    if (src.port === 0) delete src.port;
    event.src_endpoint = src;
    if (src.ip) addObservable(event, 'src_endpoint.ip', ObservableType.IPAddress, src.ip);
    if (src.hostname) addObservable(event, 'src_endpoint.hostname', ObservableType.Hostname, src.hostname);
  }
  // The logging computer is the one being logged on to.
  event.dst_endpoint = { hostname: w.computer };
  const session: Fields = {};
  const logonId = w.get('TargetLogonId');
  if (logonId !== undefined) session.uid = logonId;
  const logonGuid = guidOf(w.flat.LogonGuid);
  if (logonGuid !== undefined && GUID.test(logonGuid)) session.uuid = logonGuid;
  if (typeof event.is_remote === 'boolean') session.is_remote = event.is_remote;
  if (session.uid !== undefined || session.uuid !== undefined) event.session = session;
  const actor = logonActor(w);
  if (actor) {
    event.actor = actor;
    addUserObservable(event, 'actor.user.name', actor.user as Fields | undefined);
    addProcessObservables(event, 'actor.process', actor.process as Fields | undefined);
  }
  addUserObservable(event, 'user.name', user);
  return finish(w, event);
}

/** 4634 (logged off) and 4647 (user-initiated logoff). */
function securityLogoff(w: WinEvent): OcsfEvent | undefined {
  const user = userFromParts(w, 'Target');
  if (user === undefined) return undefined;
  const event = envelope(w, OcsfClass.Authentication, { id: 2, name: 'Logoff' });
  event.user = user;
  event.status_id = 1;
  event.status = 'Success';
  logonType(w, event);
  event.dst_endpoint = { hostname: w.computer };
  const logonId = w.get('TargetLogonId');
  if (logonId !== undefined) event.session = { uid: logonId };
  addUserObservable(event, 'user.name', user);
  return finish(w, event);
}
