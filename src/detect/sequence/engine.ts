/**
 * The sequence engine: Vigil sequence rules (sequence/rule.ts) over a stream of normalized events
 * in roughly event-time order. Pure and synchronous; state is bounded and snapshotable
 * (correlation/windows.ts, the same as the correlation engine).
 *
 * Semantics, per rule and join value (`by:` of each step, read from the event — or, for a
 * `signal:` step, from the signal's entities first):
 *  - The steps must occur in order of event time (equal times allowed), all within `timespan` of
 *    the first step; a step with `within` at most that long after the previous one.
 *  - A last step with `not: true` completes the sequence when no matching event (same join value)
 *    arrives within `within` after the previous step. That is only known once the watermark minus
 *    the lateness passes that time, so such signals come then (at a later event).
 *  - Out-of-order events within the lateness are placed by their time; older ones are late
 *    (counted, ignored).
 *  - One incident, one signal: after a sequence fires, its window [first step, first + timespan]
 *    is spent for that join value; the events in it do not start another one.
 *    `details.key` = rule id | join value | first step time.
 *  - `join: host`: host names compare by their first label, case-insensitively (WS01 =
 *    ws01.corp.example), and an IP address compares as the host last seen with it — learned from
 *    events that carry both (`device.hostname` with `device.ip`, or with the `src_endpoint.ip` of
 *    an outbound connection the device made), a bounded table.
 */
import { getPath } from '../../normalize/ocsf.js';
import { incidentKey, valueText, type WindowOptions } from '../correlation/engine.js';
import { DEFAULT_LATENESS_MS, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_GROUPS } from '../correlation/engine.js';
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
} from '../correlation/windows.js';
import { attackFromTags, type Signal } from '../signal.js';
import { ipScope, type SequenceRule, type StepEvent } from './rule.js';

export interface SequenceInput extends StepEvent {
  time: number;
  eventId: string;
}

const MAX_HOSTS = 100_000;

/** IP address → host name, learned from events that name both. */
class HostDirectory {
  readonly byIp = new Map<string, string>();

  learn(event: unknown): void {
    const host = valueText(getPath(event, 'device.hostname'));
    if (!host) return;
    const ip = valueText(getPath(event, 'device.ip'));
    if (ip) this.set(ip, host);
    if (getPath(event, 'connection_info.direction_id') === 2) {
      const src = valueText(getPath(event, 'src_endpoint.ip'));
      if (src && ipScope(src) !== undefined) this.set(src, host);
    }
  }

  private set(ip: string, host: string): void {
    const name = canonicalHost(host);
    if (this.byIp.get(ip) === name) return;
    this.byIp.delete(ip);
    this.byIp.set(ip, name);
    if (this.byIp.size > MAX_HOSTS) this.byIp.delete(this.byIp.keys().next().value as string);
  }
}

function canonicalHost(name: string): string {
  return name.toLowerCase().split('.')[0]!;
}

interface Compiled {
  rule: SequenceRule;
  /** Bit of the first step, of the absent step (0: none), of all positive steps. */
  absentBit: number;
}

export class SequenceEngine {
  private readonly compiled: Compiled[];
  private readonly byId = new Map<string, number>();
  private readonly table: GroupTable;
  private readonly clock: Watermark;
  private readonly heap = new DeadlineHeap();
  private readonly hosts = new HostDirectory();
  private suppressed = 0;
  private tick = 0;

  constructor(rules: readonly SequenceRule[], options: WindowOptions = {}) {
    this.clock = new Watermark(options.latenessMs ?? DEFAULT_LATENESS_MS);
    this.table = new GroupTable({
      maxGroups: options.maxGroups ?? DEFAULT_MAX_GROUPS,
      maxEntriesPerGroup: options.maxEntriesPerGroup ?? DEFAULT_MAX_ENTRIES,
    });
    this.compiled = rules.map((rule) => {
      const last = rule.steps.length - 1;
      return { rule, absentBit: rule.steps[last]!.absent ? 1 << last : 0 };
    });
    this.compiled.forEach((c, i) => this.byId.set(c.rule.id, i));
  }

