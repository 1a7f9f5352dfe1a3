import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createZeekTsvDecoder } from '../parsers/zeek.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { hostileFields, TEST_CTX, ZEEK_JSON_SAMPLES, ZEEK_TSV_SAMPLES } from './network.testing.js';
import { zeekNormalizer } from './zeek.js';

const skip = sharedSkip(OCSF_SCHEMA_DIR);

/** Zeek's events must be valid OCSF whatever the record held; anything else must not be lost. */
function check(text: string, value?: Record<string, unknown>, format?: string): void {
  const out = processRecord(
    value ? { text, position: 'fuzz', value, format: format ?? 'json' } : { text, position: 'fuzz' },
    TEST_CTX,
  );
  if (!out.ok) {
    // Only text the JSON parser refuses may be rejected; a decoded Zeek line never is.
    assert.notEqual(format, 'zeek', JSON.stringify(out.error));
    return;
  }
  assert.equal(typeof out.event.time, 'number');
  assert.ok(Number.isFinite(out.event.time));
  if (out.event.metadata.product.name === 'Zeek')
    assert.deepEqual(validateOcsf(out.event), [], JSON.stringify(out.event));
}

test('mutated Zeek TSV: every decoded line normalizes to valid OCSF, none rejected', { skip }, () => {
  fc.assert(
    fc.property(mutatedText(ZEEK_TSV_SAMPLES), (text) => {
      const decoder = createZeekTsvDecoder();
      for (const line of text.split('\n')) {
        for (const r of decoder.push(line, 'fuzz').records) check(r.text, r.value, r.format);
      }
    }),
    fuzzOptions(),
  );
});

test('mutated Zeek JSON lines: valid OCSF or a parse rejection, never a throw', { skip }, () => {
  fc.assert(
    fc.property(mutatedText(ZEEK_JSON_SAMPLES), (text) => check(text)),
    fuzzOptions(),
  );
});

test('Zeek JSON with hostile values in its fields: valid OCSF, every field kept', { skip }, () => {
  fc.assert(
    fc.property(hostileFields(ZEEK_JSON_SAMPLES), (fields) => {
      const record = { format: 'json', fields, raw: '{}' };
      if (!zeekNormalizer.accepts(record)) return;
      const event = zeekNormalizer.normalize(record, TEST_CTX);
      assert.deepEqual(
        validateOcsf(event),
        [],
        JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
    }),
    fuzzOptions(),
  );
});

test('hostile text as a Zeek line after a real header: never rejected', { skip }, () => {
  fc.assert(
    fc.property(fc.constantFrom(...ZEEK_TSV_SAMPLES), hostileText, (header, junk) => {
      const decoder = createZeekTsvDecoder();
      for (const line of `${header}\n${junk}`.split('\n')) {
        for (const r of decoder.push(line, 'fuzz').records) check(r.text, r.value, r.format);
      }
    }),
    fuzzOptions(),
  );
});
