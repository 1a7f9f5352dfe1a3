import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseIp, PrefixTable } from './ip.js';

const bytes = (text: string) => [...(parseIp(text) ?? [])];

test('IPv4 and IPv6 text → bytes; IPv4-mapped IPv6 is the IPv4 address; junk is undefined', () => {
  assert.deepEqual(bytes('192.0.2.1'), [192, 0, 2, 1]);
  assert.deepEqual(bytes('::ffff:192.0.2.1'), [192, 0, 2, 1]);
  assert.deepEqual(bytes('2001:db8::1'), [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]);
  assert.deepEqual(bytes('::'), Array(16).fill(0));
  assert.deepEqual(bytes('fe80::1%eth0'), [0xfe, 0x80, ...Array(13).fill(0), 1]);
  assert.deepEqual(bytes('64:ff9b::192.0.2.1').slice(12), [192, 0, 2, 1]);
  assert.deepEqual(bytes('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1::2::3',
    ':1',
    '1:2:3:4:5:6:7:8:9',
    'g::1',
    'host',
    '1.2.3.4.5',
  ])
    assert.equal(parseIp(bad), undefined, bad);
});

test('CIDR blocks: prefix checked per family; a bare address is a full-length block', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8')?.prefix, 8);
  assert.deepEqual(parseCidr('10.1.2.3')?.prefix, 32);
  assert.deepEqual(parseCidr('fc00::/7')?.prefix, 7);
  assert.deepEqual(parseCidr('::ffff:10.0.0.0/104')?.prefix, 8);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', 'x/8', '10.0.0.0/-1'])
    assert.equal(parseCidr(bad), undefined, bad);
});

test('prefix table: the most specific block wins, families apart', () => {
  const t = new PrefixTable<string>();
  for (const [cidr, v] of [
    ['10.0.0.0/8', 'ten'],
    ['10.1.0.0/16', 'ten-one'],
    ['10.1.2.3', 'host'],
    ['0.0.0.0/0', 'any4'],
    ['2001:db8::/32', 'doc6'],
  ] as const)
    t.insert(parseCidr(cidr)!, v);
  const at = (ip: string) => t.lookup(parseIp(ip)!);
  assert.deepEqual(at('10.1.2.3'), { value: 'host', prefix: 32 });
  assert.deepEqual(at('10.1.9.9'), { value: 'ten-one', prefix: 16 });
  assert.deepEqual(at('10.200.0.1'), { value: 'ten', prefix: 8 });
  assert.deepEqual(at('8.8.8.8'), { value: 'any4', prefix: 0 });
  assert.deepEqual(at('2001:db8:1::5'), { value: 'doc6', prefix: 32 });
  assert.equal(at('2001:db9::1'), undefined);
  assert.equal(t.size, 5);
  t.insert(parseCidr('10.1.2.3/32')!, 'again');
  assert.equal(t.size, 5);
  assert.equal(at('10.1.2.3')?.value, 'again');
});
