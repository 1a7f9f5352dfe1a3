/**
 * Normalization throughput of the Linux audit formats on one core: raw audit logs (the auditd line
 * decoder grouping lines into events, then parse + normalize) and LAUREL JSON (parse + normalize),
 * over the real samples in ../shared/telemetry/auditd (OTRF atomic runs, LAUREL's and go-libaudit's
 * test logs), looped until ~200k events, median of 3 runs. A third figure adds the `enrich`
 * transform (inventory, internal/external and GeoIP from a generated database) to the raw path.
 * `npm run bench` calls runNormalizeBenchHost(); run alone: `node dist/bench/normalize.host.js`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AuditdLineDecoder } from '../src/parsers/auditd.js';
import { processRecord } from '../src/pipeline/process.js';
import type { RawRecord } from '../src/sources/source.js';
import { sharedPath, sharedSkip } from '../src/testing/shared.js';
import { enrichEvent, type EnrichState } from '../src/transforms/enrich.js';
import { AssetIndex, parseInventory } from '../src/transforms/enrich/inventory.js';
import { parseCidr, PrefixTable } from '../src/transforms/enrich/ip.js';
import { MmdbReader } from '../src/transforms/enrich/mmdb.js';
import { writeMmdb } from '../src/transforms/enrich/mmdb-writer.testing.js';
import type { Transform } from '../src/transforms/transform.js';

const EVENTS = 200_000;
const CTX = { source: 'bench', receivedAt: Date.UTC(2025, 0, 1) };
const DIR = 'telemetry/auditd';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

/** Raw audit streams through a fresh decoder each, then the pipeline, until `events`; seconds taken. */
function runRaw(streams: readonly string[][], events: number, transforms: readonly Transform[] = []): number {
  const started = performance.now();
  let done = 0;
  const take = (record: RawRecord) => {
    const outcome = processRecord(record, CTX, transforms);
    if (!outcome.ok) throw new Error(`${outcome.error.position}: ${outcome.error.message}`);
    done++;
  };
  for (let s = 0; done < events; s = (s + 1) % streams.length) {
    const decoder = new AuditdLineDecoder();
    for (const line of streams[s]!) {
      for (const record of decoder.push(line, 'bench').records) take(record);
      if (done >= events) break;
    }
    for (const record of decoder.end()) take(record);
  }
  return (performance.now() - started) / 1000;
}

function runRecords(records: readonly RawRecord[], events: number): number {
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const outcome = processRecord(records[i % records.length]!, CTX);
    if (!outcome.ok) throw new Error(`${outcome.error.position}: ${outcome.error.message}`);
  }
  return (performance.now() - started) / 1000;
}

function median3(run: () => number): number {
  run(); // warm-up
  return [run(), run(), run()].sort((a, b) => a - b)[1]!;
}

/** An enrich transform over in-memory state: a small inventory and a generated GeoIP database. */
function benchEnricher(): Transform {
  const internal = new PrefixTable<true>();
  for (const n of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7'])
    internal.insert(parseCidr(n)!, true);
  const inventory = Array.from(
    { length: 500 },
    (_, i) => `- host: 10.${i >> 8}.${i & 255}.0/24\n  owner: team${i % 7}\n`,
  )
    .concat(['- host: test\n  criticality: high\n'])
    .join('');
  const networks = Object.fromEntries(
    Array.from({ length: 256 }, (_, i) => [
      `${i}.0.0.0/8`,
      { country: { iso_code: 'ZZ' }, city: { names: { en: `c${i}` } } },
    ]),
  );
  const state: EnrichState = {
    internal,
    assets: new AssetIndex(parseInventory(inventory, 'yaml')),
    geo: [new MmdbReader(writeMmdb(networks))],
  };
  const options = { attributes: ['device', 'src_endpoint', 'dst_endpoint'] as const, overwrite: false };
  return { name: 'enrich', apply: (event) => enrichEvent(event, state, options) };
}

/** Events per second per format (parse + normalize, one core, median of 3 runs). */
export async function runNormalizeBenchHost(): Promise<
  Array<{ format: string; events: number; eventsPerSec: number }>
> {
  const results: Array<{ format: string; events: number; eventsPerSec: number }> = [];
  if (sharedSkip(DIR) !== false) return results;
  const add = (format: string, seconds: number) =>
    results.push({ format, events: EVENTS, eventsPerSec: Math.round(EVENTS / seconds) });
  const files = filesUnder(sharedPath(DIR));
  const streams = files
    .filter((p) => /\.(log|txt)$/.test(p) && !/(README|SOURCE|LICENSE)/.test(p))
    .map(lines);
  add(
    'auditd',
    median3(() => runRaw(streams, EVENTS)),
  );
  const laurel: RawRecord[] = files
    .filter((p) => p.includes('/laurel-testdata/') && p.endsWith('.json'))
    .flatMap(lines)
    .map((text, i) => ({ text, position: `laurel ${i}` }));
  add(
    'laurel-json',
    median3(() => runRecords(laurel, EVENTS)),
  );
  const enrich = [benchEnricher()];
  add(
    'auditd+enrich',
    median3(() => runRaw(streams, EVENTS, enrich)),
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await runNormalizeBenchHost()) {
    console.log(
      `${r.format.padEnd(14)} ${r.events.toLocaleString('en-US').padStart(9)} events  ${r.eventsPerSec.toLocaleString('en-US').padStart(9)} events/s`,
    );
  }
}
