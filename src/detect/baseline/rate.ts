/**
 * Per-entity rate baselines: how much an entity (a user, a host, an address) does per time bucket,
 * learned from its own past, and an 'anomaly' Signal when the current bucket is far above it.
 *
 * - A series counts the events its filter accepts (or sums a numeric field) per entity and bucket
 *   of event time (`bucket`, e.g. 5 minutes).
 * - Baseline: median and MAD over the entity's last `history` closed buckets, empty buckets in
 *   between counting as zero. An entity with fewer than `min_history` closed buckets is compared
 *   with the global fallback instead: median and MAD of the last 1024 non-empty closed buckets of
 *   all entities ("what an active entity does in a bucket"). With neither, nothing fires.
 * - Anomaly: value > median + k·σ̂ (σ̂ = 1.4826·MAD, floored: see robust.ts; event counts at least
 *   √median, their Poisson noise) and value ≥ min_value.
 *   The check runs on every event, so it fires at the event that crosses the threshold (values only
 *   grow within a bucket), once per entity and bucket. Evidence: the bucket's first
 *   `max_event_ids` event ids, with the full count in details.
 * - Buckets close by event time: when the watermark (highest event time seen) passes a bucket's end
 *   plus `lateness`, every entity's bucket of that index closes and joins its history. An event for
 *   a closed bucket is late: counted and ignored.
 * - Bounded: at most `max_entities` entities (least recently seen evicted, counted), `history`
 *   values each (float32), open buckets only within the lateness, `max_event_ids` ids per open
 *   bucket. Measured (bench/baseline.ts): about 1.3 KB per active entity with a short history,
 *   plus 4 bytes per history value.
 * Pure and synchronous: no clock, no I/O; state snapshots to JSON.
 */
import type { OcsfEvent } from '../../normalize/ocsf.js';
import { attackFromTags, type Signal } from '../signal.js';
import { incidentKey, type StreamAnalyzer } from './analyzer.js';
import type { SeriesConfig } from './config.js';
import { compileFilter, fieldNumber, fieldText, type EventFilter } from './filter.js';
import { robustStats, threshold, type RobustStats } from './robust.js';

/**
 * Largest value one event may add (10¹⁵: a petabyte); larger ones are not counted, so sums stay
 * finite, JSON-safe and within the float32 history.
 */
export const MAX_AMOUNT = 1e15;

/** Non-empty closed buckets (all entities) the global fallback is computed over. */
export const GLOBAL_SAMPLES = 1024;

/** A bucket still taking events. */
interface OpenBucket {
  index: number;
  value: number;
  count: number;
  /** Earliest and latest event time in it. */
  first: number;
  last: number;
  fired: boolean;
  ids: string[];
  times: number[];
  /** The threshold against this bucket, computed once per history change (null: no baseline yet). */
  limit?: Limit | null;
}

interface Limit extends RobustStats {
  threshold: number;
  spread: number;
  source: 'entity' | 'global';
}

interface EntityState {
  values: string[];
  /** Closed bucket values (at most `history`). */
  hist: HistoryRing;
  /** Index of the last closed bucket (NaN: none yet). */
  lastClosed: number;
  /** Sorted by index; usually one. */
  open: OpenBucket[];
}

export interface RateStats {
  entities: number;
  openBuckets: number;
  late: number;
  evicted: number;
  /** Events with a time that is not a finite number. */
  invalid: number;
  signals: number;
  watermark: number | undefined;
}

/** Snapshot (JSON). An open bucket: [index, value, count, first, last, fired 0|1, ids, times]. */
interface RateSnapshot {
  v: 1;
  series: string;
  bucket: number;
  watermark: number | null;
  late: number;
  evicted: number;
  invalid: number;
  signals: number;
  global: number[];
  /** Least recently seen first: [entity values, last closed index | null, history, open buckets]. */
  entities: [
    string[],
    number | null,
    number[],
    [number, number, number, number, number, 0 | 1, string[], number[]][],
  ][];
}

export class RateBaseline implements StreamAnalyzer {
  readonly name: string;
  readonly ruleId: string;
  private readonly filter: EventFilter;
  private readonly sensitivity: number;
  private readonly title: string;
  private readonly tags: string[];
  private readonly attack: Signal['attack'];
  /** Insertion order = least recently seen first (touched entities are re-inserted). */
  private entities = new Map<string, EntityState>();
  /** Bucket index → keys of the entities with that bucket open. */
  private pending = new Map<number, Set<string>>();
  /** Pending indexes, ascending. */
  private pendingOrder: number[] = [];
  private global: number[] = [];
  private globalNext = 0;
  private globalStats: RobustStats | undefined;
  private watermark = -Infinity;
  private late = 0;
  private evicted = 0;
  private invalid = 0;
  private signals = 0;

