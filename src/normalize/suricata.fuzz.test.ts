import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { EVE_SAMPLES, hostileFields, TEST_CTX } from './network.testing.js';
import { suricataNormalizer } from './suricata.js';

const skip = sharedSkip(OCSF_SCHEMA_DIR);
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** A line through the pipeline: rejected only by the JSON parser; Suricata's events are valid OCSF. */
function check(text: string): void {
  const out = processRecord({ text, position: 'fuzz' }, TEST_CTX);
  if (!out.ok) {
    assert.ok(['invalid_json', 'not_an_object'].includes(out.error.reason), show(out.error));
    return;
  }
  assert.ok(Number.isFinite(out.event.time));
  if (out.event.metadata.product.name === 'Suricata')
    assert.deepEqual(validateOcsf(out.event), [], show(out.event));
}

test('mutated EVE lines: valid OCSF or a JSON parse rejection, never a throw', { skip }, () => {
  fc.assert(fc.property(mutatedText(EVE_SAMPLES), check), fuzzOptions());
});

test('EVE records with hostile values in their fields (nested too): valid OCSF', { skip }, () => {
  fc.assert(
    fc.property(hostileFields(EVE_SAMPLES), (fields) => {
      const record = { format: 'json', fields, raw: '{}' };
      if (!suricataNormalizer.accepts(record)) return;
      const event = suricataNormalizer.normalize(record, TEST_CTX);
      assert.deepEqual(validateOcsf(event), [], show(event));
    }),
    fuzzOptions(),
  );
});

test('hostile text: never a throw', { skip }, () => {
  fc.assert(fc.property(hostileText, check), fuzzOptions());
});
