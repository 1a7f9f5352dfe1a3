/**
 * A parsed rule → a CompiledRule: its detection as one expression (searches inlined into the
 * conditions, global filters AND-ed on), compiled once into closures over an EventContext, plus
 * the prefilter triggers the rule index uses: literal texts at least one of which an event must
 * hold in a given field for the rule to have any chance, chosen from the most selective part of
 * the expression. Pure: no I/O; errors are SigmaErrors naming the place in the rule.
 */
import { ipToBigInt } from '../../store/ip.js';
import { parseTimestamp } from '../../normalize/time.js';
import { parseCondition, selectIdentifiers, type Condition } from './condition.js';
import { EventContext, FieldTable } from './context.js';
import { SigmaError, within } from './errors.js';
import {
  buildFieldItem,
  type FieldItem,
  type Placeholders,
  type RuleScalar,
  type TimePart,
  type ValueTest,
} from './modifiers.js';
import { compilePieces, mapLiterals, plainText, type Piece, type TextTest } from './pattern.js';
import type { Level, LogSource, SigmaFilter, SigmaRule } from './rule.js';

/** What a match reports about its rule. */
export interface RuleInfo {
  id?: string;
  name?: string;
  title: string;
  level?: Level;
  status?: string;
  description?: string;
  author?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  logsource: LogSource;
  path?: string;
}

/**
 * A literal the event must hold for the rule to possibly match: the whole lower-cased text of
 * `field` (exact), or a substring of it found case-insensitively; `field` null means any
 * value of the event (keywords).
 */
export interface Trigger {
  field: string | null;
  exact: boolean;
  text: string;
}

export type RuleTest = (ctx: EventContext) => boolean;

export interface CompiledRule {
  info: RuleInfo;
  test: RuleTest;
  /** The detection as an expression, for the rule index (constant folding, triggers). */
  expr: RuleExpr;
  /** At least one must be present for the rule to match; undefined: no prefilter possible. */
  triggers: Trigger[] | undefined;
  /** Fields the rule reads, by their names in the rule. */
  fields: string[];
  /** Whether it has keyword (unbound) searches. */
  keywords: boolean;
  /** Global filters applied to it (ids or titles). */
  filters: string[];
}

export interface CompileOptions {
  /** Shared with the other rules of the rule set; a fresh one by default. */
  table?: FieldTable;
  placeholders?: Placeholders;
  /** Global filters to apply (those naming this rule; see filterApplies). */
  filters?: readonly SigmaFilter[];
}

/** The detection as an expression tree. */
export type RuleExpr = Expr;
type Expr = { t: 'and' | 'or'; items: Expr[] } | { t: 'not'; item: Expr } | { t: 'item'; item: FieldItem };

export function ruleInfo(rule: SigmaRule): RuleInfo {
  const info: RuleInfo = {
    title: rule.title,
    tags: rule.tags,
    references: rule.references,
    falsepositives: rule.falsepositives,
    logsource: rule.logsource,
  };
  for (const key of ['id', 'name', 'level', 'status', 'description', 'author', 'path'] as const) {
    if (rule[key] !== undefined) (info as unknown as Record<string, unknown>)[key] = rule[key];
  }
  return info;
}

/** Compile a rule. Throws SigmaError (attributed to the rule's file). */
export function compileRule(rule: SigmaRule, options: CompileOptions = {}): CompiledRule {
  const table = options.table ?? new FieldTable();
  try {
    const searches = compileSearches(rule.searches, 'detection', options.placeholders);
    const conditions = rule.conditions.map((text, i) =>
      within(rule.conditions.length > 1 ? `detection.condition[${i}]` : 'detection.condition', () =>
        conditionExpr(parseCondition(text), searches),
      ),
    );
    let expr: Expr = conditions.length === 1 ? conditions[0]! : { t: 'or', items: conditions };
    const applied: string[] = [];
    for (const filter of options.filters ?? []) {
      const filterSearches = compileSearches(filter.searches, 'filter', options.placeholders);
      const filterExpr = within('filter.condition', () =>
        conditionExpr(parseCondition(filter.condition), filterSearches),
      );
      expr = { t: 'and', items: [expr, filterExpr] };
      applied.push(filter.id ?? filter.title);
    }
    const fields = new Set<string>();
    let keywords = false;
    visitItems(expr, (item) => {
      if (item.field === null) keywords = true;
      else fields.add(item.field);
      for (const alts of item.values) for (const t of alts) if (t.kind === 'fieldref') fields.add(t.field);
    });
    return {
      info: ruleInfo(rule),
      test: compileExpr(expr, table),
      expr,
      triggers: ruleTriggers(expr),
      fields: [...fields],
      keywords,
      filters: applied,
    };
  } catch (error) {
    if (error instanceof SigmaError) throw error.at(rule.path);
    throw error;
  }
}

