/**
 * Vigil sequence rules (YAML, see docs/detection.md): ordered steps across sources and OCSF
 * classes, joined by a shared identifier (host, user, process, session, trace id, hash, IP), within
 * a time window, with "followed by" and, as the last step, "not followed by" (absence within a
 * time). A step matches a Sigma base rule (`rule:` id or name), a signal of another detector
 * (`signal:` rule id, e.g. a first-seen analyzer's), or a condition on normalized OCSF fields
 * (`where:`); `by:` names the join field of that step (a list: the first one present).
 *
 * Pure: YAML text in, compiled rules and SigmaErrors out. Sequence documents live in their own
 * files (a file with a top-level `sequence:` key), beside the Sigma rules.
 */
import { parseAllDocuments } from 'yaml';
import { getPath } from '../../normalize/ocsf.js';
import { parseCidr, parseIp, PrefixTable } from '../../transforms/enrich/ip.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../../transforms/enrich.js';
import { parseTimespan } from '../correlation/rule.js';
import { SigmaError } from '../sigma/errors.js';
import { LEVELS, type Level } from '../sigma/rule.js';

/** What a step condition sees of an event. */
export interface StepEvent {
  /** The normalized event. */
  event: unknown;
  /** Base rules the event matched (ids and names). */
  rules: ReadonlySet<string>;
  /** Rule ids of the signals other detectors raised on it. */
  signals: ReadonlyMap<string, { entities: Record<string, string>; eventIds: string[] }>;
}

export interface SequenceStep {
  name: string;
  /** Absence: the sequence completes when no such event follows within `withinMs`. */
  absent: boolean;
  /** Most time since the previous step (ms); required for an absent step. */
  withinMs?: number;
  /** Join field(s), first present wins. */
  by: string[];
  rule?: string;
  signal?: string;
  test: (e: StepEvent) => boolean;
}

export interface SequenceRule {
  kind: 'sequence';
  id: string;
  title: string;
  level: Level;
  tags: string[];
  description?: string;
  timespanMs: number;
  /** `host`: join values that are IP addresses resolve to the host seen with them. */
  join?: 'host';
  steps: SequenceStep[];
  path?: string;
  document: number;
}

/** A value for `field: !private` — matches IP addresses outside the private ranges. */
const NOT_PRIVATE = Object.freeze({ scope: 'public' });
const CUSTOM_TAGS = [{ tag: '!private', resolve: () => NOT_PRIVATE, identify: () => false }];

const PRIVATE = new PrefixTable<true>();
for (const n of DEFAULT_INTERNAL_NETWORKS) PRIVATE.insert(parseCidr(n)!, true);

/** 'private' or 'public' for an IP address, undefined for anything else. */
export function ipScope(value: unknown): 'private' | 'public' | undefined {
  if (typeof value !== 'string') return undefined;
  const ip = parseIp(value.trim());
  if (!ip) return undefined;
  return PRIVATE.lookup(ip) ? 'private' : 'public';
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalars(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.flatMap(scalars) : [v];
}

type Test = (values: unknown[]) => boolean;

/** One `field|modifier: expected` item → a test on the field's values. */
function fieldTest(modifier: string, expected: unknown, location: string): Test {
  const wanted = Array.isArray(expected) ? expected : [expected];
  const lower = wanted.map((w) => (typeof w === 'string' ? w.toLowerCase() : w));
  const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : String(v));
  switch (modifier) {
    case '':
      if (expected === NOT_PRIVATE) return (vs) => vs.some((v) => ipScope(v) === 'public');
      return (vs) =>
        vs.some((v) =>
          lower.some((w) =>
            typeof w === 'number' || typeof v === 'number' ? Number(v) === Number(w) : text(v) === String(w),
          ),
        );
    case 'contains':
      return (vs) => vs.some((v) => lower.some((w) => text(v).includes(String(w))));
    case 'startswith':
      return (vs) => vs.some((v) => lower.some((w) => text(v).startsWith(String(w))));
    case 'endswith':
      return (vs) => vs.some((v) => lower.some((w) => text(v).endsWith(String(w))));
    case 're': {
      let res: RegExp[];
      try {
        res = wanted.map((w) => new RegExp(String(w), 'i'));
      } catch (error) {
        throw new SigmaError('invalid_regex', String((error as Error).message), location);
      }
      return (vs) => vs.some((v) => res.some((r) => r.test(String(v))));
    }
    case 'scope': {
      if (!wanted.every((w) => w === 'public' || w === 'private'))
        throw new SigmaError('invalid_value', "scope is 'public' or 'private'", location);
      return (vs) => vs.some((v) => wanted.includes(ipScope(v)));
    }
    case 'exists':
      if (typeof expected !== 'boolean')
        throw new SigmaError('invalid_value', 'exists takes true or false', location);
      return (vs) => vs.length > 0 === expected;
    default:
      throw new SigmaError(
        'unknown_modifier',
        `'${modifier}' (one of contains, startswith, endswith, re, scope, exists)`,
        location,
      );
  }
}

