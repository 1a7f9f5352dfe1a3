/**
 * Fuzzing the query language end to end: random, mutated and grammar-built queries must either
 * compile or fail with a QuerySyntaxError, never anything else; every compiled query must carry no
 * user text in its SQL, and must run on DuckDB (only conversion errors are acceptable at run time).
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DuckDBValue } from '@duckdb/node-api';
import { compileQuery, QuerySyntaxError, SQL_STRING_LITERALS, type CompiledQuery } from './compile.js';
import { createFixtureDb, T0 } from './fixture-events.js';
import { EVENT_COLUMNS, ipNumberColumn } from '../store/schema.js';
import { FUZZ_RUNS, fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';

const NOW = T0 + 3 * 3_600_000;
const { instance, conn } = await createFixtureDb();
after(() => {
  conn.closeSync();
  instance.closeSync();
});

const IDENTIFIERS = new Set(EVENT_COLUMNS.flatMap((c) => (c.ip ? [c.name, ipNumberColumn(c)] : [c.name])));

/** The SQL is built from the compiler's own constants, whitelisted names and placeholders only. */
function assertSqlShape(compiled: CompiledQuery): void {
  const { sql, params } = compiled;
  assert.match(sql, /^SELECT [\x20-\x7e]+$/, 'SQL is one printable-ASCII SELECT');
  for (const [, literal] of sql.matchAll(/'((?:[^']|'')*)'/g)) {
    assert.ok(SQL_STRING_LITERALS.has(literal!), `unexpected string literal in SQL: '${literal}'`);
  }
  for (const [, name] of sql.replace(/'(?:[^']|'')*'/g, "''").matchAll(/"((?:[^"]|"")*)"/g)) {
    assert.ok(IDENTIFIERS.has(name!) || /^[cf]\d+$/.test(name!), `unexpected identifier in SQL: "${name}"`);
  }
  const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  assert.deepEqual(
    [...used].sort((a, b) => a - b),
    params.map((_, i) => i + 1),
    'every parameter is used, and only those',
  );
  for (const p of params) assert.ok(typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p)));
}

function compileOrSyntaxError(query: string, options = {}): CompiledQuery | undefined {
  try {
    const compiled = compileQuery(query, { now: NOW, ...options });
    assertSqlShape(compiled);
    return compiled;
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      assert.ok(Number.isInteger(error.position) && error.position >= 0 && error.position <= query.length);
      return undefined;
    }
    throw error;
  }
}

/** Runs the query; DuckDB may only refuse a value conversion, never the SQL itself. */
async function runOnDuckDb(compiled: CompiledQuery, query: string): Promise<void> {
  try {
    await conn.runAndReadAll(compiled.sql, compiled.params as DuckDBValue[]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/^Conversion Error/.test(message)) return;
    assert.fail(`DuckDB refused the compiled SQL of ${JSON.stringify(query)}: ${message}\n${compiled.sql}`);
  }
}

const SAMPLES = [
  'mimikatz',
  '"quoted phrase" powershell*',
  'user=admin* AND src_ip=10.0.0.0/8',
  'src_ip=2001:db8::/32 OR dst_ip=fe80::/10',
  'NOT (source=zeek OR source=winlog) severity_id>=4',
  'cmd_line=/power.*shell\\s+-enc/i',
  'user IN (alice, "bob", /^adm/) | stats count() by user',
  'unmapped.Image=C:\\Windows\\System32\\\\* | fields user, unmapped.CommandLine',
  '`Event Data`=* | sort -time | head 5',
  'EventID=4625 | stats count() as failures, dc(src_ip) by user, host | where failures > 2 | sort -failures',
  '| timechart span=5m count() by source',
  'time>=-1h time<now | stats min(orig_bytes), max(orig_bytes), avg(orig_bytes), sum(orig_bytes) by proto',
  'src_port>=1024 dst_port IN (22, 3389) | sort src_ip, -dst_port | head 20',
  'id.orig_h=10.0.0.* | stats count() by id.orig_h | sort -count | head 3 | fields count',
];

const fuzzRuns = (fraction: number) => ({
  ...fuzzOptions(),
  numRuns: Math.max(50, Math.round(FUZZ_RUNS * fraction)),
});

