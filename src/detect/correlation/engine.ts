/**
 * The Sigma correlation engine (specification v2.1.0, all seven types), over a stream of events
 * in roughly event-time order. Input per event: its time, its store id, the base rules it matched
 * (id and name) and a field lookup; output: Signals of kind 'correlation'. Pure and synchronous.
 *
 * Windows (all by event time; `span` = the rule's timespan):
 *  - Immediate rules (a condition with only gt/gte bounds, or none for temporal types: the count
 *    can only grow as events arrive) slide: on each event the windows of `span` ending at that
 *    event (and, for an out-of-order event, at each later event within `span`) are evaluated, and
 *    the rule fires as soon as one holds, at the event that makes it hold.
 *  - Closing rules (any lt, lte, eq or neq bound: the answer is only known once the window is
 *    over) open a window at a group's first event, [start, start + span], and evaluate it once
 *    when the watermark passes start + span + lateness.
 *  - One incident, one signal: when a group fires, its window [first evidence, first + span] is
 *    spent. Events of the group at or before first + span are ignored afterwards and the window
 *    restarts with the first later event. `details.key` = rule key | entities | window start.
 *  - Events older than watermark − lateness are late: counted and ignored.
 *  - Group-by values are read per referenced rule (through `aliases`; Vigil also applies them to
 *    the condition's `field`); an event lacking one of them takes no part (it has no group).
 *  - value_count counts distinct values of the field(s); value_sum/value_avg sum/average the
 *    numeric values (other values are ignored); value_percentile compares the share (in %) of
 *    the window's events that carry a value: immediately for the arriving event's value, at close
 *    for every value (evidence: the events with the values that hold).
 *  - temporal counts the distinct referenced rules present (default: all); temporal_ordered the
 *    length of the longest prefix of the rule list found in time order (default: all).
 *  - Chaining: a correlation may reference another; a firing of the inner one is an input of the
 *    outer one (its evidence, and its group-by values as fields). Referenced rules produce no
 *    finding of their own unless `generate: true` (see `hidden`).
 */
import { attackFromTags, type Signal } from '../signal.js';
import type { ConditionOp, CorrelationRule } from './rule.js';
import {
  DeadlineHeap,
  dropThrough,
  GroupTable,
  idsOf,
  restoreTable,
  snapshotTable,
  Watermark,
  type Entry,
  type Group,
} from './windows.js';

/** A base rule an event matched. */
export interface RuleRef {
  id?: string;
  name?: string;
}

export interface CorrelationInput {
  time: number;
  /** The event's store id (metadata.uid). */
  eventId: string;
  matches: readonly RuleRef[];
  /** The event's field by name (Sigma names, dotted paths). */
  field: (name: string) => unknown;
}

export interface WindowOptions {
  /** How late an event may arrive (event time behind the watermark) and still count. */
  latenessMs?: number;
  /** Most groups kept across all rules (least recently used evicted). */
  maxGroups?: number;
  /** Most entries per group (oldest dropped). */
  maxEntriesPerGroup?: number;
}

export const DEFAULT_LATENESS_MS = 60_000;
export const DEFAULT_MAX_GROUPS = 200_000;
export const DEFAULT_MAX_ENTRIES = 10_000;

/** A scalar field value as text ('' and objects: none). Arrays: their values joined by ','. */
export function valueText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const parts = v.map(valueText).filter((x): x is string => x !== undefined);
    return parts.length > 0 ? parts.join(',') : undefined;
  }
  if (typeof v === 'object') return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

/** Whether every bound holds for the value. */
export function holds(value: number, bounds: readonly [ConditionOp, number][]): boolean {
  for (const [op, n] of bounds) {
    const ok =
      op === 'gt'
        ? value > n
        : op === 'gte'
          ? value >= n
          : op === 'lt'
            ? value < n
            : op === 'lte'
              ? value <= n
              : op === 'eq'
                ? value === n
                : value !== n;
    if (!ok) return false;
  }
  return true;
}

