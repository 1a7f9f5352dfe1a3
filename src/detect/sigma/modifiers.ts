/**
 * Value modifiers (Sigma modifiers appendix v2.1.0): one detection item `field|mod1|mod2: values`
 * → a FieldItem, the values turned into tests. Modifiers apply left to right to each value, as
 * the specification says; a value may expand into alternatives (`windash`, `base64offset`,
 * `expand`), which are OR-ed, while the rule's values are OR-ed or, with `all`, AND-ed.
 *
 * Beyond the letter of the appendix, as backends do: `neq` on a list means "none of the values";
 * time modifiers (`hour`...) extract the part from the event's timestamp (UTC) and may be followed
 * by `gt`/`gte`/`lt`/`lte`/`neq`; `contains`/`startswith`/`endswith` on a regex are no-ops (regexes
 * search anywhere already) and on a field reference compare against the other field's value.
 */
import { SigmaError, within } from './errors.js';
import {
  formatPieces,
  hasWildcards,
  mapLiterals,
  normalizePieces,
  parseSigmaString,
  plainText,
  withWildcards,
  type Piece,
} from './pattern.js';
import { compileSigmaRegex, type RegexFlags, type SigmaRegex } from './regex.js';
import { cidrRange } from '../../store/ip.js';

/** Parts of a timestamp the time modifiers extract. */
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type CompareOp = 'lt' | 'lte' | 'gt' | 'gte';

/** One test of an event value, after modifiers. */
export type ValueTest =
  | { kind: 'string'; pieces: Piece[]; cased: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'regex'; regex: SigmaRegex }
  | { kind: 'cidr'; low: bigint; high: bigint }
  | { kind: 'compare'; op: CompareOp; value: number }
  | { kind: 'exists'; value: boolean }
  | { kind: 'fieldref'; field: string; start: boolean; end: boolean; cased: boolean };

/** A detection item: a field (or, for keywords, any field) and its tests. */
export interface FieldItem {
  /** The field as the rule names it; null for keyword (unbound) searches. */
  field: string | null;
  /** Per rule value, its alternatives (OR-ed). */
  values: ValueTest[][];
  /** Values linked with AND (`all`) instead of OR. */
  all: boolean;
  /** `neq`: the field exists and matches none of the values. */
  negate: boolean;
  /** A time modifier: the tests apply to this part of the event's timestamp. */
  timePart?: TimePart;
  /** Where in the rule, for messages: `detection.selection.CommandLine|contains`. */
  location: string;
}

/** Values the rule's `|expand` placeholders (`%Name%`) stand for, by name. */
export type Placeholders = Readonly<Record<string, readonly string[]>>;

export interface ModifierOptions {
  placeholders?: Placeholders;
}

/** Raw YAML scalar values a detection item may hold. */
export type RuleScalar = string | number | boolean | null;

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  're',
  'i',
  'm',
  's',
  'ignorecase',
  'multiline',
  'dotall',
  'cidr',
  'cased',
  'exists',
  'expand',
  'fieldref',
  'gt',
  'gte',
  'lt',
  'lte',
  'neq',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
]);

/** Modifiers after which a keyword is not wrapped in `*...*`. */
const ANCHORING = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'fieldref']);
const TIME_PARTS = new Set<string>(['minute', 'hour', 'day', 'week', 'month', 'year']);
const REGEX_FLAGS: Readonly<Record<string, keyof RegexFlags>> = {
  i: 'ignoreCase',
  ignorecase: 'ignoreCase',
  m: 'multiline',
  multiline: 'multiline',
  s: 'dotAll',
  dotall: 'dotAll',
};

/** Most alternatives one value may expand into (windash on many dashes, many placeholders). */
const MAX_EXPANSION = 4096;

/** A value while modifiers are applied to it. */
type State =
  | { t: 'raw'; text: string }
  | { t: 'str'; pieces: Piece[]; bytes: boolean; cased: boolean }
  | { t: 'num'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'null' }
  | { t: 're'; source: string; flags: Partial<RegexFlags> }
  | { t: 'cidr'; low: bigint; high: bigint }
  | { t: 'cmp'; op: CompareOp; value: number }
  | { t: 'ref'; field: string; start: boolean; end: boolean; cased: boolean };

function fail(detail: string, reason: 'invalid_modifier' | 'invalid_value' = 'invalid_modifier'): never {
  throw new SigmaError(reason, detail);
}

/**
 * `key` (`Field|mod|mod`, or `|mod` for keywords) and its value(s) → a FieldItem. Throws
 * SigmaError naming the problem; the caller adds the location.
 */
export function buildFieldItem(
  key: string,
  field: string | null,
  modifiers: readonly string[],
  rawValues: readonly RuleScalar[],
  location: string,
  options: ModifierOptions = {},
): FieldItem {
  return within(location, () => fieldItem(key, field, modifiers, rawValues, location, options));
}

