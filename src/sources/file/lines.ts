/**
 * Framing for the file source, as pure state machines (no I/O): bytes → lines → (optionally)
 * multiline records. Every item carries the byte offsets it spans, so the tailer can always say
 * where the first unconsumed byte is (the checkpoint) however the input was chunked.
 */

const LF = 0x0a;
const CR = 0x0d;

/** A file position: the first unconsumed byte and how many lines lie before it. */
export interface Position {
  offset: number;
  line: number;
}

/** One complete line. `start`/`end` are file offsets; `end` is just past the LF (or EOF). */
export interface LineItem {
  kind: 'line';
  text: string;
  /** 1-based line number. */
  line: number;
  start: number;
  end: number;
}

/** A line longer than `maxLineBytes`: its bytes were dropped without being buffered. */
export interface TooLongItem {
  kind: 'too_long';
  line: number;
  start: number;
  end: number;
  /** Length of the line without its line ending. */
  bytes: number;
}

export type SplitItem = LineItem | TooLongItem;

export type TextEncoding = 'utf8' | 'latin1';

export interface LineSplitterOptions {
  maxLineBytes: number;
  encoding: TextEncoding;
}

const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream on LF, strips one CR before the LF, decodes each line (invalid UTF-8
 * becomes U+FFFD; LF never occurs inside a multi-byte sequence, so per-line decoding is safe) and
 * strips a UTF-8 byte order mark at offset 0. A line over `maxLineBytes` is never held in memory:
 * once it is known to be too long its bytes are skipped up to the next LF.
 */
export class LineSplitter {
  /** Bytes not yet framed; `buf[0]` is at file offset `bufStart`. */
  private buf: Buffer = EMPTY;
  private bufStart: number;
  /** Index in `buf` where the current (unfinished) line starts. */
  private cursor = 0;
  /** Index in `buf` up to which no LF was found for the current line (avoids rescanning). */
  private scanFrom = 0;
  /** Lines framed so far (the next line's number is `line + 1`). */
  private line: number;
  /** Set while dropping an over-long line: where it started and how many bytes were dropped. */
  private skipping: { start: number; bytes: number } | null = null;

  constructor(
    private readonly options: LineSplitterOptions,
    from: Position = { offset: 0, line: 0 },
  ) {
    this.bufStart = from.offset;
    this.line = from.line;
  }

  /** File offset of the next byte `push` expects. */
  get readOffset(): number {
    return this.bufStart + this.buf.length;
  }

  /** Where reading would have to restart to see exactly the items not yet returned. */
  get resumePoint(): Position {
    return { offset: this.skipping ? this.skipping.start : this.bufStart + this.cursor, line: this.line };
  }

  /** Bytes read but not yet returned as items (a partial line, or complete lines not yet pulled). */
  get bufferedBytes(): number {
    return this.buf.length - this.cursor + (this.skipping ? this.skipping.bytes : 0);
  }

  /** Start over at a position (after truncation or a seek); drops everything buffered. */
  reset(from: Position): void {
    this.buf = EMPTY;
    this.bufStart = from.offset;
    this.cursor = 0;
    this.scanFrom = 0;
    this.line = from.line;
    this.skipping = null;
  }

  /** Append the bytes that follow `readOffset`. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.cursor === this.buf.length) {
      // Nothing pending: adopt the chunk without copying.
      this.bufStart += this.buf.length;
      this.buf = chunk;
      this.cursor = 0;
      this.scanFrom = 0;
      return;
    }
    // Keep only the unfinished tail; it is at most maxLineBytes (longer lines are skipped).
    const tail = this.buf.subarray(this.cursor);
    this.bufStart += this.cursor;
    this.scanFrom -= this.cursor;
    this.buf = Buffer.concat([tail, chunk]);
    this.cursor = 0;
  }

  /** The next complete line, or null when more bytes are needed. */
  next(): SplitItem | null {
    const nl = this.buf.indexOf(LF, Math.max(this.scanFrom, this.cursor));
    if (nl < 0) {
      this.noteUnterminated();
      return null;
    }
    const end = this.bufStart + nl + 1;
    this.line += 1;
    let item: SplitItem;
    if (this.skipping) {
      const bytes = this.skipping.bytes + this.contentEnd(nl) - this.cursor;
      item = { kind: 'too_long', line: this.line, start: this.skipping.start, end, bytes };
      this.skipping = null;
    } else {
      item = this.frame(this.bufStart + this.cursor, this.cursor, this.contentEnd(nl), end);
    }
    this.cursor = nl + 1;
    this.scanFrom = this.cursor;
    if (this.cursor === this.buf.length) {
      this.bufStart += this.buf.length;
      this.buf = EMPTY;
      this.cursor = 0;
      this.scanFrom = 0;
    }
    return item;
  }