/** The rule's stable key: id, else name, else title. */
export function ruleKey(rule: { id?: string; name?: string; title: string }): string {
  return rule.id ?? rule.name ?? rule.title;
}

/** `details.key`: rule key, entities (sorted) and window start — the same for one incident. */
export function incidentKey(rule: string, entities: Record<string, string>, windowStart: number): string {
  const parts = Object.keys(entities)
    .sort()
    .map((k) => `${k}=${entities[k]}`);
  return `${rule}|${parts.join(',')}|${windowStart}`;
}

interface Compiled {
  rule: CorrelationRule;
  key: string;
  immediate: boolean;
  bounds: [ConditionOp, number][];
  /** Correlations this one feeds (by index), with its position in their rule lists. */
  feeds: { target: number; position: number }[];
  /** Whether its firings become signals (not referenced, or referenced with generate: true). */
  emits: boolean;
}

/** A rule's input this event: which referenced rule, its evidence and fields. */
interface Hit {
  position: number;
  ids: string[];
  field: (name: string) => unknown;
}

export interface CorrelationStats {
  rules: number;
  groups: number;
  late: number;
  evicted: number;
  trimmed: number;
  /** Events ignored because their group's window had already fired. */
  suppressed: number;
  watermark: number | undefined;
}

/** Build errors: a reference cycle among correlations. */
export class CorrelationBuildError extends Error {}

export class CorrelationEngine {
  private readonly compiled: Compiled[] = [];
  /** Reference (id or name) → the rules and positions it feeds. */
  private readonly byRef = new Map<string, { target: number; position: number }[]>();
  private readonly table: GroupTable;
  private readonly clock: Watermark;
  private readonly heap = new DeadlineHeap();
  private suppressed = 0;
  private tick = 0;
  /** Ids and names of the Sigma rules referenced by a correlation without `generate: true`. */
  readonly hidden = new Set<string>();

  constructor(rules: readonly CorrelationRule[], options: WindowOptions = {}) {
    this.clock = new Watermark(options.latenessMs ?? DEFAULT_LATENESS_MS);
    this.table = new GroupTable({
      maxGroups: options.maxGroups ?? DEFAULT_MAX_GROUPS,
      maxEntriesPerGroup: options.maxEntriesPerGroup ?? DEFAULT_MAX_ENTRIES,
    });
    const ordered = topological(rules);
    const index = new Map<string, number>();
    ordered.forEach((rule, i) => {
      const temporal = rule.type === 'temporal' || rule.type === 'temporal_ordered';
      const bounds: [ConditionOp, number][] =
        rule.condition?.bounds ?? (temporal ? [['gte', rule.rules.length]] : []);
      this.compiled.push({
        rule,
        key: ruleKey(rule),
        immediate: bounds.every(([op]) => op === 'gt' || op === 'gte'),
        bounds,
        feeds: [],
        emits: true,
      });
      if (rule.id) index.set(rule.id, i);
      if (rule.name) index.set(rule.name, i);
    });
    ordered.forEach((rule, target) => {
      rule.rules.forEach((ref, position) => {
        const inner = index.get(ref);
        if (inner !== undefined) {
          this.compiled[inner]!.feeds.push({ target, position });
          if (!rule.generate) this.compiled[inner]!.emits = false;
        } else {
          const list = this.byRef.get(ref);
          if (list) list.push({ target, position });
          else this.byRef.set(ref, [{ target, position }]);
          if (!rule.generate) this.hidden.add(ref);
        }
      });
    });
  }

  get rules(): readonly CorrelationRule[] {
    return this.compiled.map((c) => c.rule);
  }

  /** Whether a base rule's own matches should not become findings (referenced, generate false). */
  isHidden(ref: RuleRef): boolean {
    return (
      (ref.id !== undefined && this.hidden.has(ref.id)) ||
      (ref.name !== undefined && this.hidden.has(ref.name))
    );
  }