/**
 * Every compiled query is checked; one in four (chosen by a hash of the text, so the choice is stable
 * while fast-check shrinks a failure) also runs on DuckDB, which costs a few milliseconds each.
 */
function sampled(text: string): boolean {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h & 3) === 0;
}

// ---- a generator of queries that follow the grammar, with awkward values --------------------------

const field = fc.constantFrom(
  'user',
  'host',
  'src_ip',
  'dst_ip',
  'src_port',
  'dst_port',
  'time',
  'ingest_time',
  'severity_id',
  'message',
  'raw_data',
  'id',
  'pid',
  'cmd_line',
  'unmapped.EventID',
  'EventID',
  'orig_bytes',
  'id.orig_h',
  'query.hostname',
  'cloud.region',
  'IpAddress',
  '`Event Data`',
  '`we"ird`',
  "`a b.c'd`",
);
const op = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');
const regexAtom = fc.constantFrom(
  'a',
  '.',
  '*',
  '+',
  '?',
  '(',
  ')',
  '[a-z]',
  '\\d',
  '|',
  '^',
  '$',
  '{2}',
  '\\/',
  '(?i)',
  'é',
);
/** Mostly valid RE2: atoms with optional quantifiers, grouped or alternated. */
const validRegex = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.constantFrom('a', 'x', '.', '[a-z]', '[^/]', '\\d', '\\w', '\\.', '\\/', 'é', '(?:ad|ex)', '\\\\'),
        fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '*?'),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    fc.constantFrom('', '^', '(?i)'),
    fc.constantFrom('', '$', '|min'),
  )
  .map(([pieces, head, tail]) => `${head}${pieces.map(([a, q]) => a + q).join('')}${tail}`);
const scalar = fc.oneof(
  fc.constantFrom(
    'admin',
    'ADMIN',
    '10.0.0.0/8',
    '192.168.1.0/24',
    '2001:db8::/32',
    '10.0.0.5',
    'fe80::1',
    '::ffff:10.1.2.3',
    '443',
    '-5',
    '1.5',
    '1e3',
    '1e999',
    '99999999999999999999999',
    '340282366920938463463374607431768211456',
    'NaN',
    '-1h',
    'now-2d@d',
    'now',
    '2024-05-01T12:00:00Z',
    '2024-05-01',
    '1714564800',
    '*',
    '**',
    'adm*',
    '?ob',
    '"a b"',
    '"x\\"y"',
    "'single'",
    '"10.0.0.0/8"',
    'C:\\Windows\\\\*',
    '\\*',
    '100%',
    'a_b',
    '""',
    'tcp',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.:%-]{1,12}$/),
);
/** After = and != (and in IN lists) a value may also be a regex: mostly valid ones, some junk. */
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  {
    weight: 3,
    arbitrary: fc.tuple(validRegex, fc.constantFrom('', 'i')).map(([re, flags]) => `/${re}/${flags}`),
  },
  {
    weight: 1,
    arbitrary: fc.array(regexAtom, { minLength: 1, maxLength: 6 }).map((atoms) => `/${atoms.join('')}/`),
  },
);
const comparison = fc.oneof(
  fc.tuple(field, fc.constantFrom('=', '!='), value).map(([f, o, v]) => `${f}${o}${v}`),
  fc.tuple(field, fc.constantFrom('<', '<=', '>', '>='), scalar).map(([f, o, v]) => `${f}${o}${v}`),
  fc
    .tuple(field, fc.array(value, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([f, vs, not]) => `${f}${not ? ' NOT' : ''} IN (${vs.join(', ')})`),
);
const term = fc.oneof(
  fc.constantFrom(
    'mimikatz',
    '"quoted phrase"',
    'power*',
    '100%',
    'a\\*b',
    '*',
    'ärger',
    '"he said \\"hi\\""',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.%-]{1,10}$/),
);
const { expr } = fc.letrec<{ expr: string; leaf: string }>((tie) => ({
  leaf: fc.oneof({ weight: 3, arbitrary: comparison }, { weight: 1, arbitrary: term }),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc
      .tuple(tie('expr'), fc.constantFrom(' ', ' AND ', ' OR '), tie('expr'))
      .map(([a, o, b]) => `${a}${o}${b}`),
    tie('expr').map((e) => `NOT ${e}`),
    tie('expr').map((e) => `(${e})`),
  ),
}));
const sortKey = fc.tuple(fc.constantFrom('', '-', '+'), field).map(([s, f]) => `${s}${f}`);
const eventStage = fc.oneof(
  expr.map((e) => `| where ${e}`),
  fc.array(sortKey, { minLength: 1, maxLength: 3 }).map((keys) => `| sort ${keys.join(', ')}`),
  fc.integer({ min: 0, max: 50 }).map((n) => `| head ${n}`),
  fc.array(field, { minLength: 1, maxLength: 3 }).map((fs) => `| fields ${fs.join(', ')}`),
);
const aggregation = fc.oneof(
  fc.constant('count()'),
  fc.tuple(fc.constantFrom('count', 'dc', 'min', 'max', 'avg', 'sum'), field).map(([fn, f]) => `${fn}(${f})`),
);
const aggregate = fc.oneof(
  fc
    .tuple(
      fc.uniqueArray(aggregation, { minLength: 1, maxLength: 3 }),
      fc.uniqueArray(field, { maxLength: 2 }),
    )
    .map(([aggs, by]) => `| stats ${aggs.join(', ')}${by.length ? ` by ${by.join(', ')}` : ''}`),
  fc
    .tuple(
      fc.constantFrom('', 'span=1s ', 'span=5m ', 'span=1h ', 'span=1d '),
      fc.uniqueArray(aggregation, { maxLength: 2 }),
      fc.option(field),
    )
    .map(([span, aggs, by]) => `| timechart ${span}${aggs.join(', ')}${by ? ` by ${by}` : ''}`),
);
const tableStage = fc.oneof(
  fc.constantFrom(
    '| sort -count',
    '| sort count()',
    '| head 3',
    '| where count > 1',
    '| where count() >= 2 OR count=1',
    '| fields count',
  ),
  fc
    .tuple(fc.constantFrom('count', 'count()'), op, fc.constantFrom('1', '2.5', '"3"', '*', 'x*'))
    .map(([c, o, v]) => `| where ${c}${o}${v}`),
);
const query = fc
  .tuple(
    fc.option(expr, { nil: '' }),
    fc.array(eventStage, { maxLength: 2 }),
    fc.option(aggregate, { nil: '' }),
    fc.array(tableStage, { maxLength: 2 }),
  )
  .map(([search, events, agg, tables]) =>
    [search, ...events, agg, ...(agg ? tables : [])].filter(Boolean).join(' '),
  );
