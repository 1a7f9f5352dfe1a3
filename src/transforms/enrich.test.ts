import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveConfig } from '../config/load.js';
import { ocsfEvent, OcsfClass, type OcsfEvent } from '../normalize/ocsf.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { enrichTransform, type EnrichTransform } from './enrich.js';
import { InventoryError, parseInventory } from './enrich/inventory.js';
import { writeMmdb } from './enrich/mmdb-writer.testing.js';
import { TRANSFORM_TYPES } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-enrich-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A transform as the config loader builds it: defaults applied by the schema. */
function create(config: Record<string, unknown>): EnrichTransform {
  const parsed = enrichTransform.schema.parse({ type: 'enrich', ...config });
  return enrichTransform.create('enrich', parsed) as EnrichTransform;
}

function networkEvent(
  src: Record<string, unknown>,
  dst: Record<string, unknown>,
  device?: Record<string, unknown>,
): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.NetworkActivity,
    { id: 6, name: 'Traffic' },
    {
      time: Date.UTC(2026, 0, 1),
      metadata: { product: { name: 'test' }, ...(device ? { profiles: ['host'] } : {}) },
    },
  );
  event.src_endpoint = src;
  event.dst_endpoint = dst;
  if (device) event.device = { type_id: 0, ...device };
  return event;
}

const get = (e: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );

const INVENTORY_YAML = `
assets:
  - host: web01.corp.example
    owner: alice
    criticality: high
    zone: dmz
    tags: [pci, web]
    rack: R12
  - host: 10.1.2.3
    owner: bob
    criticality: medium
  - host: 10.20.0.0/16
    owner: net-team
    zone: office
    tags: "wifi; guest"
  - host: db01
    criticality: critical
`;

