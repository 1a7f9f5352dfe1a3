import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../parsers/json.js';
import { fuzzOptions, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { anyValue, checkNormalize, fieldsOf, parsedOrUndefined } from './cloud.testing.js';
import { sbomNormalizer } from './sbom.js';

const validate = sharedSkip(OCSF_SCHEMA_DIR) === false;

const SAMPLES = [
  {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:1',
    metadata: { timestamp: '2024-01-01T00:00:00Z', component: { name: 'a', version: '1' } },
    components: [{ name: 'x' }],
    dependencies: [],
  },
  {
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'n',
    creationInfo: { created: '2024-01-01T00:00:00Z' },
    packages: [],
    files: [],
  },
  {
    type: 'software_Package',
    spdxId: 'urn:p',
    name: 'p',
    software_packageVersion: '1.0',
    creationInfo: '_:c',
  },
  { '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [{ type: 'CreationInfo' }] },
].map((r) => stringifyJson(r));

test('mutated SBOM documents: only ParseErrors, and valid Base Events whenever accepted', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsedOrUndefined(text);
      if (rec !== undefined && sbomNormalizer.accepts(rec)) checkNormalize(sbomNormalizer, rec, validate);
    }),
    fuzzOptions(),
  );
});

const KEYS = [
  'serialNumber',
  'version',
  'metadata',
  'components',
  'services',
  'dependencies',
  'vulnerabilities',
  'name',
  'documentNamespace',
  'creationInfo',
  'packages',
  'files',
  'relationships',
  'spdxId',
  'created',
  'software_packageVersion',
  'sbom',
  '__proto__',
];
const document = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { bomFormat: 'CycloneDX', specVersion: 1.5 },
      { spdxVersion: 'SPDX-2.2', SPDXID: 'x' },
      { type: 'Person', spdxId: 'urn:x' },
    ),
    fieldsOf(KEYS),
    fieldsOf(['timestamp', 'component', 'name', 'version', 'created']),
    anyValue,
  )
  .map(([kind, fields, nested, v]) => ({
    ...fields,
    ...kind,
    metadata: { ...nested, component: nested },
    creationInfo: nested,
    components: v,
  }));

test(
  'SBOM documents with arbitrary values: valid Base Events, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(document, (fields) => {
        const rec = parsedOrUndefined(stringifyJson(fields))!;
        assert.ok(sbomNormalizer.accepts(rec));
        checkNormalize(sbomNormalizer, rec, true);
      }),
      fuzzOptions(),
    );
  },
);
