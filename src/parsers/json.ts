/**
 * JSON records: one document (an NDJSON line or a whole document) → its top-level object.
 *
 * Integers beyond Number.MAX_SAFE_INTEGER become `bigint`, never a rounded number (Windows
 * `Keywords` such as -9223372036854775808 are in most NXLog records). JSON.parse stays the fast
 * path: its result is walked for numbers outside the safe range (cheap, no text scan), and only
 * when there are some is the text scanned for those number literals and their exact digits put
 * back. When that cannot be done unambiguously (keys reordered or duplicated around such numbers),
 * the document is parsed again with lossless-json.
 */
import { isInteger, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';
import { ParseError, type ParsedRecord, type Parser } from './record.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const BOM = 0xfeff;

export const jsonParser: Parser = {
  name: 'json',
  sniff: looksLikeJsonObject,
  parse(text: string): ParsedRecord {
    const value = parseJsonDocument(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ParseError('not_an_object', `top-level value is ${describe(value)}`, firstNonSpace(text));
    }
    return { format: 'json', fields: value as Record<string, unknown>, raw: text };
  },
};

/**
 * Any JSON document → its value, with unsafe integers as `bigint`. For callers that frame arrays
 * and `{"Records":[...]}` envelopes themselves. Throws ParseError (`invalid_json`, with the offset).
 */
export function parseJsonDocument(text: string): unknown {
  // A byte-order mark before the first record of a file is not part of the document.
  const skip = text.charCodeAt(0) === BOM ? 1 : 0;
  const body = skip ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw syntaxError(err, body, skip);
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && isUnsafe(value) ? restoreTopLevel(body, value, skip) : value;
  }
  if (!hasUnsafeNumber(value)) return value;
  if (!restoreExactNumbers(body, value, findUnsafeNumbers(value))) return losslessParseDocument(body, skip);
  return value;
}

/** JSON text of a value; bigints are written as exact integer literals. `undefined` becomes `null`. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    // JSON.stringify refuses bigint ("Do not know how to serialize a BigInt"); anything else
    // (a cycle) is the caller's bug and is rethrown as is.
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    return losslessStringify(value) ?? 'null';
  }
}

/** Cheap format test: the sample's first and last non-blank characters are `{` and `}`. */
function looksLikeJsonObject(sample: string): boolean {
  let start = 0;
  let end = sample.length - 1;
  if (sample.charCodeAt(0) === BOM) start = 1;
  while (start <= end && isSpace(sample.charCodeAt(start))) start++;
  while (end >= start && isSpace(sample.charCodeAt(end))) end--;
  return end > start && sample.charCodeAt(start) === 0x7b && sample.charCodeAt(end) === 0x7d;
}

// ---------------------------------------------------------------------------------------------
// exact integers

/** Where JSON.parse left a number outside the safe range: container and key, in document order. */
interface UnsafeNumbers {
  holders: Record<string | number, unknown>[];
  keys: (string | number)[];
  values: number[];
}

function isUnsafe(n: number): boolean {
  return n > MAX_SAFE || n < -MAX_SAFE;
}

/**
 * Whether any number in the parsed value is outside the safe range: the fast path's only extra
 * cost. Iterative, because nesting depth is the input's choice; order does not matter here.
 */
function hasUnsafeNumber(root: object): boolean {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const values: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number') {
        if (isUnsafe(v)) return true;
      } else if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return false;
}

/**
 * Walk the parsed value in document order for numbers outside the safe range. Iterative (an
 * explicit stack of containers and positions), because nesting depth is the input's choice.
 * Object key order is document order except for integer-like and duplicate keys; the exactness
 * check in restoreExactNumbers catches those.
 */
function findUnsafeNumbers(root: object): UnsafeNumbers {
  const found: UnsafeNumbers = { holders: [], keys: [], values: [] };
  const holders: object[] = [root];
  const keyLists: (string[] | null)[] = [Array.isArray(root) ? null : Object.keys(root)];
  const positions: number[] = [0];
  while (holders.length > 0) {
    const top = holders.length - 1;
    const holder = holders[top] as Record<string | number, unknown>;
    const keys = keyLists[top]!;
    const i = positions[top]!;
    if (i >= (keys === null ? (holder as unknown as unknown[]).length : keys.length)) {
      holders.pop();
      keyLists.pop();
      positions.pop();
      continue;
    }
    positions[top] = i + 1;
    const key = keys === null ? i : keys[i]!;
    const v = holder[key];
    if (typeof v === 'number') {
      if (isUnsafe(v)) {
        found.holders.push(holder);
        found.keys.push(key);
        found.values.push(v);
      }
    } else if (v !== null && typeof v === 'object') {
      holders.push(v);
      keyLists.push(Array.isArray(v) ? null : Object.keys(v));
      positions.push(0);
    }
  }
  return found;
}

/**
 * Put the exact value of each unsafe number back: integer literals become bigint, other literals
 * (1e300, 12345678901234567.5) stay numbers. False when the literals in the text cannot be matched
 * one to one with the numbers found in the parsed value.
 */