/** A `where:` map → a test on the normalized event (every item must hold). */
function whereTest(where: Record<string, unknown>, location: string): (event: unknown) => boolean {
  const items = Object.entries(where).map(([key, expected]) => {
    const [path, modifier = '', ...rest] = key.split('|');
    if (!path || rest.length > 0)
      throw new SigmaError('invalid_rule', `bad field '${key}'`, `${location}.${key}`);
    if (expected === null || expected === undefined || (isMap(expected) && expected !== NOT_PRIVATE))
      throw new SigmaError('invalid_value', 'must be a value or a list of values', `${location}.${key}`);
    const test = fieldTest(modifier, expected, `${location}.${key}`);
    return (event: unknown) => test(scalars(getPath(event, path)));
  });
  if (items.length === 0) throw new SigmaError('invalid_rule', 'where has no field', location);
  return (event) => items.every((t) => t(event));
}

function strList(v: unknown, location: string): string[] {
  const items = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  return items.map((x, i) => {
    if (typeof x !== 'string' || x === '')
      throw new SigmaError('invalid_value', 'must be a non-empty string', `${location}[${i}]`);
    return x;
  });
}

function stepOf(v: unknown, index: number, count: number): SequenceStep {
  const location = `sequence.steps[${index}]`;
  if (!isMap(v)) throw new SigmaError('invalid_rule', 'a step must be a map', location);
  const known = new Set(['name', 'rule', 'signal', 'where', 'by', 'within', 'not']);
  for (const key of Object.keys(v))
    if (!known.has(key)) throw new SigmaError('invalid_rule', `unknown key '${key}'`, `${location}.${key}`);
  const sources = ['rule', 'signal', 'where'].filter((k) => v[k] !== undefined);
  if (sources.length === 0)
    throw new SigmaError('invalid_rule', 'a step needs rule, signal or where', location);
  const by = strList(v.by, `${location}.by`);
  if (by.length === 0)
    throw new SigmaError('invalid_rule', 'a step needs by: its join field', `${location}.by`);
  const absent = v.not === true;
  if (v.not !== undefined && typeof v.not !== 'boolean')
    throw new SigmaError('invalid_value', 'not takes true or false', `${location}.not`);
  if (absent && index !== count - 1)
    throw new SigmaError(
      'invalid_rule',
      'only the last step can be a "not followed by" step',
      `${location}.not`,
    );
  if (absent && index === 0)
    throw new SigmaError('invalid_rule', 'the first step cannot be absent', `${location}.not`);
  const withinMs = v.within === undefined ? undefined : parseTimespan(v.within, `${location}.within`);
  if (absent && withinMs === undefined)
    throw new SigmaError('invalid_rule', 'a "not followed by" step needs within', `${location}.within`);
  const rule = v.rule === undefined ? undefined : String(v.rule);
  const signal = v.signal === undefined ? undefined : String(v.signal);
  let where: ((event: unknown) => boolean) | undefined;
  if (v.where !== undefined) {
    if (!isMap(v.where)) throw new SigmaError('invalid_rule', 'where must be a map', `${location}.where`);
    where = whereTest(v.where, `${location}.where`);
  }
  const test = (e: StepEvent): boolean =>
    (rule === undefined || e.rules.has(rule)) &&
    (signal === undefined || e.signals.has(signal)) &&
    (where === undefined || where(e.event));
  const step: SequenceStep = {
    name: typeof v.name === 'string' ? v.name : `step${index + 1}`,
    absent,
    by,
    test,
  };
  if (withinMs !== undefined) step.withinMs = withinMs;
  if (rule !== undefined) step.rule = rule;
  if (signal !== undefined) step.signal = signal;
  return step;
}

