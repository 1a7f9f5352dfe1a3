/**
 * AlertManager: grouping into incidents, de-duplication of replayed signals, suppression, the
 * lifecycle state machine, and the journal surviving restarts, torn tails and compaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../telemetry/log.js';
import { AlertManager, AlertNotFoundError } from './manager.js';
import { AlertStateError } from './model.js';
import { alertQuerySchema } from './query.js';
import { testConfig, testSignal } from './testing.js';

const HOUR = 3_600_000;

async function withManager(
  config: unknown,
  run: (m: AlertManager, dir: string, reopen: () => Promise<AlertManager>) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  const open = () =>
    AlertManager.open({ dataDir: dir, config: testConfig(config), log: silentLogger, tickMs: 0 });
  const managers: AlertManager[] = [];
  const reopen = async () => {
    const m = await open();
    managers.push(m);
    return m;
  };
  try {
    await run(await reopen(), dir, reopen);
  } finally {
    for (const m of managers) await m.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const all = alertQuerySchema.parse({});

test('signals of one rule and entities within the window form one incident', async () => {
  await withManager({}, async (m) => {
    const r1 = await m.ingest(testSignal({ eventIds: ['1', '2'] }));
    const r2 = await m.ingest(
      testSignal({
        time: 1_700_000_000_000 + HOUR / 2,
        eventIds: ['2', '3'],
        rule: { ...testSignal().rule, level: 'high' },
      }),
    );
    assert.deepEqual(r1, { created: 1, joined: 0, duplicates: 0, suppressed: 0 });
    assert.deepEqual(r2, { created: 0, joined: 1, duplicates: 0, suppressed: 0 });
    const { alerts, total } = m.list(all);
    assert.equal(total, 1);
    const a = alerts[0]!;
    assert.equal(a.signal_count, 2);
    assert.deepEqual(a.event_ids, ['1', '2', '3']);
    assert.equal(a.event_count, 3);
    assert.equal(a.severity, 'high');
    assert.equal(a.last_seen, 1_700_000_000_000 + HOUR / 2);
    assert.ok(a.history.some((h) => h.action === 'escalated' && h.from === 'medium' && h.to === 'high'));
    // Other entities, or past the window: a new alert.
    await m.ingest(testSignal({ entities: { host: 'WS02', user: 'alice' } }));
    await m.ingest(testSignal({ time: 1_700_000_000_000 + HOUR / 2 + HOUR + 1 }));
    assert.equal(m.list(all).total, 3);
    // A closed alert is not joined.
    const [newest] = m.list(alertQuerySchema.parse({ sort: '-created_at' })).alerts;
    await m.closeAlert(newest!.id, 'bob', 'benign');
    await m.ingest(testSignal({ time: 1_700_000_000_000 + 2 * HOUR }));
    assert.equal(m.list(all).total, 4);
  });
});

test('a signal key applied once is ignored, also after a restart', async () => {
  await withManager({}, async (m, _dir, reopen) => {
    await m.ingest([
      testSignal({ key: 'k1' }),
      testSignal({ key: 'k1' }),
      testSignal({ key: 'k2', eventIds: ['9'] }),
    ]);
    assert.equal(m.list(all).alerts[0]!.signal_count, 2);
    await m.close();
    const again = await reopen();
    const r = await again.ingest([testSignal({ key: 'k1' }), testSignal({ key: 'k2' })]);
    assert.deepEqual(r, { created: 0, joined: 0, duplicates: 2, suppressed: 0 });
    assert.equal(again.list(all).alerts[0]!.signal_count, 2);
    // De-duplication survives compaction too.
    await again.compact();
    await again.close();
    const third = await reopen();
    assert.equal((await third.ingest(testSignal({ key: 'k2' }))).duplicates, 1);
  });
});

test('suppressions swallow matching signals and count them; expired ones do not', async () => {
  const config = {
    suppress: [
      { rule: 'rule-*', entities: { host: 'BUILD*' }, reason: 'build farm' },
      { rule: 'noisy', until: '2000-01-01T00:00:00Z' },
    ],
  };
  await withManager(config, async (m) => {
    const r = await m.ingest([
      testSignal({ entities: { host: 'BUILD7', user: 'ci' } }),
      testSignal({ entities: { host: 'BUILD8', user: 'ci' } }),
      testSignal({ entities: { host: 'WS01', user: 'ci' } }),
      testSignal({ rule: { ...testSignal().rule, id: 'noisy' } }),
    ]);
    assert.deepEqual(r, { created: 2, joined: 0, duplicates: 0, suppressed: 2 });
    assert.deepEqual(m.stats().suppressed, [{ index: 0, rule: 'rule-*', reason: 'build farm', count: 2 }]);
  });
});

test('lifecycle: allowed transitions are recorded, illegal ones rejected', async () => {
  await withManager({}, async (m) => {
    await m.ingest(testSignal());
    const id = m.list(all).alerts[0]!.id;
    await assert.rejects(m.reopen(id, 'bob'), AlertStateError);
    await m.acknowledge(id, 'bob');
    await assert.rejects(m.acknowledge(id, 'bob'), /cannot acknowledge an alert that is acknowledged/);
    await m.assign(id, 'bob', 'carol');
    await m.comment(id, 'carol', 'looking');
    const closed = await m.closeAlert(id, 'carol', 'false_positive', 'admin script');
    assert.equal(closed.status, 'closed');
    assert.deepEqual(closed.close_reason, { reason: 'false_positive', note: 'admin script' });
    await assert.rejects(m.closeAlert(id, 'carol', 'benign'), AlertStateError);
    await assert.rejects(m.assign(id, 'carol', 'dave'), AlertStateError);
    await assert.rejects(m.acknowledge(id, 'carol'), AlertStateError);
    await m.comment(id, 'dave', 'comments are fine when closed');
    const reopened = await m.reopen(id, 'dave');
    assert.equal(reopened.status, 'new');
    assert.equal(reopened.close_reason, undefined);
    assert.deepEqual(
      reopened.history.map((h) => [h.by, h.action, h.from, h.to]),
      [
        ['system', 'created', undefined, 'new'],
        ['bob', 'acknowledged', 'new', 'acknowledged'],
        ['bob', 'assigned', '', 'carol'],
        ['carol', 'commented', undefined, undefined],
        ['carol', 'closed', 'acknowledged', 'closed (false_positive)'],
        ['dave', 'commented', undefined, undefined],
        ['dave', 'reopened', 'closed', 'new'],
      ],
    );
    await assert.rejects(m.acknowledge('nope', 'bob'), AlertNotFoundError);
  });
});

test('journal replay rebuilds the same state; a torn last line is dropped and cut off', async () => {
  await withManager({}, async (m, dir, reopen) => {
    await m.ingest([testSignal({ key: 'a' }), testSignal({ key: 'b', entities: { host: 'WS09' } })]);
    const id = m.list(all).alerts[0]!.id;
    await m.acknowledge(id, 'bob');
    await m.comment(id, 'bob', 'x');
    const before = m.list(all).alerts;
    await m.close();
    const file = join(dir, 'alerts', 'alerts.jsonl');
    const goodSize = statSync(file).size;
    // A crash in mid-append: half a record, no newline.
    appendFileSync(file, '{"op":"acked","at":1,"id":"' + id.slice(0, 5));
    const again = await reopen();
    assert.deepEqual(again.list(all).alerts, before);
    assert.equal(again.stats().replay_warnings, 1);
    assert.equal(statSync(file).size, goodSize, 'the torn tail is cut off');
    // Appending after the cut makes whole lines.
    await again.closeAlert(id, 'bob', 'benign');
    await again.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (const l of lines) JSON.parse(l);
    const third = await reopen();
    assert.equal(third.get(id)!.status, 'closed');
  });
});

test('a damaged line in the middle is skipped with a warning, never a crash', async () => {
  await withManager({}, async (m, dir, reopen) => {
    await m.ingest(testSignal());
    const id = m.list(all).alerts[0]!.id;
    await m.close();
    const file = join(dir, 'alerts', 'alerts.jsonl');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      text +
        'garbage\n{"op":"acked"}\n' +
        JSON.stringify({ op: 'acked', at: 5, id: 'missing', by: 'x' }) +
        '\n',
    );
    const again = await reopen();
    assert.equal(again.get(id)!.status, 'new');
    assert.equal(again.stats().replay_warnings, 3);
  });
});

test('compaction keeps the state, drops closed alerts past retention, and is equal on replay', async () => {
  let now = 1_700_000_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  const open = () =>
    AlertManager.open({
      dataDir: dir,
      config: testConfig({ closed_retention: '1d', compact_every: 5 }),
      log: silentLogger,
      tickMs: 0,
      now: () => now,
    });
  try {
    const m = await open();
    for (let i = 0; i < 4; i++)
      await m.ingest(testSignal({ entities: { host: `H${i}` }, eventIds: [String(i)] }));
    const ids = m.list(alertQuerySchema.parse({ sort: 'created_at' })).alerts.map((a) => a.id);
    await m.closeAlert(ids[0]!, 'bob', 'duplicate');
    now += 2 * 86_400_000;
    await m.acknowledge(ids[1]!, 'bob');
    await m.compact();
    const state = m.list(all).alerts;
    assert.equal(state.length, 3, 'the old closed alert is gone');
    assert.equal(m.get(ids[0]!), undefined);
    await m.close();
    const lines = readFileSync(join(dir, 'alerts', 'alerts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { op: string }).op),
      ['snapshot', 'snapshot', 'snapshot'],
    );
    const again = await open();
    assert.deepEqual(again.list(all).alerts, state);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evidence ids are capped and counted beyond the cap', async () => {
  await withManager({ event_ids_cap: 3 }, async (m) => {
    await m.ingest(testSignal({ eventIds: ['1', '2'] }));
    await m.ingest(testSignal({ eventIds: ['2', '3', '4', '5'] }));
    const a = m.list(all).alerts[0]!;
    assert.deepEqual(a.event_ids, ['1', '2', '3']);
    assert.equal(a.event_count, 5);
  });
});

test('list: filters, sort, paging and counts by rule', async () => {
  await withManager({}, async (m) => {
    await m.ingest([
      testSignal({ entities: { host: 'DC01' }, rule: { ...testSignal().rule, level: 'critical' } }),
      testSignal({ entities: { host: 'WS01', src_ip: '10.0.0.5' }, summary: 'beacon to evil.example' }),
      testSignal({
        rule: { id: 'other', title: 'Other', level: 'low', tags: [] },
        entities: { host: 'WS02' },
      }),
    ]);
    const q = (raw: Record<string, string>) => m.list(alertQuerySchema.parse(raw));
    assert.equal(q({ severity: 'critical' }).total, 1);
    assert.equal(q({ min_severity: 'medium' }).total, 2);
    assert.equal(q({ rule: 'rule-*' }).total, 2);
    assert.equal(q({ entity: 'host=DC*' }).total, 1);
    assert.equal(q({ entity: '10.0.0.5' }).total, 1);
    assert.equal(q({ q: 'EVIL.example' }).total, 1);
    assert.deepEqual(
      q({ sort: '-severity' }).alerts.map((a) => a.severity),
      ['critical', 'medium', 'low'],
    );
    const page = q({ sort: 'created_at', limit: '1', offset: '1' });
    assert.equal(page.total, 3);
    assert.equal(page.alerts.length, 1);
    assert.deepEqual(
      m.groups(alertQuerySchema.parse({})).map((g) => [g.rule, g.count, g.open, g.max_severity]),
      [
        ['rule-1', 2, 2, 'critical'],
        ['other', 1, 1, 'low'],
      ],
    );
  });
});
