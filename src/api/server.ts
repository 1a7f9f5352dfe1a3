/**
 * The API server: HTTP ingest, search, evidence, tokens, logins and /metrics. Every route but
 * `/healthz`, `/api/v1/login` and the console's static files calls `authorize(permission)`: an API
 * token or a login session, a role that grants the permission (api/auth.ts), and the role's data
 * classes handed to searches. An onResponse hook writes the audit log: every API call but ingest
 * and /metrics, and every 401/403 anywhere.
 */
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
import { NO_AUDIT, type AuditEntry, type AuditSink } from '../audit/audit.js';
import { BUILTIN_ROLE_SET, type Permission, type Principal, type RoleSet, type TokenStore } from './auth.js';
import { dummyHash, MAX_PASSWORD_LENGTH, needsRehash, verifyPassword } from './password.js';
import { DEFAULT_THROTTLE, LoginThrottle, SESSION_PREFIX, type SessionStore } from './sessions.js';
import { CertReloader, type SecureServer, type TlsFiles } from './tls.js';
import type { UserStore } from './users.js';
import type { AlertManager } from '../alerts/manager.js';
import { registerAlertRoutes } from '../alerts/routes.js';
import { registerMetricRoutes } from '../metrics/api.js';
import { registerRemoteWrite } from '../metrics/remote-write.js';
import type { MetricStore } from '../metrics/store.js';
import { registerTraceRoutes } from '../traces/api.js';
import type { SpanStore } from '../traces/store.js';
import { defaultWebDir, registerConsole } from './console.js';
import { registerConsoleRoutes } from './console-routes.js';

export interface ApiOptions {
  address: string;
  port: number;
  maxBodyBytes: number;
  /** HTTPS (optionally mutual TLS), the files watched and swapped on rotation (api/tls.ts). */
  tls?: TlsFiles & { reload_interval_ms?: number };
  queryTimeoutMs: number;
  /** Failed logins per user and address before a lockout (default 5). */
  loginMaxFailures?: number;
  /** How often the users file is checked for changes to audit (ms, default 2000). */
  userPollMs?: number;
}

export interface ApiDeps {
  store: EventStore;
  sink: Sink;
  metrics: Metrics;
  tokens: TokenStore;
  log: Logger;
  /** The evidence log, when enabled. */
  evidence?: EvidenceParts;
  /** Built-in and configured roles (default: built-in only). */
  roles?: RoleSet;
  /** Password logins (the console); without them /api/v1/login answers 404. */
  users?: UserStore;
  sessions?: SessionStore;
  /** Where audit entries go (src/audit/audit.ts AuditLog); default: nowhere. */
  audit?: AuditSink;
  /** Alerts (GET/POST /api/v1/alerts...), spans (/api/v1/traces), metrics (/api/v1/metrics, remote-write). */
  alerts?: AlertManager;
  spans?: SpanStore;
  metricStore?: MetricStore;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The permission the route asked for (set by authorize; the audit hook reads it). */
    permissionAsked?: Permission;
    /** What the audit hook records for this request, when the route knows better than the URL. */
    auditAs?: { action: string; target?: string; details?: Record<string, unknown> };
    /** The route wrote its own audit entry. */
    audited?: boolean;
  }
}

/** Permissions whose successful calls are not audited (high-volume machine traffic). */
const UNAUDITED_PERMISSIONS: ReadonlySet<Permission> = new Set(['ingest', 'metrics']);

/** The bearer token of a request, if any. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

function userAgent(request: FastifyRequest): string | undefined {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 512) : undefined;
}

export interface RouteEntry {
  method: string;
  url: string;
}

const ROUTE_LISTS = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered on an API built by buildApi (HEAD twins of GET routes left out). */
export function registeredRoutes(app: FastifyInstance): readonly RouteEntry[] {
  return ROUTE_LISTS.get(app) ?? [];
}

