/**
 * Runs a metric query on the metric store: parse, pick the step grid, select the series, fetch
 * per-step reductions (counters, gauges) or histogram rows, evaluate (eval.ts). The thin I/O shell
 * around the pure query compiler; used by the API and, through it, the CLI.
 */
import {
  aggregate,
  evalCounters,
  evalQuantile,
  windowSteps,
  type HistogramRow,
  type ResultSeries,
  type SeriesInfo,
  type StepRow,
} from './eval.js';
import type { Exponential } from './histogram.js';
import type { MetricKind } from './model.js';
import {
  compileHistogramSql,
  compileSeriesSql,
  compileStepSql,
  parseMetricQuery,
  stepCount,
  type MetricQuery,
  type StepGrid,
} from './query.js';
import type { MetricQueryResult } from './store.js';

export interface MetricQueryable {
  query(sql: string, params?: readonly unknown[]): Promise<MetricQueryResult>;
}

export interface MetricQueryOptions {
  /** Window (ms since the epoch); defaults: the last hour up to `now`. */
  from?: number;
  to?: number;
  /** Step (ms); default: the window over 250 steps, at least 1 s. */
  step?: number;
  now?: number;
  /** Most series × steps in a result. */
  maxPoints?: number;
  maxSeries?: number;
}

export interface MetricQueryAnswer {
  query: MetricQuery;
  from: number;
  to: number;
  step: number;
  series: ResultSeries[];
}

/** The step grid for a window and (maybe) a step. RangeError on a bad window or too many steps. */
export function stepGrid(options: MetricQueryOptions): StepGrid {
  const now = options.now ?? Date.now();
  const to = options.to ?? now;
  const from = options.from ?? to - 3_600_000;
  if (!(Number.isFinite(from) && Number.isFinite(to)) || from > to)
    throw new RangeError(`bad window: from (${from}) must not be after to (${to})`);
  const step = options.step ?? Math.max(1000, Math.ceil((to - from) / 250 / 1000) * 1000);
  if (!Number.isFinite(step) || step <= 0)
    throw new RangeError(`bad step ${step}: it must be more than 0 ms`);
  const grid = { from, to, step };
  if (stepCount(grid) > 11_000)
    throw new RangeError(`${stepCount(grid)} steps: at most 11000 per query (make the step larger)`);
  return grid;
}

/** Run a metric query. Throws MetricQuerySyntaxError (bad query) and RangeError (bad window/too large). */
export async function runMetricQuery(
  store: MetricQueryable,
  text: string,
  options: MetricQueryOptions = {},
): Promise<MetricQueryAnswer> {
  const query = parseMetricQuery(text);
  const grid = stepGrid(options);
  const seriesSql = compileSeriesSql(query);
  const found = await store.query(seriesSql.sql, seriesSql.params);
  const series: SeriesInfo[] = found.rows.map(([id, labels, kind, temporality]) => ({
    id: id as bigint,
    labels: JSON.parse(labels as string) as Record<string, string>,
    kind: kind as MetricKind,
    temporality: (temporality as SeriesInfo['temporality']) ?? null,
  }));
  const maxSeries = options.maxSeries ?? 10_000;
  if (series.length > maxSeries)
    throw new RangeError(
      `${query.name} selects ${series.length} series; at most ${maxSeries} per query (add label matchers)`,
    );
  const maxPoints = options.maxPoints ?? 2_000_000;
  if (series.length * stepCount(grid) > maxPoints)
    throw new RangeError(
      `${series.length} series × ${stepCount(grid)} steps is more than ${maxPoints} values (make the step larger)`,
    );
  const answer = (s: ResultSeries[]): MetricQueryAnswer => ({ query, ...grid, series: s });
  if (series.length === 0) return answer([]);
  const histogramKinds = new Set<MetricKind>(['histogram', 'exponential_histogram', 'summary']);
  const isHistogram = series.some((s) => histogramKinds.has(s.kind));
  if (query.func === 'quantile') {
    const hist = series.filter((s) => histogramKinds.has(s.kind));
    if (hist.length === 0)
      throw new RangeError(`histogram_quantile: ${query.name} is not a histogram or summary`);
    const range = windowSteps(query.rangeMs ?? grid.step, grid.step) * grid.step;
    const lastStep = grid.from + (stepCount(grid) - 1) * grid.step;
    // One range more before `from`: the points the first windows are measured from.
    const sql = compileHistogramSql(
      hist.map((s) => s.id),
      grid.from - 2 * range,
      lastStep,
    );
    const result = await store.query(sql.sql, sql.params);
    const rows: HistogramRow[] = result.rows.map((r) => ({
      seriesId: r[0] as bigint,
      t: Number(r[1]),
      count: r[2] as number | null,
      sum: r[3] as number | null,
      bounds: r[4] as number[] | null,
      buckets: r[5] as number[] | null,
      exp: r[6] === null ? null : (JSON.parse(r[6] as string) as Exponential),
      quantiles: r[7] === null ? null : (JSON.parse(r[7] as string) as { quantile: number; value: number }[]),
    }));
    return answer(evalQuantile(query, grid, hist, rows));
  }
  if (isHistogram)
    throw new RangeError(`${query.name} is a histogram or summary: use histogram_quantile(q, ${query.name})`);
  const w = query.func === 'raw' ? 1 : windowSteps(query.rangeMs ?? grid.step, grid.step);
  const sql = compileStepSql(
    series.map((s) => s.id),
    grid,
    w * grid.step,
  );
  const result = await store.query(sql.sql, sql.params);
  const rows: StepRow[] = result.rows.map((r) => ({
    seriesId: r[0] as bigint,
    b: Number(r[1]),
    n: Number(r[2]),
    t0: Number(r[3]),
    t1: Number(r[4]),
    v0: Number(r[5]),
    v1: Number(r[6]),
    dsum: Number(r[7]),
    d0: Number(r[8]),
    vsum: Number(r[9]),
  }));
  const values = evalCounters(query, grid, series, rows);
  return answer(aggregate(query, grid, series, values));
}