  constructor(
    private readonly config: SeriesConfig,
    defaultSensitivity = 3,
  ) {
    this.name = `baseline.${config.name}`;
    this.ruleId = `vigil.baseline.${config.name}`;
    this.filter = compileFilter(config.filter);
    this.sensitivity = config.sensitivity ?? defaultSensitivity;
    this.title = config.title ?? `Unusual ${config.name.replace(/_/g, ' ')}`;
    this.tags = config.tags;
    this.attack = attackFromTags(config.tags);
  }

  observe(event: OcsfEvent, time: number): Signal[] {
    if (!Number.isFinite(time)) {
      this.invalid++;
      return [];
    }
    if (!this.filter(event)) return [];
    const values: string[] = [];
    for (const field of this.config.entity) {
      const text = fieldText(event, field);
      if (text === undefined) return [];
      values.push(text);
    }
    let amount = 1;
    if (this.config.value !== undefined) {
      const n = fieldNumber(event, this.config.value);
      if (n === undefined || n > MAX_AMOUNT) return [];
      amount = n;
    }
    const size = this.config.bucket;
    const index = Math.floor(time / size);
    if (time > this.watermark) {
      this.watermark = time;
      this.closeDue();
    }
    if ((index + 1) * size + this.config.lateness <= this.watermark) {
      this.late++;
      return [];
    }
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    const state = this.touch(key, values);
    if (!Number.isNaN(state.lastClosed) && index <= state.lastClosed) {
      this.late++;
      return [];
    }
    const bucket = this.openBucket(key, state, index);
    bucket.value += amount;
    bucket.count++;
    bucket.first = Math.min(bucket.first, time);
    bucket.last = Math.max(bucket.last, time);
    const id = event.metadata?.uid;
    if (typeof id === 'string' && bucket.ids.length < this.config.max_event_ids) {
      bucket.ids.push(id);
      bucket.times.push(time);
    }
    if (bucket.fired || bucket.value < this.config.min_value) return [];
    if (bucket.limit === undefined) bucket.limit = this.limitFor(state, index);
    const limit = bucket.limit;
    if (limit === null || !(bucket.value > limit.threshold)) return [];
    bucket.fired = true;
    this.signals++;
    return [this.signal(state, bucket, limit)];
  }

  /** The entity's state, marked most recently seen; a new one may evict the least recent. */
  private touch(key: string, values: string[]): EntityState {
    let state = this.entities.get(key);
    if (state) {
      this.entities.delete(key);
      this.entities.set(key, state);
      return state;
    }
    state = { values, hist: new HistoryRing(this.config.history), lastClosed: NaN, open: [] };
    this.entities.set(key, state);
    if (this.entities.size > this.config.max_entities) {
      const [oldKey, old] = this.entities.entries().next().value as [string, EntityState];
      this.entities.delete(oldKey);
      for (const b of old.open) this.pending.get(b.index)?.delete(oldKey);
      this.evicted++;
    }
    return state;
  }

  private openBucket(key: string, state: EntityState, index: number): OpenBucket {
    let at = state.open.length;
    while (at > 0 && state.open[at - 1]!.index >= index) {
      if (state.open[at - 1]!.index === index) return state.open[at - 1]!;
      at--;
    }
    const bucket: OpenBucket = {
      index,
      value: 0,
      count: 0,
      first: Infinity,
      last: -Infinity,
      fired: false,
      ids: [],
      times: [],
    };
    state.open.splice(at, 0, bucket);
    this.addPending(index, key);
    return bucket;
  }

  private addPending(index: number, key: string): void {
    let keys = this.pending.get(index);
    if (!keys) {
      keys = new Set();
      this.pending.set(index, keys);
      let at = this.pendingOrder.length;
      while (at > 0 && this.pendingOrder[at - 1]! > index) at--;
      this.pendingOrder.splice(at, 0, index);
    }
    keys.add(key);
  }

  /** Close every bucket whose end plus lateness the watermark has passed, oldest index first. */
  private closeDue(): void {
    const size = this.config.bucket;
    while (this.pendingOrder.length > 0) {
      const index = this.pendingOrder[0]!;
      if ((index + 1) * size + this.config.lateness > this.watermark) break;
      this.pendingOrder.shift();
      const keys = this.pending.get(index)!;
      this.pending.delete(index);
      for (const key of keys) {
        const state = this.entities.get(key);
        if (state) this.close(state, index);
      }
    }
  }