  get rules(): readonly SequenceRule[] {
    return this.compiled.map((c) => c.rule);
  }

  /** The join value of step `j` for this event, canonical; undefined when absent. */
  private joinValue(c: Compiled, j: number, input: SequenceInput): string | undefined {
    const step = c.rule.steps[j]!;
    const signal = step.signal !== undefined ? input.signals.get(step.signal) : undefined;
    for (const field of step.by) {
      const raw = signal && field in signal.entities ? signal.entities[field] : getPath(input.event, field);
      const value = valueText(raw);
      if (value === undefined) continue;
      if (c.rule.join === 'host') {
        if (ipScope(value) !== undefined) return this.hosts.byIp.get(value) ?? value;
        return canonicalHost(value);
      }
      return value.toLowerCase();
    }
    return undefined;
  }

  observe(input: SequenceInput): Signal[] {
    if (this.compiled.length === 0) return [];
    if (!this.clock.admit(input.time)) return [];
    this.hosts.learn(input.event);
    const out: Signal[] = [];
    for (let i = 0; i < this.compiled.length; i++) {
      const c = this.compiled[i]!;
      // Steps this event matches, by join value.
      let byValue: Map<string, { bits: number; ids: string[] }> | undefined;
      c.rule.steps.forEach((step, j) => {
        if (!step.test(input)) return;
        const value = this.joinValue(c, j, input);
        if (value === undefined) return;
        byValue ??= new Map();
        const signal = step.signal !== undefined ? input.signals.get(step.signal) : undefined;
        const ids = signal ? [...new Set([...signal.eventIds, input.eventId])] : [input.eventId];
        const hit = byValue.get(value);
        if (hit) {
          hit.bits |= 1 << j;
          for (const id of ids) if (!hit.ids.includes(id)) hit.ids.push(id);
        } else byValue.set(value, { bits: 1 << j, ids });
      });
      if (!byValue) continue;
      for (const [value, hit] of byValue) {
        const signal = this.arrive(c, value, { t: input.time, ids: hit.ids, r: hit.bits });
        if (signal) out.push(signal);
      }
    }
    this.decideDue(out);
    if (++this.tick % 256 === 0) this.table.expire((span) => this.clock.closed - span);
    return out;
  }

  /** Decide the absences due at the current watermark (also called by observe). */
  decideDue(out: Signal[] = []): Signal[] {
    for (;;) {
      const item = this.heap.popDue(this.clock.closed);
      if (!item) return out;
      const group = this.table.peek(item.key);
      if (!group || group.deadline !== item.at) continue;
      const i = this.byId.get(group.rule);
      if (i === undefined) continue;
      delete group.deadline;
      const signal = this.evaluate(this.compiled[i]!, item.key, group);
      if (signal) out.push(signal);
    }
  }

  private arrive(c: Compiled, value: string, entry: Entry): Signal | undefined {
    const key = `${c.rule.id}\u0000${value}`;
    let group = this.table.get(key);
    // A spent window (see the file comment) starts nothing new.
    if (group && entry.t <= group.suppressUntil) {
      this.suppressed++;
      return undefined;
    }
    group ??= this.table.create(key, {
      rule: c.rule.id,
      entities: { [c.rule.join ?? c.rule.steps[0]!.by[0]!]: value },
      entries: [],
      suppressUntil: -Infinity,
      span: c.rule.timespanMs,
    });
    this.table.insert(group, entry);
    const horizon = this.clock.closed - c.rule.timespanMs;
    if (group.entries[0]!.t < horizon) dropThrough(group.entries, horizon - 1);
    return this.evaluate(c, key, group);
  }

