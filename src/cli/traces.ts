/**
 * `vigil traces list` and `vigil traces show <trace-id>`: traces through the running server's API
 * (`/api/v1/traces`), or, when no server runs, by opening the span store and the event store of
 * the data directory directly (DuckDB allows one process per file).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { runSearch } from '../query/search.js';
import { EventStore } from '../store/duckdb.js';
import { traceFilterFromQuery, traceLogsQuery } from '../traces/api.js';
import { SpanStore, type StoredSpan, type TraceSummary } from '../traces/store.js';
import { apiCall, runningServer } from './local.js';
import { CliError, Exit } from './exit.js';

const defaultDataDir = () => process.env.VIGIL_DATA_DIR ?? 'vigil-data';

interface ListOptions {
  service?: string;
  user?: string;
  status?: string;
  minDuration?: string;
  maxDuration?: string;
  attr?: string[];
  from?: string;
  to?: string;
  limit?: string;
  json?: boolean;
  dataDir: string;
}

async function withLocalSpans<T>(dataDir: string, work: (spans: SpanStore) => Promise<T>): Promise<T> {
  if (!existsSync(join(dataDir, 'traces.duckdb')))
    throw new CliError(`no traces in ${dataDir} (no OTLP source has received spans there)`, Exit.Usage);
  const spans = await SpanStore.open(dataDir);
  try {
    return await work(spans);
  } finally {
    await spans.close();
  }
}

async function apiJson(dataDir: string, path: string): Promise<unknown> {
  const server = runningServer(dataDir)!;
  const response = await apiCall(server, path);
  const body = (await response.json()) as { message?: string };
  if (!response.ok)
    throw new CliError(
      body.message ?? `request failed (${response.status})`,
      response.status === 400 ? Exit.Usage : Exit.Failure,
    );
  return body;
}

function formatList(traces: TraceSummary[]): string {
  const rows = traces.map((t) => [
    t.traceId,
    new Date(t.start).toISOString(),
    `${t.durationMs.toFixed(3)} ms`,
    String(t.spanCount),
    t.error ? 'error' : 'ok',
    t.services.join(','),
    t.rootName,
  ]);
  const headers = ['TRACE', 'START', 'DURATION', 'SPANS', 'STATUS', 'SERVICES', 'ROOT'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return (
    [headers, ...rows]
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function formatTrace(spans: StoredSpan[], logs: Record<string, unknown>[]): string {
  const lines = spans.map(
    (s) =>
      `${'  '.repeat(s.depth)}${s.name} [${s.service}] ${(s.durationNs / 1e6).toFixed(3)} ms${s.statusCode === 2 ? ' ERROR' : ''} ${s.spanId}`,
  );
  if (logs.length > 0) {
    lines.push('', `logs (${logs.length}):`);
    for (const e of logs)
      lines.push(`  ${new Date(Number(e.time)).toISOString()} ${String(e.message ?? '')}`);
  }
  return lines.join('\n') + '\n';
}

export function registerTraceCommands(program: Command): void {
  const traces = program.command('traces').description('Traces received over OTLP: list them, show one.');
  traces
    .command('list')
    .description('Traces, newest first, filtered by service, user, status, latency, attributes, time.')
    .option('--service <name>', 'a span of the trace belongs to this service')
    .option('--user <id>', 'a span names this end user (enduser.id, user.name...)')
    .addOption(new Option('--status <status>', 'error or ok').choices(['error', 'ok']))
    .option('--min-duration <ms>', 'trace lasts at least this long')
    .option('--max-duration <ms>', 'trace lasts at most this long')
    .option('--attr <key=value...>', 'a span or its resource has this attribute value (repeatable)')
    .option('--from <time>', 'start: ISO time, epoch, or relative like -1h')
    .option('--to <time>', 'end (exclusive), same forms')
    .option('-n, --limit <n>', 'most traces (default 50)')
    .option('--json', 'JSON output')
    .addOption(
      new Option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR)').default(defaultDataDir()),
    )
    .action(async (opts: ListOptions) => {
      const query: Record<string, string | string[] | undefined> = {
        service: opts.service,
        user: opts.user,
        status: opts.status,
        min_duration: opts.minDuration,
        max_duration: opts.maxDuration,
        attr: opts.attr,
        from: opts.from,
        to: opts.to,
        limit: opts.limit,
      };
      let list: TraceSummary[];
      if (runningServer(opts.dataDir)) {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) for (const one of [v ?? []].flat()) params.append(k, one);
        list = ((await apiJson(opts.dataDir, `/api/v1/traces?${params}`)) as { traces: TraceSummary[] })
          .traces;
      } else {
        let filter;
        try {
          filter = traceFilterFromQuery(query);
        } catch (error) {
          throw new CliError((error as Error).message, Exit.Usage);
        }
        list = await withLocalSpans(opts.dataDir, (spans) => spans.listTraces(filter));
      }
      process.stdout.write(opts.json ? JSON.stringify(list, null, 2) + '\n' : formatList(list));
    });
  traces
    .command('show')
    .description("A trace's spans as a tree (start order, indented by depth) and its logs.")
    .argument('<trace-id>', '32 hex digits')
    .option('--json', 'JSON output')
    .addOption(
      new Option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR)').default(defaultDataDir()),
    )
    .action(async (traceId: string, opts: { json?: boolean; dataDir: string }) => {
      if (!/^[0-9a-fA-F]{32}$/.test(traceId))
        throw new CliError(`not a trace id (32 hex digits): ${traceId}`, Exit.Usage);
      let spans: StoredSpan[];
      let logs: Record<string, unknown>[] = [];
      if (runningServer(opts.dataDir)) {
        const body = (await apiJson(opts.dataDir, `/api/v1/traces/${traceId}`)) as {
          spans: StoredSpan[];
          logs: Record<string, unknown>[];
        };
        spans = body.spans;
        logs = body.logs;
      } else {
        spans = await withLocalSpans(opts.dataDir, (store) => store.getTrace(traceId));
        if (existsSync(join(opts.dataDir, 'events.duckdb'))) {
          const store = await EventStore.open(opts.dataDir, { readOnly: true });
          try {
            const result = await runSearch(store, traceLogsQuery(traceId), { limit: 1000 });
            if (result.kind === 'events') logs = result.events;
          } finally {
            await store.close();
          }
        }
      }
      if (spans.length === 0 && logs.length === 0)
        throw new CliError(`no spans or logs of trace ${traceId}`, Exit.Failure);
      process.stdout.write(
        opts.json ? JSON.stringify({ traceId, spans, logs }, null, 2) + '\n' : formatTrace(spans, logs),
      );
    });
}
