/**
 * The state both stateful engines (Sigma correlations and Vigil sequences) keep: per rule and
 * group (group-by or join values), the contributing events in event-time order, with
 *  - an event-time watermark (the highest event time seen) and an allowed lateness: an event
 *    older than `watermark - lateness` is late, counted and ignored;
 *  - a bound on groups (least recently used evicted, counted) and on entries per group (oldest
 *    dropped, counted), so memory stays bounded whatever the input;
 *  - deadlines (a window that must close, an absence that must expire) in a heap, due when the
 *    watermark passes them;
 *  - a JSON snapshot and its restore, for state that survives a restart.
 * Pure: no clock, no I/O; time is what the events say.
 */

/** One contributing event (or, for chained rules, one firing of a referenced rule). */
export interface Entry {
  /** Event time, epoch ms. */
  t: number;
  /** Store ids of the events behind it. */
  ids: string[];
  /** Which referenced rule (correlations) or bitmask of the steps it matches (sequences). */
  r: number;
  /** The aggregated field's value (value_* correlations). */
  v?: string | number;
}

export interface Group {
  /** The rule's stable key and the group values: what snapshots and details.key use. */
  rule: string;
  entities: Record<string, string>;
  /** Sorted by `t` (stable for equal times: arrival order). */
  entries: Entry[];
  /** After a firing: entries at or before this time are ignored (the window that fired). */
  suppressUntil: number;
  /** When an open window or pending absence must be decided (event time), if any. */
  deadline?: number;
  /** Window span, for expiring idle groups. */
  span: number;
}

export interface TableOptions {
  maxGroups: number;
  maxEntriesPerGroup: number;
}

export interface TableCounters {
  /** Groups evicted because the table was full (least recently used first). */
  evicted: number;
  /** Entries dropped because their group was full (oldest first). */
  trimmed: number;
}

/** Groups by key, least recently used first (a Map keeps insertion order; touching re-inserts). */
export class GroupTable {
  private readonly groups = new Map<string, Group>();
  readonly counters: TableCounters = { evicted: 0, trimmed: 0 };

  constructor(private readonly options: TableOptions) {}

  get size(): number {
    return this.groups.size;
  }

  /** The group, marked as just used. */
  get(key: string): Group | undefined {
    const g = this.groups.get(key);
    if (g) {
      this.groups.delete(key);
      this.groups.set(key, g);
    }
    return g;
  }

  /** Without touching its place in the eviction order. */
  peek(key: string): Group | undefined {
    return this.groups.get(key);
  }

  create(key: string, group: Group): Group {
    this.groups.set(key, group);
    while (this.groups.size > this.options.maxGroups) {
      const oldest = this.groups.keys().next().value as string;
      this.groups.delete(oldest);
      this.counters.evicted++;
    }
    return group;
  }

  delete(key: string): void {
    this.groups.delete(key);
  }

  /** Insert in time order (after equal times); past the cap the oldest entry goes. */
  insert(group: Group, entry: Entry): void {
    const list = group.entries;
    let i = list.length;
    while (i > 0 && list[i - 1]!.t > entry.t) i--;
    list.splice(i, 0, entry);
    if (list.length > this.options.maxEntriesPerGroup) {
      list.shift();
      this.counters.trimmed++;
    }
  }

  /**
   * Drop groups, least recently used first, that nothing can fire from any more: all their
   * entries and their suppression lie before `horizon(span)`, and no deadline is pending. Stops at
   * the first live group (the rest were used more recently), so the cost is what it frees.
   */
  expire(before: (span: number) => number, limit = 64): void {
    let n = 0;
    for (const [key, g] of this.groups) {
      if (n++ >= limit) return;
      const horizon = before(g.span);
      const last = g.entries.length > 0 ? g.entries[g.entries.length - 1]!.t : -Infinity;
      if (g.deadline !== undefined || last >= horizon || g.suppressUntil >= horizon) return;
      this.groups.delete(key);
    }
  }

  entries(): IterableIterator<[string, Group]> {
    return this.groups.entries();
  }

  clear(): void {
    this.groups.clear();
  }
}

/** Drop the entries at or before `t` (sorted list). */
export function dropThrough(entries: Entry[], t: number): void {
  let i = 0;
  while (i < entries.length && entries[i]!.t <= t) i++;
  if (i > 0) entries.splice(0, i);
}

