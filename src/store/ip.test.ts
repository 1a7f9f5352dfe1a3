import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bigIntToIp, cidrRange, ipToBigInt, ipv4ToNumber, IPV4_MAPPED_BASE } from './ip.js';
import { fuzzOptions, hostileText } from '../testing/fuzz.js';

const v4 = (a: number, b: number, c: number, d: number) =>
  IPV4_MAPPED_BASE + BigInt(((a * 256 + b) * 256 + c) * 256 + d);

describe('ipToBigInt', () => {
  test('IPv4 maps into ::ffff:0:0/96', () => {
    assert.equal(ipToBigInt('10.1.2.3'), v4(10, 1, 2, 3));
    assert.equal(ipToBigInt('0.0.0.0'), IPV4_MAPPED_BASE);
    assert.equal(ipToBigInt('255.255.255.255'), IPV4_MAPPED_BASE + 0xffffffffn);
    assert.equal(ipToBigInt('  192.168.1.50 '), v4(192, 168, 1, 50));
    // Zero-padded octets are decimal, not octal.
    assert.equal(ipToBigInt('010.001.002.003'), v4(10, 1, 2, 3));
  });

  test('IPv6 full, compressed and mixed forms agree', () => {
    const expected = 0x20010db8000000000000000000000001n;
    for (const text of [
      '2001:db8::1',
      '2001:0db8:0000:0000:0000:0000:0000:0001',
      '2001:DB8:0:0:0:0:0:1',
      '2001:db8:0::0:1',
    ]) {
      assert.equal(ipToBigInt(text), expected, text);
    }
    assert.equal(ipToBigInt('::'), 0n);
    assert.equal(ipToBigInt('::1'), 1n);
    assert.equal(ipToBigInt('1::'), 1n << 112n);
    assert.equal(ipToBigInt('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), (1n << 128n) - 1n);
    assert.equal(ipToBigInt('fe80::1:2'), (0xfe80n << 112n) + (1n << 16n) + 2n);
  });

  test('IPv4-embedded IPv6 and IPv4-mapped text equal the IPv4 number', () => {
    assert.equal(ipToBigInt('::ffff:10.1.2.3'), v4(10, 1, 2, 3));
    assert.equal(ipToBigInt('::FFFF:10.1.2.3'), v4(10, 1, 2, 3));
    assert.equal(ipToBigInt('0:0:0:0:0:ffff:10.1.2.3'), v4(10, 1, 2, 3));
    assert.equal(ipToBigInt('::ffff:a01:203'), v4(10, 1, 2, 3));
    assert.equal(ipToBigInt('64:ff9b::192.0.2.33'), (0x64n << 112n) + (0xff9bn << 96n) + 0xc0000221n);
  });

  test('zone ids are stripped', () => {
    assert.equal(ipToBigInt('fe80::1%eth0'), ipToBigInt('fe80::1'));
    assert.equal(ipToBigInt('fe80::1%25'), ipToBigInt('fe80::1'));
  });

  test('junk is undefined', () => {
    for (const text of [
      '',
      ' ',
      '-',
      'localhost',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.-1',
      '1.2.3.4 5',
      '1.2.3.0x1',
      '1234.1.1.1',
      ':::',
      '1:::2',
      '1::2::3',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7::8',
      '12345::',
      'g::1',
      '::1.2.3',
      '1.2.3.4::',
      '::ffff:1.2.3.4.5',
      '10.0.0.0/8',
      '1.2.3.4%eth0',
    ]) {
      assert.equal(ipToBigInt(text), undefined, JSON.stringify(text));
    }
  });

  test('round trip through bigIntToIp', () => {
    for (const text of [
      '10.1.2.3',
      '2001:db8::1',
      '::',
      '::1',
      '1::',
      'fe80::1:2',
      '2001:db8:0:1:1:1:1:1',
      '1:0:0:2::3',
    ]) {
      assert.equal(bigIntToIp(ipToBigInt(text)!), text);
    }
    assert.equal(bigIntToIp(ipToBigInt('2001:0db8:0000:0000:0001:0000:0000:0001')!), '2001:db8::1:0:0:1');
    assert.equal(bigIntToIp(-1n), undefined);
    assert.equal(bigIntToIp(1n << 128n), undefined);
  });

  test('ipv4ToNumber', () => {
    assert.equal(ipv4ToNumber('1.2.3.4'), 0x01020304);
    assert.equal(ipv4ToNumber('1.2.3'), undefined);
  });

  test('never throws on hostile text; every result is a 128-bit number', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const n = ipToBigInt(text);
        assert.ok(n === undefined || (n >= 0n && n < 1n << 128n));
        const r = cidrRange(text);
        assert.ok(r === undefined || (r.low <= r.high && r.high < 1n << 128n));
      }),
      fuzzOptions(),
    );
  });

  test('any IPv4 and IPv6 address round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
        const n = ipToBigInt(text);
        assert.notEqual(n, undefined, text);
        assert.equal(ipToBigInt(bigIntToIp(n!)!), n);
      }),
      fuzzOptions(),
    );
  });
});

describe('cidrRange', () => {
  test('IPv4 prefixes', () => {
    assert.deepEqual(cidrRange('10.0.0.0/8'), { low: v4(10, 0, 0, 0), high: v4(10, 255, 255, 255) });
    assert.deepEqual(cidrRange('192.168.1.0/24'), { low: v4(192, 168, 1, 0), high: v4(192, 168, 1, 255) });
    assert.deepEqual(cidrRange('10.1.2.3/32'), { low: v4(10, 1, 2, 3), high: v4(10, 1, 2, 3) });
    assert.deepEqual(cidrRange('0.0.0.0/0'), { low: v4(0, 0, 0, 0), high: v4(255, 255, 255, 255) });
    // Host bits are masked off.
    assert.deepEqual(cidrRange('10.1.2.3/8'), cidrRange('10.0.0.0/8'));
    // The same range written as IPv4-mapped IPv6.
    assert.deepEqual(cidrRange('::ffff:10.0.0.0/104'), cidrRange('10.0.0.0/8'));
  });

  test('IPv6 prefixes', () => {
    const base = 0x20010db8n << 96n;
    assert.deepEqual(cidrRange('2001:db8::/32'), { low: base, high: base + (1n << 96n) - 1n });
    assert.deepEqual(cidrRange('2001:db8::1/128'), { low: base + 1n, high: base + 1n });
    assert.deepEqual(cidrRange('::/0'), { low: 0n, high: (1n << 128n) - 1n });
    assert.deepEqual(cidrRange('fe80::/10'), { low: 0xfe80n << 112n, high: (0xfec0n << 112n) - 1n });
  });

  test('bad ranges are undefined', () => {
    for (const text of [
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0',
      '/8',
      '10.0.0/8',
      '2001:db8::/129',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'fe80::1%eth0/64',
      '10.0.0.0/+8',
      '10.0.0.0/1000',
    ]) {
      assert.equal(cidrRange(text), undefined, text);
    }
  });
});
