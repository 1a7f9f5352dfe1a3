/**
 * The query lexer: text → tokens with their positions. The language is context-sensitive in one
 * place, values: after a comparison operator (`=`, `!=`, `<`...) or inside `IN ( ... )`, a value may
 * contain characters that elsewhere separate tokens (`url=http://x/?a=b`, `path=C:\Temp\a.exe`), and
 * `/.../` starts a regular expression. The lexer tracks that context from the tokens it has produced,
 * so it needs no help from the parser. Pure; bad input throws QuerySyntaxError and nothing else.
 */

/** A syntax or meaning error in a query. `position` is the 0-based offset in the query text. */
export class QuerySyntaxError extends Error {
  /** 1-based column, as people count. */
  readonly column: number;
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} (at column ${position + 1})`);
    this.name = 'QuerySyntaxError';
    this.column = position + 1;
  }
}

/** Longest query accepted: a generous bound (long IOC lists), so a runaway paste fails clearly. */
export const MAX_QUERY_LENGTH = 100_000;

/** Part of a value: literal text, or a wildcard (`*` any run of characters, `?` exactly one). */
export type ValuePart = { kind: 'text'; text: string } | { kind: 'any' } | { kind: 'one' };

export type TokenType =
  | 'word' // bare word: a term, a field name, a keyword, a bare value
  | 'string' // "quoted" or 'quoted'
  | 'regex' // /pattern/flags, only where a value is expected after = or !=, or in an IN list
  | 'field' // `backticked field name`
  | 'op' // = != < <= > >=
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'pipe'
  | 'eof';

export interface Token {
  type: TokenType;
  /** Offset of the first character, and one past the last. */
  start: number;
  end: number;
  /** The source text of the token, exactly as written. */
  source: string;
  /**
   * word/string: the value with escapes resolved; wildcards stay as `*`/`?` (see `parts` for which are
   * wildcards). field: the name. regex: the pattern (`\/` resolved to `/`). op: the operator.
   */
  text: string;
  /** word/string: literal text and wildcards, escapes resolved. */
  parts?: ValuePart[];
  /** regex: the flags after the closing slash (only `i` is recognised by the lexer). */
  flags?: string;
  /** True for a word with a backslash escape in it (so `\AND` is not the keyword AND). */
  escaped?: boolean;
}

const WHITESPACE = /\s/;

/** Characters after a backslash that are taken literally; before anything else a backslash is itself. */
const ESCAPABLE = new Set([...'*?\\"\'()|,=<>!` \t']);

type Mode = 'search' | 'value' | 'list';

function isWhitespace(ch: string): boolean {
  return WHITESPACE.test(ch);
}

/** Adds literal text to parts, merging with a preceding text part. */
function pushText(parts: ValuePart[], text: string): void {
  const last = parts[parts.length - 1];
  if (last && last.kind === 'text') last.text += text;
  else parts.push({ kind: 'text', text });
}

function partsText(parts: readonly ValuePart[]): string {
  return parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'any' ? '*' : '?')).join('');
}

/** Split a query into tokens. The last token is always `eof`. */
export function tokenize(query: string): Token[] {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(
      `the query is too long (${query.length} characters; at most ${MAX_QUERY_LENGTH})`,
      0,
    );
  }
  const tokens: Token[] = [];
  let pos = 0;
  /** After the first `|`, commas separate items (`by a, b`); before it they are ordinary characters. */
  let inPipeline = false;
  /** Inside `IN ( ... )`: values, separated by commas. */
  let inList = false;

  const emit = (token: Omit<Token, 'source'>): Token => {
    const t = { ...token, source: query.slice(token.start, token.end) };
    tokens.push(t);
    return t;
  };

  const mode = (): Mode => {
    if (inList) return 'list';
    const prev = tokens[tokens.length - 1];
    return prev?.type === 'op' ? 'value' : 'search';
  };

  while (true) {
    while (pos < query.length && isWhitespace(query[pos]!)) pos++;
    if (pos >= query.length) {
      emit({ type: 'eof', start: pos, end: pos, text: '' });
      return tokens;
    }
    const m = mode();
    const ch = query[pos]!;
    const start = pos;
    const prev = tokens[tokens.length - 1];

    if (ch === '(') {
      // `field IN (` and `field NOT IN (` open a value list.
      if (prev?.type === 'word' && prev.text === 'IN' && !prev.escaped && m !== 'list') inList = true;
      emit({ type: 'lparen', start, end: ++pos, text: '(' });
      continue;
    }
    if (ch === ')') {
      inList = false;
      emit({ type: 'rparen', start, end: ++pos, text: ')' });
      continue;
    }
    if (ch === '|') {
      inList = false;
      inPipeline = true;
      emit({ type: 'pipe', start, end: ++pos, text: '|' });
      continue;
    }
    if (ch === ',' && (m === 'list' || (m === 'search' && inPipeline))) {
      emit({ type: 'comma', start, end: ++pos, text: ',' });
      continue;
    }
    if (m === 'search') {
      const op = /^(!=|<=|>=|=|<|>)/.exec(query.slice(pos, pos + 2));
      if (op) {
        pos += op[0].length;
        emit({ type: 'op', start, end: pos, text: op[0] });
        continue;
      }
    }
    if (ch === '`' && m !== 'value') {
      pos = lexBacktick(query, pos, emit);
      continue;
    }
    if (ch === '"' || ch === "'") {
      pos = lexQuoted(query, pos, emit);
      continue;
    }
    if (
      ch === '/' &&
      (m === 'list' || (m === 'value' && prev && (prev.text === '=' || prev.text === '!=')))
    ) {
      const end = lexRegex(query, pos, m, emit);
      if (end !== undefined) {
        pos = end;
        continue;
      }
    }
    pos = lexWord(query, pos, m, inPipeline, emit);
  }
}