/** Whether a global filter applies to a rule: it names the rule's id or name, and its logsource covers the rule's. */
export function filterApplies(filter: SigmaFilter, rule: SigmaRule): boolean {
  const named = filter.rules.some((r) => r === rule.id || (rule.name !== undefined && r === rule.name));
  if (!named) return false;
  for (const key of ['product', 'category', 'service'] as const) {
    if (filter.logsource[key] !== undefined && filter.logsource[key] !== rule.logsource[key]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// detection → expression

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is RuleScalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function compileSearches(
  searches: ReadonlyMap<string, unknown>,
  prefix: string,
  placeholders: Placeholders | undefined,
): Map<string, Expr> {
  const out = new Map<string, Expr>();
  for (const [name, value] of searches) {
    const location = `${prefix}.${name}`;
    out.set(
      name,
      within(location, () => searchExpr(value, location, placeholders)),
    );
  }
  return out;
}

function searchExpr(value: unknown, location: string, placeholders: Placeholders | undefined): Expr {
  if (isMap(value)) return mapExpr(value, location, placeholders);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new SigmaError('invalid_value', 'empty list', location);
    const items: Expr[] = [];
    const keywords: RuleScalar[] = [];
    value.forEach((element, i) => {
      if (isMap(element)) items.push(mapExpr(element, `${location}[${i}]`, placeholders));
      else if (typeof element === 'string' || typeof element === 'number') keywords.push(element);
      else
        throw new SigmaError(
          'invalid_value',
          `unsupported list element (${describe(element)})`,
          `${location}[${i}]`,
        );
    });
    if (keywords.length > 0) {
      items.unshift({
        t: 'item',
        item: buildFieldItem('keywords', null, [], keywords, location, { placeholders }),
      });
    }
    return items.length === 1 ? items[0]! : { t: 'or', items };
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return { t: 'item', item: buildFieldItem('keywords', null, [], [value], location, { placeholders }) };
  }
  throw new SigmaError(
    'invalid_value',
    `a search identifier must be a map or a list (got ${describe(value)})`,
    location,
  );
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
}

function mapExpr(
  map: Record<string, unknown>,
  location: string,
  placeholders: Placeholders | undefined,
): Expr {
  const entries = Object.entries(map);
  if (entries.length === 0) throw new SigmaError('invalid_value', 'empty map', location);
  const items: Expr[] = entries.map(([key, value]) => {
    const where = `${location}.${key}`;
    const [field, ...mods] = key.split('|');
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      if (!isScalar(v))
        throw new SigmaError('invalid_value', `unsupported value (${describe(v)})`, `${where}[${i}]`);
    });
    const modifiers = mods.map((m) => m.trim().toLowerCase());
    const item = within(where, () =>
      buildFieldItem(key, field === '' ? null : field!, modifiers, values as RuleScalar[], where, {
        placeholders,
      }),
    );
    return { t: 'item', item } as Expr;
  });
  return items.length === 1 ? items[0]! : { t: 'and', items };
}

function conditionExpr(cond: Condition, searches: ReadonlyMap<string, Expr>): Expr {
  switch (cond.op) {
    case 'and':
    case 'or':
      return { t: cond.op, items: cond.items.map((c) => conditionExpr(c, searches)) };
    case 'not':
      return { t: 'not', item: conditionExpr(cond.item, searches) };
    case 'ref': {
      const expr = searches.get(cond.name);
      if (!expr) throw new SigmaError('invalid_condition', `unknown search identifier '${cond.name}'`);
      return expr;
    }
    case 'of': {
      const names = selectIdentifiers(cond.pattern, [...searches.keys()]);
      if (names.length === 0) {
        throw new SigmaError('invalid_condition', `'${cond.pattern}' matches no search identifier`);
      }
      const items = names.map((n) => searches.get(n)!);
      return items.length === 1 ? items[0]! : { t: cond.all ? 'and' : 'or', items };
    }
  }
}

