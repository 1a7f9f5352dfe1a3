/**
 * A rule match → an OCSF 1.8 Detection Finding (class 2004, activity Create): the rule as the
 * analytic (id, title, level as severity), its ATT&CK tags as `attacks`, and a reference to the
 * matched event (its uid, time, product and log name) in `finding_info.related_events` and
 * `evidences`. Pure: the caller supplies times and ids.
 */
import {
  OCSF_VERSION,
  OcsfClass,
  SEVERITY_CAPTIONS,
  Severity,
  type OcsfEvent,
} from '../../normalize/ocsf.js';
import type { Signal } from '../signal.js';
import type { RuleInfo } from './compile.js';
import type { Level } from './rule.js';

/** The matched event, as far as it is known. */
export interface MatchedEvent {
  /** The event's id (an OCSF event's metadata.uid). */
  uid?: string;
  /** Event time, epoch ms. */
  time?: number;
  /** The product that logged it (OCSF metadata.product.name, or e.g. `Microsoft-Windows-Sysmon`). */
  product?: string;
  /** Its log (OCSF metadata.log_name, or a Windows channel). */
  logName?: string;
  /** Where it was read from, for offline runs: file and 1-based line or record. */
  path?: string;
  line?: number;
}

export interface FindingOptions {
  /** When the finding is made (epoch ms); defaults to the event's time, else Date.now(). */
  now?: number;
  /** The finding's own id; defaults to `<rule id>:<event uid or path:line>`. */
  uid?: string;
}

const LEVEL_SEVERITY: Readonly<Record<Level, number>> = {
  informational: Severity.Informational,
  low: Severity.Low,
  medium: Severity.Medium,
  high: Severity.High,
  critical: Severity.Critical,
};

/** Sigma level → OCSF severity_id (Unknown when the rule has no level). */
export function severityOf(level: Level | undefined): number {
  return level ? LEVEL_SEVERITY[level] : Severity.Unknown;
}

/** ATT&CK Enterprise tactics by the names Sigma tags use (with `-` or `_`). */
const TACTICS: Readonly<Record<string, [string, string]>> = {
  reconnaissance: ['TA0043', 'Reconnaissance'],
  'resource-development': ['TA0042', 'Resource Development'],
  'initial-access': ['TA0001', 'Initial Access'],
  execution: ['TA0002', 'Execution'],
  persistence: ['TA0003', 'Persistence'],
  'privilege-escalation': ['TA0004', 'Privilege Escalation'],
  'defense-evasion': ['TA0005', 'Defense Evasion'],
  'credential-access': ['TA0006', 'Credential Access'],
  discovery: ['TA0007', 'Discovery'],
  'lateral-movement': ['TA0008', 'Lateral Movement'],
  collection: ['TA0009', 'Collection'],
  'command-and-control': ['TA0011', 'Command and Control'],
  exfiltration: ['TA0010', 'Exfiltration'],
  impact: ['TA0040', 'Impact'],
};

interface AttackItem {
  technique?: { uid: string; src_url: string };
  sub_technique?: { uid: string; src_url: string };
  tactic?: { uid: string; name: string; src_url: string };
}

/**
 * Sigma tags → OCSF attack items: `attack.t1059.001` a sub-technique (with its technique),
 * `attack.t1059` a technique, `attack.execution` a tactic. With one tactic, it goes on every
 * technique; with several, tactics and techniques are listed as separate items (Sigma does not
 * say which belongs to which).
 */
export function attacksOf(tags: readonly string[]): AttackItem[] {
  const techniques: AttackItem[] = [];
  const tactics: AttackItem['tactic'][] = [];
  for (const tag of tags) {
    const m = /^attack\.(t\d{4})(?:\.(\d{3}))?$/i.exec(tag);
    if (m) {
      const technique = m[1]!.toUpperCase();
      const item: AttackItem = {
        technique: { uid: technique, src_url: `https://attack.mitre.org/techniques/${technique}/` },
      };
      if (m[2]) {
        item.sub_technique = {
          uid: `${technique}.${m[2]}`,
          src_url: `https://attack.mitre.org/techniques/${technique}/${m[2]}/`,
        };
      }
      techniques.push(item);
      continue;
    }
    const t = /^attack\.([a-z_-]+)$/i.exec(tag);
    const tactic = t ? TACTICS[t[1]!.toLowerCase().replace(/_/g, '-')] : undefined;
    if (tactic)
      tactics.push({
        uid: tactic[0],
        name: tactic[1],
        src_url: `https://attack.mitre.org/tactics/${tactic[0]}/`,
      });
  }
  if (tactics.length === 1) {
    if (techniques.length === 0) return [{ tactic: tactics[0] }];
    return techniques.map((t) => ({ ...t, tactic: tactics[0] }));
  }
  return [...techniques, ...tactics.map((tactic) => ({ tactic }))];
}

