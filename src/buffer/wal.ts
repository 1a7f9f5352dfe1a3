/**
 * The durable write-ahead buffer between the receivers and the store. An append-only log of
 * checksummed entries in segment files under one directory: an append's promise resolves once
 * its entries are durable (per the fsync policy), which makes it the acknowledgement to the
 * sender. Concurrent appends share one write and one fsync (group commit). On open the log is
 * verified, a torn tail is truncated and damage is reported and skipped; `replay` re-feeds the
 * store with what it has not committed, `release` drops what it has. Every entry has a sequence
 * number, strictly increasing and never reused, which the store records to make replays
 * idempotent. The size on disk and the bytes waiting in memory are capped: over a cap, `append`
 * rejects with BufferFullError and the `space` event says when to resume. Disk full and I/O
 * errors reject the affected appends with StorageError and leave the log consistent; later
 * appends retry, so the buffer resumes by itself once space returns.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { BufferFullError, EntryTooLargeError, StorageError, WalClosedError, errnoCode } from './errors.js';
import { nodeWalFs, type WalFile, type WalFs } from './fs.js';
import { FRAME_HEADER_BYTES, frameBytes, writeFrame } from './record.js';
import { scanSegment } from './scan.js';

/** When an append is durable: `always` after fdatasync (default); `interval` after the write, synced every `fsyncIntervalMs`; `never` after the write, never synced (the OS decides). */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface WalOptions {
  /** The log's directory (`<dataDir>/buffer`); created if absent. One process at a time. */
  dir: string;
  /** Size at which a segment file is sealed and a new one started (default 64 MiB). Also the largest append. */
  segmentBytes?: number;
  /** Cap on the bytes of segments holding unreleased entries, plus bytes not yet written (default 1 GiB). */
  maxBytes?: number;
  /** Cap on bytes accepted but not yet written, i.e. held in memory (default 64 MiB). */
  maxPendingBytes?: number;
  fsync?: FsyncPolicy;
  /** Sync period for the `interval` policy (default 100 ms). */
  fsyncIntervalMs?: number;
  /** Extra wait before a group is written, to gather more appends (default 0: the next turn of the event loop). */
  commitDelayMs?: number;
  /** Largest single write (default 8 MiB); a larger single append is written alone. */
  maxGroupBytes?: number;
  /** After being full, accept again once below this fraction of the caps (default 0.8). */
  resumeRatio?: number;
  /**
   * The store's last committed sequence number, its source of truth. Same as calling
   * `release(storedSeq)` right after opening: what it covers is dropped without being read, and
   * no sequence number at or below it is ever issued, even if the log directory was lost.
   */
  storedSeq?: number;
  /** The file layer (tests inject faults through it). */
  fs?: WalFs;
}

/** A byte range of a segment that held no valid entry. */
export interface WalDamage {
  segment: string;
  offset: number;
  bytes: number;
  reason: string;
}

/** What opening the log found. */
export interface RecoveryReport {
  /** Segment files kept. */
  segments: number;
  /** Valid entries above the released watermark, i.e. what `replay(releasedSeq)` yields. */
  entries: number;
  /** Highest sequence number found (0 if none). */
  lastSeq: number;
  releasedSeq: number;
  /** Incomplete writes at the end of the last segment, truncated (the first 100). */
  tornTails: WalDamage[];
  tornBytes: number;
  /** Damaged ranges elsewhere, skipped; later entries are kept (the first 100). */
  corruptions: WalDamage[];
  corruptBytes: number;
  /** Segments deleted because everything in them was released. */
  deletedSegments: number;
}

/** The sequence numbers an append was given (consecutive, one per payload). */
export interface AppendResult {
  firstSeq: number;
  lastSeq: number;
}

/** One committed entry, as replayed. */
export interface WalEntry {
  seq: number;
  payload: Buffer;
}

/** Counters and gauges, for metrics. */
export interface WalStats {
  segments: number;
  /** Bytes counted against `maxBytes` (segments holding unreleased entries). */
  usedBytes: number;
  /** Bytes accepted and not yet written. */
  pendingBytes: number;
  /** Highest sequence number committed. */
  lastSeq: number;
  releasedSeq: number;
  appends: number;
  entries: number;
  /** Group writes (one write call each). */
  writes: number;
  fsyncs: number;
  storageErrors: number;
  /** Damaged ranges met by replays that recovery had not already reported. */
  replayDamage: number;
  full: boolean;
}

