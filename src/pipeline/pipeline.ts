import type { BufferedBatch } from '../buffer/batch.js';
import type { Journal } from '../buffer/journal.js';
import type { Derive, StoreInput } from '../store/duckdb.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import {
  OverloadedError,
  UnavailableError,
  type BatchResult,
  type RawRecord,
  type RecordError,
  type Sink,
  type SourceBatch,
} from '../sources/source.js';
import type { Transform } from '../transforms/transform.js';
import { processRecord } from './process.js';

/** What the pipeline needs of a store: a durable, serialized append. */
export interface EventWriter {
  append(inputs: readonly StoreInput[], derive?: Derive): Promise<unknown>;
}

export interface PipelineOptions {
  batchMaxEvents: number;
  flushIntervalMs: number;
  maxQueueEvents: number;
  /** Parser used when a record names no format (default: auto-detect per record). */
  defaultFormat?: string;
  /** Clock, for tests. */
  now?: () => number;
  /** Events made from stored events in the same transaction (detection findings). */
  derive?: Derive;
  /**
   * The write-ahead buffer. With one, a batch is acknowledged once it is in the buffer, and stored
   * after; without, once it is stored.
   */
  journal?: Journal;
}

interface Pending {
  inputs: StoreInput[];
  result: BatchResult;
  submittedAt: number;
  /** The buffer entry (journal mode): batches are stored in its order. */
  seq?: number;
  /** Without a journal, the submitter waits for the store. */
  resolve?: (result: BatchResult) => void;
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
    private transforms: readonly Transform[],
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
  }

  private memoryPressure = false;

  /** Over the memory budget (MemoryGuard): new batches are pushed back until it clears. */
  setMemoryPressure(on: boolean): void {
    this.memoryPressure = on;
    if (!on) this.releaseRoom();
  }

  /** Derived events (detection) for batches stored from now on; undefined turns it off. */
  setDerive(derive: Derive | undefined): void {
    this.options.derive = derive;
  }

  /** Transforms for batches submitted from now on (config reload); queued batches keep theirs. */
  setTransforms(transforms: readonly Transform[]): void {
    this.transforms = transforms;
  }

  /** Events accepted and not yet stored. */
  get depth(): number {
    return this.queuedEvents;
  }

  async submit(batch: SourceBatch, options: { wait?: boolean } = {}): Promise<BatchResult> {
    if (this.closing) throw new OverloadedError(5);
    const wait = options.wait ?? true;
    const incoming = batch.records.length;
    // Room is checked before any work so an overloaded pipeline sheds load cheaply. Sources that
    // wait for room (TCP) may fill only half the queue: they take room the moment it frees, so
    // without a share of their own, senders that are pushed back and retry (HTTP) would starve.
    const cap = wait ? Math.max(1, Math.floor(this.options.maxQueueEvents / 2)) : this.options.maxQueueEvents;
    // Over the memory budget, a batch is admitted only into an empty queue: memory stays where it
    // is while the collector and the store catch up, and ingest still moves (one batch at a time).
    while (this.queuedEvents > 0 && (this.memoryPressure || this.queuedEvents + incoming > cap)) {
      if (!wait) throw new OverloadedError(1);
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.closing) throw new OverloadedError(5);
    }
    const receivedAt = this.now();
    const ctx = { source: batch.source, receivedAt };
    const inputs: StoreInput[] = [];
    const accepted: RawRecord[] = [];
    const errors: RecordError[] = [];
    let rejected = 0;
    for (const record of batch.records) {
      const outcome = processRecord(record, ctx, this.transforms, this.options.defaultFormat);
      if (outcome.ok) {
        inputs.push({
          event: outcome.event,
          source: batch.source,
          format: outcome.format,
          ...(this.options.derive ? { fields: outcome.fields } : {}),
        });
        accepted.push(record);
      } else {
        rejected++;
        this.metrics.reject(batch.source, outcome.error.reason, 1, {
          position: outcome.error.position,
          message: outcome.error.message,
          raw: record.text,
        });
        if (errors.length < MAX_ERRORS_REPORTED) errors.push(outcome.error);
        if (rejected <= 3) this.log.warn({ source: batch.source, ...outcome.error }, 'record rejected');
      }
    }
    if (inputs.length > 0) this.metrics.accepted.inc({ source: batch.source }, inputs.length);
    const result: BatchResult = { accepted: inputs.length, rejected, errors };
    if (inputs.length === 0) return result;
    const journal = this.options.journal;
    if (!journal) {
      return new Promise<BatchResult>((resolve) => {
        this.queuedEvents += inputs.length;
        this.enqueue({ inputs, result, submittedAt: receivedAt, resolve });
      });
    }
    // Counted as queued from now: concurrent submitters see the room this batch will take.
    this.queuedEvents += inputs.length;
    let seq: number;
    try {
      seq = await this.journalAppend(journal, { source: batch.source, receivedAt, records: accepted }, wait);
    } catch (error) {
      this.queuedEvents -= inputs.length;
      this.releaseRoom();
      throw error;
    }
    for (const input of inputs) input.walSeq = seq;
    this.enqueue({ inputs, result, submittedAt: receivedAt, seq });
    return result;
  }

  /** Into the buffer; waiting out a full buffer or a refusing disk when the source can wait. */
  private async journalAppend(journal: Journal, batch: BufferedBatch, wait: boolean): Promise<number> {
    for (;;) {
      try {
        return await journal.append(batch);
      } catch (error) {
        if (!wait || this.closing) throw error;
        if (error instanceof OverloadedError) await journal.whenWritable();
        else if (error instanceof UnavailableError)
          await new Promise((r) => setTimeout(r, error.retryAfterSeconds * 1000));
        else throw error;
      }
    }
  }

  /** Queue for the store, in buffer order (appends may finish out of order; the store must not). */
  private enqueue(pending: Pending): void {
    let at = this.queue.length;
    if (pending.seq !== undefined) while (at > 0 && (this.queue[at - 1]!.seq ?? -1) > pending.seq) at--;
    this.queue.splice(at, 0, pending);
    this.metrics.queueDepth.set(this.queuedEvents);
    this.schedule();
  }

  /**
   * Re-feed batches the buffer holds and the store has not committed (at start, after a crash).
   * Resolves once they are stored; returns how many events that was.
   */
  async replay(entries: AsyncIterable<{ seq: number; batch: BufferedBatch }>): Promise<number> {
    let events = 0;
    for await (const { seq, batch } of entries) {
      while (this.queuedEvents > 0 && this.queuedEvents + batch.records.length > this.options.maxQueueEvents)
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      const ctx = { source: batch.source, receivedAt: batch.receivedAt };
      const inputs: StoreInput[] = [];
      for (const record of batch.records) {
        const outcome = processRecord(record, ctx, this.transforms, this.options.defaultFormat);
        if (outcome.ok)
          inputs.push({
            event: outcome.event,
            source: batch.source,
            format: outcome.format,
            walSeq: seq,
            ...(this.options.derive ? { fields: outcome.fields } : {}),
          });
        else
          this.metrics.reject(batch.source, outcome.error.reason, 1, { ...outcome.error, raw: record.text });
      }
      if (inputs.length === 0) {
        this.options.journal?.release(seq);
        continue;
      }
      this.queuedEvents += inputs.length;
      this.enqueue({
        inputs,
        result: { accepted: inputs.length, rejected: 0, errors: [] },
        submittedAt: this.now(),
        seq,
      });
      events += inputs.length;
    }
    await this.flush();
    return events;
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
        let released: number | undefined;
        for (const pending of take) {
          this.metrics.batchLatency.observe((now - pending.submittedAt) / 1000);
          pending.resolve?.(pending.result);
          if (pending.seq !== undefined) released = pending.seq;
        }
        if (released !== undefined) this.options.journal?.release(released);
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
        await this.writer.append(inputs, this.options.derive);
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
