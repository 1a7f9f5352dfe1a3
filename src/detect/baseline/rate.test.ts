import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OcsfEvent } from '../../normalize/ocsf.js';
import type { Signal } from '../signal.js';
import { RateBaseline } from './rate.js';
import { median, robustStats, threshold } from './robust.js';
import { connection, failedLogin, MINUTE, HOUR, resetUids, rng, series, T0 } from './testkit.js';

const FIVE = 5 * MINUTE;

const logins = (extra: Record<string, unknown> = {}) =>
  series({
    name: 'failed_logins',
    filter: { class_uid: [3002], where: { status_id: 2 } },
    entity: ['user.name'],
    bucket: '5m',
    history: 48,
    min_value: 1,
    ...extra,
  });

function run(analyzer: RateBaseline, events: OcsfEvent[]): Signal[] {
  return events.flatMap((e) => analyzer.observe(e, e.time));
}

/** `buckets` buckets of background: each user fails `count(user, bucket)` times, spread over the bucket. */
function background(
  users: string[],
  buckets: number,
  count: (user: string, bucket: number) => number,
  start = T0,
): OcsfEvent[] {
  const events: OcsfEvent[] = [];
  for (let b = 0; b < buckets; b++)
    for (const user of users) {
      const n = count(user, b);
      for (let i = 0; i < n; i++)
        events.push(failedLogin(start + b * FIVE + Math.floor(((i + 0.5) * FIVE) / n), user));
    }
  return events.sort((a, b) => a.time - b.time);
}

function spike(user: string, at: number, n: number): OcsfEvent[] {
  return Array.from({ length: n }, (_, i) => failedLogin(at + i * 1000, user));
}

describe('robust statistics', () => {
  test('median and MAD', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.deepEqual(robustStats([1, 1, 2, 2, 4, 6, 9]), { median: 2, mad: 1, n: 7 });
    // One outlier barely moves them.
    assert.deepEqual(robustStats([5, 5, 6, 4, 5, 1000]), { median: 5, mad: 0.5, n: 6 });
  });

  test('threshold: median + k·1.4826·MAD, with floors for steady series', () => {
    const options = { sensitivity: 3, minSpread: 1, minSpreadRatio: 0.1 };
    assert.equal(threshold({ median: 10, mad: 2, n: 9 }, options).threshold, 10 + 3 * 1.4826 * 2);
    assert.equal(threshold({ median: 10, mad: 0, n: 9 }, options).threshold, 13);
    assert.equal(threshold({ median: 100, mad: 0, n: 9 }, options).threshold, 130);
  });
});

