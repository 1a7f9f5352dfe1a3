/**
 * A rule set: rules compiled once, indexed, and evaluated against one event at a time.
 *
 * Speed by construction:
 *  - an event is classified to its logsource entries first (a cached lookup on format, channel
 *    and event id); only the rules those entries cover are considered, never the others;
 *  - rules are grouped into a bucket per combination of entries (built on first use); within it,
 *    each rule is gated by its prefilter triggers: one Aho-Corasick pass per indexed field over
 *    the event's lower-cased value finds every substring trigger at once, and a hash lookup the
 *    exact ones; only the rules with a trigger present (and the few without triggers) are
 *    evaluated;
 *  - field values are read and lower-cased once per event (EventContext).
 */
import { literalMatcher, type LiteralMatcher } from './automaton.js';
import {
  compileRule,
  filterApplies,
  foldExpr,
  ruleTriggers,
  type CompiledRule,
  type RuleInfo,
  type Trigger,
} from './compile.js';
import {
  EventContext,
  FieldTable,
  forEachText,
  readField,
  type EventView,
  type FieldReader,
} from './context.js';
import { SigmaError } from './errors.js';
import {
  DEFAULT_LOGSOURCES,
  entryCovers,
  entryReader,
  LogsourceClassifier,
  type LogsourceEntry,
} from './logsource.js';
import type { Placeholders } from './modifiers.js';
import type { SigmaDocument, SigmaFilter, SigmaRule } from './rule.js';

export interface RuleSetOptions {
  /** Values for `|expand` placeholders. Rules using a placeholder without values are unsupported. */
  placeholders?: Placeholders;
  /** The logsource table; DEFAULT_LOGSOURCES by default. */
  logsources?: readonly LogsourceEntry[];
  /** Global filters besides those among the documents. */
  filters?: readonly SigmaFilter[];
}

/** What became of one document when the rule set was built. */
export interface RuleReport {
  kind: 'rule' | 'filter' | 'correlation' | 'invalid';
  path?: string;
  document?: number;
  id?: string;
  title?: string;
  /** `ok`: loaded (it may still have no logsource mapping: see `logsources`). */
  status: 'ok' | 'unsupported';
  reason?: string;
  /** Where in the document, and what is wrong. */
  location?: string;
  detail?: string;
  /** For rules: how many logsource entries cover it (0: it cannot fire until one is added). */
  logsources?: number;
  /** For rules: whether it is gated by the prefilter (false: evaluated on every event of its logsources). */
  indexed?: boolean;
}

/** A built rule set and the report of every document. */
export interface RuleSetBuild {
  ruleSet: RuleSet;
  reports: RuleReport[];
}

/** Build a rule set from parsed documents (rules, filters; correlations and errors are reported). */
export function buildRuleSet(
  documents: readonly (SigmaDocument | SigmaError)[],
  options: RuleSetOptions = {},
): RuleSetBuild {
  const entries = options.logsources ?? DEFAULT_LOGSOURCES;
  const table = new FieldTable();
  const filters: SigmaFilter[] = [...(options.filters ?? [])];
  for (const d of documents) if (!(d instanceof SigmaError) && d.kind === 'filter') filters.push(d);
  const reports: RuleReport[] = [];
  const rules: CompiledRule[] = [];
  for (const d of documents) {
    if (d instanceof SigmaError) {
      reports.push({ kind: 'invalid', path: d.path, status: 'unsupported', ...errorFields(d) });
      continue;
    }
    const base = { path: d.path, document: d.document, id: d.id, title: d.title };
    if (d.kind === 'filter') {
      reports.push({ kind: 'filter', ...base, status: 'ok' });
    } else if (d.kind === 'correlation') {
      reports.push({
        kind: 'correlation',
        ...base,
        status: 'unsupported',
        reason: 'correlation_rule',
        detail: 'correlation rules are evaluated by the correlation engine, not per event',
      });
    } else {
      reports.push(compileInto(d, rules, table, filters, entries, options));
    }
  }
  return { ruleSet: new RuleSet(rules, table, entries), reports };
}

function compileInto(
  rule: SigmaRule,
  rules: CompiledRule[],
  table: FieldTable,
  filters: readonly SigmaFilter[],
  entries: readonly LogsourceEntry[],
  options: RuleSetOptions,
): RuleReport {
  const base = {
    kind: 'rule' as const,
    path: rule.path,
    document: rule.document,
    id: rule.id,
    title: rule.title,
  };
  try {
    const compiled = compileRule(rule, {
      table,
      placeholders: options.placeholders,
      filters: filters.filter((f) => filterApplies(f, rule)),
    });
    rules.push(compiled);
    const covering = entries.filter((e) => entryCovers(e, rule.logsource)).length;
    return { ...base, status: 'ok', logsources: covering, indexed: compiled.triggers !== undefined };
  } catch (error) {
    if (!(error instanceof SigmaError)) throw error;
    return { ...base, status: 'unsupported', ...errorFields(error) };
  }
}