function fieldItem(
  key: string,
  field: string | null,
  modifiers: readonly string[],
  rawValues: readonly RuleScalar[],
  location: string,
  options: ModifierOptions,
): FieldItem {
  for (const m of modifiers) {
    if (!KNOWN.has(m)) throw new SigmaError('unknown_modifier', `unknown modifier '${m}' in '${key}'`);
  }
  if (rawValues.length === 0) fail(`'${key}' has an empty list of values`, 'invalid_value');
  const item: FieldItem = { field, values: [], all: false, negate: false, location };
  const valueMods: string[] = [];
  for (const m of modifiers) {
    if (m === 'all') item.all = true;
    else if (m === 'neq') item.negate = true;
    else if (TIME_PARTS.has(m)) {
      if (item.timePart) fail(`more than one time modifier`);
      if (valueMods.length > 0) fail(`a time modifier must come first`);
      item.timePart = m as TimePart;
    } else valueMods.push(m);
  }
  if (modifiers.includes('exists')) return existsItem(item, modifiers, rawValues);
  // Keywords match anywhere in a value unless the rule anchors them itself.
  if (field === null && !valueMods.some((m) => ANCHORING.has(m))) valueMods.push('contains');
  if (item.negate && valueMods.some((m) => m === 'gt' || m === 'gte' || m === 'lt' || m === 'lte')) {
    fail(`neq cannot be combined with gt/gte/lt/lte`);
  }
  if (field === null && (item.timePart || item.negate || valueMods.includes('fieldref'))) {
    fail(`keyword searches take no field modifiers (time parts, neq, fieldref)`);
  }
  for (const raw of rawValues) {
    let states: State[] = [initial(raw)];
    for (const m of valueMods) {
      states = states.flatMap((s) => apply(m, s, options));
      if (states.length > MAX_EXPANSION) {
        throw new SigmaError('too_large', `the value expands into more than ${MAX_EXPANSION} alternatives`);
      }
    }
    item.values.push(states.map((s) => finish(s, item)));
  }
  // neq over a list means "none of them"; the values are tested together.
  if (item.negate) item.all = false;
  return item;
}

function existsItem(
  item: FieldItem,
  modifiers: readonly string[],
  rawValues: readonly RuleScalar[],
): FieldItem {
  if (item.field === null) fail(`exists needs a field`);
  if (modifiers.length !== 1) fail(`exists takes no other modifier`);
  const value = rawValues.length === 1 ? rawValues[0] : undefined;
  const flag =
    typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined;
  if (flag === undefined) fail(`exists takes true or false`, 'invalid_value');
  item.values = [[{ kind: 'exists', value: flag }]];
  return item;
}

function initial(raw: RuleScalar): State {
  if (raw === null) return { t: 'null' };
  if (typeof raw === 'number') return { t: 'num', value: raw };
  if (typeof raw === 'boolean') return { t: 'bool', value: raw };
  return { t: 'raw', text: raw };
}

/** A value as a wildcard string (numbers and booleans as their text). */
function asString(s: State, m: string): Extract<State, { t: 'str' }> {
  switch (s.t) {
    case 'str':
      return s;
    case 'raw':
      return { t: 'str', pieces: parseSigmaString(s.text), bytes: false, cased: false };
    case 'num':
    case 'bool':
      return { t: 'str', pieces: [String(s.value)], bytes: false, cased: false };
    default:
      return fail(`${m} does not apply to a ${describe(s)} value`);
  }
}

function describe(s: State): string {
  const names: Record<State['t'], string> = {
    raw: 'string',
    str: 'string',
    num: 'number',
    bool: 'boolean',
    null: 'null',
    re: 'regex',
    cidr: 'cidr',
    cmp: 'comparison',
    ref: 'field reference',
  };
  return names[s.t];
}

