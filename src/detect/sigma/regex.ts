/**
 * Sigma regular expressions (`|re`, with `|i`, `|m`, `|s`), matched in linear time.
 *
 * The value is parsed here as the PCRE subset Sigma allows (literals, `.`, classes, `^ $`,
 * quantifiers, alternation, groups) plus what real rules use beyond it (`\d \w \s \b`, `(?:)`,
 * named groups, a leading `(?i)`); lookarounds, backreferences and the like are refused with the
 * reason. The parsed form is written back as a JavaScript pattern with case folding and `.`
 * spelled out as classes, and checked against V8's linear-time engine (`l` flag); counted
 * repetitions are unrolled when that engine will not replicate them. The pattern then runs on
 * V8's fast backtracking engine, which switches to the linear engine for any match that
 * backtracks excessively (`--enable-experimental-regexp-engine-on-excessive-backtracks`, set
 * below): a hostile rule or event cannot stall the stream. A pattern the linear engine cannot
 * take is refused. (The linear engine alone is ~1000× slower on ordinary matches here.)
 *
 * The parsed form also yields the literal fragments every match must contain, so the rule index
 * can skip the regex for events that lack them.
 */
import { setFlagsFromString } from 'node:v8';
import { SigmaError } from './errors.js';

// Process-wide V8 switches: recognise the `l` flag (used here only to check patterns) and fall
// back to the linear engine on excessive backtracking (after 50,000 backtracks, V8's default).
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** Flags a Sigma regex can carry (modifiers `i`, `m`, `s` or a leading `(?ims)`). */
export interface RegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

/** A compiled Sigma regex: the JavaScript RegExp to run and what the prefilter may use. */
export interface SigmaRegex {
  /** The rule's text, for messages. */
  source: string;
  regexp: RegExp;
  /**
   * Lower-case ASCII strings at least one of which every match contains, or undefined when the
   * pattern has no such literal (e.g. `.{1000,}`).
   */
  fragments: string[] | undefined;
}

/** Largest pattern (in characters of JavaScript source, after unrolling) accepted. */
const MAX_SOURCE = 100_000;
/** Largest repetition count accepted in `{n,m}`. */
const MAX_COUNT = 10_000;

/** Parse, check and compile a Sigma regex. Throws SigmaError (`invalid_regex`, `too_large`). */
export function compileSigmaRegex(source: string, modifierFlags: Partial<RegexFlags> = {}): SigmaRegex {
  const flags: RegexFlags = {
    ignoreCase: modifierFlags.ignoreCase ?? false,
    multiline: modifierFlags.multiline ?? false,
    dotAll: modifierFlags.dotAll ?? false,
  };
  const ast = new Parser(source, flags).parse();
  const jsFlags = flags.multiline ? 'm' : '';
  let js = emit(ast, flags, false);
  if (!linearOk(js, jsFlags)) {
    js = emit(ast, flags, true);
    if (js.length > MAX_SOURCE)
      throw new SigmaError('too_large', `regex too large once unrolled: /${source}/`);
    if (!linearOk(js, jsFlags)) {
      throw new SigmaError('invalid_regex', `regex cannot be guaranteed to run in linear time: /${source}/`);
    }
  }
  if (js.length > MAX_SOURCE) throw new SigmaError('too_large', `regex too large: /${source}/`);
  return { source, regexp: new RegExp(js, jsFlags), fragments: fragmentsOf(ast) };
}

