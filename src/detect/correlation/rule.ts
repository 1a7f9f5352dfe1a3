/**
 * Sigma correlation rules (specification v2.1.0) → typed, validated rules for the correlation
 * engine. The Sigma parser (sigma/rule.ts) only recognises correlation documents so it can report
 * them; this module reads their `correlation:` section in full: `type` (all seven), `rules` (by id
 * or name), `group-by`, `timespan`, `condition` (gt/gte/lt/lte/eq/neq, `field` for value_*),
 * `aliases`, `generate`. Pure: YAML text in, rules and SigmaErrors out; one bad document in a
 * multi-document file does not hide the others.
 */
import { parseAllDocuments } from 'yaml';
import { SigmaError } from '../sigma/errors.js';
import { LEVELS, type Level } from '../sigma/rule.js';

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export const CONDITION_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A condition: every bound must hold (`gt: 100, lte: 200` is a range). */
export interface CorrelationCondition {
  bounds: [ConditionOp, number][];
  /** The field(s) value_* types aggregate (several: their values as one tuple). */
  field?: string[];
}

export interface CorrelationRule {
  kind: 'correlation';
  title: string;
  id?: string;
  name?: string;
  status?: string;
  level?: Level;
  description?: string;
  tags: string[];
  references: string[];
  type: CorrelationType;
  /** Referenced rules (Sigma rules or correlations), by id or name, in rule order. */
  rules: string[];
  groupBy: string[];
  timespanMs: number;
  /** Absent for temporal types: then every referenced rule must appear. */
  condition?: CorrelationCondition;
  /** alias → (rule name or id → field name in that rule's events). */
  aliases: Map<string, Map<string, string>>;
  /** Whether the referenced rules also produce their own findings (default false). */
  generate: boolean;
  path?: string;
  document: number;
}

