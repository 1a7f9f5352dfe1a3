/**
 * Evaluation of a metric query on the rows its SQL returned: values per output step for each
 * series (last value, rate, increase, histogram quantile), then aggregation across series by
 * labels. Pure: rows in, series out.
 *
 * Semantics (also in docs/query.md): step t covers (t - step, t]; a range window (t - range, t]
 * is rounded up to whole steps. increase = the sum of the differences between consecutive samples
 * in the window, where a drop means the counter restarted (the new value is the difference); rate
 * = increase / (time between the window's first and last sample) in seconds, so both need two
 * samples. Delta-temporality sums add their values instead (rate divides by the range). Histogram
 * quantiles use the observations made in the window: the increase of a cumulative histogram
 * since the last point at or before the window start (else since the window's first point; a
 * lone first point counts whole), or the sum of delta histograms, summed bucket-wise across the
 * series of a group.
 */
import {
  bucketIncrease,
  bucketQuantile,
  pointBuckets,
  sumBuckets,
  summaryQuantile,
  type Bucket,
  type Exponential,
} from './histogram.js';
import type { MetricKind } from './model.js';
import { stepCount, type MetricQuery, type StepGrid } from './query.js';

export interface SeriesInfo {
  id: bigint;
  labels: Record<string, string>;
  kind: MetricKind;
  temporality: 'cumulative' | 'delta' | null;
}

/** One row of compileStepSql's result. */
export interface StepRow {
  seriesId: bigint;
  b: number;
  n: number;
  t0: number;
  t1: number;
  v0: number;
  v1: number;
  dsum: number;
  d0: number;
  vsum: number;
}

/** One row of compileHistogramSql's result. */
export interface HistogramRow {
  seriesId: bigint;
  t: number;
  count: number | null;
  sum: number | null;
  bounds: number[] | null;
  buckets: number[] | null;
  exp: Exponential | null;
  quantiles: { quantile: number; value: number }[] | null;
}

export interface ResultSeries {
  labels: Record<string, string>;
  /** [time ms, value]; steps without a value are left out. */
  points: [number, number][];
}

/** Steps a range covers (at least one). */
export const windowSteps = (rangeMs: number, step: number) => Math.max(1, Math.ceil(rangeMs / step));

/** Per-series values at each step from the step rows (raw, rate, increase). */
export function evalCounters(
  query: MetricQuery,
  grid: StepGrid,
  series: readonly SeriesInfo[],
  rows: readonly StepRow[],
): Map<bigint, (number | undefined)[]> {
  const steps = stepCount(grid);
  const byId = new Map<bigint, Map<number, StepRow>>();
  for (const r of rows) {
    let m = byId.get(r.seriesId);
    if (!m) byId.set(r.seriesId, (m = new Map()));
    m.set(r.b, r);
  }
  const out = new Map<bigint, (number | undefined)[]>();
  const w = query.func === 'raw' ? 1 : windowSteps(query.rangeMs ?? grid.step, grid.step);
  const rangeSeconds = (w * grid.step) / 1000;
  for (const s of series) {
    const buckets = byId.get(s.id);
    const values = new Array<number | undefined>(steps).fill(undefined);
    out.set(s.id, values);
    if (!buckets) continue;
    for (let k = 0; k < steps; k++) {
      if (query.func === 'raw') {
        values[k] = buckets.get(k)?.v1;
        continue;
      }
      const inWindow: StepRow[] = [];
      for (let b = k - w + 1; b <= k; b++) {
        const r = buckets.get(b);
        if (r) inWindow.push(r);
      }
      if (inWindow.length === 0) continue;
      if (s.temporality === 'delta') {
        const increase = inWindow.reduce((sum, r) => sum + r.vsum, 0);
        values[k] = query.func === 'rate' ? increase / rangeSeconds : increase;
        continue;
      }
      const samples = inWindow.reduce((sum, r) => sum + r.n, 0);
      if (samples < 2) continue;
      const first = inWindow[0]!;
      const last = inWindow[inWindow.length - 1]!;
      const increase = inWindow.reduce((sum, r) => sum + r.dsum, 0) - first.d0;
      const seconds = (last.t1 - first.t0) / 1000;
      if (query.func === 'increase') values[k] = increase;
      else if (seconds > 0) values[k] = increase / seconds;
    }
  }
  return out;
}

function lastAtOrBefore(rows: readonly HistogramRow[], t: number): number {
  // rows are in time order; binary search for the last index with rows[i].t <= t
  let lo = 0;
  let hi = rows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** What one series observed in each step's window: buckets (histograms) or a quantile (summaries). */
export function histogramWindows(
  info: SeriesInfo,
  rows: readonly HistogramRow[],
  grid: StepGrid,
  rangeMs: number,
  q: number,
): ({ buckets: Bucket[] } | { value: number } | undefined)[] {
  const steps = stepCount(grid);
  const out: ({ buckets: Bucket[] } | { value: number } | undefined)[] = [];
  for (let k = 0; k < steps; k++) {
    const t = grid.from + k * grid.step;
    const lastIndex = lastAtOrBefore(rows, t);
    const baseIndex = lastAtOrBefore(rows, t - rangeMs);
    if (lastIndex < 0 || lastIndex === baseIndex) {
      out.push(undefined);
      continue;
    }
    const last = rows[lastIndex]!;
    if (info.kind === 'summary') {
      out.push({ value: summaryQuantile(q, last.quantiles ?? []) });
      continue;
    }
    if (info.temporality === 'delta') {
      out.push({
        buckets: sumBuckets(rows.slice(baseIndex + 1, lastIndex + 1).map((r) => pointBuckets(rowPoint(r)))),
      });
      continue;
    }
    const firstInWindow = baseIndex + 1;
    const base =
      baseIndex >= 0 ? rows[baseIndex]! : firstInWindow < lastIndex ? rows[firstInWindow]! : undefined;
    const after = pointBuckets(rowPoint(last));
    out.push({ buckets: base ? bucketIncrease(pointBuckets(rowPoint(base)), after) : after });
  }
  return out;
}

function rowPoint(r: HistogramRow) {
  return {
    ...(r.bounds ? { bounds: r.bounds } : {}),
    ...(r.buckets ? { bucketCounts: r.buckets } : {}),
    ...(r.exp ? { exponential: r.exp } : {}),
  };
}

/** The labels a series is grouped by. */
function groupLabels(labels: Record<string, string>, by: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of by) out[l] = labels[l] ?? '';
  return out;
}

