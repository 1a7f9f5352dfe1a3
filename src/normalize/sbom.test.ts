import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { getPath, type OcsfEvent } from './ocsf.js';
import { sbomKind, sbomNormalizer } from './sbom.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2) };

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec: ParsedRecord = { format: 'json', fields, raw: stringifyJson(fields) };
  assert.ok(sbomNormalizer.accepts(rec), 'accepted');
  return sbomNormalizer.normalize(rec, CTX);
}

const CYCLONEDX = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
  version: 1,
  metadata: { timestamp: '2024-04-04T04:04:04Z', component: { name: 'shop', version: '2.0.0' } },
  components: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
  dependencies: [{ ref: 'a' }],
  vulnerabilities: [{ id: 'CVE-2024-0001' }],
};

const SPDX2 = {
  spdxVersion: 'SPDX-2.3',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'hello',
  documentNamespace: 'https://example.com/hello',
  creationInfo: { created: '2022-10-28T17:24:21Z' },
  packages: [{ SPDXID: 'SPDXRef-Package' }],
  files: [],
};

describe('SBOM documents', () => {
  test('kinds: CycloneDX, SPDX 2, SPDX 3 documents and elements; not other JSON', () => {
    assert.equal(sbomKind(CYCLONEDX), 'cyclonedx');
    assert.equal(sbomKind(SPDX2), 'spdx2');
    assert.equal(
      sbomKind({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] }),
      'spdx3-document',
    );
    assert.equal(sbomKind({ type: 'software_Package', spdxId: 'urn:x', name: 'p' }), 'spdx3-element');
    assert.equal(
      sbomKind({ type: 'CreationInfo', '@id': '_:c', specVersion: '3.0.1', created: '2024-01-01T00:00:00Z' }),
      'spdx3-element',
    );
    assert.equal(sbomKind({ type: 'alert', id: 1 }), undefined);
    assert.equal(sbomKind({ bomFormat: 'CycloneDX' }), undefined);
  });

  test('CycloneDX: a Base Event naming the document, with counts, time and serial number', () => {
    const e = normalize(CYCLONEDX);
    assert.equal(e.class_uid, 0);
    assert.equal(e.time, Date.parse('2024-04-04T04:04:04Z'));
    assert.equal(e.metadata.original_event_uid, 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79');
    assert.deepEqual(e.metadata.product, { name: 'CycloneDX', version: '1.5' });
    assert.equal(
      e.message,
      'CycloneDX 1.5 document: shop 2.0.0 (3 components, 1 dependencies, 1 vulnerabilities)',
    );
    assert.deepEqual(getPath(e, 'unmapped.sbom'), {
      format: 'CycloneDX',
      spec_version: '1.5',
      serial_number: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
      name: 'shop',
      version: '2.0.0',
      component_count: 3,
      dependency_count: 1,
      vulnerability_count: 1,
    });
    assert.equal(
      getPath(e, 'unmapped.components'),
      CYCLONEDX.components,
      'the lists by reference, not copied',
    );
  });

  test('SPDX 2 and odd documents (invalid test documents) still become events', () => {
    const e = normalize(SPDX2);
    assert.equal(getPath(e, 'unmapped.sbom.name'), 'hello');
    assert.equal(getPath(e, 'unmapped.sbom.package_count'), 1);
    assert.equal(e.time, Date.parse('2022-10-28T17:24:21Z'));
    const odd = normalize({ bomFormat: 'AnotherFormat', specVersion: 1.6, components: 'none', metadata: [] });
    assert.equal(odd.time, CTX.receivedAt);
    assert.equal(getPath(odd, 'unmapped.sbom.spec_version'), '1.6');
  });
});

describe('OCSF validity', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('events are valid Base Events', () => {
    for (const fields of [CYCLONEDX, SPDX2, { type: 'Person', spdxId: 'urn:p', name: 'Jane' }]) {
      assert.deepEqual(validateOcsf(normalize(fields)), []);
    }
  });
});
