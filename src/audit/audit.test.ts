import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchResult, SourceBatch, Sink } from '../sources/source.js';
import { AUDIT_FORMAT, AUDIT_SOURCE, dataClassOf } from '../store/schema.js';
import { AuditLog, auditRecord, redactDetails, type AuditEntry } from './audit.js';
import { auditNormalizer, normalizeAudit } from './normalize.js';

function collectingSink(fail = false): Sink & { batches: SourceBatch[] } {
  const batches: SourceBatch[] = [];
  return {
    batches,
    submit(batch: SourceBatch): Promise<BatchResult> {
      batches.push(batch);
      if (fail) return Promise.reject(new Error('disk full'));
      return Promise.resolve({ accepted: batch.records.length, rejected: 0, errors: [] });
    },
  };
}

const ctx = { source: AUDIT_SOURCE, receivedAt: 1_700_000_000_000 };

test('secrets never get into an entry: secret-looking keys are redacted at any depth', () => {
  const redacted = redactDetails({
    password: 'hunter2',
    nested: { api_key: 'k', Authorization: 'Bearer x', fine: 'yes', deeper: { token: 't', n: 1 } },
    list: [{ secret: 's' }],
    long: 'x'.repeat(5000),
  }) as Record<string, unknown>;
  const text = JSON.stringify(redacted);
  for (const secret of ['hunter2', 'Bearer x', '"t"', '"s"', '"k"'])
    assert.ok(!text.includes(secret), secret);
  assert.equal((redacted.nested as Record<string, unknown>).fine, 'yes');
  assert.ok((redacted.long as string).length < 2100);
  const record = auditRecord(
    { action: 'login', actor: { name: 'a' }, result: 'ok', details: { password: 'hunter2' } },
    'p',
  );
  assert.equal(record.format, AUDIT_FORMAT);
  assert.ok(!record.text.includes('hunter2'));
});

test('audit entries become OCSF: Authentication, Account Change, API Activity', () => {
  const login = normalizeAudit(
    {
      action: 'login',
      actor: { name: 'dave', kind: 'password' },
      target: 'dave',
      result: 'denied',
      ip: '203.0.113.9',
      user_agent: 'Mozilla/5.0',
      time: 1_700_000_001_000,
      details: { reason: 'bad_password' },
    },
    ctx,
  );
  assert.equal(login.class_uid, 3002);
  assert.equal(login.activity_id, 1);
  assert.equal(login.type_uid, 300201);
  assert.equal(login.status_id, 2);
  assert.equal(login.time, 1_700_000_001_000);
  assert.deepEqual(login.src_endpoint, { ip: '203.0.113.9' });
  assert.deepEqual((login.user as { name: string }).name, 'dave');
  assert.deepEqual(login.unmapped, {
    action: 'login',
    result: 'denied',
    target: 'dave',
    details: { reason: 'bad_password' },
  });

  const removed = normalizeAudit(
    { action: 'user.remove', actor: { name: 'local' }, target: 'erin', result: 'ok' },
    ctx,
  );
  assert.equal(removed.class_uid, 3001);
  assert.equal(removed.activity_id, 6);
  assert.equal(removed.status_id, 1);
  assert.equal(removed.time, ctx.receivedAt);

  const search = normalizeAudit(
    {
      action: 'search',
      actor: { name: 'erin', role: 'analyst', kind: 'session' },
      target: 'user=root',
      result: 'ok',
      http: { method: 'GET', path: '/api/v1/search', status: 200, request_id: 'req-1' },
    },
    ctx,
  );
  assert.equal(search.class_uid, 6003);
  assert.equal(search.activity_id, 2);
  assert.deepEqual(search.api, { operation: 'search', request: { uid: 'req-1' }, response: { code: 200 } });
  assert.equal((search.actor as { user: { name: string } }).user.name, 'erin');

  const reload = normalizeAudit({ action: 'config.reload', actor: { name: 'system' }, result: 'error' }, ctx);
  assert.equal(reload.activity_id, 3);
  assert.equal(reload.severity_id, 4);
  // Junk never throws.
  const junk = auditNormalizer.normalize(
    { format: AUDIT_FORMAT, fields: { actor: 5, time: 'x' }, raw: '' },
    ctx,
  );
  assert.equal(junk.class_uid, 6003);
  assert.equal((junk.actor as { user: { name: string } }).user.name, 'anonymous');
  assert.ok(auditNormalizer.accepts({ format: AUDIT_FORMAT, fields: {}, raw: '' }));
  assert.ok(!auditNormalizer.accepts({ format: 'json', fields: { action: 'login' }, raw: '' }));
});

test('the audit log batches entries into the pipeline as source audit, class audit', async () => {
  const sink = collectingSink();
  const audit = new AuditLog(sink, { flushMs: 5, clock: () => 42 });
  const entry: AuditEntry = { action: 'token.create', actor: { name: 'admin' }, target: 't1', result: 'ok' };
  audit.record(entry);
  audit.record({ ...entry, action: 'token.revoke' });
  await audit.flush();
  assert.equal(sink.batches.length, 1);
  const [batch] = sink.batches;
  assert.equal(batch!.source, AUDIT_SOURCE);
  assert.equal(batch!.records.length, 2);
  for (const r of batch!.records) {
    assert.equal(r.format, AUDIT_FORMAT);
    assert.equal(dataClassOf({ source: batch!.source, format: r.format }), 'audit');
    assert.equal(r.value?.time, 42);
  }
  await audit.close();
  audit.record(entry);
  await audit.flush();
  assert.equal(sink.batches.length, 1, 'nothing after close');
});

test('a pipeline that refuses loses entries visibly, never throws at the caller', async () => {
  const sink = collectingSink(true);
  const audit = new AuditLog(sink, { flushMs: 1, maxPending: 2 });
  audit.record({ action: 'a', actor: { name: 'x' }, result: 'ok' });
  audit.record({ action: 'b', actor: { name: 'x' }, result: 'ok' });
  audit.record({ action: 'c', actor: { name: 'x' }, result: 'ok' });
  assert.equal(audit.dropped, 1, 'beyond maxPending');
  await audit.flush();
  assert.equal(audit.dropped, 3);
});
