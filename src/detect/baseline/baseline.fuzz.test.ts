import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ocsfEvent, OcsfClass, type OcsfClassInfo, type OcsfEvent } from '../../normalize/ocsf.js';
import { fuzzOptions, hostileText } from '../../testing/fuzz.js';
import { BUILTIN_PAIRS, BUILTIN_SERIES } from './builtins.js';
import { FirstSeenDetector } from './first-seen.js';
import { RateBaseline } from './rate.js';
import { baselineConfig, DAY, T0 } from './testkit.js';

// Small caps, so the fuzzer reaches them.
const CAPS = {
  max_entities: 8,
  max_event_ids: 3,
  history: 5,
  min_history: 2,
  min_value: 1,
  bucket: '1m',
  lateness: '30s',
};
const MAX_PAIRS = 16;

function analyzers(): (RateBaseline | FirstSeenDetector)[] {
  const config = baselineConfig({
    baselines: BUILTIN_SERIES.map((s) => ({ ...s, ...CAPS, min_spread: 0 })),
    first_seen: BUILTIN_PAIRS.map((p) => ({ ...p, max_pairs: MAX_PAIRS, learning_period: '1h' })),
  });
  return [
    ...config.baselines!.map((s) => new RateBaseline(s, config.sensitivity)),
    ...config.first_seen!.map((p) => new FirstSeenDetector(p, config.learning_period)),
  ];
}

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const text = fc.oneof(
  pick('alice', 'bob', 'build-1', 'ws01', 'FR', ''),
  hostileText,
  fc.integer().map(String),
);
const anything = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 2 }),
);
const ip = fc.oneof(pick('8.8.8.8', '10.0.0.1', '2606:4700::1', 'fe80::1', '1.1.1.1', '185.220.101.4'), text);
const time = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -2 * DAY, max: 2 * DAY }).map((d) => T0 + d) },
  { weight: 1, arbitrary: pick(NaN, Infinity, -Infinity, 0, -0, 1e300, -1e300, Number.MAX_VALUE) },
);

const event: fc.Arbitrary<[OcsfEvent, number]> = fc
  .record({
    cls: pick<OcsfClassInfo>(
      OcsfClass.Authentication,
      OcsfClass.NetworkActivity,
      OcsfClass.DnsActivity,
      OcsfClass.HttpActivity,
    ),
    time,
    status: fc.oneof(pick<unknown>(1, 2, '2'), anything),
    user: fc.oneof(text, anything),
    host: fc.oneof(pick('build-1', 'ws01', 'ci-runner'), anything),
    src: ip,
    dst: ip,
    bytes: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), anything),
    domain: fc.oneof(pick('a.example', 'b.example'), text),
    country: fc.oneof(pick('FR', 'DE', 'US'), anything),
    uid: fc.option(fc.nat().map(String)),
  })
  .map((r) => {
    const e = ocsfEvent(r.cls, { id: 1 }, { time: r.time, metadata: { product: { name: 'fuzz' } } });
    if (r.uid !== null) e.metadata.uid = r.uid;
    e.status_id = r.status as number;
    e.user = { name: r.user };
    e.device = { hostname: r.host };
    e.src_endpoint = { ip: r.src, location: { country: r.country } };
    e.dst_endpoint = { ip: r.dst };
    e.traffic = { bytes_out: r.bytes };
    e.query = { hostname: r.domain };
    return [e, r.time];
  });

function bounded(a: RateBaseline | FirstSeenDetector): void {
  if (a instanceof RateBaseline) {
    const s = a.stats();
    assert.ok(s.entities <= CAPS.max_entities, `${a.name}: ${s.entities} entities`);
    // Open buckets: the current one and those still within the lateness (30 s of 1 m buckets).
    assert.ok(s.openBuckets <= s.entities * 2, `${a.name}: ${s.openBuckets} open buckets`);
  } else {
    assert.ok(a.stats().known <= MAX_PAIRS, `${a.name}: ${a.stats().known} pairs`);
  }
}

describe('learned detectors under arbitrary event streams', () => {
  test('never throw, stay within their caps, and a restored copy behaves identically', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), fc.nat(), (events, cutAt) => {
        const cut = events.length === 0 ? 0 : cutAt % events.length;
        const first = analyzers();
        const copies = analyzers();
        for (const [e, t] of events.slice(0, cut)) for (const a of first) a.observe(e, t);
        first.forEach((a, i) => copies[i]!.restore(JSON.parse(JSON.stringify(a.snapshot()))));
        first.forEach((a, i) =>
          assert.equal(JSON.stringify(copies[i]!.snapshot()), JSON.stringify(a.snapshot())),
        );
        for (const [e, t] of events.slice(cut))
          first.forEach((a, i) => {
            const signals = a.observe(e, t);
            assert.equal(JSON.stringify(copies[i]!.observe(e, t)), JSON.stringify(signals));
            for (const s of signals) {
              assert.ok(s.eventIds.length <= CAPS.max_event_ids);
              assert.ok(Object.values(s.entities).every((v) => typeof v === 'string' && v.length > 0));
            }
          });
        first.forEach(bounded);
      }),
      fuzzOptions(),
    );
  });

  test('a long stream of distinct entities and pairs stays bounded', () => {
    const list = analyzers();
    for (let i = 0; i < 20_000; i++) {
      const e = ocsfEvent(
        OcsfClass.NetworkActivity,
        { id: 1 },
        { time: T0 + i * 10, metadata: { product: { name: 'x' }, uid: String(i) } },
      );
      e.device = { hostname: `build-${i}` };
      e.src_endpoint = { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
      e.dst_endpoint = { ip: `8.8.${(i >> 8) & 255}.${i & 255}` };
      e.traffic = { bytes_out: i };
      e.process = { name: `p${i}` };
      for (const a of list) a.observe(e, e.time);
    }
    list.forEach(bounded);
    assert.ok(list.some((a) => a instanceof FirstSeenDetector && a.stats().evicted > 0));
    assert.ok(list.some((a) => a instanceof RateBaseline && a.stats().evicted > 0));
  });
});
