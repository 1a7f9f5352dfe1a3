/**
 * The query parser: tokens → AST, by recursive descent. Grammar (docs/query.md has the full reference):
 *
 *   query      := search? ( '|' stage )*
 *   search     := or
 *   or         := and ( 'OR' and )*
 *   and        := not ( 'AND'? not )*                      juxtaposition is AND
 *   not        := 'NOT' not | primary
 *   primary    := '(' or ')' | field op value | field 'NOT'? 'IN' '(' value ( ',' value )* ')' | term
 *   op         := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value      := word | "string" | 'string' | /regex/flags
 *   stage      := stats | timechart | sort | head | fields | where
 *   stats      := 'stats' agg ( ','? agg )* ( 'by' field ( ','? field )* )?
 *   timechart  := 'timechart' ( 'span' '=' duration )? ( agg ( ','? agg )* )? ( 'by' field ( ','? field )* )?
 *   agg        := ( 'count' | fn '(' field ')' | 'count' '(' field? ')' ) ( 'as' name )?
 *   sort       := 'sort' ( ( '-' | '+' )? column ( 'asc' | 'desc' )? ','? )+
 *   head       := ( 'head' | 'limit' ) number?
 *   fields     := ( 'fields' | 'table' ) column ( ','? column )*
 *   where      := 'where' or
 *
 * Keywords AND, OR, NOT, IN are upper case (lower-case `and` is a search term, as in Splunk);
 * command names, `by`, `as`, `span`, `asc`, `desc` are case-insensitive. Regular expressions are
 * checked here against the RE2 syntax that DuckDB's regexp_matches accepts, so a bad one is a syntax
 * error with a position rather than a failure at run time.
 */
import { QuerySyntaxError, tokenize, type Token, type ValuePart } from './lexer.js';
import { parseDuration } from './timerange.js';

export { QuerySyntaxError } from './lexer.js';

export interface FieldRef {
  /** The field name (dotted OCSF path, typed-column name, original field name) or result column name. */
  name: string;
  position: number;
  /** Written as `fn(arg)` in a pipeline stage: a reference to an aggregation's default column name. */
  call?: boolean;
}

export interface LiteralValue {
  kind: 'literal';
  /** The value with escapes resolved (wildcards shown as * and ?). */
  text: string;
  parts: ValuePart[];
  quoted: boolean;
  position: number;
}

export interface RegexValue {
  kind: 'regex';
  pattern: string;
  caseInsensitive: boolean;
  position: number;
}

export type Value = LiteralValue | RegexValue;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { type: 'and'; operands: Expr[] }
  | { type: 'or'; operands: Expr[] }
  | { type: 'not'; operand: Expr; position: number }
  | { type: 'term'; value: LiteralValue }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Value; position: number }
  | { type: 'in'; field: FieldRef; values: Value[]; negated: boolean; position: number };

export const AGGREGATION_FUNCTIONS = ['count', 'dc', 'min', 'max', 'avg', 'sum'] as const;
export type AggregationFunction = (typeof AGGREGATION_FUNCTIONS)[number];

export interface Aggregation {
  fn: AggregationFunction;
  field?: FieldRef;
  /** The column's name: the `as` alias, else the default (`count`, `dc(user)`, `avg(bytes)`). */
  name: string;
  position: number;
}

export interface SortKey {
  field: FieldRef;
  descending: boolean;
}

export type Stage =
  | { type: 'stats'; aggregations: Aggregation[]; by: FieldRef[]; position: number }
  | { type: 'timechart'; spanMs?: number; aggregations: Aggregation[]; by: FieldRef[]; position: number }
  | { type: 'sort'; keys: SortKey[]; position: number }
  | { type: 'head'; count: number; position: number }
  | { type: 'fields'; fields: FieldRef[]; position: number }
  | { type: 'where'; expr: Expr; position: number };

export interface Query {
  /** The search expression; undefined matches every event (an empty query, or one that starts with `|`). */
  search?: Expr;
  stages: Stage[];
}

/** Deepest nesting of parentheses and NOTs; far beyond what people write, well within the stack. */
export const MAX_NESTING = 64;
/** Largest `head N`. */
export const MAX_HEAD = 10_000_000;
/** Longest regular expression. */
export const MAX_REGEX_LENGTH = 4096;

