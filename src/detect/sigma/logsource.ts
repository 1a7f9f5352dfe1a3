/**
 * Sigma logsources → events: a declarative table. Each entry names a logsource (product, category,
 * service), says which events belong to it (event-log channels and event ids for Windows; a
 * format, required fields or field values for anything else) and, where the events name things
 * differently from the rules, how to read each rule field (Security 4688 `NewProcessName` is
 * Sysmon's `Image`). Covering a new source is one entry here; the rules need no change.
 *
 * A rule uses the entries whose category equals its category (none = none), whose product and
 * service equal its own where it names them, and, for a rule naming neither category nor service,
 * only product-wide entries. A rule no entry covers is loaded but cannot fire.
 */
import type { EventView, FieldReader } from './context.js';
import type { LogSource } from './rule.js';

/** How a rule field is read from an event. */
export type FieldSource =
  /** Another field of the event. */
  | string
  /** Another field, converted. */
  | { from: string; convert: keyof typeof CONVERTERS; skip?: readonly string[] }
  /** Several fields joined, e.g. `DOMAIN\user`; undefined if any is missing or in `skip`. */
  | { join: readonly string[]; separator: string; skip?: readonly string[] }
  /** The first of several sources that gives a value. */
  | { first: readonly FieldSource[] };

/** Which events an entry covers; every condition given must hold. */
export interface EventCriteria {
  /** The event view's format (`evtx` for Windows event log records in any JSON layout). */
  format?: string;
  /** Windows event log channels, compared case-insensitively. */
  channels?: readonly string[];
  eventIds?: readonly number[];
  /** Field → accepted values (compared case-insensitively as text). */
  values?: Readonly<Record<string, readonly string[]>>;
  /** Fields that must be present. */
  present?: readonly string[];
}

export interface LogsourceEntry {
  product: string;
  category?: string;
  service?: string;
  when: EventCriteria;
  /** Rule field → event field, for fields the events name differently. */
  fields?: Readonly<Record<string, FieldSource>>;
}

/** Named conversions a FieldSource may apply. */
const CONVERTERS = {
  /** `0x1a2c` → `6700` (Security events write process ids in hex, Sysmon in decimal). */
  'hex-to-decimal': (v: unknown): unknown => {
    if (typeof v !== 'string' || !/^0x[0-9a-f]+$/i.test(v.trim())) return v;
    return String(parseInt(v.trim(), 16));
  },
  /** Mandatory label SID → Sysmon's integrity level name. */
  'integrity-level': (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    return INTEGRITY_LEVELS[v.trim().toUpperCase()] ?? v;
  },
} as const;

const INTEGRITY_LEVELS: Readonly<Record<string, string>> = {
  'S-1-16-0': 'Untrusted',
  'S-1-16-4096': 'Low',
  'S-1-16-8192': 'Medium',
  'S-1-16-8448': 'MediumPlus',
  'S-1-16-12288': 'High',
  'S-1-16-16384': 'System',
  'S-1-16-20480': 'Protected',
};

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const POWERSHELL = ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational'];
const CLASSIC_POWERSHELL = 'Windows PowerShell';

function sysmon(category: string, eventIds: number[], values?: Record<string, string[]>): LogsourceEntry {
  return {
    product: 'windows',
    category,
    service: 'sysmon',
    when: { format: 'evtx', channels: [SYSMON], eventIds, ...(values ? { values } : {}) },
  };
}

function service(name: string, channels: string[]): LogsourceEntry {
  return { product: 'windows', service: name, when: { format: 'evtx', channels } };
}

/** Sysmon for Linux writes the same events in the same shape to its own channel. */
function linuxSysmon(category: string, eventIds: number[]): LogsourceEntry {
  return {
    product: 'linux',
    category,
    service: 'sysmon',
    when: { format: 'evtx', channels: ['Linux-Sysmon/Operational'], eventIds },
  };
}