function apply(m: string, s: State, options: ModifierOptions): State[] {
  switch (m) {
    case 'contains':
    case 'startswith':
    case 'endswith':
      return [anchor(m, s)];
    case 'base64':
      return [base64(s)];
    case 'base64offset':
      return base64Offset(s);
    case 'wide':
    case 'utf16le':
    case 'utf16be':
    case 'utf16':
      return [utf16(m, s)];
    case 'windash':
      return windash(asString(s, m));
    case 're':
      if (s.t !== 'raw') fail(`re applies to an unmodified string value`);
      return [{ t: 're', source: s.text, flags: {} }];
    case 'i':
    case 'm':
    case 's':
    case 'ignorecase':
    case 'multiline':
    case 'dotall':
      if (s.t !== 're') fail(`${m} applies only after re`);
      return [{ ...s, flags: { ...s.flags, [REGEX_FLAGS[m]!]: true } }];
    case 'cidr':
      return [cidr(s)];
    case 'cased': {
      if (s.t === 'ref') return [{ ...s, cased: true }];
      const str = asString(s, m);
      return [{ ...str, cased: true }];
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return [compare(m, s)];
    case 'fieldref': {
      const text = s.t === 'raw' ? s.text : undefined;
      if (text === undefined || text === '' || hasWildcards(parseSigmaString(text))) {
        fail(`fieldref takes a plain field name`, 'invalid_value');
      }
      return [{ t: 'ref', field: text, start: false, end: false, cased: false }];
    }
    case 'expand':
      return expand(asString(s, m), options.placeholders ?? {});
    default:
      return fail(`modifier '${m}' cannot be used here`);
  }
}

function anchor(m: 'contains' | 'startswith' | 'endswith', s: State): State {
  if (s.t === 're') return s; // a regex already matches anywhere
  if (s.t === 'ref') {
    return { ...s, start: s.start || m !== 'startswith', end: s.end || m !== 'endswith' };
  }
  const str = asString(s, m);
  return { ...str, pieces: withWildcards(str.pieces, m !== 'startswith', m !== 'endswith') };
}

/** The bytes a string value stands for: UTF-8, or the code units themselves after utf16/wide. */
function bytesOf(str: Extract<State, { t: 'str' }>, m: string): Buffer {
  const text = plainText(str.pieces);
  if (text === undefined) fail(`${m} of a value with wildcards is not possible`, 'invalid_value');
  return str.bytes ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

function base64(s: State): State {
  const str = asString(s, 'base64');
  return { t: 'str', pieces: [bytesOf(str, 'base64').toString('base64')], bytes: false, cased: true };
}

/**
 * The three encodings of the value at byte offsets 0, 1 and 2 of a longer text, minus the leading
 * and trailing characters that depend on the neighbouring bytes.
 */
export function base64OffsetVariants(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(bytes)]);
    const encoded = padded.toString('base64');
    const start = [0, 2, 3][shift]!;
    const tail = (bytes.length + shift) % 3;
    const end = tail === 0 ? encoded.length : encoded.length - (tail === 1 ? 3 : 2);
    const variant = encoded.slice(start, end);
    if (variant !== '') out.push(variant);
  }
  return [...new Set(out)];
}

function base64Offset(s: State): State[] {
  const str = asString(s, 'base64offset');
  const variants = base64OffsetVariants(bytesOf(str, 'base64offset'));
  if (variants.length === 0) fail(`base64offset of an empty value`, 'invalid_value');
  return variants.map((v) => ({ t: 'str', pieces: [v], bytes: false, cased: true }));
}

function utf16(m: string, s: State): State {
  const str = asString(s, m);
  if (str.bytes) fail(`${m} applied twice`);
  const encode = (text: string): string => {
    const le = Buffer.from(text, 'utf16le');
    if (m === 'utf16be') le.swap16();
    return le.toString('latin1');
  };
  let pieces = mapLiterals(str.pieces, encode);
  if (m === 'utf16') pieces = normalizePieces(['\xff\xfe', ...pieces]);
  return { t: 'str', pieces, bytes: true, cased: str.cased };
}

/** Characters windash makes interchangeable: hyphen, slash, en dash, em dash, horizontal bar. */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

/**
 * Every variant of the value with each `-` or `/` that starts a command-line flag (not preceded
 * by a word character, followed by one) replaced by each windash character.
 */
function windash(str: Extract<State, { t: 'str' }>): State[] {
  // Positions are found in the pieces' text; wildcards count as non-word characters.
  let variants: Piece[][] = [[]];
  for (let p = 0; p < str.pieces.length; p++) {
    const piece = str.pieces[p]!;
    if (typeof piece !== 'string') {
      variants = variants.map((v) => [...v, piece]);
      continue;
    }
    const next = str.pieces[p + 1];
    const prev = str.pieces[p - 1];
    for (let i = 0; i < piece.length; i++) {
      const c = piece[i]!;
      const before = i > 0 ? piece[i - 1] : typeof prev === 'string' ? prev[prev.length - 1] : undefined;
      const after = i + 1 < piece.length ? piece[i + 1] : typeof next === 'string' ? next[0] : undefined;
      const flag = (c === '-' || c === '/') && !isWordChar(before) && isWordChar(after);
      const choices = flag ? WINDASH_CHARS : [c];
      const grown: Piece[][] = [];
      for (const v of variants) for (const ch of choices) grown.push([...v, ch]);
      variants = grown;
      if (variants.length > MAX_EXPANSION) {
        throw new SigmaError('too_large', `windash: more than ${MAX_EXPANSION} variants`);
      }
    }
  }
  return variants.map((v) => ({ ...str, pieces: normalizePieces(v) }));
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_]/u.test(c);
}

