/**
 * Line decoders: formats whose records are not one self-contained line. Zeek's TSV logs need their
 * `#fields` header to read any line; auditd writes one event as several lines sharing a serial.
 * A decoder is the stateful step between framing (lines) and parsing (records): it consumes the
 * lines of one stream in order and emits whole records. Pure apart from its own state: no I/O.
 *
 * Sources that read line streams (`vigil ingest`, the file source, HTTP bodies) pick a decoder by
 * the configured format or by sniffing the stream's first line, and feed every line through it.
 */

/** A record a decoder completed: the same shape sources hand to the pipeline. */
export interface DecodedRecord {
  /** The record's original text (for multi-line records, its lines joined by `\n`). */
  text: string;
  /** Position of the record's first line, as the source named it. */
  position: string;
  /** The parser that reads `text` (or the format of `value`, when the decoder parsed it already). */
  format: string;
  /** Fields the decoder already parsed (e.g. a Zeek TSV line read against its header). */
  value?: Record<string, unknown>;
}

/** A decoder's complaint about one line (a TSV line with the wrong field count, ...). */
export interface DecodeIssue {
  position: string;
  reason: string;
  message: string;
  /** The line as read, kept so nothing is silently lost. */
  text: string;
}

export interface LineDecoder {
  /**
   * One line (without its newline) at its position. Returns the records this line completed
   * (often none, sometimes the previous group) and any line it could not use.
   */
  push(line: string, position: string): { records: DecodedRecord[]; issues?: DecodeIssue[] };
  /** End of stream, or the stream has been idle: everything still pending. */
  end(): DecodedRecord[];
  /** Whether records are pending (a source must not checkpoint past their lines). */
  pending(): boolean;
}

export interface LineDecoderType {
  /** The format name users select (`--format zeek-tsv`, a source's `format:`). */
  readonly name: string;
  /** Whether a stream whose first non-empty line is `line` is in this format. */
  sniff(line: string): boolean;
  create(): LineDecoder;
}