/** Group key of a label set. */
const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());

function aggregateValues(op: NonNullable<MetricQuery['aggregate']>['op'], values: number[]): number {
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return values.reduce((a, b) => Math.min(a, b), Infinity);
    case 'max':
      return values.reduce((a, b) => Math.max(a, b), -Infinity);
    case 'count':
      return values.length;
  }
}

function toSeries(
  labels: Record<string, string>,
  grid: StepGrid,
  values: readonly (number | undefined)[],
): ResultSeries {
  const points: [number, number][] = [];
  values.forEach((v, k) => {
    if (v !== undefined) points.push([grid.from + k * grid.step, v]);
  });
  return { labels, points };
}

/** Aggregate per-series step values (or keep them per series when the query has no aggregation). */
export function aggregate(
  query: MetricQuery,
  grid: StepGrid,
  series: readonly SeriesInfo[],
  values: ReadonlyMap<bigint, readonly (number | undefined)[]>,
): ResultSeries[] {
  const steps = stepCount(grid);
  if (!query.aggregate) {
    return series
      .map((s) => toSeries(s.labels, grid, values.get(s.id) ?? []))
      .filter((s) => s.points.length > 0);
  }
  const { op, by = [] } = query.aggregate;
  const groups = new Map<
    string,
    { labels: Record<string, string>; members: (readonly (number | undefined)[])[] }
  >();
  for (const s of series) {
    const labels = groupLabels(s.labels, by);
    const key = keyOf(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, members: [] }));
    g.members.push(values.get(s.id) ?? []);
  }
  const out: ResultSeries[] = [];
  for (const g of [...groups.values()].sort((a, b) => keyOf(a.labels).localeCompare(keyOf(b.labels)))) {
    const result = new Array<number | undefined>(steps).fill(undefined);
    for (let k = 0; k < steps; k++) {
      const present = g.members.map((m) => m[k]).filter((v): v is number => v !== undefined);
      if (present.length > 0) result[k] = aggregateValues(op, present);
    }
    const s = toSeries(g.labels, grid, result);
    if (s.points.length > 0) out.push(s);
  }
  return out;
}

/** histogram_quantile: per series, or per `by` group with the histograms summed bucket-wise. */
export function evalQuantile(
  query: MetricQuery,
  grid: StepGrid,
  series: readonly SeriesInfo[],
  rows: readonly HistogramRow[],
): ResultSeries[] {
  const q = query.quantile ?? 0.5;
  const rangeMs = windowSteps(query.rangeMs ?? grid.step, grid.step) * grid.step;
  const bySeries = new Map<bigint, HistogramRow[]>();
  for (const r of rows) {
    let list = bySeries.get(r.seriesId);
    if (!list) bySeries.set(r.seriesId, (list = []));
    list.push(r);
  }
  const windows = new Map(
    series.map((s) => [s.id, histogramWindows(s, bySeries.get(s.id) ?? [], grid, rangeMs, q)]),
  );
  const by = query.aggregate?.by;
  const groups = new Map<string, { labels: Record<string, string>; ids: bigint[] }>();
  for (const s of series) {
    const labels = query.aggregate ? groupLabels(s.labels, by ?? []) : s.labels;
    const key = keyOf(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, ids: [] }));
    g.ids.push(s.id);
  }
  const out: ResultSeries[] = [];
  const steps = stepCount(grid);
  for (const g of groups.values()) {
    const values = new Array<number | undefined>(steps).fill(undefined);
    for (let k = 0; k < steps; k++) {
      const parts = g.ids.map((id) => windows.get(id)![k]).filter((p) => p !== undefined);
      if (parts.length === 0) continue;
      const bucketLists = parts
        .filter((p): p is { buckets: Bucket[] } => 'buckets' in p)
        .map((p) => p.buckets);
      const quantiles = parts.filter((p): p is { value: number } => 'value' in p).map((p) => p.value);
      if (bucketLists.length > 0) {
        const v = bucketQuantile(q, sumBuckets(bucketLists));
        if (!Number.isNaN(v)) values[k] = v;
      } else {
        // Summaries: their own quantiles cannot be merged; the group gets their average.
        const known = quantiles.filter((v) => !Number.isNaN(v));
        if (known.length > 0) values[k] = known.reduce((a, b) => a + b, 0) / known.length;
      }
    }
    const s = toSeries(g.labels, grid, values);
    if (s.points.length > 0) out.push(s);
  }
  return out.sort((a, b) => keyOf(a.labels).localeCompare(keyOf(b.labels)));
}