const FIELD_NAME = /^[A-Za-z0-9_.@-]+$/;
const AGGREGATION_SET: ReadonlySet<string> = new Set(AGGREGATION_FUNCTIONS);

/** An aggregation's default column name: `count`, `count(user)`, `dc(user)`... */
export function aggregationName(fn: AggregationFunction, field?: string): string {
  return field === undefined ? fn : `${fn}(${field})`;
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the query';
    case 'string':
      return `the string ${token.source.length > 30 ? token.source.slice(0, 30) + '…' : token.source}`;
    default:
      return `'${token.source.length > 30 ? token.source.slice(0, 30) + '…' : token.source}'`;
  }
}

/** Parse a query into its AST. Throws QuerySyntaxError (only) on bad input. */
export function parseQuery(text: string): Query {
  return new Parser(tokenize(text)).parseQuery();
}

class Parser {
  private index = 0;
  private depth = 0;
  /** Inside a pipeline stage, where `count()` and `dc(user)` name result columns. */
  private inPipeline = false;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.index++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === 'word' && token.text === keyword && !token.escaped;
  }

  /** A case-insensitive command word (`by`, `as`, `desc`...). */
  private isWord(token: Token, word: string): boolean {
    return token.type === 'word' && !token.escaped && token.text.toLowerCase() === word;
  }

  private fail(reason: string, token: Token = this.peek()): never {
    throw new QuerySyntaxError(reason, token.start);
  }

  parseQuery(): Query {
    const query: Query = { stages: [] };
    const first = this.peek();
    if (first.type !== 'pipe' && first.type !== 'eof') {
      query.search = this.parseOr();
      const after = this.peek();
      if (after.type === 'rparen') this.fail("unexpected ')' without a matching '('", after);
      if (after.type !== 'pipe' && after.type !== 'eof') this.fail(`unexpected ${describe(after)}`, after);
    }
    this.inPipeline = true;
    while (this.peek().type === 'pipe') {
      this.next();
      query.stages.push(this.parseStage());
      const after = this.peek();
      if (after.type !== 'pipe' && after.type !== 'eof') {
        this.fail(`unexpected ${describe(after)}; expected '|' or the end of the query`, after);
      }
    }
    return query;
  }

  // ---- search expressions -------------------------------------------------------------------

  private enter(token: Token): void {
    if (++this.depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`, token);
  }

  private parseOr(): Expr {
    const operands = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.next();
      if (!this.startsPrimary(this.peek()))
        this.fail(`expected a search term after OR, found ${describe(this.peek())}`);
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  }

  private parseAnd(): Expr {
    const operands = [this.parseNot()];
    for (;;) {
      const token = this.peek();
      if (this.isKeyword(token, 'AND')) {
        this.next();
        if (!this.startsPrimary(this.peek())) {
          this.fail(`expected a search term after AND, found ${describe(this.peek())}`);
        }
        operands.push(this.parseNot());
      } else if (this.startsPrimary(token)) {
        operands.push(this.parseNot());
      } else {
        break;
      }
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  }

  /** Can this token begin a search term, comparison, group or NOT? */
  private startsPrimary(token: Token): boolean {
    if (token.type === 'lparen' || token.type === 'string' || token.type === 'field') return true;
    return token.type === 'word' && !this.isKeyword(token, 'OR') && !this.isKeyword(token, 'AND');
  }

  private parseNot(): Expr {
    const token = this.peek();
    if (this.isKeyword(token, 'NOT')) {
      this.next();
      this.enter(token);
      if (!this.startsPrimary(this.peek()))
        this.fail(`expected a search term after NOT, found ${describe(this.peek())}`);
      const operand = this.parseNot();
      this.depth--;
      return { type: 'not', operand, position: token.start };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const token = this.peek();
    switch (token.type) {
      case 'lparen': {
        this.next();
        this.enter(token);
        if (this.peek().type === 'rparen') this.fail("empty parentheses: expected a search term after '('");
        const inner = this.parseOr();
        const close = this.peek();
        if (close.type !== 'rparen') {
          this.fail(
            `expected ')' to close the '(' at column ${token.start + 1}, found ${describe(close)}`,
            close,
          );
        }
        this.next();
        this.depth--;
        return inner;
      }
      case 'field': {
        this.next();
        const field = this.backtickField(token);
        return this.parseFieldExpr(field, token);
      }
      case 'word': {
        if (this.isKeyword(token, 'AND') || this.isKeyword(token, 'OR')) {
          this.fail(`expected a search term, found the keyword ${token.text}`);
        }
        const call = this.parseCallRef();
        if (call) return this.parseFieldExpr(call, token);
        const next = this.peek(1);
        const isIn =
          (this.isKeyword(next, 'IN') && this.peek(2).type === 'lparen') ||
          (this.isKeyword(next, 'NOT') &&
            this.isKeyword(this.peek(2), 'IN') &&
            this.peek(3).type === 'lparen');
        if (next.type === 'op' || isIn) {
          this.next();
          return this.parseFieldExpr(this.wordField(token), token);
        }
        this.next();
        return { type: 'term', value: this.literal(token) };
      }
      case 'string': {
        this.next();
        if (this.peek().type === 'op') {
          this.fail(
            `a quoted string cannot be a field name; write the field in backticks: \`${token.text}\``,
            token,
          );
        }
        return { type: 'term', value: this.literal(token) };
      }
      case 'op':
        return this.fail(`expected a field name before '${token.text}'`);
      case 'rparen':
        return this.fail("expected a search term, found ')'");
      default:
        return this.fail(`expected a search term, found ${describe(token)}`);
    }
  }

  /** After a field: an operator and a value, or [NOT] IN ( values ). */
  private parseFieldExpr(field: FieldRef, fieldToken: Token): Expr {
    const token = this.peek();
    if (token.type === 'op') {
      this.next();
      const op = token.text as CompareOp;
      const valueToken = this.peek();
      if (valueToken.type !== 'word' && valueToken.type !== 'string' && valueToken.type !== 'regex') {
        this.fail(`expected a value after '${op}', found ${describe(valueToken)}`, valueToken);
      }
      this.next();
      return { type: 'compare', field, op, value: this.value(valueToken), position: fieldToken.start };
    }
    let negated = false;
    if (this.isKeyword(token, 'NOT') && this.isKeyword(this.peek(1), 'IN')) {
      this.next();
      negated = true;
    }
    if (this.isKeyword(this.peek(), 'IN')) {
      this.next();
      const open = this.peek();
      if (open.type !== 'lparen') this.fail(`expected '(' after IN, found ${describe(open)}`, open);
      this.next();
      const values: Value[] = [];
      for (;;) {
        const v = this.peek();
        if (v.type !== 'word' && v.type !== 'string' && v.type !== 'regex') {
          this.fail(`expected a value in the IN list, found ${describe(v)}`, v);
        }
        this.next();
        values.push(this.value(v));
        const sep = this.peek();
        if (sep.type === 'comma') {
          this.next();
          continue;
        }
        if (sep.type === 'rparen') {
          this.next();
          break;
        }
        this.fail(`expected ',' or ')' in the IN list, found ${describe(sep)}`, sep);
      }
      return { type: 'in', field, values, negated, position: fieldToken.start };
    }
    return this.fail(`expected an operator (=, !=, <, <=, >, >=) or IN after the field ${field.name}`, token);
  }

  private literal(token: Token): LiteralValue {
    return {
      kind: 'literal',
      text: token.text,
      parts: token.parts ?? [{ kind: 'text', text: token.text }],
      quoted: token.type === 'string',
      position: token.start,
    };
  }

  private value(token: Token): Value {
    if (token.type === 'regex') {
      if (token.text.length > MAX_REGEX_LENGTH) {
        this.fail(`regular expression longer than ${MAX_REGEX_LENGTH} characters`, token);
      }
      const problem = checkRegex(token.text);
      if (problem) {
        throw new QuerySyntaxError(
          `invalid regular expression: ${problem.reason}`,
          token.start + 1 + problem.index,
        );
      }
      return {
        kind: 'regex',
        pattern: token.text,
        caseInsensitive: token.flags === 'i',
        position: token.start,
      };
    }
    return this.literal(token);
  }

  private wordField(token: Token): FieldRef {
    const bad = token.escaped || token.parts?.some((p) => p.kind !== 'text') || !FIELD_NAME.test(token.text);
    if (bad) {
      this.fail(
        `invalid field name ${JSON.stringify(token.source)}: use letters, digits, _ . @ -, or backticks for other characters`,
        token,
      );
    }
    return this.checkedField(token.text, token);
  }

  private backtickField(token: Token): FieldRef {
    if (/[\u0000-\u001f\u007f]/.test(token.text))
      this.fail('control characters are not allowed in a field name', token);
    return this.checkedField(token.text, token);
  }

  private checkedField(name: string, token: Token): FieldRef {
    const segments = name.split('.');
    if (segments.some((s) => s === '')) {
      this.fail(`invalid field name ${JSON.stringify(name)}: empty path segment`, token);
    }
    if (segments.some((s) => s === '*')) {
      this.fail(`invalid field name ${JSON.stringify(name)}: '*' is not a path segment`, token);
    }
    return { name, position: token.start };
  }

  /**
   * In a pipeline stage, `count()` / `dc(user)` (the name immediately followed by '(') names an
   * aggregation's result column. Returns undefined when the next tokens are not such a reference.
   */
  private parseCallRef(prefixLength = 0): FieldRef | undefined {
    if (!this.inPipeline) return undefined;
    const token = this.peek();
    const open = this.peek(1);
    if (token.type !== 'word' || open.type !== 'lparen' || open.start !== token.end) return undefined;
    const fn = token.text.slice(prefixLength).toLowerCase();
    if (!AGGREGATION_SET.has(fn)) return undefined;
    this.next();
    this.next();
    let arg: FieldRef | undefined;
    const inner = this.peek();
    if (inner.type !== 'rparen') arg = this.parseFieldName();
    const close = this.peek();
    if (close.type !== 'rparen') this.fail(`expected ')' after ${fn}(, found ${describe(close)}`, close);
    this.next();
    return {
      name: aggregationName(fn as AggregationFunction, arg?.name),
      position: token.start + prefixLength,
      call: true,
    };
  }

  /** A field name: a bare word (restricted characters) or a `backticked` name. */
  private parseFieldName(what = 'a field name'): FieldRef {
    const token = this.peek();
    if (token.type === 'field') {
      this.next();
      return this.backtickField(token);
    }
    if (token.type === 'word' && !this.isKeyword(token, 'AND') && !this.isKeyword(token, 'OR')) {
      this.next();
      return this.wordField(token);
    }
    return this.fail(`expected ${what}, found ${describe(token)}`, token);
  }

  /** A column in a pipeline stage: a field name, or `count()`, `dc(user)`... */
  private parseColumnRef(): FieldRef {
    return this.parseCallRef() ?? this.parseFieldName();
  }

  private atStageEnd(): boolean {
    const t = this.peek();
    return t.type === 'pipe' || t.type === 'eof';
  }

  // ---- pipeline stages ------------------------------------------------------------------------

  private parseStage(): Stage {
    const command = this.peek();
    if (command.type !== 'word')
      this.fail(`expected a command after '|' (${COMMANDS}), found ${describe(command)}`);
    this.next();
    const name = command.text.toLowerCase();
    const position = command.start;
    switch (name) {
      case 'stats': {
        const aggregations = this.parseAggregations(true, command);
        const by = this.parseBy();
        return { type: 'stats', aggregations, by, position };
      }
      case 'timechart': {
        let spanMs: number | undefined;
        if (this.isWord(this.peek(), 'span')) {
          this.next();
          const eq = this.peek();
          if (eq.type !== 'op' || eq.text !== '=')
            this.fail(`expected '=' after span, found ${describe(eq)}`, eq);
          this.next();
          const value = this.peek();
          if (value.type !== 'word' && value.type !== 'string')
            this.fail('expected a duration after span=, like 5m', value);
          this.next();
          spanMs = parseDuration(value.text);
          if (spanMs === undefined || spanMs < 1000 || spanMs > 366 * 86_400_000) {
            this.fail(
              `invalid span ${JSON.stringify(value.text)}: use a duration from 1s to 366d, e.g. 30s, 5m, 1h, 1d`,
              value,
            );
          }
        }
        const aggregations = this.parseAggregations(false, command);
        const by = this.parseBy();
        return { type: 'timechart', ...(spanMs !== undefined ? { spanMs } : {}), aggregations, by, position };
      }
      case 'sort': {
        const keys: SortKey[] = [];
        while (!this.atStageEnd()) {
          let descending = false;
          let token = this.peek();
          let prefix = 0;
          if (token.type === 'word' && (token.text === '-' || token.text === '+') && !token.escaped) {
            descending = token.text === '-';
            this.next();
            token = this.peek();
          } else if (token.type === 'word' && /^[-+]./.test(token.text) && !token.escaped) {
            descending = token.text[0] === '-';
            prefix = 1;
          }
          let field: FieldRef;
          if (prefix === 1) {
            field = this.parseCallRef(1) ?? this.prefixedField(token);
          } else {
            field = this.parseColumnRef();
          }
          if (this.isWord(this.peek(), 'desc') || this.isWord(this.peek(), 'asc')) {
            descending = this.next().text.toLowerCase() === 'desc';
          }
          keys.push({ field, descending });
          if (this.peek().type === 'comma') this.next();
        }
        if (keys.length === 0) this.fail('expected a field to sort on, e.g. sort -count, user', this.peek());
        return { type: 'sort', keys, position };
      }
      case 'head':
      case 'limit': {
        let count = 10;
        const token = this.peek();
        if (!this.atStageEnd()) {
          if (token.type !== 'word' || !/^\d+$/.test(token.text) || Number(token.text) > MAX_HEAD) {
            this.fail(
              `expected a number of rows (0 to ${MAX_HEAD}) after ${name}, found ${describe(token)}`,
              token,
            );
          }
          this.next();
          count = Number(token.text);
        }
        return { type: 'head', count, position };
      }
      case 'fields':
      case 'table': {
        const fields: FieldRef[] = [];
        while (!this.atStageEnd()) {
          fields.push(this.parseColumnRef());
          if (this.peek().type === 'comma') this.next();
        }
        if (fields.length === 0) this.fail(`expected at least one field after ${name}`, this.peek());
        return { type: 'fields', fields, position };
      }
      case 'where': {
        if (this.atStageEnd())
          this.fail('expected a condition after where, e.g. where count > 10', this.peek());
        const expr = this.parseOr();
        if (!this.atStageEnd()) {
          const t = this.peek();
          if (t.type === 'rparen') this.fail("unexpected ')' without a matching '('", t);
          this.fail(`unexpected ${describe(t)} in where`, t);
        }
        return { type: 'where', expr, position };
      }
      default:
        return this.fail(
          `unknown command ${JSON.stringify(command.text)}; expected one of ${COMMANDS}`,
          command,
        );
    }
  }

  /** `-user` in sort: the word minus its sign, as a field name. */
  private prefixedField(token: Token): FieldRef {
    this.next();
    const text = token.text.slice(1);
    const bad = token.parts?.some((p) => p.kind !== 'text') || !FIELD_NAME.test(text);
    if (bad)
      this.fail(
        `invalid field name ${JSON.stringify(text)}: use letters, digits, _ . @ -, or backticks`,
        token,
      );
    return this.checkedField(text, { ...token, start: token.start + 1 });
  }

  private parseAggregations(required: boolean, command: Token): Aggregation[] {
    const aggregations: Aggregation[] = [];
    while (!this.atStageEnd() && !this.isWord(this.peek(), 'by')) {
      const token = this.peek();
      const fn = token.type === 'word' && !token.escaped ? token.text.toLowerCase() : '';
      if (!AGGREGATION_SET.has(fn)) {
        this.fail(
          `expected an aggregation (count(), dc(f), min(f), max(f), avg(f), sum(f)) or 'by', found ${describe(token)}`,
          token,
        );
      }
      this.next();
      let field: FieldRef | undefined;
      if (this.peek().type === 'lparen') {
        this.next();
        if (this.peek().type !== 'rparen') field = this.parseFieldName();
        const close = this.peek();
        if (close.type !== 'rparen')
          this.fail(`expected ')' after ${fn}(${field?.name ?? ''}, found ${describe(close)}`, close);
        this.next();
      }
      if (fn !== 'count' && !field) this.fail(`${fn}() needs a field, e.g. ${fn}(src_port)`, token);
      let name = aggregationName(fn as AggregationFunction, field?.name);
      if (this.isWord(this.peek(), 'as')) {
        this.next();
        const alias = this.peek();
        if (alias.type !== 'word' && alias.type !== 'string' && alias.type !== 'field') {
          this.fail(`expected a column name after as, found ${describe(alias)}`, alias);
        }
        this.next();
        if (alias.text === '') this.fail('a column name cannot be empty', alias);
        name = alias.text;
      }
      aggregations.push({
        fn: fn as AggregationFunction,
        ...(field ? { field } : {}),
        name,
        position: token.start,
      });
      if (this.peek().type === 'comma') this.next();
    }
    if (required && aggregations.length === 0) {
      this.fail(
        `expected an aggregation after ${command.text}, e.g. ${command.text} count() by user`,
        this.peek(),
      );
    }
    return aggregations;
  }

  private parseBy(): FieldRef[] {
    const by: FieldRef[] = [];
    if (!this.isWord(this.peek(), 'by')) return by;
    this.next();
    while (!this.atStageEnd()) {
      by.push(this.parseColumnRef());
      if (this.peek().type === 'comma') this.next();
    }
    if (by.length === 0) this.fail('expected a field after by', this.peek());
    return by;
  }
}

