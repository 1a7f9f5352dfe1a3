import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../../testing/fuzz.js';
import { ocsfEvent, OcsfClass } from '../../normalize/ocsf.js';
import { enrichEvent, type EnrichState } from '../enrich.js';
import { AssetIndex, InventoryError, parseInventory } from './inventory.js';
import { parseCidr, parseIp, PrefixTable } from './ip.js';
import { MmdbError, MmdbReader } from './mmdb.js';
import { writeMmdb } from './mmdb-writer.testing.js';

const DB = writeMmdb(
  {
    '81.2.69.0/24': {
      city: { names: { en: 'London' } },
      country: { iso_code: 'GB' },
      location: { latitude: 51.5, longitude: -0.1 },
    },
    '81.2.69.160/27': { city: { names: { en: 'Camden' } }, list: [1, 'two', { three: true }] },
    '2001:db8::/32': { autonomous_system_number: 64496, autonomous_system_organization: 'Example' },
  },
  { pointers: true },
);

const address = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.constantFrom(parseIp('81.2.69.170')!, parseIp('2001:db8::1')!),
);

/** A damaged copy of a database: bytes changed, removed or cut off. */
const damaged = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), {
      minLength: 1,
      maxLength: 8,
    }),
    fc.option(fc.nat()),
  )
  .map(([edits, cut]) => {
    let b = Buffer.from(DB);
    for (const [at, value, remove] of edits) {
      const i = at % b.length;
      if (remove) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      else b[i] = value;
    }
    return cut === null ? b : b.subarray(0, cut % (b.length + 1));
  });

test('MaxMind DB reader: damaged files fail on open with MmdbError, or answer lookups without throwing', () => {
  fc.assert(
    fc.property(damaged, fc.array(address, { maxLength: 8 }), (bytes, addresses) => {
      let reader: MmdbReader;
      try {
        reader = new MmdbReader(bytes);
      } catch (error) {
        if (!(error instanceof MmdbError)) throw error;
        return;
      }
      for (const a of addresses) reader.lookup(a);
    }),
    fuzzOptions(),
  );
});

test('MaxMind DB reader: random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        new MmdbReader(
          Buffer.concat([
            Buffer.from(bytes),
            Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
            Buffer.from(bytes),
          ]),
        ).lookup(parseIp('1.2.3.4')!);
      } catch (error) {
        if (!(error instanceof MmdbError)) throw error;
      }
    }),
    fuzzOptions(),
  );
});

const YAML_SAMPLES = [
  'assets:\n  - host: web01\n    owner: alice\n    tags: [a, b]\n  - host: 10.0.0.0/8\n',
  'web01: { owner: a }\n10.1.2.3: {}\n',
];
const CSV_SAMPLES = ['host,owner,tags\nweb01,alice,"a;b"\n10.0.0.0/8,net,\n', 'host\r\n"h,1"\r\n'];

test('inventory parser: hostile and mutated text gives assets or an InventoryError', () => {
  const check = (text: string, format: 'yaml' | 'csv') => {
    try {
      const assets = parseInventory(text, format, 'fuzz');
      for (const a of assets) assert.equal(typeof a.host, 'string');
      new AssetIndex(assets, 'fuzz');
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
    }
  };
  fc.assert(
    fc.property(hostileText, (t) => check(t, 'yaml')),
    fuzzOptions(),
  );
  fc.assert(
    fc.property(hostileText, (t) => check(t, 'csv')),
    fuzzOptions(),
  );
  fc.assert(
    fc.property(mutatedText(YAML_SAMPLES), (t) => check(t, 'yaml')),
    fuzzOptions(),
  );
  fc.assert(
    fc.property(mutatedText(CSV_SAMPLES), (t) => check(t, 'csv')),
    fuzzOptions(),
  );
});

test('IP and CIDR parsing: hostile text never throws; what parses has the right length', () => {
  fc.assert(
    fc.property(
      fc.oneof(hostileText, mutatedText(['10.0.0.0/8', '2001:db8::1/64', '::ffff:1.2.3.4', 'fe80::1%eth0'])),
      (t) => {
        const ip = parseIp(t);
        if (ip) assert.ok(ip.length === 4 || ip.length === 16);
        const cidr = parseCidr(t);
        if (cidr) assert.ok(cidr.prefix >= 0 && cidr.prefix <= cidr.bytes.length * 8);
      },
    ),
    fuzzOptions(),
  );
});

test('enrichEvent: any values in device and endpoints never throw', () => {
  const internal = new PrefixTable<true>();
  internal.insert(parseCidr('10.0.0.0/8')!, true);
  const state: EnrichState = {
    internal,
    geo: [new MmdbReader(DB)],
    assets: new AssetIndex(parseInventory(YAML_SAMPLES[0]!, 'yaml')),
  };
  const endpoint = fc.oneof(
    fc.anything(),
    fc.record(
      {
        ip: fc.oneof(
          fc.constantFrom('10.1.1.1', '81.2.69.170', '2001:db8::5', '0.0.0.0'),
          hostileText,
          fc.anything(),
        ),
        hostname: fc.anything(),
        name: fc.anything(),
        owner: fc.anything(),
        location: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  );
  fc.assert(
    fc.property(
      endpoint,
      endpoint,
      endpoint,
      fc.anything(),
      fc.anything(),
      (device, src, dst, enrichments, unmapped) => {
        const event = ocsfEvent(
          OcsfClass.NetworkActivity,
          { id: 6 },
          { time: 0, metadata: { product: { name: 'f' } } },
        );
        Object.assign(event, { device, src_endpoint: src, dst_endpoint: dst, enrichments, unmapped });
        enrichEvent(event, state, {
          attributes: ['device', 'src_endpoint', 'dst_endpoint'],
          overwrite: false,
        });
      },
    ),
    fuzzOptions(),
  );
});
