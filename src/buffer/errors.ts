/**
 * The typed failures of the write-ahead buffer. Callers map them to protocol answers: a full
 * buffer or a storage failure is HTTP 429/503 with Retry-After, and TCP receivers stop reading.
 */

/** The buffer is at its size or memory cap; retry after `retryAfterSeconds` (an estimate). */
export class BufferFullError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    /** Which cap was hit: bytes on disk not yet released, or bytes queued in memory not yet written. */
    readonly cap: 'disk' | 'memory',
  ) {
    super(`write-ahead buffer is full (${cap} cap); retry in ${retryAfterSeconds}s`);
    this.name = 'BufferFullError';
  }
}

/**
 * Writing or syncing the log failed (disk full, I/O error). The log is left consistent and the
 * entries of the failed append are not stored; later appends try again, so the buffer resumes
 * by itself once the cause is gone.
 */
export class StorageError extends Error {
  constructor(
    /** The file or directory the failing operation was on. */
    readonly path: string,
    /** The errno code, e.g. `ENOSPC`, `EIO`, `EDQUOT`; `UNKNOWN` when the cause carried none. */
    readonly code: string,
    /** What was being done: `write`, `sync`, `open`, `truncate`, `rename`... */
    readonly operation: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(
      `write-ahead buffer ${operation} failed on ${path}: ${code}${describeCause(options?.cause)}`,
      options,
    );
    this.name = 'StorageError';
  }

  /** True when the cause is a lack of space (disk, quota, file size limit) rather than a device error. */
  get isNoSpace(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT' || this.code === 'EFBIG';
  }
}

/** One entry is larger than a segment can hold; it can never be appended. */
export class EntryTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`write-ahead buffer entry of ${bytes} bytes exceeds the maximum of ${maxBytes}`);
    this.name = 'EntryTooLargeError';
  }
}

/** The buffer was closed; nothing more can be appended. */
export class WalClosedError extends Error {
  constructor() {
    super('write-ahead buffer is closed');
    this.name = 'WalClosedError';
  }
}

/** A stored batch payload that cannot be decoded (wrong version, truncated, inconsistent lengths). */
export class BatchDecodeError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`undecodable buffered batch at byte ${offset}: ${reason}`);
    this.name = 'BatchDecodeError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error && cause.message) return ` (${cause.message})`;
  return '';
}

/** The errno code of a Node fs error, or `UNKNOWN`. */
export function errnoCode(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'UNKNOWN';
}