function linearOk(js: string, flags: string): boolean {
  try {
    new RegExp(js, flags + 'l');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// syntax tree

/** Sorted, non-overlapping inclusive ranges of UTF-16 code units. */
type Ranges = [number, number][];

type Node =
  /** Characters; with `negated`, all others (negation applies after case folding, as in JS). */
  | { t: 'set'; ranges: Ranges; negated?: boolean }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; item: Node; min: number; max: number; lazy: boolean }
  | { t: 'assert'; kind: 'bol' | 'eol' | 'word' | 'nonword' };

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** PCRE's `\s` without Unicode: tab, LF, VT, FF, CR, space. */
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
const NEWLINE: Ranges = [[0x0a, 0x0a]];

function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// parser

class Parser {
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly flags: RegexFlags,
  ) {}

  parse(): Node {
    this.leadingFlags();
    const node = this.alternation();
    if (this.i < this.src.length) this.fail(`unbalanced ')'`);
    return node;
  }

  private fail(what: string): never {
    throw new SigmaError('invalid_regex', `${what} at offset ${this.i} in /${this.src}/`);
  }

  /** `(?i)`, `(?s)`, `(?m)` and combinations, only at the very start (as Sigma rules write them). */
  private leadingFlags(): void {
    const m = /^\(\?([ims]+)\)/.exec(this.src);
    if (!m) return;
    for (const f of m[1]!) {
      if (f === 'i') this.flags.ignoreCase = true;
      else if (f === 'm') this.flags.multiline = true;
      else this.flags.dotAll = true;
    }
    this.i = m[0].length;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const items = [this.concatenation()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private quantified(atom: Node): Node {
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return atom; // PCRE: a `{` that does not start a quantifier is a literal
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) this.fail('quantifier range out of order');
        if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT))
          this.fail(`repetition count above ${MAX_COUNT}`);
        this.i += m[0].length - 1;
      } else return atom;
      if (atom.t === 'assert') this.fail('nothing to repeat');
      this.i++;
      let lazy = false;
      if (this.peek() === '?') {
        lazy = true;
        this.i++;
      } else if (this.peek() === '+') this.fail('possessive quantifiers are not supported');
      atom = { t: 'rep', item: atom, min, max, lazy };
    }
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return { t: 'set', ranges: this.flags.dotAll ? [[0, 0xffff]] : complement(NEWLINE) };
      case '^':
        this.i++;
        return { t: 'assert', kind: 'bol' };
      case '$':
        this.i++;
        return { t: 'assert', kind: 'eol' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat');
      default: {
        this.i++;
        const code = c.charCodeAt(0);
        return { t: 'set', ranges: [[code, code]] };
      }
    }
  }

  private group(): Node {
    const rest = this.src.slice(this.i);
    let skip = 1;
    if (rest.startsWith('(?')) {
      const named = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
      if (rest.startsWith('(?:')) skip = 3;
      else if (named) skip = named[0].length;
      else if (/^\(\?(=|!|<=|<!)/.test(rest)) this.fail('lookaround assertions are not supported');
      else if (rest.startsWith('(?>')) this.fail('atomic groups are not supported');
      else if (/^\(\?[imsx-]+[:)]/.test(rest)) this.fail('inline flags are supported only at the start');
      else this.fail('unsupported group syntax');
    }
    this.i += skip;
    const inner = this.alternation();
    if (this.peek() !== ')') this.fail(`missing ')'`);
    this.i++;
    return inner;
  }

  /** An escape outside a class: a class shorthand, an assertion or one character. */
  private escape(): Node {
    const c = this.src[this.i + 1];
    if (c === undefined) this.fail('trailing backslash');
    switch (c) {
      case 'b':
        this.i += 2;
        return { t: 'assert', kind: 'word' };
      case 'B':
        this.i += 2;
        return { t: 'assert', kind: 'nonword' };
      case 'A':
        if (this.flags.multiline) this.fail('\\A with the m flag is not supported');
        this.i += 2;
        return { t: 'assert', kind: 'bol' };
      case 'z':
      case 'Z':
        if (this.flags.multiline) this.fail(`\\${c} with the m flag is not supported`);
        this.i += 2;
        return { t: 'assert', kind: 'eol' };
      default:
        return { t: 'set', ranges: this.escapedSet(false) };
    }
  }

  /** `\d`, `\x41`, `\.`... as ranges; advances past the escape. */
  private escapedSet(inClass: boolean): Ranges {
    const c = this.src[this.i + 1];
    if (c === undefined) this.fail('trailing backslash');
    this.i += 2;
    const one = (code: number): Ranges => [[code, code]];
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 't':
        return one(0x09);
      case 'n':
        return one(0x0a);
      case 'r':
        return one(0x0d);
      case 'f':
        return one(0x0c);
      case 'v':
        return one(0x0b);
      case 'e':
        return one(0x1b);
      case 'a':
        return one(0x07);
      case 'b':
        if (inClass) return one(0x08);
        break;
      case '0':
        return one(0);
      case 'x': {
        const m = /^(?:\{([0-9a-fA-F]{1,4})\}|([0-9a-fA-F]{2}))/.exec(this.src.slice(this.i));
        if (!m) this.fail('invalid \\x escape');
        this.i += m[0].length;
        return one(parseInt(m[1] ?? m[2]!, 16));
      }
      case 'u': {
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
        if (!m) this.fail('invalid \\u escape');
        this.i += 4;
        return one(parseInt(m[0], 16));
      }
      default:
        break;
    }
    if (/[1-9]/.test(c) || c === 'k' || c === 'g') this.fail('backreferences are not supported');
    if (/[A-Za-z]/.test(c)) this.fail(`unsupported escape \\${c}`);
    return one(c.charCodeAt(0));
  }

  private charClass(): Node {
    this.i++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail(`missing ']'`);
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && this.src[this.i + 1] === ':') this.fail('POSIX classes are not supported');
      const lo = this.classAtom();
      if (
        this.peek() === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.src[this.i + 1] !== undefined &&
        lo.single
      ) {
        this.i++;
        const hi = this.classAtom();
        if (!hi.single) this.fail('invalid class range');
        if (hi.ranges[0]![0] < lo.ranges[0]![0]) this.fail('class range out of order');
        ranges.push([lo.ranges[0]![0], hi.ranges[0]![0]]);
      } else ranges.push(...lo.ranges);
    }
    this.i++; // ]
    return { t: 'set', ranges: normalize(ranges), negated };
  }

  private classAtom(): { ranges: Ranges; single: boolean } {
    if (this.peek() === '\\') {
      const ranges = this.escapedSet(true);
      return { ranges, single: ranges.length === 1 && ranges[0]![0] === ranges[0]![1] };
    }
    const code = this.src.charCodeAt(this.i);
    this.i++;
    return { ranges: [[code, code]], single: true };
  }
}