  /**
   * The unterminated last line, for a file that will not grow any more (rotated away and idle,
   * or truncated). Call after `next()` returned null.
   */
  finish(): SplitItem | null {
    if (this.next() !== null) throw new Error('finish() called with complete lines still buffered');
    const end = this.bufStart + this.buf.length;
    let item: SplitItem | null = null;
    if (this.skipping) {
      this.line += 1;
      item = {
        kind: 'too_long',
        line: this.line,
        start: this.skipping.start,
        end,
        bytes: this.skipping.bytes + this.contentEnd(this.buf.length) - this.cursor,
      };
    } else if (this.buf.length > this.cursor) {
      this.line += 1;
      item = this.frame(this.bufStart + this.cursor, this.cursor, this.contentEnd(this.buf.length), end);
    }
    this.reset({ offset: end, line: this.line });
    return item;
  }

  /** No LF yet: remember how far we scanned, and switch to skipping once the line is too long. */
  private noteUnterminated(): void {
    const pending = this.buf.length - this.cursor;
    // +1: a trailing CR may still turn out to be part of the line ending.
    if (this.skipping || pending > this.options.maxLineBytes + 1) {
      if (!this.skipping) this.skipping = { start: this.bufStart + this.cursor, bytes: 0 };
      // Keep a trailing CR: it is not part of the line's length if an LF follows.
      const keep = this.buf[this.buf.length - 1] === CR ? 1 : 0;
      this.skipping.bytes += pending - keep;
      this.bufStart += this.buf.length - keep;
      this.buf = keep ? this.buf.subarray(this.buf.length - 1) : EMPTY;
      this.cursor = 0;
      this.scanFrom = 0;
    } else {
      this.scanFrom = this.buf.length;
    }
  }

  /** Index just past the line's content: before the CR of a CRLF. */
  private contentEnd(nl: number): number {
    return nl > this.cursor && this.buf[nl - 1] === CR ? nl - 1 : nl;
  }

  private frame(start: number, from: number, to: number, end: number): SplitItem {
    const bytes = to - from;
    if (bytes > this.options.maxLineBytes) return { kind: 'too_long', line: this.line, start, end, bytes };
    if (
      start === 0 &&
      this.options.encoding === 'utf8' &&
      bytes >= 3 &&
      this.buf[from] === 0xef &&
      this.buf[from + 1] === 0xbb &&
      this.buf[from + 2] === 0xbf
    ) {
      from += 3; // a byte order mark is not part of the first line
    }
    return {
      kind: 'line',
      text: this.buf.toString(this.options.encoding, from, to),
      line: this.line,
      start,
      end,
    };
  }
}

/** A record made of one or more consecutive lines. */
export interface GroupedRecord {
  text: string;
  /** Number of the record's first line. */
  line: number;
  start: number;
  end: number;
}

export interface MultilineOptions {
  /** A line matching this starts a new record; other lines continue the current one. */
  startPattern: RegExp;
  maxLines: number;
  /** Upper bound on a record's size; a line that would exceed it starts a new record instead. */
  maxBytes: number;
}

/**
 * Groups lines into records that begin at a line matching `startPattern` (stack traces, wrapped
 * messages). The record being built is held until the next start line, a limit, or `flush()`
 * (the tailer flushes it after a quiet period); while it is held, the checkpoint stays at its start.
 */
export class MultilineGrouper {
  private current: { lines: string[]; line: number; start: number; end: number; bytes: number } | null = null;

  constructor(private readonly options: MultilineOptions) {}

  /** Where the held record starts, if one is held. */
  get held(): Position | null {
    return this.current ? { offset: this.current.start, line: this.current.line - 1 } : null;
  }

  /** Add a line; returns the previous record if this line closed it. */
  push(item: LineItem): GroupedRecord | null {
    const size = item.end - item.start;
    const c = this.current;
    if (
      c &&
      !this.options.startPattern.test(item.text) &&
      c.lines.length < this.options.maxLines &&
      c.bytes + size <= this.options.maxBytes
    ) {
      c.lines.push(item.text);
      c.end = item.end;
      c.bytes += size;
      return null;
    }
    const done = this.flush();
    this.current = { lines: [item.text], line: item.line, start: item.start, end: item.end, bytes: size };
    return done;
  }

  /** Emit the held record, if any. */
  flush(): GroupedRecord | null {
    const c = this.current;
    if (!c) return null;
    this.current = null;
    return { text: c.lines.join('\n'), line: c.line, start: c.start, end: c.end };
  }

  reset(): void {
    this.current = null;
  }
}
