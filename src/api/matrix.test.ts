/**
 * The authorization matrix: every route the API registers × every built-in role (and no token),
 * checked against one declared table. A route registered without an entry here fails the test, so
 * no future route slips through unauthenticated or with an unreviewed permission. The table is
 * written by hand, independently of api/auth.ts: it is what the roles are meant to allow.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { EventStore } from '../store/duckdb.js';
import { buildTestApi, type TestApi } from './access.testing.js';
import { BUILTIN_ROLES, type BuiltinRole } from './auth.js';
import { registeredRoutes, type RouteEntry } from './server.js';

/** `public`: no token needed; `session`: needs a login session (logout); else the roles allowed. */
type Expect = 'public' | 'session' | readonly BuiltinRole[];

const SEARCHERS = ['admin', 'analyst', 'responder', 'developer', 'auditor'] as const;
const ALERT_READERS = ['admin', 'analyst', 'responder'] as const;
const ALERT_WRITERS = ['admin', 'responder'] as const;
const APP_READERS = ['admin', 'analyst', 'developer'] as const;

const ACCESS_MATRIX: Readonly<Record<string, Expect>> = {
  'GET /healthz': 'public',
  'GET /metrics': ['admin', 'analyst', 'auditor', 'monitor'],
  'POST /api/v1/ingest': ['admin', 'ingest'],
  'GET /api/v1/search': SEARCHERS,
  'GET /api/v1/dropped': SEARCHERS,
  'GET /api/v1/evidence/key': ['admin', 'auditor'],
  'GET /api/v1/evidence/verify': ['admin', 'auditor'],
  'GET /api/v1/evidence/export': ['admin', 'auditor'],
  'GET /api/v1/tokens': ['admin'],
  'POST /api/v1/tokens': ['admin'],
  'DELETE /api/v1/tokens/:id': ['admin'],
  'POST /api/v1/login': 'public',
  'POST /api/v1/logout': 'session',
  'GET /api/v1/console/me': SEARCHERS,
  'GET /api/v1/console/fields': SEARCHERS,
  'GET /*': 'public',
  // Routes of the alerts, traces and metrics modules, once the server registers them.
  'GET /api/v1/alerts': ALERT_READERS,
  'GET /api/v1/alerts/:id': ALERT_READERS,
  'POST /api/v1/alerts/:id/ack': ALERT_WRITERS,
  'POST /api/v1/alerts/:id/assign': ALERT_WRITERS,
  'POST /api/v1/alerts/:id/comment': ALERT_WRITERS,
  'POST /api/v1/alerts/:id/close': ALERT_WRITERS,
  'POST /api/v1/alerts/:id/reopen': ALERT_WRITERS,
  'GET /api/v1/traces': APP_READERS,
  'GET /api/v1/traces/:traceId': APP_READERS,
  'GET /api/v1/metrics/query': APP_READERS,
  'GET /api/v1/metrics/names': APP_READERS,
  'GET /api/v1/metrics/labels': APP_READERS,
  'POST /api/v1/prom/write': ['admin', 'ingest'],
};

const key = (r: RouteEntry) => `${r.method} ${r.url}`;

/** Routes without an entry in the matrix. */
function unlisted(routes: readonly RouteEntry[]): string[] {
  return routes.map(key).filter((k) => !Object.hasOwn(ACCESS_MATRIX, k));
}

function concreteUrl(url: string): string {
  return url
    .replace(':traceId', '0123456789abcdef0123456789abcdef')
    .replace(/:\w+/g, 'x')
    .replace('*', 'index.html');
}

let store: EventStore;
let api: TestApi;
before(async () => {
  store = await EventStore.open(tempDir('vigil-matrix-'));
  api = buildTestApi(store);
  await api.app.ready();
});
after(async () => {
  await api.app.close();
  await store.close();
});

test('every registered route has an entry in the access matrix', () => {
  const routes = registeredRoutes(api.app);
  assert.ok(routes.length >= 15, `routes seen: ${routes.map(key).join(', ')}`);
  assert.deepEqual(unlisted(routes), []);
});

test('a new route without an entry is caught', async () => {
  const other = buildTestApi(store);
  other.app.get('/api/v1/sneaky', async () => ({ secrets: true }));
  await other.app.ready();
  assert.deepEqual(unlisted(registeredRoutes(other.app)), ['GET /api/v1/sneaky']);
  await other.app.close();
});

test('route × role: allowed roles get through, others 403, no token 401', async () => {
  const roles = Object.keys(BUILTIN_ROLES) as BuiltinRole[];
  const failures: string[] = [];
  for (const route of registeredRoutes(api.app)) {
    const expected = ACCESS_MATRIX[key(route)]!;
    const call = (token?: string) =>
      api.app.inject({
        method: route.method as 'GET',
        url: concreteUrl(route.url),
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: '{}' }),
      });
    const anonymous = (await call()).statusCode;
    if (expected === 'public') {
      if (anonymous === 401 || anonymous === 403) failures.push(`${key(route)} anonymous: ${anonymous}`);
      continue;
    }
    if (anonymous !== 401) failures.push(`${key(route)} anonymous: ${anonymous}, expected 401`);
    for (const role of roles) {
      const status = (await call(api.tokens[role])).statusCode;
      const allowed = expected !== 'session' && expected.includes(role);
      const want = expected === 'session' ? 401 : allowed ? 'not 401/403' : 403;
      const ok =
        expected === 'session' ? status === 401 : allowed ? status !== 401 && status !== 403 : status === 403;
      if (!ok) failures.push(`${key(route)} ${role}: ${status}, expected ${want}`);
    }
  }
  assert.deepEqual(failures, []);
});