// ---------------------------------------------------------------------------------------------
// case folding (JavaScript's non-Unicode `i`: characters with the same upper case are equal,
// except that no non-ASCII character folds onto an ASCII one)

let canonical: Uint16Array | undefined;
let foldGroups: Map<number, number[]> | undefined;

function foldTables(): { canon: Uint16Array; groups: Map<number, number[]> } {
  if (!canonical || !foldGroups) {
    canonical = new Uint16Array(0x10000);
    foldGroups = new Map();
    for (let c = 0; c <= 0xffff; c++) {
      const upper = String.fromCharCode(c).toUpperCase();
      let canon = c;
      if (upper.length === 1) {
        const u = upper.charCodeAt(0);
        if (!(c >= 128 && u < 128)) canon = u;
      }
      canonical[c] = canon;
      if (canon !== c || foldGroups.has(canon)) {
        const group = foldGroups.get(canon) ?? [canon];
        if (!group.includes(c)) group.push(c);
        foldGroups.set(canon, group);
      }
    }
  }
  return { canon: canonical, groups: foldGroups };
}

/** The ranges plus every character that folds to the same as one of them. */
function foldRanges(ranges: Ranges): Ranges {
  const { canon, groups } = foldTables();
  const out: Ranges = [...ranges];
  for (const [lo, hi] of ranges) {
    for (let c = lo; c <= hi; c++) {
      const group = groups.get(canon[c]!);
      if (group) for (const g of group) out.push([g, g]);
    }
  }
  return normalize(out);
}

// ---------------------------------------------------------------------------------------------
// JavaScript source

function emit(node: Node, flags: RegexFlags, unroll: boolean): string {
  switch (node.t) {
    case 'set': {
      const ranges = flags.ignoreCase ? foldRanges(node.ranges) : node.ranges;
      return emitSet(node.negated ? complement(ranges) : ranges);
    }
    case 'cat':
      return node.items.map((n) => emit(n, flags, unroll)).join('');
    case 'alt':
      return `(?:${node.items.map((n) => emit(n, flags, unroll)).join('|')})`;
    case 'assert':
      return node.kind === 'bol' ? '^' : node.kind === 'eol' ? '$' : node.kind === 'word' ? '\\b' : '\\B';
    case 'rep':
      return emitRepeat(node, emit(node.item, flags, unroll), unroll);
  }
}

function emitRepeat(node: Extract<Node, { t: 'rep' }>, inner: string, unroll: boolean): string {
  const item = `(?:${inner})`;
  const lazy = node.lazy ? '?' : '';
  const { min, max } = node;
  const simple = (min === 0 || min === 1) && (max === Infinity || max === 1);
  if (!unroll || simple) {
    if (min === 0 && max === Infinity) return `${item}*${lazy}`;
    if (min === 1 && max === Infinity) return `${item}+${lazy}`;
    if (min === 0 && max === 1) return `${item}?${lazy}`;
    return `${item}{${min}${max === min ? '' : `,${max === Infinity ? '' : max}`}}${lazy}`;
  }
  // Unrolled: `min` copies, then `x*` or nested optionals for the rest.
  if ((min + (max === Infinity ? 1 : max - min)) * item.length > MAX_SOURCE) {
    throw new SigmaError('too_large', 'regex too large once its repetitions are unrolled');
  }
  let out = item.repeat(min);
  if (max === Infinity) out += `${item}*${lazy}`;
  else if (max > min) {
    const optional = max - min;
    out += `(?:${item}`.repeat(optional) + `)?${lazy}`.repeat(optional);
  }
  return out;
}