export function buildApi(options: ApiOptions, deps: ApiDeps): FastifyInstance {
  const roles = deps.roles ?? BUILTIN_ROLE_SET;
  const audit = deps.audit ?? NO_AUDIT;
  const tls = options.tls
    ? new CertReloader(options.tls, {
        log: deps.log,
        name: 'api',
        intervalMs: options.tls.reload_interval_ms ?? 5000,
      })
    : undefined;
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }),
    // Per-request log lines would cost more than the ingest work itself; failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    ...(tls ? { https: tls.serverOptions() } : {}),
  }) as unknown as FastifyInstance;
  const routes: RouteEntry[] = [];
  ROUTE_LISTS.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method: String(method), url: route.url });
  });
  if (tls) {
    tls.attach(app.server as unknown as SecureServer);
    app.addHook('onClose', async () => tls.close());
  }

  // Bodies arrive as bytes: ingest decodes them itself (gzip, zstd, NDJSON, arrays).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  /** The caller: an API token, or a login session of a user who still exists. */
  const authenticate = (request: FastifyRequest): Principal | undefined => {
    const token = bearer(request);
    const principal = deps.tokens.verify(token);
    if (principal) return { ...principal, kind: 'token' };
    const session = deps.sessions?.verify(token);
    const user = session ? deps.users?.get(session.user) : undefined;
    if (!session || !user) return undefined;
    return { tokenId: session.id, name: user.name, role: user.role, kind: 'session' };
  };

  /** Authenticate and check one permission; answers 401/403 itself. */
  const authorize =
    (permission: Permission) =>
    (request: FastifyRequest, reply: FastifyReply): boolean => {
      request.permissionAsked = permission;
      const principal = authenticate(request);
      if (!principal) {
        void reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="vigil"')
          .send({ error: 'unauthorized', message: 'a valid bearer token is required' });
        return false;
      }
      request.principal = principal;
      if (!roles.can(principal.role, permission)) {
        void reply
          .code(403)
          .send({ error: 'forbidden', message: `role '${principal.role}' may not ${permission}` });
        return false;
      }
      request.principal = {
        ...principal,
        permissions: roles.get(principal.role)?.permissions ?? [],
        dataClasses: roles.dataClasses(principal.role),
      };
      return true;
    };

  const entryFor = (request: FastifyRequest, status: number): AuditEntry => {
    const p = request.principal;
    const path = request.url.split('?')[0]!.slice(0, 512);
    const denied = status === 401 || status === 403;
    return {
      action: request.auditAs?.action ?? `api.${request.method.toLowerCase()}`,
      actor: p
        ? { name: p.name, role: p.role, kind: p.kind ?? 'token' }
        : { name: 'anonymous', kind: 'none' },
      target: request.auditAs?.target ?? path,
      result: denied ? 'denied' : status >= 500 ? 'error' : status >= 400 ? 'error' : 'ok',
      ip: request.ip,
      ...(userAgent(request) ? { user_agent: userAgent(request) } : {}),
      http: { method: request.method, path, status, request_id: request.id },
      ...(request.auditAs?.details || request.permissionAsked
        ? { details: { ...request.auditAs?.details, permission: request.permissionAsked } }
        : {}),
    };
  };

  // The audit trail of API calls: after the answer, never in its way. Ingest and /metrics only
  // when refused; the console's files and /healthz never (they call no authorize).
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const denied = status === 401 || status === 403;
    const asked = request.permissionAsked;
    if (!request.audited && (denied || (asked !== undefined && !UNAUDITED_PERMISSIONS.has(asked))))
      audit.record(entryFor(request, status));
    done();
  });

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
    const q = request.query as Record<string, string | undefined>;
    request.auditAs = { action: 'search', target: q.q ?? '', details: { from: q.from, to: q.to } };
    if (!authorize('search')(request, reply)) return reply;
    const now = Date.now();
    try {
      const result = await runSearch(deps.store, q.q ?? '', {
        dataClasses: request.principal!.dataClasses ?? [],
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
    // Rejected records are raw security telemetry: their text only for who may see that class.
    const samples = request.principal!.dataClasses?.includes('security')
      ? deps.metrics.dropped.list({ source: q.source, reason: q.reason, limit })
      : [];
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
    request.auditAs = { action: 'evidence.verify' };
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
    const q = request.query as Record<string, string | undefined>;
    request.auditAs = { action: 'evidence.export', target: q.q ?? '', details: { from: q.from, to: q.to } };
    if (!authorize('evidence')(request, reply)) return reply;
    if (!deps.evidence) return reply.code(404).send({ error: 'disabled', message: 'evidence is disabled' });
    const now = Date.now();
    try {
      const lines: string[] = [];
      // The caller's data classes travel to the search that selects the events (exportEvidence
      // passes its options on to runSearch).
      const exportOptions = {
        from: q.from ? parseTimeBound(q.from, now) : undefined,
        to: q.to ? parseTimeBound(q.to, now) : undefined,
        dataClasses: request.principal!.dataClasses ?? [],
      };
      for await (const line of exportEvidence(deps.store, deps.evidence, q.q ?? '', exportOptions))
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
    request.auditAs = { action: 'token.create' };
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
      !roles.has(role)
    ) {
      return reply.code(400).send({
        error: 'bad_request',
        message: `name must match [\\w.@-]{1,64}; role one of ${roles.names().join(', ')}`,
      });
    }
    const { token, record } = deps.tokens.create(name, role);
    request.auditAs = { action: 'token.create', target: record.id, details: { name, role } };
    return reply.code(201).send({ token, id: record.id, name, role });
  });

  app.delete('/api/v1/tokens/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    request.auditAs = { action: 'token.revoke', target: id };
    if (!authorize('tokens')(request, reply)) return reply;
    return deps.tokens.revoke(id) ? reply.code(204).send() : reply.code(404).send({ error: 'not_found' });
  });

  // Users changed through the CLI (the file): audited, and a removed user's or changed password's
  // sessions end.
  if (deps.users) {
    const users = deps.users;
    const poll = () => {
      try {
        for (const change of users.changes()) {
          audit.record({
            action: change.action,
            actor: { name: 'local', kind: 'local' },
            target: change.user,
            result: 'ok',
            ...(change.role ? { details: { role: change.role } } : {}),
          });
          if (change.action === 'user.remove' || change.action === 'user.password')
            deps.sessions?.revokeUser(change.user);
        }
      } catch (error) {
        deps.log.warn({ err: (error as Error).message }, 'users file not read');
      }
    };
    poll();
    const timer = setInterval(poll, options.userPollMs ?? 2000);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  registerLogin(
    app,
    deps,
    audit,
    new LoginThrottle({ ...DEFAULT_THROTTLE, maxFailures: options.loginMaxFailures ?? 5 }),
  );

  if (deps.alerts) registerAlertRoutes(app, { alerts: deps.alerts, authorize });
  if (deps.spans) registerTraceRoutes(app, { traces: deps.spans, store: deps.store, authorize });
  if (deps.metricStore) {
    registerMetricRoutes(app, { metrics: deps.metricStore, authorize: authorize('metrics:read') });
    registerRemoteWrite(app, { metrics: deps.metricStore, authorize: authorize('ingest') });
  }
  registerConsoleRoutes(app, { store: deps.store, authorize });
  registerConsole(app, { webDir: defaultWebDir() });
  return app;
}

