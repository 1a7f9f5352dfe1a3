/**
 * The metric query language: a small PromQL-like subset (grammar in docs/query.md, "## Metrics"),
 * parsed into a MetricQuery and compiled to parameterized DuckDB SQL. Pure.
 *
 *   http_requests_total{job="api", code=~"5.."}
 *   rate(http_requests_total{job="api"}[5m]) by (code)        (short for sum by (code) (...))
 *   sum by (code) (increase(http_requests_total[1h]))
 *   histogram_quantile(0.95, http_server_duration{route="/login"}[5m]) by (route)
 *
 * Label matchers become SQL on the series table (label values read from its JSON labels, regular
 * expressions with RE2 full-match semantics like Prometheus); every name, label and value is a
 * parameter. Per-step reduction of counters (reset-corrected deltas) runs in SQL too; windows,
 * rates, aggregation across series and histogram quantiles are finished in JS (eval.ts).
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count';

export interface MetricQuery {
  name: string;
  matchers: Matcher[];
  /** raw: the last value per step; rate / increase over `rangeMs`; quantile: histogram_quantile. */
  func: 'raw' | 'rate' | 'increase' | 'quantile';
  /** The window of rate / increase / quantile (ms); quantile's defaults to the step. */
  rangeMs?: number;
  /** histogram_quantile's q. */
  quantile?: number;
  /** Aggregation across series; `by` undefined = into one series. */
  aggregate?: { op: AggregateOp; by?: string[] };
}

/** A query that cannot be read: `position` is the 0-based offset of the offending character. */
export class MetricQuerySyntaxError extends Error {
  constructor(
    readonly position: number,
    reason: string,
  ) {
    super(`metric query error at position ${position + 1}: ${reason}`);
    this.name = 'MetricQuerySyntaxError';
  }
}

type TokenType = 'ident' | 'string' | 'number' | 'duration' | 'punct' | 'op' | 'eof';

