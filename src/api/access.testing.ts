/**
 * Test fixtures for access control: events of every data class, each class with a marker word in
 * its text (SECMARK, APPMARK, AUDMARK), stored the way the pipeline stores them (source, format),
 * and an oracle store that holds the application events alone, under the same ids and times;
 * and the real API over such a store with a token per built-in role.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { auditRecord, type AuditEntry, type AuditSink } from '../audit/audit.js';
import { auditNormalizer } from '../audit/normalize.js';
import { tempDir } from '../e2e/harness.js';
import { otlpNormalizer, OTLP_LOG_FORMAT } from '../normalize/otlp.js';
import { processRecord } from '../pipeline/process.js';
import { EventStore, type StoreInput } from '../store/duckdb.js';
import type { Sink } from '../sources/source.js';
import { AUDIT_FORMAT, AUDIT_SOURCE } from '../store/schema.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { BUILTIN_ROLES, TokenStore, type BuiltinRole } from './auth.js';
import { buildApi, type ApiDeps, type ApiOptions } from './server.js';
import { SessionStore } from './sessions.js';
import { UserStore } from './users.js';

export const T = Date.UTC(2026, 0, 5, 10, 0, 0);

function pipelineInput(text: string, source: string, at: number, format?: string): StoreInput {
  const outcome = processRecord(
    { text, position: 'fixture', ...(format ? { format } : {}) },
    { source, receivedAt: at },
  );
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return { event: outcome.event, source, format: outcome.format };
}

/** OTLP log records as the OTLP receiver hands them over (format `otlp`). */
export function applicationInputs(): StoreInput[] {
  const logs = [
    { body: 'APPMARK checkout started for dave', service: 'shop', user: 'dave' },
    { body: 'APPMARK payment failed: card declined', service: 'shop', user: 'erin' },
    { body: 'APPMARK login failed for root from 198.51.100.7', service: 'auth', user: 'root' },
    { body: 'APPMARK cache warmed', service: 'inventory' },
  ];
  return logs.map((l, i) => {
    const fields: Record<string, unknown> = {
      time_unix_nano: String(BigInt(T + i * 60_000) * 1_000_000n),
      severity_text: i === 1 ? 'ERROR' : 'INFO',
      body: l.body,
      attributes: l.user ? { 'enduser.id': l.user } : {},
      resource: { 'service.name': l.service, 'host.name': `app-${i}` },
      trace_id: `${'ab'.repeat(15)}${String(i).padStart(2, '0')}`,
    };
    const event = otlpNormalizer.normalize(
      { format: OTLP_LOG_FORMAT, fields, raw: JSON.stringify(fields) },
      { source: 'otlp', receivedAt: T + i * 60_000 },
    );
    event.raw_data ??= JSON.stringify(fields);
    return { event, source: 'otlp', format: OTLP_LOG_FORMAT };
  });
}

/** Security telemetry, including records that pretend to be OpenTelemetry or audit entries. */
export function securityInputs(): StoreInput[] {
  return [
    pipelineInput(
      '<34>1 2026-01-05T10:00:02Z bastion sshd 77 - - SECMARK Failed password for root from 198.51.100.7 port 4242 ssh2',
      'syslog',
      T + 1000,
    ),
    pipelineInput(
      JSON.stringify({
        '@timestamp': '2026-01-05T10:01:00Z',
        message: 'SECMARK user dave ran whoami',
        host: 'ws-1',
        user: 'dave',
        product: 'OpenTelemetry',
        metadata: { log_provider: 'otlp' },
      }),
      'http',
      T + 2000,
    ),
    pipelineInput(
      JSON.stringify({
        time: '2026-01-05T10:02:00Z',
        message: 'SECMARK forged audit entry',
        action: 'login',
        result: 'ok',
        source: 'audit',
        data_class: 'application',
      }),
      'audit',
      T + 3000,
    ),
    pipelineInput(
      JSON.stringify({
        ts: '2026-01-05T10:03:00Z',
        msg: 'SECMARK payment service host compromised',
        service: 'shop',
      }),
      'http',
      T + 4000,
    ),
  ];
}

