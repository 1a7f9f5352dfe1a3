import { createReadStream, statSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { parseJsonDocument } from '../parsers/json.js';
import type { LineDecoder } from '../parsers/decoder.js';
import { ParseError } from '../parsers/record.js';
import { detectLineDecoder, lineDecoderFor } from '../parsers/registry.js';
import { jsonElementRecord, type RawRecord, type RecordError } from './source.js';

/** The largest whole JSON document (array or object file) read into memory. */
const MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024;

export interface ImportChunk {
  records: RawRecord[];
  /** Bytes of the file (compressed, as on disk) read so far, for progress. */
  bytesRead: number;
  /** Lines a line decoder could not use (e.g. a Zeek TSV line with the wrong field count): rejected. */
  issues?: RecordError[];
}

export interface ImportOptions {
  /** auto | ndjson | json | syslog | winevent | text; `json` means whole documents. */
  format?: string;
  batchSize?: number;
}

function zstdStream(): Transform {
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        decoder.push(chunk);
        done();
      } catch (error) {
        done(new Error(`invalid zstd data: ${(error as Error).message}`));
      }
    },
    flush(done) {
      try {
        decoder.push(new Uint8Array(0), true);
        done();
      } catch (error) {
        done(new Error(`truncated zstd data: ${(error as Error).message}`));
      }
    },
  });
  const decoder = new ZstdDecompress((data) => stream.push(Buffer.from(data)));
  return stream;
}

/** Open a file as text, decompressing gzip or zstd (by magic bytes, whatever the name says). */
async function openText(path: string, onBytes: (n: number) => void): Promise<Readable> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start: 0, end: 3 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
  const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
  raw.on('data', (chunk) => onBytes(chunk.length));
  let text: Readable = raw;
  if (head[0] === 0x1f && head[1] === 0x8b) text = raw.pipe(createGunzip());
  else if (head.readUInt32LE(0) === 0xfd2fb528) text = raw.pipe(zstdStream());
  if (text !== raw) raw.on('error', (error) => text.destroy(error));
  text.setEncoding('utf8');
  return text;
}

/** The elements of a JSON document: an array's items, a `{"Records": [...]}` wrapper's list, or the object. */
export function documentElements(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (doc !== null && typeof doc === 'object') {
    const entries = Object.entries(doc);
    const lists = entries.filter(
      ([, v]) => Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object'),
    );
    if (lists.length === 1 && entries.length <= 3) return lists[0]![1] as unknown[];
  }
  return [doc];
}

/**
 * Read a file of telemetry as batches of records: NDJSON or line formats line by line, JSON
 * documents (arrays, `{"Records":[...]}`) element by element. Plain, .gz and .zst files.
 */
export async function* importFile(path: string, options: ImportOptions = {}): AsyncGenerator<ImportChunk> {
  const batchSize = options.batchSize ?? 4096;
  let bytesRead = 0;
  const stream = await openText(path, (n) => (bytesRead += n));
  const lineFormat =
    options.format && options.format !== 'auto' && options.format !== 'json' ? options.format : undefined;
  let mode: 'lines' | 'document' | undefined =
    options.format === 'json' ? 'document' : lineFormat ? 'lines' : undefined;
  let carry = '';
  let lineNo = 0;
  let batch: RawRecord[] = [];
  let issues: RecordError[] = [];
  const docParts: string[] = [];
  let docBytes = 0;
  // Formats whose records span lines or need a header (Zeek TSV, auditd) go through a decoder,
  // chosen by the format asked for or by the first non-empty line.
  let decoder: LineDecoder | undefined = lineFormat ? lineDecoderFor(lineFormat)?.create() : undefined;
  let sniffed = lineFormat !== undefined;
  const take = (line: string): void => {
    const position = `${path} line ${lineNo}`;
    if (!sniffed) {
      sniffed = true;
      decoder = detectLineDecoder(line)?.create();
    }
    if (decoder) {
      const out = decoder.push(line, position);
      for (const r of out.records) batch.push(r);
      for (const i of out.issues ?? [])
        issues.push({ position: i.position, reason: i.reason, message: i.message });
    } else batch.push(lineFormat ? { text: line, position, format: lineFormat } : { text: line, position });
  };
  const full = () => batch.length >= batchSize || issues.length >= batchSize;
  const chunkOf = (): ImportChunk => {
    const out: ImportChunk =
      issues.length > 0 ? { records: batch, bytesRead, issues } : { records: batch, bytesRead };
    batch = [];
    issues = [];
    return out;
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    if (mode === undefined) {
      const peek = (carry + chunk).trimStart();
      if (peek.startsWith('[')) mode = 'document';
      else if (peek.startsWith('{')) {
        const firstLine = peek.split('\n', 1)[0]!;
        if (firstLine.length === peek.length && !peek.includes('\n')) {
          carry += chunk; // the first line is not complete yet
          continue;
        }
        try {
          JSON.parse(firstLine);
          mode = 'lines';
        } catch {
          mode = 'document';
        }
      } else mode = 'lines';
    }
    if (mode === 'document') {
      docBytes += chunk.length;
      if (docBytes > MAX_DOCUMENT_BYTES)
        throw new Error(`${path}: JSON document larger than ${MAX_DOCUMENT_BYTES} bytes`);
      if (carry) docParts.push(carry);
      carry = '';
      docParts.push(chunk);
      continue;
    }
    const text = carry + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      lineNo++;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() === '') continue;
      take(line);
      if (full()) yield chunkOf();
    }
    carry = text.slice(start);
  }
  if (mode === 'document' || (mode === undefined && carry.trim().startsWith('['))) {
    const text = docParts.join('') + carry;
    let doc: unknown;
    try {
      doc = parseJsonDocument(text);
    } catch (error) {
      throw new ParseError(
        error instanceof ParseError ? error.reason : 'invalid_json',
        `${path}: ${(error as Error).message}`,
        error instanceof ParseError ? error.offset : undefined,
      );
    }
    documentElements(doc).forEach((item, i) => {
      batch.push(jsonElementRecord(item, `${path} record ${i + 1}`));
    });
  } else if (carry.trim() !== '') {
    lineNo++;
    take(carry.endsWith('\r') ? carry.slice(0, -1) : carry);
  }
  if (decoder) for (const r of decoder.end()) batch.push(r);
  if (batch.length > 0 || issues.length > 0) yield chunkOf();
}

export function fileSize(path: string): number {
  return statSync(path).size;
}