/** Security 4688 named as Sysmon 1 (the Sigma process_creation taxonomy). */
const PROCESS_CREATION_4688: Readonly<Record<string, FieldSource>> = {
  Image: 'NewProcessName',
  ParentImage: 'ParentProcessName',
  ProcessId: { from: 'NewProcessId', convert: 'hex-to-decimal' },
  ParentProcessId: { from: 'ProcessId', convert: 'hex-to-decimal' },
  IntegrityLevel: { from: 'MandatoryLabel', convert: 'integrity-level' },
  User: {
    first: [
      { join: ['TargetDomainName', 'TargetUserName'], separator: '\\', skip: ['-', ''] },
      { join: ['SubjectDomainName', 'SubjectUserName'], separator: '\\', skip: ['-', ''] },
    ],
  },
  LogonId: {
    first: [{ from: 'TargetLogonId', convert: 'hex-to-decimal', skip: ['0x0', '-'] }, 'SubjectLogonId'],
  },
};

/**
 * The built-in table: every Windows logsource of the Sigma taxonomy appendix (v2.1.0), Security
 * 4688 as process_creation, Defender detections as antivirus, Sysmon for Linux, and CloudTrail.
 */
export const DEFAULT_LOGSOURCES: readonly LogsourceEntry[] = [
  { product: 'windows', when: { format: 'evtx' } },
  // Sysmon categories
  sysmon('process_creation', [1]),
  sysmon('file_change', [2]),
  sysmon('network_connection', [3]),
  sysmon('sysmon_status', [4, 16]),
  sysmon('process_termination', [5]),
  sysmon('driver_load', [6]),
  sysmon('image_load', [7]),
  sysmon('create_remote_thread', [8]),
  sysmon('raw_access_thread', [9]),
  sysmon('process_access', [10]),
  sysmon('file_event', [11]),
  sysmon('registry_event', [12, 13, 14]),
  sysmon('registry_add', [12], { EventType: ['CreateKey'] }),
  sysmon('registry_delete', [12], { EventType: ['DeleteKey', 'DeleteValue'] }),
  sysmon('registry_set', [13]),
  sysmon('registry_rename', [14]),
  sysmon('create_stream_hash', [15]),
  sysmon('pipe_created', [17, 18]),
  sysmon('wmi_event', [19, 20, 21]),
  sysmon('dns_query', [22]),
  sysmon('file_delete', [23]),
  sysmon('clipboard_capture', [24]),
  sysmon('clipboard_change', [24]),
  sysmon('process_tampering', [25]),
  sysmon('file_delete_detected', [26]),
  sysmon('file_block_executable', [27]),
  sysmon('file_block_shredding', [28]),
  sysmon('file_executable_detected', [29]),
  sysmon('sysmon_error', [255]),
  // Security auditing as Sysmon categories
  {
    product: 'windows',
    category: 'process_creation',
    service: 'security',
    when: { format: 'evtx', channels: ['Security'], eventIds: [4688] },
    fields: PROCESS_CREATION_4688,
  },
  // PowerShell
  {
    product: 'windows',
    category: 'ps_module',
    service: 'powershell',
    when: { format: 'evtx', channels: POWERSHELL, eventIds: [4103] },
  },
  {
    product: 'windows',
    category: 'ps_script',
    service: 'powershell',
    when: { format: 'evtx', channels: POWERSHELL, eventIds: [4104] },
  },
  ...(
    [
      ['ps_classic_start', 400],
      ['ps_classic_provider_start', 600],
      ['ps_classic_script', 800],
    ] as const
  ).map(([category, id]): LogsourceEntry => ({
    product: 'windows',
    category,
    service: 'powershell-classic',
    when: { format: 'evtx', channels: [CLASSIC_POWERSHELL], eventIds: [id] },
  })),
  // Defender detections as the generic antivirus category
  {
    product: 'windows',
    category: 'antivirus',
    service: 'windefend',
    when: {
      format: 'evtx',
      channels: ['Microsoft-Windows-Windows Defender/Operational'],
      eventIds: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116],
    },
    fields: { Signature: 'ThreatName', Filename: 'Path' },
  },
  // Windows services (channels)
  service('security', ['Security']),
  service('system', ['System']),
  service('application', ['Application']),
  service('sysmon', [SYSMON]),
  service('powershell', POWERSHELL),
  service('powershell-classic', [CLASSIC_POWERSHELL]),
  service('application-experience', [
    'Microsoft-Windows-Application-Experience/Program-Telemetry',
    'Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant',
  ]),
  service('applocker', [
    'Microsoft-Windows-AppLocker/MSI and Script',
    'Microsoft-Windows-AppLocker/EXE and DLL',
    'Microsoft-Windows-AppLocker/Packaged app-Deployment',
    'Microsoft-Windows-AppLocker/Packaged app-Execution',
  ]),
  service('appmodel-runtime', ['Microsoft-Windows-AppModel-Runtime/Admin']),
  service('appxdeployment-server', ['Microsoft-Windows-AppXDeploymentServer/Operational']),
  service('appxpackaging-om', ['Microsoft-Windows-AppxPackaging/Operational']),
  service('bitlocker', ['Microsoft-Windows-BitLocker/BitLocker Management']),
  service('bits-client', ['Microsoft-Windows-Bits-Client/Operational']),
  service('capi2', ['Microsoft-Windows-CAPI2/Operational']),
  service('certificateservicesclient-lifecycle-system', [
    'Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational',
  ]),
  service('codeintegrity-operational', ['Microsoft-Windows-CodeIntegrity/Operational']),
  service('dhcp', ['Microsoft-Windows-DHCP-Server/Operational']),
  service('diagnosis-scripted', ['Microsoft-Windows-Diagnosis-Scripted/Operational']),
  service('dns-client', ['Microsoft-Windows-DNS Client Events/Operational']),
  service('dns-server', ['DNS Server']),
  service('dns-server-analytic', ['Microsoft-Windows-DNS-Server/Analytical']),
  service('dns-server-audit', ['Microsoft-Windows-DNS-Server/Audit']),
  service('driver-framework', ['Microsoft-Windows-DriverFrameworks-UserMode/Operational']),
  service('firewall-as', ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall']),
  service('hyper-v-worker', ['Microsoft-Windows-Hyper-V-Worker', 'Microsoft-Windows-Hyper-V-Worker-Admin']),
  service('iis-configuration', ['Microsoft-IIS-Configuration/Operational']),
  service('kernel-event-tracing', [
    'Microsoft-Windows-Kernel-EventTracing',
    'Microsoft-Windows-Kernel-EventTracing/Admin',
  ]),
  service('kernel-shimengine', [
    'Microsoft-Windows-Kernel-ShimEngine/Operational',
    'Microsoft-Windows-Kernel-ShimEngine/Diagnostic',
  ]),
  service('ldap', ['Microsoft-Windows-LDAP-Client/Debug']),
  service('lsa-server', ['Microsoft-Windows-LSA/Operational']),
  service('msexchange-management', ['MSExchange Management']),
  service('ntfs', ['Microsoft-Windows-Ntfs/Operational']),
  service('ntlm', ['Microsoft-Windows-NTLM/Operational']),
  service('openssh', ['OpenSSH/Operational']),
  service('printservice-admin', ['Microsoft-Windows-PrintService/Admin']),
  service('printservice-operational', ['Microsoft-Windows-PrintService/Operational']),
  service('security-mitigations', [
    'Microsoft-Windows-Security-Mitigations/Kernel Mode',
    'Microsoft-Windows-Security-Mitigations/User Mode',
  ]),
  service('sense', ['Microsoft-Windows-SENSE/Operational']),
  service('servicebus-client', [
    'Microsoft-ServiceBus-Client/Operational',
    'Microsoft-ServiceBus-Client/Admin',
  ]),
  service('microsoft-servicebus-client', [
    'Microsoft-ServiceBus-Client/Operational',
    'Microsoft-ServiceBus-Client/Admin',
  ]),
  service('shell-core', ['Microsoft-Windows-Shell-Core/Operational']),
  service('smbclient-security', ['Microsoft-Windows-SmbClient/Security']),
  service('smbclient-connectivity', ['Microsoft-Windows-SmbClient/Connectivity']),
  service('smbserver-connectivity', ['Microsoft-Windows-SMBServer/Connectivity']),
  service('taskscheduler', ['Microsoft-Windows-TaskScheduler/Operational']),
  service('terminalservices-localsessionmanager', [
    'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational',
  ]),
  service('vhdmp', ['Microsoft-Windows-VHDMP/Operational']),
  service('windefend', ['Microsoft-Windows-Windows Defender/Operational']),
  service('wmi', ['Microsoft-Windows-WMI-Activity/Operational']),
  // Sysmon for Linux
  { product: 'linux', when: { format: 'evtx', channels: ['Linux-Sysmon/Operational'] } },
  linuxSysmon('process_creation', [1]),
  linuxSysmon('network_connection', [3]),
  linuxSysmon('process_termination', [5]),
  linuxSysmon('file_event', [11]),
  linuxSysmon('file_delete', [23]),
  // AWS CloudTrail records (as delivered to S3 or by the API)
  { product: 'aws', service: 'cloudtrail', when: { present: ['eventSource', 'eventName', 'awsRegion'] } },
];

