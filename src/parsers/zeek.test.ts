import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { detectLineDecoder, lineDecoderFor } from './registry.js';
import {
  createZeekTsvDecoder,
  defaultZeekHeader,
  parseZeekTsv,
  parseZeekValue,
  readZeekHeaderLine,
  unescapeZeek,
  ZEEK_ERROR_KEY,
  ZEEK_FORMAT,
  ZEEK_TYPE_ERRORS_KEY,
  zeekTsvDecoder,
} from './zeek.js';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2025-11-23-10-29-51',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tduration\torig_bytes\tlocal_orig\tservice\ttunnel_parents\thistory',
  '#types\ttime\tstring\taddr\tport\tinterval\tcount\tbool\tstring\tset[string]\tstring',
].join('\n');

describe('unescapeZeek', () => {
  test('\\xHH bytes, runs decoded as UTF-8, \\\\ as a backslash', () => {
    assert.equal(unescapeZeek('a\\x09b'), 'a\tb');
    assert.equal(unescapeZeek('caf\\xc3\\xa9'), 'café');
    assert.equal(unescapeZeek('\\\\pipe\\\\ntsvcs'), '\\pipe\\ntsvcs');
    assert.equal(unescapeZeek('O=Yahoo Holdings\\\\, Inc.'), 'O=Yahoo Holdings\\, Inc.');
    assert.equal(unescapeZeek('x\\x2cy'), 'x,y');
  });

  test('bytes that are not UTF-8 keep their escape; a lone backslash is literal', () => {
    assert.equal(unescapeZeek('\\xff\\xfe'), '\\xff\\xfe');
    assert.equal(unescapeZeek('C:\\temp'), 'C:\\temp');
    assert.equal(unescapeZeek('end\\'), 'end\\');
    assert.equal(unescapeZeek('\\x4'), '\\x4');
  });
});

describe('parseZeekValue', () => {
  const h = defaultZeekHeader();
  test('typed scalars', () => {
    assert.deepEqual(parseZeekValue('1541117137.618695', 'time', h), { value: 1541117137.618695 });
    assert.deepEqual(parseZeekValue('0.013561', 'interval', h), { value: 0.013561 });
    assert.deepEqual(parseZeekValue('49159', 'port', h), { value: 49159 });
    assert.deepEqual(parseZeekValue('T', 'bool', h), { value: true });
    assert.deepEqual(parseZeekValue('F', 'bool', h), { value: false });
    assert.deepEqual(parseZeekValue('18446744073709551615', 'count', h), { value: 18446744073709551615n });
    assert.deepEqual(parseZeekValue('-5', 'int', h), { value: -5 });
  });

  test('unset, empty, and an escaped dash that is a real value', () => {
    assert.deepEqual(parseZeekValue('-', 'string', h), { unset: true });
    assert.deepEqual(parseZeekValue('(empty)', 'string', h), { value: '' });
    assert.deepEqual(parseZeekValue('(empty)', 'set[string]', h), { value: [] });
    assert.deepEqual(parseZeekValue('\\x2d', 'string', h), { value: '-' });
  });

  test('sets and vectors split on the set separator, elements typed and unescaped', () => {
    assert.deepEqual(parseZeekValue('a,b\\x2cc', 'set[string]', h), { value: ['a', 'b,c'] });
    assert.deepEqual(parseZeekValue('2230.000000,41830.000000', 'vector[interval]', h), {
      value: [2230, 41830],
    });
    assert.deepEqual(parseZeekValue('10.0.0.1,-', 'vector[addr]', h), { value: ['10.0.0.1', null] });
  });

  test('text that is not of its type is kept as text with the reason', () => {
    const cell = parseZeekValue('XXXXXXXXXX.XXXXXX', 'time', h);
    assert.equal('error' in cell && cell.value, 'XXXXXXXXXX.XXXXXX');
    assert.match('error' in cell ? cell.error : '', /not a time/);
    assert.ok('error' in parseZeekValue('maybe', 'bool', h));
    assert.ok('error' in parseZeekValue('1,x', 'vector[count]', h));
  });
});

