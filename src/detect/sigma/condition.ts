/**
 * Sigma conditions: `and`, `or`, `not`, parentheses, `1 of` / `all of` a search-identifier
 * pattern (`*` wildcards) or `them`. Precedence, least to most binding: or, and, not, x of,
 * parentheses. Keywords are case-insensitive. The v1 aggregation syntax (`| count() ...`, `near`)
 * is refused with its own reason: such rules are correlation rules now.
 */
import { SigmaError } from './errors.js';

export type Condition =
  | { op: 'and' | 'or'; items: Condition[] }
  | { op: 'not'; item: Condition }
  | { op: 'ref'; name: string }
  /** `1 of x*` (all: false) or `all of x*`; pattern `them` means every identifier not starting with `_`. */
  | { op: 'of'; all: boolean; pattern: string };

interface Token {
  text: string;
  at: number;
}

function tokenize(text: string): Token[] {
  // Every non-space character belongs to a token: parentheses, or runs of anything else.
  return [...text.matchAll(/[()]|[^\s()]+/g)].map((m) => ({ text: m[0], at: m.index }));
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

/** Parse one condition. Throws SigmaError (`invalid_condition`, `aggregation`). */
export function parseCondition(text: string): Condition {
  if (text.includes('|')) {
    throw new SigmaError(
      'aggregation',
      `v1 aggregation '${text.slice(text.indexOf('|')).trim()}' is not supported (use a correlation rule)`,
    );
  }
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new SigmaError('invalid_condition', 'empty condition');
  if (tokens.some((t) => t.text.toLowerCase() === 'near')) {
    throw new SigmaError('aggregation', `v1 'near' aggregation is not supported (use a correlation rule)`);
  }
  const parser = new ConditionParser(text, tokens);
  const cond = parser.expression();
  parser.end();
  return cond;
}

class ConditionParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private fail(detail: string): never {
    const at = this.tokens[this.pos]?.at ?? this.text.length;
    throw new SigmaError('invalid_condition', `${detail} at offset ${at} in '${this.text}'`);
  }

  private peek(): string | undefined {
    return this.tokens[this.pos]?.text;
  }

  private keyword(): string | undefined {
    return this.peek()?.toLowerCase();
  }

  end(): void {
    if (this.pos < this.tokens.length) this.fail(`unexpected '${this.peek()}'`);
  }

  expression(): Condition {
    const items = [this.conjunction()];
    while (this.keyword() === 'or') {
      this.pos++;
      items.push(this.conjunction());
    }
    return items.length === 1 ? items[0]! : { op: 'or', items };
  }

  private conjunction(): Condition {
    const items = [this.negation()];
    while (this.keyword() === 'and') {
      this.pos++;
      items.push(this.negation());
    }
    return items.length === 1 ? items[0]! : { op: 'and', items };
  }

  private negation(): Condition {
    if (this.keyword() === 'not') {
      this.pos++;
      return { op: 'not', item: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    const token = this.peek();
    if (token === undefined) this.fail('missing operand');
    if (token === '(') {
      this.pos++;
      const inner = this.expression();
      if (this.peek() !== ')') this.fail(`missing ')'`);
      this.pos++;
      return inner;
    }
    if (token === ')') this.fail(`unexpected ')'`);
    const word = token.toLowerCase();
    const next = this.tokens[this.pos + 1]?.text.toLowerCase();
    if (next === 'of') {
      if (word !== '1' && word !== 'all' && word !== 'any') {
        this.fail(`only '1 of' and 'all of' are allowed, not '${token} of'`);
      }
      this.pos += 2;
      const target = this.peek();
      if (target === undefined || target === '(' || target === ')')
        this.fail(`'of' needs a pattern or 'them'`);
      this.pos++;
      return { op: 'of', all: word === 'all', pattern: target.toLowerCase() === 'them' ? 'them' : target };
    }
    if (KEYWORDS.has(word)) this.fail(`unexpected '${token}'`);
    this.pos++;
    return { op: 'ref', name: token };
  }
}

/** The search identifiers a `x of` pattern selects, in detection order. */
export function selectIdentifiers(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return names.filter((n) => re.test(n));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
