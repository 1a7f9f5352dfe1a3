/**
 * The Prometheus scrape source (type `prometheus`): fetches each target's /metrics every
 * `interval`, parses the text exposition format or OpenMetrics (src/metrics/exposition.ts) and
 * writes the points to the metric store. Like Prometheus, each scrape also yields `up` (1 when the
 * scrape worked), `scrape_duration_seconds` and `scrape_samples_scraped` for the target, with
 * `job` (the source name unless configured) and `instance` (the target's host:port) labels on
 * everything. A bad line is counted as a rejection (target, line number, reason; see `vigil
 * dropped`) and the rest of the scrape kept; a failed scrape is counted and logged and gives
 * `up 0`. The bearer token is sent, never logged.
 *
 * Points go to `ctx.signals.metrics` (the server's metric store); without one the source opens
 * `<dataDir>/metrics.duckdb` itself (shared within the process) and closes it on stop.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatOfContentType, parseExposition, type ExpositionError } from '../metrics/exposition.js';
import type { MetricPoint, MetricSink } from '../metrics/model.js';
import { MetricStore } from '../metrics/store.js';
import { parseDuration } from '../query/timerange.js';
import type { Source, SourceContext, SourceType } from './source.js';

const durationMs = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((s) => parseDuration(s) !== undefined, { message: 'expected a duration such as 15s, 1m' })
    .transform((s) => parseDuration(s)!);

const labelsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string());

export const prometheusSchema = z
  .object({
    type: z.literal('prometheus'),
    targets: z
      .array(
        z
          .object({
            url: z
              .url({ protocol: /^https?$/ })
              .describe("The target's metrics URL, e.g. http://10.0.0.5:9100/metrics."),
            labels: labelsSchema.default({}).describe("Labels added to this target's series."),
          })
          .strict(),
      )
      .min(1)
      .describe('What to scrape.'),
    interval: durationMs('15s').describe('Time between two scrapes of a target.'),
    timeout: durationMs('10s').describe('A scrape taking longer fails (up 0).'),
    job: z.string().optional().describe('The `job` label; default: the source name.'),
    labels: labelsSchema.default({}).describe('Labels added to every series of every target.'),
    honor_labels: z
      .boolean()
      .default(false)
      .describe(
        "On a clash between a scraped label and a target label, keep the scraped one (true) or the target's, the scraped one renamed exported_<name> (false, like Prometheus).",
      ),
    bearer_token: z.string().optional().describe('Sent as `Authorization: Bearer …` (never logged).'),
    bearer_token_file: z.string().optional().describe('File holding the bearer token (read at each scrape).'),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe('Largest scrape body accepted.'),
  })
  .strict();

export type PrometheusConfig = z.infer<typeof prometheusSchema>;

export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1';

export interface ScrapeResult {
  points: MetricPoint[];
  errors: ExpositionError[];
  samples: number;
  up: boolean;
  durationMs: number;
  /** Why the scrape failed (up = false). */
  failure?: string;
}

export interface ScrapeTarget {
  url: string;
  /** job, instance and configured labels. */
  labels: Record<string, string>;
}

/** The labels Prometheus gives a target: job and instance (host:port), then configured ones. */
export function targetLabels(
  job: string,
  url: string,
  ...extra: Record<string, string>[]
): Record<string, string> {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return Object.assign(
    { job, instance: `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${port}` },
    ...extra,
  ) as Record<string, string>;
}

