import type { DroppedRecord } from '../telemetry/dropped.js';
import { CliError, Exit } from './exit.js';
import { apiCall, runningServer } from './local.js';
import { formatResult, type OutputFormat } from './output.js';

export interface DroppedOptions {
  dataDir: string;
  source?: string;
  reason?: string;
  limit?: number;
  format: OutputFormat;
}

interface DroppedAnswer {
  counts: { source: string; reason: string; count: number }[];
  samples: DroppedRecord[];
  message?: string;
}

/**
 * `vigil dropped`: what the running server rejected or dropped, by source and reason, and the
 * newest rejected records with their errors. The sample lives in the server's memory (bounded),
 * so this asks the server serving the data directory.
 */
export async function showDropped(options: DroppedOptions): Promise<string> {
  const server = runningServer(options.dataDir);
  if (!server)
    throw new CliError(
      `no running \`vigil serve\` for ${options.dataDir}: the sample of dropped records lives in the server ` +
        '(counters are also at /metrics as vigil_events_rejected_total)',
    );
  const params = new URLSearchParams();
  if (options.source !== undefined) params.set('source', options.source);
  if (options.reason !== undefined) params.set('reason', options.reason);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  const response = await apiCall(server, `/api/v1/dropped?${params}`);
  const body = (await response.json()) as DroppedAnswer;
  if (!response.ok)
    throw new CliError(
      body.message ?? `dropped failed (${response.status})`,
      response.status === 400 ? Exit.Usage : 1,
    );
  if (options.format === 'json') return JSON.stringify(body, null, 2) + '\n';
  if (options.format === 'ndjson') return body.samples.map((s) => JSON.stringify(s) + '\n').join('');
  const counts = formatResult(
    {
      kind: 'table',
      columns: ['source', 'reason', 'count'],
      rows: body.counts.map((c) => [c.source, c.reason, c.count]),
      elapsedMs: 0,
    },
    options.format,
  );
  const samples = formatResult(
    {
      kind: 'table',
      columns: ['time', 'source', 'reason', 'position', 'error', 'raw'],
      rows: body.samples.map((s) => [
        new Date(s.time).toISOString(),
        s.source,
        s.reason,
        s.position ?? '',
        s.message ?? '',
        (s.raw ?? '').slice(0, 120),
      ]),
      elapsedMs: 0,
    },
    options.format,
  );
  if (options.format === 'csv') return samples;
  return `Rejected or dropped, by source and reason:\n${counts}\nNewest rejected records:\n${samples}`;
}