function errorFields(error: SigmaError): Pick<RuleReport, 'reason' | 'location' | 'detail'> {
  return error.location === undefined
    ? { reason: error.reason, detail: error.detail }
    : { reason: error.reason, location: error.location, detail: error.detail };
}

/** One rule's match on one event. */
export interface RuleMatch {
  rule: CompiledRule;
  info: RuleInfo;
}

/** The rules a group gates on one field's (or, keywords, every value's) literals. */
interface LiteralIndex {
  /** The field, or -1 for keywords (every value of the event). */
  fid: number;
  automaton?: LiteralMatcher;
  /** Pattern number → local rule numbers. */
  patternRules: Int32Array[];
  /** Lower-cased whole value → local rule numbers. */
  exact?: Map<string, Int32Array>;
}

/** A rule as a bucket holds it: its prefilter triggers there (after folding), or none. */
interface BucketRule {
  index: number;
  triggers: Trigger[] | undefined;
}

/** Rules that share one way of reading fields (one logsource field mapping), with their prefilter. */
class Group {
  readonly ctx: EventContext;
  /** Local rule number → rule-set index, ascending. */
  readonly globals: Int32Array;
  private readonly always: Int32Array;
  private readonly indexes: LiteralIndex[] = [];
  private readonly stamp: Int32Array;
  private epoch = 0;
  private readonly candidates: number[] = [];
  private currentPatterns: Int32Array[] = [];
  private readonly onPattern: (p: number) => void;
  private keywordMatcher: LiteralMatcher | undefined;
  private readonly scanKeywordText = (text: string): void => this.keywordMatcher!.scan(text, this.onPattern);
  /** Fields whose automata include the keyword literals. */
  private readonly scannedWithKeywords = new Set<string>();
  private readonly scanKeywordField = (name: string, value: unknown): void => {
    if (typeof value === 'string' && this.scannedWithKeywords.has(name)) return;
    forEachText(value, this.scanKeywordText);
  };

  constructor(members: readonly BucketRule[], table: FieldTable, reader: FieldReader) {
    this.ctx = new EventContext(table, reader);
    this.globals = Int32Array.from(members.map((m) => m.index));
    this.stamp = new Int32Array(members.length);
    const always: number[] = [];
    const byField = new Map<string | null, { subs: Map<string, number[]>; exact: Map<string, number[]> }>();
    members.forEach(({ triggers }, local) => {
      if (!triggers) {
        always.push(local);
        return;
      }
      for (const t of triggers) {
        let f = byField.get(t.field);
        if (!f) byField.set(t.field, (f = { subs: new Map(), exact: new Map() }));
        const map = t.exact ? f.exact : f.subs;
        const list = map.get(t.text);
        if (list) {
          if (list[list.length - 1] !== local) list.push(local);
        } else map.set(t.text, [local]);
      }
    });
    this.always = Int32Array.from(always);
    // Keyword literals are also searched inside the fields scanned anyway (rules read them as
    // they are), so the keyword pass can skip those fields' values instead of reading them twice.
    const keywords = byField.get(null)?.subs;
    if (keywords && keywords.size > 0 && reader === readField) {
      for (const [field, { subs }] of byField) {
        if (field === null || subs.size === 0) continue;
        for (const [text, locals] of keywords) {
          const list = subs.get(text);
          subs.set(text, list ? [...new Set([...list, ...locals])].sort((a, b) => a - b) : [...locals]);
        }
        this.scannedWithKeywords.add(field);
      }
    }
    for (const [field, { subs, exact }] of byField) {
      const patterns = [...subs.keys()];
      this.indexes.push({
        fid: field === null ? -1 : table.id(field),
        automaton: patterns.length > 0 ? literalMatcher(patterns) : undefined,
        patternRules: patterns.map((p) => Int32Array.from(subs.get(p)!)),
        exact: exact.size > 0 ? new Map([...exact].map(([k, v]) => [k, Int32Array.from(v)])) : undefined,
      });
    }
    this.onPattern = (p) => this.mark(this.currentPatterns[p]!);
  }

  private mark(locals: Int32Array): void {
    for (let i = 0; i < locals.length; i++) {
      const r = locals[i]!;
      if (this.stamp[r] !== this.epoch) {
        this.stamp[r] = this.epoch;
        this.candidates.push(r);
      }
    }
  }

  /** Mark the rules whose literals the event holds. */
  private prefilter(ctx: EventContext): void {
    for (const index of this.indexes) {
      if (index.automaton) {
        this.currentPatterns = index.patternRules;
        if (index.fid < 0) {
          this.keywordMatcher = index.automaton;
          const view = ctx.view;
          if (view.forEachField && this.scannedWithKeywords.size > 0)
            view.forEachField(this.scanKeywordField);
          else for (const value of view.values()) forEachText(value, this.scanKeywordText);
        } else {
          const texts = ctx.texts(index.fid);
          for (let i = 0; i < texts.length; i++) index.automaton.scan(texts[i]!, this.onPattern);
        }
      }
      if (index.exact) {
        const lowers = ctx.lowers(index.fid);
        for (let i = 0; i < lowers.length; i++) {
          const hit = index.exact.get(lowers[i]!);
          if (hit) this.mark(hit);
        }
      }
    }
  }

