/**
 * One followed file: an open descriptor (so a renamed or deleted file can still be read to its
 * end), its identity, the committed position, and the framing state. The tailer reads at most one
 * batch ahead of what was committed; the source submits that batch and commits it once
 * acknowledged. A generation change (truncation, or bytes already read rewritten) is handled by
 * emitting what was already read of the old content, then starting over at offset 0.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from '../../telemetry/log.js';
import { fingerprintMatches, fingerprintOf, readPrefix, type Fingerprint } from './identity.js';
import {
  LineSplitter,
  MultilineGrouper,
  type MultilineOptions,
  type Position,
  type SplitItem,
  type TextEncoding,
  type TooLongItem,
} from './lines.js';

/**
 * How many of the last bytes read are kept and compared with the file whenever it changes. A log
 * is only appended to, so these never change; if they did, the file was truncated and written
 * again to at least our offset before we looked. Independent of `fingerprintBytes`, which only
 * covers the start of the file: lines there often all begin alike (a timestamp, a host name).
 */
export const TAIL_CHECK_BYTES = 256;

export interface TailerOptions {
  maxLineBytes: number;
  encoding: TextEncoding;
  fingerprintBytes: number;
  /** Bytes per read() call. */
  readChunkBytes: number;
  multiline?: MultilineOptions & { timeoutMs: number };
}

export interface ReadLimits {
  maxLines: number;
  maxBytes: number;
  /** A rotated file is finished once it has not changed for this long. */
  finishIdleMs: number;
}

export interface TailRecord {
  text: string;
  /** Number of the record's (first) line. */
  line: number;
}

export interface TailBatch {
  records: TailRecord[];
  /** Over-long lines consumed by this batch (dropped; the source counts and logs them). */
  tooLong: TooLongItem[];
  /** The position to commit once `records` are acknowledged. */
  resume: Position;
  /** The identity to commit with it. */
  fingerprint: Fingerprint;
  /** After committing: start the file over at 0 (truncated), or close it (finished and gone). */
  after: 'none' | 'restart' | 'close';
}

export interface TailerInit {
  key: string;
  dev: string;
  ino: string;
  path: string;
  handle: FileHandle;
  fingerprint: Fingerprint;
  start: Position;
  /** Known to be rotated already (renamed, or found again after a rotation). */
  rotated: boolean;
  options: TailerOptions;
  log: Logger;
  now: number;
}

export class Tailer {
  readonly key: string;
  readonly dev: string;
  readonly ino: string;
  /** Where the file was last seen (updated on rename). */
  path: string;
  /**
   * When the file was seen to be rotated (renamed, or no longer found by the globs): nothing will
   * complete its unterminated last line once it has been quiet for `finishIdleMs`.
   */
  rotatedAt: number | null;
  /** No longer found by the globs (rotated away or deleted): closed once finished. */
  orphaned = false;

  private readonly handle: FileHandle;
  private readonly options: TailerOptions;
  private readonly log: Logger;
  private readonly splitter: LineSplitter;
  private readonly grouper: MultilineGrouper | null;
  /** The fingerprint as of the latest read (it grows with a short file). */
  private fp: Fingerprint;
  private committed: Position;
  private committedFp: Fingerprint;
  private lastSize = -1;
  private lastMtimeNs = -1n;
  private lastChangeAt: number;
  private lastLineAt: number;
  /** The content was truncated or replaced: drain what was read, then start over at 0. */
  private restartPending = false;
  /**
   * The last bytes read (up to TAIL_CHECK_BYTES, ending at the splitter's readOffset); null
   * while not known yet (resumed from a checkpoint: taken from the file at the first check).
   */
  private tail: Buffer | null;

  constructor(init: TailerInit) {
    this.key = init.key;
    this.dev = init.dev;
    this.ino = init.ino;
    this.path = init.path;
    this.handle = init.handle;
    this.options = init.options;
    this.log = init.log;
    this.fp = init.fingerprint;
    this.committedFp = init.fingerprint;
    this.committed = init.start;
    this.lastChangeAt = init.now;
    this.lastLineAt = init.now;
    this.rotatedAt = init.rotated ? init.now : null;
    this.tail = init.start.offset === 0 ? Buffer.alloc(0) : null;
    this.splitter = new LineSplitter(
      { maxLineBytes: init.options.maxLineBytes, encoding: init.options.encoding },
      init.start,
    );
    this.grouper = init.options.multiline ? new MultilineGrouper(init.options.multiline) : null;
  }

