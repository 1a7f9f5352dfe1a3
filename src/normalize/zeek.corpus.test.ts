/**
 * Every Zeek log of ../shared/telemetry/zeek/ through the real path: importFile() → processRecord().
 * TSV logs are sniffed by their `#separator` header; the Zeek test-suite baselines open with a
 * btest banner instead, so they are read with `--format zeek-tsv`, as a user would name them. JSON
 * logs (ocsf/examples dotted keys, OTRF underscore keys with @stream, WRCCDC json-streaming-logs
 * with _path and ISO times) are auto-detected. README, LICENSE/COPYING, SOURCE and PROVENANCE
 * files are not telemetry. No rejection is allowed: every data line must become an event.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { ingestShared } from './network.testing.js';

const DIR = 'telemetry/zeek';
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

function logFiles(): string[] {
  const root = sharedPath(DIR);
  const out: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(log|json)(\.gz)?$/.test(name)) out.push(relative(root, path));
    }
  })(root);
  return out;
}

/** Data lines of a file: what must come out as events (TSV header and comment lines are not records). */
function dataLines(file: string): number {
  const bytes = readFileSync(sharedPath(`${DIR}/${file}`));
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
}

interface Tally {
  files: number;
  records: number;
  mapped: number;
  valid: number;
  mappedValid: number;
  rejected: number;
  byClass: Map<string, number>;
}

describe('Zeek corpus', () => {
  test('every record of every Zeek log is ingested, mapped and valid OCSF', { skip }, async (t) => {
    const tallies = new Map<string, Tally>();
    const failures: string[] = [];
    for (const file of logFiles()) {
      const btest = file.startsWith('zeek-btest-baselines/');
      const family =
        file.includes('/tsv/') || file.startsWith('trickbot') || btest ? 'Zeek TSV' : 'Zeek JSON';
      const tally =
        tallies.get(family) ??
        tallies
          .set(family, {
            files: 0,
            records: 0,
            mapped: 0,
            valid: 0,
            mappedValid: 0,
            rejected: 0,
            byClass: new Map(),
          })
          .get(family)!;
      const { events, rejections } = await ingestShared(`${DIR}/${file}`, btest ? 'zeek-tsv' : undefined);
      tally.files++;
      tally.rejected += rejections.length;
      for (const r of rejections.slice(0, 3)) failures.push(`${file}: rejected ${r.reason}: ${r.message}`);
      assert.equal(events.length + rejections.length, dataLines(file), `${file}: one event per data line`);
      for (const event of events) {
        tally.records++;
        if (event.metadata.product.name !== 'Zeek' && failures.length < 20)
          failures.push(`${file}: not read as Zeek`);
        const key = `${event.metadata.log_name}→${event.class_uid}`;
        tally.byClass.set(key, (tally.byClass.get(key) ?? 0) + 1);
        const errors = validateOcsf(event);
        const mapped = event.class_uid !== 0;
        if (mapped) tally.mapped++;
        if (errors.length === 0) {
          tally.valid++;
          if (mapped) tally.mappedValid++;
        } else if (failures.length < 20) failures.push(`${file}: ${errors.slice(0, 3).join('; ')}`);
      }
    }
    for (const [family, x] of tallies) {
      const rate = x.mapped === 0 ? 100 : (100 * x.mappedValid) / x.mapped;
      t.diagnostic(
        `${family}: ${x.files} files, ${x.records} records ingested, ${x.mapped} mapped to a specific OCSF class, ` +
          `validation ${rate.toFixed(2)}% of mapped (${x.valid}/${x.records} of all), ${x.rejected} rejected`,
      );
      t.diagnostic(
        `${family} by log→class: ${[...x.byClass]
          .sort()
          .map(([k, n]) => `${k}: ${n}`)
          .join(', ')}`,
      );
    }
    assert.deepEqual(failures, []);
    const all = [...tallies.values()];
    assert.equal(
      all.reduce((n, x) => n + x.rejected, 0),
      0,
    );
    assert.ok(all.every((x) => x.valid === x.records));
    // Most records are about connections: a specific class, not a Base Event.
    assert.ok(
      all.every((x) => x.mapped / x.records > 0.9),
      'more than 90% mapped',
    );
  });
});
