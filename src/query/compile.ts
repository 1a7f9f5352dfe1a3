/**
 * The query compiler: query text → one parameterized DuckDB SELECT over the `events` table.
 *
 * Security is the point of its shape. No text from the query is ever put into the SQL string:
 * every value, pattern, regex, JSON path, time bound, limit and span becomes a `$n` parameter;
 * column names come only from the schema's whitelist (FIELD_COLUMNS); result columns get generated
 * aliases (`c0`, `c1`...) and their display names travel beside the SQL in `columns`. The SQL text
 * is therefore a function of the query's *shape* alone.
 *
 * Each pipeline stage turns one relation into the next. Stages that must see the previous stage's
 * final rows (a `where` after `head`, `stats` after `head`) wrap it in a subquery; others fold into it.
 */
import { cidrRange, ipToBigInt, IPV4_MAPPED_BASE } from '../store/ip.js';
import { RESTORABLE_COLUMNS } from '../store/event-json.js';
import { DATA_CLASSES, DEFAULT_DATA_CLASS, FIELD_COLUMNS, ipNumberColumn } from '../store/schema.js';
import { QuerySyntaxError, type ValuePart } from './lexer.js';
import {
  parseQuery,
  type Aggregation,
  type CompareOp,
  type Expr,
  type FieldRef,
  type LiteralValue,
  type Query,
  type SortKey,
  type Stage,
  type Value,
} from './parser.js';
import { parseTimeBound, TimeBoundError } from './timerange.js';

export { QuerySyntaxError } from './lexer.js';

export interface CompileOptions {
  /** Start of the time window, epoch ms, inclusive. */
  from?: number;
  /** End of the time window, epoch ms, exclusive. */
  to?: number;
  /** Cap on the rows returned (an API or CLI `limit`); `| head N` can only lower it. */
  limit?: number;
  /** The time that relative values (`time>-1h`) count from; defaults to Date.now(). */
  now?: number;
  /** Rows returned when neither `| head` nor `limit` says: 100 for events, 10,000 for tables. */
  defaultLimit?: number;
  /**
   * The data classes the caller may see (its role's scope): the events table is filtered by
   * `data_class IN (...)` before any search, stage or aggregation sees a row. Absent: no scope
   * (Vigil itself, the local CLI); empty: nothing.
   */
  dataClasses?: readonly string[];
}

export interface CompiledQuery {
  /** One SELECT statement with `$1`, `$2`... placeholders. */
  sql: string;
  /** The placeholder values, in order: strings and numbers only. */
  params: unknown[];
  /** `events`: rows of the events table; `table`: rows computed by stats/timechart. */
  kind: 'events' | 'table';
  /**
   * Display names of the result columns, in SQL column order (row[i] is columns[i]). For a table the
   * SQL columns are named c0, c1...; for events they are id, time, ingest_time, source, raw_data, data,
   * then one per `| fields` entry, named f0, f1...
   */
  columns: string[];
  /** Events only: the `| fields` the user asked for (the last columns of each row). */
  fields?: string[];
  /** For `| timechart`: the bucket width. The first column (`_time`) is each bucket's start. */
  timechart?: { spanMs: number };
}

/** Columns every event search returns, in this order. */
export const EVENT_RESULT_COLUMNS = [
  'id',
  'time',
  'ingest_time',
  'source',
  'raw_format',
  'raw_data',
  'data',
  // What `data` leaves out because these columns hold it (see store/event-json.ts).
  ...RESTORABLE_COLUMNS.filter(
    (c) => c.name !== 'source' && c.name !== 'ingest_time' && c.name !== 'time',
  ).map((c) => c.name),
] as const;

export const DEFAULT_EVENT_LIMIT = 100;
export const DEFAULT_TABLE_LIMIT = 10_000;

/** Buckets a timechart aims for when no span is given and the window is known. */
const TARGET_BUCKETS = 100;
const NICE_SPANS_MS = [
  1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800,
].map((s) => s * 1000);
const DEFAULT_SPAN_MS = 3_600_000;

