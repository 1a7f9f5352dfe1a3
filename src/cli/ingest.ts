import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { importFile, fileSize } from '../sources/import.js';
import { encodeRecord, RECORDS_CONTENT_TYPE } from '../sources/http.js';
import type { BatchResult, RawRecord, RecordError } from '../sources/source.js';
import { openPipeline } from '../server.js';
import { StoreLockedError } from '../store/duckdb.js';
import type { Logger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { CliError, Exit } from './exit.js';
import { apiCall, runningServer } from './local.js';
import { Progress } from './progress.js';

export interface IngestSummary {
  files: number;
  records: number;
  stored: number;
  rejected: number;
  byReason: Record<string, number>;
  samples: RecordError[];
  seconds: number;
}

type Submit = (records: RawRecord[]) => Promise<BatchResult>;

/**
 * `vigil ingest FILE...`: batch import. Into the running server's API when one serves the data
 * directory, else straight into the store with the same pipeline `serve` uses.
 */
export async function ingestFiles(
  files: string[],
  options: { format: string; dataDir: string; config?: string },
  log: Logger,
): Promise<IngestSummary> {
  for (const file of files) if (!existsSync(file)) throw new CliError(`no such file: ${file}`, Exit.Usage);
  const config = loadConfig(options.config, options.dataDir);
  const server = runningServer(config.dataDir);
  let submit: Submit;
  let finish: () => Promise<void>;
  if (server) {
    log.debug({ url: server.info.url }, 'ingesting through the running server');
    submit = async (records) => {
      // Records travel as framed (text, position, format, pre-parsed value), so multi-line and
      // decoder-made records reach the server as they were read here.
      const body = records.map(encodeRecord).join('\n');
      for (;;) {
        const response = await apiCall(server, '/api/v1/ingest', {
          method: 'POST',
          headers: { 'content-type': RECORDS_CONTENT_TYPE },
          body,
        });
        if (response.status === 429 || response.status === 503) {
          const wait = Number(response.headers.get('retry-after') ?? 1);
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        const result = (await response.json()) as BatchResult & { message?: string };
        if (response.status !== 200 && response.status !== 400) {
          throw new CliError(`server refused the batch (${response.status}): ${result.message ?? ''}`);
        }
        return result;
      }
    };
    finish = async () => undefined;
  } else {
    let opened: Awaited<ReturnType<typeof openPipeline>>;
    try {
      opened = await openPipeline(config, new Metrics(), log);
    } catch (error) {
      if (error instanceof StoreLockedError) throw new CliError(error.message);
      throw error;
    }
    const { pipeline } = opened;
    submit = (records) => pipeline.submit({ source: 'ingest', records }, { wait: true });
    finish = () => opened.close();
  }

  const summary: IngestSummary = {
    files: 0,
    records: 0,
    stored: 0,
    rejected: 0,
    byReason: {},
    samples: [],
    seconds: 0,
  };
  const started = performance.now();
  const totalBytes = files.reduce((n, f) => n + fileSize(f), 0);
  const progress = new Progress(totalBytes);
  let doneBytes = 0;
  const inFlight: Promise<void>[] = [];
  const account = (result: BatchResult) => {
    summary.stored += result.accepted;
    summary.rejected += result.rejected;
    for (const error of result.errors) {
      summary.byReason[error.reason] = (summary.byReason[error.reason] ?? 0) + 1;
      if (summary.samples.length < 5) summary.samples.push(error);
    }
    // errors are capped per batch; count the uncounted rejections under their batch's first reason
    const listed = result.errors.length;
    if (result.rejected > listed && result.errors[0]) {
      summary.byReason[result.errors[0].reason]! += result.rejected - listed;
    }
  };
  try {
    for (const file of files) {
      summary.files++;
      for await (const chunk of importFile(resolve(file), { format: options.format })) {
        summary.records += chunk.records.length + (chunk.issues?.length ?? 0);
        if (chunk.issues) account({ accepted: 0, rejected: chunk.issues.length, errors: chunk.issues });
        if (chunk.records.length > 0) inFlight.push(submit(chunk.records).then(account));
        if (inFlight.length >= 4) await inFlight.shift();
        progress.update(summary.stored, doneBytes + chunk.bytesRead);
      }
      doneBytes += fileSize(file);
    }
    await Promise.all(inFlight);
  } finally {
    await finish();
    progress.done();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

export function formatSummary(summary: IngestSummary): string {
  const rate = summary.seconds > 0 ? Math.round(summary.stored / summary.seconds) : 0;
  const lines = [
    `${summary.stored.toLocaleString('en-US')} events stored, ${summary.rejected.toLocaleString('en-US')} rejected ` +
      `(${summary.records.toLocaleString('en-US')} records in ${summary.files} file${summary.files === 1 ? '' : 's'}, ` +
      `${summary.seconds.toFixed(1)} s, ${rate.toLocaleString('en-US')} events/s)`,
  ];
  for (const [reason, n] of Object.entries(summary.byReason).sort((a, b) => b[1] - a[1])) {
    lines.push(`  rejected ${reason}: ${n}`);
  }
  for (const sample of summary.samples) lines.push(`  e.g. ${sample.position}: ${sample.message}`);
  return lines.join('\n') + '\n';
}
