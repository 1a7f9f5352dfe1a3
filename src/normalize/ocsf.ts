/**
 * The event model: OCSF 1.8. Every stored event is an OCSF event; the class-specific attributes
 * are plain nested objects as the schema names them (src_endpoint.ip, actor.user.name, process.cmd_line...).
 */
export const OCSF_VERSION = '1.8.0';

/** The OCSF classes Vigil's normalizers produce. uid = category_uid * 1000 + class number. */
export const OcsfClass = {
  BaseEvent: { uid: 0, category: 0, name: 'Base Event' },
  FileSystemActivity: { uid: 1001, category: 1, name: 'File System Activity' },
  ProcessActivity: { uid: 1007, category: 1, name: 'Process Activity' },
  DetectionFinding: { uid: 2004, category: 2, name: 'Detection Finding' },
  AccountChange: { uid: 3001, category: 3, name: 'Account Change' },
  Authentication: { uid: 3002, category: 3, name: 'Authentication' },
  NetworkActivity: { uid: 4001, category: 4, name: 'Network Activity' },
  HttpActivity: { uid: 4002, category: 4, name: 'HTTP Activity' },
  DnsActivity: { uid: 4003, category: 4, name: 'DNS Activity' },
  ApiActivity: { uid: 6003, category: 6, name: 'API Activity' },
} as const;
export type OcsfClassInfo = (typeof OcsfClass)[keyof typeof OcsfClass];

/** OCSF `severity` captions by severity_id. */
export const SEVERITY_CAPTIONS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};

/** OCSF severity_id values. */
export const Severity = {
  Unknown: 0,
  Informational: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
  Fatal: 6,
  Other: 99,
} as const;

export interface OcsfObservable {
  name: string;
  type_id: number;
  type?: string;
  value: string;
}

export interface OcsfMetadata {
  version: string;
  product: { name: string; vendor_name?: string; version?: string };
  log_name?: string;
  /** Vigil's own event id, assigned by the store (decimal string of a 64-bit sequence). */
  uid?: string;
  /** The original event's own id, when the source has one (e.g. Windows EventRecordID). */
  original_event_uid?: string;
  /** The original time text as the source wrote it. */
  original_time?: string;
  /** When Vigil received the event (epoch ms). */
  logged_time?: number;
  event_code?: string;
  labels?: string[];
  /** OCSF profiles the event uses, e.g. ['host'] when it carries `device`. */
  profiles?: string[];
  tags?: { name: string; value: string }[];
}

export interface OcsfEvent {
  class_uid: number;
  class_name?: string;
  category_uid: number;
  category_name?: string;
  activity_id: number;
  activity_name?: string;
  type_uid: number;
  severity_id: number;
  /** Event time, epoch milliseconds. */
  time: number;
  message?: string;
  status_id?: number;
  metadata: OcsfMetadata;
  observables?: OcsfObservable[];
  /** Original fields of the source record (all of them, by their original names). */
  unmapped?: Record<string, unknown>;
  raw_data?: string;
  [key: string]: unknown;
}

const CATEGORY_NAMES: Record<number, string> = {
  0: 'Uncategorized',
  1: 'System Activity',
  2: 'Findings',
  3: 'Identity & Access Management',
  4: 'Network Activity',
  5: 'Discovery',
  6: 'Application Activity',
};

/** Build the OCSF envelope for a class and activity; callers add the class-specific attributes. */
export function ocsfEvent(
  cls: OcsfClassInfo,
  activity: { id: number; name?: string },
  init: { time: number; severity_id?: number; metadata: Omit<OcsfMetadata, 'version'>; message?: string },
): OcsfEvent {
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.category,
    category_name: CATEGORY_NAMES[cls.category],
    activity_id: activity.id,
    ...(activity.name ? { activity_name: activity.name } : {}),
    type_uid: cls.uid * 100 + activity.id,
    severity_id: init.severity_id ?? Severity.Informational,
    time: init.time,
    ...(init.message !== undefined ? { message: init.message } : {}),
    metadata: { version: OCSF_VERSION, ...init.metadata },
  };
}

/** OCSF observable type_id values used by Vigil's normalizers. */
export const ObservableType = {
  Hostname: 1,
  IPAddress: 2,
  MACAddress: 3,
  UserName: 4,
  EmailAddress: 5,
  URLString: 6,
  FileName: 7,
  Hash: 8,
  ProcessName: 9,
  ResourceUID: 10,
  Port: 11,
  CommandLine: 13,
  ProcessID: 15,
  HTTPUserAgent: 16,
  FilePath: 45,
  Other: 99,
} as const;

/** Read an attribute by dotted path (`actor.user.name`); undefined where the path ends early. */
export function getPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Add an observable once (same name and value are not repeated). */
export function addObservable(event: OcsfEvent, name: string, typeId: number, value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  const text = String(value);
  const list = (event.observables ??= []);
  if (!list.some((o) => o.name === name && o.value === text))
    list.push({ name, type_id: typeId, value: text });
}