/** `backticked field` with \` and \\ escapes. */
function lexBacktick(query: string, start: number, emit: (t: Omit<Token, 'source'>) => Token): number {
  let pos = start + 1;
  let text = '';
  while (pos < query.length) {
    const ch = query[pos]!;
    if (ch === '\\' && (query[pos + 1] === '`' || query[pos + 1] === '\\')) {
      text += query[pos + 1];
      pos += 2;
      continue;
    }
    if (ch === '`') {
      emit({ type: 'field', start, end: pos + 1, text });
      return pos + 1;
    }
    text += ch;
    pos++;
  }
  throw new QuerySyntaxError('unterminated field name: missing closing `', start);
}

/** "quoted" or 'quoted' text: `\"` (or `\'`), `\\`, `\*`, `\?` are escapes; other backslashes are literal. */
function lexQuoted(query: string, start: number, emit: (t: Omit<Token, 'source'>) => Token): number {
  const quote = query[start]!;
  const parts: ValuePart[] = [];
  let pos = start + 1;
  while (pos < query.length) {
    const ch = query[pos]!;
    if (ch === '\\') {
      const next = query[pos + 1];
      if (next === quote || next === '\\' || next === '*' || next === '?') {
        pushText(parts, next);
        pos += 2;
        continue;
      }
      pushText(parts, '\\');
      pos++;
      continue;
    }
    if (ch === quote) {
      emit({ type: 'string', start, end: pos + 1, text: partsText(parts), parts });
      return pos + 1;
    }
    if (ch === '*') parts.push({ kind: 'any' });
    else if (ch === '?') parts.push({ kind: 'one' });
    else pushText(parts, ch);
    pos++;
  }
  throw new QuerySyntaxError(`unterminated string: missing closing ${quote}`, start);
}

/**
 * `/pattern/` or `/pattern/i`. Scans to the closing slash (a slash inside `[...]` or after a backslash
 * does not close). It is a regex only if the closing slash (and flags) end the value; otherwise, as in
 * `path=/etc/passwd`, it is an ordinary value and undefined is returned.
 */
function lexRegex(
  query: string,
  start: number,
  mode: Mode,
  emit: (t: Omit<Token, 'source'>) => Token,
): number | undefined {
  let pos = start + 1;
  let pattern = '';
  let inClass = false;
  while (pos < query.length) {
    const ch = query[pos]!;
    if (ch === '\\' && pos + 1 < query.length) {
      const next = query[pos + 1]!;
      pattern += next === '/' ? '/' : ch + next;
      pos += 2;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      pattern += ch;
      pos++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      pattern += ch;
      pos++;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (query[pos] === '^') pattern += query[pos++];
      if (query[pos] === ']') pattern += query[pos++];
      continue;
    }
    if (ch === '/') break;
    pattern += ch;
    pos++;
  }
  if (pos >= query.length) return undefined;
  let end = pos + 1;
  let flags = '';
  while (end < query.length && query[end] === 'i') flags += query[end++];
  const after = query[end];
  const terminates =
    after === undefined ||
    isWhitespace(after) ||
    after === ')' ||
    after === '|' ||
    (mode === 'list' && after === ',');
  if (!terminates) return undefined;
  emit({ type: 'regex', start, end, text: pattern, flags });
  return end;
}

/**
 * A bare word. Escapes: a backslash before one of `* ? \ " ' ( ) | , = < > ! `` ` or a space takes
 * it literally; before anything else the backslash is itself (so `C:\Windows\System32` needs none).
 */
function lexWord(
  query: string,
  start: number,
  mode: Mode,
  inPipeline: boolean,
  emit: (t: Omit<Token, 'source'>) => Token,
): number {
  const parts: ValuePart[] = [];
  let pos = start;
  let escaped = false;
  while (pos < query.length) {
    const ch = query[pos]!;
    if (ch === '\\') {
      const next = query[pos + 1];
      if (next !== undefined && ESCAPABLE.has(next)) {
        pushText(parts, next);
        escaped = true;
        pos += 2;
      } else {
        pushText(parts, '\\');
        pos++;
      }
      continue;
    }
    if (isWhitespace(ch) || ch === '(' || ch === ')' || ch === '|') break;
    if (mode === 'list' && ch === ',') break;
    if (mode === 'search') {
      if (ch === '=' || ch === '<' || ch === '>' || (ch === '!' && query[pos + 1] === '=')) break;
      if (inPipeline && ch === ',') break;
      // `-\`a b\`` in sort: the sign, then a backticked field.
      if (ch === '`' && pos === start + 1 && (query[start] === '-' || query[start] === '+')) break;
      // A quote or backtick inside a word is an ordinary character; only at the start does it quote.
    }
    if (ch === '*') parts.push({ kind: 'any' });
    else if (ch === '?') parts.push({ kind: 'one' });
    else pushText(parts, ch);
    pos++;
  }
  if (pos === start)
    throw new QuerySyntaxError(`unexpected character ${JSON.stringify(query[start])}`, start);
  emit({ type: 'word', start, end: pos, text: partsText(parts), parts, ...(escaped ? { escaped } : {}) });
  return pos;
}
