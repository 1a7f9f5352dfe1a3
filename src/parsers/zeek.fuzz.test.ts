import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { ZEEK_TSV_SAMPLES } from '../normalize/network.testing.js';
import { createZeekTsvDecoder, unescapeZeek } from './zeek.js';

/** Push every line; each line is a record, or a `#` line that produced none. Returns the records. */
function decodeAll(text: string) {
  const decoder = createZeekTsvDecoder();
  const out = [];
  for (const [i, line] of text.split('\n').entries()) {
    const { records, issues } = decoder.push(line, `line ${i + 1}`);
    assert.equal(issues, undefined);
    if (records.length === 0) {
      assert.ok(line.startsWith('#'), `line ${i + 1} produced no record: ${JSON.stringify(line)}`);
      continue;
    }
    assert.equal(records.length, 1);
    assert.equal(records[0]!.text, line);
    assert.equal(records[0]!.format, 'zeek');
    assert.equal(typeof records[0]!.value, 'object');
    out.push(records[0]!);
  }
  assert.deepEqual(decoder.end(), []);
  return out;
}

test('mutated real Zeek TSV: the decoder never throws and every non-# line is a record', () => {
  fc.assert(
    fc.property(mutatedText(ZEEK_TSV_SAMPLES), (text) => void decodeAll(text)),
    fuzzOptions(),
  );
});

test('hostile text after a real header: never throws, every line kept', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ZEEK_TSV_SAMPLES),
      hostileText,
      (header, junk) => void decodeAll(`${header}\n${junk}`),
    ),
    fuzzOptions(),
  );
});

test('hostile text on its own: never throws, every line kept', () => {
  fc.assert(
    fc.property(hostileText, (text) => void decodeAll(text)),
    fuzzOptions(),
  );
});

test('unescapeZeek never throws and is the identity on text without backslashes', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      const out = unescapeZeek(text);
      if (!text.includes('\\')) assert.equal(out, text);
    }),
    fuzzOptions(),
  );
});
