import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { jsonParser, parseJsonDocument, stringifyJson } from './json.js';
import { ParseError } from './record.js';

/** Real shapes: NXLog with int64 Keywords, evtx_dump nesting, arrays, escapes, big numbers in strings. */
const SAMPLES = [
  '{"EventID":4625,"Keywords":-9218868437227405312,"Channel":"Security","Hostname":"WS5.theshire.local","Status":"0xc000006d","IpAddress":"-"}',
  '{"Event":{"System":{"EventID":1,"Execution":{"#attributes":{"ProcessID":3308}}},"EventData":{"CommandLine":"reg  query \\"HKLM\\\\SOFTWARE\\"","ProcessId":7112}}}',
  '{"a":[1,-2.5e-3,18446744073709551615,{"b":null,"c":true}],"s":"\\u00e9\\ud83d\\ude00 9223372036854775807"}',
  '{"Keywords":"0x8000000000000000","RecordNumber":737586,"tags":["mordorDataset"],"n":-9007199254740993}',
  '{"2":18446744073709551614,"1":9007199254740993,"x":{"2":1,"1":[9007199254740992]}}',
];

function parseOutcome(text: string): void {
  try {
    const record = jsonParser.parse(text);
    assert.equal(typeof record.fields, 'object');
    assert.ok(!Array.isArray(record.fields));
    assert.equal(record.raw, text);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    assert.ok(err.reason === 'invalid_json' || err.reason === 'not_an_object', err.reason);
    if (err.offset !== undefined)
      assert.ok(err.offset >= 0 && err.offset <= text.length, `offset ${err.offset}`);
  }
}

test('random text: an object or a ParseError with an offset inside the text, nothing else', () => {
  fc.assert(fc.property(hostileText, parseOutcome), fuzzOptions());
});

test('mutated real records: an object or a ParseError', () => {
  fc.assert(fc.property(mutatedText(SAMPLES), parseOutcome), fuzzOptions());
});

/** JSON values with integers anywhere in the 64-bit range and beyond, as bigint when unsafe. */
const exactJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc
      .bigInt({ min: -(2n ** 70n), max: 2n ** 70n })
      .map((n) =>
        n >= BigInt(-Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n,
      ),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
})).value;

test('any document with big integers survives stringify → parse → stringify exactly', () => {
  fc.assert(
    fc.property(exactJson, (value) => {
      const text = stringifyJson(value);
      const parsed = parseJsonDocument(text);
      assert.deepEqual(parsed, value);
      assert.equal(stringifyJson(parsed), text);
    }),
    fuzzOptions(),
  );
});