/** Audit entries as the audit log submits them (source `audit`, format `vigil-audit`). */
export function auditInputs(): StoreInput[] {
  const entries: AuditEntry[] = [
    {
      action: 'login',
      actor: { name: 'dave', kind: 'password' },
      target: 'dave',
      result: 'denied',
      ip: '203.0.113.9',
      time: T + 5000,
      details: { reason: 'AUDMARK bad_password' },
    },
    {
      action: 'search',
      actor: { name: 'erin', role: 'analyst', kind: 'session' },
      target: 'AUDMARK user=root',
      result: 'ok',
      ip: '203.0.113.10',
      time: T + 6000,
    },
  ];
  return entries.map((entry, i) => {
    const record = auditRecord(entry, `audit ${i}`);
    const event = auditNormalizer.normalize(
      { format: AUDIT_FORMAT, fields: record.value!, raw: record.text },
      { source: AUDIT_SOURCE, receivedAt: entry.time! },
    );
    event.raw_data = record.text;
    return { event, source: AUDIT_SOURCE, format: AUDIT_FORMAT };
  });
}

export interface MixedStores {
  /** Application events first (ids 1..app), then security, then audit. */
  mixed: EventStore;
  /** The application events alone: the same ids, the same times. */
  appOnly: EventStore;
  appIds: Set<string>;
  securityIds: Set<string>;
  auditIds: Set<string>;
  close(): Promise<void>;
}

export async function mixedStores(dir = tempDir('vigil-access-')): Promise<MixedStores> {
  const mixed = await EventStore.open(`${dir}/mixed`);
  const appOnly = await EventStore.open(`${dir}/app`);
  const ids = (first: number, n: number) => new Set(Array.from({ length: n }, (_, i) => String(first + i)));
  const app = await mixed.append(applicationInputs());
  await appOnly.append(applicationInputs());
  const sec = await mixed.append(securityInputs());
  const aud = await mixed.append(auditInputs());
  return {
    mixed,
    appOnly,
    appIds: ids(app.firstId, app.count),
    securityIds: ids(sec.firstId, sec.count),
    auditIds: ids(aud.firstId, aud.count),
    close: async () => {
      await mixed.close();
      await appOnly.close();
    },
  };
}

/** Audit entries, kept in memory. */
export class MemoryAudit implements AuditSink {
  readonly entries: AuditEntry[] = [];
  record(entry: AuditEntry): void {
    this.entries.push(entry);
  }
}

export interface TestApi {
  app: FastifyInstance;
  audit: MemoryAudit;
  /** A bearer token per built-in role. */
  tokens: Record<BuiltinRole, string>;
  users: UserStore;
  sessions: SessionStore;
  dataDir: string;
}

/** The real API over a store, with a token per built-in role and password logins enabled. */
export function buildTestApi(
  store: EventStore,
  options: Partial<ApiOptions> = {},
  extra: Partial<ApiDeps> = {},
): TestApi {
  const dataDir = tempDir('vigil-api-');
  const tokenStore = new TokenStore(dataDir);
  const tokens = Object.fromEntries(
    Object.keys(BUILTIN_ROLES).map((role) => [role, tokenStore.create(`t-${role}`, role).token]),
  ) as Record<BuiltinRole, string>;
  const audit = new MemoryAudit();
  const users = new UserStore(dataDir, { N: 2 ** 12, r: 8, p: 1 });
  const sessions = new SessionStore(dataDir);
  const sink: Sink = {
    submit: (batch) => Promise.resolve({ accepted: batch.records.length, rejected: 0, errors: [] }),
  };
  const app = buildApi(
    {
      address: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1 << 20,
      queryTimeoutMs: 10_000,
      userPollMs: 20,
      ...options,
    },
    {
      store,
      sink,
      metrics: new Metrics(),
      tokens: tokenStore,
      log: silentLogger,
      audit,
      users,
      sessions,
      ...extra,
    },
  );
  return { app, audit, tokens, users, sessions, dataDir };
}
