/**
 * Sigma YAML → documents: detection rules, global filters (filters specification v2.1.0) and
 * correlation rules (recognised, not evaluated here). Pure: text in, documents out. Every problem
 * becomes a SigmaError naming the file and the place; one bad document in a multi-document file
 * does not hide the others. Field values are left as YAML gave them: compile.ts interprets them.
 */
import { parseAllDocuments } from 'yaml';
import { SigmaError } from './errors.js';

/** Which logs a rule or filter is about; values lower-cased. */
export interface LogSource {
  product?: string;
  category?: string;
  service?: string;
}

/** The five Sigma levels, least to most severe. */
export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** A detection rule as written (detection values not yet interpreted). */
export interface SigmaRule {
  kind: 'rule';
  title: string;
  id?: string;
  name?: string;
  status?: string;
  level?: Level;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  fields: string[];
  logsource: LogSource;
  /** Search identifiers in rule order → their YAML values. */
  searches: Map<string, unknown>;
  /** One or more conditions (several are OR-ed). */
  conditions: string[];
  /** The file it came from, and which YAML document of it (0-based). */
  path?: string;
  document: number;
}

/** A global filter: extra conditions for named rules, without editing them. */
export interface SigmaFilter {
  kind: 'filter';
  title: string;
  id?: string;
  description?: string;
  logsource: LogSource;
  /** Rule ids or names the filter applies to. */
  rules: string[];
  searches: Map<string, unknown>;
  condition: string;
  path?: string;
  document: number;
}

/** A correlation rule: recognised so it can be reported, evaluated elsewhere. */
export interface SigmaCorrelation {
  kind: 'correlation';
  title: string;
  id?: string;
  name?: string;
  type?: string;
  path?: string;
  document: number;
}

export type SigmaDocument = SigmaRule | SigmaFilter | SigmaCorrelation;

/** Largest rule file accepted (real rules are a few kB). */
const MAX_TEXT = 4 * 1024 * 1024;

/**
 * Every YAML document of a rule file → a document or the SigmaError that says why it is not one.
 * Never throws: anything wrong ends up in the list.
 */
export function parseSigmaYaml(text: string, path?: string): (SigmaDocument | SigmaError)[] {
  if (text.length > MAX_TEXT)
    return [new SigmaError('too_large', `file larger than ${MAX_TEXT} bytes`, undefined, path)];
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    return [new SigmaError('invalid_yaml', oneLine(error), undefined, path)];
  }
  const list = Array.isArray(docs) ? docs : [];
  const out: (SigmaDocument | SigmaError)[] = [];
  list.forEach((doc, index) => {
    try {
      if (doc.errors.length > 0) throw new SigmaError('invalid_yaml', oneLine(doc.errors[0]));
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        throw new SigmaError('invalid_yaml', oneLine(error));
      }
      if (value === null || value === undefined) return; // an empty document (e.g. after a trailing ---)
      out.push(toDocument(value, index, path));
    } catch (error) {
      out.push(
        error instanceof SigmaError
          ? error.at(path)
          : new SigmaError('invalid_yaml', oneLine(error), undefined, path),
      );
    }
  });
  if (out.length === 0)
    out.push(new SigmaError('invalid_rule', 'no YAML document in the file', undefined, path));
  return out;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

function text(v: unknown, what: string, required: true): string;
function text(v: unknown, what: string, required?: false): string | undefined;
function text(v: unknown, what: string, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw new SigmaError('invalid_rule', `missing ${what}`, what);
    return undefined;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  throw new SigmaError('invalid_rule', `${what} must be a string`, what);
}

function textList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((x, i) => text(x, `${what}[${i}]`) ?? '').filter((x) => x !== '');
}

function logsourceOf(v: unknown): LogSource {
  if (!isMap(v)) throw new SigmaError('invalid_rule', 'logsource must be a map', 'logsource');
  const out: LogSource = {};
  for (const key of ['product', 'category', 'service'] as const) {
    const value = text(v[key], `logsource.${key}`);
    if (value !== undefined && value !== '') out[key] = value.toLowerCase();
  }
  return out;
}

