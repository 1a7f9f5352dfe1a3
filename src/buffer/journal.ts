/**
 * The write-ahead buffer as the pipeline sees it: record a batch durably (the acknowledgement),
 * release what the store has committed. Buffer refusals become the errors sources already turn
 * into pushback: OverloadedError (HTTP 429, paused reads) when the buffer is full,
 * UnavailableError (HTTP 503) when the disk refuses writes.
 */
import { OverloadedError, UnavailableError } from '../sources/source.js';
import type { Logger } from '../telemetry/log.js';
import { encodeBatch, decodeBatch, type BufferedBatch } from './batch.js';
import { BufferFullError, StorageError } from './errors.js';
import type { Wal } from './wal.js';

export interface Journal {
  /** Durably record a batch; resolves with its sequence number. */
  append(batch: BufferedBatch): Promise<number>;
  /** Everything up to `seq` is in the store. */
  release(seq: number): void;
  /** Resolves when the buffer has room again (after an OverloadedError). */
  whenWritable(): Promise<void>;
}

export class WalJournal implements Journal {
  private lastWarning = 0;

  constructor(
    readonly wal: Wal,
    private readonly log: Logger,
  ) {
    // Rate-limited: under a full disk every failing append reports one.
    wal.on('storage-error', (error) => this.warn(error.message));
    wal.on('corruption', (damage) => log.error(damage, 'buffer damage skipped during replay'));
    wal.on('recovered', () => log.info('buffer writes succeed again'));
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.log.error({ message }, 'buffer storage error: not accepting until it clears');
  }

  async append(batch: BufferedBatch): Promise<number> {
    try {
      const { lastSeq } = await this.wal.append(encodeBatch(batch));
      return lastSeq;
    } catch (error) {
      if (error instanceof BufferFullError) throw new OverloadedError(error.retryAfterSeconds);
      if (error instanceof StorageError) throw new UnavailableError(error.retryAfterSeconds, error.message);
      throw error;
    }
  }

  release(seq: number): void {
    void this.wal.release(seq);
  }

  whenWritable(): Promise<void> {
    return this.wal.whenWritable();
  }

  /** Batches in the buffer that the store has not committed, in order. */
  async *pending(afterSeq: number): AsyncGenerator<{ seq: number; batch: BufferedBatch }> {
    for await (const entry of this.wal.replay(afterSeq)) {
      try {
        yield { seq: entry.seq, batch: decodeBatch(entry.payload) };
      } catch (error) {
        this.log.error({ seq: entry.seq, err: String(error) }, 'buffered batch cannot be decoded; skipped');
      }
    }
  }
}
