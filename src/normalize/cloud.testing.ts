/**
 * Test support for the cloud and identity normalizers (CloudTrail, Okta, Entra ID, GitHub, SBOM):
 * corpus runs of real files through the real path (importFile → processRecord) with counts per
 * product and OCSF class and every event checked against OCSF 1.8, and the pieces their fuzz tests
 * share. Used only by tests (it reads files and the OCSF schemas).
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { jsonParser, stringifyJson } from '../parsers/json.js';
import { ParseError, type ParsedRecord } from '../parsers/record.js';
import type { Normalizer } from './normalizer.js';
import { processRecord, type ProcessOutcome } from '../pipeline/process.js';
import type { RecordError } from '../sources/source.js';
import { importFile } from '../sources/import.js';
import { validateOcsf } from '../testing/ocsf-schema.js';
import type { OcsfEvent } from './ocsf.js';

/** A fixed context: reproducible times. */
export const CORPUS_CTX = { source: 'corpus', receivedAt: Date.UTC(2025, 0, 1) };

/** Files under `dir` (recursively) whose names end with one of `extensions`, sorted. */
export function corpusFiles(dir: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (extensions.some((e) => name.endsWith(e))) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Every record of one file through the pipeline, in order, with its position. */
export async function ingestFile(path: string): Promise<{ position: string; outcome: ProcessOutcome }[]> {
  const out: { position: string; outcome: ProcessOutcome }[] = [];
  for await (const chunk of importFile(path)) {
    for (const issue of chunk.issues ?? [])
      out.push({ position: issue.position, outcome: { ok: false, error: issue } });
    for (const record of chunk.records)
      out.push({ position: record.position, outcome: processRecord(record, CORPUS_CTX) });
  }
  return out;
}

/** The events of one file (failing if any record was rejected). */
export async function fileEvents(path: string): Promise<OcsfEvent[]> {
  const outcomes = await ingestFile(path);
  return outcomes.map(({ position, outcome }) => {
    if (!outcome.ok) throw new Error(`${position}: rejected: ${outcome.error.message}`);
    return outcome.event;
  });
}

/** Counts for one product (metadata.product.name). */
export interface ProductStats {
  events: number;
  /** Events of a specific OCSF class (not Base Event). */
  mapped: number;
  /** Mapped events that validate against their class's OCSF 1.8 schema. */
  valid: number;
  byClass: Record<string, number>;
}

/** What a corpus run found. */
export interface CorpusStats {
  files: number;
  /** Records ingested: events plus rejections. */
  records: number;
  rejected: RecordError[];
  /** Files importFile could not read at all. */
  crashed: { file: string; error: string }[];
  byProduct: Map<string, ProductStats>;
  /** Events (mapped or not) that fail OCSF validation: position and first errors. */
  invalid: { position: string; product: string; errors: string[] }[];
}

/** Ingest every file; count events per product (metadata.product.name) and class; validate all. */
export async function ingestCorpus(files: readonly string[]): Promise<CorpusStats> {
  const stats: CorpusStats = {
    files: files.length,
    records: 0,
    rejected: [],
    crashed: [],
    byProduct: new Map(),
    invalid: [],
  };
  for (const file of files) {
    let outcomes: { position: string; outcome: ProcessOutcome }[];
    try {
      outcomes = await ingestFile(file);
    } catch (error) {
      stats.crashed.push({ file, error: String(error) });
      continue;
    }
    for (const { position, outcome } of outcomes) {
      stats.records++;
      if (!outcome.ok) {
        stats.rejected.push(outcome.error);
        continue;
      }
      const event = outcome.event;
      const product = event.metadata.product.name;
      let p = stats.byProduct.get(product);
      if (p === undefined)
        stats.byProduct.set(product, (p = { events: 0, mapped: 0, valid: 0, byClass: {} }));
      p.events++;
      p.byClass[event.class_name ?? String(event.class_uid)] =
        (p.byClass[event.class_name ?? String(event.class_uid)] ?? 0) + 1;
      const errors = validateOcsf(event);
      if (event.class_uid !== 0) {
        p.mapped++;
        if (errors.length === 0) p.valid++;
      }
      if (errors.length > 0) stats.invalid.push({ position, product, errors: errors.slice(0, 3) });
    }
  }
  return stats;
}

/** One diagnostic line per product: events, mapped, validation pass rate, classes. */
export function describeStats(stats: CorpusStats): string[] {
  const lines = [`${stats.files} files, ${stats.records} records, ${stats.rejected.length} rejected`];
  for (const [product, p] of stats.byProduct) {
    const rate = p.mapped === 0 ? 'n/a' : `${((100 * p.valid) / p.mapped).toFixed(1)}%`;
    lines.push(
      `${product}: ${p.events} events, ${p.mapped} mapped to a specific class, OCSF valid ${rate}; ${JSON.stringify(p.byClass)}`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// fuzzing

/** Values of every JSON kind and the odd strings these formats meet. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '-',
    'null',
    '__proto__',
    'constructor',
    'toString',
    '0',
    'SUCCESS',
    'FAILURE',
    'Success',
    'Failure',
    'true',
    'AWS Internal',
    '10.01.0.7',
    'arn:aws:iam::1:user/x',
    'arn:',
    'a@b.c',
    '2024-13-45T99:99:99Z',
    '2024-01-01 00:00:00',
    '2024-01-01T00:00:00.123Z',
    'multiFactorAuthentication',
  ),
  fc.ipV4(),
  fc.ipV6(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A dictionary of the given keys with arbitrary values (own `__proto__` keys included). */
export function fieldsOf(
  keys: readonly string[],
  values: fc.Arbitrary<unknown> = anyValue,
): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.constantFrom(...keys), values, { maxKeys: keys.length, noNullPrototype: true });
}

/** A JSON text parsed as the pipeline parses it; undefined where the parser rejects it. */
export function parsedOrUndefined(text: string): ParsedRecord | undefined {
  try {
    return jsonParser.parse(text);
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
}

/**
 * Normalize a record (through its JSON text, as the pipeline sees it) and check the event: an
 * integer time, the raw text kept, the input untouched, and (when `validate`) valid OCSF.
 */
export function checkNormalize(normalizer: Normalizer, rec: ParsedRecord, validate: boolean): void {
  const before = stringifyJson(rec.fields);
  const event = normalizer.normalize(rec, CORPUS_CTX);
  assert.ok(Number.isSafeInteger(event.time), `time ${event.time}`);
  assert.equal(event.raw_data, rec.raw);
  assert.notEqual(event.unmapped, undefined);
  assert.equal(stringifyJson(rec.fields), before, 'the record is not modified');
  if (validate) assert.deepEqual(validateOcsf(event), [], stringifyJson(event));
}