describe('rate baseline', () => {
  test('steady background then a spike: exactly one anomaly, for the spiking user, with its evidence', () => {
    resetUids();
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const analyzer = new RateBaseline(logins());
    const quiet = run(
      analyzer,
      background(users, 100, (u, b) => 1 + ((b + u.length) % 3)),
    );
    assert.deepEqual(quiet, []);
    const at = T0 + 100 * FIVE;
    const burst = spike('alice', at + 1000, 40);
    const after = background(users, 3, (u, b) => 1 + ((b + u.length) % 3), at);
    const all = [...burst, ...after].sort((a, b) => a.time - b.time);
    const signals = run(analyzer, all);
    assert.equal(signals.length, 1);
    const s = signals[0]!;
    assert.equal(s.kind, 'anomaly');
    assert.equal(s.rule.id, 'vigil.baseline.failed_logins');
    assert.deepEqual(s.entities, { 'user.name': 'alice' });
    const d = s.details!;
    assert.equal(d.baseline, 'entity');
    assert.equal(d.median, 2);
    assert.ok((d.value as number) > (d.threshold as number));
    assert.equal(d.bucket_start, at);
    assert.equal(d.key, `vigil.baseline.failed_logins|user.name=alice|${at}`);
    // Fired at the event that crossed the threshold: every evidence id is alice's, in time order.
    const aliceIds = new Set(
      all.filter((e) => (e.user as { name: string }).name === 'alice').map((e) => e.metadata.uid),
    );
    assert.ok(s.eventIds.every((id) => aliceIds.has(id)));
    assert.equal(s.eventIds.length, d.count);
    assert.equal(s.eventIds.length, Math.floor(d.threshold as number) + 1);
    assert.ok(s.firstTime >= at && s.time >= s.firstTime);
    assert.equal(analyzer.stats().signals, 1);
  });

  test('noisy but normal data: no anomaly', () => {
    // Each user has its own level (8 to 16 failures per 5 minutes) and wanders ±4 around it.
    const random = rng(7);
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    const level = (u: string) => 8 + (Number(u.slice(4)) % 9);
    const analyzer = new RateBaseline(logins());
    const signals = run(
      analyzer,
      background(users, 288, (u) => level(u) - 4 + Math.floor(random() * 9)),
    );
    assert.deepEqual(signals, []);
    assert.equal(analyzer.stats().entities, 20);
    // The same data with one user tripling its level is not normal.
    const tripled = run(
      new RateBaseline(logins()),
      background(users, 288, (u, b) => (u === 'user3' && b === 200 ? 3 : 1) * level(u)),
    );
    assert.deepEqual(
      tripled.map((s) => s.entities['user.name']),
      ['user3'],
    );
  });

  test('the sensitivity knob decides a moderate spike', () => {
    const stream = () => {
      resetUids();
      const random = rng(3);
      const events = background(['u1', 'u2', 'u3'], 60, () => 3 + Math.floor(random() * 3));
      return [...events, ...spike('u1', T0 + 60 * FIVE + 1000, 12)];
    };
    const fire = (k: number) => run(new RateBaseline(logins({ sensitivity: k })), stream());
    assert.equal(fire(6).length, 0);
    assert.equal(fire(3).length, 1);
    assert.equal(fire(3)[0]!.details!.sensitivity, 3);
    // The configuration default applies when a series names none.
    assert.equal(run(new RateBaseline(logins(), 6), stream()).length, 0);
  });

  test('min_value guards small absolute changes', () => {
    // History: 1 per bucket, so the threshold is 1 + 3·1 (the spread floor); 5 is above it.
    const events = [...background(['u'], 30, () => 1), ...spike('u', T0 + 30 * FIVE, 5)];
    assert.equal(run(new RateBaseline(logins()), events).length, 1);
    assert.equal(run(new RateBaseline(logins({ min_value: 6 })), events).length, 0);
  });

  test('evidence ids are bounded; the count says how many there were', () => {
    const analyzer = new RateBaseline(logins({ max_event_ids: 5, min_value: 30 }));
    run(
      analyzer,
      background(['u'], 20, () => 2),
    );
    const [s] = run(analyzer, spike('u', T0 + 20 * FIVE, 50));
    assert.ok(s);
    assert.equal(s.eventIds.length, 5);
    assert.equal(s.details!.count, 30);
    assert.equal(s.details!.event_ids_truncated, true);
  });

  test('gaps count as zero buckets', () => {
    const analyzer = new RateBaseline(logins({ min_value: 5 }));
    // 'w' runs at 8 per bucket for 10 buckets, then is silent while 'other' keeps time moving.
    run(
      analyzer,
      background(['w'], 10, () => 8),
    );
    run(
      analyzer,
      background(['other'], 60, () => 1, T0 + 10 * FIVE),
    );
    const signals = run(analyzer, spike('w', T0 + 70 * FIVE, 8));
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.details!.median, 0);
    // Without the gap the same 8 is normal.
    const steady = new RateBaseline(logins({ min_value: 5 }));
    assert.equal(
      run(
        steady,
        background(['w'], 70, () => 8),
      ).length,
      0,
    );
  });

  test('a new entity is compared with the global fallback', () => {
    const analyzer = new RateBaseline(logins());
    run(
      analyzer,
      background(['a', 'b', 'c'], 20, () => 2),
    );
    const at = T0 + 20 * FIVE;
    assert.deepEqual(run(analyzer, spike('newcomer', at, 3)), []);
    const [s] = run(analyzer, spike('intruder', at, 30));
    assert.equal(s?.details?.baseline, 'global');
    assert.deepEqual(s?.entities, { 'user.name': 'intruder' });
    // With no history anywhere, nothing fires.
    assert.deepEqual(run(new RateBaseline(logins()), spike('x', T0, 100)), []);
  });

  test('late events are counted and ignored; lateness keeps a bucket open', () => {
    const analyzer = new RateBaseline(logins({ lateness: '2m' }));
    run(
      analyzer,
      background(['u'], 20, () => 2),
    );
    const now = T0 + 20 * FIVE + MINUTE;
    analyzer.observe(failedLogin(now, 'u'), now);
    // The previous bucket ended a minute ago: still open within 2 minutes of lateness.
    analyzer.observe(failedLogin(now - 2 * MINUTE, 'u'), now - 2 * MINUTE);
    assert.equal(analyzer.stats().late, 0);
    assert.equal(analyzer.stats().openBuckets, 2);
    // Far behind: late.
    analyzer.observe(failedLogin(T0, 'u'), T0);
    assert.equal(analyzer.stats().late, 1);
    analyzer.observe(failedLogin(now, 'u'), NaN);
    assert.equal(analyzer.stats().invalid, 1);
  });

  test('a value field is summed (bytes out per host per hour)', () => {
    const bytes = series({
      name: 'bytes_out',
      filter: { class_uid: [4001] },
      entity: ['src_endpoint.ip'],
      value: 'traffic.bytes_out',
      bucket: '1h',
      min_value: 1_000_000,
      min_spread: 10_000,
    });
    const analyzer = new RateBaseline(bytes);
    const events: OcsfEvent[] = [];
    for (let h = 0; h < 24; h++)
      for (let i = 0; i < 6; i++)
        events.push(
          connection(T0 + h * HOUR + i * 10 * MINUTE, { ip: '10.0.0.7' }, '203.0.113.9', 50_000 + i * 1000),
        );
    assert.deepEqual(run(analyzer, events), []);
    const big = connection(T0 + 24 * HOUR + 5 * MINUTE, { ip: '10.0.0.7' }, '203.0.113.9', 5_000_000);
    const [s] = analyzer.observe(big, big.time);
    assert.equal(s?.details?.value, 5_000_000);
    assert.equal(s?.details?.median, 6 * 50_000 + 15_000);
    assert.deepEqual(s?.entities, { 'src_endpoint.ip': '10.0.0.7' });
    // Events without the value field do not count.
    const none = connection(T0 + 24 * HOUR + 6 * MINUTE, { ip: '10.0.0.8' }, '203.0.113.9');
    delete none.traffic;
    analyzer.observe(none, none.time);
    assert.equal(analyzer.stats().entities, 1);
  });

  test('entities are bounded: least recently seen evicted and counted', () => {
    const analyzer = new RateBaseline(logins({ max_entities: 10 }));
    run(
      analyzer,
      Array.from({ length: 100 }, (_, i) => failedLogin(T0 + i * 1000, `user${i}`)),
    );
    assert.equal(analyzer.stats().entities, 10);
    assert.equal(analyzer.stats().evicted, 90);
  });

  test('snapshot and restore: a restored analyzer behaves identically', () => {
    const stream = () => {
      resetUids();
      const random = rng(11);
      const users = ['a', 'b', 'c', 'd'];
      const events = background(users, 80, () => 1 + Math.floor(random() * 4));
      events.push(...spike('c', T0 + 80 * FIVE + 500, 25), ...spike('zed', T0 + 80 * FIVE + 700, 40));
      events.push(...background(users, 20, () => 1 + Math.floor(random() * 4), T0 + 80 * FIVE));
      events.push(...spike('a', T0 + 100 * FIVE + 500, 30));
      return events.sort((x, y) => x.time - y.time);
    };
    const whole = run(new RateBaseline(logins()), stream());
    assert.ok(whole.length >= 3, `expected the three spikes, got ${whole.length}`);
    const events = stream();
    // Cut in the middle of the first spike's bucket: open buckets and a fired flag travel too.
    const cut = events.findIndex((e) => e.time > T0 + 80 * FIVE + 900);
    const first = new RateBaseline(logins());
    const before = run(first, events.slice(0, cut));
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const second = new RateBaseline(logins());
    second.restore(saved);
    assert.deepEqual(second.snapshot(), first.snapshot());
    const after = run(second, events.slice(cut));
    assert.deepEqual([...before, ...after], whole);
  });

  test('restore refuses malformed snapshots and ignores another bucket size', () => {
    const analyzer = new RateBaseline(logins());
    assert.throws(() => analyzer.restore(null), /not a rate-baseline snapshot/);
    assert.throws(
      () => analyzer.restore({ v: 1, bucket: FIVE, global: [], entities: [[[1], null, [], []]] }),
      /malformed/,
    );
    assert.equal(analyzer.stats().entities, 0);
    run(
      analyzer,
      background(['u'], 10, () => 2),
    );
    const hourly = new RateBaseline(logins({ bucket: '1h' }));
    hourly.restore(analyzer.snapshot());
    assert.equal(hourly.stats().entities, 0);
  });
});
