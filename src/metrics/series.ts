/**
 * Series identity: a series is a metric name plus its label set, and its id is a stable 64-bit
 * hash of both (sha256 of the name and the labels sorted by name, first 8 bytes, signed), so the
 * same series gets the same id in every process and after every restart without a lookup.
 * Pure.
 */
import { createHash } from 'node:crypto';

/** The labels as canonical JSON: keys sorted, so equal label sets give equal text. */
export function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return JSON.stringify(sorted);
}

/** The series id of a name and label set (a signed 64-bit integer, DuckDB BIGINT). */
export function seriesId(name: string, labels: Readonly<Record<string, string>>): bigint {
  const digest = createHash('sha256').update(name).update('\u0000').update(canonicalLabels(labels)).digest();
  return digest.readBigInt64BE(0);
}