const COMMANDS = 'stats, timechart, sort, head, fields, where';

// ---- RE2 syntax check ---------------------------------------------------------------------------

/** Unicode classes for \p{...}: general categories and common scripts, all known to RE2. */
const UNICODE_CLASSES = new Set(
  (
    'Any C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs ' +
    'Arabic Armenian Bengali Common Cyrillic Devanagari Georgian Greek Han Hangul Hebrew Hiragana Inherited ' +
    'Katakana Latin Thai'
  ).split(' '),
);

const POSIX_CLASSES = new Set(
  'alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '),
);

/** RE2 refuses nested counted repetitions whose product exceeds this. */
const MAX_REPEAT_PRODUCT = 1000;
/** A rough bound on the compiled program, well under RE2's default memory budget. */
const MAX_REGEX_SIZE = 100_000;

interface RegexProblem {
  reason: string;
  index: number;
}

class RegexProblemError extends Error {
  constructor(readonly problem: RegexProblem) {
    super(problem.reason);
  }
}

interface Fragment {
  /** Estimated program size. */
  size: number;
  /** Largest product of nested counted repetitions inside. */
  product: number;
  /** Whether a quantifier may follow (RE2 refuses to repeat nothing or a flag group). */
  repeatable: boolean;
}

/**
 * Checks a pattern against the RE2 syntax (a conservative subset: anything accepted here compiles in
 * RE2, though a few exotic forms RE2 accepts are refused). Returns the first problem, or undefined.
 */