  /** The signals this event completes (and those of windows its time closes). */
  observe(input: CorrelationInput): Signal[] {
    if (this.compiled.length === 0) return [];
    if (!this.clock.admit(input.time)) return [];
    const out: Signal[] = [];
    const pending: Hit[][] = this.compiled.map(() => []);
    const seen = new Set<string>();
    for (const m of input.matches) {
      for (const ref of [m.id, m.name]) {
        if (ref === undefined) continue;
        for (const { target, position } of this.byRef.get(ref) ?? []) {
          const k = `${target}:${position}`;
          if (seen.has(k)) continue;
          seen.add(k);
          pending[target]!.push({ position, ids: [input.eventId], field: input.field });
        }
      }
    }
    for (let i = 0; i < this.compiled.length; i++) {
      for (const hit of pending[i]!) {
        const signal = this.arrive(i, input.time, hit);
        if (signal) this.fired(i, signal, input, pending, out);
      }
    }
    this.closeDue(out);
    if (++this.tick % 256 === 0) this.table.expire((span) => this.clock.closed - span);
    return out;
  }

  /** Close the windows due at the current watermark (also called by observe). */
  closeDue(out: Signal[] = []): Signal[] {
    for (;;) {
      const item = this.heap.popDue(this.clock.closed);
      if (!item) return out;
      const group = this.table.peek(item.key);
      if (!group || group.deadline === undefined || group.deadline !== item.at) continue;
      const c = this.compiled.findIndex((x) => x.key === group.rule);
      if (c < 0) continue;
      const signal = this.close(c, item.key, group);
      if (signal) {
        const input: CorrelationInput = {
          time: signal.time,
          eventId: '',
          matches: [],
          field: () => undefined,
        };
        const pending: Hit[][] = this.compiled.map(() => []);
        this.fired(c, signal, input, pending, out);
        // Outer rules fed by a closing window see its firing now.
        for (let i = c + 1; i < this.compiled.length; i++) {
          for (const hit of pending[i]!) {
            const outer = this.arrive(i, signal.time, hit);
            if (outer) this.fired(i, outer, input, pending, out);
          }
        }
      }
    }
  }

  private fired(i: number, signal: Signal, input: CorrelationInput, pending: Hit[][], out: Signal[]): void {
    const c = this.compiled[i]!;
    if (c.emits) out.push(signal);
    if (c.feeds.length === 0) return;
    const entities = signal.entities;
    const field = (name: string): unknown => (name in entities ? entities[name] : input.field(name));
    for (const { target, position } of c.feeds)
      pending[target]!.push({ position, ids: signal.eventIds, field });
  }

  /** Read the group-by values for a hit of rule `c`; undefined when one is missing. */
  private groupOf(c: Compiled, hit: Hit): Record<string, string> | undefined {
    const entities: Record<string, string> = {};
    const refName = c.rule.rules[hit.position]!;
    for (const name of c.rule.groupBy) {
      const alias = c.rule.aliases.get(name);
      const field = alias?.get(refName) ?? name;
      const value = valueText(hit.field(field));
      if (value === undefined) return undefined;
      entities[name] = value;
    }
    return entities;
  }

  private arrive(i: number, time: number, hit: Hit): Signal | undefined {
    const c = this.compiled[i]!;
    const rule = c.rule;
    const entities = this.groupOf(c, hit);
    if (!entities) return undefined;
    const entry: Entry = { t: time, ids: hit.ids, r: hit.position };
    if (rule.condition?.field) {
      const refName = rule.rules[hit.position]!;
      const fields = rule.condition.field.map((f) => rule.aliases.get(f)?.get(refName) ?? f);
      const v = aggregateValue(
        rule.type,
        fields.map((f) => hit.field(f)),
      );
      if (v === undefined) return undefined;
      entry.v = v;
    }
    const key = `${c.key}\u0000${Object.values(entities).join('\u0001')}`;
    let group = this.table.get(key);
    if (group && time <= group.suppressUntil) {
      this.suppressed++;
      return undefined;
    }
    group ??= this.table.create(key, {
      rule: c.key,
      entities,
      entries: [],
      suppressUntil: -Infinity,
      span: rule.timespanMs,
    });
    this.table.insert(group, entry);
    if (!c.immediate) {
      const start = group.entries[0]!.t;
      if (group.deadline === undefined || start + rule.timespanMs < group.deadline) {
        group.deadline = start + rule.timespanMs;
        this.heap.push(group.deadline, key);
      }
      return undefined;
    }
    // Drop what no window can reach any more (later events are at or after the closed time).
    const horizon = this.clock.closed - rule.timespanMs;
    if (group.entries[0]!.t < horizon) dropThrough(group.entries, horizon - 1);
    const list = group.entries;
    let start = 0;
    for (let end = list.indexOf(entry); end < list.length && list[end]!.t <= time + rule.timespanMs; end++) {
      const endTime = list[end]!.t;
      while (list[start]!.t < endTime - rule.timespanMs) start++;
      const result = this.evaluate(c, list.slice(start, end + 1), entry);
      if (result) return this.fire(c, group, result.evidence, result.value, result.evidence[0]!.t);
    }
    return undefined;
  }