/** Read a body up to `max` bytes (the rest is refused). */
async function readLimited(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) throw new Error(`body of ${declared} bytes is over max_body_bytes (${max})`);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new Error(`body is over max_body_bytes (${max})`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Scrape one target once. Never throws: a failed scrape is `up: false` with the reason. */
export async function scrape(
  target: ScrapeTarget,
  options: {
    timeoutMs: number;
    token?: string;
    honorLabels: boolean;
    maxBodyBytes: number;
    now?: () => number;
  },
): Promise<ScrapeResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const t0 = performance.now();
  let result: ScrapeResult;
  try {
    const response = await fetch(target.url, {
      headers: {
        accept: SCRAPE_ACCEPT,
        'x-prometheus-scrape-timeout-seconds': String(options.timeoutMs / 1000),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'follow',
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`);
    }
    const text = await readLimited(response, options.maxBodyBytes);
    const parsed = parseExposition(text, {
      format: formatOfContentType(response.headers.get('content-type') ?? undefined),
      now: started,
      labels: target.labels,
      honorLabels: options.honorLabels,
    });
    result = { ...parsed, up: true, durationMs: performance.now() - t0 };
  } catch (error) {
    const e = error as Error;
    const reason = e.name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : e.message;
    result = {
      points: [],
      errors: [],
      samples: 0,
      up: false,
      durationMs: performance.now() - t0,
      failure: reason,
    };
  }
  const meta = (name: string, value: number): MetricPoint => ({
    name,
    kind: 'gauge',
    labels: target.labels,
    time: started,
    value,
  });
  result.points.push(
    meta('up', result.up ? 1 : 0),
    meta('scrape_duration_seconds', result.durationMs / 1000),
    meta('scrape_samples_scraped', result.samples),
  );
  return result;
}

/** How many rejections per scrape are also kept as samples in `vigil dropped`. */
const SAMPLED_ERRORS = 5;

export class PrometheusSource implements Source {
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private sink: MetricSink | undefined;
  private ownStore: MetricStore | undefined;
  private readonly targets: ScrapeTarget[];

  constructor(
    readonly name: string,
    private readonly config: PrometheusConfig,
    private readonly ctx: SourceContext,
  ) {
    const job = config.job ?? name;
    this.targets = config.targets.map((t) => ({
      url: t.url,
      labels: targetLabels(job, t.url, config.labels, t.labels),
    }));
  }

  async start(): Promise<void> {
    this.sink = this.ctx.signals?.metrics;
    if (!this.sink) this.sink = this.ownStore = await MetricStore.open(this.ctx.dataDir);
    if (this.config.bearer_token_file) await readFile(this.config.bearer_token_file, 'utf8'); // fail fast
    this.targets.forEach((target, i) => {
      // Spread the targets over the interval, then scrape each every interval.
      const offset = Math.floor((i * this.config.interval) / this.targets.length);
      const first = setTimeout(() => {
        this.run(target);
        const every = setInterval(() => this.run(target), this.config.interval);
        every.unref();
        this.timers.push(every);
      }, offset);
      first.unref();
      this.timers.push(first);
    });
    this.ctx.log.info(
      { source: this.name, targets: this.targets.map((t) => t.url) },
      'prometheus source scraping',
    );
  }

  /** Scrape one target now and store what it gave (used by the timers; public for tests). */
  scrapeNow(index = 0): Promise<void> {
    return this.run(this.targets[index]!);
  }

  private run(target: ScrapeTarget): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const job = this.scrapeAndStore(target);
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    return job;
  }

  private async scrapeAndStore(target: ScrapeTarget): Promise<void> {
    const { ctx, config, name } = this;
    let token = config.bearer_token;
    try {
      if (config.bearer_token_file) token = (await readFile(config.bearer_token_file, 'utf8')).trim();
    } catch (error) {
      ctx.log.warn(
        { source: name, err: { message: (error as Error).message } },
        'cannot read bearer_token_file',
      );
    }
    const result = await scrape(target, {
      timeoutMs: config.timeout,
      token,
      honorLabels: config.honor_labels,
      maxBodyBytes: config.max_body_bytes,
    });
    ctx.metrics.received.inc({ source: name }, result.samples);
    if (!result.up) {
      ctx.metrics.reject(name, 'scrape_failed', 1, {
        position: target.url,
        message: result.failure ?? 'scrape failed',
      });
      ctx.log.warn({ source: name, target: target.url, reason: result.failure }, 'scrape failed');
    }
    const byReason = new Map<string, number>();
    for (const e of result.errors) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
    result.errors.slice(0, SAMPLED_ERRORS).forEach((e) => {
      ctx.metrics.reject(name, e.reason, 1, { position: `${target.url} line ${e.line}`, message: e.message });
      byReason.set(e.reason, byReason.get(e.reason)! - 1);
    });
    for (const [reason, n] of byReason) if (n > 0) ctx.metrics.reject(name, reason, n);
    try {
      await this.sink!.writeMetrics(result.points);
    } catch (error) {
      ctx.metrics.reject(name, 'store_failed', result.points.length, {
        position: target.url,
        message: `metric points could not be stored: ${(error as Error).message}`,
      });
      ctx.log.error({ source: name, target: target.url, err: error }, 'scraped points could not be stored');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.allSettled([...this.inFlight]);
    if (this.ownStore) await this.ownStore.close();
    this.ownStore = undefined;
  }

  describe(): string {
    return `scraping ${this.targets.map((t) => t.url).join(', ')} every ${this.config.interval / 1000}s`;
  }
}

export const prometheusSource: SourceType<typeof prometheusSchema> = {
  type: 'prometheus',
  description: 'Scrape Prometheus / OpenMetrics endpoints into the metric store.',
  schema: prometheusSchema,
  create: (name, config, ctx) => new PrometheusSource(name, config, ctx),
};
