/**
 * The alerts API through Fastify's inject, with the server's byte-body parser and a fake
 * authorize: permissions per route, the actor in history, validation (400), 404, 409.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../telemetry/log.js';
import { AlertManager } from './manager.js';
import { registerAlertRoutes, type AlertPermission } from './routes.js';
import { testConfig, testSignal } from './testing.js';

/** An app like the server's: bodies as bytes; the `x-perms` header says what the caller may do. */
async function alertsApp(alerts: AlertManager): Promise<FastifyInstance> {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  registerAlertRoutes(app, {
    alerts,
    authorize: (permission: AlertPermission) => (request, reply) => {
      const perms = String(request.headers['x-perms'] ?? '').split(',');
      if (!perms.includes(permission)) {
        void reply.code(403).send({ error: 'forbidden', message: `may not ${permission}` });
        return false;
      }
      request.principal = { tokenId: 't1', name: String(request.headers['x-user'] ?? 'anon'), role: 'admin' };
      return true;
    },
  });
  await app.ready();
  return app;
}

const RW = { 'x-perms': 'alerts:read,alerts:write', 'x-user': 'carol', 'content-type': 'application/json' };

async function withApi(run: (app: FastifyInstance, m: AlertManager) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-api-'));
  const m = await AlertManager.open({ dataDir: dir, config: testConfig(), log: silentLogger, tickMs: 0 });
  const app = await alertsApp(m);
  try {
    await run(app, m);
  } finally {
    await app.close();
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('list, show and the lifecycle through the API, with the actor recorded', async () => {
  await withApi(async (app, m) => {
    await m.ingest([
      testSignal(),
      testSignal({ entities: { host: 'DC01' }, rule: { ...testSignal().rule, level: 'critical' } }),
    ]);
    const list = await app.inject({
      url: '/api/v1/alerts?severity=critical',
      headers: { 'x-perms': 'alerts:read' },
    });
    assert.equal(list.statusCode, 200);
    const body = list.json() as { total: number; alerts: { id: string; entities: Record<string, string> }[] };
    assert.equal(body.total, 1);
    const id = body.alerts[0]!.id;
    const show = await app.inject({ url: `/api/v1/alerts/${id}`, headers: { 'x-perms': 'alerts:read' } });
    assert.deepEqual((show.json() as { entities: unknown }).entities, { host: 'DC01' });

    const post = (action: string, payload?: string, headers: Record<string, string> = RW) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/alerts/${id}/${action}`,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
    assert.equal((await post('ack')).statusCode, 200);
    assert.equal((await post('ack')).statusCode, 409);
    assert.equal((await post('assign', '{"assignee":"dave"}')).statusCode, 200);
    assert.equal((await post('comment', '{"text":"on it"}')).statusCode, 200);
    const closed = await post('close', '{"reason":"true_positive","note":"contained"}');
    assert.equal(closed.statusCode, 200);
    const alert = closed.json() as {
      status: string;
      history: { by: string; action: string }[];
      comments: { by: string }[];
    };
    assert.equal(alert.status, 'closed');
    assert.deepEqual(
      alert.history.map((h) => `${h.by}:${h.action}`),
      ['system:created', 'carol:acknowledged', 'carol:assigned', 'carol:commented', 'carol:closed'],
    );
    assert.equal((await post('reopen')).statusCode, 200);

    const groups = await app.inject({
      url: '/api/v1/alerts?group_by=rule',
      headers: { 'x-perms': 'alerts:read' },
    });
    assert.deepEqual(
      (groups.json() as { groups: { rule: string; count: number }[] }).groups.map((g) => [g.rule, g.count]),
      [['rule-1', 2]],
    );
  });
});

test('permissions: reading needs alerts:read, changing alerts:write', async () => {
  await withApi(async (app, m) => {
    await m.ingest(testSignal());
    const id = m.list({ sort: '-last_seen', limit: 1, offset: 0 }).alerts[0]!.id;
    assert.equal((await app.inject({ url: '/api/v1/alerts' })).statusCode, 403);
    assert.equal(
      (await app.inject({ url: `/api/v1/alerts/${id}`, headers: { 'x-perms': 'alerts:write' } })).statusCode,
      403,
    );
    const ro = await app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${id}/ack`,
      headers: { 'x-perms': 'alerts:read' },
    });
    assert.equal(ro.statusCode, 403);
    assert.equal(m.get(id)!.status, 'new');
  });
});

test('validation: 400 with the field and reason; 404 for unknown alerts', async () => {
  await withApi(async (app, m) => {
    await m.ingest(testSignal());
    const id = m.list({ sort: '-last_seen', limit: 1, offset: 0 }).alerts[0]!.id;
    const cases: [string, string | undefined, RegExp][] = [
      ['close', '{"reason":"because"}', /^reason: Invalid option/],
      ['close', undefined, /^reason: /],
      ['close', '{"reason":"benign","extra":1}', /Unrecognized key.*extra/],
      ['comment', '{"text":"   "}', /^text: /],
      ['comment', '{"text":', /^body is not JSON/],
      ['assign', '[]', /^body: /],
    ];
    for (const [action, payload, message] of cases) {
      const r = await app.inject({
        method: 'POST',
        url: `/api/v1/alerts/${id}/${action}`,
        headers: RW,
        ...(payload !== undefined ? { payload } : {}),
      });
      assert.equal(r.statusCode, 400, `${action} ${payload}`);
      assert.match((r.json() as { message: string }).message, message);
    }
    for (const q of [
      'status=open',
      'severity=huge',
      'limit=0',
      'limit=abc',
      'sort=name',
      'from=yesterday-ish',
      'bogus=1',
    ]) {
      const r = await app.inject({ url: `/api/v1/alerts?${q}`, headers: RW });
      assert.equal(r.statusCode, 400, q);
    }
    assert.equal((await app.inject({ url: '/api/v1/alerts/NOPE', headers: RW })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/alerts/..%2F..', headers: RW })).statusCode, 400);
    assert.equal(
      (await app.inject({ method: 'POST', url: '/api/v1/alerts/NOPE/ack', headers: RW })).statusCode,
      404,
    );
  });
});
