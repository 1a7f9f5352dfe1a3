/**
 * Playbooks and the blocklist: indicators validated, listed once, sorted, expired by TTL, the file
 * rewritten whole; webhook actions signed; every outcome in the alert history, once per alert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../telemetry/log.js';
import { Blocklist, indicatorOf, parseBlocklistState, renderBlocklist } from './blocklist.js';
import { AlertManager } from './manager.js';
import { verifyWebhook } from './notify/webhook.js';
import { alertQuerySchema } from './query.js';
import { testConfig, testSignal } from './testing.js';

test('indicators: validated by entity name; injection refused', () => {
  assert.deepEqual(indicatorOf('src_ip', ' 10.0.0.5 '), { ok: true, indicator: '10.0.0.5' });
  assert.deepEqual(indicatorOf('dst_ip', '2001:DB8::1'), { ok: true, indicator: '2001:db8::1' });
  assert.deepEqual(indicatorOf('domain', 'Evil.Example.'), { ok: true, indicator: 'evil.example' });
  assert.deepEqual(indicatorOf('sha256', 'A'.repeat(64)), { ok: true, indicator: 'a'.repeat(64) });
  assert.equal(indicatorOf('src_ip', 'evil.example').ok, false);
  assert.equal(indicatorOf('domain', 'evil.example\n0.0.0.0').ok, false);
  assert.equal(indicatorOf('domain', 'a b.example').ok, false);
  assert.equal(indicatorOf('indicator', '10.0.0.1; rm -rf /').ok, false);
});

test('blocklist: sorted, de-duplicated, TTL extends and expires, plain lines only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bl-'));
  let now = 1_000_000;
  try {
    const file = join(dir, 'lists', 'block.txt');
    const list = new Blocklist(file, () => now);
    assert.deepEqual(await list.add('10.0.0.9', 60_000), { added: true, expires: 1_060_000 });
    await list.add('10.0.0.1');
    assert.deepEqual(await list.add('10.0.0.9', 120_000), { added: false, expires: 1_120_000 });
    assert.deepEqual(
      await list.add('10.0.0.9', 1000),
      { added: false, expires: 1_120_000 },
      'never shortened',
    );
    assert.equal(readFileSync(file, 'utf8'), '10.0.0.1\n10.0.0.9\n');
    now += 200_000;
    assert.equal(await list.prune(), 1);
    assert.equal(readFileSync(file, 'utf8'), '10.0.0.1\n');
    assert.deepEqual([...(await list.entries())], [['10.0.0.1', null]]);
    // Added again after expiry: listed again, with a new expiry.
    assert.deepEqual(await list.add('10.0.0.9', 1000), { added: true, expires: now + 1000 });
    assert.deepEqual(
      readdirSync(join(dir, 'lists')).sort(),
      ['block.txt', 'block.txt.state.json'],
      'no temp files left',
    );
    // Concurrent adds: all land.
    await Promise.all(Array.from({ length: 20 }, (_, i) => list.add(`192.0.2.${i}`)));
    assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 22);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('blocklist state: falls back to the list when the state file is absent or unreadable', () => {
  const entries = parseBlocklistState('not json', '# comment\n10.0.0.1\n\n10.0.0.2\n');
  assert.deepEqual(
    [...entries],
    [
      ['10.0.0.1', null],
      ['10.0.0.2', null],
    ],
  );
  assert.equal(
    renderBlocklist(
      new Map([
        ['b', null],
        ['a', 5],
        ['c', 50],
      ]),
      10,
    ),
    'b\nc\n',
  );
});

test('playbooks: blocklist and signed webhook run once per matching alert, outcomes in history', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pb-'));
  const bodies: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond`;
  const file = join(dir, 'block.txt');
  const secret = 'playbook-secret-0123456789';
  const config = testConfig({
    playbooks: [
      {
        name: 'contain',
        match: { min_severity: 'high' },
        actions: [
          { type: 'blocklist', file, entities: ['src_ip', 'domain'], ttl: '1d', exclude: ['10.0.0.*'] },
          { type: 'webhook', url, secret },
        ],
      },
    ],
  });
  const m = await AlertManager.open({ dataDir: dir, config, log: silentLogger, tickMs: 0 });
  try {
    const high = testSignal({ rule: { ...testSignal().rule, level: 'high' } });
    await m.ingest([
      { ...high, entities: { host: 'WS1', src_ip: '203.0.113.7', domain: 'evil.example' } },
      { ...high, entities: { host: 'WS2', src_ip: '10.0.0.3' } },
      { ...high, entities: { host: 'WS3', src_ip: 'bogus value' } },
      testSignal({ entities: { host: 'WS4', src_ip: '198.51.100.1' } }),
    ]);
    await m.drain();
    // The first alert joins again and escalates: the playbook does not run twice.
    await m.ingest({
      ...high,
      rule: { ...high.rule, level: 'critical' },
      entities: { host: 'WS1', src_ip: '203.0.113.7', domain: 'evil.example' },
    });
    await m.drain();
    assert.equal(readFileSync(file, 'utf8'), '203.0.113.7\nevil.example\n');
    assert.equal(bodies.length, 3);
    for (const b of bodies)
      assert.deepEqual(verifyWebhook(secret, b.headers, b.body, Date.now()), { ok: true });
    const byHost = (h: string) => m.list(alertQuerySchema.parse({ entity: `host=${h}` })).alerts[0]!;
    const actions = (h: string) =>
      byHost(h)
        .history.filter((e) => e.by === 'playbook:contain')
        .map((e) => `${e.action}: ${e.to}`);
    assert.equal(actions('WS1').length, 3);
    assert.match(actions('WS1')[0]!, /^playbook\.blocklist: added 203\.0\.113\.7 to .*block\.txt until /);
    assert.match(actions('WS1')[1]!, /^playbook\.blocklist: added evil\.example/);
    assert.match(actions('WS1')[2]!, /^playbook\.webhook: webhook delivered to 127\.0\.0\.1:\d+$/);
    assert.match(actions('WS2')[0]!, /not listed: 10\.0\.0\.3 is excluded/);
    assert.match(actions('WS3')[0]!, /not listed: entity src_ip value "bogus value" is not an IP address/);
    assert.deepEqual(actions('WS4'), [], 'medium: not matched');
    assert.ok(existsSync(`${file}.state.json`));
  } finally {
    await m.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('blocklist list written by hand before Vigil: its lines are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bl-'));
  try {
    const file = join(dir, 'block.txt');
    writeFileSync(file, '198.51.100.200\n');
    await new Blocklist(file).add('198.51.100.1');
    assert.equal(readFileSync(file, 'utf8'), '198.51.100.1\n198.51.100.200\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
