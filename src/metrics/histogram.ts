/**
 * Histogram arithmetic for metric queries and downsampling: explicit-bucket and exponential
 * histograms as one list of buckets (lower bound, upper bound, count), their difference over time
 * (cumulative counters, resets detected), their sum across series, quantiles by linear
 * interpolation inside the bucket that holds the rank (like Prometheus `histogram_quantile`), and
 * the merge of exponential histograms of different scales. Pure.
 */
import type { MetricPoint } from './model.js';

export interface Bucket {
  lo: number;
  hi: number;
  count: number;
}

export type Exponential = NonNullable<MetricPoint['exponential']>;

/**
 * Explicit buckets: `counts[i]` observations in (bounds[i-1], bounds[i]], the last in
 * (bounds[n-1], +Inf). The first bucket starts at 0 when its bound is positive (Prometheus).
 */
export function explicitBuckets(bounds: readonly number[], counts: readonly number[]): Bucket[] {
  const out: Bucket[] = [];
  for (let i = 0; i < counts.length; i++) {
    const hi = i < bounds.length ? bounds[i]! : Infinity;
    const lo = i === 0 ? (hi > 0 ? 0 : -Infinity) : bounds[i - 1]!;
    out.push({ lo, hi, count: counts[i]! });
  }
  return out;
}

/** Exponential buckets: index i covers (base^i, base^(i+1)] with base = 2^(2^-scale); negatives mirrored. */
export function exponentialBuckets(exp: Exponential): Bucket[] {
  const base = 2 ** (2 ** -exp.scale);
  const out: Bucket[] = [];
  exp.negative.bucketCounts.forEach((count, i) => {
    const index = exp.negative.offset + i;
    if (count !== 0) out.push({ lo: -(base ** (index + 1)), hi: -(base ** index), count });
  });
  if (exp.zeroCount !== 0) {
    const z = exp.zeroThreshold ?? 0;
    out.push({ lo: -z, hi: z, count: exp.zeroCount });
  }
  exp.positive.bucketCounts.forEach((count, i) => {
    const index = exp.positive.offset + i;
    if (count !== 0) out.push({ lo: base ** index, hi: base ** (index + 1), count });
  });
  return out;
}

/** The buckets of a histogram or exponential histogram point (empty for other kinds). */
export function pointBuckets(p: Pick<MetricPoint, 'bounds' | 'bucketCounts' | 'exponential'>): Bucket[] {
  if (p.exponential) return exponentialBuckets(p.exponential);
  if (p.bucketCounts) return explicitBuckets(p.bounds ?? [], p.bucketCounts);
  return [];
}

const key = (b: Bucket) => `${b.lo}|${b.hi}`;

/** Bucket-wise sum (buckets with the same bounds add up), sorted by upper bound. */
export function sumBuckets(lists: readonly (readonly Bucket[])[]): Bucket[] {
  const byKey = new Map<string, Bucket>();
  for (const list of lists)
    for (const b of list) {
      const k = key(b);
      const seen = byKey.get(k);
      if (seen) seen.count += b.count;
      else byKey.set(k, { ...b });
    }
  return [...byKey.values()].sort((a, b) => a.hi - b.hi || a.lo - b.lo);
}

/**
 * What a cumulative histogram gained from `before` to `after`. A bucket that went down means the
 * counter restarted: then everything in `after` is new.
 */
export function bucketIncrease(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  const prev = new Map(before.map((b) => [key(b), b.count]));
  const out: Bucket[] = [];
  for (const b of after) {
    const d = b.count - (prev.get(key(b)) ?? 0);
    if (d < 0) return after.map((x) => ({ ...x }));
    out.push({ ...b, count: d });
  }
  return out;
}

/**
 * The q-quantile (0..1) of the observations in `buckets`, interpolating linearly inside the bucket
 * that holds rank q·total. NaN without observations; ±Inf for q outside 0..1 (like Prometheus). A
 * rank in the +Inf bucket gives that bucket's lower bound.
 */
export function bucketQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].filter((b) => b.count > 0).sort((a, b) => a.hi - b.hi || a.lo - b.lo);
  const total = sorted.reduce((s, b) => s + b.count, 0);
  if (total === 0) return NaN;
  const rank = q * total;
  let cumulative = 0;
  for (const b of sorted) {
    if (cumulative + b.count >= rank) {
      if (b.hi === Infinity) return b.lo;
      if (b.lo === -Infinity) return b.hi;
      const within = b.count === 0 ? 0 : (rank - cumulative) / b.count;
      return b.lo + (b.hi - b.lo) * within;
    }
    cumulative += b.count;
  }
  const last = sorted[sorted.length - 1]!;
  return last.hi === Infinity ? last.lo : last.hi;
}

/** The q-quantile a summary point reports (exactly that quantile, else NaN). */
export function summaryQuantile(
  q: number,
  quantiles: readonly { quantile: number; value: number }[],
): number {
  const found = quantiles.find((x) => Math.abs(x.quantile - q) < 1e-9);
  return found ? found.value : NaN;
}

/** Lower an exponential histogram's scale by `by` steps (2^by adjacent buckets merge into one). */
export function downscale(exp: Exponential, by: number): Exponential {
  if (by <= 0) return exp;
  const shrink = (b: Exponential['positive']) => {
    if (b.bucketCounts.length === 0) return { offset: b.offset >> by, bucketCounts: [] };
    const offset = b.offset >> by;
    const counts: number[] = [];
    b.bucketCounts.forEach((c, i) => {
      const at = ((b.offset + i) >> by) - offset;
      counts[at] = (counts[at] ?? 0) + c;
    });
    return { offset, bucketCounts: Array.from(counts, (c) => c ?? 0) };
  };
  return { ...exp, scale: exp.scale - by, positive: shrink(exp.positive), negative: shrink(exp.negative) };
}

function addBuckets(a: Exponential['positive'], b: Exponential['positive']): Exponential['positive'] {
  if (a.bucketCounts.length === 0) return { offset: b.offset, bucketCounts: [...b.bucketCounts] };
  if (b.bucketCounts.length === 0) return { offset: a.offset, bucketCounts: [...a.bucketCounts] };
  const offset = Math.min(a.offset, b.offset);
  const end = Math.max(a.offset + a.bucketCounts.length, b.offset + b.bucketCounts.length);
  const counts = new Array<number>(end - offset).fill(0);
  a.bucketCounts.forEach((c, i) => (counts[a.offset - offset + i]! += c));
  b.bucketCounts.forEach((c, i) => (counts[b.offset - offset + i]! += c));
  return { offset, bucketCounts: counts };
}

/** The sum of exponential histograms (delta temporality), at the smallest scale among them. */
export function mergeExponential(list: readonly Exponential[]): Exponential {
  const scale = Math.min(...list.map((e) => e.scale));
  let out: Exponential = {
    scale,
    zeroCount: 0,
    zeroThreshold: Math.max(0, ...list.map((e) => e.zeroThreshold ?? 0)),
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  for (const e of list) {
    const d = downscale(e, e.scale - scale);
    out = {
      ...out,
      zeroCount: out.zeroCount + d.zeroCount,
      positive: addBuckets(out.positive, d.positive),
      negative: addBuckets(out.negative, d.negative),
    };
  }
  return out;
}
