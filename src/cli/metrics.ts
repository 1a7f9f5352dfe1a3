/**
 * `vigil metrics query 'Q' [--from --to --step --format]` and `vigil metrics names [--name]`: metric
 * queries (docs/query.md, "## Metrics") through the running server's API, or on the metric store
 * opened read-only when no server serves the data directory (DuckDB allows one process per file).
 */
import { Option, type Command } from 'commander';
import { parseStep } from '../metrics/api.js';
import { MetricQuerySyntaxError } from '../metrics/query.js';
import { runMetricQuery, type MetricQueryAnswer } from '../metrics/run.js';
import { MetricStore } from '../metrics/store.js';
import { parseTimeBound } from '../query/timerange.js';
import { CliError, Exit } from './exit.js';
import { apiCall, runningServer } from './local.js';
import { formatResult, type OutputFormat } from './output.js';

type Names = Awaited<ReturnType<MetricStore['names']>>;

interface CommonOptions {
  dataDir: string;
  format: OutputFormat;
}

async function apiJson<T>(dataDir: string, path: string): Promise<T | undefined> {
  const server = runningServer(dataDir);
  if (!server) return undefined;
  const response = await apiCall(server, path);
  const body = (await response.json()) as T & { message?: string };
  if (!response.ok)
    throw new CliError(
      body.message ?? `request failed (${response.status})`,
      response.status === 400 ? Exit.Usage : Exit.Failure,
    );
  return body;
}

async function withLocalStore<T>(dataDir: string, work: (store: MetricStore) => Promise<T>): Promise<T> {
  const store = await MetricStore.open(dataDir, { readOnly: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A query answer as rows: one per series and time. */
export function answerRows(answer: MetricQueryAnswer): unknown[][] {
  const rows: unknown[][] = [];
  for (const s of answer.series) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ');
    for (const [t, v] of s.points) rows.push([new Date(t).toISOString(), `{${labels}}`, v]);
  }
  return rows;
}

export async function metricsQuery(
  text: string,
  opts: CommonOptions & { from?: string; to?: string; step?: string },
): Promise<string> {
  const params = new URLSearchParams({ q: text });
  if (opts.from) params.set('from', opts.from);
  if (opts.to) params.set('to', opts.to);
  if (opts.step) params.set('step', opts.step);
  const started = performance.now();
  let answer = await apiJson<MetricQueryAnswer>(opts.dataDir, `/api/v1/metrics/query?${params}`);
  if (!answer) {
    const now = Date.now();
    try {
      const window = {
        now,
        from: opts.from ? parseTimeBound(opts.from, now) : undefined,
        to: opts.to ? parseTimeBound(opts.to, now) : undefined,
        step: opts.step ? parseStep(opts.step) : undefined,
      };
      answer = await withLocalStore(opts.dataDir, (store) => runMetricQuery(store, text, window));
    } catch (error) {
      if (error instanceof MetricQuerySyntaxError || error instanceof RangeError)
        throw new CliError(error.message, Exit.Usage);
      throw error;
    }
  }
  if (opts.format === 'json') return JSON.stringify(answer, null, 2) + '\n';
  return formatResult(
    {
      kind: 'table',
      columns: ['time', 'series', 'value'],
      rows: answerRows(answer),
      elapsedMs: Math.round(performance.now() - started),
    },
    opts.format,
  );
}

export async function metricsNames(opts: CommonOptions & { name?: string }): Promise<string> {
  if (opts.name !== undefined) {
    const path = `/api/v1/metrics/labels?${new URLSearchParams({ name: opts.name })}`;
    const labels =
      (await apiJson<{ labels: Record<string, string[]> }>(opts.dataDir, path))?.labels ??
      (await withLocalStore(opts.dataDir, (store) => store.labels(opts.name!)));
    if (opts.format === 'json') return JSON.stringify({ name: opts.name, labels }, null, 2) + '\n';
    return formatResult(
      {
        kind: 'table',
        columns: ['label', 'values'],
        rows: Object.entries(labels).map(([k, v]) => [k, v.join(', ')]),
        elapsedMs: 0,
      },
      opts.format,
    );
  }
  const names =
    (await apiJson<{ names: Names }>(opts.dataDir, '/api/v1/metrics/names'))?.names ??
    (await withLocalStore(opts.dataDir, (store) => store.names()));
  if (opts.format === 'json') return JSON.stringify({ names }, null, 2) + '\n';
  return formatResult(
    {
      kind: 'table',
      columns: ['name', 'kind', 'unit', 'series', 'last_seen'],
      rows: names.map((n) => [n.name, n.kind, n.unit ?? '', n.series, new Date(n.lastSeen).toISOString()]),
      elapsedMs: 0,
    },
    opts.format,
  );
}

const defaultDataDir = () => process.env.VIGIL_DATA_DIR ?? 'vigil-data';

/** `vigil metrics query|names`. */
export function registerMetricCommands(
  program: Command,
  dataDirOption: () => Option = () =>
    new Option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR)').default(
      defaultDataDir(),
      defaultDataDir(),
    ),
): void {
  const format = () =>
    new Option('--format <format>', 'output format')
      .choices(['table', 'json', 'ndjson', 'csv'])
      .default('table');
  const metrics = program
    .command('metrics')
    .description('Query the metric store (Prometheus scrapes, remote-write, OTLP metrics).');
  metrics
    .command('query')
    .description(
      'Run a metric query, e.g. \'rate(http_requests_total{job="api"}[5m]) by (code)\' (docs/query.md, Metrics).',
    )
    .argument('<query>', 'the metric query')
    .option('--from <time>', 'start (ISO 8601, epoch, -1h, now-1d; default: an hour before --to)')
    .option('--to <time>', 'end (default: now)')
    .option('--step <duration>', 'time between result points, e.g. 30s, 5m (default: the window / 250)')
    .addOption(format())
    .addOption(dataDirOption())
    .action(async (text: string, opts: CommonOptions & { from?: string; to?: string; step?: string }) => {
      process.stdout.write(await metricsQuery(text, opts));
    });
  metrics
    .command('names')
    .description('List metric names (or, with --name, the label names and values of one metric).')
    .option('--name <metric>', 'show the labels of this metric')
    .addOption(format())
    .addOption(dataDirOption())
    .action(async (opts: CommonOptions & { name?: string }) => {
      process.stdout.write(await metricsNames(opts));
    });
}
