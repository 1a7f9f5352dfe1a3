/**
 * Reads the frames of one segment file in order, in bounded memory (a window of about one chunk
 * plus the largest frame), and says where the damage is: every byte range that is not a valid
 * frame comes out as a bad region, and the scan resynchronizes on the next valid frame (magic,
 * header checksum and payload checksum all hold). Never throws on content; only I/O errors escape.
 */
import type { WalFile } from './fs.js';
import {
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  payloadMatches,
  readFrameHeader,
  type FrameHeader,
} from './record.js';

/** A valid frame. `payload` is a copy, present when the scan was asked for payloads above `verifyAbove`. */
export interface ScannedFrame {
  kind: 'frame';
  seq: number;
  offset: number;
  bytes: number;
  /** False for frames at or below `verifyAbove`: their header is valid, their payload was not read. */
  verified: boolean;
  payload?: Buffer;
}

/** Bytes that are not a valid frame. */
export interface BadRegion {
  kind: 'bad';
  offset: number;
  bytes: number;
  reason: string;
}

export interface ScanOptions {
  /** Scan up to this file offset (the segment's committed size). */
  end: number;
  maxPayloadBytes: number;
  /** Frames with seq <= this are skipped by their header alone (already stored; no need to verify). */
  verifyAbove?: number;
  /** Copy out verified payloads. */
  withPayload?: boolean;
  /** Read size (default 1 MiB). */
  chunkBytes?: number;
}

/** A sliding window over a file: `ensure` makes a byte range addressable in `buf`. */
class Window {
  buf: Buffer;
  start = 0;
  length = 0;

  constructor(
    private readonly file: WalFile,
    private readonly end: number,
    private readonly chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(end, FRAME_HEADER_BYTES)));
  }

  /** Makes [pos, pos + n) available; false if it reaches past the end of the scanned range. */
  async ensure(pos: number, n: number): Promise<boolean> {
    if (pos + n > this.end) return false;
    const windowEnd = this.start + this.length;
    if (pos >= this.start && pos + n <= windowEnd) return true;
    const keep = pos >= this.start && pos < windowEnd ? windowEnd - pos : 0;
    const from = pos - this.start;
    const want = Math.min(Math.max(n, this.chunk), this.end - pos);
    if (want > this.buf.length) {
      const grown = Buffer.allocUnsafe(want);
      if (keep > 0) this.buf.copy(grown, 0, from, from + keep);
      this.buf = grown;
    } else if (keep > 0) {
      this.buf.copyWithin(0, from, from + keep);
    }
    this.start = pos;
    this.length = keep;
    while (this.length < want) {
      const got = await this.file.read(this.buf, this.length, want - this.length, pos + this.length);
      if (got === 0) return false; // the file shrank under us: treat as the end
      this.length += got;
    }
    return true;
  }

  /** Offset in `buf` of a file position inside the window. */
  at(pos: number): number {
    return pos - this.start;
  }
}

/** Scans the frames of a segment from offset 0 to `options.end`. */
export async function* scanSegment(
  file: WalFile,
  options: ScanOptions,
): AsyncGenerator<ScannedFrame | BadRegion> {
  const { end, maxPayloadBytes } = options;
  const verifyAbove = options.verifyAbove ?? 0;
  const win = new Window(file, end, Math.max(options.chunkBytes ?? 1 << 20, FRAME_HEADER_BYTES));
  let pos = 0;
  while (pos < end) {
    const header = await headerAt(win, pos, maxPayloadBytes);
    if (typeof header !== 'string') {
      const frameEnd = pos + FRAME_HEADER_BYTES + header.payloadBytes;
      if (header.seq <= verifyAbove) {
        yield { kind: 'frame', seq: header.seq, offset: pos, bytes: frameEnd - pos, verified: false };
        pos = frameEnd;
        continue;
      }
      if (await payloadValid(win, pos, header)) {
        const payload = options.withPayload
          ? Buffer.from(win.buf.subarray(win.at(pos) + 24, win.at(frameEnd)))
          : undefined;
        yield { kind: 'frame', seq: header.seq, offset: pos, bytes: frameEnd - pos, verified: true, payload };
        pos = frameEnd;
        continue;
      }
      // A sound header over a bad payload: its length is trustworthy, so try just past it first.
      if (frameEnd < end && (await validFrameAt(win, frameEnd, maxPayloadBytes))) {
        yield { kind: 'bad', offset: pos, bytes: frameEnd - pos, reason: 'payload checksum mismatch' };
        pos = frameEnd;
        continue;
      }
    }
    const reason = typeof header === 'string' ? header : 'payload checksum mismatch or truncated';
    const next = await resync(win, pos + 1, end, maxPayloadBytes);
    yield { kind: 'bad', offset: pos, bytes: next - pos, reason };
    pos = next;
  }
}

async function headerAt(win: Window, pos: number, maxPayloadBytes: number): Promise<FrameHeader | string> {
  if (!(await win.ensure(pos, FRAME_HEADER_BYTES))) return 'truncated header';
  return readFrameHeader(win.buf, win.at(pos), maxPayloadBytes);
}

async function payloadValid(win: Window, pos: number, header: FrameHeader): Promise<boolean> {
  const total = FRAME_HEADER_BYTES + header.payloadBytes;
  if (!(await win.ensure(pos, total))) return false;
  const from = win.at(pos) + FRAME_HEADER_BYTES;
  return payloadMatches(win.buf.subarray(from, from + header.payloadBytes), header);
}

async function validFrameAt(win: Window, pos: number, maxPayloadBytes: number): Promise<boolean> {
  const header = await headerAt(win, pos, maxPayloadBytes);
  return typeof header !== 'string' && (await payloadValid(win, pos, header));
}

/** The offset of the next valid frame at or after `from`, or `end` if there is none. */
async function resync(win: Window, from: number, end: number, maxPayloadBytes: number): Promise<number> {
  let pos = from;
  while (pos + FRAME_HEADER_BYTES <= end) {
    if (!(await win.ensure(pos, Math.min(end - pos, 1 << 16)))) return end;
    const hit = win.buf.indexOf(FRAME_MAGIC, win.at(pos));
    const windowEnd = win.start + win.length;
    if (hit < 0 || win.start + hit + FRAME_MAGIC.length > windowEnd) {
      // Not in this window: continue just before its end, so a magic split across windows is found.
      pos = Math.max(pos + 1, windowEnd - FRAME_MAGIC.length + 1);
      continue;
    }
    const candidate = win.start + hit;
    if (await validFrameAt(win, candidate, maxPayloadBytes)) return candidate;
    pos = candidate + 1;
  }
  return end;
}
