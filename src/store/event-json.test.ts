import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { benchEvent, createRng, generateDemo } from '../demo/generate.js';
import { tempDir } from '../e2e/harness.js';
import { ocsfEvent, OcsfClass } from '../normalize/ocsf.js';
import { processRecord } from '../pipeline/process.js';
import { runSearch } from '../query/search.js';
import { EventStore } from './duckdb.js';
import { restoreEvent, storedEventJson } from './event-json.js';
import { EVENT_COLUMNS } from './schema.js';

/** Demo and bench records normalized, as the pipeline would store them. */
function sampleEvents() {
  const start = Date.UTC(2026, 2, 2, 8);
  const demo = generateDemo({ seed: 7, start, durationMs: 3 * 3600_000 });
  const rng = createRng(3);
  const texts = [
    ...demo.map((r) => ({ text: r.text, format: r.format })),
    ...Array.from({ length: 300 }, (_, i) => ({ text: benchEvent(rng, i), format: 'json' })),
  ];
  return texts.map(({ text, format }, i) => {
    const out = processRecord(
      { text, position: `record ${i}`, format },
      { source: 'test', receivedAt: start + i },
    );
    assert.ok(out.ok, `record ${i} normalizes`);
    return out;
  });
}

describe('data column: what the typed columns hold is stored once', () => {
  test('strip then restore gives back the event exactly (pure)', () => {
    const events = sampleEvents();
    assert.ok(events.length > 500);
    let stripped = 0;
    for (const out of events) {
      if (!out.ok) continue;
      const event = structuredClone(out.event);
      event.metadata.uid = '42';
      const stored = new Map<string, unknown>();
      for (const c of EVENT_COLUMNS) {
        const v = c.paths
          .map((p) => p.split('.').reduce<unknown>((n, k) => (n as never)?.[k], event))
          .find((x) => typeof x === 'string' || typeof x === 'number');
        if (v !== undefined) stored.set(c.name, c.type === 'VARCHAR' ? String(v) : v);
      }
      const before = JSON.stringify(event);
      const json = storedEventJson(event, stored, true);
      assert.equal(JSON.stringify(event), before, 'the event is left as it was');
      if (!json.includes('"time"')) stripped++;
      const back = restoreEvent(
        JSON.parse(json) as Record<string, unknown>,
        (name) => stored.get(name) ?? null,
      );
      (back.metadata as Record<string, unknown>).uid = '42';
      const { raw_data: _r, ...expected } = event;
      assert.deepEqual(back, JSON.parse(JSON.stringify(expected)));
    }
    assert.equal(stripped, events.length, 'time is held by its column, not in data');
  });

  test('a value a column cannot give back unchanged stays in data', () => {
    const event = ocsfEvent(
      OcsfClass.BaseEvent,
      { id: 0, name: 'Unknown' },
      { time: 1.5, metadata: { product: { name: 'x' } } },
    );
    Object.assign(event, { message: 42, observables: [{ name: 'message', type_id: 99, value: 'other' }] });
    const stored = new Map<string, unknown>([
      ['time', 1.5],
      ['message', '42'],
    ]);
    const data = JSON.parse(storedEventJson(event, stored, true)) as Record<string, unknown>;
    assert.equal(data.time, 1.5, 'fractional ms: the TIMESTAMP column rounds');
    assert.equal(data.message, 42, 'a number in a text column');
    assert.deepEqual(data.observables, [{ name: 'message', type_id: 99, value: 'other' }]);
  });

  test('through the real store, search returns every event as it was normalized', async () => {
    const dir = tempDir('event-json');
    const store = await EventStore.open(dir);
    try {
      const events = sampleEvents().flatMap((o) => (o.ok ? [o] : []));
      const expected = events.map((o) => structuredClone(o.event));
      await store.append(events.map((o) => ({ event: o.event, source: 'test', format: o.format })));
      const result = await runSearch(store, '*', { limit: 100_000, from: 0, to: Date.UTC(2100, 0) });
      assert.equal(result.kind, 'events');
      if (result.kind !== 'events') return;
      assert.equal(result.events.length, expected.length);
      const byId = new Map(result.events.map((e) => [(e.metadata as { uid: string }).uid, e]));
      for (const [i, original] of expected.entries()) {
        const got = byId.get(String(i + 1));
        assert.ok(got, `event ${i + 1} found`);
        const { source, ...rest } = got;
        assert.equal(source, 'test');
        original.metadata.uid = String(i + 1);
        assert.deepEqual(
          JSON.parse(JSON.stringify(rest)),
          JSON.parse(JSON.stringify(original)),
          `event ${i + 1}`,
        );
      }
    } finally {
      await store.close();
    }
  });
});