  /** The committed state, as stored in the checkpoint file. */
  checkpoint(): {
    path: string;
    dev: string;
    ino: string;
    fingerprint: Fingerprint;
    offset: number;
    line: number;
    rotated: boolean;
  } {
    return {
      rotated: this.rotatedAt !== null,
      path: this.path,
      dev: this.dev,
      ino: this.ino,
      fingerprint: this.committedFp,
      offset: this.committed.offset,
      line: this.committed.line,
    };
  }

  /**
   * Read the next batch: up to the limits, never past the size seen at the start of the call.
   * Returns null when there is nothing to submit or commit.
   */
  async read(now: number, limits: ReadLimits): Promise<TailBatch | null> {
    const stat = await this.handle.stat({ bigint: true });
    const size = Number(stat.size);
    if (!this.restartPending) await this.checkGeneration(size, stat.mtimeNs, now);

    const records: TailRecord[] = [];
    const tooLong: TooLongItem[] = [];
    let bytes = 0;
    let full = false;
    for (;;) {
      if (records.length >= limits.maxLines || bytes >= limits.maxBytes) {
        full = true;
        break;
      }
      const item = this.splitter.next();
      if (item) {
        bytes += item.end - item.start;
        this.take(item, records, tooLong, now);
        continue;
      }
      if (this.restartPending || this.splitter.readOffset >= size) break;
      if (!(await this.readChunk(size))) break;
    }

    let after: TailBatch['after'] = 'none';
    if (!full) {
      const quiet =
        this.rotatedAt !== null && now - Math.max(this.rotatedAt, this.lastChangeAt) >= limits.finishIdleMs;
      if (this.restartPending || quiet) {
        // Nothing more will be appended to this content: its unterminated last line is complete.
        const last = this.splitter.finish();
        if (last) this.take(last, records, tooLong, now);
        this.flushGroup(records);
        after = this.restartPending ? 'restart' : this.orphaned ? 'close' : 'none';
      } else if (this.grouper?.held && now - this.lastLineAt >= (this.options.multiline?.timeoutMs ?? 0)) {
        this.flushGroup(records);
      }
    }

    const resume = this.grouper?.held ?? this.splitter.resumePoint;
    if (
      records.length === 0 &&
      tooLong.length === 0 &&
      after === 'none' &&
      resume.offset === this.committed.offset &&
      this.fp === this.committedFp
    ) {
      return null;
    }
    return { records, tooLong, resume, fingerprint: this.fp, after };
  }

  /** Note that the file was rotated (renamed or gone), if not noted yet. */
  markRotated(now: number): void {
    this.rotatedAt ??= now;
  }

  /** Record that a batch was acknowledged. */
  commit(batch: TailBatch): void {
    this.committed = batch.resume;
    this.committedFp = batch.fingerprint;
  }

  /** After the old content's last batch was acknowledged: follow the new content from offset 0. */
  async restart(): Promise<void> {
    const stat = await this.handle.stat({ bigint: true });
    const size = Number(stat.size);
    this.fp = fingerprintOf(await readPrefix(this.handle, Math.min(size, this.options.fingerprintBytes)));
    this.committedFp = this.fp;
    this.committed = { offset: 0, line: 0 };
    this.splitter.reset(this.committed);
    this.grouper?.reset();
    this.lastSize = size;
    this.lastMtimeNs = stat.mtimeNs;
    this.tail = Buffer.alloc(0);
    this.restartPending = false;
  }