  private close(state: EntityState, index: number): void {
    const at = state.open.findIndex((b) => b.index === index);
    if (at === -1) return;
    const [bucket] = state.open.splice(at, 1) as [OpenBucket];
    if (!Number.isNaN(state.lastClosed)) state.hist.pushZeros(index - state.lastClosed - 1);
    state.hist.push(bucket.value);
    state.lastClosed = index;
    for (const b of state.open) b.limit = undefined;
    if (bucket.value > 0) {
      if (this.global.length < GLOBAL_SAMPLES) this.global.push(bucket.value);
      else this.global[this.globalNext] = bucket.value;
      this.globalNext = (this.globalNext + 1) % GLOBAL_SAMPLES;
      this.globalStats = undefined;
    }
  }

  /** The threshold for the entity's bucket `index`: its own history (gaps as zeros), else global. */
  private limitFor(state: EntityState, index: number): Limit | null {
    let gap = 0;
    if (!Number.isNaN(state.lastClosed)) {
      const between = state.open.filter((b) => b.index > state.lastClosed && b.index < index).length;
      gap = index - state.lastClosed - 1 - between;
    }
    const hist = state.hist.values(gap);
    let stats: RobustStats;
    let source: Limit['source'];
    if (hist.length >= this.config.min_history) {
      stats = robustStats(hist);
      source = 'entity';
    } else if (this.global.length >= this.config.min_history) {
      stats = this.globalStats ??= robustStats(this.global);
      source = 'global';
    } else return null;
    const t = threshold(stats, {
      sensitivity: this.sensitivity,
      minSpread: this.config.min_spread,
      minSpreadRatio: this.config.min_spread_ratio,
      counts: this.config.value === undefined,
    });
    return { ...stats, ...t, source };
  }

  private signal(state: EntityState, bucket: OpenBucket, limit: Limit): Signal {
    const entities: Record<string, string> = {};
    this.config.entity.forEach((field, i) => (entities[field] = state.values[i]!));
    const order = bucket.ids.map((_, i) => i).sort((a, b) => bucket.times[a]! - bucket.times[b]!);
    const start = bucket.index * this.config.bucket;
    const who = Object.values(entities).join(' / ');
    const value = round(bucket.value);
    const { level } = this.config;
    return {
      kind: 'anomaly',
      rule: {
        id: this.ruleId,
        title: this.title,
        level,
        tags: this.tags,
        description: `${this.config.value ? `Sum of ${this.config.value}` : 'Events'} per ${Object.keys(entities).join(', ')} per ${this.config.bucket / 1000}s, far above its baseline (median + ${this.sensitivity}·1.4826·MAD).`,
      },
      firstTime: bucket.first,
      time: bucket.last,
      entities,
      eventIds: order.map((i) => bucket.ids[i]!),
      attack: this.attack,
      summary: `${who}: ${value} in ${this.config.bucket / 1000}s from ${new Date(start).toISOString()}, baseline median ${round(limit.median)} (threshold ${round(limit.threshold)}, ${limit.source})`,
      details: {
        key: incidentKey(this.ruleId, entities, start),
        value: bucket.value,
        count: bucket.count,
        median: limit.median,
        mad: limit.mad,
        threshold: limit.threshold,
        score: (bucket.value - limit.median) / limit.spread,
        baseline: limit.source,
        history: limit.n,
        sensitivity: this.sensitivity,
        bucket_start: start,
        bucket_ms: this.config.bucket,
        event_ids_truncated: bucket.count > bucket.ids.length,
      },
    };
  }

  stats(): RateStats {
    let openBuckets = 0;
    for (const s of this.entities.values()) openBuckets += s.open.length;
    return {
      entities: this.entities.size,
      openBuckets,
      late: this.late,
      evicted: this.evicted,
      invalid: this.invalid,
      signals: this.signals,
      watermark: Number.isFinite(this.watermark) ? this.watermark : undefined,
    };
  }

  snapshot(): RateSnapshot {
    const entities: RateSnapshot['entities'] = [];
    for (const s of this.entities.values())
      entities.push([
        s.values,
        Number.isNaN(s.lastClosed) ? null : s.lastClosed,
        s.hist.toArray(),
        s.open.map((b) => [b.index, b.value, b.count, b.first, b.last, b.fired ? 1 : 0, b.ids, b.times]),
      ]);
    // The ring, oldest first, so a restore continues it in order.
    const global = this.global.length < GLOBAL_SAMPLES ? this.global : rotate(this.global, this.globalNext);
    return {
      v: 1,
      series: this.config.name,
      bucket: this.config.bucket,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      late: this.late,
      evicted: this.evicted,
      invalid: this.invalid,
      signals: this.signals,
      global: [...global],
      entities,
    };
  }

