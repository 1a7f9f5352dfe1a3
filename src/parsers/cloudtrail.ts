/**
 * CloudTrail's S3 delivery files: one line holding `{"Records":[{...},{...}]}`. Read as NDJSON,
 * that line would be one record; this line decoder splits it into one record per CloudTrail
 * event (already parsed), positioned `<line position> record N`. A line that is not such an
 * envelope (an NDJSON CloudTrail line, a broken line) passes through as a JSON record, so the
 * JSON parser reads it or rejects it with its own error: nothing is dropped.
 * Picked by `--format cloudtrail` or by a stream whose first line opens with `{"Records":`.
 * Pure: no I/O, no state across lines.
 */
import type { DecodedRecord, LineDecoder, LineDecoderType } from './decoder.js';
import { parseJsonDocument, stringifyJson } from './json.js';

const ENVELOPE = /^\uFEFF?\s*\{\s*"Records"\s*:\s*\[/;

/** The records of one line: the envelope's elements, or the line itself. */
export function splitRecordsLine(line: string, position: string): DecodedRecord[] {
  if (!ENVELOPE.test(line)) return [{ text: line, position, format: 'json' }];
  let doc: unknown;
  try {
    doc = parseJsonDocument(line);
  } catch {
    return [{ text: line, position, format: 'json' }];
  }
  const records = (doc as { Records?: unknown }).Records;
  if (!Array.isArray(records)) return [{ text: line, position, format: 'json' }];
  return records.map((item, i) => {
    const at = `${position} record ${i + 1}`;
    return item !== null && typeof item === 'object' && !Array.isArray(item)
      ? { text: stringifyJson(item), position: at, format: 'json', value: item as Record<string, unknown> }
      : { text: stringifyJson(item), position: at, format: 'json' };
  });
}

class CloudTrailRecordsDecoder implements LineDecoder {
  push(line: string, position: string): { records: DecodedRecord[] } {
    return { records: splitRecordsLine(line, position) };
  }
  end(): DecodedRecord[] {
    return [];
  }
  pending(): boolean {
    return false;
  }
}

/** The `cloudtrail` line decoder: one record per element of a `{"Records":[...]}` line. */
export const cloudtrailRecordsDecoder: LineDecoderType = {
  name: 'cloudtrail',
  sniff: (line) => ENVELOPE.test(line),
  create: () => new CloudTrailRecordsDecoder(),
};
