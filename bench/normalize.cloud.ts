/**
 * Normalization throughput of the cloud and identity formats (CloudTrail, Okta, Entra ID, GitHub,
 * SBOM) on one core: each format's real samples from ../shared/telemetry, as record texts, looped
 * through parse + normalize (`processRecord`: parser detection, JSON parse, normalizer selection,
 * mapping) until ~200k events (SBOM documents: 2k, they are whole documents), median of 3 runs.
 * `npm run bench` calls runNormalizeBenchCloud(); run alone: `node dist/bench/normalize.cloud.js`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { processRecord } from '../src/pipeline/process.js';
import { importFile } from '../src/sources/import.js';
import type { RawRecord } from '../src/sources/source.js';
import { sharedPath, sharedSkip } from '../src/testing/shared.js';

interface Format {
  format: string;
  dir: string;
  /** Which files of the folder hold this format's records. */
  files: (path: string) => boolean;
  events: number;
}

const FORMATS: readonly Format[] = [
  {
    format: 'cloudtrail',
    dir: 'telemetry/cloudtrail',
    files: (p) => p.endsWith('.json') || p.endsWith('.jsonl'),
    events: 200_000,
  },
  { format: 'okta', dir: 'telemetry/identity', files: (p) => /okta/.test(p), events: 200_000 },
  { format: 'entra-id', dir: 'telemetry/identity', files: (p) => /azure/.test(p), events: 200_000 },
  {
    format: 'github',
    dir: 'telemetry/ci',
    files: (p) => /github/.test(p) && (p.endsWith('.json') || p.endsWith('.jsonl') || p.endsWith('.raw')),
    events: 200_000,
  },
  {
    format: 'sbom',
    dir: 'telemetry/sbom',
    files: (p) => p.endsWith('.json') && !p.includes('/schema/'),
    events: 2_000,
  },
];

const CTX = { source: 'bench', receivedAt: Date.UTC(2025, 0, 1) };

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

/** The format's records as the pipeline receives them from a line source: text only, unparsed. */
async function samples(f: Format): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for (const path of filesUnder(sharedPath(f.dir)).filter(f.files)) {
    for await (const chunk of importFile(path)) {
      for (const r of chunk.records) records.push({ text: r.text, position: r.position });
    }
  }
  return records;
}

function runOnce(records: readonly RawRecord[], events: number): number {
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const outcome = processRecord(records[i % records.length]!, CTX);
    if (!outcome.ok) throw new Error(`${outcome.error.position}: ${outcome.error.message}`);
  }
  return (performance.now() - started) / 1000;
}

/** Events per second per format (parse + normalize, one core, median of 3 runs). */
export async function runNormalizeBenchCloud(): Promise<
  Array<{ format: string; events: number; eventsPerSec: number }>
> {
  const results: Array<{ format: string; events: number; eventsPerSec: number }> = [];
  for (const f of FORMATS) {
    if (sharedSkip(f.dir) !== false) continue;
    const records = await samples(f);
    if (records.length === 0) continue;
    runOnce(records, Math.min(f.events, 5_000)); // warm-up
    const seconds = [runOnce(records, f.events), runOnce(records, f.events), runOnce(records, f.events)].sort(
      (a, b) => a - b,
    )[1]!;
    results.push({ format: f.format, events: f.events, eventsPerSec: Math.round(f.events / seconds) });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await runNormalizeBenchCloud()) {
    console.log(
      `${r.format.padEnd(12)} ${r.events.toLocaleString('en-US').padStart(9)} events  ${r.eventsPerSec.toLocaleString('en-US').padStart(9)} events/s`,
    );
  }
}