/** The DuckDB ILIKE escape character, a constant of the SQL text. */
const LIKE_ESCAPE = `ESCAPE '\\'`;
/** How a timestamp reads as text for wildcards and regexes (ISO 8601, milliseconds, UTC). */
const TIME_TEXT_FORMAT = '%Y-%m-%dT%H:%M:%S.%gZ';
/** Timechart buckets are aligned to the Unix epoch. */
const EPOCH_ORIGIN = '1970-01-01 00:00:00';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0?[1-9][0-9]|0{0,2}[0-9])';
/** An IPv4 address as text, optionally IPv4-mapped (Windows writes `::ffff:10.1.2.3`). */
const IPV4_TEXT_PATTERN = `^(?:::[fF]{4}:)?(${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET})$`;

/**
 * Every string literal the compiler writes into SQL: all constants of this file. Tests check that a
 * compiled query contains no other, which is to say no text from the query.
 */
export const SQL_STRING_LITERALS: ReadonlySet<string> = new Set([
  '\\',
  TIME_TEXT_FORMAT,
  EPOCH_ORIGIN,
  IPV4_TEXT_PATTERN,
  '',
  '.',
]);

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const HUGEINT_MAX = (1n << 127n) - 1n;

/** SQL comparison operators for the query's ordering operators (a fixed map: never user text). */
const ORDERING_SQL: Readonly<Record<string, string>> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

type OperandType = 'number' | 'text' | 'time';

/** A field or result column, resolved to a SQL expression built only from whitelisted names and parameters. */
interface Operand {
  type: OperandType;
  sql: string;
  /** IP columns: the UHUGEINT twin, for CIDR ranges and exact address matches. */
  ipNum?: string;
}

interface TableColumn {
  alias: string;
  name: string;
  type: OperandType;
}

interface EventsRelation {
  kind: 'events';
  /** FROM clause: `events`, or a wrapped earlier stage. Column names stay those of the table. */
  from: string;
  where: string[];
  /** ORDER BY items (unqualified SQL), or undefined for the default newest-first. */
  order?: string[];
  limit?: number;
  fields?: { name: string; sql: string }[];
}

interface TableRelation {
  kind: 'table';
  from: string;
  /** Qualifier of `from`, so column references are never ambiguous across nesting levels. */
  qualifier: string;
  /** The columns shown: the aggregate's output, or the choice of a later `| fields`. */
  visible: TableColumn[];
  where: string[];
  order?: { column: TableColumn; descending: boolean }[];
  defaultOrder: { column: TableColumn; descending: boolean }[];
  limit?: number;
}

type Relation = EventsRelation | TableRelation;

/** Parameters, numbered in order of first use; equal values share a number. */
class Params {
  readonly values: (string | number)[] = [];
  private readonly seen = new Map<string, string>();

  add(value: string | number): string {
    const key = `${typeof value}:${String(value)}`;
    let ref = this.seen.get(key);
    if (ref === undefined) {
      this.values.push(value);
      ref = `$${this.values.length}`;
      this.seen.set(key, ref);
    }
    return ref;
  }
}

/**
 * Renumbers placeholders in order of use and drops parameters no longer used (a stage can make an
 * earlier one moot, e.g. a sort before stats), since DuckDB refuses values for absent placeholders.
 * Placeholders are the only `$<digits>` in the SQL: no SQL string literal of the compiler has one.
 */
function compactParams(
  sql: string,
  values: readonly (string | number)[],
): { sql: string; params: (string | number)[] } {
  const renumbered = new Map<string, string>();
  const params: (string | number)[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    let ref = renumbered.get(n);
    if (ref === undefined) {
      params.push(values[Number(n) - 1]!);
      ref = `$${params.length}`;
      renumbered.set(n, ref);
    }
    return ref;
  });
  return { sql: text, params };
}

