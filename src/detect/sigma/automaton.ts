/**
 * Aho-Corasick: every occurrence of many literal strings in one pass over a text, the string-set
 * matcher behind the rule index. Built once per rule group and field; the transitions are a dense
 * table over a compressed alphabet (the characters the patterns use, everything else one class),
 * so a scan costs one table read per character. Matching ignores case: patterns are given in
 * lower case and each text character is mapped to the class of its lower case, so texts need not
 * be lower-cased first. Very large pattern sets fall back to sparse transitions with failure
 * links (still linear).
 */

/** Dense tables above this many entries (states × alphabet) use sparse transitions instead. */
const DENSE_LIMIT = 6_000_000;

export class Automaton implements LiteralMatcher {
  /** Patterns ending at a state, CSR layout: outList[outStart[s] .. outStart[s + 1]). */
  private readonly outStart: Int32Array;
  private readonly outList: Int32Array;
  /** The nearest state on the failure chain that has outputs, or -1. */
  private readonly dict: Int32Array;
  /** 1 when a state or its dictionary chain has outputs. */
  private readonly reports: Uint8Array;
  private readonly ascii: Uint16Array;
  private readonly other: Map<number, number>;
  /**
   * Dense transitions: row `s` starts at `s << shift` (rows padded to a power of two); an entry
   * is the next state's row start, with bit 0 set when that state reports matches.
   */
  private readonly delta: Int32Array | undefined;
  /**
   * The same table in half the memory when there are fewer than 32,768 states: an entry is the
   * next state's number shifted left by one, with bit 0 the report bit.
   */
  private readonly delta16: Uint16Array | undefined;
  private readonly shift: number;
  private readonly children: Map<number, number>[] | undefined;
  private readonly fail: Int32Array;

  /** Number of states (for sizing figures). */
  readonly states: number;
  /** Texts shorter than the shortest pattern are not scanned. */
  private readonly minLength: number;

