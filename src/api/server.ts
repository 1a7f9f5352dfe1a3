import { readFileSync } from 'node:fs';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { QuerySyntaxError } from '../query/parser.js';
import { runSearch } from '../query/search.js';
import { parseTimeBound } from '../query/timerange.js';
import { registerHttpIngest } from '../sources/http.js';
import type { Sink } from '../sources/source.js';
import type { EventStore } from '../store/duckdb.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { BundleError } from '../evidence/bundle.js';
import { exportEvidence, verifyInstallation, type EvidenceParts } from '../evidence/service.js';
import { can, isRole, ROLES, type Permission, type Principal, type TokenStore } from './auth.js';

export interface ApiOptions {
  address: string;
  port: number;
  maxBodyBytes: number;
  tls?: { cert: string; key: string };
  queryTimeoutMs: number;
}

export interface ApiDeps {
  store: EventStore;
  sink: Sink;
  metrics: Metrics;
  tokens: TokenStore;
  log: Logger;
  /** The evidence log, when enabled. */
  evidence?: EvidenceParts;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The API server: HTTP ingest, search, tokens and /metrics, every route behind a bearer token. */
export function buildApi(options: ApiOptions, deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }),
    // Per-request log lines would cost more than the ingest work itself; failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    ...(options.tls
      ? { https: { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) } }
      : {}),
  }) as unknown as FastifyInstance;

  // Bodies arrive as bytes: ingest decodes them itself (gzip, zstd, NDJSON, arrays).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  /** Authenticate and check one permission; answers 401/403 itself. */
  const authorize =
    (permission: Permission) =>
    (request: FastifyRequest, reply: FastifyReply): boolean => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      const principal = deps.tokens.verify(token);
      if (!principal) {
        void reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="vigil"')
          .send({ error: 'unauthorized', message: 'a valid bearer token is required' });
        return false;
      }
      if (!can(principal, permission)) {
        void reply
          .code(403)
          .send({ error: 'forbidden', message: `role '${principal.role}' may not ${permission}` });
        return false;
      }
      request.principal = principal;
      return true;
    };

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      deps.metrics.reject('http', 'too_large');
      return reply.code(413).send({ error: 'payload_too_large', message: error.message });
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply
      .code(status)
      .send({ error: status >= 500 ? 'internal' : 'bad_request', message: error.message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/metrics', async (request, reply) => {
    if (!authorize('metrics')(request, reply)) return reply;
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  registerHttpIngest(app, {
    sink: deps.sink,
    metrics: deps.metrics,
    maxBodyBytes: options.maxBodyBytes,
    authorize: authorize('ingest'),
  });

  app.get('/api/v1/search', async (request, reply) => {
    if (!authorize('search')(request, reply)) return reply;
    const q = request.query as Record<string, string | undefined>;
    const now = Date.now();
    try {
      const result = await runSearch(deps.store, q.q ?? '', {
        from: q.from ? parseTimeBound(q.from, now) : undefined,
        to: q.to ? parseTimeBound(q.to, now) : undefined,
        limit: q.limit ? Number(q.limit) : undefined,
        now,
        timeoutMs: options.queryTimeoutMs,
      });
      return reply.send(result);
    } catch (error) {
      if (error instanceof QuerySyntaxError || error instanceof RangeError) {
        return reply.code(400).send({ error: 'bad_query', message: error.message });
      }
      throw error;
    }
  });

  // Why was it dropped: counters of every rejection by source and reason, and the bounded sample
  // of rejected records with their errors. Raw records are data, so this needs `search`.
  app.get('/api/v1/dropped', async (request, reply) => {
    if (!authorize('search')(request, reply)) return reply;
    const q = request.query as Record<string, string | undefined>;
    const limit = q.limit !== undefined ? Number(q.limit) : 100;
    if (!Number.isInteger(limit) || limit <= 0 || limit > 10_000)
      return reply
        .code(400)
        .send({ error: 'bad_request', message: 'limit must be a whole number from 1 to 10000' });
    const counters = await deps.metrics.rejected.get();
    const counts = counters.values
      .map((v) => ({ source: String(v.labels.source), reason: String(v.labels.reason), count: v.value }))
      .filter(
        (c) =>
          (q.source === undefined || c.source === q.source) &&
          (q.reason === undefined || c.reason === q.reason),
      )
      .sort((a, b) => b.count - a.count);
    const samples = deps.metrics.dropped.list({ source: q.source, reason: q.reason, limit });
    return reply.send({ counts, samples });
  });

  // Evidence: verification of the whole store against the Merkle log and signed heads, export of
  // events with inclusion proofs, and the public key to check them with.
  app.get('/api/v1/evidence/key', async (request, reply) => {
    if (!authorize('evidence')(request, reply)) return reply;
    if (!deps.evidence) return reply.code(404).send({ error: 'disabled', message: 'evidence is disabled' });
    return reply.type('application/x-pem-file').send(deps.evidence.signer.exportPublicKey());
  });
  app.get('/api/v1/evidence/verify', async (request, reply) => {
    if (!authorize('evidence')(request, reply)) return reply;
    if (!deps.evidence) return reply.code(404).send({ error: 'disabled', message: 'evidence is disabled' });
    const q = request.query as Record<string, string | undefined>;
    const now = Date.now();
    try {
      const window = {
        from: q.from ? parseTimeBound(q.from, now) : undefined,
        to: q.to ? parseTimeBound(q.to, now) : undefined,
      };
      await deps.evidence.freshHead();
      return reply.send(await verifyInstallation(deps.store, deps.evidence, window));
    } catch (error) {
      if (error instanceof RangeError)
        return reply.code(400).send({ error: 'bad_request', message: error.message });
      throw error;
    }
  });
  app.get('/api/v1/evidence/export', async (request, reply) => {
    if (!authorize('evidence')(request, reply)) return reply;
    if (!deps.evidence) return reply.code(404).send({ error: 'disabled', message: 'evidence is disabled' });
    const q = request.query as Record<string, string | undefined>;
    const now = Date.now();
    try {
      const lines: string[] = [];
      for await (const line of exportEvidence(deps.store, deps.evidence, q.q ?? '', {
        from: q.from ? parseTimeBound(q.from, now) : undefined,
        to: q.to ? parseTimeBound(q.to, now) : undefined,
      }))
        lines.push(line);
      return reply.type('application/x-ndjson').send(lines.join(''));
    } catch (error) {
      if (error instanceof QuerySyntaxError || error instanceof RangeError || error instanceof BundleError)
        return reply.code(400).send({ error: 'bad_request', message: error.message });
      throw error;
    }
  });

  app.get('/api/v1/tokens', async (request, reply) => {
    if (!authorize('tokens')(request, reply)) return reply;
    return reply.send({ tokens: deps.tokens.list().map(({ sha256: _hash, ...t }) => t) });
  });

  app.post('/api/v1/tokens', async (request, reply) => {
    if (!authorize('tokens')(request, reply)) return reply;
    let body: { name?: unknown; role?: unknown };
    try {
      body = JSON.parse(String(request.body ?? '{}')) as typeof body;
    } catch {
      return reply.code(400).send({ error: 'bad_request', message: 'body must be JSON {name, role}' });
    }
    const { name, role } = body;
    if (
      typeof name !== 'string' ||
      !/^[\w.@-]{1,64}$/.test(name) ||
      typeof role !== 'string' ||
      !isRole(role)
    ) {
      return reply.code(400).send({
        error: 'bad_request',
        message: `name must match [\\w.@-]{1,64}; role one of ${Object.keys(ROLES).join(', ')}`,
      });
    }
    const { token, record } = deps.tokens.create(name, role);
    return reply.code(201).send({ token, id: record.id, name, role });
  });

  app.delete('/api/v1/tokens/:id', async (request, reply) => {
    if (!authorize('tokens')(request, reply)) return reply;
    const { id } = request.params as { id: string };
    return deps.tokens.revoke(id) ? reply.code(204).send() : reply.code(404).send({ error: 'not_found' });
  });

  return app;
}