interface Token {
  type: TokenType;
  text: string;
  pos: number;
}

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:.]*/y;
const NUMBER = /[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?/y;
const DURATION = /(?:[0-9]+(?:ms|s|m|h|d|w))+/y;
const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new MetricQuerySyntaxError(i, 'unterminated string');
        const d = text[j]!;
        if (d === c) break;
        if (d === '\\' && c !== '`') {
          const e = text[j + 1];
          if (e === undefined) throw new MetricQuerySyntaxError(j, 'unterminated string');
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ type: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    const op = ['=~', '!~', '!=', '='].find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if ('(){}[],'.includes(c)) {
      tokens.push({ type: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    DURATION.lastIndex = i;
    const dm = DURATION.exec(text);
    NUMBER.lastIndex = i;
    const nm = NUMBER.exec(text);
    if (dm && (!nm || dm[0].length > nm[0].length)) {
      tokens.push({ type: 'duration', text: dm[0], pos: i });
      i += dm[0].length;
      continue;
    }
    if (nm) {
      tokens.push({ type: 'number', text: nm[0], pos: i });
      i += nm[0].length;
      continue;
    }
    IDENT.lastIndex = i;
    const im = IDENT.exec(text);
    if (im) {
      tokens.push({ type: 'ident', text: im[0], pos: i });
      i += im[0].length;
      continue;
    }
    throw new MetricQuerySyntaxError(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ type: 'eof', text: '', pos: text.length });
  return tokens;
}

const AGGREGATES = new Set<string>(['sum', 'avg', 'min', 'max', 'count']);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.at++;
    return t;
  }
  private describe(t: Token): string {
    return t.type === 'eof' ? 'the end of the query' : JSON.stringify(t.text);
  }
  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text || (t.type !== 'punct' && t.type !== 'op'))
      throw new MetricQuerySyntaxError(t.pos, `expected "${text}", found ${this.describe(t)}`);
    return t;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.type === 'punct' && t.text === text;
  }

  parse(): MetricQuery {
    let query: MetricQuery;
    const t = this.peek();
    if (
      t.type === 'ident' &&
      AGGREGATES.has(t.text) &&
      (this.peek(1).text === '(' || this.peek(1).text === 'by')
    ) {
      this.next();
      let by = this.byClause();
      this.expect('(');
      query = this.inner(false);
      this.expect(')');
      const after = this.byClause();
      if (by && after) throw new MetricQuerySyntaxError(this.peek().pos, 'two "by" clauses');
      by ??= after;
      query.aggregate = { op: t.text as AggregateOp, ...(by ? { by } : {}) };
    } else {
      query = this.inner(true);
      const by = this.byClause();
      if (by) {
        if (query.func === 'quantile') query.aggregate = { op: 'sum', by };
        else query.aggregate = { op: 'sum', by };
      }
    }
    const end = this.peek();
    if (end.type !== 'eof') throw new MetricQuerySyntaxError(end.pos, `unexpected ${this.describe(end)}`);
    return query;
  }

  /** `by (a, b)` if present. */
  private byClause(): string[] | undefined {
    const t = this.peek();
    if (t.type !== 'ident' || t.text !== 'by') return undefined;
    this.next();
    this.expect('(');
    const labels: string[] = [];
    while (!this.isPunct(')')) {
      const l = this.next();
      if (l.type !== 'ident' || !LABEL_NAME.test(l.text))
        throw new MetricQuerySyntaxError(l.pos, `expected a label name, found ${this.describe(l)}`);
      labels.push(l.text);
      if (!this.isPunct(')')) this.expect(',');
    }
    this.expect(')');
    return labels;
  }

  /** selector | rate(selector[range]) | increase(...) | histogram_quantile(q, ...). */
  private inner(topLevel: boolean): MetricQuery {
    const t = this.peek();
    if (t.type === 'ident' && this.peek(1).text === '(' && this.peek(1).type === 'punct') {
      if (t.text === 'rate' || t.text === 'increase') {
        this.next();
        this.expect('(');
        const sel = this.selector();
        const range = this.range(true)!;
        this.expect(')');
        return { ...sel, func: t.text, rangeMs: range };
      }
      if (t.text === 'histogram_quantile') {
        if (!topLevel)
          throw new MetricQuerySyntaxError(
            t.pos,
            'histogram_quantile cannot be aggregated; use "by" after it',
          );
        this.next();
        this.expect('(');
        const q = this.next();
        if (q.type !== 'number')
          throw new MetricQuerySyntaxError(
            q.pos,
            `expected a quantile from 0 to 1, found ${this.describe(q)}`,
          );
        const quantile = Number(q.text);
        if (!(quantile >= 0 && quantile <= 1))
          throw new MetricQuerySyntaxError(q.pos, `quantile ${q.text} is not from 0 to 1`);
        this.expect(',');
        let sel: { name: string; matchers: Matcher[] };
        let range: number | undefined;
        const w = this.peek();
        if (w.type === 'ident' && w.text === 'rate' && this.peek(1).text === '(') {
          this.next();
          this.expect('(');
          sel = this.selector();
          range = this.range(true);
          this.expect(')');
        } else {
          sel = this.selector();
          range = this.range(false);
        }
        this.expect(')');
        return { ...sel, func: 'quantile', quantile, ...(range !== undefined ? { rangeMs: range } : {}) };
      }
      if (AGGREGATES.has(t.text)) throw new MetricQuerySyntaxError(t.pos, `${t.text}(...) cannot be nested`);
      throw new MetricQuerySyntaxError(
        t.pos,
        `unknown function ${t.text}; known: rate, increase, histogram_quantile, sum, avg, min, max, count`,
      );
    }
    const sel = this.selector();
    if (this.isPunct('['))
      throw new MetricQuerySyntaxError(this.peek().pos, 'a range [..] needs rate(...) or increase(...)');
    return { ...sel, func: 'raw' };
  }

  private range(required: boolean): number | undefined {
    if (!this.isPunct('[')) {
      if (required)
        throw new MetricQuerySyntaxError(
          this.peek().pos,
          `expected a range such as [5m], found ${this.describe(this.peek())}`,
        );
      return undefined;
    }
    this.next();
    const d = this.next();
    if (d.type !== 'duration')
      throw new MetricQuerySyntaxError(d.pos, `expected a duration such as 5m, found ${this.describe(d)}`);
    let ms = 0;
    for (const [, n, unit] of d.text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * DURATION_MS[unit!]!;
    if (ms <= 0) throw new MetricQuerySyntaxError(d.pos, 'the range must be longer than 0');
    this.expect(']');
    return ms;
  }

  /** `name{matchers}` or `{__name__="x", ...}`. */
  private selector(): { name: string; matchers: Matcher[] } {
    let name: string | undefined;
    const start = this.peek();
    if (start.type === 'ident') {
      if (start.text === 'by')
        throw new MetricQuerySyntaxError(start.pos, 'expected a metric name, found "by"');
      name = this.next().text;
    }
    const matchers: Matcher[] = [];
    if (this.isPunct('{')) {
      this.next();
      while (!this.isPunct('}')) {
        const l = this.next();
        if ((l.type !== 'ident' || !LABEL_NAME.test(l.text)) && l.type !== 'string')
          throw new MetricQuerySyntaxError(l.pos, `expected a label name, found ${this.describe(l)}`);
        const op = this.next();
        if (op.type !== 'op')
          throw new MetricQuerySyntaxError(op.pos, `expected =, !=, =~ or !~, found ${this.describe(op)}`);
        const v = this.next();
        if (v.type !== 'string')
          throw new MetricQuerySyntaxError(v.pos, `expected a quoted label value, found ${this.describe(v)}`);
        if (op.text === '=~' || op.text === '!~') {
          try {
            new RegExp(v.text);
          } catch (error) {
            throw new MetricQuerySyntaxError(v.pos, `bad regular expression: ${(error as Error).message}`);
          }
        }
        if (l.text === '__name__' && op.text === '=') {
          if (name !== undefined && name !== v.text)
            throw new MetricQuerySyntaxError(l.pos, 'two metric names');
          name = v.text;
        } else matchers.push({ label: l.text, op: op.text as MatchOp, value: v.text });
        if (!this.isPunct('}')) this.expect(',');
      }
      this.next();
    }
    if (name === undefined)
      throw new MetricQuerySyntaxError(start.pos, `expected a metric name, found ${this.describe(start)}`);
    return { name, matchers };
  }
}

