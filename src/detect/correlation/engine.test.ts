import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Signal } from '../signal.js';
import { CorrelationBuildError, CorrelationEngine, type WindowOptions } from './engine.js';
import { parseCorrelationYaml, type CorrelationRule } from './rule.js';
import { SigmaError } from '../sigma/errors.js';

/** Correlation rules from YAML; throws the first error. */
function rules(yaml: string): CorrelationRule[] {
  const out = parseCorrelationYaml(yaml);
  for (const r of out) if (r instanceof SigmaError) throw r;
  return out as CorrelationRule[];
}

interface Ev {
  t: number;
  id: string;
  rules?: string[];
  fields?: Record<string, unknown>;
}

function feed(engine: CorrelationEngine, events: readonly Ev[]): Signal[] {
  const out: Signal[] = [];
  for (const e of events)
    out.push(
      ...engine.observe({
        time: e.t,
        eventId: e.id,
        matches: (e.rules ?? []).map((name) => ({ name })),
        field: (n) => e.fields?.[n],
      }),
    );
  return out;
}

const SPAN = 60_000;
const LATE: WindowOptions = { latenessMs: 60_000 };

/** Per type: a rule (timespan 1m) and the i-th of three events that together satisfy it. */
const MONOTONE: Record<string, { yaml: string; event: (i: number) => Omit<Ev, 't' | 'id'> }> = {
  event_count: {
    yaml: 'type: event_count\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {gte: 3}',
    event: () => ({ rules: ['a'], fields: { host: 'h1' } }),
  },
  value_count: {
    yaml: 'type: value_count\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {gte: 3, field: user}',
    event: (i) => ({ rules: ['a'], fields: { host: 'h1', user: `u${i}` } }),
  },
  value_sum: {
    yaml: 'type: value_sum\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {gte: 30, field: bytes}',
    event: () => ({ rules: ['a'], fields: { host: 'h1', bytes: '10' } }),
  },
  temporal: {
    yaml: 'type: temporal\n  rules: [a, b, c]\n  group-by: [host]\n  timespan: 1m',
    event: (i) => ({ rules: [['a', 'b', 'c'][i]!], fields: { host: 'h1' } }),
  },
  temporal_ordered: {
    yaml: 'type: temporal_ordered\n  rules: [a, b, c]\n  group-by: [host]\n  timespan: 1m',
    event: (i) => ({ rules: [['a', 'b', 'c'][i]!], fields: { host: 'h1' } }),
  },
};

function engineFor(type: string, options: WindowOptions = LATE): CorrelationEngine {
  return new CorrelationEngine(
    rules(`title: T ${type}\nid: r-${type}\ncorrelation:\n  ${MONOTONE[type]!.yaml}\n`),
    options,
  );
}

const ev = (type: string, i: number, t: number): Ev => ({ t, id: `e${i}`, ...MONOTONE[type]!.event(i) });
/** An unrelated event: only moves the watermark (and closes windows). */
const tick = (t: number): Ev => ({ t, id: `x${t}` });

