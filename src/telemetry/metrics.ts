import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DroppedRecords, type DroppedSample } from './dropped.js';

/**
 * Vigil's own telemetry, exposed as Prometheus text at GET /metrics. Every component reports the
 * same events: received, accepted, rejected with a reason, stored; so a drop can always be explained.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'vigil_events_received_total',
    help: 'Records received by a source, before parsing.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: 'vigil_events_accepted_total',
    help: 'Records parsed and normalized into OCSF events.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'vigil_events_rejected_total',
    help: 'Records rejected, by source and reason.',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });
  readonly stored = new Counter({
    name: 'vigil_events_stored_total',
    help: 'Events durably written to the store.',
    registers: [this.registry],
  });
  readonly batchLatency = new Histogram({
    name: 'vigil_batch_latency_seconds',
    help: 'Time from a batch being submitted to it being durably stored (its acknowledgement).',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'vigil_queue_depth_events',
    help: 'Events accepted and waiting to be written to the store.',
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'vigil_store_errors_total',
    help: 'Failed store writes (retried; the batch stays unacknowledged).',
    registers: [this.registry],
  });
  readonly detections = new Counter({
    name: 'vigil_detections_total',
    help: 'Sigma rule matches stored as Detection Findings, by rule level.',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  readonly rulesLoaded = new Gauge({
    name: 'vigil_detection_rules_loaded',
    help: 'Sigma rules loaded and evaluated on every event.',
    registers: [this.registry],
  });
  readonly detectErrors = new Counter({
    name: 'vigil_detection_errors_total',
    help: 'Rule evaluations that failed (the rule did not match that event).',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
  }

  /** A bounded sample of what was rejected or dropped, with its error (`vigil dropped`). */
  readonly dropped = new DroppedRecords();

  /**
   * Count rejected records; reasons are short stable labels (e.g. `invalid_json`). With a sample
   * (position, error, raw text), the record is also kept in the bounded sample of `dropped`.
   */
  reject(source: string, reason: string, n = 1, sample?: DroppedSample): void {
    this.rejected.inc({ source, reason }, n);
    this.dropped.record(source, reason, sample, n);
  }
}