describe('enrich transform', () => {
  test('is registered, and bad config names the bad key', () => {
    assert.equal(TRANSFORM_TYPES.get('enrich'), enrichTransform);
    const issues = (raw: unknown): string[] => {
      try {
        resolveConfig(raw, 'vigil.yaml');
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.issues;
      }
      return [];
    };
    const bad = issues({
      transforms: [{ type: 'enrich', internal_networks: ['10.0.0.0/8', '10.0.0.0/40'] }],
    });
    assert.equal(bad.length, 1);
    assert.match(bad[0]!, /^transforms\[0\]\.internal_networks\[1\]: a CIDR block/);
    assert.match(issues({ transforms: [{ type: 'enrich', inventroy: 'x.yaml' }] })[0]!, /inventroy/);
    assert.match(
      issues({ transforms: [{ type: 'enrich', attributes: ['device', 'user'] }] })[0]!,
      /^transforms\[0\]\.attributes\[1\]/,
    );
    assert.deepEqual(issues({ transforms: [{ type: 'enrich', geoip: ['a.mmdb', 'b.mmdb'] }] }), []);
  });

  test('unreadable or invalid files fail at creation, naming the key and the file', () => {
    assert.throws(
      () => create({ inventory: join(dir, 'missing.yaml') }),
      /enrich: inventory: cannot read .*missing\.yaml/,
    );
    const bad = file('bad.yaml', '- host: "not a host!"\n- owner: x\n');
    assert.throws(
      () => create({ inventory: bad }),
      (e: unknown) => {
        const m = (e as Error).message;
        return /row 1: host: 'not a host!' is not a host name/.test(m) && /row 2: host: /.test(m);
      },
    );
    const notMmdb = file('x.mmdb', 'hello');
    assert.throws(
      () => create({ geoip: [notMmdb] }),
      /enrich: geoip\[0\]: .*x\.mmdb: no MaxMind DB metadata marker/,
    );
  });

  test('asset context: by host name (FQDN or short), by address, by the most specific block', () => {
    const t = create({ inventory: file('assets.yaml', INVENTORY_YAML) });
    const event = networkEvent(
      { ip: '10.20.5.5', port: 51000 },
      { ip: '10.1.2.3', port: 443, hostname: 'WEB01' },
      { hostname: 'db01.corp.example' },
    );
    t.apply(event);
    // dst: the host name wins over the address.
    assert.deepEqual(get(event, 'dst_endpoint.owner'), { name: 'alice' });
    assert.equal(get(event, 'dst_endpoint.zone'), 'dmz');
    assert.deepEqual(get(event, 'unmapped.enrich.dst_endpoint'), {
      network_scope: 'Internal',
      asset: 'web01.corp.example',
      owner: 'alice',
      criticality: 'high',
      zone: 'dmz',
      tags: ['pci', 'web'],
      rack: 'R12',
    });
    // src: inside 10.20.0.0/16.
    assert.deepEqual(get(event, 'src_endpoint.owner'), { name: 'net-team' });
    assert.deepEqual(get(event, 'unmapped.enrich.src_endpoint.tags'), ['wifi', 'guest']);
    // device: a short inventory name matches the FQDN the event names.
    assert.equal(get(event, 'unmapped.enrich.device.criticality'), 'critical');
    const entries = event.enrichments as Record<string, unknown>[];
    assert.deepEqual(
      entries.map((e) => [e.name, e.value, e.type]),
      [
        ['device.hostname', 'db01.corp.example', 'asset'],
        ['src_endpoint.ip', '10.20.5.5', 'asset'],
        ['dst_endpoint.hostname', 'WEB01', 'asset'],
      ],
    );
    assert.equal((entries[2]!.data as Record<string, unknown>).criticality, 'high');
    const byIp = networkEvent({ ip: '10.1.2.3' }, { ip: '192.0.2.1' });
    t.apply(byIp);
    assert.equal(get(byIp, 'unmapped.enrich.src_endpoint.criticality'), 'medium');
    assert.equal(get(byIp, 'unmapped.enrich.dst_endpoint.asset'), undefined);
  });

  test('enriched events stay valid OCSF', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
    const geo = file(
      'city2.mmdb',
      writeMmdb({ '81.2.69.0/24': { city: { names: { en: 'London' } }, country: { iso_code: 'GB' } } }),
    );
    const asn = file(
      'asn2.mmdb',
      writeMmdb({
        '81.2.0.0/16': {
          autonomous_system_number: 20712,
          autonomous_system_organization: 'Andrews & Arnold',
        },
      }),
    );
    const t = create({ inventory: file('assets2.yaml', INVENTORY_YAML), geoip: [geo, asn] });
    const event = networkEvent(
      { ip: '10.1.2.3' },
      { ip: '81.2.69.142', port: 443 },
      { hostname: 'web01', ip: '10.1.2.3' },
    );
    t.apply(event);
    assert.equal(get(event, 'dst_endpoint.location.city'), 'London');
    assert.deepEqual(validateOcsf(event), []);
    const base = ocsfEvent(
      OcsfClass.BaseEvent,
      { id: 99, name: 'Other' },
      {
        time: 0,
        metadata: { product: { name: 't' }, profiles: ['host'] },
      },
    );
    base.device = { type_id: 0, hostname: 'web01', ip: '81.2.69.1' };
    t.apply(base);
    assert.equal(get(base, 'device.location.country'), 'GB');
    assert.deepEqual(validateOcsf(base), []);
  });

  test('internal or external: default private networks; configurable; unspecified addresses left alone', () => {
    const t = create({});
    const scope = (ip: string): unknown => {
      const e = networkEvent({ ip }, { ip: '0.0.0.0' });
      t.apply(e);
      assert.equal(get(e, 'dst_endpoint.network_scope_id'), undefined);
      return get(e, 'src_endpoint.network_scope_id');
    };
    for (const ip of [
      '10.9.9.9',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      '::1',
      'fe80::1',
      'fd12::1',
      '::ffff:10.0.0.1',
    ])
      assert.equal(scope(ip), 1, ip);
    for (const ip of ['172.32.0.1', '8.8.8.8', '100.64.0.1', '2001:db8::1']) assert.equal(scope(ip), 2, ip);
    const e = networkEvent({ ip: '8.8.8.8' }, { ip: '10.0.0.1' });
    t.apply(e);
    assert.equal(get(e, 'src_endpoint.network_scope'), 'External');
    assert.equal(get(e, 'dst_endpoint.network_scope'), 'Internal');
    const custom = create({ internal_networks: ['100.64.0.0/10'] });
    const c = networkEvent({ ip: '100.64.0.1' }, { ip: '10.0.0.1' });
    custom.apply(c);
    assert.equal(get(c, 'src_endpoint.network_scope_id'), 1);
    assert.equal(get(c, 'dst_endpoint.network_scope_id'), 2);
  });

  test('device scope goes to an enrichment entry and the summary (devices have no network_scope)', () => {
    const t = create({});
    const e = networkEvent({ ip: '8.8.8.8' }, { ip: '10.0.0.1' }, { hostname: 'h', ip: '192.168.0.5' });
    t.apply(e);
    assert.equal(get(e, 'device.network_scope'), undefined);
    assert.equal(get(e, 'unmapped.enrich.device.network_scope'), 'Internal');
    assert.deepEqual((e.enrichments as unknown[])[0], {
      name: 'device.ip',
      value: '192.168.0.5',
      type: 'network_scope',
      provider: 'Vigil',
      data: { network_scope_id: 1, network_scope: 'Internal' },
    });
  });

  test('GeoIP for external addresses only, from City and ASN databases together', () => {
    const city = file(
      'city.mmdb',
      writeMmdb(
        {
          '81.2.69.0/24': {
            city: { names: { en: 'London' } },
            continent: { code: 'EU', names: { en: 'Europe' } },
            country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
            location: { latitude: 51.5142, longitude: -0.0931 },
            postal: { code: 'EC2V' },
            subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
          },
          '10.0.0.0/8': { country: { iso_code: 'XX' } },
        },
        { pointers: true },
      ),
    );
    const asn = file(
      'asn.mmdb',
      writeMmdb(
        {
          '81.2.0.0/16': {
            autonomous_system_number: 20712,
            autonomous_system_organization: 'Andrews & Arnold',
          },
        },
        { ipVersion: 4, recordSize: 24 },
      ),
    );
    const t = create({ geoip: [city, asn] });
    const e = networkEvent({ ip: '10.0.0.7' }, { ip: '81.2.69.142' });
    t.apply(e);
    assert.deepEqual(get(e, 'dst_endpoint.location'), {
      country: 'GB',
      city: 'London',
      region: 'ENG',
      continent: 'Europe',
      postal_code: 'EC2V',
      lat: 51.5142,
      long: -0.0931,
      provider: 'MaxMind DB',
    });
    assert.deepEqual(get(e, 'dst_endpoint.autonomous_system'), { number: 20712, name: 'Andrews & Arnold' });
    assert.equal(get(e, 'src_endpoint.location'), undefined, 'internal addresses are not looked up');
    const entry = (e.enrichments as Record<string, unknown>[]).find((x) => x.type === 'location');
    assert.equal(entry?.name, 'dst_endpoint.ip');
    assert.equal(entry?.value, '81.2.69.142');
  });

  test('existing values are kept unless overwrite is set', () => {
    const inventory = file('owners.yaml', '- host: 10.1.2.3\n  owner: bob\n  zone: lab\n');
    const keep = networkEvent(
      { ip: '10.1.2.3', owner: { name: 'carol' }, network_scope_id: 2, network_scope: 'External' },
      { ip: '8.8.8.8' },
    );
    create({ inventory }).apply(keep);
    assert.deepEqual(get(keep, 'src_endpoint.owner'), { name: 'carol' });
    assert.equal(get(keep, 'src_endpoint.network_scope_id'), 2);
    assert.equal(get(keep, 'src_endpoint.zone'), 'lab');
    const replace = networkEvent(
      { ip: '10.1.2.3', owner: { name: 'carol' }, network_scope_id: 2 },
      { ip: '8.8.8.8' },
    );
    create({ inventory, overwrite: true }).apply(replace);
    assert.deepEqual(get(replace, 'src_endpoint.owner'), { name: 'bob' });
    assert.equal(get(replace, 'src_endpoint.network_scope_id'), 1);
  });

  test('only the configured attributes; events without them are untouched', () => {
    const t = create({ attributes: ['dst_endpoint'] });
    const e = networkEvent({ ip: '8.8.8.8' }, { ip: '10.0.0.1' });
    t.apply(e);
    assert.equal(get(e, 'src_endpoint.network_scope_id'), undefined);
    assert.equal(get(e, 'dst_endpoint.network_scope_id'), 1);
    const bare = ocsfEvent(OcsfClass.BaseEvent, { id: 0 }, { time: 0, metadata: { product: { name: 'x' } } });
    const before = JSON.stringify(bare);
    create({}).apply(bare);
    assert.equal(JSON.stringify(bare), before);
  });

  test('reload reads the inventory again', () => {
    const path = file('reload.yaml', '- host: 10.0.0.1\n  criticality: low\n');
    const t = create({ inventory: path });
    const first = networkEvent({ ip: '10.0.0.1' }, { ip: '8.8.8.8' });
    t.apply(first);
    assert.equal(get(first, 'unmapped.enrich.src_endpoint.criticality'), 'low');
    writeFileSync(path, '- host: 10.0.0.1\n  criticality: high\n');
    t.reload();
    const second = networkEvent({ ip: '10.0.0.1' }, { ip: '8.8.8.8' });
    t.apply(second);
    assert.equal(get(second, 'unmapped.enrich.src_endpoint.criticality'), 'high');
  });
});