  /** The automaton of `patterns`; a match reports the pattern's index. Empty patterns never match. */
  constructor(patterns: readonly string[]) {
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    const codes = new Set<number>();
    patterns.forEach((p, index) => {
      if (p.length === 0) return;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        codes.add(c);
        let next = children[s]!.get(c);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          children[s]!.set(c, next);
        }
        s = next;
      }
      ends[s]!.push(index);
    });
    const n = children.length;
    this.states = n;
    this.minLength = patterns.reduce((min, p) => (p.length > 0 && p.length < min ? p.length : min), 2 ** 30);
    // Alphabet: class 0 for characters no pattern uses.
    this.ascii = new Uint16Array(128);
    this.other = new Map();
    let width = 1;
    for (const c of [...codes].sort((a, b) => a - b)) {
      if (c < 128) this.ascii[c] = width;
      else this.other.set(c, width);
      width++;
    }
    for (let c = 0x41; c <= 0x5a; c++) this.ascii[c] = this.ascii[c + 0x20]!;
    // Failure links in breadth-first order.
    const fail = new Int32Array(n);
    const order: number[] = [0];
    for (let head = 0; head < order.length; head++) {
      const s = order[head]!;
      for (const [c, t] of children[s]!) {
        order.push(t);
        if (s === 0) continue;
        let f = fail[s]!;
        while (f !== 0 && !children[f]!.has(c)) f = fail[f]!;
        fail[t] = children[f]!.get(c) ?? 0;
      }
    }
    this.fail = fail;
    const dict = new Int32Array(n).fill(-1);
    const reports = new Uint8Array(n);
    for (const s of order) {
      if (s === 0) continue;
      const f = fail[s]!;
      dict[s] = ends[f]!.length > 0 ? f : dict[f]!;
      reports[s] = ends[s]!.length > 0 || dict[s]! >= 0 ? 1 : 0;
    }
    this.dict = dict;
    this.reports = reports;
    const outStart = new Int32Array(n + 1);
    let total = 0;
    for (let s = 0; s < n; s++) {
      outStart[s] = total;
      total += ends[s]!.length;
    }
    outStart[n] = total;
    const outList = new Int32Array(total);
    for (let s = 0; s < n; s++) outList.set(ends[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outList = outList;
    this.shift = Math.max(1, Math.ceil(Math.log2(width)));
    this.delta = undefined;
    this.delta16 = undefined;
    this.children = undefined;
    if (n << this.shift > DENSE_LIMIT) this.children = children;
    else if (n < 0x8000) this.delta16 = this.dense16(children, order, fail);
    else this.delta = this.dense(children, order, fail);
  }

  private classOf(c: number): number {
    return c < 128 ? this.ascii[c]! : this.otherClass(c);
  }

  /** A non-ASCII character's class: its own, else that of its lower case (memoized). */
  private otherClass(c: number): number {
    let cls = this.other.get(c);
    if (cls === undefined) {
      const lower = String.fromCharCode(c).toLowerCase().charCodeAt(0);
      cls = lower === c ? 0 : lower < 128 ? this.ascii[lower]! : (this.other.get(lower) ?? 0);
      if (this.other.size < 65_536) this.other.set(c, cls);
    }
    return cls;
  }

  /** Full transition table: a state's row is its failure state's row with its own children on top. */
  private dense(children: Map<number, number>[], order: number[], fail: Int32Array): Int32Array {
    const shift = this.shift;
    const stride = 1 << shift;
    const next = new Int32Array(children.length << shift);
    for (const s of order) {
      if (s !== 0) next.copyWithin(s << shift, fail[s]! << shift, (fail[s]! << shift) + stride);
      for (const [c, t] of children[s]!) next[(s << shift) + this.classOf(c)] = t;
    }
    for (let i = 0; i < next.length; i++) {
      const t = next[i]!;
      next[i] = (t << shift) | this.reports[t]!;
    }
    return next;
  }

  /** The dense table with 16-bit entries (state << 1 | report bit). */
  private dense16(children: Map<number, number>[], order: number[], fail: Int32Array): Uint16Array {
    const wide = this.dense(children, order, fail);
    const out = new Uint16Array(wide.length);
    for (let i = 0; i < wide.length; i++) out[i] = ((wide[i]! >> this.shift) << 1) | (wide[i]! & 1);
    return out;
  }

  /** Report the index of every pattern occurring in `text` (a pattern may be reported more than once). */
  scan(text: string, onMatch: (pattern: number) => void): void {
    if (text.length < this.minLength) return;
    const delta16 = this.delta16;
    if (delta16) {
      const ascii = this.ascii;
      const shift = this.shift;
      let row = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const v = delta16[row + (c < 128 ? ascii[c]! : this.otherClass(c))]!;
        row = (v >> 1) << shift;
        if (v & 1) this.emit(v >> 1, onMatch);
      }
      return;
    }
    const delta = this.delta;
    if (delta) {
      const ascii = this.ascii;
      const shift = this.shift;
      let row = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const v = delta[row + (c < 128 ? ascii[c]! : this.otherClass(c))]!;
        row = v & ~1;
        if (v & 1) this.emit(row >> shift, onMatch);
      }
      return;
    }
    const children = this.children!;
    const fail = this.fail;
    const reports = this.reports;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = this.foldedCode(text.charCodeAt(i));
      let next = children[s]!.get(c);
      while (next === undefined && s !== 0) {
        s = fail[s]!;
        next = children[s]!.get(c);
      }
      s = next ?? 0;
      if (reports[s] === 1) this.emit(s, onMatch);
    }
  }

  /** Sparse mode: the character as the patterns spell it (lower case). */
  private foldedCode(c: number): number {
    if (c >= 0x41 && c <= 0x5a) return c + 0x20;
    if (c < 128) return c;
    return String.fromCharCode(c).toLowerCase().charCodeAt(0);
  }

  private emit(state: number, onMatch: (pattern: number) => void): void {
    for (let s = state; s >= 0; s = this.dict[s]!) {
      for (let k = this.outStart[s]!; k < this.outStart[s + 1]!; k++) onMatch(this.outList[k]!);
    }
  }
}

