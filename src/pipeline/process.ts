import { NORMALIZERS } from '../normalize/registry.js';
import type { NormalizeContext } from '../normalize/normalizer.js';
import type { OcsfEvent } from '../normalize/ocsf.js';
import { detectParser, parserFor } from '../parsers/registry.js';
import { ParseError, type ParsedRecord } from '../parsers/record.js';
import type { RawRecord, RecordError } from '../sources/source.js';
import type { Transform } from '../transforms/transform.js';

export type ProcessOutcome =
  | {
      ok: true;
      event: OcsfEvent;
      format: string;
      /** The record's fields as parsed, by their original names (detection rules match on them). */
      fields: Record<string, unknown>;
    }
  | { ok: false; error: RecordError };

function fail(record: RawRecord, source: string, reason: string, message: string): ProcessOutcome {
  return { ok: false, error: { position: `${source}: ${record.position}`, reason, message } };
}

/**
 * One raw record → one OCSF event, or a rejection naming source, position and reason.
 * Pure apart from what transforms do to the event; never throws.
 */
export function processRecord(
  record: RawRecord,
  ctx: NormalizeContext,
  transforms: readonly Transform[] = [],
  defaultFormat?: string,
): ProcessOutcome {
  let parsed: ParsedRecord;
  if (record.value !== undefined) {
    // Already parsed by the source (a JSON element) or by a line decoder (a Zeek TSV line).
    parsed = { format: record.format ?? 'json', fields: record.value, raw: record.text };
  } else {
    const format = record.format ?? defaultFormat;
    const parser = format && format !== 'auto' ? parserFor(format) : detectParser(record.text);
    if (!parser) return fail(record, ctx.source, 'unknown_format', `no parser for format '${format}'`);
    try {
      parsed = parser.parse(record.text);
    } catch (error) {
      if (error instanceof ParseError) return fail(record, ctx.source, error.reason, error.message);
      return fail(record, ctx.source, 'parser_error', String(error));
    }
  }
  let event: OcsfEvent | undefined;
  for (const normalizer of NORMALIZERS) {
    if (!normalizer.accepts(parsed)) continue;
    try {
      event = normalizer.normalize(parsed, ctx);
    } catch (error) {
      return fail(record, ctx.source, 'normalize_error', `${normalizer.name}: ${String(error)}`);
    }
    break;
  }
  if (!event) return fail(record, ctx.source, 'no_normalizer', `no normalizer for format '${parsed.format}'`);
  if (!Number.isFinite(event.time)) event.time = ctx.receivedAt;
  event.raw_data ??= parsed.raw;
  event.metadata.logged_time = ctx.receivedAt;
  for (const transform of transforms) {
    try {
      transform.apply(event);
    } catch (error) {
      return fail(record, ctx.source, 'transform_error', `${transform.name}: ${String(error)}`);
    }
  }
  return { ok: true, event, format: parsed.format, fields: parsed.fields };
}
