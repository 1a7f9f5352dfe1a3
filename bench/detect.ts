/**
 * Sigma detection throughput: every active SigmaHQ rule over the OTRF Windows corpus (542,042
 * events, four layouts), through the same path as `vigil detect`. In one run it measures
 *  1. read + parse only (importFile + the JSON parser), and
 *  2. read + parse + detect (flatten, logsource classification, prefilter, rule evaluation),
 * and prints events/s, MB/s (uncompressed), matches and what detection adds on top of parsing.
 * Run: `node dist/bench/detect.js` (env BENCH_DETECT_LIMIT=20000 for a quick run,
 * BENCH_DETECT_FILE for another input, BENCH_DETECT_RULES for another rule folder).
 */
import { pathToFileURL } from 'node:url';
import { detectFile, emptyStats, recordFields } from '../src/detect/offline.js';
import { defaultWorkers, DetectionPool } from '../src/detect/parallel.js';
import { loadRuleDocuments } from '../src/detect/sigma/load.js';
import { buildRuleSet } from '../src/detect/sigma/ruleset.js';
import { importFile } from '../src/sources/import.js';
import { sharedPath } from '../src/testing/shared.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Read and parse up to `limit` records; returns records, uncompressed characters and seconds. */
async function parseOnly(
  file: string,
  limit: number,
): Promise<{ records: number; chars: number; seconds: number }> {
  const started = performance.now();
  let records = 0;
  let chars = 0;
  outer: for await (const chunk of importFile(file)) {
    for (const record of chunk.records) {
      if (records >= limit) break outer;
      records++;
      chars += record.text.length + 1;
      recordFields(record);
    }
  }
  return { records, chars, seconds: (performance.now() - started) / 1000 };
}

/** Run the benchmark and print its figures. */
export async function runDetectBench(opts: { limit?: number } = {}): Promise<void> {
  const limit = opts.limit ?? Infinity;
  const file = process.env.BENCH_DETECT_FILE ?? sharedPath('bench/otrf_windows_events.ndjson.gz');
  const rulesDir = process.env.BENCH_DETECT_RULES ?? sharedPath('sigma/rules');

  let started = performance.now();
  const docs = loadRuleDocuments([rulesDir]);
  const loadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const { ruleSet, reports } = buildRuleSet(docs);
  const compileSeconds = (performance.now() - started) / 1000;
  const unsupported = reports.filter((r) => r.status !== 'ok').length;
  process.stdout.write(
    `rules: ${fmt(ruleSet.rules.length)} compiled (${unsupported} unsupported); ` +
      `YAML ${loadSeconds.toFixed(1)} s, compile ${compileSeconds.toFixed(1)} s\n`,
  );

  let cpu = process.cpuUsage();
  const parse = await parseOnly(file, limit);
  const parseCpu = cpuSeconds(process.cpuUsage(cpu));
  const stats = emptyStats();
  started = performance.now();
  cpu = process.cpuUsage();
  await detectFile(file, ruleSet, stats, { limit });
  const detectCpu = cpuSeconds(process.cpuUsage(cpu));
  const detectSeconds = (performance.now() - started) / 1000;

  // The same on every core, as `vigil detect` runs it (worker start-up, rule compile, excluded).
  const workers = defaultWorkers();
  const pool = await DetectionPool.start({ rules: [rulesDir] }, workers);
  const parallelStats = emptyStats();
  started = performance.now();
  await pool.detectFile(file, parallelStats, { limit });
  const parallelSeconds = (performance.now() - started) / 1000;
  await pool.close();
  if (parallelStats.matches !== stats.matches)
    throw new Error(`workers found ${parallelStats.matches} matches, one thread ${stats.matches}`);

  const mb = parse.chars / 1e6;
  const line = (name: string, seconds: number) =>
    `${name.padEnd(36)} ${seconds.toFixed(2).padStart(7)} s  ${fmt(parse.records / seconds).padStart(9)} events/s  ` +
    `${(mb / seconds).toFixed(1).padStart(6)} MB/s\n`;
  process.stdout.write(`input: ${file} (${fmt(parse.records)} events, ${mb.toFixed(0)} MB uncompressed)\n`);
  process.stdout.write(line('read + parse', parse.seconds));
  process.stdout.write(line('read + parse + detect', detectSeconds));
  process.stdout.write(line(`read + parse + detect, ${workers} workers`, parallelSeconds));
  const added = (detectSeconds - parse.seconds) / parse.seconds;
  const addedParallel = (parallelSeconds - parse.seconds) / parse.seconds;
  const addedCpu = (detectCpu - parseCpu) / parseCpu;
  process.stdout.write(
    `detection adds ${(added * 100).toFixed(0)}% to parsing ` +
      `(${(((detectSeconds - parse.seconds) / parse.records) * 1e6).toFixed(2)} µs/event); ` +
      `CPU time ${parseCpu.toFixed(2)} s → ${detectCpu.toFixed(2)} s (+${(addedCpu * 100).toFixed(0)}%, gunzip included)\n`,
  );
  process.stdout.write(
    `with ${workers} workers (what \`vigil detect\` does): detection adds ${(addedParallel * 100).toFixed(0)}% to ` +
      `single-thread parsing; ${fmt(parse.records / parallelSeconds)} events/s (${(detectSeconds / parallelSeconds).toFixed(2)}× one thread)\n`,
  );
  process.stdout.write(
    `matches: ${fmt(stats.matches)} by ${stats.byRule.size} rules; rejected records: ${stats.rejected}; ` +
      `rule errors: ${ruleSet.errors}; buckets: ${ruleSet.stats().buckets}; ` +
      `RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB\n`,
  );
  const top = [...stats.byRule.values()].sort((a, b) => b.count - a.count).slice(0, 8);
  for (const { rule, count } of top) {
    process.stdout.write(`  ${fmt(count).padStart(8)}  ${(rule.level ?? '-').padEnd(13)} ${rule.title}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const limit = process.env.BENCH_DETECT_LIMIT ? Number(process.env.BENCH_DETECT_LIMIT) : undefined;
  await runDetectBench({ limit });
}