/** Events: `space` (room again after being full), `storage-error`, `recovered` (a write succeeded after a storage error), `corruption` (damage met during replay). */
export interface WalEvents {
  space: [];
  'storage-error': [StorageError];
  recovered: [];
  corruption: [WalDamage];
}

interface Segment {
  firstSeq: number;
  name: string;
  path: string;
  /** Committed size: bytes written (and synced, per policy) that hold whole frames. */
  bytes: number;
  /** Highest seq in the segment, 0 if none. */
  lastSeq: number;
}

interface ActiveSegment extends Segment {
  file: WalFile;
  /** A failed write left bytes past `bytes` that truncation could not remove yet. */
  dirtyTail: boolean;
}

interface PendingAppend {
  payloads: readonly Uint8Array[];
  bytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

const MiB = 1 << 20;
const SEGMENT_NAME = /^(\d{20})\.wal$/;
const WATERMARK = 'released.json';
const MAX_DAMAGE_LISTED = 100;
/** Largest frame payload accepted when reading: independent of `segmentBytes`, so a smaller setting never turns existing entries into damage (the file size bounds it too). */
const READ_LIMIT = 2 ** 30;

const segmentName = (firstSeq: number): string => `${String(firstSeq).padStart(20, '0')}.wal`;

/** The durable write-ahead buffer. Open with `Wal.open`. */
export class Wal extends EventEmitter<WalEvents> {
  private readonly fs: WalFs;
  private readonly segmentBytes: number;
  private readonly maxBytes: number;
  private readonly maxPendingBytes: number;
  private readonly policy: FsyncPolicy;
  private readonly resumeRatio: number;
  private segments: Segment[] = [];
  private active: ActiveSegment | undefined;
  private nextSeq = 1;
  private committedSeq = 0;
  private released = 0;
  private persistedReleased = 0;
  private queue: PendingAppend[] = [];
  private pendingBytes = 0;
  private flushing = false;
  private flushScheduled = false;
  private unsynced = false;
  /** Which cap refused appends last, until usage falls below the resume threshold. */
  private fullCap: 'disk' | 'memory' | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastError: StorageError | undefined;
  private lock: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private spaceWaiters: (() => void)[] = [];
  private drainRate = 0;
  private lastCollectAt = 0;
  private knownDamage = new Set<string>();
  private counters = { appends: 0, entries: 0, writes: 0, fsyncs: 0, storageErrors: 0, replayDamage: 0 };
  /** What opening the log found. */
  recovery!: RecoveryReport;

  private constructor(private readonly options: WalOptions) {
    super();
    this.fs = options.fs ?? nodeWalFs;
    this.segmentBytes = options.segmentBytes ?? 64 * MiB;
    this.maxBytes = options.maxBytes ?? 1024 * MiB;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * MiB;
    this.policy = options.fsync ?? 'always';
    this.resumeRatio = options.resumeRatio ?? 0.8;
    if (this.segmentBytes < 4 * FRAME_HEADER_BYTES)
      throw new RangeError(`segmentBytes ${this.segmentBytes} is too small`);
    if (this.maxBytes < this.segmentBytes) throw new RangeError('maxBytes must be at least segmentBytes');
  }

  /** Opens (creating if needed) and recovers the log in `options.dir`. I/O failures reject with StorageError. */
  static async open(options: WalOptions): Promise<Wal> {
    const wal = new Wal(options);
    await wal.recover();
    if (wal.policy === 'interval') {
      wal.timer = setInterval(() => void wal.periodicSync(), options.fsyncIntervalMs ?? 100);
      wal.timer.unref();
    }
    return wal;
  }

  /** Largest payload one entry can carry. */
  get maxPayloadBytes(): number {
    return this.segmentBytes - FRAME_HEADER_BYTES;
  }

  /** Highest sequence number committed so far (0 if none). */
  get lastSeq(): number {
    return this.committedSeq;
  }

  /** Everything up to this sequence number is in the store. */
  get releasedSeq(): number {
    return this.released;
  }