function visitItems(expr: Expr, fn: (item: FieldItem) => void): void {
  if (expr.t === 'item') fn(expr.item);
  else if (expr.t === 'not') visitItems(expr.item, fn);
  else for (const e of expr.items) visitItems(e, fn);
}

// ---------------------------------------------------------------------------------------------
// expression → closures

function compileExpr(expr: Expr, table: FieldTable): RuleTest {
  switch (expr.t) {
    case 'not': {
      const inner = compileExpr(expr.item, table);
      return (ctx) => !inner(ctx);
    }
    case 'item':
      return compileItem(expr.item, table);
    case 'and': {
      const parts = expr.items.map((e) => compileExpr(e, table));
      if (parts.length === 2) {
        const [a, b] = parts as [RuleTest, RuleTest];
        return (ctx) => a(ctx) && b(ctx);
      }
      return (ctx) => {
        for (const p of parts) if (!p(ctx)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = expr.items.map((e) => compileExpr(e, table));
      if (parts.length === 2) {
        const [a, b] = parts as [RuleTest, RuleTest];
        return (ctx) => a(ctx) || b(ctx);
      }
      return (ctx) => {
        for (const p of parts) if (p(ctx)) return true;
        return false;
      };
    }
  }
}

/** Where a test reads its texts: one field, or (keywords) the whole event. */
interface Source {
  texts(ctx: EventContext): readonly string[];
  lowers(ctx: EventContext): readonly string[];
}

function fieldSource(fid: number): Source {
  return { texts: (ctx) => ctx.texts(fid), lowers: (ctx) => ctx.lowers(fid) };
}

const KEYWORD_SOURCE: Source = { texts: (ctx) => ctx.allTexts(), lowers: (ctx) => ctx.allLowers() };

function anyText(texts: readonly string[], test: TextTest): boolean {
  for (let i = 0; i < texts.length; i++) if (test(texts[i]!)) return true;
  return false;
}

function numberOf(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function compareTest(op: string, value: number): (n: number) => boolean {
  switch (op) {
    case 'lt':
      return (n) => n < value;
    case 'lte':
      return (n) => n <= value;
    case 'gt':
      return (n) => n > value;
    default:
      return (n) => n >= value;
  }
}

/** One value test → a predicate over the context. */
function compileTest(test: ValueTest, fid: number, src: Source, table: FieldTable): RuleTest {
  switch (test.kind) {
    case 'string': {
      if (test.cased) {
        const t = compilePieces(test.pieces);
        return (ctx) => anyText(src.texts(ctx), t);
      }
      const t = compilePieces(mapLiterals(test.pieces, (s) => s.toLowerCase()));
      return (ctx) => anyText(src.lowers(ctx), t);
    }
    case 'number': {
      const text = String(test.value);
      return (ctx) => src.texts(ctx).includes(text);
    }
    case 'bool': {
      const text = String(test.value);
      return (ctx) => src.lowers(ctx).includes(text);
    }
    case 'null':
      return (ctx) => {
        const raw = ctx.raw(fid);
        return raw === undefined || raw === null || (Array.isArray(raw) && ctx.texts(fid).length === 0);
      };
    case 'regex': {
      const re = test.regex.regexp;
      return (ctx) => anyText(src.texts(ctx), (t) => re.test(t));
    }
    case 'cidr': {
      const { low, high } = test;
      return (ctx) =>
        anyText(src.texts(ctx), (t) => {
          const n = ipToBigInt(t);
          return n !== undefined && n >= low && n <= high;
        });
    }
    case 'compare': {
      const cmp = compareTest(test.op, test.value);
      return (ctx) =>
        anyText(src.texts(ctx), (t) => {
          const n = numberOf(t);
          return n !== undefined && cmp(n);
        });
    }
    case 'exists':
      return test.value ? (ctx) => ctx.raw(fid) !== undefined : (ctx) => ctx.raw(fid) === undefined;
    case 'fieldref': {
      const other = table.id(test.field);
      const { start, end, cased } = test;
      const same = (a: string, b: string) =>
        start && end ? a.includes(b) : start ? a.endsWith(b) : end ? a.startsWith(b) : a === b;
      return (ctx) => {
        const mine = cased ? ctx.texts(fid) : ctx.lowers(fid);
        const theirs = cased ? ctx.texts(other) : ctx.lowers(other);
        for (const a of mine) for (const b of theirs) if (same(a, b)) return true;
        return false;
      };
    }
  }
}

/** An event timestamp → the part a time modifier names (UTC), or undefined. */
export function timePartOf(text: string, part: TimePart): number | undefined {
  const ms = parseTimestamp(text);
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week': {
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      const day = d.getUTCDay() || 7;
      const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
      return Math.ceil(((thursday - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

/** Time-part tests compare numbers extracted from the field's timestamps. */
function compileTimeTest(test: ValueTest, fid: number, part: TimePart): RuleTest {
  let check: (n: number) => boolean;
  if (test.kind === 'number') check = (n) => n === test.value;
  else if (test.kind === 'compare') check = compareTest(test.op, test.value);
  else throw new SigmaError('invalid_value', 'a time modifier compares with a number');
  return (ctx) =>
    anyText(ctx.texts(fid), (t) => {
      const n = timePartOf(t, part);
      return n !== undefined && check(n);
    });
}

function compileItem(item: FieldItem, table: FieldTable): RuleTest {
  const fid = item.field === null ? -1 : table.id(item.field);
  const src = item.field === null ? KEYWORD_SOURCE : fieldSource(fid);
  const one = (t: ValueTest): RuleTest =>
    item.timePart ? compileTimeTest(t, fid, item.timePart) : compileTest(t, fid, src, table);
  if (item.negate) {
    const any = orOf(item.values.flat().map(one));
    return (ctx) => ctx.raw(fid) !== undefined && !any(ctx);
  }
  if (item.all) {
    const groups = item.values.map((alts) => orOf(alts.map(one)));
    return (ctx) => {
      for (const g of groups) if (!g(ctx)) return false;
      return true;
    };
  }
  const flat = item.values.flat();
  // Networks: each address parsed once, then compared with every range.
  if (!item.timePart && flat.every((t) => t.kind === 'cidr')) {
    const ranges = flat as Extract<ValueTest, { kind: 'cidr' }>[];
    return (ctx) =>
      anyText(src.texts(ctx), (t) => {
        const n = ipToBigInt(t);
        if (n === undefined) return false;
        for (const r of ranges) if (n >= r.low && n <= r.high) return true;
        return false;
      });
  }
  // The common shape: case-insensitive strings on one source, tested in one pass over its texts.
  if (!item.timePart && flat.every((t) => t.kind === 'string' && !t.cased)) {
    const tests = flat.map((t) =>
      compilePieces(
        mapLiterals((t as Extract<ValueTest, { kind: 'string' }>).pieces, (s) => s.toLowerCase()),
      ),
    );
    return (ctx) => {
      const texts = src.lowers(ctx);
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        for (let j = 0; j < tests.length; j++) if (tests[j]!(text)) return true;
      }
      return false;
    };
  }
  return orOf(flat.map(one));
}

function orOf(parts: RuleTest[]): RuleTest {
  if (parts.length === 1) return parts[0]!;
  return (ctx) => {
    for (const p of parts) if (p(ctx)) return true;
    return false;
  };
}

// ---------------------------------------------------------------------------------------------
// prefilter triggers

/**
 * Expected cost of gating the rule on a trigger set, roughly the chance that one of them is
 * present: a substring is rarer the longer it is; exact values are rarer than substrings of the
 * same length; keyword triggers (any value) are likelier still.
 */
function cost(triggers: Trigger[]): number {
  let sum = 0;
  for (const t of triggers) {
    const c = 0.8 ** (t.exact ? t.text.length + 4 : t.text.length);
    sum += t.field === null ? c * 4 : c;
  }
  return sum;
}

/**
 * The longest literal run the prefilter can look for, lower-cased ('' if none). The automaton
 * folds case one UTF-16 unit at a time, which agrees with toLowerCase() except for Greek sigma
 * (its final form depends on context), the dot toLowerCase() adds to İ, and cased letters beyond
 * the BMP, so runs are split at those.
 */
function longestFoldSafeLiteral(pieces: readonly Piece[]): string {
  let best = '';
  for (const p of pieces) {
    if (typeof p !== 'string') continue;
    let run = '';
    for (const ch of p.toLowerCase()) {
      const unsafe =
        ch === '\u03c2' ||
        ch === '\u03c3' ||
        ch === '\u0307' ||
        (ch.length > 1 && ch.toLowerCase() !== ch.toUpperCase());
      if (unsafe) run = '';
      else {
        run += ch;
        if (run.length > best.length) best = run;
      }
    }
  }
  return best;
}

function testTriggers(test: ValueTest, field: string | null): Trigger[] | undefined {
  switch (test.kind) {
    case 'string': {
      const plain = plainText(test.pieces);
      if (plain !== undefined && field !== null) return [{ field, exact: true, text: plain.toLowerCase() }];
      const lit = longestFoldSafeLiteral(test.pieces);
      return lit === '' ? undefined : [{ field, exact: false, text: lit }];
    }
    case 'number':
    case 'bool':
      if (field === null) return [{ field, exact: false, text: String(test.value).toLowerCase() }];
      return [{ field, exact: true, text: String(test.value).toLowerCase() }];
    case 'regex':
      return test.regex.fragments?.map((text) => ({ field, exact: false, text }));
    default:
      return undefined;
  }
}

function union(sets: (Trigger[] | undefined)[]): Trigger[] | undefined {
  const out: Trigger[] = [];
  for (const s of sets) {
    if (!s) return undefined;
    out.push(...s);
  }
  return out;
}

function best(sets: (Trigger[] | undefined)[]): Trigger[] | undefined {
  let chosen: Trigger[] | undefined;
  for (const s of sets) if (s && (!chosen || cost(s) < cost(chosen))) chosen = s;
  return chosen;
}

function itemTriggers(item: FieldItem): Trigger[] | undefined {
  if (item.negate || item.timePart) return undefined;
  const field = item.field;
  const perValue = item.values.map((alts) => union(alts.map((t) => testTriggers(t, field))));
  return item.all ? best(perValue) : union(perValue);
}

/**
 * The rule's prefilter triggers (deduplicated), undefined when none can be derived. With
 * `folded`, from the expression as simplified for events whose `field` is known (see foldExpr).
 */
export function ruleTriggers(expr: RuleExpr): Trigger[] | undefined {
  return dedupe(triggersOf(expr));
}

/**
 * The expression with every item on `field` decided for events whose `field` is `value` (the
 * event id of a rule-index bucket): true, false, or what remains to be tested.
 */
export function foldExpr(expr: RuleExpr, field: string, value: string): RuleExpr | boolean {
  switch (expr.t) {
    case 'item': {
      const item = expr.item;
      if (item.field !== field || item.values.some((alts) => alts.some((t) => t.kind === 'fieldref')))
        return expr;
      const table = new FieldTable();
      const test = compileItem(item, table);
      const ctx = new EventContext(table);
      ctx.reset({ get: (f) => (f === field ? value : undefined), values: () => [value] });
      return test(ctx);
    }
    case 'not': {
      const inner = foldExpr(expr.item, field, value);
      return typeof inner === 'boolean' ? !inner : { t: 'not', item: inner };
    }
    case 'and':
    case 'or': {
      const decisive = expr.t === 'or';
      const items: Expr[] = [];
      for (const e of expr.items) {
        const f = foldExpr(e, field, value);
        if (f === decisive) return decisive;
        if (f !== !decisive) items.push(f as Expr);
      }
      if (items.length === 0) return !decisive;
      return items.length === 1 ? items[0]! : { t: expr.t, items };
    }
  }
}

function triggersOf(expr: Expr): Trigger[] | undefined {
  switch (expr.t) {
    case 'item':
      return itemTriggers(expr.item);
    case 'not':
      return undefined;
    case 'and':
      return best(expr.items.map(triggersOf));
    case 'or':
      return union(expr.items.map(triggersOf));
  }
}

function dedupe(triggers: Trigger[] | undefined): Trigger[] | undefined {
  if (!triggers) return undefined;
  const seen = new Set<string>();
  return triggers.filter((t) => {
    const key = `${t.field}\u0000${t.exact ? 1 : 0}\u0000${t.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