/**
 * POST /api/v1/login {username, password} → {token, expires_at, user, role}: a session token for
 * the console. Wrong name and wrong password answer alike (401, same scrypt work); a user+address
 * pair past its failure limit gets 429 with Retry-After without its password being tried. Every
 * attempt is audited with its outcome. POST /api/v1/logout ends the session of its bearer token.
 */
function registerLogin(app: FastifyInstance, deps: ApiDeps, audit: AuditSink, throttle: LoginThrottle): void {
  const where = (request: FastifyRequest) => ({
    ip: request.ip,
    ...(userAgent(request) ? { user_agent: userAgent(request) } : {}),
  });
  app.post('/api/v1/login', async (request, reply) => {
    const { users, sessions } = deps;
    if (!users || !sessions)
      return reply.code(404).send({ error: 'disabled', message: 'password logins are not enabled' });
    let body: { username?: unknown; password?: unknown };
    try {
      body = JSON.parse(String(request.body ?? '{}')) as typeof body;
    } catch {
      body = {};
    }
    const { username, password } = body ?? {};
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      username.length === 0 ||
      username.length > 64 ||
      password.length > MAX_PASSWORD_LENGTH
    )
      return reply
        .code(400)
        .send({ error: 'bad_request', message: 'body must be JSON {username, password}' });
    request.audited = true;
    const record = (result: AuditEntry['result'], details: Record<string, unknown>) =>
      audit.record({
        action: 'login',
        actor: { name: username, kind: 'password' },
        target: username,
        result,
        ...where(request),
        details,
      });
    const now = Date.now();
    const wait = throttle.retryAfterMs(username, request.ip, now);
    if (wait > 0) {
      record('denied', { reason: 'throttled', retry_after_ms: wait });
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .send({ error: 'too_many_attempts', message: 'too many failed logins; try again later' });
    }
    const user = users.get(username);
    const ok = await verifyPassword(password, user?.password ?? (await dummyHash()));
    if (!user || !ok) {
      const { failures, lockedForMs } = throttle.fail(username, request.ip, Date.now());
      record('denied', {
        reason: user ? 'bad_password' : 'unknown_user',
        failures,
        ...(lockedForMs > 0 ? { locked_for_ms: lockedForMs } : {}),
      });
      return reply.code(401).send({ error: 'unauthorized', message: 'wrong user name or password' });
    }
    throttle.succeed(username, request.ip);
    const { token, session } = sessions.create(user.name);
    record('ok', {
      session: session.id,
      role: user.role,
      ...(needsRehash(user.password) ? { weak_hash: true } : {}),
    });
    return reply.send({
      token,
      expires_at: new Date(session.expires_at).toISOString(),
      user: user.name,
      role: user.role,
    });
  });

  app.post('/api/v1/logout', async (request, reply) => {
    const token = bearer(request);
    const session = deps.sessions?.verify(token);
    request.audited = true;
    if (!session || !token?.startsWith(SESSION_PREFIX)) {
      audit.record({
        action: 'logout',
        actor: { name: 'anonymous', kind: 'none' },
        result: 'denied',
        ...where(request),
      });
      return reply.code(401).send({ error: 'unauthorized', message: 'a login session token is required' });
    }
    deps.sessions!.revoke(token);
    audit.record({
      action: 'logout',
      actor: { name: session.user, kind: 'session' },
      target: session.user,
      result: 'ok',
      ...where(request),
      details: { session: session.id },
    });
    return reply.code(204).send();
  });
}