  private close(i: number, key: string, group: Group): Signal | undefined {
    const c = this.compiled[i]!;
    const end = group.deadline!;
    delete group.deadline;
    const start = end - c.rule.timespanMs;
    const window = group.entries.filter((e) => e.t >= start && e.t <= end);
    const result = window.length > 0 ? this.evaluate(c, window, undefined) : undefined;
    let signal: Signal | undefined;
    if (result) signal = this.fire(c, group, result.evidence, result.value, start);
    else dropThrough(group.entries, end);
    if (group.entries.length === 0) this.table.delete(key);
    else {
      group.deadline = group.entries[0]!.t + c.rule.timespanMs;
      this.heap.push(group.deadline, key);
    }
    return signal;
  }

  /**
   * The metric of a window and whether the condition holds. `arriving`: the event that triggered
   * an immediate evaluation (value_percentile judges its value), undefined at close.
   */
  private evaluate(
    c: Compiled,
    window: Entry[],
    arriving: Entry | undefined,
  ): { evidence: Entry[]; value: number } | undefined {
    const rule = c.rule;
    switch (rule.type) {
      case 'event_count':
        return holds(window.length, c.bounds) ? { evidence: window, value: window.length } : undefined;
      case 'value_count': {
        const n = new Set(window.map((e) => e.v)).size;
        return holds(n, c.bounds) ? { evidence: window, value: n } : undefined;
      }
      case 'value_sum':
      case 'value_avg': {
        let sum = 0;
        for (const e of window) sum += e.v as number;
        const value = rule.type === 'value_sum' ? sum : sum / window.length;
        return holds(value, c.bounds) ? { evidence: window, value } : undefined;
      }
      case 'value_percentile': {
        const counts = new Map<string | number | undefined, number>();
        for (const e of window) counts.set(e.v, (counts.get(e.v) ?? 0) + 1);
        const share = (v: string | number | undefined) => (100 * (counts.get(v) ?? 0)) / window.length;
        if (arriving) {
          const value = share(arriving.v);
          return holds(value, c.bounds)
            ? { evidence: window.filter((e) => e.v === arriving.v), value }
            : undefined;
        }
        const good = new Set([...counts.keys()].filter((v) => holds(share(v), c.bounds)));
        if (good.size === 0) return undefined;
        const value = Math.min(...[...good].map(share));
        return { evidence: window.filter((e) => good.has(e.v)), value };
      }
      case 'temporal': {
        const n = new Set(window.map((e) => e.r)).size;
        return holds(n, c.bounds) ? { evidence: window, value: n } : undefined;
      }
      case 'temporal_ordered': {
        const chosen: Entry[] = [];
        for (const e of window) if (e.r === chosen.length) chosen.push(e);
        // The evidence of each step: every event of that rule between its first occurrence and
        // the next step's (e.g. all the failed logins before the success).
        const from = chosen[0]?.t ?? 0;
        const to = chosen[chosen.length - 1]?.t ?? 0;
        const evidence = window.filter((e) => e.t >= from && e.t <= to && e.r < chosen.length);
        return holds(chosen.length, c.bounds) ? { evidence, value: chosen.length } : undefined;
      }
    }
  }