const TIMESPAN = /^(\d+)([smhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m` → 5,400,000 ms. Throws a SigmaError on anything but number + s/m/h/d. */
export function parseTimespan(text: unknown, location = 'correlation.timespan'): number {
  const m = typeof text === 'string' ? TIMESPAN.exec(text.trim()) : null;
  const value = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!m || !Number.isSafeInteger(value) || value <= 0)
    throw new SigmaError(
      'invalid_value',
      `timespan must be a positive number followed by s, m, h or d (got ${JSON.stringify(text)})`,
      location,
    );
  return value;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function strList(v: unknown, location: string, required = false): string[] {
  if (v === undefined || v === null) {
    if (required) throw new SigmaError('invalid_rule', 'missing', location);
    return [];
  }
  const items = Array.isArray(v) ? v : [v];
  return items.map((x, i) => {
    const s = str(x);
    if (s === undefined || s === '')
      throw new SigmaError('invalid_value', 'must be a non-empty string', `${location}[${i}]`);
    return s;
  });
}

function conditionOf(v: unknown, type: CorrelationType): CorrelationCondition | undefined {
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (v === undefined || v === null) {
    if (temporal) return undefined;
    throw new SigmaError('invalid_rule', `a ${type} correlation needs a condition`, 'correlation.condition');
  }
  if (!isMap(v)) throw new SigmaError('invalid_rule', 'condition must be a map', 'correlation.condition');
  const bounds: [ConditionOp, number][] = [];
  let field: string[] | undefined;
  for (const [key, value] of Object.entries(v)) {
    if (key === 'field') {
      field = strList(value, 'correlation.condition.field');
      continue;
    }
    if (!(CONDITION_OPS as readonly string[]).includes(key))
      throw new SigmaError(
        'invalid_rule',
        `unknown condition operator '${key}' (one of ${CONDITION_OPS.join(', ')}, field)`,
        'correlation.condition',
      );
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(n))
      throw new SigmaError('invalid_value', `'${key}' must be a number`, `correlation.condition.${key}`);
    bounds.push([key as ConditionOp, n]);
  }
  if (bounds.length === 0)
    throw new SigmaError(
      'invalid_rule',
      'condition needs at least one of gt, gte, lt, lte, eq, neq',
      'correlation.condition',
    );
  const valued = type.startsWith('value_');
  if (valued && (!field || field.length === 0))
    throw new SigmaError('invalid_rule', `a ${type} condition needs a field`, 'correlation.condition.field');
  if (!valued && field !== undefined)
    throw new SigmaError('invalid_rule', `a ${type} condition takes no field`, 'correlation.condition.field');
  return field ? { bounds, field } : { bounds };
}

function aliasesOf(v: unknown): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  if (v === undefined || v === null) return out;
  if (!isMap(v)) throw new SigmaError('invalid_rule', 'aliases must be a map', 'correlation.aliases');
  for (const [alias, mapping] of Object.entries(v)) {
    if (!isMap(mapping))
      throw new SigmaError(
        'invalid_rule',
        'must map rule names to field names',
        `correlation.aliases.${alias}`,
      );
    const byRule = new Map<string, string>();
    for (const [rule, field] of Object.entries(mapping)) {
      const f = str(field);
      if (!f)
        throw new SigmaError('invalid_value', 'must be a field name', `correlation.aliases.${alias}.${rule}`);
      byRule.set(rule, f);
    }
    out.set(alias, byRule);
  }
  return out;
}

/** One YAML value with a `correlation:` section → a rule. Throws SigmaError. */
export function toCorrelationRule(
  value: Record<string, unknown>,
  document: number,
  path?: string,
): CorrelationRule {
  const title = str(value.title);
  if (!title) throw new SigmaError('invalid_rule', 'missing title', 'title');
  const c = value.correlation;
  if (!isMap(c)) throw new SigmaError('invalid_rule', 'correlation must be a map', 'correlation');
  const type = str(c.type);
  if (!type || !(CORRELATION_TYPES as readonly string[]).includes(type))
    throw new SigmaError(
      'invalid_rule',
      `correlation type must be one of ${CORRELATION_TYPES.join(', ')} (got ${JSON.stringify(c.type)})`,
      'correlation.type',
    );
  const t = type as CorrelationType;
  const rules = strList(c.rules, 'correlation.rules', true);
  if (rules.length === 0)
    throw new SigmaError('invalid_rule', 'must name at least one rule', 'correlation.rules');
  if (new Set(rules).size !== rules.length)
    throw new SigmaError('invalid_rule', 'names a rule twice', 'correlation.rules');
  const groupBy = strList(c['group-by'], 'correlation.group-by');
  const level = str(value.level)?.toLowerCase();
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level))
    throw new SigmaError('invalid_rule', `level '${level}' is not one of ${LEVELS.join(', ')}`, 'level');
  const generate = value.generate ?? c.generate;
  if (generate !== undefined && typeof generate !== 'boolean')
    throw new SigmaError('invalid_value', 'generate must be true or false', 'generate');
  const condition = conditionOf(c.condition, t);
  const rule: CorrelationRule = {
    kind: 'correlation',
    title,
    type: t,
    tags: strList(value.tags, 'tags').map((x) => x.toLowerCase()),
    references: strList(value.references, 'references'),
    rules,
    groupBy,
    timespanMs: parseTimespan(c.timespan),
    aliases: aliasesOf(c.aliases),
    generate: generate === true,
    document,
  };
  if (condition) rule.condition = condition;
  const id = str(value.id);
  if (id) rule.id = id;
  const name = str(value.name);
  if (name) rule.name = name;
  const status = str(value.status);
  if (status) rule.status = status;
  if (level) rule.level = level as Level;
  const description = str(value.description);
  if (description) rule.description = description;
  if (path !== undefined) rule.path = path;
  return rule;
}

/**
 * The correlation documents of a rule file (other documents are left to the Sigma parser). A
 * document that cannot be read becomes a SigmaError with the file and place.
 */
export function parseCorrelationYaml(text: string, path?: string): (CorrelationRule | SigmaError)[] {
  if (!/^correlation\s*:/m.test(text)) return [];
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true });
  } catch (error) {
    return [new SigmaError('invalid_yaml', String(error).split('\n')[0]!, undefined, path)];
  }
  const out: (CorrelationRule | SigmaError)[] = [];
  (Array.isArray(docs) ? docs : []).forEach((doc, index) => {
    if (doc.errors.length > 0) return; // the Sigma parser reports broken documents
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      return;
    }
    if (!isMap(value) || value.correlation === undefined) return;
    try {
      out.push(toCorrelationRule(value, index, path));
    } catch (error) {
      if (!(error instanceof SigmaError)) throw error;
      out.push(error.at(path));
    }
  });
  return out;
}
