/**
 * Downsampling, the pure part: the stored rows of one series (raw points or finer rollups) folded
 * into one row per `resMs` window. A rollup row keeps, for its window, the minimum, maximum, sum
 * and number of the values and the last value (at the time of the last sample, so a counter's
 * rollup is still an exact counter sample and rate() over rollups needs nothing special).
 * Histograms: cumulative ones keep the last count/sum/buckets, delta ones add them up (bucket-wise;
 * exponential ones at a common scale); min/max of the observations are kept. Summaries keep the
 * last. Delta sums add their values. Rolling up rollups gives the same result as rolling up the
 * raw rows directly.
 */
import { mergeExponential, type Exponential } from './histogram.js';
import type { MetricKind } from './model.js';

/** One row of the points table. `res` 0 is a raw point; otherwise the window (ms) it summarizes. */
export interface StoredPoint {
  seriesId: bigint;
  time: number;
  res: number;
  value: number | null;
  /** Rollups: min / max / sum / number of the values in the window (null for raw points). */
  vmin: number | null;
  vmax: number | null;
  vsum: number | null;
  n: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  bounds: number[] | null;
  buckets: number[] | null;
  exp: Exponential | null;
  quantiles: { quantile: number; value: number }[] | null;
  startTime: number | null;
}

export interface SeriesShape {
  kind: MetricKind;
  temporality: 'cumulative' | 'delta' | null;
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const addOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);

/** A raw row seen as a one-sample rollup. */
function stats(p: StoredPoint): { vmin: number | null; vmax: number | null; vsum: number | null; n: number } {
  if (p.res > 0 && p.n !== null) return { vmin: p.vmin, vmax: p.vmax, vsum: p.vsum, n: p.n };
  return { vmin: p.value, vmax: p.value, vsum: p.value, n: p.value === null ? 0 : 1 };
}

const sameBounds = (a: number[] | null, b: number[] | null) =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));

/** Fold rows of one window (time order) into one rollup row. */
function fold(rows: readonly StoredPoint[], shape: SeriesShape, resMs: number): StoredPoint[] {
  const delta = shape.temporality === 'delta';
  const last = rows[rows.length - 1]!;
  let vmin: number | null = null;
  let vmax: number | null = null;
  let vsum: number | null = null;
  let n = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const r of rows) {
    const s = stats(r);
    vmin = minOf(vmin, s.vmin);
    vmax = maxOf(vmax, s.vmax);
    vsum = addOf(vsum, s.vsum);
    n += s.n;
    min = minOf(min, r.min);
    max = maxOf(max, r.max);
  }
  const out: StoredPoint = {
    ...last,
    res: resMs,
    vmin,
    vmax,
    vsum,
    n,
    min,
    max,
    startTime: rows[0]!.startTime,
  };
  if (shape.kind === 'sum' && delta) out.value = vsum;
  if ((shape.kind === 'histogram' || shape.kind === 'exponential_histogram') && delta) {
    out.count = rows.reduce<number | null>((s, r) => addOf(s, r.count), null);
    out.sum = rows.reduce<number | null>((s, r) => addOf(s, r.sum), null);
    if (shape.kind === 'exponential_histogram') {
      const exps = rows.map((r) => r.exp).filter((e): e is Exponential => e !== null);
      out.exp = exps.length > 0 ? mergeExponential(exps) : null;
    } else {
      // Rows with other bounds than the last cannot be added bucket-wise: they get their own rollup.
      const same = rows.filter((r) => sameBounds(r.bounds, last.bounds));
      if (same.length !== rows.length) {
        const other = rows.filter((r) => !sameBounds(r.bounds, last.bounds));
        return [...fold(other, shape, resMs), ...fold(same, shape, resMs)];
      }
      const width = last.buckets?.length ?? 0;
      const sums = new Array<number>(width).fill(0);
      for (const r of rows) r.buckets?.forEach((c, i) => (sums[i]! += c));
      out.buckets = last.buckets ? sums : null;
    }
  }
  return [out];
}

/** The window a time falls in (start, ms). */
export const windowStart = (time: number, resMs: number) => Math.floor(time / resMs) * resMs;

/** Roll one series' rows (in time order) up into one row per `resMs` window. */
export function rollupSeries(rows: readonly StoredPoint[], shape: SeriesShape, resMs: number): StoredPoint[] {
  const out: StoredPoint[] = [];
  let windowRows: StoredPoint[] = [];
  let current = NaN;
  for (const r of rows) {
    const w = windowStart(r.time, resMs);
    if (w !== current && windowRows.length > 0) {
      out.push(...fold(windowRows, shape, resMs));
      windowRows = [];
    }
    current = w;
    windowRows.push(r);
  }
  if (windowRows.length > 0) out.push(...fold(windowRows, shape, resMs));
  return out;
}