describe('correlation windows at their edges', () => {
  for (const type of Object.keys(MONOTONE)) {
    test(`${type}: just inside the timespan fires once, with every event`, () => {
      const engine = engineFor(type);
      const out = feed(engine, [ev(type, 0, 0), ev(type, 1, 30_000), ev(type, 2, SPAN)]);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.kind, 'correlation');
      assert.equal(out[0]!.rule.id, `r-${type}`);
      assert.deepEqual(out[0]!.entities, { host: 'h1' });
      assert.deepEqual(out[0]!.eventIds, ['e0', 'e1', 'e2']);
      assert.equal(out[0]!.firstTime, 0);
      assert.equal(out[0]!.time, SPAN);
      assert.equal(out[0]!.details?.key, `r-${type}|host=h1|0`);
    });

    test(`${type}: 1 ms outside the timespan does not fire`, () => {
      const out = feed(engineFor(type), [ev(type, 0, 0), ev(type, 1, 30_000), ev(type, 2, SPAN + 1)]);
      assert.deepEqual(out, []);
    });

    test(`${type}: an out-of-order event within the lateness counts`, () => {
      const engine = engineFor(type);
      const out = feed(engine, [ev(type, 0, 0), ev(type, 2, SPAN), ev(type, 1, 30_000)]);
      assert.equal(out.length, 1);
      assert.deepEqual(out[0]!.eventIds, ['e0', 'e1', 'e2']);
      assert.equal(engine.stats().late, 0);
    });

    test(`${type}: an event beyond the lateness is counted as late and ignored`, () => {
      const engine = engineFor(type);
      const out = feed(engine, [ev(type, 0, 0), ev(type, 1, 30_000), tick(200_000), ev(type, 2, SPAN)]);
      assert.deepEqual(out, []);
      assert.equal(engine.stats().late, 1);
    });
  }

  // Closing conditions (lt/lte/eq/neq) are decided when the window [first, first + span] closes.
  const CLOSING: Record<string, { yaml: string; events: (t: [number, number]) => Ev[]; ids: string[] }> = {
    value_avg: {
      yaml: 'type: value_avg\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {gt: 10, lte: 20, field: bytes}',
      events: ([t0, t1]) => [
        { t: t0, id: 'e0', rules: ['a'], fields: { host: 'h1', bytes: 0 } },
        { t: t1, id: 'e1', rules: ['a'], fields: { host: 'h1', bytes: 30 } },
      ],
      ids: ['e0', 'e1'],
    },
    value_percentile: {
      yaml: 'type: value_percentile\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {lte: 30, field: image}',
      events: ([t0, t1]) => [
        { t: t0, id: 'e0', rules: ['a'], fields: { host: 'h1', image: 'rare.exe' } },
        ...[1, 2, 3].map((i) => ({
          t: t1,
          id: `e${i}`,
          rules: ['a'],
          fields: { host: 'h1', image: 'common.exe' },
        })),
      ],
      ids: ['e0'],
    },
    event_count_lt: {
      yaml: 'type: event_count\n  rules: [a]\n  group-by: [host]\n  timespan: 1m\n  condition: {eq: 2}',
      events: ([t0, t1]) => [
        { t: t0, id: 'e0', rules: ['a'], fields: { host: 'h1' } },
        { t: t1, id: 'e1', rules: ['a'], fields: { host: 'h1' } },
      ],
      ids: ['e0', 'e1'],
    },
  };
  for (const [name, c] of Object.entries(CLOSING)) {
    const make = () =>
      new CorrelationEngine(rules(`title: T\nid: r-${name}\ncorrelation:\n  ${c.yaml}\n`), LATE);
    test(`${name}: just inside fires when the window closes, not before`, () => {
      const engine = make();
      assert.deepEqual(feed(engine, c.events([0, SPAN])), []);
      assert.deepEqual(feed(engine, [tick(SPAN + LATE.latenessMs! - 1)]), []);
      const out = feed(engine, [tick(SPAN + LATE.latenessMs!)]);
      assert.equal(out.length, 1);
      assert.deepEqual(out[0]!.eventIds, c.ids);
      assert.equal(out[0]!.details?.key, `r-${name}|host=h1|0`);
    });
    test(`${name}: just outside does not fire`, () => {
      const engine = make();
      assert.deepEqual(feed(engine, [...c.events([0, SPAN + 1]), tick(10 * SPAN)]), []);
    });
    test(`${name}: out of order within the lateness counts`, () => {
      const events = c.events([0, SPAN]);
      const out = feed(make(), [...events.slice(1), events[0]!, tick(10 * SPAN)]);
      assert.equal(out.length, 1);
      assert.deepEqual([...out[0]!.eventIds].sort(), [...c.ids].sort());
    });
    test(`${name}: beyond the lateness is late`, () => {
      const engine = make();
      const events = c.events([0, SPAN]);
      const out = feed(engine, [...events.slice(1), tick(SPAN + 70_000), events[0]!, tick(10 * SPAN)]);
      assert.deepEqual(out, []);
      assert.equal(engine.stats().late, 1);
    });
  }
});

