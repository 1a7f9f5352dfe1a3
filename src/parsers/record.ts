/**
 * What a parser makes of one raw record: its fields as structured values, plus the original text.
 * Parsers are pure: text in, ParsedRecord out (or a ParseError), no I/O.
 */
export interface ParsedRecord {
  /** The parser that produced it, e.g. `syslog`, `json`. Normalizers dispatch on it. */
  format: string;
  /**
   * Structured fields as parsed. Values are JSON-compatible, except that integers beyond
   * Number.MAX_SAFE_INTEGER are `bigint`, so they are never silently rounded.
   */
  fields: Record<string, unknown>;
  /** The record's original text, exactly as received (kept as OCSF `raw_data`). */
  raw: string;
}

/** A record that could not be parsed. `reason` is short and stable: it is a counter label. */
export class ParseError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
    /** Where in the record the problem is, e.g. `offset 17`. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? `${reason}: ${detail}` : `${reason} at offset ${offset}: ${detail}`);
    this.name = 'ParseError';
  }
}

/** A parser turns the text of one framed record (a line, a syslog frame, a JSON document) into fields. */
export interface Parser {
  readonly name: string;
  /** Cheap test on a sample record: could it be this format? Used by format auto-detection. */
  sniff(sample: string): boolean;
  /** Parse one record. Throws ParseError on bad input, never anything else. */
  parse(text: string): ParsedRecord;
}