const window = fc.option(
  fc.tuple(fc.integer({ min: -48, max: 4 }), fc.integer({ min: 1, max: 72 })).map(([start, hours]) => ({
    from: T0 + start * 3_600_000,
    to: T0 + (start + hours) * 3_600_000,
  })),
  { nil: {} },
);

describe('query fuzzing', () => {
  test('hostile text: QuerySyntaxError or SQL of the right shape, never another exception', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        compileOrSyntaxError(text);
      }),
      fuzzOptions(),
    );
  });

  test('mutated realistic queries compile or fail cleanly, and compiled ones run on DuckDB', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedText(SAMPLES), async (text) => {
        const compiled = compileOrSyntaxError(text);
        if (compiled && sampled(text)) await runOnDuckDb(compiled, text);
      }),
      fuzzRuns(0.5),
    );
  });

  test('grammar-built queries: compiled SQL always runs on DuckDB, and compiling is deterministic', async () => {
    let compiledCount = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(query, window, async (text, options) => {
        total++;
        const compiled = compileOrSyntaxError(text, options);
        if (!compiled) return;
        compiledCount++;
        assert.deepEqual(compileQuery(text, { now: NOW, ...options }), compiled);
        if (sampled(text)) await runOnDuckDb(compiled, text);
      }),
      fuzzRuns(0.5),
    );
    // The generator must mostly produce valid queries, or this test would prove little about DuckDB.
    assert.ok(compiledCount / total > 0.4, `only ${compiledCount} of ${total} generated queries compiled`);
  });

  test('the sample queries all compile and run', async () => {
    for (const text of SAMPLES) {
      const compiled = compileOrSyntaxError(text);
      assert.ok(compiled, text);
      await runOnDuckDb(compiled, text);
    }
  });
});