function hex(c: number): string {
  return `\\u${c.toString(16).padStart(4, '0')}`;
}

function emitChar(c: number): string {
  const ch = String.fromCharCode(c);
  return /[A-Za-z0-9 _]/.test(ch) ? ch : hex(c);
}

function emitSet(ranges: Ranges): string {
  if (ranges.length === 1 && ranges[0]![0] === ranges[0]![1]) return emitChar(ranges[0]![0]);
  if (ranges.length === 0) return '[^\\u0000-\\uffff]';
  const body = ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
  return `[${body}]`;
}

// ---------------------------------------------------------------------------------------------
// required literals

/** At most this many alternatives are tracked for a prefilter fragment set. */
const MAX_ALTERNATIVES = 16;

interface Literals {
  /** Every string the node can match, lower-cased ASCII, when that is a small finite set. */
  exact?: string[];
  /** Strings at least one of which every match contains (lower-cased ASCII). */
  some?: string[];
}

/** The lower-case ASCII characters a set can be, when it is one or a few (ignoring case). */
function setLetters(ranges: Ranges): string[] | undefined {
  const chars = new Set<string>();
  for (const [lo, hi] of ranges) {
    if (hi >= 128 || hi - lo > 8) return undefined;
    for (let c = lo; c <= hi; c++) chars.add(String.fromCharCode(c).toLowerCase());
    if (chars.size > 4) return undefined;
  }
  return [...chars];
}

function cross(a: string[], b: string[]): string[] | undefined {
  if (a.length * b.length > MAX_ALTERNATIVES) return undefined;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return out;
}

/** Better prefilter set: longer shortest string, then fewer alternatives. */
function better(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a || a.length === 0) return b;
  if (!b || b.length === 0) return a;
  const minA = Math.min(...a.map((s) => s.length));
  const minB = Math.min(...b.map((s) => s.length));
  if (minA !== minB) return minA > minB ? a : b;
  return a.length <= b.length ? a : b;
}

function literals(node: Node): Literals {
  switch (node.t) {
    case 'set': {
      const letters = node.negated ? undefined : setLetters(node.ranges);
      return letters ? { exact: letters, some: letters } : {};
    }
    case 'assert':
      return { exact: [''] };
    case 'rep': {
      const inner = literals(node.item);
      if (node.min === 0) return node.max === 0 ? { exact: [''] } : {};
      if (node.min === node.max && inner.exact && node.min <= 8) {
        let exact: string[] | undefined = [''];
        for (let k = 0; k < node.min && exact; k++) exact = cross(exact, inner.exact);
        if (exact) return { exact, some: exact };
      }
      return { some: inner.some ?? inner.exact };
    }
    case 'alt': {
      const parts = node.items.map(literals);
      let exact: string[] | undefined = [];
      let some: string[] | undefined = [];
      for (const p of parts) {
        exact = exact && p.exact ? [...exact, ...p.exact] : undefined;
        const s = p.some ?? p.exact;
        some = some && s && !s.includes('') ? [...some, ...s] : undefined;
      }
      if (exact && exact.length > MAX_ALTERNATIVES) exact = undefined;
      if (some && some.length > MAX_ALTERNATIVES) some = undefined;
      return { exact: exact ? [...new Set(exact)] : undefined, some: some ? [...new Set(some)] : undefined };
    }
    case 'cat': {
      let exact: string[] | undefined = [''];
      let run: string[] | undefined = [''];
      let best: string[] | undefined;
      for (const item of node.items) {
        const lit = literals(item);
        exact = exact && lit.exact ? cross(exact, lit.exact) : undefined;
        const joined: string[] | undefined = run && lit.exact ? cross(run, lit.exact) : undefined;
        if (joined) run = joined;
        else {
          best = better(best, run);
          run = lit.exact && lit.exact.length <= MAX_ALTERNATIVES ? lit.exact : [''];
        }
        best = better(best, lit.some);
      }
      best = better(best, run);
      return { exact, some: exact ?? best };
    }
  }
}

function fragmentsOf(node: Node): string[] | undefined {
  const lit = literals(node);
  const some = lit.some ?? lit.exact;
  if (!some || some.length === 0 || some.some((s) => s.length === 0)) return undefined;
  return [...new Set(some)];
}
