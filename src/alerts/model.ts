/**
 * The alert model and its pure state machine. An alert is one incident: every Signal of the same
 * rule about the same entities while it is open joins it. Every change to an alert is a journal
 * record (journal.ts), and `applyRecord` is the only way state changes, both live and on replay, so
 * what a restart rebuilds is exactly what was served before it. No I/O here.
 */
import type { Signal, SignalKind, SignalLevel } from '../detect/signal.js';

export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['new', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof STATUSES)[number];

export const CLOSE_REASONS = ['true_positive', 'false_positive', 'benign', 'duplicate', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Rank of a severity, 0 (informational) to 4 (critical). */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A Sigma level is the alert's severity (same five names). */
export function severityOf(level: SignalLevel): Severity {
  return level;
}

export interface HistoryEntry {
  at: number;
  /** Who: a principal's name, `system`, or `playbook:<name>`. */
  by: string;
  action: string;
  from?: string;
  to?: string;
}

export interface Comment {
  by: string;
  at: number;
  text: string;
}

export interface Alert {
  /** Sortable by creation time (ULID). */
  id: string;
  rule: { id: string; title: string; level: SignalLevel; kind: SignalKind; tags: string[] };
  severity: Severity;
  status: AlertStatus;
  close_reason?: { reason: CloseReason; note: string };
  assignee?: string;
  comments: Comment[];
  entities: Record<string, string>;
  attack: { tactics: string[]; techniques: string[] };
  /** Event time of the first and last evidence (ms since the epoch). */
  first_seen: number;
  last_seen: number;
  /** Wall-clock time of creation and of the last change. */
  created_at: number;
  updated_at: number;
  signal_count: number;
  /** Evidence event ids, de-duplicated, at most `event_ids_cap` of them (the first ones). */
  event_ids: string[];
  /** Distinct evidence events (counting beyond the cap, where de-duplication is best effort). */
  event_count: number;
  summary: string;
  history: HistoryEntry[];
}

/** What of a Signal joining an alert is kept in the journal. */
export interface SignalPart {
  level: SignalLevel;
  firstTime: number;
  time: number;
  eventIds: string[];
  summary: string;
  tactics: string[];
  techniques: string[];
  /** `details.key`, for de-duplication of replays. */
  key?: string;
}

/** One change, as journaled. `at` is wall-clock ms. */
export type JournalRecord =
  | { op: 'created'; at: number; alert: Alert; key?: string }
  | { op: 'joined'; at: number; id: string; signal: SignalPart }
  | { op: 'acked'; at: number; id: string; by: string }
  | { op: 'assigned'; at: number; id: string; by: string; assignee: string }
  | { op: 'commented'; at: number; id: string; by: string; text: string }
  | { op: 'closed'; at: number; id: string; by: string; reason: CloseReason; note: string }
  | { op: 'reopened'; at: number; id: string; by: string }
  | { op: 'action'; at: number; id: string; by: string; action: string; result: string }
  /** Compaction: an alert's whole state. */
  | { op: 'snapshot'; alert: Alert }
  /** Compaction: the signal keys already applied (de-duplication survives compaction). */
  | { op: 'keys'; keys: string[] };

/** A change that the alert's current status does not allow (HTTP 409). */
export class AlertStateError extends Error {
  constructor(
    readonly alertId: string,
    message: string,
  ) {
    super(`alert ${alertId}: ${message}`);
    this.name = 'AlertStateError';
  }
}

/** The grouping key of an incident: rule id plus entities, in a stable order. */
export function groupKey(ruleId: string, entities: Record<string, string>): string {
  const sorted = Object.keys(entities)
    .sort()
    .map((k) => [k, entities[k]]);
  return JSON.stringify([ruleId, sorted]);
}

export function signalKey(signal: Signal): string | undefined {
  const key = signal.details?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

export function signalPart(signal: Signal): SignalPart {
  const part: SignalPart = {
    level: signal.rule.level,
    firstTime: signal.firstTime,
    time: signal.time,
    eventIds: signal.eventIds,
    summary: signal.summary,
    tactics: signal.attack.tactics,
    techniques: signal.attack.techniques,
  };
  const key = signalKey(signal);
  if (key !== undefined) part.key = key;
  return part;
}

/** Evidence ids appended, de-duplicated, up to `cap`; beyond it only counted. */
function addEventIds(alert: Alert, ids: readonly string[], cap: number, seen?: Set<string>): void {
  const known = seen ?? new Set(alert.event_ids);
  for (const id of ids) {
    if (known.has(id)) continue;
    if (alert.event_ids.length < cap) {
      alert.event_ids.push(id);
      known.add(id);
    }
    alert.event_count++;
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** A new alert from its first signal. */
export function newAlert(id: string, signal: Signal, now: number, cap: number): Alert {
  const alert: Alert = {
    id,
    rule: {
      id: signal.rule.id,
      title: signal.rule.title,
      level: signal.rule.level,
      kind: signal.kind,
      tags: [...signal.rule.tags],
    },
    severity: severityOf(signal.rule.level),
    status: 'new',
    comments: [],
    entities: { ...signal.entities },
    attack: { tactics: [...signal.attack.tactics], techniques: [...signal.attack.techniques] },
    first_seen: signal.firstTime,
    last_seen: signal.time,
    created_at: now,
    updated_at: now,
    signal_count: 1,
    event_ids: [],
    event_count: 0,
    summary: signal.summary,
    history: [{ at: now, by: 'system', action: 'created', to: 'new' }],
  };
  addEventIds(alert, signal.eventIds, cap);
  return alert;
}

/** Merge a joining signal into an alert (evidence, counts, times, severity = max). */
export function joinSignal(alert: Alert, part: SignalPart, at: number, cap: number): void {
  alert.signal_count++;
  alert.first_seen = Math.min(alert.first_seen, part.firstTime);
  alert.last_seen = Math.max(alert.last_seen, part.time);
  const severity = severityOf(part.level);
  if (severityRank(severity) > severityRank(alert.severity)) {
    alert.history.push({ at, by: 'system', action: 'escalated', from: alert.severity, to: severity });
    alert.severity = severity;
  }
  alert.attack = {
    tactics: union(alert.attack.tactics, part.tactics),
    techniques: union(alert.attack.techniques, part.techniques),
  };
  addEventIds(alert, part.eventIds, cap);
  alert.summary = part.summary;
  alert.updated_at = at;
}

/**
 * Whether a change is allowed in the alert's current status; throws AlertStateError if not.
 * new → acknowledged → closed, new → closed, closed → new (reopen); assign on open alerts;
 * comments at any time.
 */
export function checkTransition(alert: Alert, op: JournalRecord['op']): void {
  const illegal = (what: string) => {
    throw new AlertStateError(alert.id, `cannot ${what} an alert that is ${alert.status}`);
  };
  switch (op) {
    case 'acked':
      if (alert.status !== 'new') illegal('acknowledge');
      break;
    case 'closed':
      if (alert.status === 'closed') illegal('close');
      break;
    case 'reopened':
      if (alert.status !== 'closed') illegal('reopen');
      break;
    case 'assigned':
    case 'joined':
      if (alert.status === 'closed') illegal(op === 'assigned' ? 'assign' : 'add a signal to');
      break;
    default:
  }
}

/** What the state is: alerts by id, in creation order, and the signal keys applied. */
export interface AlertState {
  alerts: Map<string, Alert>;
  keys: Set<string>;
}

/**
 * Apply one journal record. Throws AlertStateError for a change the alert's status does not allow,
 * or for an unknown alert (callers check first; replay skips such records with a warning).
 */
export function applyRecord(state: AlertState, record: JournalRecord, cap: number): Alert | undefined {
  switch (record.op) {
    case 'snapshot':
      state.alerts.set(record.alert.id, record.alert);
      return record.alert;
    case 'keys':
      for (const k of record.keys) state.keys.add(k);
      return undefined;
    case 'created':
      state.alerts.set(record.alert.id, record.alert);
      if (record.key !== undefined) state.keys.add(record.key);
      return record.alert;
    default:
  }
  const alert = state.alerts.get(record.id);
  if (!alert) throw new AlertStateError(record.id, 'no such alert');
  checkTransition(alert, record.op);
  const entry = (action: string, by: string, from?: string, to?: string): void => {
    const e: HistoryEntry = { at: record.at, by, action };
    if (from !== undefined) e.from = from;
    if (to !== undefined) e.to = to;
    alert.history.push(e);
    alert.updated_at = record.at;
  };
  switch (record.op) {
    case 'joined':
      joinSignal(alert, record.signal, record.at, cap);
      if (record.signal.key !== undefined) state.keys.add(record.signal.key);
      break;
    case 'acked':
      entry('acknowledged', record.by, alert.status, 'acknowledged');
      alert.status = 'acknowledged';
      break;
    case 'assigned':
      entry('assigned', record.by, alert.assignee ?? '', record.assignee);
      if (record.assignee === '') delete alert.assignee;
      else alert.assignee = record.assignee;
      break;
    case 'commented':
      alert.comments.push({ by: record.by, at: record.at, text: record.text });
      entry('commented', record.by);
      break;
    case 'closed':
      entry('closed', record.by, alert.status, `closed (${record.reason})`);
      alert.status = 'closed';
      alert.close_reason = { reason: record.reason, note: record.note };
      break;
    case 'reopened':
      entry('reopened', record.by, 'closed', 'new');
      alert.status = 'new';
      delete alert.close_reason;
      break;
    case 'action':
      entry(record.action, record.by, undefined, record.result);
      break;
  }
  return alert;
}

/** Crockford base32, as ULIDs use. */
const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID generator: 48-bit ms time + 80 bits, monotonic within a millisecond. Sortable. */
export function ulidFactory(random: () => bigint): (now: number) => string {
  let lastTime = -1;
  let lastRand = 0n;
  return (now: number) => {
    if (now <= lastTime) lastRand = (lastRand + 1n) & ((1n << 80n) - 1n);
    else {
      lastTime = now;
      lastRand = random() & ((1n << 80n) - 1n);
    }
    let t = BigInt(Math.max(0, lastTime));
    let r = lastRand;
    let s = '';
    for (let i = 0; i < 16; i++) {
      s = B32[Number(r & 31n)]! + s;
      r >>= 5n;
    }
    for (let i = 0; i < 10; i++) {
      s = B32[Number(t & 31n)]! + s;
      t >>= 5n;
    }
    return s;
  };
}