/** One YAML value with a `sequence:` section → a rule. Throws SigmaError. */
export function toSequenceRule(
  value: Record<string, unknown>,
  document: number,
  path?: string,
): SequenceRule {
  const title = typeof value.title === 'string' ? value.title : undefined;
  if (!title) throw new SigmaError('invalid_rule', 'missing title', 'title');
  const id = typeof value.id === 'string' ? value.id : undefined;
  if (!id) throw new SigmaError('invalid_rule', 'missing id', 'id');
  const s = value.sequence;
  if (!isMap(s)) throw new SigmaError('invalid_rule', 'sequence must be a map', 'sequence');
  const level = (typeof value.level === 'string' ? value.level : 'medium').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level))
    throw new SigmaError('invalid_rule', `level '${level}' is not one of ${LEVELS.join(', ')}`, 'level');
  if (!Array.isArray(s.steps) || s.steps.length < 1)
    throw new SigmaError('invalid_rule', 'a sequence needs at least one step', 'sequence.steps');
  if (s.steps.length > 30) throw new SigmaError('invalid_rule', 'at most 30 steps', 'sequence.steps');
  if (s.join !== undefined && s.join !== 'host')
    throw new SigmaError('invalid_value', "join is 'host' or absent", 'sequence.join');
  const steps = s.steps.map((step, i) => stepOf(step, i, (s.steps as unknown[]).length));
  const rule: SequenceRule = {
    kind: 'sequence',
    id,
    title,
    level: level as Level,
    tags: strList(value.tags, 'tags').map((t) => t.toLowerCase()),
    timespanMs: parseTimespan(s.timespan, 'sequence.timespan'),
    steps,
    document,
  };
  if (s.join === 'host') rule.join = 'host';
  if (typeof value.description === 'string') rule.description = value.description;
  if (path !== undefined) rule.path = path;
  return rule;
}

/** Whether a rule file holds sequence rules (they are then not given to the Sigma parser). */
export function isSequenceFile(text: string): boolean {
  return /^sequence\s*:/m.test(text);
}

/** The sequence documents of a file; a document that cannot be read becomes a SigmaError. */
export function parseSequenceYaml(text: string, path?: string): (SequenceRule | SigmaError)[] {
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, customTags: CUSTOM_TAGS });
  } catch (error) {
    return [new SigmaError('invalid_yaml', String(error).split('\n')[0]!, undefined, path)];
  }
  const out: (SequenceRule | SigmaError)[] = [];
  (Array.isArray(docs) ? docs : []).forEach((doc, index) => {
    try {
      if (doc.errors.length > 0) throw new SigmaError('invalid_yaml', doc.errors[0]!.message.split('\n')[0]!);
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      if (value === null || value === undefined) return;
      if (!isMap(value) || value.sequence === undefined)
        throw new SigmaError('invalid_rule', 'a sequence file holds only sequence rules');
      out.push(toSequenceRule(value, index, path));
    } catch (error) {
      out.push(
        error instanceof SigmaError
          ? error.at(path)
          : new SigmaError('invalid_yaml', String(error), undefined, path),
      );
    }
  });
  return out;
}
