/**
 * The audit log: who did what to which target, when, from where, and with what result. Entries go
 * through the normal pipeline sink as records of source `audit`, format `vigil-audit` (normalized
 * to OCSF by ./normalize.ts), so they are stored with data class `audit`, searchable by auditors
 * (`source=audit`) and covered by the Merkle evidence log like every stored event.
 *
 * `record()` never blocks or throws: entries are batched and submitted in the background; if the
 * pipeline cannot take them the failure is logged and counted. Secrets never get in: detail keys
 * that name passwords, tokens, secrets, cookies or authorization are replaced by `[redacted]`.
 */
import type { RawRecord, Sink } from '../sources/source.js';
import { AUDIT_FORMAT, AUDIT_SOURCE } from '../store/schema.js';
import type { Logger } from '../telemetry/log.js';

export type AuditResult = 'ok' | 'denied' | 'error';

export interface AuditActor {
  /** A user's or token's name; `anonymous` when nobody authenticated; `system` for Vigil itself. */
  name: string;
  role?: string;
  /** How the actor authenticated. */
  kind?: 'token' | 'session' | 'password' | 'local' | 'system' | 'none';
}

export interface AuditEntry {
  /** What was done: `login`, `logout`, `search`, `evidence.export`, `token.create`, `user.add`,
   *  `config.reload`, `rules.reload`, `alert.ack`, `api.request`... (dotted, lower case). */
  action: string;
  actor: AuditActor;
  /** What it was done to: a user, a token id, an alert id, a query, a route. */
  target?: string;
  result: AuditResult;
  /** Epoch ms; defaults to when `record` was called. */
  time?: number;
  /** Where from. */
  ip?: string;
  user_agent?: string;
  /** The HTTP request, for API calls. */
  http?: { method: string; path: string; status: number; request_id?: string };
  /** Anything else worth keeping (no secrets: such keys are redacted). */
  details?: Record<string, unknown>;
}

/** Where audit entries go. The alerts API and others take one of these. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** An AuditSink that drops everything (tests, tools that have no pipeline). */
export const NO_AUDIT: AuditSink = { record() {} };

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential/i;
const MAX_TEXT = 2000;
const MAX_DEPTH = 4;

/** A copy with secret-looking keys redacted and long strings cut (pure). */
export function redactDetails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactDetails(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactDetails(v, depth + 1);
  return out;
}

/** The pipeline record of one entry (pure). */
export function auditRecord(entry: AuditEntry, position: string): RawRecord {
  const value = JSON.parse(JSON.stringify({ ...entry, details: redactDetails(entry.details) })) as Record<
    string,
    unknown
  >;
  if (entry.details === undefined) delete value.details;
  if (typeof value.target === 'string') value.target = redactDetails(value.target);
  return { text: JSON.stringify(value), value, format: AUDIT_FORMAT, position };
}

export interface AuditLogOptions {
  log?: Logger;
  /** How long entries wait to be submitted together (ms). */
  flushMs?: number;
  /** Entries waiting, at most; more are dropped (and counted) while the pipeline is stuck. */
  maxPending?: number;
  clock?: () => number;
}

/** Audit entries into the pipeline, batched. */
export class AuditLog implements AuditSink {
  private pending: RawRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private seq = 0;
  /** Entries lost (pipeline refused or too many waiting). */
  dropped = 0;
  private closed = false;

  constructor(
    private readonly sink: Sink,
    private readonly options: AuditLogOptions = {},
  ) {}

  record(entry: AuditEntry): void {
    if (this.closed) return;
    if (this.pending.length >= (this.options.maxPending ?? 10_000)) {
      this.dropped++;
      return;
    }
    const time = entry.time ?? (this.options.clock ?? Date.now)();
    try {
      this.pending.push(auditRecord({ ...entry, time }, `audit entry ${++this.seq}`));
    } catch (error) {
      this.dropped++;
      this.options.log?.warn(
        { err: (error as Error).message, action: entry.action },
        'audit entry not recorded',
      );
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 100);
  }

  /** Submit what waits now; resolves once it is stored (or failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return Promise.all([...this.inflight]).then(() => undefined);
    const records = this.pending;
    this.pending = [];
    const done = this.sink
      .submit({ source: AUDIT_SOURCE, records }, { wait: true })
      .then(
        (result) => {
          if (result.rejected > 0) {
            this.dropped += result.rejected;
            this.options.log?.error({ errors: result.errors }, 'audit entries rejected by the pipeline');
          }
        },
        (error: Error) => {
          this.dropped += records.length;
          this.options.log?.error(
            { err: error.message, entries: records.length },
            'audit entries not stored',
          );
        },
      )
      .finally(() => this.inflight.delete(done));
    this.inflight.add(done);
    return Promise.all([...this.inflight]).then(() => undefined);
  }

  /** Store what waits and stop taking entries. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
