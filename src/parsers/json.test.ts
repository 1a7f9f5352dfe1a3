import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonParser, parseJsonDocument, stringifyJson } from './json.js';
import { ParseError } from './record.js';

/** The ParseError a parse throws (fails the test if it returns or throws anything else). */
function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ParseError');
}

describe('jsonParser.parse', () => {
  test('an object becomes the fields, the text is kept as raw', () => {
    const text = '{"EventID":4624,"Channel":"Security","nested":{"a":[1,2,{"b":null}]},"ok":true}';
    const record = jsonParser.parse(text);
    assert.equal(record.format, 'json');
    assert.equal(record.raw, text);
    assert.deepEqual(record.fields, {
      EventID: 4624,
      Channel: 'Security',
      nested: { a: [1, 2, { b: null }] },
      ok: true,
    });
  });

  test('integers beyond MAX_SAFE_INTEGER become exact bigints', () => {
    const record = jsonParser.parse(
      '{"u64":18446744073709551615,"neg":-9007199254740993,"kw":-9223372036854775808,"safe":9007199254740991}',
    );
    assert.equal(record.fields.u64, 18446744073709551615n);
    assert.equal(record.fields.neg, -9007199254740993n);
    assert.equal(record.fields.kw, -9223372036854775808n);
    // 16 digits but safe: stays a number.
    assert.equal(record.fields.safe, 9007199254740991);
  });

  test('big integers nested in objects and arrays, in any order, are exact', () => {
    const text =
      '{"a":{"x":[1,18446744073709551615,{"y":-18446744073709551614}]},"b":9007199254740993,' +
      '"s":"18446744073709551615 in a string","c":[9007199254740992,9007199254740993]}';
    const fields = jsonParser.parse(text).fields as {
      a: { x: [number, bigint, { y: bigint }] };
      b: bigint;
      s: string;
      c: bigint[];
    };
    assert.equal(fields.a.x[1], 18446744073709551615n);
    assert.equal(fields.a.x[2].y, -18446744073709551614n);
    assert.equal(fields.b, 9007199254740993n);
    assert.equal(fields.s, '18446744073709551615 in a string');
    // Two literals that round to the same double keep their own digits.
    assert.deepEqual(fields.c, [9007199254740992n, 9007199254740993n]);
  });

  test('integer-like keys (reordered by JavaScript) keep their own big values', () => {
    const fields = jsonParser.parse(
      '{"b":18446744073709551615,"2":18446744073709551614,"1":18446744073709551613}',
    ).fields;
    assert.equal(fields.b, 18446744073709551615n);
    assert.equal(fields['2'], 18446744073709551614n);
    assert.equal(fields['1'], 18446744073709551613n);
  });

  test('a key that also appears inside a string value does not mislead the exact parse', () => {
    const text = '{"note":"\\"Keywords\\":1","Keywords":-9223372036854775808,"x":{"Keywords":5}}';
    const fields = jsonParser.parse(text).fields;
    assert.equal(fields.Keywords, -9223372036854775808n);
    assert.deepEqual(fields.x, { Keywords: 5 });
    // `"Keywords":` first found after a backslash: the tail of another key.
    const tricky = jsonParser.parse('{"x\\"Keywords":1,"Keywords":-9223372036854775808}').fields;
    assert.equal(tricky['x"Keywords'], 1);
    assert.equal(tricky.Keywords, -9223372036854775808n);
  });

  test('big floats and exponents stay numbers', () => {
    const fields = jsonParser.parse('{"f":12345678901234567.5,"e":1e300,"n":-2.5e20}').fields;
    assert.equal(fields.f, Number('12345678901234567.5'));
    assert.equal(fields.e, 1e300);
    assert.equal(fields.n, -2.5e20);
  });

  test('a byte-order mark before the document is skipped', () => {
    assert.deepEqual(jsonParser.parse('\ufeff{"a":1}').fields, { a: 1 });
  });

  test('non-object documents are not_an_object, at the first character of the value', () => {
    for (const [text, what] of [
      ['[1,2]', 'an array'],
      ['"text"', 'a string'],
      ['  42', 'a number'],
      ['null', 'null'],
      ['true', 'a boolean'],
      ['18446744073709551615', 'a number'],
    ] as const) {
      const err = parseError(() => jsonParser.parse(text));
      assert.equal(err.reason, 'not_an_object', text);
      assert.match(err.detail, new RegExp(what), text);
      assert.equal(err.offset, text.length - text.trimStart().length, text);
    }
  });

  test('syntax errors are invalid_json with the character offset', () => {
    const cases: [string, number][] = [
      ['{"a":1,}', 7],
      ['{"a":x}', 5],
      ['{"a":tru}', 5],
      ['{"a" 1}', 5],
      ['{"a":1}}', 7],
      ['{"a":"x', 7],
      ['{"a":', 5],
      ['', 0],
      ['   ', 3],
      ['{"a":"\u0001"}', 6],
      ['\ufeff{"a":x}', 6],
    ];
    for (const [text, offset] of cases) {
      const err = parseError(() => jsonParser.parse(text));
      assert.equal(err.reason, 'invalid_json', JSON.stringify(text));
      assert.equal(err.offset, offset, JSON.stringify(text));
      assert.match(err.message, new RegExp(`at offset ${offset}:`));
      // The detail names the problem without quoting the whole input back.
      assert.ok(err.detail.length > 0 && err.detail.length < 80, err.detail);
    }
  });

  test('duplicate keys: the last value wins, as in JSON.parse', () => {
    assert.deepEqual(jsonParser.parse('{"a":1,"a":2}').fields, { a: 2 });
    assert.deepEqual(jsonParser.parse('{"a":1,"a":18446744073709551615}').fields, {
      a: 18446744073709551615n,
    });
  });

  test('a __proto__ key is an ordinary own field', () => {
    const fields = jsonParser.parse('{"__proto__":{"polluted":1},"a":2}').fields;
    assert.ok(Object.prototype.hasOwnProperty.call(fields, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
  });

  test('deep nesting parses (no recursion limit in the exact-integer walk)', () => {
    const depth = 20_000;
    const text = `{"a":${'['.repeat(depth)}18446744073709551615${']'.repeat(depth)}}`;
    let node: unknown = jsonParser.parse(text).fields.a;
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0];
    assert.equal(node, 18446744073709551615n);
  });
});

describe('jsonParser.sniff', () => {
  test('accepts JSON objects, with blanks and a BOM around them', () => {
    assert.equal(jsonParser.sniff('{"a":1}'), true);
    assert.equal(jsonParser.sniff('  {"a":1}\r\n'), true);
    assert.equal(jsonParser.sniff('\ufeff{}'), true);
  });
  test('refuses arrays, syslog lines, text and half objects', () => {
    for (const sample of [
      '[1]',
      '<34>1 2003-10-11T22:14:15Z host app - - - msg',
      'hello',
      '{"a":',
      '}',
      '{',
      '',
    ]) {
      assert.equal(jsonParser.sniff(sample), false, sample);
    }
  });
});

describe('parseJsonDocument', () => {
  test('returns any JSON value, arrays and Records envelopes included, with exact integers', () => {
    assert.deepEqual(parseJsonDocument('[{"a":1},{"b":18446744073709551615}]'), [
      { a: 1 },
      { b: 18446744073709551615n },
    ]);
    assert.deepEqual(parseJsonDocument('{"Records":[{"n":-9007199254740993}]}'), {
      Records: [{ n: -9007199254740993n }],
    });
    assert.equal(parseJsonDocument('18446744073709551615'), 18446744073709551615n);
    assert.equal(parseJsonDocument('"s"'), 's');
    assert.equal(parseJsonDocument('null'), null);
  });
  test('syntax errors are ParseErrors with an offset', () => {
    const err = parseError(() => parseJsonDocument('[1,2,]'));
    assert.equal(err.reason, 'invalid_json');
    assert.equal(err.offset, 5);
  });
});

describe('stringifyJson', () => {
  test('big integers survive parse → stringify exactly', () => {
    for (const text of [
      '{"a":18446744073709551615}',
      '{"a":-9007199254740993}',
      '{"k":-9223372036854775808,"n":[1,{"x":9007199254740993}],"s":"é\\n\\"q\\""}',
    ]) {
      assert.equal(stringifyJson(jsonParser.parse(text).fields), text);
    }
  });
  test('values without bigints are written as JSON.stringify writes them', () => {
    const value = { a: [1, 'two', null, { b: false }], d: new Date(0), u: undefined, n: NaN };
    assert.equal(stringifyJson(value), JSON.stringify(value));
    assert.equal(stringifyJson(undefined), 'null');
    assert.equal(stringifyJson(12n), '12');
  });
  test('a cycle is still an error (the caller bug is not hidden)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => stringifyJson(cyclic), TypeError);
  });
});
