/**
 * Property: for any query, what a developer (data class `application`) gets from a store holding
 * every class is exactly what anybody gets from a store holding the application events alone:
 * the same events, the same counts, the same errors. Queries are built from a grammar that aims
 * at the other classes (their marker words, fields, sources, negations, OR, pipelines) and from
 * hostile text. Runs: VIGIL_FUZZ_ITERATIONS (default 200 here: each run is two DuckDB queries).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { runSearch, type SearchResult } from '../query/search.js';
import { hostileText } from '../testing/fuzz.js';
import { mixedStores, T, type MixedStores } from './access.testing.js';

const RUNS = Number(process.env.VIGIL_FUZZ_ITERATIONS ?? 200);
const NOW = T + 3_600_000;

let stores: MixedStores;
before(async () => {
  stores = await mixedStores();
});
after(async () => stores.close());

const word = fc.constantFrom(
  'SECMARK',
  'APPMARK',
  'AUDMARK',
  'dave',
  'root',
  '198.51.100.7',
  'login',
  'ok',
  'security',
  'audit',
  'otlp',
  'OpenTelemetry',
  '*',
  '*MARK*',
  'S?CMARK',
);
const field = fc.constantFrom(
  'user',
  'host',
  'source',
  'message',
  'raw_data',
  'product',
  'metadata.log_provider',
  'metadata.product.name',
  'data_class',
  'action',
  'result',
  'unmapped.action',
  'class_uid',
  'src_ip',
  'severity_id',
  'time',
  'id',
);
const atom = fc.oneof(
  word,
  fc.tuple(field, fc.constantFrom('=', '!=', '>', '<'), word).map(([f, op, w]) => `${f}${op}${w}`),
  fc.tuple(field, word).map(([f, w]) => `${f}="${w}"`),
  fc.tuple(field, fc.constantFrom('/MARK/', '/(?i)secmark/', '/.*/')).map(([f, r]) => `${f}=${r}`),
  fc.tuple(field, word, word).map(([f, a, b]) => `${f} IN (${a}, ${b})`),
);
const search: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} OR ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a} ${b}`),
    tie('expr').map((e) => `NOT ${e}`),
  ),
})).expr;
const stage = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('count()', 'dc(user)', 'max(id)', 'min(time)', 'count(user) as n'),
      fc.option(field),
    )
    .map(([agg, by]) => `stats ${agg}${by ? ` by ${by}` : ''}`),
  fc.constantFrom('timechart span=1h count()', 'timechart span=1m count() by source'),
  fc.constantFrom('head 2', 'head 100', 'sort -time', 'sort user', 'fields user, raw_data, message'),
  fc.tuple(field, word).map(([f, w]) => `where ${f}=${w}`),
  fc.constantFrom('where count > 0', 'where n >= 1'),
);
const query = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(search, fc.array(stage, { maxLength: 3 })).map(([s, st]) => [s, ...st].join(' | ')),
  },
  { weight: 1, arbitrary: hostileText },
);

type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; error: string };

async function outcome(run: () => Promise<SearchResult>): Promise<Outcome> {
  try {
    const { elapsedMs: _e, ...result } = await run();
    return { ok: true, result };
  } catch (error) {
    return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

test('a developer sees by any query exactly what an application-only store shows', async () => {
  await fc.assert(
    fc.asyncProperty(query, async (q: string) => {
      const options = { now: NOW, limit: 1000 };
      const scoped = await outcome(() =>
        runSearch(stores.mixed, q, { ...options, dataClasses: ['application'] }),
      );
      const oracle = await outcome(() => runSearch(stores.appOnly, q, options));
      assert.deepEqual(scoped, oracle, q);
      if (scoped.ok && scoped.result.kind === 'events') {
        for (const e of scoped.result.events as Record<string, unknown>[])
          assert.ok(stores.appIds.has(String((e.metadata as { uid: string }).uid)), q);
      }
    }),
    { numRuns: RUNS, ...(process.env.VIGIL_FUZZ_SEED ? { seed: Number(process.env.VIGIL_FUZZ_SEED) } : {}) },
  );
});

test('the property can fail: without the scope, the mixed store shows more', async () => {
  const unscoped = await runSearch(stores.mixed, 'SECMARK', { now: NOW });
  const oracle = await runSearch(stores.appOnly, 'SECMARK', { now: NOW });
  assert.notDeepEqual(
    unscoped.kind === 'events' ? unscoped.events.length : 0,
    oracle.kind === 'events' ? oracle.events.length : 0,
  );
});
