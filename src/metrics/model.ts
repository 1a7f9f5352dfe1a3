/**
 * Metrics as Vigil keeps them: one data point of one series (name + labels) at one time. OTLP
 * metrics, Prometheus scrapes and remote-write all arrive as these, and the metric store and its
 * queries work on them. Times are milliseconds since the epoch.
 */

export type MetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface MetricPoint {
  name: string;
  kind: MetricKind;
  unit?: string;
  description?: string;
  /** Resource, scope and point attributes, flattened to strings (`service.name`, `job`, ...). */
  labels: Record<string, string>;
  time: number;
  startTime?: number;
  /** gauge and sum. */
  value?: number;
  /** sum: monotonic counter or up-down. */
  monotonic?: boolean;
  /** sum and histograms. */
  temporality?: 'cumulative' | 'delta';
  /** histograms and summaries. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  /** histogram: upper bounds (explicit), and counts (bounds.length + 1 of them). */
  bounds?: number[];
  bucketCounts?: number[];
  /** exponential histogram. */
  exponential?: {
    scale: number;
    zeroCount: number;
    zeroThreshold?: number;
    positive: ExponentialBuckets;
    negative: ExponentialBuckets;
  };
  /** summary. */
  quantiles?: { quantile: number; value: number }[];
}

/** Where metric points go: the metric store. Resolves once they are durable. */
export interface MetricSink {
  writeMetrics(points: readonly MetricPoint[]): Promise<void>;
}