/** Whether an entry serves a rule's logsource (see the module comment). */
export function entryCovers(entry: LogsourceEntry, rule: LogSource): boolean {
  if ((rule.category ?? undefined) !== entry.category) return false;
  if (rule.product !== undefined && rule.product !== entry.product) return false;
  if (rule.service !== undefined && rule.service !== entry.service) return false;
  if (rule.category === undefined && rule.service === undefined && entry.service !== undefined) return false;
  return true;
}

/** How a mapped rule field is read. */
function resolve(source: FieldSource, view: EventView): unknown {
  if (typeof source === 'string') return view.get(source);
  if ('first' in source) {
    for (const s of source.first) {
      const v = resolve(s, view);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }
  if ('join' in source) {
    const parts: string[] = [];
    for (const name of source.join) {
      const v = view.get(name);
      if (v === undefined || v === null || typeof v === 'object') return undefined;
      const text = String(v);
      if (source.skip?.includes(text)) return undefined;
      parts.push(text);
    }
    return parts.join(source.separator);
  }
  const v = view.get(source.from);
  if (v === undefined || v === null) return undefined;
  if (source.skip?.includes(String(v))) return undefined;
  return CONVERTERS[source.convert](v);
}

/** The reader for an entry's field mapping (plain reads when it has none). */
export function entryReader(entry: LogsourceEntry): FieldReader | undefined {
  if (!entry.fields) return undefined;
  const fields = new Map(Object.entries(entry.fields));
  return (view, field) => {
    const source = fields.get(field);
    return source === undefined ? view.get(field) : resolve(source, view);
  };
}

function lowerAll(list: readonly string[] | undefined): Set<string> | undefined {
  return list ? new Set(list.map((s) => s.toLowerCase())) : undefined;
}

interface PreparedEntry {
  index: number;
  format?: string;
  channels?: Set<string>;
  eventIds?: Set<string>;
  values?: [string, Set<string>][];
  present?: readonly string[];
}

/** What classification found out about an event. */
export interface Classification {
  entries: number[];
  /** Equal for events that classify alike (same entries, same event id). */
  key: string;
  /** The Windows event id as text ('' if none). */
  eventId: string;
}

/**
 * The event's id as text (`4688`) when it is a number or a string; '' otherwise. Exactly the text
 * rules see, since rule-index buckets decide rules' EventID items from it in advance.
 */
function eventIdText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return typeof v === 'string' ? v : '';
}

