import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ParseError } from '../parsers/record.js';
import { fuzzOptions, hostileText } from '../testing/fuzz.js';
import { frameBody } from './http.js';

describe('HTTP body framing', () => {
  test('NDJSON: one record per non-empty line, CRLF tolerated, positions by line', () => {
    const records = frameBody(
      '{"a":1}\r\n\n{"b":2}\n<13>Jan  1 00:00:00 host app: hi\n',
      'application/x-ndjson',
    );
    assert.deepEqual(
      records.map((r) => [r.text, r.position]),
      [
        ['{"a":1}', 'line 1'],
        ['{"b":2}', 'line 3'],
        ['<13>Jan  1 00:00:00 host app: hi', 'line 4'],
      ],
    );
  });

  test('application/json: an array is one record per element, already parsed', () => {
    const records = frameBody('[{"a":1},{"b":{"c":2}}, 3]', 'application/json; charset=utf-8');
    assert.equal(records.length, 3);
    assert.deepEqual(records[1]!.value, { b: { c: 2 } });
    assert.equal(records[2]!.format, 'json');
    assert.equal(records[2]!.value, undefined);
  });

  test('application/json: a pretty-printed object is one record; big integers survive', () => {
    const records = frameBody('{\n  "id": 18446744073709551615\n}', 'application/json');
    assert.equal(records.length, 1);
    assert.equal(records[0]!.text, '{"id":18446744073709551615}');
  });

  test('a broken JSON document is a ParseError with an offset', () => {
    assert.throws(
      () => frameBody('[{"a":1},', 'application/json'),
      (e: unknown) => e instanceof ParseError && e.offset !== undefined,
    );
  });

  test('fuzz: any body frames or fails with ParseError, never anything else', () => {
    fc.assert(
      fc.property(
        hostileText,
        fc.constantFrom('application/json', 'application/x-ndjson', ''),
        (body, type) => {
          try {
            frameBody(body, type);
          } catch (error) {
            if (!(error instanceof ParseError)) throw error;
          }
        },
      ),
      fuzzOptions(),
    );
  });
});