describe('inventory files', () => {
  test('CSV: header, quoted fields with commas and quotes, tags split, extra columns kept, CRLF', () => {
    const csv =
      'host,owner,criticality,zone,tags,note\r\n"web01","Smith, J.",high,dmz,"pci;web","say ""hi"""\r\n10.0.0.0/8,,low,,,\r\n\r\n';
    assert.deepEqual(parseInventory(csv, 'csv'), [
      {
        host: 'web01',
        owner: 'Smith, J.',
        criticality: 'high',
        zone: 'dmz',
        note: 'say "hi"',
        tags: ['pci', 'web'],
      },
      { host: '10.0.0.0/8', criticality: 'low' },
    ]);
    assert.throws(
      () => parseInventory('name,owner\nx,y\n', 'csv', 'a.csv'),
      /a\.csv: line 1: the header has no `host` column/,
    );
    assert.throws(() => parseInventory('host\nbad host\n', 'csv', 'a.csv'), /line 2: host: 'bad host'/);
  });

  test('YAML: a list, `assets:`, or a map of host → columns; numbers become text', () => {
    assert.deepEqual(parseInventory('web01: { owner: a, criticality: 3 }\n10.0.0.1: {}\n', 'yaml'), [
      { host: 'web01', owner: 'a', criticality: '3' },
      { host: '10.0.0.1' },
    ]);
    assert.deepEqual(parseInventory('- host: h1\n', 'yaml'), [{ host: 'h1' }]);
    assert.deepEqual(parseInventory('', 'yaml'), []);
    assert.throws(
      () => parseInventory('- host: h\n  owner: [1, {a: 2}]\n', 'yaml', 'i.yaml'),
      /i\.yaml: row 1: owner/,
    );
    assert.throws(
      () => parseInventory('key: [unclosed', 'yaml', 'i.yaml'),
      (e: unknown) => e instanceof InventoryError && /not valid YAML/.test(e.message),
    );
  });

  test('a host listed twice is an error naming both rows', () => {
    const path = file('dup.yaml', '- host: web01\n- host: WEB01\n');
    assert.throws(() => create({ inventory: path }), /row 2: host 'WEB01' is also row 1/);
  });
});