  /**
   * Replace the state with a snapshot's. A snapshot of another bucket size is ignored (the history
   * would mean something else): the series starts empty. Throws on a malformed snapshot, leaving
   * the state empty.
   */
  restore(state: unknown): void {
    this.clear();
    const s = state as RateSnapshot;
    if (!s || typeof s !== 'object' || s.v !== 1 || !Array.isArray(s.entities) || !Array.isArray(s.global))
      throw new Error(`baseline ${this.config.name}: not a rate-baseline snapshot`);
    if (s.bucket !== this.config.bucket) return;
    try {
      for (const [values, lastClosed, hist, open] of s.entities) {
        if (!Array.isArray(values) || values.length !== this.config.entity.length || !Array.isArray(hist))
          throw new Error('bad entity');
        if (!values.every((v) => typeof v === 'string') || !hist.every(Number.isFinite))
          throw new Error('bad entity');
        const key = values.length === 1 ? values[0]! : values.join('\u0000');
        const entity: EntityState = {
          values,
          hist: HistoryRing.from(this.config.history, hist),
          lastClosed: typeof lastClosed === 'number' ? lastClosed : NaN,
          open: [],
        };
        for (const [index, value, count, first, last, fired, ids, times] of open) {
          if (![index, value, count].every(Number.isFinite) || !Array.isArray(ids) || !Array.isArray(times))
            throw new Error('bad bucket');
          entity.open.push({ index, value, count, first, last, fired: fired === 1, ids, times });
          this.addPending(index, key);
        }
        entity.open.sort((a, b) => a.index - b.index);
        this.entities.set(key, entity);
      }
      while (this.entities.size > this.config.max_entities) {
        const oldKey = this.entities.keys().next().value as string;
        for (const b of this.entities.get(oldKey)!.open) this.pending.get(b.index)?.delete(oldKey);
        this.entities.delete(oldKey);
      }
      this.global = s.global.filter(Number.isFinite).slice(-GLOBAL_SAMPLES);
      this.globalNext = this.global.length % GLOBAL_SAMPLES;
      this.watermark = typeof s.watermark === 'number' ? s.watermark : -Infinity;
      this.late = Number(s.late) || 0;
      this.evicted = Number(s.evicted) || 0;
      this.invalid = Number(s.invalid) || 0;
      this.signals = Number(s.signals) || 0;
    } catch (error) {
      this.clear();
      throw new Error(`baseline ${this.config.name}: malformed snapshot (${(error as Error).message})`, {
        cause: error,
      });
    }
  }

  private clear(): void {
    this.entities = new Map();
    this.pending = new Map();
    this.pendingOrder = [];
    this.global = [];
    this.globalNext = 0;
    this.globalStats = undefined;
    this.watermark = -Infinity;
    this.late = this.evicted = this.invalid = this.signals = 0;
  }
}

/**
 * An entity's closed bucket values: a ring of float32 (4 bytes a value, allocated as it fills;
 * counts are exact up to 2²⁴, sums keep 7 significant digits — plenty for a median and a MAD).
 */
class HistoryRing {
  private data = new Float32Array(0);
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {}

  static from(capacity: number, values: readonly number[]): HistoryRing {
    const ring = new HistoryRing(capacity);
    for (const v of values.slice(Math.max(0, values.length - capacity))) ring.push(v);
    return ring;
  }

  get size(): number {
    return this.length;
  }

  push(value: number): void {
    if (this.length < this.capacity) {
      if (this.length === this.data.length) {
        const grown = new Float32Array(Math.min(this.capacity, Math.max(8, this.data.length * 2)));
        grown.set(this.data);
        this.data = grown;
      }
      this.data[this.length++] = value;
    } else {
      this.data[this.start] = value;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  pushZeros(n: number): void {
    for (let i = Math.min(n, this.capacity); i > 0; i--) this.push(0);
  }

  /** The values oldest first followed by `zeros` zeros: the last `capacity` of them. */
  values(zeros = 0): Float64Array {
    const z = Math.max(0, Math.min(zeros, this.capacity));
    const kept = Math.min(this.length, this.capacity - z);
    const out = new Float64Array(kept + z);
    for (let i = 0; i < kept; i++) out[i] = this.data[(this.start + this.length - kept + i) % this.capacity]!;
    return out;
  }

  toArray(): number[] {
    return Array.from(this.values());
  }
}

function rotate<T>(ring: T[], start: number): T[] {
  return ring.slice(start).concat(ring.slice(0, start));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