/** Finds which of a set of lower-case literals occur in a text, ignoring case. */
export interface LiteralMatcher {
  /** Report the index of every pattern occurring in `text` (possibly more than once). */
  scan(text: string, onMatch: (pattern: number) => void): void;
}

/** Pattern sets up to this size may be searched with one native regular expression. */
const REGEX_MAX_PATTERNS = 64;

/**
 * The matcher for a pattern set. V8's compiled search over a native alternation beats any
 * per-character loop in JavaScript for some small sets and loses badly for others (it depends on
 * the patterns and the texts), so for up to 64 patterns both run on the first texts and the
 * faster is kept; larger sets always use the automaton. Both find the same patterns.
 */
export function literalMatcher(patterns: readonly string[]): LiteralMatcher {
  const usable = patterns.length > 0 && patterns.every((p) => p.length > 0 && p === p.toLowerCase());
  const automaton = new Automaton(patterns);
  return usable && patterns.length <= REGEX_MAX_PATTERNS
    ? new FasterOf(automaton, new RegexLiterals(patterns))
    : automaton;
}

/** Characters both engines scan before the faster is kept. */
const CALIBRATION_CHARS = 100_000;

/**
 * Runs two equivalent matchers on the same first texts (reporting the first one's matches),
 * timing both, then uses the faster one only.
 */
class FasterOf implements LiteralMatcher {
  private chosen: LiteralMatcher | undefined;
  private chars = 0;
  private nanosA = 0;
  private nanosB = 0;

  constructor(
    private readonly a: LiteralMatcher,
    private readonly b: LiteralMatcher,
  ) {}

  scan(text: string, onMatch: (pattern: number) => void): void {
    if (this.chosen) return this.chosen.scan(text, onMatch);
    let t = performance.now();
    this.a.scan(text, onMatch);
    this.nanosA += performance.now() - t;
    t = performance.now();
    this.b.scan(text, ignore);
    this.nanosB += performance.now() - t;
    this.chars += text.length;
    if (this.chars >= CALIBRATION_CHARS) this.chosen = this.nanosA <= this.nanosB ? this.a : this.b;
  }
}

function ignore(): void {}

/**
 * A few literals as one case-insensitive alternation, longest first: at each position where any
 * pattern starts, the longest one there matches; the patterns it contains are reported with it
 * (computed once with the automaton), and the search resumes one character further, so every
 * occurrence of every pattern is found.
 */
class RegexLiterals implements LiteralMatcher {
  private readonly re: RegExp;
  private readonly minLength: number;
  /** Capture group k (1-based) → the indexes of all patterns its pattern contains (itself included). */
  private readonly contained: number[][];

  constructor(patterns: readonly string[]) {
    const unique = [...new Set(patterns)].sort((a, b) => b.length - a.length);
    this.minLength = unique[unique.length - 1]!.length;
    const within = new Automaton(patterns);
    this.contained = unique.map((p) => {
      const found = new Set<number>();
      within.scan(p, (i) => found.add(i));
      return [...found];
    });
    // Characters whose lower case is ASCII (and so match as such when case is ignored): K → k, İ → i.
    const source = unique
      .map(
        (p) =>
          '(' +
          p
            .replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
            .replace(/k/g, '[k\\u212a]')
            .replace(/i/g, '[i\\u0130]') +
          ')',
      )
      .join('|');
    this.re = new RegExp(source, 'gi');
  }

  scan(text: string, onMatch: (pattern: number) => void): void {
    if (text.length < this.minLength) return;
    const re = this.re;
    const contained = this.contained;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      let group = 1;
      while (m[group] === undefined) group++;
      const patterns = contained[group - 1]!;
      for (let i = 0; i < patterns.length; i++) onMatch(patterns[i]!);
      re.lastIndex = m.index + 1;
    }
  }
}