  /**
   * Look for a complete sequence among the group's entries, earliest first step first. An absent
   * last step not yet decidable schedules a deadline.
   */
  private evaluate(c: Compiled, key: string, group: Group): Signal | undefined {
    const steps = c.rule.steps;
    const list = group.entries;
    const positive = c.absentBit ? steps.length - 1 : steps.length;
    let pending: number | undefined;
    for (let s = 0; s < list.length; s++) {
      const first = list[s]!;
      if ((first.r & 1) === 0 || first.t <= group.suppressUntil) continue;
      const end = first.t + c.rule.timespanMs;
      const chosen: Entry[] = [first];
      let at = s;
      for (let j = 1; j < positive; j++) {
        const prev = chosen[chosen.length - 1]!;
        const limit = Math.min(end, steps[j]!.withinMs !== undefined ? prev.t + steps[j]!.withinMs! : end);
        let found = -1;
        for (let k = at + 1; k < list.length && list[k]!.t <= limit; k++) {
          if (list[k]!.r & (1 << j)) {
            found = k;
            break;
          }
        }
        if (found < 0) break;
        chosen.push(list[found]!);
        at = found;
      }
      if (chosen.length < positive) continue;
      if (c.absentBit) {
        const prev = chosen[chosen.length - 1]!;
        const deadline = prev.t + steps[steps.length - 1]!.withinMs!;
        const spoiled = list.some(
          (e, k) => k > at && (e.r & c.absentBit) !== 0 && e.t >= prev.t && e.t <= deadline,
        );
        if (spoiled) continue;
        if (this.clock.closed < deadline) {
          pending = pending === undefined ? deadline : Math.min(pending, deadline);
          continue;
        }
      }
      return this.fire(c, group, chosen);
    }
    if (pending !== undefined && group.deadline !== pending) {
      group.deadline = pending;
      this.heap.push(pending, key);
    }
    return undefined;
  }

  private fire(c: Compiled, group: Group, chosen: Entry[]): Signal {
    const rule = c.rule;
    const start = chosen[0]!.t;
    group.suppressUntil = Math.max(group.suppressUntil, start + rule.timespanMs);
    dropThrough(group.entries, group.suppressUntil);
    delete group.deadline;
    const eventIds = idsOf(chosen);
    const [field, value] = Object.entries(group.entities)[0]!;
    const names = rule.steps.map((s) => (s.absent ? `not ${s.name}` : s.name)).join(' → ');
    return {
      kind: 'sequence',
      rule: {
        id: rule.id,
        title: rule.title,
        level: rule.level,
        tags: rule.tags,
        ...(rule.description ? { description: rule.description } : {}),
      },
      firstTime: start,
      time: chosen[chosen.length - 1]!.t,
      entities: { ...group.entities },
      eventIds,
      attack: attackFromTags(rule.tags),
      summary: `${rule.title}: ${names} for ${field}=${value} within ${rule.timespanMs / 1000}s`,
      details: {
        key: incidentKey(rule.id, group.entities, start),
        steps: rule.steps
          .filter((s) => !s.absent)
          .map((s, i) => ({ name: s.name, time: chosen[i]!.t, events: chosen[i]!.ids })),
        timespan_ms: rule.timespanMs,
        window_start: start,
      },
    };
  }

  get watermark(): number | undefined {
    return Number.isFinite(this.clock.value) ? this.clock.value : undefined;
  }

  stats(): {
    rules: number;
    groups: number;
    late: number;
    evicted: number;
    trimmed: number;
    suppressed: number;
    hosts: number;
  } {
    return {
      rules: this.compiled.length,
      groups: this.table.size,
      late: this.clock.late,
      evicted: this.table.counters.evicted,
      trimmed: this.table.counters.trimmed,
      suppressed: this.suppressed,
      hosts: this.hosts.byIp.size,
    };
  }

  snapshot(): unknown {
    return {
      ...snapshotTable(this.table, this.clock),
      suppressed: this.suppressed,
      hosts: [...this.hosts.byIp],
    };
  }

  /** Restore a snapshot (groups of rules no longer loaded are dropped). Throws if malformed. */
  restore(state: unknown): void {
    this.heap.clear();
    const scheduled = restoreTable(state, this.table, this.clock, (rule) => this.byId.has(rule));
    const s = state as { suppressed?: unknown; hosts?: unknown };
    this.suppressed = Number(s.suppressed) || 0;
    this.hosts.byIp.clear();
    if (Array.isArray(s.hosts))
      for (const pair of s.hosts)
        if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
          this.hosts.byIp.set(pair[0], pair[1]);
    for (const [key, group] of scheduled) this.heap.push(group.deadline!, key);
  }
}
