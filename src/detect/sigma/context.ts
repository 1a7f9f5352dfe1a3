/**
 * What the engine sees of an event. An EventView answers `get(field)` by the field's original
 * name (whatever the JSON shape underneath); an EventContext wraps one view for one evaluation and
 * caches each field's texts (original and lower-cased) by a numeric field id, so a field read by
 * the prefilter and by many rules is converted once per event.
 */

/** An event as the rules see it. */
export interface EventView {
  /** A field's value by its name in the rules, or undefined when the event has no such field. */
  get(field: string): unknown;
  /** Every value of the event (nested values included), for keyword searches. */
  values(): Iterable<unknown>;
  /**
   * Optionally, every top-level field with its name (together, the same values as `values()`),
   * so keyword searches can skip fields already searched.
   */
  forEachField?(fn: (name: string, value: unknown) => void): void;
  /**
   * The event's shape when known: `evtx` for Windows event log records (in any JSON layout, incl.
   * Sysmon for Linux). Logsource entries select on it.
   */
  readonly format?: string;
}

/** Field names ↔ dense ids, shared by the rules compiled into one rule set. */
export class FieldTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  get size(): number {
    return this.names.length;
  }
}

/** Reads a rule's field from a view: the identity, or a logsource's field mapping. */
export type FieldReader = (view: EventView, field: string) => unknown;

export const readField: FieldReader = (view, field) => view.get(field);

const NONE: string[] = [];

/** One field's scalar values as text: strings as they are, numbers, bigints and booleans as text. */
export function scalarTexts(value: unknown, out: string[] = []): string[] {
  if (value === undefined || value === null) return out;
  switch (typeof value) {
    case 'string':
      out.push(value);
      break;
    case 'number':
    case 'bigint':
    case 'boolean':
      out.push(String(value));
      break;
    case 'object':
      if (Array.isArray(value))
        for (const v of value) if (typeof v !== 'object' || v === null) scalarTexts(v, out);
      break;
    default:
      break;
  }
  return out;
}

/** Every scalar under a value (nested objects and arrays included, 32 levels deep), as text. */
export function forEachText(value: unknown, fn: (text: string) => void, depth = 0): void {
  switch (typeof value) {
    case 'string':
      fn(value);
      return;
    case 'number':
    case 'bigint':
    case 'boolean':
      fn(String(value));
      return;
    case 'object':
      if (value === null || depth > 32) return;
      if (Array.isArray(value)) for (const v of value) forEachText(v, fn, depth + 1);
      else for (const key in value) forEachText((value as Record<string, unknown>)[key], fn, depth + 1);
      return;
    default:
      return;
  }
}

/**
 * Per-event cache of field values for one rule set. `reset` starts a new event; values are read
 * on first use. Not re-entrant: one event at a time.
 */
export class EventContext {
  private epoch = 0;
  private stamp: Int32Array;
  private raws: unknown[];
  private textCache: (string[] | undefined)[];
  private lowerCache: (string[] | undefined)[];
  private textStamp: Int32Array;
  private lowerStamp: Int32Array;
  private all: string[] | undefined;
  private allLower: string[] | undefined;
  view!: EventView;

  constructor(
    private readonly table: FieldTable,
    private readonly reader: FieldReader = readField,
  ) {
    this.stamp = new Int32Array(0);
    this.textStamp = new Int32Array(0);
    this.lowerStamp = new Int32Array(0);
    this.raws = [];
    this.textCache = [];
    this.lowerCache = [];
  }

  /** Start on a new event. */
  reset(view: EventView): void {
    this.view = view;
    this.all = undefined;
    this.allLower = undefined;
    if (this.stamp.length < this.table.size) this.grow();
    this.epoch++;
    if (this.epoch === 0x7fffffff) {
      this.epoch = 1;
      this.stamp.fill(0);
      this.textStamp.fill(0);
      this.lowerStamp.fill(0);
    }
  }

  private grow(): void {
    const n = Math.max(16, this.table.size * 2);
    const copy = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.stamp = copy(this.stamp);
    this.textStamp = copy(this.textStamp);
    this.lowerStamp = copy(this.lowerStamp);
  }

  /** The field's value as the view gives it. */
  raw(fid: number): unknown {
    if (this.stamp[fid] !== this.epoch) {
      this.stamp[fid] = this.epoch;
      this.raws[fid] = this.reader(this.view, this.table.names[fid]!);
    }
    return this.raws[fid];
  }

  /**
   * The field's scalar values as text; empty when absent. The array is reused for the next
   * event: callers must not keep it.
   */
  texts(fid: number): readonly string[] {
    if (this.textStamp[fid] !== this.epoch) {
      this.textStamp[fid] = this.epoch;
      const raw = this.raw(fid);
      const texts = this.textCache[fid];
      if (typeof raw === 'string') {
        if (texts === undefined || texts.length !== 1) this.textCache[fid] = [raw];
        else texts[0] = raw;
      } else {
        this.textCache[fid] = raw === undefined ? NONE : scalarTexts(raw);
      }
    }
    return this.textCache[fid]!;
  }

  /** The field's texts lower-cased (case-insensitive matching and the prefilter); reused like texts(). */
  lowers(fid: number): readonly string[] {
    if (this.lowerStamp[fid] !== this.epoch) {
      this.lowerStamp[fid] = this.epoch;
      const texts = this.texts(fid);
      const lowers = this.lowerCache[fid];
      if (texts.length === 1 && lowers !== undefined && lowers.length === 1)
        lowers[0] = texts[0]!.toLowerCase();
      else this.lowerCache[fid] = texts.length === 0 ? NONE : texts.map((t) => t.toLowerCase());
    }
    return this.lowerCache[fid]!;
  }

  /** Every scalar text of the event, for keywords. */
  allTexts(): readonly string[] {
    if (!this.all) {
      const out: string[] = [];
      for (const v of this.view.values()) forEachText(v, (t) => out.push(t));
      this.all = out;
    }
    return this.all;
  }

  allLowers(): readonly string[] {
    this.allLower ??= this.allTexts().map((t) => t.toLowerCase());
    return this.allLower;
  }
}
