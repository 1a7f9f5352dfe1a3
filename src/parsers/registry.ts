import { auditdDecoder, auditdParser } from './auditd.js';
import { cloudtrailRecordsDecoder } from './cloudtrail.js';
import type { LineDecoderType } from './decoder.js';
import { jsonParser } from './json.js';
import type { Parser } from './record.js';
import { syslogParser } from './syslog.js';
import { textParser } from './text.js';
import { zeekTsvDecoder } from './zeek.js';

/**
 * Parsers by name, in auto-detection order: the first whose `sniff` accepts a record parses it,
 * and `text` (last) accepts anything. Adding a parser: one file, one line here.
 */
export const PARSERS: readonly Parser[] = [jsonParser, syslogParser, auditdParser, textParser];

const BY_NAME = new Map(PARSERS.map((p) => [p.name, p]));

/** Names users may give to `--format` or a source's `format`, and the parser each selects. */
export const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  json: 'json',
  ndjson: 'json',
  winevent: 'json',
  syslog: 'syslog',
  auditd: 'auditd',
  'zeek-json': 'json',
  eve: 'json',
  suricata: 'json',
  text: 'text',
};

export function parserFor(format: string): Parser | undefined {
  return BY_NAME.get(FORMAT_ALIASES[format] ?? format);
}

/** Pick the parser for one record by sniffing it. */
export function detectParser(text: string): Parser {
  // A record that opens like a JSON object is JSON: if it is broken, it is rejected as invalid JSON
  // (bad input gets an error and a counter) rather than kept as text.
  if (/^\uFEFF?\s*\{/.test(text)) return jsonParser;
  for (const parser of PARSERS) if (parser.sniff(text)) return parser;
  return textParser;
}

/**
 * Line decoders (src/parsers/decoder.ts), for line streams whose records span lines or need a
 * header. Picked by format name or by sniffing a stream's first non-empty line. Adding one: one
 * file, one line here.
 */
export const LINE_DECODERS: readonly LineDecoderType[] = [
  cloudtrailRecordsDecoder,
  auditdDecoder,
  zeekTsvDecoder,
];

export function lineDecoderFor(format: string): LineDecoderType | undefined {
  return LINE_DECODERS.find((d) => d.name === format);
}

/** The decoder for a stream whose first non-empty line is `line`, if any claims it. */
export function detectLineDecoder(line: string): LineDecoderType | undefined {
  return LINE_DECODERS.find((d) => d.sniff(line));
}

/** Every format name `--format` and a source's `format:` accept. */
export function formatNames(): string[] {
  return [...new Set([...Object.keys(FORMAT_ALIASES), ...LINE_DECODERS.map((d) => d.name)])];
}