/** Parse a metric query. Throws MetricQuerySyntaxError with the position. */
export function parseMetricQuery(text: string): MetricQuery {
  if (text.length > 10_000)
    throw new MetricQuerySyntaxError(10_000, 'the query is longer than 10000 characters');
  return new Parser(lex(text)).parse();
}

// ---------------------------------------------------------------------------------------------
// Compilation to SQL

export interface CompiledSql {
  sql: string;
  params: unknown[];
}

/** A JSON path to one label (any characters in the label name are quoted). */
export function labelPath(label: string): string {
  return `$."${label.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The series a query selects: id, labels (JSON), kind, temporality. A missing label is the empty
 * string, as in Prometheus (so `{x=""}` matches series without x).
 */
export function compileSeriesSql(query: Pick<MetricQuery, 'name' | 'matchers'>): CompiledSql {
  const params: unknown[] = [query.name];
  const where = ['name = $1'];
  for (const m of query.matchers) {
    params.push(labelPath(m.label));
    const label = `coalesce(json_extract_string(labels, $${params.length}), '')`;
    params.push(m.value);
    const value = `$${params.length}`;
    switch (m.op) {
      case '=':
        where.push(`${label} = ${value}`);
        break;
      case '!=':
        where.push(`${label} <> ${value}`);
        break;
      case '=~':
        where.push(`regexp_full_match(${label}, ${value})`);
        break;
      case '!~':
        where.push(`NOT regexp_full_match(${label}, ${value})`);
        break;
    }
  }
  return {
    sql: `SELECT id, labels, kind, temporality FROM series WHERE ${where.join(' AND ')} ORDER BY id`,
    params,
  };
}

/** Output steps: t_k = from + k·step for k = 0..steps-1 (t ≤ to). */
export interface StepGrid {
  from: number;
  to: number;
  step: number;
}

export const stepCount = (grid: StepGrid) => Math.floor((grid.to - grid.from) / grid.step) + 1;

/**
 * Counters and gauges, reduced per series and step in SQL. Step bucket b holds the samples in
 * (from + (b-1)·step, from + b·step]. Per bucket: samples, first/last time and value, the sum of
 * reset-corrected deltas (a drop means the counter restarted from 0, so the delta is the new
 * value) and the delta of the bucket's first sample (subtracted when the bucket starts a window),
 * and the sum of the values (delta-temporality sums). `ids` are bound as one BIGINT[] parameter.
 */
export function compileStepSql(ids: readonly bigint[], grid: StepGrid, lookbackMs: number): CompiledSql {
  const sql = `
WITH p AS (
  SELECT series_id, epoch_ms(time) AS t, value, lag(value) OVER (PARTITION BY series_id ORDER BY time) AS prev
  FROM points
  WHERE series_id IN (SELECT unnest($1::BIGINT[])) AND time > make_timestamp($2::BIGINT * 1000)
    AND time <= make_timestamp($3::BIGINT * 1000) AND value IS NOT NULL
), q AS (
  SELECT series_id, t, value,
    CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END AS d,
    CAST(ceil((t - $4::BIGINT) / $5::DOUBLE) AS BIGINT) AS b
  FROM p
)
SELECT series_id, b, count(*) AS n, min(t) AS t0, max(t) AS t1, arg_min(value, t) AS v0, arg_max(value, t) AS v1,
  sum(d) AS dsum, arg_min(d, t) AS d0, sum(value) AS vsum
FROM q GROUP BY series_id, b ORDER BY series_id, b`;
  // Bound values: ids, the fetch window (one lookback before `from`, through the last step), origin and step.
  const lastStep = grid.from + (stepCount(grid) - 1) * grid.step;
  return { sql, params: [ids, grid.from - lookbackMs, lastStep, grid.from, grid.step] };
}

/** Histogram and summary rows of the selected series in (fromMs, toMs], in series and time order. */
export function compileHistogramSql(ids: readonly bigint[], fromMs: number, toMs: number): CompiledSql {
  return {
    sql: `SELECT series_id, epoch_ms(time) AS t, count, sum, bounds, buckets, exp, quantiles FROM points
WHERE series_id IN (SELECT unnest($1::BIGINT[])) AND time > make_timestamp($2::BIGINT * 1000)
  AND time <= make_timestamp($3::BIGINT * 1000)
ORDER BY series_id, time`,
    params: [ids, fromMs, toMs],
  };
}
