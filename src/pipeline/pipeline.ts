import type { StoreInput } from '../store/duckdb.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import {
  OverloadedError,
  type BatchResult,
  type RecordError,
  type Sink,
  type SourceBatch,
} from '../sources/source.js';
import type { Transform } from '../transforms/transform.js';
import { processRecord } from './process.js';

/** What the pipeline needs of a store: a durable, serialized append. */
export interface EventWriter {
  append(inputs: readonly StoreInput[]): Promise<unknown>;
}

export interface PipelineOptions {
  batchMaxEvents: number;
  flushIntervalMs: number;
  maxQueueEvents: number;
  /** Parser used when a record names no format (default: auto-detect per record). */
  defaultFormat?: string;
  /** Clock, for tests. */
  now?: () => number;
}

interface Pending {
  inputs: StoreInput[];
  result: BatchResult;
  submittedAt: number;
  resolve: (result: BatchResult) => void;
  reject: (error: Error) => void;
}

const MAX_ERRORS_REPORTED = 20;

/**
 * sources → parse → normalize → transforms → store. A submitted batch is processed at once (CPU
 * work in the caller's turn) and queued; one writer drains the queue in store transactions of up to
 * `batchMaxEvents`, so concurrent submissions share a commit (group commit). A submission's promise
 * resolves only after its events are committed: that is the acknowledgement. The queue is bounded:
 * beyond `maxQueueEvents` a submitter either waits (TCP: stop reading) or gets OverloadedError (HTTP 429).
 * A failed write is retried with backoff, never dropped.
 */
export class Pipeline implements Sink {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private roomWaiters: (() => void)[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(
    private readonly writer: EventWriter,
    private readonly options: PipelineOptions,
    private readonly transforms: readonly Transform[],
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Events accepted and not yet stored. */
  get depth(): number {
    return this.queuedEvents;
  }

  async submit(batch: SourceBatch, options: { wait?: boolean } = {}): Promise<BatchResult> {
    if (this.closing) throw new OverloadedError(5);
    const wait = options.wait ?? true;
    const incoming = batch.records.length;
    // Room is checked before any work so an overloaded pipeline sheds load cheaply.
    while (this.queuedEvents > 0 && this.queuedEvents + incoming > this.options.maxQueueEvents) {
      if (!wait) throw new OverloadedError(1);
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.closing) throw new OverloadedError(5);
    }
    const receivedAt = this.now();
    const ctx = { source: batch.source, receivedAt };
    const inputs: StoreInput[] = [];
    const errors: RecordError[] = [];
    let rejected = 0;
    for (const record of batch.records) {
      const outcome = processRecord(record, ctx, this.transforms, this.options.defaultFormat);
      if (outcome.ok) {
        inputs.push({ event: outcome.event, source: batch.source, format: outcome.format });
      } else {
        rejected++;
        this.metrics.reject(batch.source, outcome.error.reason);
        if (errors.length < MAX_ERRORS_REPORTED) errors.push(outcome.error);
        if (rejected <= 3) this.log.warn({ source: batch.source, ...outcome.error }, 'record rejected');
      }
    }
    if (inputs.length > 0) this.metrics.accepted.inc({ source: batch.source }, inputs.length);
    const result: BatchResult = { accepted: inputs.length, rejected, errors };
    if (inputs.length === 0) return result;
    return new Promise<BatchResult>((resolve, reject) => {
      this.queue.push({ inputs, result, submittedAt: receivedAt, resolve, reject });
      this.queuedEvents += inputs.length;
      this.metrics.queueDepth.set(this.queuedEvents);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing) return;
    if (
      this.queuedEvents >= this.options.batchMaxEvents ||
      this.options.flushIntervalMs === 0 ||
      this.closing
    ) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.options.flushIntervalMs);
    }
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const take: Pending[] = [];
        let count = 0;
        while (
          this.queue.length > 0 &&
          (take.length === 0 || count + this.queue[0]!.inputs.length <= this.options.batchMaxEvents)
        ) {
          const next = this.queue.shift()!;
          take.push(next);
          count += next.inputs.length;
        }
        const inputs = take.length === 1 ? take[0]!.inputs : take.flatMap((p) => p.inputs);
        await this.writeWithRetry(inputs);
        this.queuedEvents -= count;
        this.metrics.queueDepth.set(this.queuedEvents);
        this.metrics.stored.inc(count);
        const now = this.now();
        for (const pending of take) {
          this.metrics.batchLatency.observe((now - pending.submittedAt) / 1000);
          pending.resolve(pending.result);
        }
        this.releaseRoom();
        // Let submitters add to the queue so the next transaction groups their work.
        if (this.queue.length > 0 && this.queuedEvents < this.options.batchMaxEvents && !this.closing) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.writing = false;
      if (this.queue.length > 0) this.schedule();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private releaseRoom(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private async writeWithRetry(inputs: StoreInput[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.writer.append(inputs);
        return;
      } catch (error) {
        this.metrics.storeErrors.inc();
        const delay = Math.min(5000, 50 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random() / 2);
        this.log.error({ err: error, attempt, retryInMs: Math.round(delay) }, 'store write failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Resolves once everything queued so far is stored. */
  async flush(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return;
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule();
    });
  }

  /** Stop accepting, store what is queued. */
  async close(): Promise<void> {
    this.closing = true;
    this.releaseRoom();
    await this.flush();
  }
}
