import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import type { SpanRecord } from './model.js';
import { Sampler, samplingConfigSchema, traceFraction } from './sampling.js';
import { SpanStore, withDepth } from './store.js';

let next = 1;
function span(traceId: string, extra: Partial<SpanRecord> = {}): SpanRecord {
  const startNs = 1_700_000_000_000_000_000n + BigInt(next) * 1000n;
  return {
    traceId,
    spanId: (next++).toString(16).padStart(16, '0'),
    name: 'GET /items',
    kind: 2,
    service: 'shop',
    startNs,
    endNs: startNs + 5_000_000n,
    statusCode: 0,
    statusMessage: '',
    attributes: {},
    resource: { 'service.name': 'shop' },
    scope: { name: 't' },
    events: [],
    links: [],
    ...extra,
  };
}
/** A trace id whose sampling fraction is `f` (low 52 bits). */
const traceAt = (f: number) =>
  Math.floor(f * 2 ** 52)
    .toString(16)
    .padStart(32, '0');

test('head sampling is deterministic by trace id; security spans are always kept', async () => {
  const kept: SpanRecord[] = [];
  const sampler = new Sampler(
    { writeSpans: async (s) => void kept.push(...s) },
    samplingConfigSchema.parse({ head_ratio: 0.25 }),
  );
  assert.equal(traceFraction(traceAt(0.5)), 0.5);
  await sampler.writeSpans([
    span(traceAt(0.1)),
    span(traceAt(0.6)),
    span(traceAt(0.6), { name: 'POST /login' }),
  ]);
  assert.deepEqual(
    kept.map((s) => [s.traceId, s.name]),
    [
      [traceAt(0.1), 'GET /items'],
      [traceAt(0.6), 'POST /login'],
    ],
  );
  assert.deepEqual(sampler.stats(), {
    sampled: 2,
    dropped: 1,
    securityKept: 0,
    earlyDecisions: 0,
    waitingTraces: 0,
    droppedLogs: 0,
  });
  assert.equal(sampler.keepLog(traceAt(0.6), ['cache warmed'], {}), false);
  assert.equal(sampler.keepLog(traceAt(0.6), ['x'], { 'authz.decision': 'deny' }), true);
  assert.equal(sampler.keepLog(undefined, [], {}), true);
});

test('tail sampling keeps errors, slow traces, flagged entities, security; the rest at the ratio', async () => {
  let now = 0;
  const kept: SpanRecord[] = [];
  const sampler = new Sampler(
    { writeSpans: async (s) => void kept.push(...s) },
    samplingConfigSchema.parse({
      tail: {
        decision_wait_s: 1,
        latency_threshold_ms: 100,
        keep_ratio: 0.2,
        flagged: { 'enduser.id': ['mallory'] },
        max_traces: 100,
      },
    }),
    { now: () => now },
  );
  const error = traceAt(0.9);
  const slow = traceAt(0.91);
  const flagged = traceAt(0.92);
  const security = traceAt(0.93);
  const lucky = traceAt(0.1);
  const dull = traceAt(0.95);
  await sampler.writeSpans([
    span(error),
    span(error, { statusCode: 2 }),
    span(slow, { endNs: 1_700_000_000_000_000_000n + 10n ** 9n }),
    span(flagged, { attributes: { 'enduser.id': 'mallory' } }),
    span(lucky),
    span(dull),
    span(dull),
  ]);
  // A security span is written at once and keeps its whole trace.
  await sampler.writeSpans([span(security), span(security, { attributes: { 'auth.method': 'password' } })]);
  assert.deepEqual(
    kept.map((s) => s.traceId),
    [security],
  );
  assert.equal(sampler.stats().waitingTraces, 6);
  now = 500;
  sampler.decideDue();
  assert.equal(sampler.stats().waitingTraces, 6, 'nothing is due before the wait');
  now = 1000;
  sampler.decideDue();
  await sampler.flush();
  assert.deepEqual(new Set(kept.map((s) => s.traceId)), new Set([error, slow, flagged, security, lucky]));
  assert.equal(kept.filter((s) => s.traceId === error).length, 2);
  // A late span follows its trace's decision.
  await sampler.writeSpans([span(dull), span(error)]);
  const stats = sampler.stats();
  assert.equal(stats.dropped, 3);
  assert.equal(stats.sampled, 8);
  assert.equal(stats.securityKept, 1);
});

