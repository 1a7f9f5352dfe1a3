import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { tempDir } from '../e2e/harness.js';
import { processRecord } from '../pipeline/process.js';
import { EventStore, type StoreInput } from '../store/duckdb.js';
import { BUILTIN_ROLE_SET, TokenStore, type Permission } from './auth.js';
import {
  columnFieldNames,
  eventFieldNames,
  mergeFieldNames,
  registerConsoleRoutes,
} from './console-routes.js';

test('event field names: OCSF paths to leaves, unmapped originals by both names', () => {
  const names = eventFieldNames([
    {
      class_uid: 1007,
      device: { hostname: 'WS01', os: { name: 'Windows' } },
      unmapped: { CommandLine: 'whoami', id: { orig_h: '10.0.0.1' } },
      finding_info: { attacks: [{ tactic: { name: 'Execution' } }] },
      raw_data: 'x',
      _fields: { a: 1 },
    },
  ]);
  const byName = new Map(names.map((f) => [f.name, f.kind]));
  assert.equal(byName.get('device.hostname'), 'ocsf');
  assert.equal(byName.get('device.os.name'), 'ocsf');
  assert.equal(byName.get('finding_info.attacks'), 'ocsf', 'arrays are one leaf');
  assert.equal(byName.get('unmapped.CommandLine'), 'unmapped');
  assert.equal(byName.get('CommandLine'), 'unmapped');
  assert.equal(byName.get('id.orig_h'), 'unmapped');
  assert.equal(byName.has('raw_data'), false);
  assert.equal(byName.has('_fields.a'), false);
  assert.equal(byName.has('device'), false, 'objects are not leaves');
});

test('merged names: a typed column wins over the same name seen in events, columns sort first', () => {
  const merged = mergeFieldNames(columnFieldNames(), [
    { name: 'host', kind: 'unmapped' },
    { name: 'aaa', kind: 'ocsf' },
  ]);
  assert.deepEqual(
    merged.find((f) => f.name === 'host'),
    { name: 'host', kind: 'column' },
  );
  assert.equal(merged.filter((f) => f.name === 'host').length, 1);
  assert.ok(merged.findIndex((f) => f.name === 'aaa') > merged.findIndex((f) => f.name === 'src_ip'));
  assert.ok(
    !merged.some((f) => f.name === 'wal_seq' || f.name === 'raw_format'),
    'internal columns stay hidden',
  );
});

test('GET /api/v1/console/me and /fields: need search, answer the role and names from real events', async () => {
  const dir = tempDir();
  const store = await EventStore.open(dir);
  const tokens = new TokenStore(dir);
  const analyst = tokens.create('ana', 'analyst').token;
  const ingest = tokens.create('feeder', 'ingest').token;
  const developer = tokens.create('dev', 'developer').token;
  const inputs: StoreInput[] = [
    {
      text: JSON.stringify({ '@timestamp': '2026-01-05T10:00:00Z', message: 'x', TargetUserName: 'bob' }),
      source: 'we"b',
    },
    { text: '<34>1 2026-01-05T10:00:01Z host1 sshd 12 - - Failed password for root', source: 'syslog' },
  ].map(({ text, source }) => {
    const outcome = processRecord({ text, position: 't' }, { source, receivedAt: Date.now() });
    assert.ok(outcome.ok);
    return { event: outcome.event, source, format: outcome.format };
  });
  await store.append(inputs);
  const fastify = Fastify();
  const authorize = (permission: Permission) => (request: FastifyRequest, reply: FastifyReply) => {
    const principal = tokens.verify(request.headers.authorization?.slice(7));
    if (!principal) return (void reply.code(401).send({ error: 'unauthorized' }), false);
    if (!BUILTIN_ROLE_SET.can(principal.role, permission))
      return (void reply.code(403).send({ error: 'forbidden' }), false);
    // As the API's authorize does: the role's permissions and data classes go with the request.
    request.principal = {
      ...principal,
      permissions: BUILTIN_ROLE_SET.get(principal.role)!.permissions,
      dataClasses: BUILTIN_ROLE_SET.dataClasses(principal.role),
    };
    return true;
  };
  registerConsoleRoutes(fastify, { store, authorize });
  const get = (url: string, token?: string) =>
    fastify.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  try {
    assert.equal((await get('/api/v1/console/me')).statusCode, 401);
    assert.equal((await get('/api/v1/console/me', ingest)).statusCode, 403);
    assert.equal((await get('/api/v1/console/fields', ingest)).statusCode, 403);
    const me = (await get('/api/v1/console/me', analyst)).json();
    assert.deepEqual(me, {
      name: 'ana',
      role: 'analyst',
      kind: 'token',
      permissions: [...BUILTIN_ROLE_SET.get('analyst')!.permissions],
    });
    const fields = (await get('/api/v1/console/fields', analyst)).json() as {
      fields: { name: string; kind: string }[];
    };
    const names = new Set(fields.fields.map((f) => f.name));
    for (const n of ['src_ip', 'actor.user.name', 'class_uid', 'message'])
      assert.ok(names.has(n), `expected ${n} in ${[...names].join(', ')}`);
    assert.ok(
      names.has('TargetUserName'),
      'original JSON field by its own name, from a source named with a quote',
    );
    assert.ok(
      fields.fields.some((f) => f.kind === 'ocsf'),
      'OCSF paths seen in the events',
    );
    // A developer sees application data only: none of these security events' names, still the columns.
    const scoped = (await get('/api/v1/console/fields', developer)).json() as { fields: { name: string }[] };
    const scopedNames = new Set(scoped.fields.map((f) => f.name));
    assert.ok(scopedNames.has('src_ip'));
    assert.ok(!scopedNames.has('TargetUserName'), 'field names follow the data classes');
  } finally {
    await fastify.close();
    await store.close();
  }
});
