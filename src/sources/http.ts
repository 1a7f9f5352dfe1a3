import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseJsonDocument, stringifyJson } from '../parsers/json.js';
import { ParseError } from '../parsers/record.js';
import type { Metrics } from '../telemetry/metrics.js';
import { decodeBody, EncodingError, TooLargeError } from './decompress.js';
import { jsonElementRecord, OverloadedError, UnavailableError, type RawRecord, type Sink } from './source.js';

export const HTTP_SOURCE_NAME = 'http';

/**
 * Split a request body into records. `application/json` bodies are one document: an object (one
 * record) or an array (one record per element). Anything else is NDJSON: one record per non-empty
 * line, each auto-detected (JSON, syslog or text) unless `format` says. Pure.
 */
export function frameBody(text: string, contentType: string, format?: string): RawRecord[] {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === RECORDS_CONTENT_TYPE) return decodeRecords(text);
  const wholeDocument = type === 'application/json' || (type === '' && /^\s*\[/.test(text));
  if (wholeDocument) {
    const doc = parseJsonDocument(text);
    const items = Array.isArray(doc) ? doc : [doc];
    return items.map((item, i) => jsonElementRecord(item, `element ${i}`));
  }
  const records: RawRecord[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    let recordText = text.slice(start, end);
    if (recordText.endsWith('\r')) recordText = recordText.slice(0, -1);
    if (recordText.trim() !== '') {
      records.push(
        format
          ? { text: recordText, position: `line ${line}`, format }
          : { text: recordText, position: `line ${line}` },
      );
    }
    start = end + 1;
  }
  return records;
}

/**
 * Records already framed by the sender (`vigil ingest` through a running server): NDJSON of
 * `{text, position, format?, value?}`, so multi-line records (auditd) and decoder-made ones (Zeek
 * TSV read against its header) arrive as they were read.
 */
export const RECORDS_CONTENT_TYPE = 'application/vnd.vigil.records+x-ndjson';

export function encodeRecord(record: RawRecord): string {
  return stringifyJson(record);
}

function decodeRecords(text: string): RawRecord[] {
  const records: RawRecord[] = [];
  let line = 0;
  for (const part of text.split('\n')) {
    line++;
    if (part.trim() === '') continue;
    const where = `line ${line}`;
    let item: unknown;
    try {
      item = parseJsonDocument(part);
    } catch (error) {
      throw new ParseError('invalid_record', `${where}: ${(error as Error).message}`);
    }
    const r = item as Partial<RawRecord> | null;
    if (r === null || typeof r !== 'object' || typeof r.text !== 'string')
      throw new ParseError('invalid_record', `${where}: expected an object with a string "text"`);
    const value =
      r.value !== null && typeof r.value === 'object' && !Array.isArray(r.value) ? r.value : undefined;
    records.push({
      text: r.text,
      position: typeof r.position === 'string' ? r.position : where,
      ...(typeof r.format === 'string' ? { format: r.format } : {}),
      ...(value ? { value } : {}),
    });
  }
  return records;
}

export interface HttpIngestOptions {
  sink: Sink;
  metrics: Metrics;
  maxBodyBytes: number;
  /** Check the caller may ingest; sends 401/403 itself and returns false otherwise. */
  authorize: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

/**
 * POST /api/v1/ingest: NDJSON or a JSON array, optionally gzip or zstd, bearer token required.
 * Answers 200 only once every accepted event is durably stored (the acknowledgement), 413 when
 * the body is too large, 429 with Retry-After when the pipeline is full, 400 when nothing in the
 * body could be accepted.
 */
export function registerHttpIngest(app: FastifyInstance, options: HttpIngestOptions): void {
  const { sink, metrics } = options;
  const source = HTTP_SOURCE_NAME;
  app.post('/api/v1/ingest', async (request, reply) => {
    if (!options.authorize(request, reply)) return reply;
    let body: Buffer;
    try {
      body = await decodeBody(
        request.body as Buffer,
        request.headers['content-encoding'] as string | undefined,
        options.maxBodyBytes,
      );
    } catch (error) {
      if (error instanceof TooLargeError) {
        metrics.reject(source, 'too_large', 1, { position: `request ${request.id}`, message: error.message });
        return reply.code(413).send({ error: 'payload_too_large', message: error.message });
      }
      metrics.reject(source, 'bad_encoding', 1, {
        position: `request ${request.id}`,
        message: (error as EncodingError).message,
      });
      return reply.code(400).send({ error: 'bad_encoding', message: (error as EncodingError).message });
    }
    const query = request.query as Record<string, string | undefined>;
    let records: RawRecord[];
    try {
      records = frameBody(body.toString('utf8'), String(request.headers['content-type'] ?? ''), query.format);
    } catch (error) {
      const message = error instanceof ParseError ? error.message : String(error);
      metrics.reject(source, error instanceof ParseError ? error.reason : 'invalid_body', 1, {
        position: `request ${request.id}`,
        message,
        raw: body.toString('utf8', 0, 4096),
      });
      return reply.code(400).send({ error: 'invalid_body', message: `request ${request.id}: ${message}` });
    }
    metrics.received.inc({ source }, records.length);
    for (const record of records) record.position = `request ${request.id} ${record.position}`;
    try {
      const result = await sink.submit({ source, records }, { wait: false });
      if (result.accepted === 0 && result.rejected > 0) {
        return reply.code(400).send({ error: 'all_rejected', ...result });
      }
      return reply.code(200).send(result);
    } catch (error) {
      if (error instanceof OverloadedError) {
        metrics.reject(source, 'overloaded', records.length, {
          position: `request ${request.id}`,
          message: `pipeline full: answered 429, the sender retries (${records.length} records)`,
        });
        return reply
          .code(429)
          .header('retry-after', String(error.retryAfterSeconds))
          .send({ error: 'overloaded', message: error.message });
      }
      if (error instanceof UnavailableError) {
        metrics.reject(source, 'unavailable', records.length, {
          position: `request ${request.id}`,
          message: `answered 503, the sender retries: ${error.message}`,
        });
        return reply
          .code(503)
          .header('retry-after', String(error.retryAfterSeconds))
          .send({ error: 'unavailable', message: error.message });
      }
      throw error;
    }
  });
}