  /**
   * Appends one entry per payload, atomically (all or none), with consecutive sequence numbers.
   * Resolves once durable per the fsync policy: that is the acknowledgement. Rejects with
   * BufferFullError (over a cap; nothing written), StorageError (write or sync failed; nothing
   * kept), EntryTooLargeError, or WalClosedError. Payload bytes must not change until it settles.
   */
  append(payload: Uint8Array | readonly Uint8Array[]): Promise<AppendResult> {
    const payloads = payload instanceof Uint8Array ? [payload] : payload;
    if (this.closed) return Promise.reject(new WalClosedError());
    if (payloads.length === 0) return Promise.reject(new RangeError('append needs at least one payload'));
    let bytes = 0;
    for (const p of payloads) {
      if (!(p instanceof Uint8Array))
        return Promise.reject(new TypeError('append takes Uint8Array payloads'));
      bytes += frameBytes(p.length);
    }
    if (bytes > this.segmentBytes) return Promise.reject(new EntryTooLargeError(bytes, this.segmentBytes));
    const refusal = this.admit(bytes);
    if (refusal) return Promise.reject(refusal);
    this.pendingBytes += bytes;
    this.counters.appends++;
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ payloads, bytes, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** The BufferFullError that refuses `bytes` more, or undefined if they fit. */
  private admit(bytes: number): BufferFullError | undefined {
    if (
      this.fullCap === 'memory' ||
      (this.pendingBytes > 0 && this.pendingBytes + bytes > this.maxPendingBytes)
    ) {
      this.fullCap = 'memory';
      return new BufferFullError(1, 'memory');
    }
    if (this.fullCap === 'disk' || this.usedBytes() + this.pendingBytes + bytes > this.maxBytes) {
      this.fullCap = 'disk';
      return new BufferFullError(this.retryAfterSeconds(bytes), 'disk');
    }
    return undefined;
  }

  /** A guess at when room will be back, from the rate at which released segments were deleted. */
  private retryAfterSeconds(bytes: number): number {
    const excess = this.usedBytes() + this.pendingBytes + bytes - this.resumeRatio * this.maxBytes;
    if (this.drainRate <= 0) return 5;
    return Math.min(30, Math.max(1, Math.ceil(excess / this.drainRate)));
  }

  /** Bytes counted against `maxBytes`: segments still holding unreleased entries. */
  usedBytes(): number {
    let used = 0;
    for (let i = 0; i < this.segments.length; i++) {
      if (!this.segmentReleased(i)) used += this.segments[i]!.bytes;
    }
    return used;
  }

  /** True while appends are refused for lack of room (until the `space` event). */
  isFull(): boolean {
    return this.fullCap !== undefined || this.usedBytes() + this.pendingBytes >= this.maxBytes;
  }

  /** Resolves when appends are accepted again (at once if not full, or when closed). */
  whenWritable(): Promise<void> {
    if (!this.isFull() || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** The storage error of the latest failed append, until an append succeeds again (for a 503 and a health check). */
  storageError(): StorageError | undefined {
    return this.lastError;
  }

  stats(): WalStats {
    return {
      ...this.counters,
      segments: this.segments.length,
      usedBytes: this.usedBytes(),
      pendingBytes: this.pendingBytes,
      lastSeq: this.committedSeq,
      releasedSeq: this.released,
      full: this.isFull(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Group commit

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    const run = (): void => {
      this.flushScheduled = false;
      void this.flushLoop();
    };
    const delay = this.options.commitDelayMs ?? 0;
    if (delay > 0) setTimeout(run, delay);
    else setImmediate(run);
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.exclusive(() => this.flushGroup());
    } finally {
      this.flushing = false;
      this.checkSpace();
      if (this.queue.length > 0) this.scheduleFlush();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Writes the appends at the head of the queue that fit in the current segment, as one write. */
  private async flushGroup(): Promise<void> {
    const head = this.queue[0];
    if (!head) return;
    let segment: ActiveSegment;
    try {
      segment = await this.segmentFor(head.bytes);
    } catch (error) {
      const dropped = this.queue.splice(0);
      for (const pending of dropped) this.pendingBytes -= pending.bytes;
      this.failAppends(dropped, error);
      return;
    }
    const room = Math.min(this.segmentBytes - segment.bytes, this.options.maxGroupBytes ?? 8 * MiB);
    let take = 1;
    let bytes = head.bytes;
    while (take < this.queue.length && bytes + this.queue[take]!.bytes <= room)
      bytes += this.queue[take++]!.bytes;
    const group = this.queue.splice(0, take);
    try {
      await this.commitGroup(segment, group, bytes);
    } catch (error) {
      // Only framing can throw (storage failures are handled inside): a bug. Fail the group, keep going.
      this.pendingBytes -= bytes;
      group.forEach((pending) => pending.reject(error instanceof Error ? error : new Error(String(error))));
    }
  }

  /** Frames, writes and acknowledges one group. */
  private async commitGroup(segment: ActiveSegment, group: PendingAppend[], bytes: number): Promise<void> {
    const out = Buffer.allocUnsafe(bytes);
    const results: AppendResult[] = [];
    let at = 0;
    for (const pending of group) {
      const firstSeq = this.nextSeq;
      for (const payload of pending.payloads) at = writeFrame(out, at, this.nextSeq++, payload);
      results.push({ firstSeq, lastSeq: this.nextSeq - 1 });
    }
    const failure = await this.writeGroup(segment, out);
    this.pendingBytes -= bytes;
    if (failure) {
      this.failAppends(group, failure);
      return;
    }
    segment.bytes += bytes;
    segment.lastSeq = this.committedSeq = this.nextSeq - 1;
    this.counters.entries += this.nextSeq - results[0]!.firstSeq;
    if (this.lastError) {
      this.lastError = undefined;
      this.notify('recovered');
    }
    group.forEach((pending, i) => pending.resolve(results[i]!));
  }

  /**
   * Emits without letting a throwing listener break the log's bookkeeping: the listener's error
   * is rethrown on its own tick (an uncaught exception, as for any emitter).
   */
  private notify<K extends keyof WalEvents>(event: K, ...args: WalEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: WalEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  /** Writes (and syncs, per policy) at the segment's end; on failure truncates back and returns the error. */
  private async writeGroup(segment: ActiveSegment, out: Buffer): Promise<StorageError | undefined> {
    const start = segment.bytes;
    let operation = 'truncate';
    try {
      if (segment.dirtyTail) {
        await segment.file.truncate(start);
        segment.dirtyTail = false;
      }
      operation = 'write';
      await writeAll(segment.file, out, start);
      this.counters.writes++;
      if (this.policy === 'always') {
        operation = 'sync';
        await segment.file.datasync();
        this.counters.fsyncs++;
      } else {
        this.unsynced = true;
      }
      return undefined;
    } catch (error) {
      const failure = this.storageFailure(segment.path, operation, error);
      try {
        await segment.file.truncate(start);
        segment.dirtyTail = false;
      } catch {
        segment.dirtyTail = true;
      }
      return failure;
    }
  }

  private storageFailure(path: string, operation: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const code = errnoCode(error);
    const failure = new StorageError(path, code, operation, code === 'EIO' ? 2 : 5, { cause: error });
    this.counters.storageErrors++;
    this.notify('storage-error', failure);
    return failure;
  }

  private failAppends(group: readonly PendingAppend[], error: unknown): void {
    const failure =
      error instanceof StorageError ? error : this.storageFailure(this.options.dir, 'write', error);
    this.lastError = failure;
    for (const pending of group) pending.reject(failure);
  }

  /** The segment to write `bytes` into: the active one, or a new one when it is full or absent. */
  private async segmentFor(bytes: number): Promise<ActiveSegment> {
    const active = this.active;
    if (active && (active.bytes === 0 || active.bytes + bytes <= this.segmentBytes)) return active;
    if (active) await this.seal(active);
    const firstSeq = this.nextSeq;
    const name = segmentName(firstSeq);
    const path = join(this.options.dir, name);
    let file: WalFile;
    try {
      file = await this.fs.open(path, 'write');
    } catch (error) {
      throw this.storageFailure(path, 'create', error);
    }
    let size: number;
    try {
      size = await file.size();
      if (this.policy !== 'never') await this.fs.syncDir(this.options.dir);
    } catch (error) {
      await file.close().catch(() => undefined);
      throw this.storageFailure(path, 'create', error);
    }
    const segment: ActiveSegment = { firstSeq, name, path, bytes: size, lastSeq: 0, file, dirtyTail: false };
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  /** Syncs (per policy) and closes the active segment; it stays in the list until released. */
  private async seal(segment: ActiveSegment): Promise<void> {
    if (this.unsynced && this.policy !== 'never') {
      try {
        await segment.file.datasync();
      } catch (error) {
        throw this.storageFailure(segment.path, 'sync', error);
      }
      this.counters.fsyncs++;
      this.unsynced = false;
    }
    this.unsynced = false;
    this.active = undefined;
    await segment.file.close().catch(() => undefined);
  }

  private async periodicSync(): Promise<void> {
    if (!this.unsynced || !this.active || this.closed) return;
    await this.exclusive(async () => {
      const active = this.active;
      if (!this.unsynced || !active) return;
      this.unsynced = false;
      try {
        await active.file.datasync();
        this.counters.fsyncs++;
      } catch (error) {
        this.unsynced = true;
        this.storageFailure(active.path, 'sync', error);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Release, space, close

  /** True when every entry of segment `i` is released. */
  private segmentReleased(i: number): boolean {
    const segment = this.segments[i]!;
    const next = this.segments[i + 1];
    if (next) return next.firstSeq - 1 <= this.released;
    return segment.lastSeq <= this.released;
  }

  /**
   * Everything up to `uptoSeq` is committed in the store: segments holding nothing newer are
   * deleted (the watermark is persisted first, atomically). Never issues a sequence number at or
   * below `uptoSeq` afterwards. File errors do not reject: they are emitted as `storage-error`
   * and the deletion is retried on the next release.
   */
  async release(uptoSeq: number): Promise<void> {
    if (!Number.isSafeInteger(uptoSeq) || uptoSeq <= this.released) return;
    this.released = uptoSeq;
    if (this.nextSeq <= uptoSeq) this.nextSeq = uptoSeq + 1;
    await this.exclusive(() => this.collect());
    this.checkSpace();
  }

  /** Deletes fully released segments; the active one only when it is large enough to be worth it. */
  private async collect(): Promise<number> {
    const victims: Segment[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (!this.segmentReleased(i)) continue;
      if (segment === this.active) {
        if (this.nextSeq - 1 > this.released || segment.bytes < this.segmentBytes / 4) continue;
      }
      victims.push(segment);
    }
    if (victims.length === 0) return 0;
    try {
      if (this.released > this.persistedReleased) await this.writeWatermark();
      if (this.active && victims.includes(this.active)) await this.seal(this.active);
    } catch (error) {
      this.storageFailure(join(this.options.dir, WATERMARK), 'write', error);
      return 0;
    }
    let freed = 0;
    let deleted = 0;
    for (const segment of victims) {
      try {
        await this.fs.unlink(segment.path);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') {
          this.storageFailure(segment.path, 'unlink', error);
          continue;
        }
      }
      freed += segment.bytes;
      deleted++;
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    this.noteDrain(freed);
    return deleted;
  }

  private noteDrain(freed: number): void {
    const now = Date.now();
    if (this.lastCollectAt > 0 && freed > 0) {
      const rate = freed / Math.max(0.001, (now - this.lastCollectAt) / 1000);
      this.drainRate = this.drainRate > 0 ? 0.7 * this.drainRate + 0.3 * rate : rate;
    }
    if (freed > 0) this.lastCollectAt = now;
  }

  private async writeWatermark(): Promise<void> {
    const released = this.released;
    const tmp = join(this.options.dir, `${WATERMARK}.tmp`);
    const file = await this.fs.open(tmp, 'write');
    try {
      await file.truncate(0);
      await writeAll(file, Buffer.from(JSON.stringify({ version: 1, releasedSeq: released }) + '\n'), 0);
      await file.datasync();
    } finally {
      await file.close().catch(() => undefined);
    }
    await this.fs.rename(tmp, join(this.options.dir, WATERMARK));
    await this.fs.syncDir(this.options.dir);
    this.persistedReleased = released;
  }

  private checkSpace(): void {
    if (this.fullCap === undefined) return;
    const used = this.usedBytes() + this.pendingBytes;
    if (
      used > this.resumeRatio * this.maxBytes ||
      this.pendingBytes > this.resumeRatio * this.maxPendingBytes
    )
      return;
    this.fullCap = undefined;
    for (const wake of this.spaceWaiters.splice(0)) wake();
    this.notify('space');
  }

  /** Writes what is queued, syncs, persists the watermark and closes files. Appends after this reject. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.queue.length > 0 || this.flushing || this.flushScheduled) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await this.exclusive(async () => {
      const active = this.active;
      if (active) {
        try {
          if (this.unsynced) await active.file.datasync();
        } catch (error) {
          this.storageFailure(active.path, 'sync', error);
        }
        this.unsynced = false;
        await active.file.close().catch(() => undefined);
        this.active = undefined;
      }
      if (this.released > this.persistedReleased) {
        await this.writeWatermark().catch((error: unknown) =>
          this.storageFailure(join(this.options.dir, WATERMARK), 'write', error),
        );
      }
    });
    for (const wake of this.spaceWaiters.splice(0)) wake();
  }

  // ---------------------------------------------------------------------------------------------
  // Replay

  /**
   * The committed entries with seq > `afterSeq`, in order, each with its sequence number (store
   * it with what the entry becomes, and skip entries at or below the store's last one). Reads
   * what was committed when each segment is reached, in bounded memory. Damaged ranges are
   * skipped (and emitted as `corruption` if recovery had not reported them).
   */
  async *replay(afterSeq = 0): AsyncGenerator<WalEntry> {
    let last = afterSeq;
    const segments = [...this.segments];
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1];
      if (next && next.firstSeq - 1 <= afterSeq) continue;
      const segment = this.segments.find((s) => s.firstSeq === segments[i]!.firstSeq);
      if (!segment || segment.lastSeq <= afterSeq) continue;
      let file: WalFile;
      try {
        file = await this.fs.open(segment.path, 'read');
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') continue; // released meanwhile
        throw this.storageFailure(segment.path, 'open', error);
      }
      try {
        const frames = scanSegment(file, {
          end: segment.bytes,
          maxPayloadBytes: READ_LIMIT,
          verifyAbove: afterSeq,
          withPayload: true,
        });
        for await (const item of frames) {
          if (item.kind === 'frame' && item.payload && item.seq > last) {
            last = item.seq;
            yield { seq: item.seq, payload: item.payload };
          } else if (item.kind === 'bad' || (item.kind === 'frame' && item.verified)) {
            this.noteReplayDamage(
              segment.name,
              item.offset,
              item.bytes,
              item.kind === 'bad' ? item.reason : 'out of order',
            );
          }
        }
      } finally {
        await file.close().catch(() => undefined);
      }
    }
  }

  private noteReplayDamage(segment: string, offset: number, bytes: number, reason: string): void {
    if (this.knownDamage.has(`${segment}:${offset}`)) return;
    this.knownDamage.add(`${segment}:${offset}`);
    this.counters.replayDamage++;
    this.notify('corruption', { segment, offset, bytes, reason });
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  private async recover(): Promise<void> {
    const dir = this.options.dir;
    let names: string[];
    try {
      await this.fs.mkdir(dir);
      names = await this.fs.readdir(dir);
    } catch (error) {
      throw this.storageFailure(dir, 'open', error);
    }
    this.released = Math.max(await this.readWatermark(), this.options.storedSeq ?? 0);
    const found = names
      .map((name) => SEGMENT_NAME.exec(name))
      .filter(
        (m): m is RegExpExecArray => m !== null && Number.isSafeInteger(Number(m[1])) && Number(m[1]) > 0,
      )
      .map((m) => ({ firstSeq: Number(m[1]), name: m[0], path: join(dir, m[0]), bytes: 0, lastSeq: 0 }))
      .sort((a, b) => a.firstSeq - b.firstSeq);
    const report: RecoveryReport = {
      segments: 0,
      entries: 0,
      lastSeq: 0,
      releasedSeq: this.released,
      tornTails: [],
      tornBytes: 0,
      corruptions: [],
      corruptBytes: 0,
      deletedSegments: 0,
    };
    let lastSeen = 0;
    for (let i = 0; i < found.length; i++) {
      const segment = found[i]!;
      const next = found[i + 1];
      if (next && next.firstSeq - 1 <= this.released) {
        segment.lastSeq = next.firstSeq - 1;
        this.segments.push(segment); // fully released: deleted below without being read
        continue;
      }
      lastSeen = await this.recoverSegment(segment, !next, lastSeen, report);
      this.segments.push(!next && this.active ? this.active : segment);
    }
    this.committedSeq = lastSeen;
    this.nextSeq = Math.max(lastSeen, this.released) + 1;
    report.lastSeq = lastSeen;
    report.deletedSegments = await this.collect();
    report.segments = this.segments.length;
    if ((this.options.storedSeq ?? 0) > this.persistedReleased && report.deletedSegments === 0) {
      await this.writeWatermark().catch((error: unknown) => {
        throw this.storageFailure(join(dir, WATERMARK), 'write', error);
      });
    }
    this.recovery = report;
  }

  /** Scans one segment; truncates a torn tail if it is the last. Returns the highest seq seen so far. */
  private async recoverSegment(
    segment: Segment,
    isLast: boolean,
    lastSeen: number,
    report: RecoveryReport,
  ): Promise<number> {
    let file: WalFile;
    let keepOpen = false;
    try {
      file = await this.fs.open(segment.path, isLast ? 'write' : 'read');
    } catch (error) {
      throw this.storageFailure(segment.path, 'open', error);
    }
    try {
      const size = await file.size();
      const damage: WalDamage[] = [];
      let goodEnd = 0;
      const frames = scanSegment(file, {
        end: size,
        maxPayloadBytes: READ_LIMIT,
        verifyAbove: this.released,
      });
      for await (const item of frames) {
        if (item.kind === 'frame' && item.seq > lastSeen) {
          lastSeen = item.seq;
          segment.lastSeq = item.seq;
          goodEnd = item.offset + item.bytes;
          if (item.verified) report.entries++;
        } else {
          const reason = item.kind === 'bad' ? item.reason : `sequence ${item.seq} not after ${lastSeen}`;
          damage.push({ segment: segment.name, offset: item.offset, bytes: item.bytes, reason });
        }
      }
      segment.bytes = size;
      for (const d of damage) {
        if (isLast && d.offset >= goodEnd) continue;
        this.knownDamage.add(`${d.segment}:${d.offset}`);
        report.corruptBytes += d.bytes;
        if (report.corruptions.length < MAX_DAMAGE_LISTED) report.corruptions.push(d);
      }
      if (isLast && goodEnd < size) {
        await file.truncate(goodEnd);
        await file.datasync();
        report.tornBytes += size - goodEnd;
        if (report.tornTails.length < MAX_DAMAGE_LISTED) {
          report.tornTails.push({
            segment: segment.name,
            offset: goodEnd,
            bytes: size - goodEnd,
            reason: tailReason(damage, goodEnd),
          });
        }
        segment.bytes = goodEnd;
      }
      if (isLast && segment.bytes < this.segmentBytes) {
        this.active = { ...segment, file, dirtyTail: false };
        keepOpen = true;
      }
      return lastSeen;
    } catch (error) {
      throw this.storageFailure(segment.path, 'recover', error);
    } finally {
      if (!keepOpen) await file.close().catch(() => undefined);
    }
  }

  private async readWatermark(): Promise<number> {
    const path = join(this.options.dir, WATERMARK);
    let file: WalFile;
    try {
      file = await this.fs.open(path, 'read');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 0;
      throw this.storageFailure(path, 'open', error);
    }
    try {
      const buf = Buffer.alloc(Math.min(await file.size(), 4096));
      const n = await file.read(buf, 0, buf.length, 0);
      const parsed: unknown = JSON.parse(buf.toString('utf8', 0, n));
      const seq = (parsed as { releasedSeq?: unknown }).releasedSeq;
      this.persistedReleased = typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
      return this.persistedReleased;
    } catch {
      return 0; // unreadable: the store's seq (storedSeq) still bounds what is replayed
    } finally {
      await file.close().catch(() => undefined);
    }
  }
}

function tailReason(damage: readonly WalDamage[], goodEnd: number): string {
  return damage.find((d) => d.offset >= goodEnd)?.reason ?? 'incomplete write';
}

/** Writes all of `buf` at `position`, looping over short writes. */
async function writeAll(file: WalFile, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await file.write(buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += n;
  }
}
