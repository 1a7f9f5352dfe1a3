/**
 * Canonical JSON: RFC 8785 (JSON Canonicalization Scheme), the byte form that event leaves and
 * signatures are computed over, so the same value always hashes the same.
 *
 * - object members sorted by key, comparing UTF-16 code units; no whitespace;
 * - numbers in ECMAScript shortest round-trip form (what JSON.stringify produces; -0 becomes 0);
 * - strings escaped as JSON.stringify does (", \, and control characters only);
 * - extension: a `bigint` is written as its exact integer digits (int64 fields stay exact).
 *
 * Values outside JSON are refused with a CanonicalJsonError naming the path: NaN and ±Infinity,
 * undefined (except as an object member, which is left out as JSON.stringify does), functions,
 * symbols, strings with lone surrogates (not I-JSON), cycles, and objects that are not plain
 * (Date, Map, Buffer, class instances: convert them first).
 */

/** A value that cannot be written as canonical JSON; `path` locates it (`$.a[2].b`). */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function memberPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function writeString(s: string, path: string): string {
  const lone = LONE_SURROGATE.exec(s);
  if (lone) {
    throw new CanonicalJsonError(path, `string has a lone surrogate at index ${lone.index} (not I-JSON)`);
  }
  return JSON.stringify(s);
}

function writeNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) throw new CanonicalJsonError(path, `${n} is not a JSON number`);
  return JSON.stringify(n); // ES Number::toString, the form RFC 8785 §3.2.2.3 requires; -0 → "0"
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `a ${ctor}` : 'an object';
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, path: string, stack: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return writeString(value, path);
    case 'number':
      return writeNumber(value, path);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return writeContainer(value, path, stack);
    default:
      throw new CanonicalJsonError(path, `${describe(value)} is not a JSON value`);
  }
}

function writeContainer(value: object, path: string, stack: Set<object>): string {
  if (stack.has(value)) throw new CanonicalJsonError(path, 'cycle: the value contains itself');
  stack.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item: unknown, i) => write(item, `${path}[${i}]`, stack)).join(',')}]`;
    }
    if (!isPlainObject(value)) {
      throw new CanonicalJsonError(path, `${describe(value)} is not a plain JSON object (convert it first)`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new CanonicalJsonError(path, 'object has symbol keys');
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      const at = memberPath(path, key);
      members.push(`${writeString(key, at)}:${write(item, at, stack)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    stack.delete(value);
  }
}

/** RFC 8785 canonical JSON text of `value` (bigint as exact digits). Throws CanonicalJsonError. */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

/** The UTF-8 bytes of `canonicalJson(value)`: what a leaf hash or a signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
