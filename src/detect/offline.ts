/**
 * Offline detection: a rule set over telemetry files (every format `vigil ingest` reads: NDJSON,
 * JSON documents, syslog and text lines; plain, .gz, .zst). Records are read with importFile and
 * parsed with the same parsers as ingest, but not normalized: rules match the original fields
 * (Windows layouts flattened to Sigma's names). `vigil detect`, `vigil rules test` and the
 * conformance test all go through `detectFile`.
 */
import { parseTimestamp } from '../normalize/time.js';
import { detectParser, parserFor } from '../parsers/registry.js';
import { ParseError } from '../parsers/record.js';
import { importFile } from '../sources/import.js';
import type { RawRecord, RecordError } from '../sources/source.js';
import type { RuleInfo } from './sigma/compile.js';
import type { EventView } from './sigma/context.js';
import type { MatchedEvent } from './sigma/finding.js';
import type { RuleSet } from './sigma/ruleset.js';
import { recordEventView } from './sigma/view.js';

/** One rule matching one record of a file. */
export interface OfflineMatch {
  rule: RuleInfo;
  /** The input file and the record's 1-based line (NDJSON and line formats) or record number. */
  path: string;
  line: number;
  event: MatchedEvent;
  /** Windows: the event's computer and id, for listings. */
  computer?: string;
  eventId?: string;
}

export interface OfflineStats {
  records: number;
  /** Records that could not be parsed (samples in `rejections`). */
  rejected: number;
  rejections: RecordError[];
  matches: number;
  /** Matches per rule (id, else title). */
  byRule: Map<string, { rule: RuleInfo; count: number }>;
}

export interface OfflineOptions {
  /** Input format as `vigil ingest --format` takes it; auto-detected by default. */
  format?: string;
  /** Called for every match, in file order. */
  onMatch?: (match: OfflineMatch) => void;
  /** Stop after this many records (benchmarks). */
  limit?: number;
  /** Progress: records read so far in this file and its bytes read. */
  onProgress?: (records: number, bytesRead: number) => void;
}

export function emptyStats(): OfflineStats {
  return { records: 0, rejected: 0, rejections: [], matches: 0, byRule: new Map() };
}

/** A record's parsed fields, or the reason it could not be parsed. */
export function recordFields(
  record: RawRecord,
  format?: string,
): { fields: Record<string, unknown> } | { error: string; reason: string } {
  if (record.value !== undefined) return { fields: record.value };
  const chosen = record.format ?? (format && format !== 'auto' ? format : undefined);
  const parser = chosen ? parserFor(chosen) : detectParser(record.text);
  if (!parser) return { error: `no parser for format '${chosen}'`, reason: 'unknown_format' };
  try {
    return { fields: parser.parse(record.text).fields };
  } catch (error) {
    if (error instanceof ParseError) return { error: error.message, reason: error.reason };
    return { error: String(error), reason: 'parser_error' };
  }
}

/** An event view over parsed fields, and (lazily) what a match reports about the event. */
export function recordEvent(fields: Record<string, unknown>): {
  view: EventView;
  describe: () => EventFacts;
} {
  const view = recordEventView(fields);
  return { view, describe: () => (view.format === 'evtx' ? windowsFacts(view) : jsonFacts(fields)) };
}

/** What a listing or a finding says about a matched event. */
export interface EventFacts {
  time?: number;
  product?: string;
  logName?: string;
  computer?: string;
  eventId?: string;
}

const WINDOWS_TIME_FIELDS = [
  'TimeCreated_SystemTime',
  'TimeCreated',
  'SystemTime',
  'TimeGenerated',
  '@timestamp',
  'EventTime',
  'UtcTime',
];
const JSON_TIME_FIELDS = ['time', 'timestamp', '@timestamp', 'eventTime', 'published', 'ts', 'date'];

function firstTime(get: (name: string) => unknown, names: readonly string[]): number | undefined {
  for (const name of names) {
    const v = get(name);
    if (v === undefined || v === null || typeof v === 'object') continue;
    const t = parseTimestamp(v);
    if (t !== undefined) return t;
  }
  return undefined;
}

function textOf(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
}

function windowsFacts(view: EventView): EventFacts {
  return {
    time: firstTime((n) => view.get(n), WINDOWS_TIME_FIELDS),
    product: textOf(view.get('Provider_Name')),
    logName: textOf(view.get('Channel')),
    computer: textOf(view.get('Computer')),
    eventId: textOf(view.get('EventID')),
  };
}

function jsonFacts(fields: Record<string, unknown>): EventFacts {
  const facts: EventFacts = { time: firstTime((n) => fields[n], JSON_TIME_FIELDS) };
  const source = textOf(fields.eventSource);
  if (source) facts.product = source;
  return facts;
}

/** `app.ndjson line 42` / `doc.json record 7` → 42 / 7. */
function positionNumber(position: string): number | undefined {
  const m = / (?:line|record) (\d+)$/.exec(position);
  return m ? Number(m[1]) : undefined;
}

/** Run the rule set over one file, adding to `stats`. Throws on I/O errors (missing file, bad gzip). */
export async function detectFile(
  path: string,
  ruleSet: RuleSet,
  stats: OfflineStats,
  options: OfflineOptions = {},
): Promise<void> {
  let index = 0;
  const limit = options.limit ?? Infinity;
  for await (const chunk of importFile(path, { format: options.format })) {
    for (const issue of chunk.issues ?? []) {
      stats.records++;
      reject(stats, issue);
    }
    for (const record of chunk.records) {
      if (index >= limit) return;
      index++;
      stats.records++;
      const parsed = recordFields(record, options.format);
      if ('error' in parsed) {
        reject(stats, { position: record.position, reason: parsed.reason, message: parsed.error });
        continue;
      }
      const { view, describe } = recordEvent(parsed.fields);
      const matches = ruleSet.match(view);
      if (matches.length === 0) continue;
      const facts = describe();
      const line = positionNumber(record.position) ?? index;
      for (const m of matches) {
        stats.matches++;
        const key = m.info.id ?? m.info.title;
        const entry = stats.byRule.get(key);
        if (entry) entry.count++;
        else stats.byRule.set(key, { rule: m.info, count: 1 });
        if (options.onMatch) {
          const event: MatchedEvent = { path, line };
          if (facts.time !== undefined) event.time = facts.time;
          if (facts.product) event.product = facts.product;
          if (facts.logName) event.logName = facts.logName;
          const match: OfflineMatch = { rule: m.info, path, line, event };
          if (facts.computer) match.computer = facts.computer;
          if (facts.eventId) match.eventId = facts.eventId;
          options.onMatch(match);
        }
      }
    }
    options.onProgress?.(stats.records, chunk.bytesRead);
  }
}

function reject(stats: OfflineStats, error: RecordError): void {
  stats.rejected++;
  if (stats.rejections.length < 5) stats.rejections.push(error);
}