describe('correlation semantics', () => {
  const bruteForce = `title: Brute force
id: bf
level: high
tags: [attack.credential-access, attack.t1110]
correlation:
  type: event_count
  rules: [failed]
  group-by: [ip]
  timespan: 5m
  condition: {gte: 3}
`;

  test('one incident, one signal; the window restarts after it is spent', () => {
    const engine = new CorrelationEngine(rules(bruteForce), LATE);
    const events: Ev[] = [];
    for (let i = 0; i < 10; i++)
      events.push({ t: i * 1000, id: `f${i}`, rules: ['failed'], fields: { ip: '10.0.0.9' } });
    const out = feed(engine, events);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.eventIds, ['f0', 'f1', 'f2']);
    assert.equal(out[0]!.rule.level, 'high');
    assert.deepEqual(out[0]!.attack, { tactics: ['credential-access'], techniques: ['T1110'] });
    assert.ok(engine.stats().suppressed >= 7);
    // After the spent window (0 + 5m), three more failures are a new incident.
    const later = feed(
      engine,
      [0, 1, 2].map((i) => ({ t: 300_001 + i, id: `g${i}`, rules: ['failed'], fields: { ip: '10.0.0.9' } })),
    );
    assert.equal(later.length, 1);
    assert.deepEqual(later[0]!.eventIds, ['g0', 'g1', 'g2']);
    assert.equal(later[0]!.details?.key, 'bf|ip=10.0.0.9|300001');
  });

  test('groups are separate; events without a group-by value take no part', () => {
    const engine = new CorrelationEngine(rules(bruteForce), LATE);
    const out = feed(engine, [
      { t: 1, id: '1', rules: ['failed'], fields: { ip: 'a' } },
      { t: 2, id: '2', rules: ['failed'], fields: { ip: 'b' } },
      { t: 3, id: '3', rules: ['failed'], fields: {} },
      { t: 4, id: '4', rules: ['failed'], fields: { ip: 'a' } },
      { t: 5, id: '5', rules: ['failed'], fields: { ip: 'b' } },
      { t: 6, id: '6', rules: ['failed'], fields: { ip: 'a' } },
    ]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.entities, { ip: 'a' });
    assert.deepEqual(out[0]!.eventIds, ['1', '4', '6']);
  });

  test('chained correlations and hidden base rules (the specification example)', () => {
    const yaml = `title: Many failed logins followed by a success
id: chain
level: high
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
---
title: Multiple failed logons
id: multi
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: {gte: 3}
`;
    const engine = new CorrelationEngine(rules(yaml), LATE);
    assert.ok(engine.isHidden({ name: 'failed_login' }));
    assert.ok(engine.isHidden({ name: 'successful_login' }));
    assert.ok(!engine.isHidden({ name: 'other' }));
    const out = feed(engine, [
      { t: 0, id: 's0', rules: ['successful_login'], fields: { User: 'bob' } },
      { t: 1000, id: 'f1', rules: ['failed_login'], fields: { User: 'bob' } },
      { t: 2000, id: 'f2', rules: ['failed_login'], fields: { User: 'bob' } },
      { t: 3000, id: 'f3', rules: ['failed_login'], fields: { User: 'bob' } },
      { t: 4000, id: 'x', rules: ['failed_login'], fields: { User: 'eve' } },
      { t: 5000, id: 's1', rules: ['successful_login'], fields: { User: 'bob' } },
    ]);
    // The inner correlation is referenced without generate: only the outer one signals.
    assert.equal(out.length, 1);
    assert.equal(out[0]!.rule.id, 'chain');
    assert.deepEqual(out[0]!.entities, { User: 'bob' });
    assert.deepEqual(out[0]!.eventIds, ['f1', 'f2', 'f3', 's1']);
  });

  test('aliases group different fields of different rules together', () => {
    const yaml = `title: Error then connection back
id: alias
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
`;
    const engine = new CorrelationEngine(rules(yaml), LATE);
    const out = feed(engine, [
      {
        t: 0,
        id: '1',
        rules: ['internal_error'],
        fields: { 'destination.ip': '10.0.0.5', 'source.ip': '1.2.3.4' },
      },
      { t: 1, id: '2', rules: ['new_network_connection'], fields: { 'source.ip': '10.0.0.6' } },
      { t: 2, id: '3', rules: ['new_network_connection'], fields: { 'source.ip': '10.0.0.5' } },
    ]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.entities, { internal_ip: '10.0.0.5' });
    assert.deepEqual(out[0]!.eventIds, ['1', '3']);
  });

  test('temporal_ordered needs the order; temporal does not', () => {
    const make = (type: string) =>
      new CorrelationEngine(
        rules(
          `title: O\nid: o\ncorrelation:\n  type: ${type}\n  rules: [a, b]\n  group-by: [h]\n  timespan: 1m\n`,
        ),
        LATE,
      );
    const reversed: Ev[] = [
      { t: 0, id: '1', rules: ['b'], fields: { h: 'x' } },
      { t: 1, id: '2', rules: ['a'], fields: { h: 'x' } },
    ];
    assert.equal(feed(make('temporal_ordered'), reversed).length, 0);
    assert.equal(feed(make('temporal'), reversed).length, 1);
  });

  test('the group table is bounded: least recently used groups are evicted and counted', () => {
    const engine = new CorrelationEngine(rules(bruteForce), { ...LATE, maxGroups: 100 });
    const events: Ev[] = [];
    for (let i = 0; i < 1000; i++)
      events.push({ t: i, id: String(i), rules: ['failed'], fields: { ip: `ip${i}` } });
    feed(engine, events);
    const stats = engine.stats();
    assert.ok(stats.groups <= 100);
    assert.equal(stats.evicted, 900);
  });

  test('a snapshot restored into a new engine continues the windows', () => {
    const first = new CorrelationEngine(rules(bruteForce), LATE);
    feed(
      first,
      [0, 1].map((i) => ({ t: i, id: `a${i}`, rules: ['failed'], fields: { ip: 'z' } })),
    );
    const state = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const second = new CorrelationEngine(rules(bruteForce), LATE);
    second.restore(state);
    const out = feed(second, [{ t: 2, id: 'a2', rules: ['failed'], fields: { ip: 'z' } }]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.eventIds, ['a0', 'a1', 'a2']);
    assert.equal(second.watermark, 2);
    assert.throws(() => second.restore({ nope: true }));
  });

  test('a reference cycle is refused', () => {
    const yaml = `title: A\nname: a\ncorrelation: {type: temporal, rules: [b, x], group-by: [h], timespan: 1m}\n---\ntitle: B\nname: b\ncorrelation: {type: temporal, rules: [a, y], group-by: [h], timespan: 1m}\n`;
    assert.throws(() => new CorrelationEngine(rules(yaml)), CorrelationBuildError);
  });
});

