import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getPath } from './ocsf.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { corpusFiles, describeStats, fileEvents, ingestCorpus } from './cloud.testing.js';

const DIR = 'telemetry/sbom';
const at = (rel: string) => sharedPath(`${DIR}/${rel}`);
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

describe('SBOM corpus (CycloneDX, SPDX JSON)', { skip }, () => {
  test('every JSON document ingests without a rejection; events are valid Base Events', async (t) => {
    const files = corpusFiles(sharedPath(DIR), ['.json']);
    assert.ok(files.length >= 250, `${files.length} files`);
    const stats = await ingestCorpus(files);
    for (const line of describeStats(stats)) t.diagnostic(line);
    assert.deepEqual(stats.crashed, []);
    assert.deepEqual(stats.rejected, []);
    assert.deepEqual(stats.invalid, []);
    const cyclonedx = stats.byProduct.get('CycloneDX')!;
    const spdx = stats.byProduct.get('SPDX')!;
    // Every CycloneDX document (valid and invalid test documents alike) is one event; SPDX 2 is
    // one per document, SPDX 3 one per @graph element. The JSON Schemas under schema/ are no SBOMs.
    assert.equal(
      cyclonedx.events,
      files.filter((f) => /cyclonedx/.test(f) && !f.includes('/schema/')).length,
    );
    assert.ok(spdx.events > 17, String(spdx.events));
    assert.equal(stats.byProduct.get('unknown')?.events, files.filter((f) => f.includes('/schema/')).length);
  });

  test('CycloneDX juice-shop: name, version, component count, time, serial number', async () => {
    const [e] = await fileEvents(at('cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.json'));
    assert.equal(e!.class_uid, 0);
    assert.equal(e!.metadata.product.name, 'CycloneDX');
    assert.equal(e!.metadata.product.version, '1.2');
    assert.deepEqual(getPath(e, 'unmapped.sbom'), {
      format: 'CycloneDX',
      spec_version: '1.2',
      serial_number: 'urn:uuid:1f860713-54b9-4253-ba5a-9554851904af',
      name: 'juice-shop',
      version: '11.1.2',
      component_count: 840,
    });
    assert.equal(e!.message, 'CycloneDX 1.2 document: juice-shop 11.1.2 (840 components)');
    assert.equal(e!.time, Date.parse('2020-08-03T03:20:53.771Z'));
    assert.equal(e!.metadata.original_event_uid, 'urn:uuid:1f860713-54b9-4253-ba5a-9554851904af');
  });

  test('SPDX 2.3 document and SPDX 3 elements', async () => {
    const [doc] = await fileEvents(at('spdx-examples/software/example10/spdx2.3/hello-source.spdx.json'));
    assert.equal(getPath(doc, 'unmapped.sbom.name'), 'hello');
    assert.equal(getPath(doc, 'unmapped.sbom.file_count'), 5);
    assert.equal(getPath(doc, 'unmapped.sbom.package_count'), 1);
    assert.equal(doc!.time, Date.parse('2022-10-28T17:24:21Z'));
    const elements = await fileEvents(at('spdx-examples/software/example1/spdx3.0/example1.json'));
    assert.ok(elements.length > 5);
    assert.equal(getPath(elements[0], 'unmapped.sbom.element_type'), 'CreationInfo');
    assert.ok(elements.every((e) => e.metadata.product.name === 'SPDX'));
  });
});