function restoreExactNumbers(text: string, root: object, unsafe: UnsafeNumbers): boolean {
  const n = unsafe.values.length;
  let literals = literalsByKey(text, root, unsafe);
  if (literals === undefined) {
    literals = unsafeLiterals(text);
    if (literals.length !== n || (n > 1 && ambiguous(literals))) return false;
  }
  for (let i = 0; i < n; i++) {
    if (Number(literals[i]) !== unsafe.values[i]) return false;
  }
  for (let i = 0; i < n; i++) {
    const literal = literals[i]!;
    if (isInteger(literal)) unsafe.holders[i]![unsafe.keys[i]!] = BigInt(literal);
  }
  return true;
}

/** Keys whose text needs no escaping and cannot follow a string token in valid JSON. */
const SIMPLE_KEY = /^[A-Za-z0-9_@$.-]{1,100}$/;

/**
 * The common case (NXLog's top-level `Keywords`) without scanning the text: each unsafe number is
 * a top-level value under a simple key K. If `"K":` occurs once in the text and not after a
 * backslash, it is a key token (a simple key cannot follow a closing quote in valid JSON), and
 * the literal after it is the number; its value is checked against the parsed one by the caller.
 */
function literalsByKey(text: string, root: object, unsafe: UnsafeNumbers): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < unsafe.values.length; i++) {
    const key = unsafe.keys[i];
    if (unsafe.holders[i] !== root || typeof key !== 'string' || !SIMPLE_KEY.test(key)) return undefined;
    const needle = `"${key}":`;
    const at = text.indexOf(needle);
    if (at < 0 || (at > 0 && text.charCodeAt(at - 1) === 0x5c) || text.indexOf(needle, at + 1) >= 0)
      return undefined;
    let start = at + needle.length;
    while (start < text.length && isSpace(text.charCodeAt(start))) start++;
    let end = start;
    while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
    if (end === start) return undefined;
    out.push(text.slice(start, end));
  }
  return out;
}

/** Two different literals that round to the same number could be matched to each other's place. */
function ambiguous(literals: string[]): boolean {
  const seen = new Map<number, string>();
  for (const literal of literals) {
    const n = Number(literal);
    const other = seen.get(n);
    if (other !== undefined && other !== literal) return true;
    seen.set(n, literal);
  }
  return false;
}

/**
 * Number literals outside strings whose value is outside the safe range, in document order.
 * Strings are skipped with indexOf, so the cost is in the few characters between strings.
 */
function unsafeLiterals(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = endOfString(text, i + 1);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      // Fewer than 16 characters cannot exceed 2^53 unless written with an exponent.
      if (j - i >= 16 || hasExponent(text, i, j)) {
        const literal = text.slice(i, j);
        if (isUnsafe(Number(literal))) out.push(literal);
      }
      i = j;
    } else i++;
  }
  return out;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

function hasExponent(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x65 || c === 0x45) return true;
  }
  return false;
}

/** Index just after the string's closing quote (`from` is just after its opening quote). */
function endOfString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let b = q - 1; b >= from && text.charCodeAt(b) === 0x5c; b--) backslashes++;
    if ((backslashes & 1) === 0) return q + 1;
    i = q + 1;
  }
}

function restoreTopLevel(text: string, value: number, offset: number): unknown {
  const literals = unsafeLiterals(text);
  if (literals.length === 1 && Number(literals[0]) === value) {
    return isInteger(literals[0]!) ? BigInt(literals[0]!) : value;
  }
  return losslessParseDocument(text, offset);
}

/** The slow exact parse, for the documents the fast path cannot settle. */
function losslessParseDocument(text: string, offset: number): unknown {
  try {
    return losslessParse(text, null, exactNumber);
  } catch (err) {
    throw syntaxError(err, text, offset);
  }
}

function exactNumber(literal: string): number | bigint {
  const n = Number(literal);
  return isInteger(literal) && !Number.isSafeInteger(n) ? BigInt(literal) : n;
}

// ---------------------------------------------------------------------------------------------
// errors

/**
 * A ParseError naming where the document goes wrong. JSON.parse mostly says `... at position N`;
 * for an unexpected token it quotes the text instead, and lossless-json is asked for the position.
 */
function syntaxError(err: unknown, text: string, offset: number): ParseError {
  if (err instanceof RangeError) {
    // The engine's recursion limit, reached only by pathologically deep nesting.
    return new ParseError('invalid_json', 'nesting too deep');
  }
  let message = err instanceof Error ? err.message : String(err);
  let m = POSITION.exec(message);
  if (!m && !END_OF_INPUT.test(message)) {
    try {
      losslessParse(text);
    } catch (second) {
      if (second instanceof Error && POSITION.test(second.message)) {
        message = second.message;
        m = POSITION.exec(message);
      }
    }
  }
  const position = m ? Number(m[1]) : END_OF_INPUT.test(message) ? text.length : 0;
  // Drop the position (reported separately) and any quoted copy of the input.
  const detail = message.replace(/,? (in JSON )?at position \d+.*$/s, '').replace(/, ".*$/s, '');
  return new ParseError('invalid_json', detail.trim() || 'invalid JSON', position + offset);
}

const POSITION = /position (\d+)/;
const END_OF_INPUT = /end of (JSON )?input/i;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value === 'bigint' ? 'number' : typeof value}`;
}

function firstNonSpace(text: string): number {
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