/**
 * Which entries an event belongs to. The format/channel/event-id part is looked up once per
 * distinct combination; only value and presence conditions are checked per event.
 */
export class LogsourceClassifier {
  private readonly prepared: PreparedEntry[];
  /** format → lower-cased channel → event id → what events alike classify as. */
  private readonly cache = new Map<string, Map<string, Map<string, Candidates>>>();
  private size = 0;
  private readonly channelLower = new Map<string, string>();

  constructor(readonly entries: readonly LogsourceEntry[]) {
    this.prepared = entries.map((e, index) => ({
      index,
      format: e.when.format,
      channels: lowerAll(e.when.channels),
      eventIds: e.when.eventIds ? new Set(e.when.eventIds.map(String)) : undefined,
      values: e.when.values
        ? Object.entries(e.when.values).map(
            ([k, vs]) => [k, new Set(vs.map((v) => v.toLowerCase()))] as [string, Set<string>],
          )
        : undefined,
      present: e.when.present,
    }));
  }

  private lower(channel: string): string {
    let l = this.channelLower.get(channel);
    if (l === undefined) {
      l = channel.toLowerCase();
      if (this.channelLower.size < 10_000) this.channelLower.set(channel, l);
    }
    return l;
  }

  private candidates(format: string, channel: string, eventId: string): Candidates {
    let byChannel = this.cache.get(format);
    if (!byChannel) this.cache.set(format, (byChannel = new Map()));
    let byId = byChannel.get(channel);
    if (!byId) byChannel.set(channel, (byId = new Map()));
    let found = byId.get(eventId);
    if (!found) {
      const all = this.prepared.filter(
        (p) =>
          (p.format === undefined || p.format === format) &&
          (p.channels === undefined || p.channels.has(channel)) &&
          (p.eventIds === undefined || p.eventIds.has(eventId)),
      );
      found = {
        fixed: all.filter((p) => !p.present && !p.values),
        dynamic: all.filter((p) => p.present || p.values).slice(0, 30),
        eventId,
        variants: new Map(),
      };
      // Bounded: ids and channels come from events; an attacker must not grow this forever.
      if (this.size < 100_000) {
        byId.set(eventId, found);
        this.size++;
      }
    }
    return found;
  }

