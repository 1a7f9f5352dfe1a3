/**
 * Trace routes of the API: `GET /api/v1/traces` (trace summaries by service, latency, status,
 * attribute, user, time range) and `GET /api/v1/traces/:traceId` (the trace's spans in start order
 * with their depth, and the logs of the trace: events whose `unmapped.trace_id` is the trace id,
 * found through the event search). Both need the permission `traces:read`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { runSearch } from '../query/search.js';
import type { EventStore } from '../store/duckdb.js';
import { parseTimeBound } from '../query/timerange.js';
import type { SpanStore, TraceFilter } from './store.js';

export const TRACES_PERMISSION = 'traces:read';

export interface TraceRouteDeps {
  traces: Pick<SpanStore, 'listTraces' | 'getTrace'>;
  store: EventStore;
  /** The API's permission check (answers 401/403 itself and returns false). */
  authorize: (
    permission: typeof TRACES_PERMISSION,
  ) => (request: FastifyRequest, reply: FastifyReply) => boolean;
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;
/** Logs returned with a trace, at most. */
export const TRACE_LOG_LIMIT = 1000;

/** The search query for the logs of a trace (the id is checked hex, so it is one plain word). */
export function traceLogsQuery(traceId: string): string {
  if (!TRACE_ID.test(traceId)) throw new RangeError(`not a trace id: ${traceId}`);
  return `unmapped.trace_id=${traceId.toLowerCase()}`;
}

class FilterError extends Error {}

/**
 * Query string → filter. `attr` is `key=value` and may repeat; `min_duration`/`max_duration` in
 * ms; `from`/`to` as the search API takes them (ISO, epoch ms, relative like -1h).
 */
export function traceFilterFromQuery(
  query: Record<string, string | string[] | undefined>,
  now = Date.now(),
): TraceFilter {
  const one = (name: string): string | undefined => {
    const v = query[name];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const number = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new FilterError(`${name}: expected a non-negative number, got '${v}'`);
    return n;
  };
  const filter: TraceFilter = {};
  const service = one('service');
  if (service) filter.service = service;
  const user = one('user');
  if (user) filter.user = user;
  const status = one('status');
  if (status !== undefined && status !== '') {
    if (status !== 'error' && status !== 'ok')
      throw new FilterError(`status: expected error or ok, got '${status}'`);
    filter.status = status;
  }
  const min = number('min_duration');
  if (min !== undefined) filter.minDurationMs = min;
  const max = number('max_duration');
  if (max !== undefined) filter.maxDurationMs = max;
  const limit = number('limit');
  if (limit !== undefined) filter.limit = limit;
  const attrs = query.attr === undefined ? [] : Array.isArray(query.attr) ? query.attr : [query.attr];
  for (const a of attrs) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new FilterError(`attr: expected key=value, got '${a}'`);
    (filter.attributes ??= {})[a.slice(0, eq)] = a.slice(eq + 1);
  }
  for (const bound of ['from', 'to'] as const) {
    const v = one(bound);
    if (v === undefined || v === '') continue;
    try {
      filter[bound] = parseTimeBound(v, now);
    } catch (error) {
      throw new FilterError(`${bound}: ${(error as Error).message}`);
    }
  }
  return filter;
}

export function registerTraceRoutes(app: FastifyInstance, deps: TraceRouteDeps): void {
  const authorize = deps.authorize(TRACES_PERMISSION);
  app.get('/api/v1/traces', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    let filter: TraceFilter;
    try {
      filter = traceFilterFromQuery(request.query as Record<string, string | string[] | undefined>);
    } catch (error) {
      if (error instanceof FilterError)
        return reply.code(400).send({ error: 'bad_request', message: error.message });
      throw error;
    }
    const traces = await deps.traces.listTraces(filter);
    return reply.send({ traces });
  });
  app.get('/api/v1/traces/:traceId', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const { traceId } = request.params as { traceId: string };
    if (!TRACE_ID.test(traceId))
      return reply
        .code(400)
        .send({ error: 'bad_request', message: `not a trace id (32 hex digits): '${traceId}'` });
    const spans = await deps.traces.getTrace(traceId);
    const logs = await runSearch(deps.store, traceLogsQuery(traceId), { limit: TRACE_LOG_LIMIT });
    if (spans.length === 0 && (logs.kind !== 'events' || logs.events.length === 0))
      return reply.code(404).send({ error: 'not_found', message: `no spans or logs of trace ${traceId}` });
    return reply.send({
      traceId: traceId.toLowerCase(),
      spans,
      logs: logs.kind === 'events' ? logs.events : [],
    });
  });
}
