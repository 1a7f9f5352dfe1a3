import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { jsonParser, stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { genericJsonNormalizer } from './generic.js';
import type { OcsfEvent } from './ocsf.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2, 3, 4, 5) };

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec: ParsedRecord = { format: 'json', fields, raw: stringifyJson(fields) };
  return genericJsonNormalizer.normalize(rec, CTX);
}

const ocsfSkip = sharedSkip(OCSF_SCHEMA_DIR);

describe('genericJsonNormalizer', () => {
  test('accepts every json record and nothing else', () => {
    assert.equal(genericJsonNormalizer.accepts({ format: 'json', fields: {}, raw: '{}' }), true);
    assert.equal(genericJsonNormalizer.accepts({ format: 'syslog', fields: {}, raw: '' }), false);
  });

  test('a Base Event with the common fields read and every field kept', { skip: ocsfSkip }, () => {
    const fields = {
      '@timestamp': '2024-05-01T12:00:00.250Z',
      message: 'user logged in',
      host: 'web-1',
      level: 'warn',
      service: 'auth-api',
      user: { id: 7 },
      big: 18446744073709551615n,
    };
    const event = normalize(fields);
    assert.deepEqual(validateOcsf(event), []);
    assert.equal(event.class_uid, 0);
    assert.equal(event.category_uid, 0);
    assert.equal(event.activity_id, 99);
    assert.equal(event.type_uid, 99);
    assert.equal(event.time, Date.UTC(2024, 4, 1, 12, 0, 0, 250));
    assert.equal(event.metadata.original_time, '2024-05-01T12:00:00.250Z');
    assert.equal(event.metadata.logged_time, CTX.receivedAt);
    assert.equal(event.message, 'user logged in');
    assert.deepEqual(event.device, { hostname: 'web-1', type_id: 0, type: 'Unknown' });
    assert.deepEqual((event.metadata as { profiles?: string[] }).profiles, ['host']);
    assert.equal(event.severity_id, 3);
    assert.equal(event.severity, 'Medium');
    assert.deepEqual(event.metadata.product, { name: 'auth-api' });
    assert.equal(event.unmapped, fields);
    assert.equal(event.raw_data, stringifyJson(fields));
    assert.deepEqual(event.observables, [{ name: 'device.hostname', type_id: 1, value: 'web-1' }]);
  });

  test('time from each common field, in order, as text or epoch s/ms/us/ns', () => {
    const t = Date.UTC(2023, 10, 14, 22, 13, 20);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ timestamp: '2023-11-14T22:13:20Z' }, t, '2023-11-14T22:13:20Z'],
      [{ time: '2023-11-14 23:13:20+01:00' }, t, '2023-11-14 23:13:20+01:00'],
      [{ ts: 1700000000 }, t, '1700000000'],
      [{ ts: 1700000000.5 }, t + 500, '1700000000.5'],
      [{ date: 1700000000000 }, t, '1700000000000'],
      [{ eventTime: 1700000000000000 }, t, '1700000000000000'],
      [{ time: 1700000000000000000n }, t, '1700000000000000000'],
      [{ time: '1700000000' }, t, '1700000000'],
      [{ '@timestamp': 'garbage', timestamp: '2023-11-14T22:13:20Z' }, t, '2023-11-14T22:13:20Z'],
      [{ '@timestamp': '2023-11-14T22:13:20Z', ts: 1 }, t, '2023-11-14T22:13:20Z'],
    ];
    for (const [fields, time, original] of cases) {
      const event = normalize(fields);
      assert.equal(
        event.time,
        time,
        JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
      assert.equal(event.metadata.original_time, original);
    }
    const none = normalize({ message: 'no time', ts: 'not a time', time: null });
    assert.equal(none.time, CTX.receivedAt);
    assert.equal(none.metadata.original_time, undefined);
  });

  test('message from message, msg or log; hostname from host, host.name or hostname', () => {
    assert.equal(normalize({ msg: 'a', log: 'b' }).message, 'a');
    assert.equal(normalize({ log: 'b' }).message, 'b');
    assert.equal(normalize({ message: { nested: true } }).message, undefined);
    assert.equal((normalize({ host: { name: 'h1' } }).device as { hostname?: string }).hostname, 'h1');
    assert.equal((normalize({ hostname: 'h2' }).device as { hostname?: string }).hostname, 'h2');
    assert.equal((normalize({ 'host.name': 'h3' }).device as { hostname?: string }).hostname, 'h3');
    const bare = normalize({ host: 42 });
    assert.equal(bare.device, undefined);
    assert.equal((bare.metadata as { profiles?: string[] }).profiles, undefined);
  });

  test('severity from level or severity: names, syslog numbers, pino numbers', () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ level: 'INFO' }, 1],
      [{ level: 'debug' }, 1],
      [{ level: 'notice' }, 2],
      [{ level: 'Warning' }, 3],
      [{ level: 'error' }, 4],
      [{ severity: 'critical' }, 5],
      [{ severity: 'high' }, 4],
      [{ level: 'fatal' }, 6],
      [{ level: 3 }, 4],
      [{ level: 6 }, 1],
      [{ level: 30 }, 1],
      [{ level: 50 }, 4],
      [{ level: 60 }, 6],
      [{ level: 'constructor' }, 0],
      [{ level: 1000 }, 0],
      [{}, 0],
      [{ level: 'nonsense', severity: 'low' }, 2],
    ];
    for (const [fields, severity] of cases)
      assert.equal(normalize(fields).severity_id, severity, JSON.stringify(fields));
  });

  test('product from product or service (a name or an object), else unknown', () => {
    assert.deepEqual(normalize({ product: 'nginx' }).metadata.product, { name: 'nginx' });
    assert.deepEqual(normalize({ service: { name: 'api', version: '1.2' } }).metadata.product, {
      name: 'api',
      version: '1.2',
    });
    assert.deepEqual(normalize({ product: { name: 'fw', vendor: 'Acme' } }).metadata.product, {
      name: 'fw',
      vendor_name: 'Acme',
    });
    assert.deepEqual(normalize({ product: 5 }).metadata.product, { name: 'unknown' });
  });

  test('never throws, even when reading a field throws', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    ) as Record<string, unknown>;
    const event = genericJsonNormalizer.normalize({ format: 'json', fields: hostile, raw: '{"x":1}' }, CTX);
    assert.equal(event.class_uid, 0);
    assert.equal(event.time, CTX.receivedAt);
    assert.equal(event.raw_data, '{"x":1}');
  });
});

