/**
 * Normalization throughput of the network formats on one core: Zeek TSV (decoder + normalizer),
 * Zeek JSON, Suricata EVE and Cisco ASA syslog. Each format's real samples from ../shared (Trickbot
 * and WRCCDC Zeek logs; OTRF, WRCCDC and ocsf/examples Zeek JSON; every EVE record; the OCSF ASA
 * mapping examples plus Vigil's ASA test messages), as the pipeline receives them (text, unparsed),
 * looped through parse + normalize until ~200k events, median of 3 runs.
 * `npm run bench` calls runNormalizeBenchNetwork(); run alone: `node dist/bench/normalize.network.js`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ASA_SAMPLES } from '../src/normalize/network.testing.js';
import { createZeekTsvDecoder } from '../src/parsers/zeek.js';
import { processRecord } from '../src/pipeline/process.js';
import { importFile } from '../src/sources/import.js';
import type { RawRecord } from '../src/sources/source.js';
import { sharedPath, sharedSkip } from '../src/testing/shared.js';

const EVENTS = 200_000;
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

function lines(path: string): string[] {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Records of the files as a line source hands them over: text only, unparsed. */
async function textRecords(paths: readonly string[]): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for (const path of paths) {
    for await (const chunk of importFile(path)) {
      for (const r of chunk.records) records.push({ text: r.text, position: r.position });
    }
  }
  return records;
}

/** One pass-through of line records until `events` are normalized; seconds taken. */
function runRecords(records: readonly RawRecord[], events: number): number {
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const outcome = processRecord(records[i % records.length]!, CTX);
    if (!outcome.ok) throw new Error(`${outcome.error.position}: ${outcome.error.message}`);
  }
  return (performance.now() - started) / 1000;
}

/** Zeek TSV streams (header and all) through a fresh decoder each, then the pipeline, until `events`. */
function runTsv(streams: readonly string[][], events: number): number {
  const started = performance.now();
  let done = 0;
  for (let s = 0; done < events; s = (s + 1) % streams.length) {
    const decoder = createZeekTsvDecoder();
    for (const line of streams[s]!) {
      for (const record of decoder.push(line, 'bench').records) {
        const outcome = processRecord(record, CTX);
        if (!outcome.ok) throw new Error(`${outcome.error.position}: ${outcome.error.message}`);
        if (++done >= events) break;
      }
      if (done >= events) break;
    }
  }
  return (performance.now() - started) / 1000;
}

function median3(run: () => number): number {
  run(); // warm-up
  return [run(), run(), run()].sort((a, b) => a - b)[1]!;
}

const ZEEK = 'telemetry/zeek';
const isZeekTsv = (p: string) => /\/(trickbot-2018-tsv|wrccdc-2018\/tsv)\/[^/]+\.log(\.gz)?$/.test(p);
const isZeekJson = (p: string) =>
  /\/(otrf-apt29|ocsf-examples-json)\/.*\.log$|\/wrccdc-2018\/json\/.*\.json\.gz$/.test(p);

/** Events per second per format (parse + normalize, one core, median of 3 runs). */
export async function runNormalizeBenchNetwork(): Promise<
  Array<{ format: string; events: number; eventsPerSec: number }>
> {
  const results: Array<{ format: string; events: number; eventsPerSec: number }> = [];
  const add = (format: string, seconds: number) =>
    results.push({ format, events: EVENTS, eventsPerSec: Math.round(EVENTS / seconds) });
  if (sharedSkip(ZEEK) === false) {
    const files = filesUnder(sharedPath(ZEEK));
    const streams = files.filter(isZeekTsv).map(lines);
    add(
      'zeek-tsv',
      median3(() => runTsv(streams, EVENTS)),
    );
    const json = await textRecords(files.filter(isZeekJson));
    add(
      'zeek-json',
      median3(() => runRecords(json, EVENTS)),
    );
  }
  if (sharedSkip('telemetry/suricata') === false) {
    const eve = await textRecords(
      filesUnder(sharedPath('telemetry/suricata')).filter(
        (p) => /\.(json|log)$/.test(p) && !p.endsWith('schema.json'),
      ),
    );
    add(
      'suricata-eve',
      median3(() => runRecords(eve, EVENTS)),
    );
  }
  const asaDir = 'ocsf/mapping-examples/Cisco/v1.3.0/ASA';
  const examples =
    sharedSkip(asaDir) === false ? filesUnder(sharedPath(asaDir)).filter((p) => p.endsWith('.raw')) : [];
  const asa: RawRecord[] = [...examples.flatMap(lines), ...ASA_SAMPLES].map((text, i) => ({
    text,
    position: `asa ${i}`,
  }));
  add(
    'cisco-asa',
    median3(() => runRecords(asa, EVENTS)),
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await runNormalizeBenchNetwork()) {
    console.log(
      `${r.format.padEnd(14)} ${r.events.toLocaleString('en-US').padStart(9)} events  ${r.eventsPerSec.toLocaleString('en-US').padStart(9)} events/s`,
    );
  }
}