  /** Whether the file still has a name (false once deleted). */
  async isLinked(): Promise<boolean> {
    const stat = await this.handle.stat({ bigint: true });
    return stat.nlink > 0n;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private take(item: SplitItem, records: TailRecord[], tooLong: TooLongItem[], now: number): void {
    if (item.kind === 'too_long') {
      tooLong.push(item);
      return;
    }
    if (!this.grouper) {
      records.push({ text: item.text, line: item.line });
      return;
    }
    this.lastLineAt = now;
    const done = this.grouper.push(item);
    if (done) records.push({ text: done.text, line: done.line });
  }

  private flushGroup(records: TailRecord[]): void {
    const done = this.grouper?.flush();
    if (done) records.push({ text: done.text, line: done.line });
  }

  /** Read one chunk at readOffset (not past `size`); false if the file turned out shorter. */
  private async readChunk(size: number): Promise<boolean> {
    const at = this.splitter.readOffset;
    const want = Math.min(this.options.readChunkBytes, size - at);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.handle.read(buf, 0, want, at);
    if (bytesRead === 0) return false;
    const data = buf.subarray(0, bytesRead);
    this.splitter.push(data);
    if (this.tail !== null) {
      const joined = this.tail.length > 0 ? Buffer.concat([this.tail, data]) : data;
      this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - TAIL_CHECK_BYTES)));
    }
    return true;
  }

  /** Whether the bytes before `readOffset` are still those we read (learns them if unknown). */
  private async tailMatches(readOffset: number): Promise<boolean> {
    const want = this.tail?.length ?? Math.min(readOffset, TAIL_CHECK_BYTES);
    if (want === 0) return true;
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(buf, got, want - got, readOffset - want + got);
      if (bytesRead === 0) return false; // shrank meanwhile: truncated
      got += bytesRead;
    }
    if (this.tail === null) {
      this.tail = buf;
      return true;
    }
    return buf.equals(this.tail);
  }

  /**
   * Has the content we were reading been replaced? Checked whenever size or mtime changed:
   * shrinking below what we read means truncation; first bytes differing from the fingerprint,
   * or last bytes read differing from what we read there, mean truncation followed by new writes
   * (up to or past our offset, between two polls). Otherwise extend the fingerprint of a short file.
   */
  private async checkGeneration(size: number, mtimeNs: bigint, now: number): Promise<void> {
    if (size === this.lastSize && mtimeNs === this.lastMtimeNs) return;
    const previousSize = this.lastSize;
    this.lastSize = size;
    this.lastMtimeNs = mtimeNs;
    this.lastChangeAt = now;
    const readOffset = this.splitter.readOffset;
    let reason: string | null = null;
    if (size < readOffset) {
      reason = 'truncated';
    } else {
      const prefix = await readPrefix(this.handle, Math.min(size, this.options.fingerprintBytes));
      if (!fingerprintMatches(this.fp, prefix) || !(await this.tailMatches(readOffset))) reason = 'rewritten';
      else if (prefix.length > this.fp.bytes) this.fp = fingerprintOf(prefix);
    }
    if (reason === null) return;
    this.restartPending = true;
    const unread = Math.max(0, previousSize - readOffset);
    this.log.info(
      { path: this.path, offset: readOffset, size, line: this.splitter.resumePoint.line },
      reason === 'truncated'
        ? `file truncated: ${this.path} (was read to byte ${readOffset}, now ${size} bytes); reading it again from the start`
        : `file rewritten from its start: ${this.path}; reading it again from the start`,
    );
    if (unread > 0) {
      this.log.warn(
        { path: this.path, bytes: unread },
        `${unread} bytes of ${this.path} were truncated before they could be read`,
      );
    }
  }
}

/**
 * The position after the last complete line among the first `size` bytes: where a file read
 * "from its end" starts, so a line being written at that moment is still read whole.
 */
export async function endOfLastLine(
  handle: FileHandle,
  size: number,
  chunkBytes = 1 << 20,
): Promise<Position> {
  const buf = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(size, 1)));
  let line = 0;
  let afterLastLf = 0;
  for (let at = 0; at < size;) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - at), at);
    if (bytesRead === 0) break;
    const data = buf.subarray(0, bytesRead);
    for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) {
      line += 1;
      afterLastLf = at + i + 1;
    }
    at += bytesRead;
  }
  return { offset: afterLastLf, line };
}
