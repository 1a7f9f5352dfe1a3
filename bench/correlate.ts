/**
 * Stateful detection throughput and memory: the Sigma correlation engine (an event_count and a
 * temporal rule) and the sequence engine (a two-step sequence joined by host) over synthetic
 * inputs with 100,000 distinct group-by entities, so state is at its largest. Reports, side by
 * side, the median events/s of three runs, the heap held by the state (heapUsed with the engine
 * alive after the run minus before, after a GC when `--expose-gc` is given), groups and signals.
 * The event_count rule never fires (every event stays in its window: the most state); the
 * temporal and sequence rules fire once per entity.
 * Run: `node --expose-gc dist/bench/correlate.js` or `benchCorrelate()` from bench/run.ts.
 * Knobs: BENCH_CORRELATE_ENTITIES (100000), BENCH_CORRELATE_PER_ENTITY (4).
 */
import { pathToFileURL } from 'node:url';
import { CorrelationEngine, type CorrelationInput } from '../src/detect/correlation/engine.js';
import { parseCorrelationYaml, type CorrelationRule } from '../src/detect/correlation/rule.js';
import { SequenceEngine } from '../src/detect/sequence/engine.js';
import { parseSequenceYaml, type SequenceRule } from '../src/detect/sequence/rule.js';

export interface CorrelateFigure {
  name: string;
  events: number;
  entities: number;
  eventsPerSec: number;
  heapMiB: number;
  groups: number;
  signals: number;
}

const EVENT_COUNT = `title: Bench event_count\nid: bench.ec\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [ip]\n  timespan: 10m\n  condition: {gte: 1000}\n`;
const TEMPORAL = `title: Bench temporal\nid: bench.tp\ncorrelation:\n  type: temporal\n  rules: [failed, success]\n  group-by: [ip]\n  timespan: 10m\n`;
const SEQUENCE = `title: Bench sequence
id: bench.seq
sequence:
  timespan: 10m
  steps:
    - {name: process, where: {class_uid: 1007}, by: device.hostname}
    - {name: connection, where: {class_uid: 4001, dst_endpoint.ip|scope: public}, by: device.hostname}
`;

function correlations(yaml: string): CorrelationRule[] {
  return parseCorrelationYaml(yaml).filter((r): r is CorrelationRule => !(r instanceof Error));
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One timed run: returns seconds, heap delta, groups and signals. */
function measure(run: () => Run): { seconds: number; heap: number; groups: number; signals: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const r = run();
  const seconds = (performance.now() - started) / 1000;
  gc();
  // Measured while the engine (its state) is still referenced.
  const heap = process.memoryUsage().heapUsed - before;
  return { seconds, heap, groups: r.groups, signals: r.signals };
}

interface Run {
  groups: number;
  signals: number;
  engine: unknown;
}

/** Events in time order: `perEntity` rounds over all entities, 1 ms apart. */
export async function benchCorrelate(
  options: { entities?: number; perEntity?: number; runs?: number } = {},
): Promise<CorrelateFigure[]> {
  const entities = options.entities ?? Number(process.env.BENCH_CORRELATE_ENTITIES ?? 100_000);
  const perEntity = options.perEntity ?? Number(process.env.BENCH_CORRELATE_PER_ENTITY ?? 4);
  const runs = options.runs ?? 3;
  const total = entities * perEntity;
  const ips = Array.from(
    { length: entities },
    (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  );
  const t0 = Date.parse('2026-03-02T09:00:00Z');
  const cases: { name: string; run: () => Run }[] = [
    {
      name: 'event_count (gte 1000: every event held)',
      run: () => {
        const engine = new CorrelationEngine(correlations(EVENT_COUNT));
        let signals = 0;
        const matches = [{ name: 'failed' }];
        for (let n = 0; n < total; n++) {
          const ip = ips[n % entities]!;
          const input: CorrelationInput = { time: t0 + n, eventId: String(n), matches, field: () => ip };
          signals += engine.observe(input).length;
        }
        return { groups: engine.stats().groups, signals, engine };
      },
    },
    {
      name: 'temporal (2 rules, 10m)',
      run: () => {
        const engine = new CorrelationEngine(correlations(TEMPORAL));
        let signals = 0;
        const failed = [{ name: 'failed' }];
        const success = [{ name: 'success' }];
        for (let n = 0; n < total; n++) {
          const ip = ips[n % entities]!;
          const round = Math.floor(n / entities);
          const matches = round === perEntity - 1 ? success : failed;
          signals += engine.observe({ time: t0 + n, eventId: String(n), matches, field: () => ip }).length;
        }
        return { groups: engine.stats().groups, signals, engine };
      },
    },
    {
      name: 'sequence (process → public connection)',
      run: () => {
        const rules = parseSequenceYaml(SEQUENCE).filter((r): r is SequenceRule => !(r instanceof Error));
        const engine = new SequenceEngine(rules);
        let signals = 0;
        const none = new Set<string>();
        const noSignals = new Map();
        for (let n = 0; n < total; n++) {
          const host = `host${n % entities}`;
          const round = Math.floor(n / entities);
          const event =
            round === 0
              ? { class_uid: 1007, device: { hostname: host } }
              : { class_uid: 4001, device: { hostname: host }, dst_endpoint: { ip: '198.51.100.7' } };
          signals += engine.observe({
            time: t0 + n,
            eventId: String(n),
            event,
            rules: none,
            signals: noSignals,
          }).length;
        }
        return { groups: engine.stats().groups, signals, engine };
      },
    },
  ];
  const figures: CorrelateFigure[] = [];
  for (const c of cases) {
    const results = Array.from({ length: runs }, () => measure(c.run));
    figures.push({
      name: c.name,
      events: total,
      entities,
      eventsPerSec: total / median(results.map((r) => r.seconds)),
      heapMiB: median(results.map((r) => r.heap)) / 2 ** 20,
      groups: results[0]!.groups,
      signals: results[0]!.signals,
    });
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `\nStateful detection: ${fmt(total)} events over ${fmt(entities)} entities (median of ${runs})`,
  );
  for (const f of figures)
    console.log(
      `  ${f.name.padEnd(42)} ${fmt(f.eventsPerSec).padStart(10)} events/s  heap ${f.heapMiB.toFixed(1).padStart(7)} MiB  groups ${fmt(f.groups)}  signals ${fmt(f.signals)}`,
    );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchCorrelate();
