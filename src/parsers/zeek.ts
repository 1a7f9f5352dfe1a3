/**
 * Zeek's TSV logs (the ASCII writer's default output): a header block (`#separator`,
 * `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields`, `#types`) names and types
 * the tab-separated columns of the lines after it. The `zeek-tsv` line decoder reads the header and
 * turns every data line into a typed record, so the normalizer sees the same values as Zeek's JSON
 * writer produces: time → epoch seconds, interval → seconds, count/int → number (bigint beyond
 * 2^53), port → number, bool → boolean, set/vector → array, unset (`-`) → absent, `(empty)` → '' or [].
 *
 * A new `#separator` line starts a new header block (concatenated or rotated logs), so one stream may
 * hold several logs. A line that cannot be read (no header yet, wrong column count) is still emitted
 * as a record, with `#error` saying why, so it is kept rather than dropped. Pure: no I/O.
 */
import type { DecodedRecord, LineDecoder, LineDecoderType } from './decoder.js';

/** The `format` of records the decoder emits; the Zeek normalizer accepts it. */
export const ZEEK_FORMAT = 'zeek';

/** Key of a line-level read error in a decoded record (no Zeek field name contains `#`). */
export const ZEEK_ERROR_KEY = '#error';
/** Key of the list of values that did not convert to their declared type (kept as text). */
export const ZEEK_TYPE_ERRORS_KEY = '#errors';

/** The state a header block sets up for the lines after it. */
export interface ZeekHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  /** The log's name (`conn`, `dns`...), from `#path`. */
  path?: string;
  fields?: string[];
  types?: string[];
}

/** Zeek's defaults, which a header normally restates. */
export function defaultZeekHeader(): ZeekHeader {
  return { separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-' };
}

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Undo Zeek's escaping: `\xHH` is a byte (runs of them are read as UTF-8; bytes that are not valid
 * UTF-8 keep their `\xHH` form, so nothing is lost), `\\` is a backslash, any other backslash is literal.
 */
export function unescapeZeek(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('\\', i);
    if (at === -1) break;
    out += text.slice(i, at);
    if (text[at + 1] === '\\') {
      out += '\\';
      i = at + 2;
      continue;
    }
    // A run of \xHH escapes: decoded together, since one character may span several bytes.
    const bytes: number[] = [];
    let j = at;
    while (text[j] === '\\' && text[j + 1] === 'x' && HEX.test(text.slice(j + 2, j + 4))) {
      bytes.push(parseInt(text.slice(j + 2, j + 4), 16));
      j += 4;
    }
    if (bytes.length === 0) {
      out += '\\';
      i = at + 1;
      continue;
    }
    try {
      out += utf8.decode(Uint8Array.from(bytes));
    } catch {
      out += text.slice(at, j);
    }
    i = j;
  }
  return out + text.slice(i);
}

/** Result of reading one column: a value, nothing (unset), or text that is not of its type. */
type Cell = { value: unknown } | { unset: true } | { value: string; error: string };

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** One column's text → its value by Zeek type (`count`, `set[string]`...); unknown types stay text. */
export function parseZeekValue(text: string, type: string | undefined, header: ZeekHeader): Cell {
  if (text === header.unsetField) return { unset: true };
  const container = type ? /^(?:set|vector|table)\[(.*)\]$/.exec(type) : null;
  if (container) {
    if (text === header.emptyField) return { value: [] };
    const elementType = container[1];
    const errors: string[] = [];
    const items = text.split(header.setSeparator).map((part) => {
      if (part === header.unsetField) return null;
      const cell = parseScalar(part, elementType);
      if ('error' in cell) errors.push(cell.error);
      return cell.value;
    });
    return errors.length > 0 ? { value: text, error: errors[0]! } : { value: items };
  }
  if (text === header.emptyField) return { value: '' };
  return parseScalar(text, type);
}

function parseScalar(
  text: string,
  type: string | undefined,
): { value: unknown } | { value: string; error: string } {
  switch (type) {
    case 'time':
    case 'interval':
    case 'double': {
      if (!NUMBER.test(text)) return { value: text, error: `"${clip(text)}" is not a ${type}` };
      return { value: Number(text) };
    }
    case 'count':
    case 'int':
    case 'port': {
      if (!INTEGER.test(text)) return { value: text, error: `"${clip(text)}" is not a ${type}` };
      const n = Number(text);
      return { value: Number.isSafeInteger(n) ? n : BigInt(text) };
    }
    case 'bool':
      if (text === 'T') return { value: true };
      if (text === 'F') return { value: false };
      return { value: text, error: `"${clip(text)}" is not a bool (T or F)` };
    default:
      return { value: unescapeZeek(text) };
  }
}