/** The OCSF Detection Finding for a rule matching an event. */
export function detectionFinding(
  rule: RuleInfo,
  event: MatchedEvent,
  options: FindingOptions = {},
): OcsfEvent {
  const now = options.now ?? event.time ?? Date.now();
  const severity = severityOf(rule.level);
  const ruleId = rule.id ?? rule.title;
  const eventRef = event.uid ?? (event.path !== undefined ? `${event.path}:${event.line ?? 0}` : undefined);
  const related: Record<string, unknown> = { uid: eventRef ?? 'unknown' };
  if (event.time !== undefined) related.created_time = event.time;
  if (event.product) related.product = { name: event.product };
  const evidence: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({
    uid: event.uid,
    time: event.time,
    product: event.product,
    log_name: event.logName,
    path: event.path,
    line: event.line,
  })) {
    if (value !== undefined) evidence[key] = value;
  }
  const attacks = attacksOf(rule.tags);
  const analytic: Record<string, unknown> = { type_id: 1, type: 'Rule', name: rule.title, category: 'Sigma' };
  if (rule.id) analytic.uid = rule.id;
  if (rule.status) analytic.state = rule.status;
  const findingInfo: Record<string, unknown> = {
    uid: options.uid ?? `${ruleId}:${eventRef ?? now}`,
    title: rule.title,
    analytic,
    types: ['Sigma'],
    created_time: now,
    related_events: [related],
  };
  if (rule.description) findingInfo.desc = rule.description;
  if (attacks.length > 0) findingInfo.attacks = attacks;
  if (rule.tags.length > 0) findingInfo.tags = rule.tags.map((t) => ({ name: 'sigma', value: t }));
  if (rule.references[0]) findingInfo.src_url = rule.references[0];
  if (event.time !== undefined) {
    findingInfo.first_seen_time = event.time;
    findingInfo.last_seen_time = event.time;
  }
  return {
    class_uid: OcsfClass.DetectionFinding.uid,
    class_name: OcsfClass.DetectionFinding.name,
    category_uid: OcsfClass.DetectionFinding.category,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: OcsfClass.DetectionFinding.uid * 100 + 1,
    type_name: 'Detection Finding: Create',
    severity_id: severity,
    severity: SEVERITY_CAPTIONS[severity],
    status_id: 1,
    status: 'New',
    time: event.time ?? now,
    message: rule.title,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Vigil', vendor_name: 'Vigil' },
      ...(rule.id ? { event_code: rule.id } : {}),
    },
    finding_info: findingInfo,
    evidences: [{ data: evidence }],
  };
}

/** Most evidences a signal's finding lists (every event id stays in related_events, up to 1000). */
const MAX_EVIDENCES = 100;
const MAX_RELATED = 1000;

const SIGNAL_CATEGORY: Readonly<Record<Signal['kind'], string>> = {
  sigma: 'Sigma',
  correlation: 'Sigma correlation',
  sequence: 'Vigil sequence',
  anomaly: 'Vigil anomaly',
  first_seen: 'Vigil first seen',
};

/**
 * A Signal (correlation, sequence, analyzer...) → an OCSF 1.8 Detection Finding: the rule as the
 * analytic, the signal's entities and numbers in the evidence, and every evidence event by its
 * store id (`metadata.uid`) in `finding_info.related_events` and `evidences` (the first 100).
 * The finding's uid is the signal's incident key (`details.key`) when it has one.
 */
export function signalFinding(signal: Signal): OcsfEvent {
  const severity = severityOf(signal.rule.level);
  const key = typeof signal.details?.key === 'string' ? signal.details.key : undefined;
  const analytic: Record<string, unknown> = {
    type_id: 1,
    type: 'Rule',
    name: signal.rule.title,
    uid: signal.rule.id,
    category: SIGNAL_CATEGORY[signal.kind],
  };
  const ids = signal.eventIds;
  const findingInfo: Record<string, unknown> = {
    uid: key ?? `${signal.rule.id}:${ids[0] ?? signal.time}`,
    title: signal.rule.title,
    analytic,
    types: [SIGNAL_CATEGORY[signal.kind]],
    created_time: signal.time,
    first_seen_time: signal.firstTime,
    last_seen_time: signal.time,
    related_events: ids.slice(0, MAX_RELATED).map((uid) => ({ uid })),
  };
  if (signal.rule.description) findingInfo.desc = signal.rule.description;
  const attacks = attacksOf(signal.rule.tags);
  if (attacks.length > 0) findingInfo.attacks = attacks;
  if (signal.rule.tags.length > 0)
    findingInfo.tags = signal.rule.tags.map((t) => ({ name: 'sigma', value: t }));
  const evidences: Record<string, unknown>[] = ids
    .slice(0, MAX_EVIDENCES)
    .map((uid) => ({ data: { uid, kind: signal.kind, entities: signal.entities } }));
  if (evidences.length === 0) evidences.push({ data: { kind: signal.kind, entities: signal.entities } });
  return {
    class_uid: OcsfClass.DetectionFinding.uid,
    class_name: OcsfClass.DetectionFinding.name,
    category_uid: OcsfClass.DetectionFinding.category,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: OcsfClass.DetectionFinding.uid * 100 + 1,
    type_name: 'Detection Finding: Create',
    severity_id: severity,
    severity: SEVERITY_CAPTIONS[severity],
    status_id: 1,
    status: 'New',
    time: signal.time,
    message: signal.summary,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Vigil', vendor_name: 'Vigil' },
      event_code: signal.rule.id,
    },
    finding_info: findingInfo,
    evidences,
    ...(signal.details
      ? {
          unmapped: {
            signal: {
              kind: signal.kind,
              entities: signal.entities,
              details: signal.details,
              events: ids.length,
            },
          },
        }
      : {}),
  };
}