  private fire(c: Compiled, group: Group, evidence: Entry[], value: number, windowStart: number): Signal {
    const rule = c.rule;
    const first = evidence[0]!.t;
    const last = evidence[evidence.length - 1]!.t;
    // The window that fired is spent: nothing in it fires again (see the file comment).
    const spent = windowStart + rule.timespanMs;
    group.suppressUntil = Math.max(group.suppressUntil, spent);
    dropThrough(group.entries, spent);
    const eventIds = idsOf(evidence);
    const entityText = Object.entries(group.entities)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const condition = c.bounds.map(([op, n]) => `${op} ${n}`).join(' and ');
    const level = rule.level ?? 'informational';
    return {
      kind: 'correlation',
      rule: {
        id: c.key,
        title: rule.title,
        level,
        tags: rule.tags,
        ...(rule.description ? { description: rule.description } : {}),
      },
      firstTime: first,
      time: last,
      entities: { ...group.entities },
      eventIds,
      attack: attackFromTags(rule.tags),
      summary: `${rule.title}: ${rule.type} ${formatValue(value)} (${condition}) within ${rule.timespanMs / 1000}s${entityText ? ` for ${entityText}` : ''}`,
      details: {
        key: incidentKey(c.key, group.entities, windowStart),
        type: rule.type,
        value,
        condition,
        timespan_ms: rule.timespanMs,
        window_start: windowStart,
        events: eventIds.length,
        ...(rule.condition?.field ? { field: rule.condition.field.join(',') } : {}),
      },
    };
  }

  /** The current watermark (highest event time seen), if any. */
  get watermark(): number | undefined {
    return Number.isFinite(this.clock.value) ? this.clock.value : undefined;
  }

  stats(): CorrelationStats {
    return {
      rules: this.compiled.length,
      groups: this.table.size,
      late: this.clock.late,
      evicted: this.table.counters.evicted,
      trimmed: this.table.counters.trimmed,
      suppressed: this.suppressed,
      watermark: this.watermark,
    };
  }

  snapshot(): unknown {
    return { ...snapshotTable(this.table, this.clock), suppressed: this.suppressed };
  }

  /** Restore a snapshot (groups of rules no longer loaded are dropped). Throws if malformed. */
  restore(state: unknown): void {
    const keys = new Set(this.compiled.map((c) => c.key));
    this.heap.clear();
    const scheduled = restoreTable(state, this.table, this.clock, (rule) => keys.has(rule));
    this.suppressed = Number((state as { suppressed?: unknown }).suppressed) || 0;
    for (const [key, group] of scheduled) this.heap.push(group.deadline!, key);
  }
}

function formatValue(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** The aggregated value of a hit: a tuple as text (counts), a number (sum, avg). */
function aggregateValue(type: CorrelationRule['type'], values: unknown[]): string | number | undefined {
  if (type === 'value_sum' || type === 'value_avg') {
    const v = values[0];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : undefined;
  }
  const texts = values.map(valueText);
  if (texts.some((t) => t === undefined)) return undefined;
  return texts.join('\u0001');
}

/** Correlations ordered so a referenced one comes before those that reference it. */
function topological(rules: readonly CorrelationRule[]): CorrelationRule[] {
  const byRef = new Map<string, CorrelationRule>();
  for (const r of rules) {
    if (r.id) byRef.set(r.id, r);
    if (r.name) byRef.set(r.name, r);
  }
  const out: CorrelationRule[] = [];
  const state = new Map<CorrelationRule, 'visiting' | 'done'>();
  const visit = (r: CorrelationRule, path: string[]): void => {
    const s = state.get(r);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new CorrelationBuildError(`correlation reference cycle: ${[...path, ruleKey(r)].join(' → ')}`);
    state.set(r, 'visiting');
    for (const ref of r.rules) {
      const inner = byRef.get(ref);
      if (inner) visit(inner, [...path, ruleKey(r)]);
    }
    state.set(r, 'done');
    out.push(r);
  };
  for (const r of rules) visit(r, []);
  return out;
}
