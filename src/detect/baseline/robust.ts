/**
 * Robust statistics for the rate baselines: median and median absolute deviation (MAD). Unlike
 * mean and standard deviation, one past spike barely moves them, so a baseline is not poisoned by
 * the anomalies it should catch. 1.4826·MAD estimates the standard deviation of normal data. Pure.
 */

/** The scale that makes MAD a consistent estimator of σ for normally distributed data. */
export const MAD_SCALE = 1.4826;

/** Median of the values (sorted copy; the mean of the middle two for an even count). NaN if empty. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface RobustStats {
  median: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  /** How many values they were computed over. */
  n: number;
}

/** Median and MAD of the values. */
export function robustStats(values: ArrayLike<number>): RobustStats {
  const m = median(values);
  const deviations = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) deviations[i] = Math.abs(values[i]! - m);
  return { median: m, mad: median(deviations), n: values.length };
}

export interface ThresholdOptions {
  /** k: how many robust standard deviations above the median is anomalous. */
  sensitivity: number;
  /** Floor of the spread (1.4826·MAD), absolute. */
  minSpread: number;
  /** Floor of the spread, as a share of the median. */
  minSpreadRatio: number;
  /**
   * The values are event counts: the spread is at least √median, the standard deviation of a
   * Poisson count. Small counts have a MAD of 0 or 1 that understates their natural noise.
   */
  counts?: boolean;
}

/**
 * The anomaly threshold: median + k·σ̂ with σ̂ = max(1.4826·MAD, minSpread, minSpreadRatio·median,
 * and √median for counts). The floors matter for steady series (MAD 0), where any change would
 * otherwise be anomalous, and for small counts.
 */
export function threshold(
  stats: RobustStats,
  options: ThresholdOptions,
): { threshold: number; spread: number } {
  const m = Math.abs(stats.median);
  const spread = Math.max(
    MAD_SCALE * stats.mad,
    options.minSpread,
    options.minSpreadRatio * m,
    options.counts ? Math.sqrt(m) : 0,
  );
  return { threshold: stats.median + options.sensitivity * spread, spread };
}
