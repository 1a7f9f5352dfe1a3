import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OcsfEvent } from '../../normalize/ocsf.js';
import type { Signal } from '../signal.js';
import { BUILTIN_PAIRS } from './builtins.js';
import { FirstSeenDetector } from './first-seen.js';
import { isExternalAddress, isPublicIp } from './ip-scope.js';
import { hash64, PairSet } from './pair-set.js';
import { connection, DAY, dnsQuery, HOUR, login, pair, T0 } from './testkit.js';

const hostIp = (extra: Record<string, unknown> = {}) =>
  pair({ ...BUILTIN_PAIRS.find((p) => p.name === 'host_external_ip')!, ...extra });

function run(detector: FirstSeenDetector, events: OcsfEvent[]): Signal[] {
  return events.flatMap((e) => detector.observe(e, e.time));
}

describe('first-seen pairs', () => {
  test('learning period is silent; then a new pair fires once, a known pair never', () => {
    const d = new FirstSeenDetector(hostIp({ learning_period: '7d' }));
    const learning: OcsfEvent[] = [];
    for (let day = 0; day < 7; day++)
      for (const dst of ['8.8.8.8', '1.1.1.1', '140.82.112.3'])
        learning.push(connection(T0 + day * DAY + HOUR, { host: 'ws01', ip: '10.0.0.5' }, dst));
    // A pair first seen on the last learning day is learned too.
    learning.push(connection(T0 + 7 * DAY - 1, { host: 'ws01', ip: '10.0.0.5' }, '93.184.216.34'));
    assert.deepEqual(run(d, learning), []);
    assert.equal(d.stats().learned, 4);
    const later = T0 + 8 * DAY;
    const known = run(d, [
      connection(later, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8'),
      connection(later + 1, { host: 'ws01', ip: '10.0.0.5' }, '93.184.216.34'),
    ]);
    assert.deepEqual(known, []);
    const fresh = connection(later + 2, { host: 'ws01', ip: '10.0.0.5' }, '185.220.101.4');
    const [s, ...rest] = run(d, [
      fresh,
      connection(later + 3, { host: 'ws01', ip: '10.0.0.5' }, '185.220.101.4'),
    ]);
    assert.deepEqual(rest, []);
    assert.ok(s);
    assert.equal(s.kind, 'first_seen');
    assert.equal(s.rule.id, 'vigil.first_seen.host_external_ip');
    assert.deepEqual(s.entities, { host: 'ws01', ip: '185.220.101.4' });
    assert.deepEqual(s.eventIds, [fresh.metadata.uid]);
    assert.equal(s.time, later + 2);
    assert.equal(s.details!.key, 'vigil.first_seen.host_external_ip|host=ws01,ip=185.220.101.4|');
    assert.equal(s.details!.left_field, 'device.hostname');
    // Another host reaching the same address is another pair.
    assert.equal(
      run(d, [connection(later + 4, { host: 'ws02', ip: '10.0.0.6' }, '185.220.101.4')]).length,
      1,
    );
  });

  test('only public destinations count for host → external IP; enrichment decides when present', () => {
    const d = new FirstSeenDetector(hostIp({ learning_period: 0 }));
    const internal = [
      '10.1.2.3',
      '192.168.1.1',
      '172.20.0.1',
      '127.0.0.1',
      '169.254.1.1',
      'fe80::1',
      'fd00::1',
      'nope',
    ];
    assert.deepEqual(
      run(
        d,
        internal.map((ip, i) => connection(T0 + i, { host: 'ws01', ip: '10.0.0.5' }, ip)),
      ),
      [],
    );
    const enriched = connection(T0 + 100, { host: 'ws01', ip: '10.0.0.5' }, '203.0.113.50');
    (enriched.dst_endpoint as Record<string, unknown>).network_scope_id = 2;
    assert.equal(run(d, [enriched]).length, 1);
    assert.equal(isPublicIp('2606:4700::1111'), true);
    assert.equal(isPublicIp('100.64.0.1'), false);
    assert.equal(
      isExternalAddress({ dst_endpoint: { network_scope_id: 1 } }, 'dst_endpoint.ip', '8.8.8.8'),
      false,
    );
  });

  test('left side: the first field present wins (host name, else address)', () => {
    const d = new FirstSeenDetector(hostIp({ learning_period: 0 }));
    const [s] = run(d, [connection(T0, { ip: '10.9.9.9' }, '8.8.4.4')]);
    assert.deepEqual(s?.entities, { host: '10.9.9.9', ip: '8.8.4.4' });
    assert.equal(s?.details?.left_field, 'src_endpoint.ip');
  });

  test('learning period 0 alerts from the first event; configured default applies', () => {
    const zero = new FirstSeenDetector(
      pair({ name: 'user_country', left: ['user.name'], right: ['src_endpoint.location.country'] }),
      0,
    );
    assert.equal(run(zero, [login(T0, 'alice', 'FR')]).length, 1);
    assert.equal(run(zero, [login(T0 + 1, 'alice', 'FR')]).length, 0);
    const week = new FirstSeenDetector(
      pair({ name: 'user_country', left: ['user.name'], right: ['src_endpoint.location.country'] }),
    );
    assert.equal(run(week, [login(T0, 'alice', 'FR'), login(T0 + 6 * DAY, 'alice', 'DE')]).length, 0);
    const [s] = run(week, [login(T0 + 7 * DAY, 'alice', 'KP')]);
    assert.equal(s?.rule.id, 'vigil.first_seen.user_country');
    assert.deepEqual(s?.entities, { left: 'alice', right: 'KP' });
    assert.equal(week.stats().learningEnd, T0 + 7 * DAY);
  });

  test('build agent → domain: only hosts matching the pattern', () => {
    const d = new FirstSeenDetector(
      pair({ ...BUILTIN_PAIRS.find((p) => p.name === 'agent_domain')!, learning_period: '1h' }),
    );
    run(d, [dnsQuery(T0, 'build-07', 'registry.npmjs.org'), dnsQuery(T0, 'ws01', 'example.com')]);
    const signals = run(d, [
      dnsQuery(T0 + 2 * HOUR, 'build-07', 'registry.npmjs.org'),
      dnsQuery(T0 + 2 * HOUR, 'build-07', 'evil.example.net'),
      dnsQuery(T0 + 2 * HOUR, 'ws01', 'evil.example.net'),
      dnsQuery(T0 + 2 * HOUR, 'gh-runner-3', 'evil.example.net'),
      dnsQuery(T0 + 2 * HOUR, 'rebuilder', 'evil.example.net'),
    ]);
    assert.deepEqual(
      signals.map((s) => [s.rule.id, s.entities.agent, s.entities.domain]),
      [
        ['vigil.first_seen.agent_domain', 'build-07', 'evil.example.net'],
        ['vigil.first_seen.agent_domain', 'gh-runner-3', 'evil.example.net'],
      ],
    );
  });

  test('entity names: left and right unless configured', () => {
    const plain = new FirstSeenDetector(
      pair({ name: 'x', left: ['device.hostname'], right: ['dst_endpoint.ip'], learning_period: 0 }),
    );
    const [s] = run(plain, [connection(T0, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8')]);
    assert.deepEqual(s?.entities, { left: 'ws01', right: '8.8.8.8' });
  });

  test('known pairs are bounded; evictions are counted; recently seen pairs survive', () => {
    const d = new FirstSeenDetector(hostIp({ learning_period: 0, max_pairs: 100 }));
    const keep = connection(T0, { host: 'keeper', ip: '10.0.0.1' }, '8.8.8.8');
    run(d, [keep]);
    for (let i = 0; i < 1000; i++) {
      run(d, [connection(T0 + i + 1, { host: `h${i}`, ip: '10.0.0.2' }, '8.8.8.8')]);
      // The keeper keeps talking: CLOCK gives it a second chance every sweep.
      assert.deepEqual(run(d, [connection(T0 + i + 1, { host: 'keeper', ip: '10.0.0.1' }, '8.8.8.8')]), []);
    }
    const stats = d.stats();
    assert.equal(stats.known, 100);
    assert.equal(stats.evicted, 901);
    assert.ok(stats.bytes < 100 * 64, `${stats.bytes} bytes`);
    // An evicted pair is new again.
    assert.equal(run(d, [connection(T0 + 5000, { host: 'h0', ip: '10.0.0.2' }, '8.8.8.8')]).length, 1);
  });

  test('snapshot and restore: the learning start and every learned pair survive', () => {
    const d = new FirstSeenDetector(hostIp({ learning_period: '1d' }));
    run(d, [
      connection(T0, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8'),
      connection(T0 + HOUR, { host: 'ws02', ip: '10.0.0.6' }, '1.1.1.1'),
    ]);
    const saved = JSON.parse(JSON.stringify(d.snapshot())) as unknown;
    const restored = new FirstSeenDetector(hostIp({ learning_period: '1d' }));
    restored.restore(saved);
    assert.deepEqual(restored.snapshot(), d.snapshot());
    // Still learning until T0 + 1 day: the learning start came along.
    assert.deepEqual(
      run(restored, [connection(T0 + 2 * HOUR, { host: 'ws03', ip: '10.0.0.7' }, '9.9.9.9')]),
      [],
    );
    const after = T0 + 2 * DAY;
    assert.deepEqual(run(restored, [connection(after, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8')]), []);
    assert.deepEqual(run(restored, [connection(after, { host: 'ws03', ip: '10.0.0.7' }, '9.9.9.9')]), []);
    assert.equal(run(restored, [connection(after, { host: 'ws01', ip: '10.0.0.5' }, '9.9.9.9')]).length, 1);
    assert.throws(() => restored.restore({ v: 1, pairs: { hashes: 'AAAA', seen: '' } }), /malformed/);
    assert.equal(restored.stats().known, 0);
    assert.throws(() => restored.restore('x'), /not a first-seen snapshot/);
  });
});

describe('PairSet', () => {
  test('hash64 spreads strings over 64 bits and never yields (0, 0)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(hash64(`host${i}\u00008.8.${i >> 8}.${i & 255}`).join(':'));
    assert.equal(seen.size, 50_000);
    assert.notDeepEqual(hash64(''), [0, 0]);
  });

  test('members, growth, CLOCK eviction and a snapshot that keeps the eviction order', () => {
    const set = new PairSet(3000);
    for (let i = 0; i < 3000; i++) assert.equal(set.touch(`k${i}`), false);
    for (let i = 0; i < 3000; i++) assert.ok(set.has(`k${i}`));
    assert.equal(set.touch('k5'), true);
    assert.equal(set.has('absent'), false);
    // Full: the next member evicts the first one the hand finds not seen (k0; k5 got a second chance).
    set.touch('n0');
    assert.equal(set.has('k0'), false);
    assert.equal(set.evicted, 1);
    const copy = PairSet.restore(JSON.parse(JSON.stringify(set.snapshot())), 3000);
    for (let i = 1; i < 400; i++) {
      set.touch(`m${i}`);
      copy.touch(`m${i}`);
    }
    for (let i = 0; i < 3000; i++) assert.equal(copy.has(`k${i}`), set.has(`k${i}`), `k${i}`);
    assert.ok(set.has('k5') && copy.has('k5'));
    assert.equal(copy.evicted, set.evicted);
    // A smaller capacity keeps the members the hand would reach last.
    const small = PairSet.restore(set.snapshot(), 10);
    assert.equal(small.size, 10);
    assert.ok(small.has('m399'));
  });

  test('removal keeps every remaining member findable (backward-shift deletion)', () => {
    const set = new PairSet(64);
    for (let round = 0; round < 50; round++)
      for (let i = 0; i < 64; i++) {
        set.touch(`r${round}-${i}`);
        for (let j = Math.max(0, i - 20); j <= i; j++) assert.ok(set.has(`r${round}-${j}`));
      }
    assert.equal(set.size, 64);
  });
});