describe('correlation rule parsing', () => {
  const bad = (body: string) => {
    const out = parseCorrelationYaml(`title: Bad\ncorrelation:\n${body}\n`, 'bad.yml');
    assert.equal(out.length, 1);
    assert.ok(out[0] instanceof SigmaError, 'expected an error');
    return (out[0] as SigmaError).message;
  };

  test('errors name the file, the place and the reason', () => {
    assert.match(
      bad('  type: event_count\n  rules: [a]\n  group-by: [h]\n  timespan: 5x\n  condition: {gte: 1}'),
      /bad\.yml: correlation\.timespan: invalid_value/,
    );
    assert.match(
      bad('  type: value_count\n  rules: [a]\n  group-by: [h]\n  timespan: 5m\n  condition: {gte: 1}'),
      /correlation\.condition\.field/,
    );
    assert.match(
      bad('  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {more: 1}'),
      /unknown condition operator 'more'/,
    );
    assert.match(bad('  type: nearby\n  rules: [a]\n  timespan: 5m'), /correlation\.type/);
    assert.match(bad('  type: event_count\n  rules: [a]\n  timespan: 5m'), /needs a condition/);
  });

  test('timespans, ranges and generate', () => {
    const [r] = rules(
      'title: R\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [h]\n  timespan: 90m\n  condition: {gt: 100, lte: 200}\n',
    );
    assert.equal(r!.timespanMs, 5_400_000);
    assert.deepEqual(r!.condition, {
      bounds: [
        ['gt', 100],
        ['lte', 200],
      ],
    });
    assert.equal(r!.generate, true);
  });
});
