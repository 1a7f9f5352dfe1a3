/**
 * Logins, sessions, scoped search and the audit trail through the real API (Fastify inject).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApi, mixedStores, type MixedStores, type TestApi } from './access.testing.js';

let stores: MixedStores;
let api: TestApi;
before(async () => {
  stores = await mixedStores();
  api = buildTestApi(stores.mixed, { loginMaxFailures: 3 });
  await api.users.add('dev', 'developer', 'dev-password-1');
  await api.users.add('ana', 'analyst', 'ana-password-1');
});
after(async () => {
  await api.app.close();
  await stores.close();
});

const login = (username: string, password: string, ip = '192.0.2.1') =>
  api.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: JSON.stringify({ username, password }),
    headers: { 'content-type': 'application/json', 'user-agent': 'test-agent' },
    remoteAddress: ip,
  });

const search = (token: string, q: string) =>
  api.app.inject({
    method: 'GET',
    url: `/api/v1/search?q=${encodeURIComponent(q)}&limit=1000`,
    headers: { authorization: `Bearer ${token}` },
  });

test('login gives a session token whose searches are scoped to the user role; logout ends it', async () => {
  const answer = await login('dev', 'dev-password-1');
  assert.equal(answer.statusCode, 200, answer.body);
  const body = answer.json<{ token: string; role: string; user: string; expires_at: string }>();
  assert.equal(body.role, 'developer');
  assert.match(body.token, /^vgs_/);
  assert.ok(Date.parse(body.expires_at) > Date.now());

  const found = await search(body.token, 'SECMARK OR APPMARK OR AUDMARK');
  assert.equal(found.statusCode, 200);
  const ids = found.json<{ events: { metadata: { uid: string } }[] }>().events.map((e) => e.metadata.uid);
  assert.ok(ids.length === stores.appIds.size && ids.every((id) => stores.appIds.has(id)));
  // Developers may not verify or export evidence, nor manage tokens.
  const evidence = await api.app.inject({
    url: '/api/v1/evidence/export?q=*',
    headers: { authorization: `Bearer ${body.token}` },
  });
  assert.equal(evidence.statusCode, 403);

  const out = await api.app.inject({
    method: 'POST',
    url: '/api/v1/logout',
    headers: { authorization: `Bearer ${body.token}` },
  });
  assert.equal(out.statusCode, 204);
  assert.equal((await search(body.token, '*')).statusCode, 401);
  const again = await api.app.inject({
    method: 'POST',
    url: '/api/v1/logout',
    headers: { authorization: `Bearer ${body.token}` },
  });
  assert.equal(again.statusCode, 401);
});

test('wrong passwords and unknown users answer alike; repeated failures lock the user+address out', async () => {
  const before = api.audit.entries.length;
  const wrong = await login('ana', 'not-her-password', '192.0.2.50');
  const unknown = await login('nobody', 'whatever-pass', '192.0.2.50');
  assert.equal(wrong.statusCode, 401);
  assert.equal(unknown.statusCode, 401);
  assert.equal(wrong.body, unknown.body);
  await login('ana', 'not-her-password', '192.0.2.50');
  await login('ana', 'not-her-password', '192.0.2.50'); // third failure: locked
  const locked = await login('ana', 'ana-password-1', '192.0.2.50');
  assert.equal(locked.statusCode, 429, 'even the right password waits');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  // Another address is not locked out.
  assert.equal((await login('ana', 'ana-password-1', '192.0.2.51')).statusCode, 200);

  const logins = api.audit.entries.slice(before).filter((e) => e.action === 'login');
  assert.deepEqual(
    logins.map((e) => [e.target, e.result, e.details?.reason ?? 'ok']),
    [
      ['ana', 'denied', 'bad_password'],
      ['nobody', 'denied', 'unknown_user'],
      ['ana', 'denied', 'bad_password'],
      ['ana', 'denied', 'bad_password'],
      ['ana', 'denied', 'throttled'],
      ['ana', 'ok', 'ok'],
    ],
  );
  const lockout = logins[3]!;
  assert.ok(Number(lockout.details?.locked_for_ms) > 0);
  assert.equal(lockout.ip, '192.0.2.50');
  assert.equal(lockout.user_agent, 'test-agent');
  assert.ok(!JSON.stringify(api.audit.entries).includes('not-her-password'), 'no password in the audit log');
  assert.ok(!JSON.stringify(api.audit.entries).includes('ana-password-1'), 'no password in the audit log');
});

test('API calls and every 401/403 are audited; ingest and /metrics only when refused', async () => {
  const before = api.audit.entries.length;
  await search(api.tokens.analyst, 'user=root');
  await search('vgl_not-a-token', '*');
  await search(api.tokens.ingest, '*');
  await api.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    payload: '{"a":1}',
    headers: { authorization: `Bearer ${api.tokens.ingest}` },
  });
  await api.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    payload: '{"a":1}',
    headers: { authorization: `Bearer ${api.tokens.developer}` },
  });
  await api.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${api.tokens.monitor}` } });
  await api.app.inject({ url: '/healthz' });
  const created = await api.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    payload: JSON.stringify({ name: 'ci', role: 'ingest' }),
    headers: { authorization: `Bearer ${api.tokens.admin}` },
  });
  assert.equal(created.statusCode, 201);
  const secret = created.json<{ token: string }>().token;
  const entries = api.audit.entries.slice(before);
  assert.deepEqual(
    entries.map((e) => [e.action, e.actor.name, e.result, e.http?.status]),
    [
      ['search', 't-analyst', 'ok', 200],
      ['search', 'anonymous', 'denied', 401],
      ['search', 't-ingest', 'denied', 403],
      ['api.post', 't-developer', 'denied', 403],
      ['token.create', 't-admin', 'ok', 201],
    ],
  );
  assert.equal(entries[0]!.target, 'user=root');
  assert.ok(!JSON.stringify(entries).includes(secret), 'a created token never reaches the audit log');
  for (const t of Object.values(api.tokens)) assert.ok(!JSON.stringify(api.audit.entries).includes(t));
});

test('user changes made to the file (the CLI) are audited and end sessions at once', async () => {
  const answer = await login('dev', 'dev-password-1', '192.0.2.7');
  const { token } = answer.json<{ token: string }>();
  assert.equal((await search(token, '*')).statusCode, 200);
  const before = api.audit.entries.length;
  // The role changes: the next request already has the new scope.
  api.users.setRole('dev', 'monitor');
  assert.equal((await search(token, '*')).statusCode, 403);
  api.users.remove('dev');
  assert.equal((await search(token, '*')).statusCode, 401);
  await sleep(100);
  const changes = api.audit.entries
    .slice(before)
    .filter((e) => e.action.startsWith('user.'))
    .map((e) => [e.action, e.target]);
  assert.deepEqual(changes.at(-1), ['user.remove', 'dev']);
});

test('custom roles from configuration: permissions and data classes apply', async () => {
  const { RoleSet } = await import('./auth.js');
  const roles = new RoleSet({
    appsearch: { permissions: ['search'], data_classes: ['application', 'audit'] },
  });
  const custom = buildTestApi(stores.mixed, {}, { roles });
  try {
    await custom.users.add('carol', 'appsearch', 'carol-password');
    const { token } = (
      await custom.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: JSON.stringify({ username: 'carol', password: 'carol-password' }),
      })
    ).json<{ token: string }>();
    const idsOf = async (q: string) => {
      const r = await custom.app.inject({
        url: `/api/v1/search?q=${encodeURIComponent(q)}&limit=1000`,
        headers: { authorization: `Bearer ${token}` },
      });
      return new Set(r.json<{ events: { metadata: { uid: string } }[] }>().events.map((e) => e.metadata.uid));
    };
    // The audit log only when the query names it; never security events.
    assert.deepEqual(await idsOf('*'), new Set(stores.appIds));
    assert.deepEqual(await idsOf('source=audit'), new Set(stores.auditIds));
    assert.deepEqual(
      await idsOf('source=audit OR NOT source=audit'),
      new Set([...stores.appIds, ...stores.auditIds]),
    );
    const tokens = await custom.app.inject({
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(tokens.statusCode, 403);
  } finally {
    await custom.app.close();
  }
  assert.throws(
    () => new RoleSet({ x: { permissions: ['fly'], data_classes: [] } }),
    /unknown permission "fly"/,
  );
  assert.throws(
    () => new RoleSet({ y: { permissions: [], data_classes: ['secret'] } }),
    /unknown data class/,
  );
  assert.throws(() => new RoleSet({ admin: { permissions: [], data_classes: [] } }), /built-in/);
});