export function checkRegex(pattern: string): RegexProblem | undefined {
  try {
    const parser = new RegexChecker(pattern);
    parser.check();
    return undefined;
  } catch (error) {
    if (error instanceof RegexProblemError) return error.problem;
    throw error;
  }
}

class RegexChecker {
  private pos = 0;
  private readonly groupNames = new Set<string>();

  constructor(private readonly re: string) {}

  private fail(reason: string, index = this.pos): never {
    throw new RegexProblemError({ reason, index });
  }

  check(): void {
    const whole = this.alternation(0);
    if (this.pos < this.re.length) this.fail("unmatched ')'");
    if (whole.size > MAX_REGEX_SIZE) this.fail('the pattern is too large once repetitions are expanded', 0);
  }

  private alternation(depth: number): Fragment {
    let result = this.concatenation(depth);
    while (this.re[this.pos] === '|') {
      this.pos++;
      const next = this.concatenation(depth);
      result = {
        size: result.size + next.size + 1,
        product: Math.max(result.product, next.product),
        repeatable: true,
      };
    }
    return result;
  }

  private concatenation(depth: number): Fragment {
    let size = 0;
    let product = 1;
    let count = 0;
    while (this.pos < this.re.length && this.re[this.pos] !== '|' && this.re[this.pos] !== ')') {
      const piece = this.piece(depth);
      size += piece.size;
      product = Math.max(product, piece.product);
      count++;
      if (size > MAX_REGEX_SIZE) this.fail('the pattern is too large once repetitions are expanded');
    }
    return { size, product, repeatable: count > 0 };
  }

