import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from './ip.js';
import { MmdbError, MmdbReader } from './mmdb.js';
import { writeMmdb, type MmdbValue } from './mmdb-writer.testing.js';

const CITY: Record<string, MmdbValue> = {
  '81.2.69.0/24': {
    city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
    continent: { code: 'EU', names: { en: 'Europe' } },
    country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
    location: { latitude: 51.5142, longitude: -0.0931, accuracy_radius: 10 },
    postal: { code: 'EC2V' },
    subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
  },
  '81.2.69.160/27': { city: { names: { en: 'Camden' } }, country: { iso_code: 'GB' } },
  '2001:db8::/32': { country: { iso_code: 'ZZ' } },
};

describe('MaxMind DB reader', () => {
  for (const recordSize of [24, 28, 32] as const) {
    test(`${recordSize}-bit records, IPv6 tree: IPv4 and IPv6 lookups, most specific network`, () => {
      const reader = new MmdbReader(writeMmdb(CITY, { recordSize }));
      assert.equal(reader.metadata.record_size, recordSize);
      assert.equal(reader.metadata.ip_version, 6);
      assert.equal(reader.metadata.database_type, 'Vigil-Test');
      assert.equal(reader.metadata.build_epoch, 1700000000);
      const london = reader.lookup(parseIp('81.2.69.142')!) as Record<string, Record<string, unknown>>;
      assert.deepEqual(london.city, { geoname_id: 2643743, names: { en: 'London', de: 'London' } });
      assert.equal((london.location as Record<string, unknown>).longitude, -0.0931);
      const camden = reader.lookup(parseIp('81.2.69.170')!) as Record<string, Record<string, unknown>>;
      assert.deepEqual(camden.city, { names: { en: 'Camden' } });
      assert.deepEqual(reader.lookup(parseIp('2001:db8::42')!), { country: { iso_code: 'ZZ' } });
      assert.deepEqual(reader.lookup(parseIp('::ffff:81.2.69.142')!), london);
      assert.equal(reader.lookup(parseIp('8.8.8.8')!), undefined);
      assert.equal(reader.lookup(parseIp('2001:db9::1')!), undefined);
    });
  }

  test('an IPv4-only tree answers IPv4 and nothing for IPv6', () => {
    const reader = new MmdbReader(
      writeMmdb({ '1.0.0.0/24': { autonomous_system_number: 13335 } }, { ipVersion: 4 }),
    );
    assert.deepEqual(reader.lookup(parseIp('1.0.0.1')!), { autonomous_system_number: 13335 });
    assert.equal(reader.lookup(parseIp('2001:db8::1')!), undefined);
  });

  test('every data type, long strings (size extensions) and pointers to repeated strings', () => {
    const long = 'x'.repeat(300);
    const longer = 'y'.repeat(70000);
    const value: MmdbValue = {
      s: 'hello',
      s29: 'a'.repeat(29),
      long,
      longer,
      u16: { $type: 'uint16', value: 65535 },
      u32: { $type: 'uint32', value: 4294967295 },
      i32: { $type: 'int32', value: -42 },
      u64: { $type: 'uint64', value: 2n ** 63n },
      u128: { $type: 'uint128', value: 2n ** 100n },
      small64: { $type: 'uint64', value: 7 },
      d: 1.5,
      f: { $type: 'float', value: 0.25 },
      yes: true,
      no: false,
      bytes: Buffer.from([0, 1, 2]),
      list: ['one', 2, [true]],
      empty: {},
      zero: { $type: 'uint32', value: 0 },
    };
    for (const pointers of [false, true]) {
      const reader: MmdbReader = new MmdbReader(
        writeMmdb({ '10.0.0.0/8': value, '11.0.0.0/8': { again: 'hello', long } }, { pointers }),
      );
      const got = reader.lookup(parseIp('10.1.1.1')!) as Record<string, unknown>;
      assert.equal(got.s, 'hello');
      assert.equal(got.s29, 'a'.repeat(29));
      assert.equal(got.long, long);
      assert.equal(got.longer, longer);
      assert.equal(got.u16, 65535);
      assert.equal(got.u32, 4294967295);
      assert.equal(got.i32, -42);
      assert.equal(got.u64, 2n ** 63n);
      assert.equal(got.u128, 2n ** 100n);
      assert.equal(got.small64, 7);
      assert.equal(got.d, 1.5);
      assert.equal(got.f, 0.25);
      assert.equal(got.yes, true);
      assert.equal(got.no, false);
      assert.deepEqual(got.bytes, Buffer.from([0, 1, 2]));
      assert.deepEqual(got.list, ['one', 2, [true]]);
      assert.deepEqual(got.empty, {});
      assert.equal(got.zero, 0);
      assert.deepEqual(reader.lookup(parseIp('11.2.3.4')!), { again: 'hello', long });
    }
  });

  test('a map key named __proto__ stays a key', () => {
    const reader = new MmdbReader(
      writeMmdb({ '10.0.0.0/8': JSON.parse('{"__proto__":{"polluted":1}}') as MmdbValue }),
    );
    const got = reader.lookup(parseIp('10.0.0.1')!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(got), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('files that are not MaxMind DBs fail on open with the reason', () => {
    const fails = (buf: Buffer, pattern: RegExp) =>
      assert.throws(
        () => new MmdbReader(buf),
        (e: unknown) => e instanceof MmdbError && pattern.test(e.message),
      );
    fails(Buffer.from('not a database'), /no MaxMind DB metadata marker/);
    const good = writeMmdb(CITY);
    fails(
      writeMmdb(CITY, { metadata: { binary_format_major_version: { $type: 'uint16', value: 3 } } }),
      /binary format version 3/,
    );
    fails(writeMmdb(CITY, { metadata: { record_size: { $type: 'uint16', value: 20 } } }), /record size 20/);
    fails(
      writeMmdb(CITY, { metadata: { node_count: { $type: 'uint32', value: 4000000 } } }),
      /larger than the file/,
    );
    // Truncated inside the metadata.
    fails(good.subarray(0, good.length - 5), /metadata|ends early/);
  });
});