/** A whitelisted identifier, quoted. The names come from schema.ts or are generated (c0, t1...). */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A JSONPath that DuckDB reads key by key: each key double-quoted, with `\` and `"` escaped. */
export function jsonPath(keys: readonly string[]): string {
  return '$' + keys.map((k) => `."${k.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join('');
}

/**
 * The JSON paths tried, in order, for a field that is not a typed column: the OCSF path, then the
 * original source field under `unmapped` (nested, then as one key with dots, e.g. Zeek's `id.orig_h`).
 */
export function jsonPathsFor(name: string): string[] {
  const segments = name.split('.');
  const paths: string[][] = [];
  if (segments[0] === 'unmapped' && segments.length > 1) {
    paths.push(segments);
    if (segments.length > 2) paths.push(['unmapped', segments.slice(1).join('.')]);
  } else {
    paths.push(segments, ['unmapped', ...segments]);
    if (segments.length > 1) paths.push(['unmapped', name]);
  }
  return paths.map(jsonPath);
}

/**
 * Where an original field can sit in a JSON record's raw text: at the top (flat exports, NXLog,
 * generic JSON), or inside the Windows layouts (evtx_dump `Event.EventData` / `Event.System`,
 * Winlogbeat `winlog.event_data`, exports with an `EventData` object).
 */
export function rawJsonPathsFor(name: string): string[] {
  const segments = name.split('.');
  const field = segments[0] === 'unmapped' && segments.length > 1 ? segments.slice(1) : segments;
  const paths: string[][] = [field];
  if (field.length > 1) paths.push([field.join('.')]);
  if (field.length === 1) {
    paths.push(
      ['Event', 'EventData', field[0]!],
      ['Event', 'System', field[0]!],
      ['winlog', 'event_data', field[0]!],
      ['EventData', field[0]!],
    );
  }
  return paths.map(jsonPath);
}

function likePattern(parts: readonly ValuePart[]): string {
  return parts
    .map((p) =>
      p.kind === 'any' ? '%' : p.kind === 'one' ? '_' : p.text.replace(/[\\%_]/g, (c) => `\\${c}`),
    )
    .join('');
}

function hasWildcard(value: LiteralValue): boolean {
  return value.parts.some((p) => p.kind !== 'text');
}

function isWildcardOnly(value: LiteralValue): boolean {
  return value.parts.length > 0 && value.parts.every((p) => p.kind === 'any');
}

/** Compile a query. Throws QuerySyntaxError for bad queries, RangeError for bad options. */
export function compileQuery(text: string, options: CompileOptions = {}): CompiledQuery {
  return new Compiler(options).compile(parseQuery(text));
}

class Compiler {
  private readonly params = new Params();
  private readonly now: number;
  private subqueries = 0;

  constructor(private readonly options: CompileOptions) {
    for (const key of ['from', 'to', 'now'] as const) {
      const v = options[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 8.64e15)) {
        throw new RangeError(`compile option ${key} must be a time in epoch milliseconds, got ${String(v)}`);
      }
    }
    for (const key of ['limit', 'defaultLimit'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
        throw new RangeError(`compile option ${key} must be a non-negative integer, got ${String(v)}`);
      }
    }
    this.now = options.now ?? Date.now();
  }

  compile(query: Query): CompiledQuery {
    const where: string[] = [];
    let scope = this.options.dataClasses;
    // The audit log is searched when a query names it (`source=audit`, `data_class=audit`): an
    // admin's `mimikatz` should find events, not the audit entries of earlier searches for it.
    if (
      scope !== undefined &&
      scope.includes('audit') &&
      scope.some((c) => c !== 'audit') &&
      !(query.search && namesAuditField(query.search))
    )
      scope = scope.filter((c) => c !== 'audit');
    if (scope !== undefined && !DATA_CLASSES.every((c) => scope!.includes(c))) {
      // First and innermost: every later stage reads this relation, wrapped or not.
      const classes = [...new Set(scope)].map((c) => this.params.add(c));
      where.push(
        classes.length === 0
          ? 'false'
          : `(coalesce("data_class", ${this.params.add(DEFAULT_DATA_CLASS)}) IN (${classes.join(', ')}))`,
      );
    }
    if (this.options.from !== undefined) {
      where.push(`"time" >= epoch_ms(${this.params.add(Math.floor(this.options.from))})`);
    }
    if (this.options.to !== undefined) {
      where.push(`"time" < epoch_ms(${this.params.add(Math.floor(this.options.to))})`);
    }
    if (query.search) where.push(this.expr(query.search, (ref) => this.eventField(ref), true));
    let rel: Relation = { kind: 'events', from: 'events', where };
    let timechart: { spanMs: number } | undefined;
    for (const stage of query.stages) {
      rel = this.stage(rel, stage);
      if (stage.type === 'timechart') timechart = { spanMs: this.spanOf(stage) };
      else if (stage.type === 'stats') timechart = undefined;
    }
    return this.finish(rel, timechart);
  }

  // ---- fields ---------------------------------------------------------------------------------

  private eventField(ref: FieldRef): Operand {
    if (ref.call) {
      throw new QuerySyntaxError(
        `${ref.name} is an aggregation; it names a column only after stats`,
        ref.position,
      );
    }
    const column = FIELD_COLUMNS.get(ref.name);
    if (column && column.name !== 'data') {
      const type: OperandType =
        column.type === 'TIMESTAMP'
          ? 'time'
          : column.type === 'VARCHAR' || column.type === 'JSON'
            ? 'text'
            : 'number';
      return {
        type,
        sql: ident(column.name),
        ...(column.ip ? { ipNum: ident(ipNumberColumn(column)) } : {}),
      };
    }
    const calls = jsonPathsFor(ref.name).map((p) => `json_extract_string("data", ${this.params.add(p)})`);
    // JSON records keep their original fields only in raw_data (see the store): read them there,
    // in each Windows event layout. raw_format = 'json' guarantees raw_data is valid JSON.
    const raw = rawJsonPathsFor(ref.name).map(
      (p) => `json_extract_string("raw_data", ${this.params.add(p)})`,
    );
    calls.push(`CASE WHEN "raw_format" = ${this.params.add('json')} THEN coalesce(${raw.join(', ')}) END`);
    return { type: 'text', sql: `coalesce(${calls.join(', ')})` };
  }

  private tableField(rel: TableRelation, ref: FieldRef): Operand {
    const column = rel.visible.find((c) => c.name === ref.name);
    if (!column) {
      const names = rel.visible.map((c) => c.name).join(', ');
      throw new QuerySyntaxError(
        `unknown column ${JSON.stringify(ref.name)}; the columns here are: ${names}`,
        ref.position,
      );
    }
    return { type: column.type, sql: `${rel.qualifier}.${ident(column.alias)}` };
  }

  private tableColumn(rel: TableRelation, ref: FieldRef): TableColumn {
    this.tableField(rel, ref);
    return rel.visible.find((c) => c.name === ref.name)!;
  }

  // ---- search expressions ---------------------------------------------------------------------

  private expr(e: Expr, resolve: (ref: FieldRef) => Operand, freeText: boolean): string {
    switch (e.type) {
      case 'and':
        return `(${e.operands.map((o) => this.expr(o, resolve, freeText)).join(' AND ')})`;
      case 'or':
        return `(${e.operands.map((o) => this.expr(o, resolve, freeText)).join(' OR ')})`;
      case 'not':
        // Two-valued NOT: `NOT user=admin` keeps events that have no user at all (as Splunk does);
        // `user!=admin` needs the field to be there.
        return `(NOT coalesce(${this.expr(e.operand, resolve, freeText)}, false))`;
      case 'term':
        if (!freeText) {
          throw new QuerySyntaxError(
            'free text cannot be searched after stats or timechart; compare a column, e.g. where count > 10',
            e.value.position,
          );
        }
        return this.freeText(e.value);
      case 'compare':
        return this.compare(resolve(e.field), e.op, e.value);
      case 'in': {
        const operand = resolve(e.field);
        const op = e.negated ? '!=' : '=';
        const items = e.values.map((v) => this.compare(operand, op, v));
        return `(${items.join(e.negated ? ' AND ' : ' OR ')})`;
      }
    }
  }

  private freeText(value: LiteralValue): string {
    if (isWildcardOnly(value)) return 'true';
    if (value.parts.every((part) => part.kind === 'text')) {
      // A plain term: substring search on lowercased text is 4-5x faster in DuckDB than ILIKE.
      const needle = this.params.add(
        value.parts
          .map((part) => (part.kind === 'text' ? part.text : ''))
          .join('')
          .toLowerCase(),
      );
      return `(contains(lower("message"), ${needle}) OR contains(lower("raw_data"), ${needle}))`;
    }
    const p = this.params.add(`%${likePattern(value.parts)}%`);
    return `("message" ILIKE ${p} ${LIKE_ESCAPE} OR "raw_data" ILIKE ${p} ${LIKE_ESCAPE})`;
  }

  /** The operand as text, for wildcards and regular expressions. */
  private text(o: Operand): string {
    switch (o.type) {
      case 'text':
        return o.sql;
      case 'number':
        return `CAST(${o.sql} AS VARCHAR)`;
      case 'time':
        return `strftime(${o.sql}, '${TIME_TEXT_FORMAT}')`;
    }
  }

  private compare(o: Operand, op: CompareOp, value: Value): string {
    if (value.kind === 'regex') {
      if (op !== '=' && op !== '!=') {
        throw new QuerySyntaxError('a regular expression needs = or !=', value.position);
      }
      const p = this.params.add((value.caseInsensitive ? '(?i)' : '') + value.pattern);
      const match = `regexp_matches(${this.text(o)}, ${p})`;
      return op === '=' ? match : `(NOT ${match})`;
    }
    if (op === '=' || op === '!=') {
      if (isWildcardOnly(value)) return `(${o.sql} IS ${op === '=' ? 'NOT ' : ''}NULL)`;
      let match: string;
      if (hasWildcard(value)) {
        match = `${this.text(o)} ILIKE ${this.params.add(likePattern(value.parts))} ${LIKE_ESCAPE}`;
      } else {
        match = this.equality(o, value);
      }
      return op === '=' ? `(${match})` : `(NOT (${match}))`;
    }
    if (hasWildcard(value)) {
      throw new QuerySyntaxError(`wildcards can only be used with = and !=, not ${op}`, value.position);
    }
    return this.ordering(o, ORDERING_SQL[op]!, value);
  }

  /** A numeric literal as a parameter reference: exact for integers up to 128 bits. */
  private number(text: string): string | undefined {
    if (!NUMBER.test(text)) return undefined;
    if (/^[+-]?\d+$/.test(text)) {
      const n = Number(text);
      if (Number.isSafeInteger(n)) return this.params.add(n);
      const big = BigInt(text.replace(/^\+/, ''));
      if (big <= HUGEINT_MAX && big >= -HUGEINT_MAX)
        return `CAST(${this.params.add(big.toString())} AS HUGEINT)`;
    }
    const n = Number(text);
    if (!Number.isFinite(n)) return undefined;
    // Integral doubles beyond 2^53 (1e300) would be bound as BIGINT and overflow: pass them as text.
    return Number.isInteger(n) && !Number.isSafeInteger(n)
      ? `CAST(${this.params.add(String(n))} AS DOUBLE)`
      : this.params.add(n);
  }

  private time(value: LiteralValue): string {
    try {
      return `epoch_ms(${this.params.add(parseTimeBound(value.text, this.now))})`;
    } catch (error) {
      if (error instanceof TimeBoundError) throw new QuerySyntaxError(error.message, value.position);
      throw error;
    }
  }

  private uhugeint(n: bigint): string {
    return `CAST(${this.params.add(n.toString())} AS UHUGEINT)`;
  }

  /** `field=value` without wildcards: typed by the field, numbers and IPs compared as such. */
  private equality(o: Operand, value: LiteralValue): string {
    const text = value.text;
    if (o.type === 'time') return `${o.sql} = ${this.time(value)}`;
    if (o.type === 'number') {
      const num = this.number(text);
      return num !== undefined
        ? `${o.sql} = ${num}`
        : `lower(CAST(${o.sql} AS VARCHAR)) = lower(${this.params.add(text)})`;
    }
    const cidr = value.quoted ? undefined : cidrRange(text);
    if (cidr) return this.cidr(o, cidr, value);
    if (o.ipNum) {
      const ip = ipToBigInt(text);
      if (ip !== undefined) return `${o.ipNum} = ${this.uhugeint(ip)}`;
    }
    const equalText = `lower(${o.sql}) = lower(${this.params.add(text)})`;
    const num = this.number(text);
    // `EventID=4624` matches "4624" and "4624.0"; a non-numeric value compares false, not NULL,
    // so that `EventID!=4624` keeps events whose EventID is not a number.
    return num !== undefined
      ? `coalesce(TRY_CAST(${o.sql} AS DOUBLE) = ${num}, false) OR ${equalText}`
      : equalText;
  }

  private cidr(o: Operand, range: { low: bigint; high: bigint }, value: LiteralValue): string {
    if (o.ipNum) return `${o.ipNum} BETWEEN ${this.uhugeint(range.low)} AND ${this.uhugeint(range.high)}`;
    // Not an IP column: IPv4 CIDR still works, by computing the address number from the text.
    const v4Low = range.low - IPV4_MAPPED_BASE;
    const v4High = range.high - IPV4_MAPPED_BASE;
    if (v4Low < 0n || v4High > 0xffffffffn) {
      throw new QuerySyntaxError(
        'IPv6 CIDR ranges work on IP fields (src_ip, dst_ip); use a wildcard or regex for this field',
        value.position,
      );
    }
    const number =
      `list_dot_product(TRY_CAST(string_split(nullif(regexp_extract(${o.sql}, '${IPV4_TEXT_PATTERN}', 1), ''), '.') ` +
      `AS DOUBLE[]), [16777216, 65536, 256, 1])`;
    return `${number} BETWEEN ${this.params.add(Number(v4Low))} AND ${this.params.add(Number(v4High))}`;
  }

  private ordering(o: Operand, sqlOp: string, value: LiteralValue): string {
    if (o.type === 'time') return `${o.sql} ${sqlOp} ${this.time(value)}`;
    const num = this.number(value.text);
    if (o.type === 'number') {
      if (num === undefined) {
        throw new QuerySyntaxError(
          `expected a number to compare with, found ${JSON.stringify(value.text)}`,
          value.position,
        );
      }
      return `${o.sql} ${sqlOp} ${num}`;
    }
    if (o.ipNum) {
      const ip = ipToBigInt(value.text);
      if (ip !== undefined) return `${o.ipNum} ${sqlOp} ${this.uhugeint(ip)}`;
    }
    if (num !== undefined) return `TRY_CAST(${o.sql} AS DOUBLE) ${sqlOp} ${num}`;
    return `${o.sql} ${sqlOp} ${this.params.add(value.text)}`;
  }

  // ---- stages ---------------------------------------------------------------------------------

  private stage(rel: Relation, stage: Stage): Relation {
    switch (stage.type) {
      case 'where':
        if (rel.kind === 'events') {
          const r = rel.limit !== undefined ? this.wrapEvents(rel) : rel;
          return { ...r, where: [...r.where, this.expr(stage.expr, (ref) => this.eventField(ref), true)] };
        } else {
          const r = rel.limit !== undefined ? this.wrapTable(rel) : rel;
          return {
            ...r,
            where: [...r.where, this.expr(stage.expr, (ref) => this.tableField(r, ref), false)],
          };
        }
      case 'sort':
        if (rel.kind === 'events') {
          const r = rel.limit !== undefined ? this.wrapEvents(rel) : rel;
          const order = stage.keys.flatMap((k) => this.sortItems(this.eventField(k.field), k.descending));
          return { ...r, order: [...order, '"time" DESC', '"id" DESC'] };
        } else {
          const r = rel.limit !== undefined ? this.wrapTable(rel) : rel;
          return {
            ...r,
            order: stage.keys.map((k: SortKey) => ({
              column: this.tableColumn(r, k.field),
              descending: k.descending,
            })),
          };
        }
      case 'head':
        return { ...rel, limit: Math.min(rel.limit ?? Infinity, stage.count) };
      case 'fields':
        if (rel.kind === 'events') {
          const seen = new Set<string>();
          const fields = stage.fields
            .filter((f) => !seen.has(f.name) && seen.add(f.name))
            .map((f) => ({ name: f.name, sql: this.eventField(f).sql }));
          return { ...rel, fields };
        } else {
          const visible = [...new Set(stage.fields.map((f) => this.tableColumn(rel, f)))];
          return { ...rel, visible };
        }
      case 'stats':
        return this.aggregate(rel, stage.aggregations, stage.by, undefined, stage.position);
      case 'timechart':
        if (rel.kind === 'table') {
          throw new QuerySyntaxError('timechart works on events; put it before stats', stage.position);
        }
        return this.aggregate(rel, stage.aggregations, stage.by, this.spanOf(stage), stage.position);
    }
  }

  private spanOf(stage: Extract<Stage, { type: 'timechart' }>): number {
    if (stage.spanMs !== undefined) return stage.spanMs;
    const { from, to } = this.options;
    if (from === undefined) return DEFAULT_SPAN_MS;
    const width = (to ?? this.now) - from;
    return NICE_SPANS_MS.find((s) => width / s <= TARGET_BUCKETS) ?? NICE_SPANS_MS[NICE_SPANS_MS.length - 1]!;
  }

  private sortItems(o: Operand, descending: boolean): string[] {
    const dir = descending ? 'DESC' : 'ASC';
    if (o.type !== 'text') return [`${o.sql} ${dir} NULLS LAST`];
    // Text sorts numbers by value first (so "80" < "443"), then the rest as text; IPs by address.
    const first = o.ipNum ?? `TRY_CAST(${o.sql} AS DOUBLE)`;
    return [`${first} ${dir} NULLS LAST`, `${o.sql} ${dir} NULLS LAST`];
  }

  private nextName(prefix: string): string {
    return `${prefix}${++this.subqueries}`;
  }

  private eventsSelect(rel: EventsRelation, projection: string): string {
    let sql = `SELECT ${projection} FROM ${rel.from}`;
    if (rel.where.length > 0) sql += ` WHERE ${rel.where.join(' AND ')}`;
    if (rel.limit !== undefined) {
      sql += ` ORDER BY ${(rel.order ?? ['"time" DESC', '"id" DESC']).join(', ')}`;
      sql += ` LIMIT ${this.params.add(rel.limit)}`;
    }
    return sql;
  }

  /** The relation so far as a subquery, so the next stage sees exactly its rows. */
  private wrapEvents(rel: EventsRelation): EventsRelation {
    const from = `(${this.eventsSelect(rel, '*')}) AS ${this.nextName('e')}`;
    return {
      kind: 'events',
      from,
      where: [],
      ...(rel.order ? { order: rel.order } : {}),
      ...(rel.fields ? { fields: rel.fields } : {}),
    };
  }

  private tableOrder(rel: TableRelation, qualifier = rel.qualifier): string[] {
    // The group columns break ties after an explicit sort, so results are always in a stable order.
    const explicit = rel.order ?? [];
    const order = [
      ...explicit,
      ...rel.defaultOrder.filter((d) => !explicit.some((e) => e.column === d.column)),
    ];
    return order.flatMap(({ column, descending }) =>
      this.sortItems({ type: column.type, sql: `${qualifier}.${ident(column.alias)}` }, descending),
    );
  }

  private tableSelect(rel: TableRelation, projection: string, withOrder: boolean): string {
    let sql = `SELECT ${projection} FROM ${rel.from}`;
    if (rel.where.length > 0) sql += ` WHERE ${rel.where.join(' AND ')}`;
    const order = withOrder || rel.limit !== undefined ? this.tableOrder(rel) : [];
    if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;
    if (rel.limit !== undefined) sql += ` LIMIT ${this.params.add(rel.limit)}`;
    return sql;
  }

  private wrapTable(rel: TableRelation): TableRelation {
    const qualifier = this.nextName('t');
    const from = `(${this.tableSelect(rel, '*', false)}) AS ${qualifier}`;
    return { ...rel, from, qualifier, where: [], limit: undefined };
  }

  private aggregate(
    rel: Relation,
    aggregations: Aggregation[],
    by: FieldRef[],
    spanMs: number | undefined,
    position: number,
  ): TableRelation {
    let source: Relation = rel;
    if (rel.kind === 'events' && rel.limit !== undefined) source = this.wrapEvents(rel);
    if (rel.kind === 'table' && (rel.limit !== undefined || rel.where.length > 0))
      source = this.wrapTable(rel);
    const resolve = (ref: FieldRef): Operand =>
      source.kind === 'events' ? this.eventField(ref) : this.tableField(source, ref);

    const columns: TableColumn[] = [];
    const selects: string[] = [];
    const groupKeys: string[] = [];
    const where = [...source.where];
    const add = (name: string, type: OperandType, sql: string, at: number) => {
      if (columns.some((c) => c.name === name)) {
        throw new QuerySyntaxError(`duplicate column name ${JSON.stringify(name)}; rename one with as`, at);
      }
      const alias = `c${columns.length}`;
      columns.push({ alias, name, type });
      selects.push(`${sql} AS ${alias}`);
      return alias;
    };
    if (spanMs !== undefined) {
      const bucket = `time_bucket(to_milliseconds(${this.params.add(spanMs)}), "time", TIMESTAMP '${EPOCH_ORIGIN}')`;
      add('_time', 'time', bucket, position);
      groupKeys.push(String(columns.length));
    }
    for (const ref of by) {
      const o = resolve(ref);
      add(ref.name, o.type, o.sql, ref.position);
      groupKeys.push(String(columns.length));
      // As in Splunk, events without a group-by field are left out of the groups.
      where.push(`${o.sql} IS NOT NULL`);
    }
    const aggs = aggregations.length > 0 ? aggregations : [{ fn: 'count' as const, name: 'count', position }];
    for (const agg of aggs) {
      const { sql, type } = this.aggregation(agg, agg.field ? resolve(agg.field) : undefined);
      add(agg.name, type, sql, agg.position);
    }
    let sql = `SELECT ${selects.join(', ')} FROM ${source.from}`;
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
    if (groupKeys.length > 0) sql += ` GROUP BY ${groupKeys.join(', ')}`;
    const qualifier = this.nextName('t');
    const groupColumns = columns.slice(0, groupKeys.length);
    return {
      kind: 'table',
      from: `(${sql}) AS ${qualifier}`,
      qualifier,
      visible: columns,
      where: [],
      defaultOrder: groupColumns.map((column) => ({ column, descending: false })),
    };
  }

  private aggregation(agg: Aggregation, o: Operand | undefined): { sql: string; type: OperandType } {
    const needField = (): Operand => {
      if (!o) throw new QuerySyntaxError(`${agg.fn}() needs a field`, agg.position);
      return o;
    };
    switch (agg.fn) {
      case 'count':
        return { sql: o ? `count(${o.sql})` : 'count(*)', type: 'number' };
      case 'dc':
        return { sql: `count(DISTINCT ${needField().sql})`, type: 'number' };
      case 'sum':
      case 'avg': {
        const f = needField();
        if (f.type === 'time') {
          throw new QuerySyntaxError(
            `${agg.fn}() needs a numeric field, not a time`,
            agg.field?.position ?? agg.position,
          );
        }
        const arg = f.type === 'number' ? f.sql : `TRY_CAST(${f.sql} AS DOUBLE)`;
        return { sql: `${agg.fn}(${arg})`, type: 'number' };
      }
      case 'min':
      case 'max': {
        const f = needField();
        if (f.type !== 'text') return { sql: `${agg.fn}(${f.sql})`, type: f.type };
        const arg = agg.fn === 'min' ? 'arg_min' : 'arg_max';
        if (f.ipNum)
          return { sql: `coalesce(${arg}(${f.sql}, ${f.ipNum}), ${agg.fn}(${f.sql}))`, type: 'text' };
        // Text of numbers (JSON fields): by value when every value is a number, else as text.
        const num = `TRY_CAST(${f.sql} AS DOUBLE)`;
        return {
          sql: `CASE WHEN count(${num}) = count(${f.sql}) THEN ${arg}(${f.sql}, ${num}) ELSE ${agg.fn}(${f.sql}) END`,
          type: 'text',
        };
      }
    }
  }

  // ---- output ---------------------------------------------------------------------------------

  private finalLimit(rel: Relation): number {
    const requested = Math.min(rel.limit ?? Infinity, this.options.limit ?? Infinity);
    if (requested !== Infinity) return requested;
    return this.options.defaultLimit ?? (rel.kind === 'events' ? DEFAULT_EVENT_LIMIT : DEFAULT_TABLE_LIMIT);
  }

  private finish(rel: Relation, timechart: { spanMs: number } | undefined): CompiledQuery {
    const limit = this.finalLimit(rel);
    if (rel.kind === 'events') {
      const fields = rel.fields ?? [];
      const projection = [
        ...EVENT_RESULT_COLUMNS.map(ident),
        ...fields.map((f, i) => `${f.sql} AS ${ident(`f${i}`)}`),
      ].join(', ');
      const sql = this.eventsSelect({ ...rel, limit }, projection);
      return {
        ...compactParams(sql, this.params.values),
        kind: 'events',
        columns: [...EVENT_RESULT_COLUMNS, ...fields.map((f) => f.name)],
        ...(fields.length > 0 ? { fields: fields.map((f) => f.name) } : {}),
      };
    }
    const projection = rel.visible
      .map((c, i) => `${rel.qualifier}.${ident(c.alias)} AS ${ident(`c${i}`)}`)
      .join(', ');
    const sql = this.tableSelect({ ...rel, limit }, projection, true);
    return {
      ...compactParams(sql, this.params.values),
      kind: 'table',
      columns: rel.visible.map((c) => c.name),
      ...(timechart ? { timechart } : {}),
    };
  }
}

/** Whether a search names the fields that select the audit log (`source`, `data_class`). */
function namesAuditField(expr: Expr): boolean {
  switch (expr.type) {
    case 'and':
    case 'or':
      return expr.operands.some(namesAuditField);
    case 'not':
      return namesAuditField(expr.operand);
    case 'term':
      return false;
    default:
      return expr.field.name === 'source' || expr.field.name === 'data_class';
  }
}