const JSON_LOGS = [
  'telemetry/zeek/ocsf-examples-json',
  'telemetry/suricata/elastic-beats/eve-small.log',
  'telemetry/identity/elastic-beats/okta-system-test.json.log',
];

describe(
  'genericJsonNormalizer on real JSON logs',
  { skip: sharedSkip(OCSF_SCHEMA_DIR, ...JSON_LOGS) },
  () => {
    test('Zeek, Suricata and Okta records: valid Base Events with their own time', (t) => {
      const files = [
        ...readdirSync(sharedPath(JSON_LOGS[0]!))
          .filter((name) => name.endsWith('.log'))
          .map((name) => `${JSON_LOGS[0]}/${name}`),
        JSON_LOGS[1]!,
        JSON_LOGS[2]!,
      ];
      let count = 0;
      let timed = 0;
      for (const file of files) {
        for (const line of readFileSync(sharedPath(file), 'utf8').split('\n')) {
          if (line.trim() === '') continue;
          const event = genericJsonNormalizer.normalize(jsonParser.parse(line), CTX);
          assert.deepEqual(validateOcsf(event), [], `${file}: ${line.slice(0, 120)}`);
          assert.equal(event.raw_data, line);
          count++;
          if (event.time !== CTX.receivedAt) timed++;
        }
      }
      t.diagnostic(`${count} records from ${files.length} files, ${timed} with a time of their own`);
      assert.ok(count > 4000, `${count} records`);
      // Zeek (ts), Suricata (timestamp) and Okta (published has no common name) records.
      assert.ok(timed >= count - 10, `${timed} of ${count} carry their time`);
    });
  },
);