/**
 * Read one header line (`#fields\tts\tuid...`) into `header`. Returns false when the line is a
 * comment rather than a header directive (btest's `### ...`, `#open`, `#close`).
 * `#separator` starts a new block: everything else is reset to the defaults.
 */
export function readZeekHeaderLine(line: string, header: ZeekHeader): boolean {
  if (line.startsWith('#separator ') || line.startsWith('#separator\t')) {
    Object.assign(header, defaultZeekHeader(), { path: undefined, fields: undefined, types: undefined });
    header.separator = unescapeZeek(line.slice('#separator '.length)) || '\t';
    return true;
  }
  const sep = header.separator;
  const cut = line.indexOf(sep);
  const directive = cut === -1 ? line : line.slice(0, cut);
  const rest = cut === -1 ? '' : line.slice(cut + sep.length);
  switch (directive) {
    case '#set_separator':
      header.setSeparator = unescapeZeek(rest) || ',';
      return true;
    case '#empty_field':
      header.emptyField = unescapeZeek(rest);
      return true;
    case '#unset_field':
      header.unsetField = unescapeZeek(rest);
      return true;
    case '#path':
      header.path = unescapeZeek(rest);
      return true;
    case '#fields':
      header.fields = rest.split(sep).map(unescapeZeek);
      return true;
    case '#types':
      header.types = rest.split(sep).map(unescapeZeek);
      return true;
    default:
      return false;
  }
}

/**
 * One data line read against its header → the record's fields: `_path` (the log's name, when the
 * header gave one), then each set column by its `#fields` name. A line that cannot be read gets
 * `#error`; values that do not match their type stay text and are listed in `#errors`.
 */
export function readZeekLine(line: string, header: ZeekHeader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (header.path !== undefined) out._path = header.path;
  const fields = header.fields;
  if (!fields || fields.length === 0) {
    out[ZEEK_ERROR_KEY] = 'no_header: no #fields header before this line';
    return out;
  }
  const columns = line.split(header.separator);
  if (columns.length !== fields.length) {
    out[ZEEK_ERROR_KEY] =
      `field_count: the line has ${columns.length} fields, the #fields header names ${fields.length}`;
    return out;
  }
  const types = header.types && header.types.length === fields.length ? header.types : undefined;
  let errors: string[] | undefined;
  for (let i = 0; i < fields.length; i++) {
    const cell = parseZeekValue(columns[i]!, types?.[i], header);
    if ('unset' in cell) continue;
    defineOwn(out, fields[i]!, cell.value);
    if ('error' in cell) (errors ??= []).push(`${fields[i]}: ${cell.error}`);
  }
  if (errors) out[ZEEK_TYPE_ERRORS_KEY] = errors;
  return out;
}

/** A decoder for one stream: header lines update its state, data lines become records. */
export function createZeekTsvDecoder(): LineDecoder {
  const header = defaultZeekHeader();
  return {
    push(line, position) {
      if (line.startsWith('#') && (readZeekHeaderLine(line, header) || isZeekComment(line)))
        return { records: [] };
      const record: DecodedRecord = {
        text: line,
        position,
        format: ZEEK_FORMAT,
        value: readZeekLine(line, header),
      };
      return { records: [record] };
    },
    end: () => [],
    pending: () => false,
  };
}

/** `--format zeek-tsv`; also picked for a stream whose first line is Zeek's `#separator` header. */
export const zeekTsvDecoder: LineDecoderType = {
  name: 'zeek-tsv',
  sniff: (line) => line.startsWith('#separator'),
  create: createZeekTsvDecoder,
};

/** A whole Zeek TSV text → its records' fields (for tests and benchmarks; streams use the decoder). */
export function parseZeekTsv(text: string): Record<string, unknown>[] {
  const decoder = createZeekTsvDecoder();
  const out: Record<string, unknown>[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    for (const r of decoder.push(line, `line ${i + 1}`).records) out.push(r.value!);
  });
  return out;
}

/** Header lines that carry nothing to read: `#open`/`#close` stamps and banners such as btest's `### ...`. */
function isZeekComment(line: string): boolean {
  return line.startsWith('##') || /^#(?:open|close)(?:\s|$)/.test(line);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Set an own property, even one named `__proto__`: field names come from the file. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}
