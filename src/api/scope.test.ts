/**
 * Data-class scopes inside the query: a developer's search (data class `application`) never
 * returns or counts a security or audit event, whatever the query; auditors see the audit log;
 * rows stored before data classes existed count as security. Evidence export is scoped too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { Ledger } from '../evidence/ledger.js';
import { exportEvidence } from '../evidence/service.js';
import { compileQuery } from '../query/compile.js';
import { runSearch } from '../query/search.js';
import { dataClassOf } from '../store/schema.js';
import { silentLogger } from '../telemetry/log.js';
import { mixedStores, type MixedStores } from './access.testing.js';
import { BUILTIN_ROLE_SET } from './auth.js';

let stores: MixedStores;
before(async () => {
  stores = await mixedStores();
});
after(async () => stores.close());

const ids = (events: Record<string, unknown>[]) =>
  events.map((e) => String((e.metadata as { uid: string }).uid)).sort((a, b) => Number(a) - Number(b));

test('dataClassOf: decided by source and format, never by content', () => {
  assert.equal(dataClassOf({ source: 'otlp', format: 'otlp' }), 'application');
  assert.equal(dataClassOf({ source: 'audit', format: 'vigil-audit' }), 'audit');
  // A configured source named audit, or a JSON record claiming otlp, stays security.
  assert.equal(dataClassOf({ source: 'audit', format: 'json' }), 'security');
  assert.equal(dataClassOf({ source: 'http', format: 'vigil-audit' }), 'security');
  assert.equal(dataClassOf({ source: 'syslog', format: 'syslog' }), 'security');
  assert.equal(dataClassOf({ source: 'findings' }), 'security');
});

test('the scope is one parameterized predicate, innermost; admin queries are unchanged', () => {
  const scoped = compileQuery('user=dave | head 5 | stats count() by host', { dataClasses: ['application'] });
  assert.match(scoped.sql, /coalesce\("data_class", \$\d+\) IN \(\$\d+\)/);
  assert.ok(scoped.params.includes('application') && scoped.params.includes('security'));
  assert.ok(!scoped.sql.includes("'application'"), 'no class name in the SQL text');
  const admin = { dataClasses: BUILTIN_ROLE_SET.dataClasses('admin') };
  // An admin query that names the audit log's fields is not scoped at all...
  const all = compileQuery('source=audit OR user=dave', admin);
  assert.deepEqual(all, compileQuery('source=audit OR user=dave'));
  // ...one that does not leaves the audit log out (earlier searches must not match as text).
  const plain = compileQuery('dave', admin);
  assert.ok(plain.params.includes('security') && !plain.params.includes('audit'), plain.sql);
  assert.match(compileQuery('*', { dataClasses: [] }).sql, /WHERE false/);
});

test('developer: only application events, by any query shape', async () => {
  const dev = { dataClasses: BUILTIN_ROLE_SET.dataClasses('developer') };
  const all = await runSearch(stores.mixed, '*', { ...dev, limit: 1000 });
  assert.equal(all.kind, 'events');
  assert.deepEqual(ids(all.kind === 'events' ? all.events : []), [...stores.appIds]);
  for (const q of [
    'SECMARK',
    'raw_data=*SECMARK*',
    'message=*SECMARK* OR APPMARK',
    'NOT APPMARK',
    'source=syslog OR source=http OR source=audit',
    'user=dave OR user=root',
    'action=login',
    'data_class=security',
    'AUDMARK',
  ]) {
    const r = await runSearch(stores.mixed, q, { ...dev, limit: 1000 });
    const found = r.kind === 'events' ? ids(r.events) : [];
    assert.ok(
      found.every((id) => stores.appIds.has(id)),
      `${q}: ${found.join(',')}`,
    );
  }
  const stats = await runSearch(stores.mixed, '* | stats count() by source', dev);
  assert.deepEqual(stats.kind === 'table' ? stats.rows : [], [['otlp', 4]]);
  const chart = await runSearch(stores.mixed, '* | timechart span=1d count()', dev);
  assert.deepEqual(chart.kind === 'table' ? chart.rows.map((r) => r[1]) : [], [4]);
  const where = await runSearch(stores.mixed, '* | stats count() as n by user | where n > 0 | sort -n', dev);
  assert.ok(where.kind === 'table' && where.rows.every((r) => r[0] !== 'root' || r[1] === 1));
});

test('auditor sees the audit log only; analyst sees security and application but no audit', async () => {
  const auditor = await runSearch(stores.mixed, 'source=audit', {
    dataClasses: BUILTIN_ROLE_SET.dataClasses('auditor'),
    limit: 100,
  });
  assert.deepEqual(ids(auditor.kind === 'events' ? auditor.events : []), [...stores.auditIds]);
  const failed = await runSearch(stores.mixed, 'source=audit action=login result=denied', {
    dataClasses: ['audit'],
  });
  assert.equal(failed.kind === 'events' ? failed.events.length : -1, 1);
  const analyst = await runSearch(stores.mixed, '*', {
    dataClasses: BUILTIN_ROLE_SET.dataClasses('analyst'),
    limit: 100,
  });
  const seen = ids(analyst.kind === 'events' ? analyst.events : []);
  assert.deepEqual(seen, [...stores.appIds, ...stores.securityIds]);
  const responder = await runSearch(stores.mixed, '* | stats count()', {
    dataClasses: BUILTIN_ROLE_SET.dataClasses('responder'),
  });
  assert.deepEqual(responder.kind === 'table' ? responder.rows : [], [[stores.securityIds.size]]);
});

test('rows without a data class (older stores) count as security', async () => {
  const { EventStore } = await import('../store/duckdb.js');
  const { securityInputs } = await import('./access.testing.js');
  const dir = tempDir('vigil-scope-old-');
  const store = await EventStore.open(dir);
  try {
    await store.append(securityInputs().slice(0, 1));
    // What an older Vigil left behind: the migration adds the column empty.
    await store.query('UPDATE events SET data_class = NULL');
    const dev = await runSearch(store, '*', { dataClasses: ['application'] });
    assert.equal(dev.kind === 'events' ? dev.events.length : -1, 0);
    const sec = await runSearch(store, '*', { dataClasses: ['security'] });
    assert.equal(sec.kind === 'events' ? sec.events.length : -1, 1);
  } finally {
    await store.close();
  }
});

test('evidence export selects only events of the caller data classes', async () => {
  const dir = tempDir('vigil-scope-evidence-');
  const { mixedStores: make } = await import('./access.testing.js');
  // A fresh pair whose commits the ledger follows from the start.
  const s = await make(dir);
  try {
    const ledger = await Ledger.open(`${dir}/mixed`, s.mixed, silentLogger);
    const lines: string[] = [];
    const options = { from: undefined, dataClasses: ['application'] as const };
    for await (const line of exportEvidence(s.mixed, ledger.parts(), '*', options)) lines.push(line);
    const exported = lines
      .map((l) => JSON.parse(l) as { type: string; id?: string })
      .filter((l) => l.type === 'event')
      .map((l) => l.id!);
    assert.deepEqual(
      exported.sort((a, b) => Number(a) - Number(b)),
      [...s.appIds],
    );
    await ledger.close();
  } finally {
    await s.close();
  }
});