/** Every id of the entries, in time order, each once. */
export function idsOf(entries: readonly Entry[]): string[] {
  const seen = new Set<string>();
  for (const e of entries) for (const id of e.ids) seen.add(id);
  return [...seen];
}

/** A min-heap of (due time, group key); stale items are skipped by the caller. */
export class DeadlineHeap {
  private readonly at: number[] = [];
  private readonly keys: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(at: number, key: string): void {
    this.at.push(at);
    this.keys.push(key);
    let i = this.at.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= this.at[i]!) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The earliest item if due at `now`, removed. */
  popDue(now: number): { at: number; key: string } | undefined {
    if (this.at.length === 0 || this.at[0]! > now) return undefined;
    const item = { at: this.at[0]!, key: this.keys[0]! };
    const lastAt = this.at.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.at.length && this.at[l]! < this.at[m]!) m = l;
        if (r < this.at.length && this.at[r]! < this.at[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return item;
  }

  clear(): void {
    this.at.length = 0;
    this.keys.length = 0;
  }

  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b]!, this.at[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
  }
}

/** The event-time clock: watermark, lateness, late events counted. */
export class Watermark {
  value = -Infinity;
  late = 0;

  constructor(readonly latenessMs: number) {}

  /** False (and counted) when the event is older than the watermark minus the lateness. */
  admit(t: number): boolean {
    if (t < this.value - this.latenessMs) {
      this.late++;
      return false;
    }
    if (t > this.value) this.value = t;
    return true;
  }

  /** Event time up to which nothing more can arrive. */
  get closed(): number {
    return this.value - this.latenessMs;
  }
}

/** What a snapshot of a group table holds (JSON). */
export interface TableSnapshot {
  watermark: number | null;
  late: number;
  counters: TableCounters;
  groups: [string, SnapshotGroup][];
}

interface SnapshotGroup {
  rule: string;
  entities: Record<string, string>;
  entries: [number, number, string[], (string | number)?][];
  suppressUntil: number | null;
  deadline?: number;
  span: number;
}

export function snapshotTable(table: GroupTable, clock: Watermark): TableSnapshot {
  const groups: [string, SnapshotGroup][] = [];
  for (const [key, g] of table.entries()) {
    const s: SnapshotGroup = {
      rule: g.rule,
      entities: g.entities,
      entries: g.entries.map((e) => (e.v === undefined ? [e.t, e.r, e.ids] : [e.t, e.r, e.ids, e.v])),
      suppressUntil: Number.isFinite(g.suppressUntil) ? g.suppressUntil : null,
      span: g.span,
    };
    if (g.deadline !== undefined) s.deadline = g.deadline;
    groups.push([key, s]);
  }
  return {
    watermark: Number.isFinite(clock.value) ? clock.value : null,
    late: clock.late,
    counters: { ...table.counters },
    groups,
  };
}

/**
 * Restore a snapshot into an empty table; groups of rules `keep` rejects (removed or changed
 * rules) are left out. Returns the restored groups with deadlines, to re-schedule. Throws on a
 * malformed snapshot (the caller starts empty then).
 */
export function restoreTable(
  snapshot: unknown,
  table: GroupTable,
  clock: Watermark,
  keep: (rule: string) => boolean,
): [string, Group][] {
  const s = snapshot as TableSnapshot;
  if (!s || typeof s !== 'object' || !Array.isArray(s.groups)) throw new Error('not a window-state snapshot');
  table.clear();
  clock.value = typeof s.watermark === 'number' ? s.watermark : -Infinity;
  clock.late = Number(s.late) || 0;
  table.counters.evicted = Number(s.counters?.evicted) || 0;
  table.counters.trimmed = Number(s.counters?.trimmed) || 0;
  const scheduled: [string, Group][] = [];
  for (const [key, g] of s.groups) {
    if (typeof key !== 'string' || !g || !keep(g.rule)) continue;
    const group: Group = {
      rule: g.rule,
      entities: g.entities,
      entries: g.entries.map(([t, r, ids, v]) => (v === undefined ? { t, r, ids } : { t, r, ids, v })),
      suppressUntil: typeof g.suppressUntil === 'number' ? g.suppressUntil : -Infinity,
      span: g.span,
    };
    if (typeof g.deadline === 'number') {
      group.deadline = g.deadline;
      scheduled.push([key, group]);
    }
    table.create(key, group);
  }
  return scheduled;
}