function searchesOf(detection: Record<string, unknown>, skip: readonly string[]): Map<string, unknown> {
  const searches = new Map<string, unknown>();
  for (const [name, value] of Object.entries(detection)) if (!skip.includes(name)) searches.set(name, value);
  return searches;
}

function toDocument(value: unknown, index: number, path: string | undefined): SigmaDocument {
  if (!isMap(value)) throw new SigmaError('invalid_rule', 'a rule must be a YAML map');
  if (value.action !== undefined) {
    throw new SigmaError(
      'rule_collection',
      `Sigma v1 rule collections ('action: ${String(value.action)}') are not supported`,
    );
  }
  const title = text(value.title, 'title', true);
  if (value.correlation !== undefined) {
    const correlation = isMap(value.correlation) ? value.correlation : {};
    return {
      kind: 'correlation',
      title,
      id: text(value.id, 'id'),
      name: text(value.name, 'name'),
      type: text(correlation.type, 'correlation.type'),
      path,
      document: index,
    };
  }
  if (value.filter !== undefined && value.detection === undefined) return toFilter(value, title, index, path);
  return toRule(value, title, index, path);
}

function toRule(
  value: Record<string, unknown>,
  title: string,
  index: number,
  path: string | undefined,
): SigmaRule {
  const detection = value.detection;
  if (!isMap(detection)) throw new SigmaError('invalid_rule', 'detection must be a map', 'detection');
  const condition = detection.condition;
  const conditions =
    typeof condition === 'string'
      ? [condition]
      : Array.isArray(condition) && condition.length > 0 && condition.every((c) => typeof c === 'string')
        ? (condition as string[])
        : undefined;
  if (!conditions)
    throw new SigmaError(
      'invalid_rule',
      'detection.condition must be a string or a list of strings',
      'detection.condition',
    );
  if (value.logsource === undefined) throw new SigmaError('invalid_rule', 'missing logsource', 'logsource');
  const level = text(value.level, 'level')?.toLowerCase();
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    throw new SigmaError('invalid_rule', `level '${level}' is not one of ${LEVELS.join(', ')}`, 'level');
  }
  const searches = searchesOf(detection, ['condition']);
  if (searches.size === 0)
    throw new SigmaError('invalid_rule', 'detection has no search identifier', 'detection');
  return {
    kind: 'rule',
    title,
    id: text(value.id, 'id'),
    name: text(value.name, 'name'),
    status: text(value.status, 'status'),
    level: level as Level | undefined,
    description: text(value.description, 'description'),
    author: text(value.author, 'author'),
    date: text(value.date, 'date'),
    modified: text(value.modified, 'modified'),
    tags: textList(value.tags, 'tags').map((t) => t.toLowerCase()),
    references: textList(value.references, 'references'),
    falsepositives: textList(value.falsepositives, 'falsepositives'),
    fields: textList(value.fields, 'fields'),
    logsource: logsourceOf(value.logsource),
    searches,
    conditions,
    path,
    document: index,
  };
}

function toFilter(
  value: Record<string, unknown>,
  title: string,
  index: number,
  path: string | undefined,
): SigmaFilter {
  const filter = value.filter;
  if (!isMap(filter)) throw new SigmaError('invalid_rule', 'filter must be a map', 'filter');
  if (typeof filter.condition !== 'string') {
    throw new SigmaError('invalid_rule', 'filter.condition must be a string', 'filter.condition');
  }
  const rules = textList(filter.rules, 'filter.rules');
  if (rules.length === 0)
    throw new SigmaError('invalid_rule', 'filter.rules must name at least one rule', 'filter.rules');
  if (value.logsource === undefined) throw new SigmaError('invalid_rule', 'missing logsource', 'logsource');
  const searches = searchesOf(filter, ['condition', 'rules']);
  if (searches.size === 0) throw new SigmaError('invalid_rule', 'filter has no selection', 'filter');
  return {
    kind: 'filter',
    title,
    id: text(value.id, 'id'),
    description: text(value.description, 'description'),
    logsource: logsourceOf(value.logsource),
    rules,
    searches,
    condition: filter.condition,
    path,
    document: index,
  };
}
