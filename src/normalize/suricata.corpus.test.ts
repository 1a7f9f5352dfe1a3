/**
 * Every EVE file of ../shared/telemetry/suricata/ through the real path: importFile() → processRecord().
 * The Hassanabad alert samples are JSON arrays (split into elements by importFile), the Elastic
 * sample and suricata-verify's expected eve.json are NDJSON; all are auto-detected. Not telemetry,
 * so not read: the EVE JSON schema (eve-schema/schema.json, a JSON Schema document), suricata-verify's
 * test.yaml / suricata.yaml / input.pcap, the Hassanabad id and signature lists, scripts, READMEs,
 * LICENSE, SOURCE and PROVENANCE files. No rejection is allowed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { ingestShared } from './network.testing.js';

const DIR = 'telemetry/suricata';
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

/** EVE files: `*.json` and `*.log` except the schema. */
function eveFiles(): string[] {
  const root = sharedPath(DIR);
  const out: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(json|log)$/.test(name) && name !== 'schema.json') out.push(relative(root, path));
    }
  })(root);
  return out;
}

describe('Suricata corpus', () => {
  test('every EVE record is ingested, mapped and valid OCSF', { skip }, async (t) => {
    let records = 0;
    let mapped = 0;
    let mappedValid = 0;
    let valid = 0;
    let rejected = 0;
    const byType = new Map<string, number>();
    const failures: string[] = [];
    const files = eveFiles();
    for (const file of files) {
      const { events, rejections } = await ingestShared(`${DIR}/${file}`);
      rejected += rejections.length;
      for (const r of rejections.slice(0, 3)) failures.push(`${file}: rejected ${r.reason}: ${r.message}`);
      assert.ok(events.length > 0, `${file}: no events`);
      for (const event of events) {
        records++;
        assert.equal(event.metadata.product.name, 'Suricata', `${file}: read by the Suricata normalizer`);
        const key = `${event.metadata.event_code}→${event.class_uid}`;
        byType.set(key, (byType.get(key) ?? 0) + 1);
        const errors = validateOcsf(event);
        if (event.class_uid !== 0) mapped++;
        if (errors.length === 0) {
          valid++;
          if (event.class_uid !== 0) mappedValid++;
        } else if (failures.length < 20) failures.push(`${file}: ${errors.slice(0, 3).join('; ')}`);
      }
    }
    t.diagnostic(
      `Suricata EVE: ${files.length} files, ${records} records ingested, ${mapped} mapped to a specific OCSF class, ` +
        `validation ${mapped === 0 ? 100 : ((100 * mappedValid) / mapped).toFixed(2)}% of mapped (${valid}/${records} of all), ${rejected} rejected`,
    );
    t.diagnostic(
      `by event_type→class: ${[...byType]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}`,
    );
    assert.deepEqual(failures, []);
    assert.equal(rejected, 0);
    assert.equal(valid, records);
    // 548 alerts in the four Hassanabad samples, 8 records in the Elastic one, 1 in suricata-verify's.
    assert.equal(records, 557);
    assert.equal(mapped, records - 1); // the stats record is a Base Event
  });
});