function cidr(s: State): State {
  if (s.t !== 'raw') fail(`cidr applies to an unmodified string value`);
  const range = cidrRange(s.text);
  if (!range) fail(`'${s.text}' is not a CIDR network`, 'invalid_value');
  return { t: 'cidr', low: range.low, high: range.high };
}

function compare(op: CompareOp, s: State): State {
  let value: number | undefined;
  if (s.t === 'num') value = s.value;
  else if (s.t === 'raw' && /^\s*-?\d+(\.\d+)?\s*$/.test(s.text)) value = Number(s.text);
  if (value === undefined || !Number.isFinite(value)) fail(`${op} takes a number`, 'invalid_value');
  return { t: 'cmp', op, value };
}

/** `%name%` at the start of a text. */
const PLACEHOLDER = /^%([A-Za-z0-9_.-]+)%/;

/**
 * Placeholders in the literal text replaced by their configured values (each a Sigma string, so
 * they may hold wildcards); `\\%` is a plain percent sign. Several placeholders multiply.
 */
function expand(str: Extract<State, { t: 'str' }>, placeholders: Placeholders): State[] {
  let variants: Piece[][] = [[]];
  const add = (pieces: readonly Piece[]) => {
    variants = variants.map((v) => [...v, ...pieces]);
  };
  for (const piece of str.pieces) {
    if (typeof piece !== 'string') {
      add([piece]);
      continue;
    }
    let literal = '';
    for (let i = 0; i < piece.length;) {
      if (piece[i] === '\\' && piece[i + 1] === '%') {
        literal += '%';
        i += 2;
        continue;
      }
      const m = piece[i] === '%' ? PLACEHOLDER.exec(piece.slice(i)) : null;
      if (!m) {
        literal += piece[i];
        i++;
        continue;
      }
      add([literal]);
      literal = '';
      i += m[0].length;
      const values = lookupPlaceholder(placeholders, m[1]!);
      if (values === undefined || values.length === 0) {
        throw new SigmaError('placeholder_without_values', `placeholder %${m[1]}% has no configured values`);
      }
      const grown: Piece[][] = [];
      for (const v of variants) for (const value of values) grown.push([...v, ...parseSigmaString(value)]);
      variants = grown;
      if (variants.length > MAX_EXPANSION) {
        throw new SigmaError('too_large', `placeholders expand into more than ${MAX_EXPANSION} values`);
      }
    }
    add([literal]);
  }
  return variants.map((v) => ({ ...str, pieces: normalizePieces(v) }));
}

/** Placeholder names are matched as written, then case-insensitively. */
function lookupPlaceholder(placeholders: Placeholders, name: string): readonly string[] | undefined {
  if (Object.hasOwn(placeholders, name)) return placeholders[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(placeholders)) if (k.toLowerCase() === lower) return placeholders[k];
  return undefined;
}

/** The state after all modifiers → its test. */
function finish(s: State, item: FieldItem): ValueTest {
  if (item.timePart && s.t !== 'num' && s.t !== 'cmp' && !(s.t === 'raw' && /^\d+$/.test(s.text))) {
    fail(`a time modifier compares with a number`, 'invalid_value');
  }
  switch (s.t) {
    case 'raw':
      if (item.timePart) return { kind: 'number', value: Number(s.text) };
      return { kind: 'string', pieces: parseSigmaString(s.text), cased: false };
    case 'str':
      return { kind: 'string', pieces: s.pieces, cased: s.cased };
    case 'num':
      return { kind: 'number', value: s.value };
    case 'bool':
      return { kind: 'bool', value: s.value };
    case 'null':
      if (item.field === null) fail(`null is not a keyword`, 'invalid_value');
      return { kind: 'null' };
    case 're':
      return { kind: 'regex', regex: compileSigmaRegex(s.source, s.flags) };
    case 'cidr':
      return { kind: 'cidr', low: s.low, high: s.high };
    case 'cmp':
      return { kind: 'compare', op: s.op, value: s.value };
    case 'ref':
      return { kind: 'fieldref', field: s.field, start: s.start, end: s.end, cased: s.cased };
  }
}

/** A test in rule syntax, for listings and messages. */
export function formatTest(test: ValueTest): string {
  switch (test.kind) {
    case 'string':
      return (test.cased ? 'cased:' : '') + formatPieces(test.pieces);
    case 'regex':
      return `/${test.regex.source}/`;
    case 'cidr':
      return `cidr`;
    case 'compare':
      return `${test.op} ${test.value}`;
    case 'fieldref':
      return `fieldref ${test.field}`;
    case 'exists':
      return `exists ${test.value}`;
    case 'null':
      return 'null';
    default:
      return String(test.value);
  }
}