  /** Evaluate the group's candidate rules on the view; push matching rule-set indexes. */
  run(
    view: EventView,
    rules: readonly CompiledRule[],
    out: number[],
    onError: (rule: CompiledRule, error: unknown) => void,
  ): void {
    const ctx = this.ctx;
    ctx.reset(view);
    this.epoch++;
    if (this.epoch === 0x7fffffff) {
      this.epoch = 1;
      this.stamp.fill(0);
    }
    const candidates = this.candidates;
    candidates.length = 0;
    this.prefilter(ctx);
    for (let i = 0; i < this.always.length; i++) candidates.push(this.always[i]!);
    if (candidates.length > 1) candidates.sort((a, b) => a - b);
    for (let i = 0; i < candidates.length; i++) {
      const g = this.globals[candidates[i]!]!;
      const rule = rules[g]!;
      let matched = false;
      try {
        matched = rule.test(ctx);
      } catch (error) {
        onError(rule, error);
      }
      if (matched) out.push(g);
    }
  }
}

/** Most buckets built per event id; beyond, one bucket per entry combination serves all ids. */
const MAX_BUCKETS = 4096;

/** Compiled, indexed rules; `match` evaluates one event. */
export class RuleSet {
  private readonly classifier: LogsourceClassifier;
  /** Entry index → rule-set indexes of the rules it covers. */
  private readonly coverage: number[][];
  private readonly readers: (FieldReader | undefined)[];
  private readonly buckets = new Map<string, Group[]>();
  private readonly out: number[] = [];
  /** Evaluation errors (a rule's test threw), counted; the rule simply does not match. */
  errors = 0;
  lastError: string | undefined;

  constructor(
    readonly rules: readonly CompiledRule[],
    /** Field ids of the compiled rules (for evaluating them directly). */
    readonly table: FieldTable,
    readonly entries: readonly LogsourceEntry[],
  ) {
    this.classifier = new LogsourceClassifier(entries);
    this.coverage = entries.map((e) => {
      const covered: number[] = [];
      rules.forEach((r, i) => {
        if (entryCovers(e, r.info.logsource)) covered.push(i);
      });
      return covered;
    });
    this.readers = entries.map(entryReader);
  }

  /** The rules that match the event, in rule-set order. */
  match(view: EventView): RuleMatch[] {
    const c = this.classifier.classify(view);
    if (c.entries.length === 0) return [];
    let groups = this.buckets.get(c.key);
    if (!groups) {
      // Past the cap (event ids are the event's to choose), buckets stop specialising on them.
      const capped = this.buckets.size >= MAX_BUCKETS;
      const key = capped ? `${c.entries.join(',')}|*` : c.key;
      groups = this.buckets.get(key) ?? this.buildBucket(c.entries, capped ? '' : c.eventId);
      this.buckets.set(key, groups);
    }
    const out = this.out;
    out.length = 0;
    for (const group of groups) group.run(view, this.rules, out, this.onError);
    if (out.length === 0) return [];
    if (groups.length > 1) out.sort((a, b) => a - b);
    return out.map((g) => ({ rule: this.rules[g]!, info: this.rules[g]!.info }));
  }

  private readonly onError = (rule: CompiledRule, error: unknown): void => {
    this.errors++;
    this.lastError = `${rule.info.path ?? rule.info.title}: ${String(error)}`;
  };

  /**
   * The groups for events of these entries and event id: each covered rule once (read through
   * the first covering entry's mapping), its items on EventID decided in advance, rules that
   * cannot match such events left out, the others gated by the triggers of what remains.
   */
  private buildBucket(entryIndexes: readonly number[], eventId: string): Group[] {
    const readerOf = new Map<number, FieldReader | undefined>();
    for (const e of entryIndexes) {
      for (const r of this.coverage[e]!) if (!readerOf.has(r)) readerOf.set(r, this.readers[e]);
    }
    const byReader = new Map<FieldReader | undefined, BucketRule[]>();
    for (const index of [...readerOf.keys()].sort((a, b) => a - b)) {
      const rule = this.rules[index]!;
      let triggers = rule.triggers;
      if (eventId !== '') {
        const folded = foldExpr(rule.expr, 'EventID', eventId);
        if (folded === false) continue;
        triggers = folded === true ? undefined : ruleTriggers(folded);
      }
      const reader = readerOf.get(index);
      const list = byReader.get(reader);
      if (list) list.push({ index, triggers });
      else byReader.set(reader, [{ index, triggers }]);
    }
    return [...byReader].map(([reader, members]) => new Group(members, this.table, reader ?? readField));
  }

  /** Figures for benchmarks: buckets built so far and rules compiled. */
  stats(): { buckets: number; rules: number } {
    return { buckets: this.buckets.size, rules: this.rules.length };
  }
}