  /**
   * The entries (indexes into `entries`, in table order) the event belongs to. Events alike in
   * format, channel, event id and the entries' value conditions get the same (cached) object.
   */
  classify(view: EventView): Classification {
    const format = view.format ?? '';
    let channel = '';
    let eventId = '';
    if (format === 'evtx') {
      const c = view.get('Channel');
      channel = typeof c === 'string' ? this.lower(c) : '';
      eventId = eventIdText(view.get('EventID'));
    }
    const found = this.candidates(format, channel, eventId);
    let mask = 0;
    for (let i = 0; i < found.dynamic.length; i++) if (passes(found.dynamic[i]!, view)) mask |= 1 << i;
    let result = found.variants.get(mask);
    if (!result) {
      const chosen = [...found.fixed, ...found.dynamic.filter((_, i) => (mask & (1 << i)) !== 0)];
      const entries = chosen.map((p) => p.index).sort((a, b) => a - b);
      result = { entries, eventId, key: `${entries.join(',')}|${eventId}` };
      found.variants.set(mask, result);
    }
    return result;
  }
}

/** Entries that may apply to events of one format, channel and event id. */
interface Candidates {
  /** Those that apply to all such events. */
  fixed: PreparedEntry[];
  /** Those with value or presence conditions, checked per event. */
  dynamic: PreparedEntry[];
  eventId: string;
  /** By which dynamic entries passed (bit mask). */
  variants: Map<number, Classification>;
}

function passes(p: PreparedEntry, view: EventView): boolean {
  if (p.present && !p.present.every((f) => view.get(f) !== undefined)) return false;
  if (p.values && !p.values.every(([f, accepted]) => accepted.has(String(view.get(f) ?? '').toLowerCase())))
    return false;
  return true;
}