  private piece(depth: number): Fragment {
    const start = this.pos;
    const atom = this.atom(depth);
    let result = atom;
    let quantified = false;
    for (;;) {
      const q = this.quantifier();
      if (!q) break;
      if (quantified)
        this.fail(
          'a repetition operator cannot follow another (RE2 has no possessive or nested forms)',
          q.at,
        );
      if (!atom.repeatable) this.fail('nothing to repeat before this repetition operator', q.at);
      quantified = true;
      const product = q.counted ? atom.product * Math.max(q.min, q.max ?? q.min, 1) : atom.product;
      if (product > MAX_REPEAT_PRODUCT)
        this.fail('nested repetition counts exceed 1000 (an RE2 limit)', q.at);
      const copies = q.max === undefined ? q.min + 1 : Math.max(q.max, 1);
      result = { size: atom.size * copies + 1, product, repeatable: false };
      if (this.re[this.pos] === '?') this.pos++; // lazy
    }
    if (this.pos === start) this.fail('unexpected character');
    return result;
  }

  /** A quantifier at the current position, consumed; undefined (nothing consumed) if there is none. */
  private quantifier(): { min: number; max?: number; counted: boolean; at: number } | undefined {
    const at = this.pos;
    const ch = this.re[this.pos];
    if (ch === '*' || ch === '+' || ch === '?') {
      this.pos++;
      return { min: ch === '+' ? 1 : 0, ...(ch === '?' ? { max: 1 } : {}), counted: false, at };
    }
    if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.re.slice(this.pos, this.pos + 16));
      if (!m) return undefined; // RE2 reads a `{` that does not start {n}, {n,} or {n,m} literally
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
      if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) {
        this.fail('bad repetition count (at most 1000, and {n,m} needs n ≤ m)', at);
      }
      this.pos += m[0].length;
      return { min, ...(max !== undefined ? { max } : {}), counted: true, at };
    }
    return undefined;
  }

  private atom(depth: number): Fragment {
    const ch = this.re[this.pos]!;
    const literal: Fragment = { size: 1, product: 1, repeatable: true };
    switch (ch) {
      case '(':
        return this.group(depth);
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat before this repetition operator');
      case '{':
        if (/^\{\d+(,\d*)?\}/.test(this.re.slice(this.pos, this.pos + 16))) {
          this.fail('nothing to repeat before this repetition operator');
        }
        this.pos++;
        return literal;
      case '^':
      case '$':
        this.pos++;
        return { size: 1, product: 1, repeatable: false };
      default: {
        const code = this.re.codePointAt(this.pos)!;
        if (code >= 0xd800 && code <= 0xdfff) this.fail('invalid character (unpaired surrogate)');
        this.pos += code > 0xffff ? 2 : 1;
        return literal;
      }
    }
  }

  private group(depth: number): Fragment {
    const open = this.pos;
    if (depth >= 100) this.fail('groups nested too deeply');
    this.pos++;
    if (this.re[this.pos] === '?') {
      const rest = this.re.slice(this.pos, this.pos + 40);
      if (/^\?(=|!|<=|<!)/.test(rest)) this.fail('lookahead and lookbehind are not supported (RE2)', open);
      if (/^\?P=/.test(rest)) this.fail('backreferences are not supported (RE2)', open);
      const named = /^\?P<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        if (this.groupNames.has(named[1]!)) this.fail(`duplicate group name ${named[1]}`, open);
        this.groupNames.add(named[1]!);
        this.pos += named[0].length;
      } else {
        const flags = /^\?([imsU]*)(?:-([imsU]+))?([:)])/.exec(rest);
        const letters = flags ? flags[1]! + (flags[2] ?? '') : '';
        if (!flags || (letters === '' && flags[3] === ')') || new Set(letters).size !== letters.length) {
          this.fail(
            'unsupported group syntax: use (...), (?:...), (?P<name>...) or flags such as (?i)',
            open,
          );
        }
        this.pos += flags[0].length;
        if (flags[3] === ')') return { size: 0, product: 1, repeatable: false };
      }
    }
    const inner = this.alternation(depth + 1);
    if (this.re[this.pos] !== ')') this.fail("missing ')'", open);
    this.pos++;
    return { size: inner.size + 2, product: inner.product, repeatable: inner.repeatable };
  }

  private charClass(): Fragment {
    const open = this.pos;
    this.pos++;
    if (this.re[this.pos] === '^') this.pos++;
    let first = true;
    let size = 0;
    for (;;) {
      if (this.pos >= this.re.length) this.fail("missing ']' to close the character class", open);
      const ch = this.re[this.pos]!;
      if (ch === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (ch === '[' && this.re[this.pos + 1] === ':') {
        const close = this.re.indexOf(':]', this.pos + 2);
        if (close >= 0) {
          const name = this.re.slice(this.pos + 2, close).replace(/^\^/, '');
          if (!POSIX_CLASSES.has(name)) this.fail(`unknown character class [:${name}:]`);
          this.pos = close + 2;
          size++;
          continue;
        }
      }
      const low = this.classChar();
      size++;
      if (this.re[this.pos] === '-' && this.re[this.pos + 1] !== ']' && this.pos + 1 < this.re.length) {
        const dash = this.pos;
        this.pos++;
        const high = this.classChar();
        if (low === undefined || high === undefined)
          this.fail('a character class cannot be a range end', dash);
        if (high < low) this.fail('bad character range (the end is before the start)', dash);
      }
    }
    return { size: size + 1, product: 1, repeatable: true };
  }

  /** One member of a class: its code point, or undefined for a class escape like \d. */
  private classChar(): number | undefined {
    const ch = this.re[this.pos]!;
    if (ch === '\\') {
      const escape = this.escapeCode();
      return escape;
    }
    const code = this.re.codePointAt(this.pos)!;
    if (code >= 0xd800 && code <= 0xdfff) this.fail('invalid character (unpaired surrogate)');
    this.pos += code > 0xffff ? 2 : 1;
    return code;
  }

  private escape(): Fragment {
    const next = this.re[this.pos + 1];
    if (next === 'b' || next === 'B' || next === 'A' || next === 'z') {
      this.pos += 2;
      return { size: 1, product: 1, repeatable: false };
    }
    if (next === 'Q') {
      // \Q...\E: literal text
      const end = this.re.indexOf('\\E', this.pos + 2);
      const text = end < 0 ? this.re.slice(this.pos + 2) : this.re.slice(this.pos + 2, end);
      if (/[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
        this.fail('invalid character (unpaired surrogate)');
      }
      this.pos = end < 0 ? this.re.length : end + 2;
      return { size: Math.max(text.length, 1), product: 1, repeatable: text.length > 0 };
    }
    this.escapeCode();
    return { size: 1, product: 1, repeatable: true };
  }

  /** An escape sequence, consumed: the code point it stands for, or undefined for a class (\d, \pL). */
  private escapeCode(): number | undefined {
    const start = this.pos;
    const next = this.re[this.pos + 1];
    if (next === undefined) this.fail('trailing backslash');
    this.pos += 2;
    switch (next) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return undefined;
      case 'p':
      case 'P': {
        let name: string;
        if (this.re[this.pos] === '{') {
          const close = this.re.indexOf('}', this.pos);
          if (close < 0) this.fail('missing } in \\p{...}', start);
          name = this.re.slice(this.pos + 1, close).replace(/^\^/, '');
          this.pos = close + 1;
        } else {
          name = this.re[this.pos] ?? '';
          this.pos++;
        }
        if (!UNICODE_CLASSES.has(name)) this.fail(`unknown Unicode class ${JSON.stringify(name)}`, start);
        return undefined;
      }
      case 'n':
        return 10;
      case 't':
        return 9;
      case 'r':
        return 13;
      case 'f':
        return 12;
      case 'v':
        return 11;
      case 'a':
        return 7;
      case 'x': {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.re.slice(this.pos, this.pos + 9));
        if (braced) {
          const code = parseInt(braced[1]!, 16);
          if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            this.fail('invalid code point in \\x{...}', start);
          this.pos += braced[0].length;
          return code;
        }
        const two = /^[0-9A-Fa-f]{2}/.exec(this.re.slice(this.pos, this.pos + 2));
        if (!two) this.fail('\\x needs two hex digits or {hex}', start);
        this.pos += 2;
        return parseInt(two[0], 16);
      }
      case '0': {
        const octal = /^[0-7]{0,2}/.exec(this.re.slice(this.pos, this.pos + 2))![0];
        this.pos += octal.length;
        return parseInt(`0${octal}`, 8);
      }
      default:
        if (/[1-9]/.test(next)) this.fail('backreferences are not supported (RE2)', start);
        if (/[!-/:-@[-`{-~]/.test(next) && next !== '_') return next.charCodeAt(0);
        return this.fail(`invalid escape \\${next}`, start);
    }
  }
}
