/**
 * The metric API routes (a thin shell over run.ts and the store):
 *   GET /api/v1/metrics/query?q=&from=&to=&step=   a metric query (docs/query.md, "## Metrics")
 *   GET /api/v1/metrics/names                       metric names with kind, unit, series count
 *   GET /api/v1/metrics/labels?name=                a metric's label names and their values
 * `from`/`to` take what search takes (ISO 8601, epoch, -15m, now-1h); `step` a duration (30s, 5m)
 * or seconds. Bad queries and windows answer 400 with the reason (and the position for syntax).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration, parseTimeBound } from '../query/timerange.js';
import { MetricQuerySyntaxError } from './query.js';
import { runMetricQuery } from './run.js';
import type { MetricStore } from './store.js';

export interface MetricRoutesOptions {
  metrics: MetricStore;
  /** Check the caller may read metrics; answers 401/403 itself and returns false. */
  authorize: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

/** A step as given: a duration (`30s`, `5m`) or a number of seconds. */
export function parseStep(text: string): number {
  const d = parseDuration(text);
  if (d !== undefined && d > 0) return d;
  const seconds = Number(text);
  if (text.trim() !== '' && Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000);
  throw new RangeError(
    `invalid step ${JSON.stringify(text.slice(0, 40))}: expected a duration such as 30s or 5m, or seconds`,
  );
}

export function registerMetricRoutes(app: FastifyInstance, options: MetricRoutesOptions): void {
  const { metrics } = options;
  app.get('/api/v1/metrics/query', async (request, reply) => {
    if (!options.authorize(request, reply)) return reply;
    const q = request.query as Record<string, string | undefined>;
    if (!q.q)
      return reply.code(400).send({ error: 'bad_query', message: 'q (the metric query) is required' });
    const now = Date.now();
    try {
      const answer = await runMetricQuery(metrics, q.q, {
        now,
        from: q.from ? parseTimeBound(q.from, now) : undefined,
        to: q.to ? parseTimeBound(q.to, now) : undefined,
        step: q.step ? parseStep(q.step) : undefined,
      });
      return reply.send(answer);
    } catch (error) {
      if (error instanceof MetricQuerySyntaxError)
        return reply.code(400).send({ error: 'bad_query', message: error.message, position: error.position });
      if (error instanceof RangeError)
        return reply.code(400).send({ error: 'bad_query', message: error.message });
      throw error;
    }
  });

  app.get('/api/v1/metrics/names', async (request, reply) => {
    if (!options.authorize(request, reply)) return reply;
    return reply.send({ names: await metrics.names() });
  });

  app.get('/api/v1/metrics/labels', async (request, reply) => {
    if (!options.authorize(request, reply)) return reply;
    const { name } = request.query as Record<string, string | undefined>;
    if (!name)
      return reply.code(400).send({ error: 'bad_request', message: 'name (a metric name) is required' });
    return reply.send({ name, labels: await metrics.labels(name) });
  });
}