describe('the zeek-tsv decoder', () => {
  test('reads a header and types every column; unset columns are absent', () => {
    const [r] = parseZeekTsv(
      `${HEADER}\n1541117137.618695\tCYtJYz4gNk3t5ZEt2\t172.16.9.233\t49159\t0.013561\t244\tT\tkrb_tcp\t(empty)\t-`,
    );
    assert.deepEqual(r, {
      _path: 'conn',
      ts: 1541117137.618695,
      uid: 'CYtJYz4gNk3t5ZEt2',
      'id.orig_h': '172.16.9.233',
      'id.orig_p': 49159,
      duration: 0.013561,
      orig_bytes: 244,
      local_orig: true,
      service: 'krb_tcp',
      tunnel_parents: [],
    });
  });

  test('emits records with the zeek format, position and original text', () => {
    const decoder = createZeekTsvDecoder();
    for (const line of HEADER.split('\n')) assert.deepEqual(decoder.push(line, 'h').records, []);
    const line = '1.5\tC1\t10.0.0.1\t1\t-\t-\t-\t-\t-\t-';
    const out = decoder.push(line, 'f line 9');
    assert.equal(out.records.length, 1);
    assert.equal(out.records[0]!.format, ZEEK_FORMAT);
    assert.equal(out.records[0]!.position, 'f line 9');
    assert.equal(out.records[0]!.text, line);
    assert.equal(decoder.pending(), false);
    assert.deepEqual(decoder.end(), []);
  });

  test('a new #separator block mid-stream restarts the header (concatenated logs)', () => {
    const text = [
      HEADER,
      '1.0\tC1\t10.0.0.1\t1\t-\t-\t-\t-\t-\t-',
      '#close\t2025-11-23-10-29-52',
      '#separator \\x09',
      '#set_separator\t;',
      '#path\tdns',
      '#fields\tts\tquery\tanswers',
      '#types\ttime\tstring\tvector[string]',
      '2.0\texample.com\ta.example;b.example',
    ].join('\n');
    const records = parseZeekTsv(text);
    assert.equal(records.length, 2);
    assert.equal(records[0]!._path, 'conn');
    assert.deepEqual(records[1], {
      _path: 'dns',
      ts: 2,
      query: 'example.com',
      answers: ['a.example', 'b.example'],
    });
  });

  test('a custom separator and unset marker are honoured', () => {
    const text = [
      '#separator |',
      '#unset_field|NONE',
      '#fields|ts|name',
      '#types|time|string',
      '7.0|NONE',
      '8.0|a\\x7cb',
    ].join('\n');
    assert.deepEqual(parseZeekTsv(text), [{ ts: 7 }, { ts: 8, name: 'a|b' }]);
  });

  test('lines that cannot be read are kept as records with the reason', () => {
    const noHeader = parseZeekTsv('1.0\tC1\tx');
    assert.equal(noHeader.length, 1);
    assert.match(String(noHeader[0]![ZEEK_ERROR_KEY]), /^no_header/);
    const short = parseZeekTsv(`${HEADER}\n1.0\tC1`);
    assert.equal(short.length, 1);
    assert.equal(short[0]!._path, 'conn');
    assert.match(
      String(short[0]![ZEEK_ERROR_KEY]),
      /^field_count: the line has 2 fields, the #fields header names 10/,
    );
    const badType = parseZeekTsv(`${HEADER}\nXXXX.XX\tC1\t10.0.0.1\tnope\t-\t-\t-\t-\t-\t-`);
    assert.equal(badType[0]!.ts, 'XXXX.XX');
    assert.equal(badType[0]!['id.orig_p'], 'nope');
    assert.equal((badType[0]![ZEEK_TYPE_ERRORS_KEY] as string[]).length, 2);
  });

  test('banners and #open/#close are not records; other # lines are', () => {
    const records = parseZeekTsv(`### BTest baseline data\n${HEADER}\n#close\tX\n#weird line`);
    assert.equal(records.length, 1);
    assert.ok(records[0]![ZEEK_ERROR_KEY]);
  });

  test('a field named __proto__ is an own property', () => {
    const [r] = parseZeekTsv('#separator \\x09\n#fields\t__proto__\n#types\tstring\nvalue');
    assert.ok(Object.hasOwn(r!, '__proto__'));
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
  });

  test('is registered, found by name and sniffed from the #separator line', () => {
    assert.equal(lineDecoderFor('zeek-tsv'), zeekTsvDecoder);
    assert.equal(detectLineDecoder('#separator \\x09'), zeekTsvDecoder);
    assert.equal(zeekTsvDecoder.sniff('{"ts":1}'), false);
  });

  test('readZeekHeaderLine reports comments as not headers', () => {
    const h = defaultZeekHeader();
    assert.equal(readZeekHeaderLine('#path\tconn', h), true);
    assert.equal(h.path, 'conn');
    assert.equal(readZeekHeaderLine('#open\tx', h), false);
  });

  test(
    'the Trickbot conn.log: every data line is a typed record',
    { skip: sharedSkip('telemetry/zeek/trickbot-2018-tsv/conn.log') },
    () => {
      const text = readFileSync(sharedPath('telemetry/zeek/trickbot-2018-tsv/conn.log'), 'utf8');
      const records = parseZeekTsv(text);
      const dataLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
      assert.equal(records.length, dataLines);
      assert.ok(
        records.every((r) => r[ZEEK_ERROR_KEY] === undefined && r[ZEEK_TYPE_ERRORS_KEY] === undefined),
      );
      assert.deepEqual(records[0], {
        _path: 'conn',
        ts: 1541117137.618695,
        uid: 'CYtJYz4gNk3t5ZEt2',
        'id.orig_h': '172.16.9.233',
        'id.orig_p': 49159,
        'id.resp_h': '172.16.9.5',
        'id.resp_p': 88,
        proto: 'tcp',
        service: 'krb_tcp',
        duration: 0.013561,
        orig_bytes: 244,
        resp_bytes: 292,
        conn_state: 'RSTR',
        local_orig: true,
        local_resp: true,
        missed_bytes: 0,
        history: 'ShADdFar',
        orig_pkts: 4,
        orig_ip_bytes: 416,
        resp_pkts: 4,
        resp_ip_bytes: 464,
        ip_proto: 6,
      });
    },
  );
});