test('tail sampling memory is bounded: over max_traces the oldest trace is decided early', async () => {
  const kept: SpanRecord[] = [];
  const sampler = new Sampler(
    { writeSpans: async (s) => void kept.push(...s) },
    samplingConfigSchema.parse({ tail: { max_traces: 2, keep_ratio: 1 } }),
  );
  await sampler.writeSpans([span(traceAt(0.1)), span(traceAt(0.2)), span(traceAt(0.3)), span(traceAt(0.4))]);
  assert.equal(sampler.stats().waitingTraces, 2);
  assert.equal(sampler.stats().earlyDecisions, 2);
  await sampler.close();
  assert.equal(kept.length, 4);
});

test('span store: batches, trace summaries with filters, spans in start order with depth', async () => {
  const dir = tempDir('vigil-spans-');
  const store = await SpanStore.open(dir);
  try {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const root = span(a, { name: 'checkout', attributes: { 'enduser.id': 'alice' } });
    const child = span(a, { parentSpanId: root.spanId, service: 'payments', statusCode: 2, name: 'charge' });
    const grandchild = span(a, {
      parentSpanId: child.spanId,
      name: 'db',
      attributes: { 'db.system': 'pg' },
      endNs: root.startNs + 200_000_000n,
    });
    await store.writeSpans([grandchild, root]);
    await store.writeSpans([child, span(b, { name: 'health' })]);
    assert.equal(await store.count(), 4);
    const all = await store.listTraces();
    assert.deepEqual(
      all.map((t) => t.traceId),
      [b, a],
      'newest first',
    );
    const [summary] = await store.listTraces({ user: 'alice' });
    assert.equal(summary!.traceId, a);
    assert.equal(summary!.rootName, 'checkout');
    assert.deepEqual(summary!.services, ['payments', 'shop']);
    assert.equal(summary!.spanCount, 3);
    assert.equal(summary!.error, true);
    assert.ok(Math.abs(summary!.durationMs - 200) < 0.01, String(summary!.durationMs));
    assert.deepEqual(
      (await store.listTraces({ status: 'ok' })).map((t) => t.traceId),
      [b],
    );
    assert.deepEqual(
      (await store.listTraces({ minDurationMs: 100 })).map((t) => t.traceId),
      [a],
    );
    assert.deepEqual(
      (await store.listTraces({ maxDurationMs: 100 })).map((t) => t.traceId),
      [b],
    );
    assert.deepEqual(
      (await store.listTraces({ attributes: { 'db.system': 'pg' } })).map((t) => t.traceId),
      [a],
    );
    assert.deepEqual((await store.listTraces({ attributes: { 'db.system': "pg' OR 1=1 --" } })).length, 0);
    assert.deepEqual(
      (await store.listTraces({ service: 'payments' })).map((t) => t.traceId),
      [a],
    );
    assert.equal((await store.listTraces({ from: Date.now() })).length, 0);
    const spans = await store.getTrace(a.toUpperCase());
    assert.deepEqual(
      spans.map((s) => [s.name, s.depth]),
      [
        ['checkout', 0],
        ['charge', 1],
        ['db', 2],
      ],
    );
    assert.deepEqual(spans[2]!.attributes, { 'db.system': 'pg' });
    assert.deepEqual(await store.getTrace('not-an-id'), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('depth: orphans are roots, cycles end', () => {
  const s = (spanId: string, parentSpanId: string | null) => ({ spanId, parentSpanId, depth: -1 });
  assert.deepEqual(
    withDepth([s('a', null), s('b', 'a'), s('c', 'b'), s('d', 'missing'), s('x', 'y'), s('y', 'x')]).map(
      (x) => x.depth,
    ),
    [0, 1, 2, 0, 1, 0],
  );
});
