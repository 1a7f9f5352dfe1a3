/**
 * The web console's search path at scale: with N stored events (default 10 million), what the
 * console asks for one search, through the real API of a real `vigil serve`: the first page of
 * events (200), the total (`| stats count()`) and the histogram (`| timechart span=… count()`),
 * sent together as the page does. Medians of several runs per query, each part and the whole, and
 * the histogram's cost as a ratio to the first page. Also the console's first-load size.
 *
 * Call: `benchConsole({ events: 10_000_000 })` from a script (or BENCH_CONSOLE_EVENTS with
 * `node dist/bench/console.js`). The store is seeded with `benchEvent` records and grown by copying
 * them forward in time, as `npm run bench` does for its query figures.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultWebDir } from '../src/api/console.js';
import { benchEvent, createRng } from '../src/demo/generate.js';
import { freePort, startVigil, tempDir, vigil } from '../src/e2e/harness.js';
import { processRecord } from '../src/pipeline/process.js';
import { EventStore, type StoreInput } from '../src/store/duckdb.js';

export interface ConsoleBenchOptions {
  /** Stored events to search over. */
  events?: number;
  /** Distinct generated events the store is grown from (copies shift them in time). */
  seedEvents?: number;
  runs?: number;
}

export interface ConsoleBenchFigure {
  name: string;
  query: string;
  firstPageMs: number;
  countMs: number;
  histogramMs: number;
  /** All three together, as the console sends them. */
  wholeMs: number;
  total: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function buildStore(dataDir: string, events: number, seedEvents: number): Promise<void> {
  const store = await EventStore.open(dataDir);
  const rng = createRng(11);
  const seed = Math.min(events, seedEvents);
  for (let i = 0; i < seed; i += 5000) {
    const batch: StoreInput[] = [];
    for (let j = i; j < Math.min(seed, i + 5000); j++) {
      const outcome = processRecord(
        { text: benchEvent(rng, j), position: `bench ${j}` },
        { source: 'bench', receivedAt: Date.now() },
      );
      if (outcome.ok) batch.push({ event: outcome.event, source: 'bench', format: outcome.format });
    }
    await store.append(batch);
  }
  let count = await store.count();
  const base = count;
  while (count < events) {
    const take = Math.min(base, events - count);
    await store.query(
      `INSERT INTO events SELECT * REPLACE (id + $1 AS id, time + to_milliseconds($2) AS time) FROM events WHERE id <= $3`,
      [BigInt(count), BigInt(Math.floor(count / base) * 3_600_000), BigInt(take)],
    );
    count += take;
  }
  await store.checkpoint();
  await store.close();
}

/** The histogram bucket the console picks for a window (about 90 buckets), as query text. */
function spanFor(ms: number): string {
  const minutes = [1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10080];
  const m = minutes.find((x) => x * 60_000 >= ms / 90) ?? 10080;
  return `${m}m`;
}

export async function benchConsole(options: ConsoleBenchOptions = {}): Promise<ConsoleBenchFigure[]> {
  const events = options.events ?? Number(process.env.BENCH_CONSOLE_EVENTS ?? 10_000_000);
  const runs = options.runs ?? 5;
  const dataDir = tempDir('vigil-bench-console-');
  const t0 = performance.now();
  await buildStore(dataDir, events, options.seedEvents ?? 200_000);
  console.log(
    `## Console search over ${fmt(events)} stored events (store built in ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );

  const manifestFile = join(defaultWebDir(), 'manifest.json');
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      files: Record<string, { gzip: number; br: number }>;
    };
    const first = Object.entries(manifest.files).filter(([f]) => !f.endsWith('.json'));
    console.log(
      `first load: ${(first.reduce((s, [, f]) => s + f.br, 0) / 1024).toFixed(1)} kB brotli, ${(first.reduce((s, [, f]) => s + f.gzip, 0) / 1024).toFixed(1)} kB gzip (${first.length} files)`,
    );
  }

  // Evidence and detection off: at start they would catch up with every copied event (the Merkle
  // log, the detection state; ~100 s per million events), which is not what is measured here.
  let server: Awaited<ReturnType<typeof startVigil>> | undefined;
  const figures: ConsoleBenchFigure[] = [];
  try {
    server = await startVigil(
      `api: { address: 127.0.0.1, port: ${await freePort()} }\nsources: []\nevidence: { enabled: false }\ndetect: { builtin: false }\n`,
      dataDir,
    );
    const url = server.url;
    const token = vigil([
      'token',
      'create',
      '--role',
      'analyst',
      '--name',
      'bench',
      '--data-dir',
      dataDir,
    ]).stdout.trim();
    const get = async (q: string, from: string, to: string, limit?: number) => {
      const params = new URLSearchParams({ q, from, to, ...(limit ? { limit: String(limit) } : {}) });
      const started = performance.now();
      const response = await fetch(`${url}/api/v1/search?${params}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { rows?: unknown[][]; events?: unknown[]; message?: string };
      if (!response.ok) throw new Error(`search ${q}: ${response.status} ${body.message}`);
      return { ms: performance.now() - started, body };
    };
    const range = await get('| stats min(time), max(time)', '0', '+3650d');
    const [min, max] = range.body.rows![0]! as [number, number];
    const from = new Date(min).toISOString();
    const to = new Date(max + 1).toISOString();
    const span = spanFor(max + 1 - min);
    const queries = [
      ['everything', '*'],
      ['failed logons', 'event_code=4625'],
      ['one host, wildcard', 'host=WS-FIN-01*'],
      ['free text', 'powershell'],
      ['address range', 'src_ip=10.20.0.0/16'],
    ] as const;
    for (const [name, q] of queries) {
      const parts = {
        page: [] as number[],
        count: [] as number[],
        histogram: [] as number[],
        whole: [] as number[],
      };
      let total = 0;
      for (let r = 0; r < runs; r++) {
        const started = performance.now();
        const [page, count, histogram] = await Promise.all([
          get(q, from, to, 200),
          get(`${q} | stats count()`, from, to),
          get(`${q} | timechart span=${span} count()`, from, to),
        ]);
        parts.whole.push(performance.now() - started);
        parts.page.push(page.ms);
        parts.count.push(count.ms);
        parts.histogram.push(histogram.ms);
        total = Number(count.body.rows![0]![0]);
      }
      const f: ConsoleBenchFigure = {
        name,
        query: q,
        firstPageMs: median(parts.page),
        countMs: median(parts.count),
        histogramMs: median(parts.histogram),
        wholeMs: median(parts.whole),
        total,
      };
      figures.push(f);
      console.log(
        `${name.padEnd(20)} page ${f.firstPageMs.toFixed(0).padStart(5)} ms | count ${f.countMs.toFixed(0).padStart(5)} ms | ` +
          `histogram ${f.histogramMs.toFixed(0).padStart(5)} ms (${(f.histogramMs / f.firstPageMs).toFixed(2)}x page) | ` +
          `together ${f.wholeMs.toFixed(0).padStart(5)} ms  (${fmt(total)} matches)  ${q}`,
      );
    }
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchConsole();
