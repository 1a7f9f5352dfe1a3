/**
 * Sigma string values: literal text with the wildcards `*` (any run) and `?` (one character), and
 * `\` escaping a wildcard or itself (a backslash before anything else is a plain backslash). A
 * value is a list of pieces, literal strings and wildcard markers, so modifiers can add wildcards
 * (`contains`) or transform the literal text (`base64`) without re-escaping. Matching is linear for
 * the common shapes (exact, prefix, suffix, substring) and never backtracks more than O(n·m).
 */

/** `*`: any run of characters, possibly empty. */
export const STAR: unique symbol = Symbol('*');
/** `?`: exactly one character. */
export const ONE: unique symbol = Symbol('?');

export type Wildcard = typeof STAR | typeof ONE;
/** A literal run (never empty) or a wildcard. */
export type Piece = string | Wildcard;

/**
 * A value as written in a rule → pieces. `\*` and `\?` are literal wildcards, `\\` is one
 * backslash, and a backslash before any other character (or at the end) is kept as it is.
 */
export function parseSigmaString(raw: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else literal += '\\';
    } else if (c === '*' || c === '?') {
      if (literal) pieces.push(literal);
      literal = '';
      pieces.push(c === '*' ? STAR : ONE);
    } else literal += c;
  }
  if (literal) pieces.push(literal);
  return normalizePieces(pieces);
}

/** Pieces for a literal text (no wildcards). */
export function literalPieces(text: string): Piece[] {
  return text === '' ? [] : [text];
}

/** Adjacent literals joined, runs of `*` collapsed to one. */
export function normalizePieces(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (typeof p === 'string') {
      if (p === '') continue;
      if (typeof last === 'string') out[out.length - 1] = last + p;
      else out.push(p);
    } else if (!(p === STAR && last === STAR)) out.push(p);
  }
  return out;
}

export function hasWildcards(pieces: readonly Piece[]): boolean {
  return pieces.some((p) => typeof p !== 'string');
}

/** The text when there are no wildcards, else undefined. */
export function plainText(pieces: readonly Piece[]): string | undefined {
  if (hasWildcards(pieces)) return undefined;
  return pieces.join('');
}

/** `*` added at the start and/or end (once), as contains/startswith/endswith do. */
export function withWildcards(pieces: readonly Piece[], start: boolean, end: boolean): Piece[] {
  const out = [...pieces];
  if (start && out[0] !== STAR) out.unshift(STAR);
  if (end && out[out.length - 1] !== STAR) out.push(STAR);
  return normalizePieces(out);
}

/** Pieces back to rule syntax (escaped), for messages and rule listings. */
export function formatPieces(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => (p === STAR ? '*' : p === ONE ? '?' : p.replace(/[\\*?]/g, (c) => `\\${c}`)))
    .join('');
}

/** Literal runs mapped through `fn` (case folding), wildcards kept. */
export function mapLiterals(pieces: readonly Piece[], fn: (s: string) => string): Piece[] {
  return normalizePieces(pieces.map((p) => (typeof p === 'string' ? fn(p) : p)));
}

/** The longest literal run: what an event value must contain for the pattern to match. */
export function longestLiteral(pieces: readonly Piece[]): string {
  let best = '';
  for (const p of pieces) if (typeof p === 'string' && p.length > best.length) best = p;
  return best;
}

/** A compiled test of one (already case-folded when matching case-insensitively) text. */
export type TextTest = (text: string) => boolean;

/**
 * Pieces → a test. Exact, prefix, suffix and substring shapes use the string built-ins; any other
 * shape matches segment by segment (leftmost placement is optimal because segments between `*`
 * have a fixed length), O(n·m) at worst.
 */
export function compilePieces(pieces: readonly Piece[]): TextTest {
  const p = normalizePieces(pieces);
  if (p.length === 0) return (t) => t === '';
  if (p.length === 1) {
    const only = p[0]!;
    if (only === STAR) return () => true;
    if (only === ONE) return (t) => t.length === 1;
    return (t) => t === only;
  }
  if (!p.includes(ONE)) {
    if (p.length === 2 && p[0] === STAR && typeof p[1] === 'string') {
      const suffix = p[1];
      return (t) => t.endsWith(suffix);
    }
    if (p.length === 2 && p[1] === STAR && typeof p[0] === 'string') {
      const prefix = p[0];
      return (t) => t.startsWith(prefix);
    }
    if (p.length === 3 && p[0] === STAR && p[2] === STAR && typeof p[1] === 'string') {
      const middle = p[1];
      return (t) => t.includes(middle);
    }
  }
  return globTest(p);
}

/** A run of literal characters and `?` between two `*`. */
interface Segment {
  /** The characters; `?` positions hold anything (masked). */
  text: string;
  /** true at `?` positions; undefined when there are none. */
  any?: boolean[];
}

function segmentsOf(pieces: readonly Piece[]): {
  segments: Segment[];
  starAtStart: boolean;
  starAtEnd: boolean;
} {
  const segments: Segment[] = [];
  let current: Segment = { text: '' };
  for (const p of pieces) {
    if (p === STAR) {
      segments.push(current);
      current = { text: '' };
    } else if (p === ONE) {
      current.any ??= new Array<boolean>(current.text.length).fill(false);
      current.any.push(true);
      current.text += '?';
    } else {
      if (current.any) for (let i = 0; i < p.length; i++) current.any.push(false);
      current.text += p;
    }
  }
  segments.push(current);
  return { segments, starAtStart: pieces[0] === STAR, starAtEnd: pieces[pieces.length - 1] === STAR };
}

function segmentAt(text: string, at: number, seg: Segment): boolean {
  const n = seg.text.length;
  if (at < 0 || at + n > text.length) return false;
  if (!seg.any) return text.startsWith(seg.text, at);
  for (let i = 0; i < n; i++) {
    if (!seg.any[i] && text.charCodeAt(at + i) !== seg.text.charCodeAt(i)) return false;
  }
  return true;
}

function findSegment(text: string, from: number, seg: Segment): number {
  if (!seg.any) return text.indexOf(seg.text, from);
  for (let at = from; at + seg.text.length <= text.length; at++) if (segmentAt(text, at, seg)) return at;
  return -1;
}

function globTest(pieces: readonly Piece[]): TextTest {
  const { segments } = segmentsOf(pieces);
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  if (segments.length === 1) return (t) => t.length === first.text.length && segmentAt(t, 0, first);
  const fixed = first.text.length + last.text.length + middle.reduce((n, s) => n + s.text.length, 0);
  return (t) => {
    if (t.length < fixed) return false;
    if (!segmentAt(t, 0, first)) return false;
    const lastAt = t.length - last.text.length;
    if (!segmentAt(t, lastAt, last)) return false;
    let pos = first.text.length;
    for (const seg of middle) {
      if (seg.text.length === 0) continue;
      const at = findSegment(t, pos, seg);
      if (at < 0 || at + seg.text.length > lastAt) return false;
      pos = at + seg.text.length;
    }
    return pos <= lastAt;
  };
}
