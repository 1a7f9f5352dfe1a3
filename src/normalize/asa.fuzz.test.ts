import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { asaNormalizer } from './asa.js';
import { ASA_SAMPLES, TEST_CTX } from './network.testing.js';

const skip = sharedSkip(OCSF_SCHEMA_DIR);

/** Cisco's events are valid OCSF; a record is only ever rejected by the syslog parser. */
function check(text: string): void {
  const out = processRecord({ text, position: 'fuzz' }, { ...TEST_CTX, timezone: 'America/New_York' });
  if (!out.ok) {
    assert.notEqual(out.error.reason, 'normalize_error', JSON.stringify(out.error));
    return;
  }
  assert.ok(Number.isFinite(out.event.time));
  if (out.event.metadata.product.vendor_name === 'Cisco')
    assert.deepEqual(validateOcsf(out.event), [], JSON.stringify(out.event));
}

test('mutated ASA messages: valid OCSF, never a throw', { skip }, () => {
  fc.assert(fc.property(mutatedText(ASA_SAMPLES), check), fuzzOptions());
});

/** Real message shapes with their values (addresses, ports, ids, users) replaced by anything. */
const hostileAsa = fc
  .tuple(
    fc.constantFrom(...ASA_SAMPLES),
    fc.array(fc.oneof(hostileText, fc.constantFrom('', '-', '::', '999.1.1.1', '65536', '0:99:99')), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([line, junk]) => {
    let i = 0;
    return line.replace(/\d{1,3}(?:\.\d{1,3}){3}|\b\d{2,5}\b|'[^']*'|"[^"]*"/g, (m) =>
      i < junk.length && (i++ & 1) === 0 ? junk[i - 1]! : m,
    );
  });

test('ASA messages with hostile values in their fields: valid OCSF', { skip }, () => {
  fc.assert(fc.property(hostileAsa, check), fuzzOptions());
});

test('hostile text after an ASA tag: valid OCSF', { skip }, () => {
  fc.assert(
    fc.property(
      hostileText,
      fc.constantFrom('302013', '302014', '106023', '106100', '113015', '605004', '111008', '999999'),
      (junk, id) => {
        check(`<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-${id}: ${junk}`);
        const record = { format: 'text', fields: { message: `%ASA-6-${id}: ${junk}` }, raw: junk };
        assert.ok(asaNormalizer.accepts(record));
        assert.deepEqual(validateOcsf(asaNormalizer.normalize(record, TEST_CTX)), []);
      },
    ),
    fuzzOptions(),
  );
});
