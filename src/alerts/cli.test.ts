/**
 * `vigil alerts ...` against a real HTTP server serving the alerts API for a data directory (the
 * server.json and local token the CLI looks for), with the token checked by a fake authorize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import Fastify from 'fastify';
import { registerAlertCommands } from '../cli/alerts.js';
import { silentLogger } from '../telemetry/log.js';
import { AlertManager } from './manager.js';
import { registerAlertRoutes } from './routes.js';
import { testConfig, testSignal } from './testing.js';

test('vigil alerts list/show/ack/close talk to the running server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-cli-'));
  const m = await AlertManager.open({ dataDir: dir, config: testConfig(), log: silentLogger, tickMs: 0 });
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
  registerAlertRoutes(app, {
    alerts: m,
    authorize: () => (request, reply) => {
      if (request.headers.authorization !== 'Bearer local-secret') {
        void reply.code(401).send({ error: 'unauthorized', message: 'no' });
        return false;
      }
      request.principal = { tokenId: 'local', name: 'cli', role: 'admin' };
      return true;
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  writeFileSync(
    join(dir, 'server.json'),
    JSON.stringify({ url, pid: process.pid, started_at: '', sources: {} }),
  );
  mkdirSync(join(dir, 'auth'));
  writeFileSync(join(dir, 'auth', 'local-token'), 'local-secret\n');
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const run = async (...args: string[]) => {
    const program = new Command('vigil').exitOverride();
    registerAlertCommands(program);
    out.length = 0;
    process.stdout.write = ((chunk: string) => (out.push(chunk), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(['alerts', ...args, '--data-dir', dir], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    return out.join('');
  };
  try {
    await m.ingest(
      testSignal({ entities: { host: 'DC01' }, rule: { ...testSignal().rule, level: 'critical' } }),
    );
    const id = m.list({ sort: '-last_seen', limit: 1, offset: 0 }).alerts[0]!.id;
    const table = await run('list', '--severity', 'critical');
    assert.match(table, new RegExp(`${id}.*critical.*new.*Suspicious PowerShell.*host=DC01`));
    assert.match(await run('list', '--status', 'closed'), /^no alerts/);
    assert.match(await run('ack', id), new RegExp(`${id}: acknowledged`));
    assert.match(await run('close', id, '--reason', 'benign', '--note', 'test'), /closed/);
    const shown = await run('show', id);
    assert.match(shown, /status: +closed \(benign: test\)/);
    assert.match(shown, /cli acknowledged new → acknowledged/);
    const json = JSON.parse(await run('show', id, '--format', 'json')) as { status: string };
    assert.equal(json.status, 'closed');
    await assert.rejects(run('ack', id), /cannot acknowledge an alert that is closed/);
  } finally {
    await app.close();
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
