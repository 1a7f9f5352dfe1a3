/**
 * The AlertManager turns Signals into alerts and owns their lifecycle. A signal is dropped if its
 * `details.key` was applied before (replays after a restart), swallowed (and counted) by a matching
 * suppression, joins the open alert of its rule and entities if that saw a signal within
 * `group_window` (event time), and otherwise opens a new alert. Every change is applied to memory
 * at once (so concurrent requests see it), journaled, and acknowledged only once fsync'd; only then
 * do notifications go out and playbooks run. Start-up replays the journal.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Signal } from '../detect/signal.js';
import type { Logger } from '../telemetry/log.js';
import { durationMs, type AlertsConfig } from './config.js';
import { AlertJournal } from './journal.js';
import { compileMatch, type Matcher } from './match.js';
import {
  AlertStateError,
  applyRecord,
  groupKey,
  newAlert,
  severityRank,
  signalKey,
  signalPart,
  STATUSES,
  ulidFactory,
  type Alert,
  type AlertState,
  type CloseReason,
  type JournalRecord,
} from './model.js';
import { Dispatcher, type ChannelStats } from './notify/dispatcher.js';
import { deliverySchema } from './notify/channel.js';
import { createChannel } from './notify/registry.js';
import { PlaybookRunner } from './playbooks.js';
import { alertFilter, groupByRule, sortAlerts, type AlertQuery, type RuleGroup } from './query.js';

/** No alert with this id (HTTP 404). */
export class AlertNotFoundError extends Error {
  constructor(readonly alertId: string) {
    super(`no alert ${alertId}`);
    this.name = 'AlertNotFoundError';
  }
}

export interface AlertManagerOptions {
  dataDir: string;
  config: AlertsConfig;
  log: Logger;
  /** Wall clock (tests pass their own). */
  now?: () => number;
  /** Backoff waits of notification retries and playbook webhooks. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Housekeeping period (held-back summaries, blocklist expiry, compaction); 0 = none. */
  tickMs?: number;
}

export interface IngestResult {
  created: number;
  joined: number;
  duplicates: number;
  suppressed: number;
}

/** The most signal keys remembered for de-duplication (oldest forgotten first). */
const MAX_KEYS = 200_000;

export class AlertManager {
  private readonly state: AlertState = { alerts: new Map(), keys: new Set() };
  /** Grouping key → id of the newest alert of that rule and entities. */
  private readonly byGroup = new Map<string, string>();
  private readonly now: () => number;
  private readonly newId = ulidFactory(() => BigInt(`0x${randomBytes(10).toString('hex')}`));
  private config!: AlertsConfig;
  private windowMs = 0;
  private retentionMs = 0;
  private suppressions: { match: Matcher; until: number; index: number }[] = [];
  private dispatcher!: Dispatcher;
  private playbooks!: PlaybookRunner;
  private timer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private readonly counters = { duplicates: 0, suppressed: new Map<number, number>(), replayWarnings: 0 };

  private constructor(
    private readonly journal: AlertJournal,
    private readonly options: AlertManagerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Open the journal in `<dataDir>/alerts/`, replay it and start housekeeping. */
  static async open(options: AlertManagerOptions): Promise<AlertManager> {
    const { journal, records, warnings } = await AlertJournal.open(join(options.dataDir, 'alerts'));
    const manager = new AlertManager(journal, options);
    manager.configure(options.config);
    for (const w of warnings) options.log.warn({ file: journal.file }, `alerts journal: ${w}`);
    manager.counters.replayWarnings = warnings.length;
    for (const [i, record] of records.entries()) {
      try {
        manager.apply(record);
      } catch (error) {
        manager.counters.replayWarnings++;
        options.log.warn(
          { file: journal.file },
          `alerts journal: record ${i + 1} not applied: ${(error as Error).message}`,
        );
      }
    }
    const tick = options.tickMs ?? 30_000;
    if (tick > 0) {
      manager.timer = setInterval(() => void manager.housekeeping(), tick);
      manager.timer.unref();
    }
    return manager;
  }

  private configure(config: AlertsConfig): void {
    this.config = config;
    this.windowMs = durationMs(config.group_window);
    this.retentionMs = durationMs(config.closed_retention);
    this.suppressions = config.suppress.map((s, index) => ({
      match: compileMatch({
        min_severity: 'informational',
        rules: [s.rule],
        tags: [],
        tactics: [],
        entities: s.entities,
      }),
      until: s.until !== undefined ? Date.parse(s.until) : Infinity,
      index,
    }));
    const channels = new Map(
      Object.entries(config.channels).map(([name, options]) => [
        name,
        {
          channel: createChannel(name, options, this.now),
          delivery: deliverySchema.parse({
            rate_limit: options.rate_limit,
            retry: options.retry,
            timeout_ms: options.timeout_ms,
          }),
        },
      ]),
    );
    this.dispatcher = new Dispatcher(channels, config.routes, {
      log: this.options.log,
      now: this.now,
      sleep: this.options.sleep,
      random: this.options.random,
    });
    this.playbooks = new PlaybookRunner(config.playbooks, {
      log: this.options.log,
      now: this.now,
      sleep: this.options.sleep,
      record: (id, by, action, result) => this.recordAction(id, by, action, result),
    });
  }

  /** Apply a new configuration (SIGHUP): suppressions, channels, routes, playbooks, windows. */
  async reconfigure(config: AlertsConfig): Promise<void> {
    const old = this.dispatcher;
    const oldPlaybooks = this.playbooks;
    this.configure(config);
    await oldPlaybooks.drain();
    await old.close();
  }

  private apply(record: JournalRecord): Alert | undefined {
    const alert = applyRecord(this.state, record, this.config.event_ids_cap);
    if (alert && (record.op === 'created' || record.op === 'snapshot')) {
      const key = groupKey(alert.rule.id, alert.entities);
      const current = this.byGroup.get(key);
      if (current === undefined || current < alert.id) this.byGroup.set(key, alert.id);
    }
    if (this.state.keys.size > MAX_KEYS) {
      const excess = this.state.keys.size - MAX_KEYS;
      let n = 0;
      for (const k of this.state.keys) {
        if (n++ >= excess) break;
        this.state.keys.delete(k);
      }
    }
    return alert;
  }

  /** The open alert this signal joins, if any. */
  private openAlertFor(signal: Signal): Alert | undefined {
    const id = this.byGroup.get(groupKey(signal.rule.id, signal.entities));
    const alert = id !== undefined ? this.state.alerts.get(id) : undefined;
    if (!alert || alert.status === 'closed') return undefined;
    return signal.time - alert.last_seen <= this.windowMs ? alert : undefined;
  }

  private suppressedBy(signal: Signal, now: number): number | undefined {
    const subject = {
      ruleId: signal.rule.id,
      severity: signal.rule.level,
      tags: signal.rule.tags,
      tactics: signal.attack.tactics,
      entities: signal.entities,
    };
    return this.suppressions.find((s) => s.until > now && s.match(subject))?.index;
  }

  /**
   * Turn signals into alerts. Resolves once every change is durable; notifications and playbooks
   * start after that (in the background; `drain` waits for them).
   */
  async ingest(signals: Signal | readonly Signal[]): Promise<IngestResult> {
    const result: IngestResult = { created: 0, joined: 0, duplicates: 0, suppressed: 0 };
    const writes: Promise<void>[] = [];
    const after: { alert: Alert; event: 'created' | 'escalated' }[] = [];
    const now = this.now();
    for (const signal of Array.isArray(signals) ? signals : [signals as Signal]) {
      const key = signalKey(signal);
      if (key !== undefined && this.state.keys.has(key)) {
        result.duplicates++;
        this.counters.duplicates++;
        continue;
      }
      const suppression = this.suppressedBy(signal, now);
      if (suppression !== undefined) {
        result.suppressed++;
        this.counters.suppressed.set(suppression, (this.counters.suppressed.get(suppression) ?? 0) + 1);
        continue;
      }
      const open = this.openAlertFor(signal);
      let record: JournalRecord;
      if (open) {
        record = { op: 'joined', at: now, id: open.id, signal: signalPart(signal) };
        const before = severityRank(open.severity);
        this.apply(record);
        result.joined++;
        if (severityRank(open.severity) > before) after.push({ alert: open, event: 'escalated' });
      } else {
        const alert = newAlert(this.newId(now), signal, now, this.config.event_ids_cap);
        record = { op: 'created', at: now, alert };
        if (key !== undefined) record.key = key;
        this.apply(record);
        result.created++;
        after.push({ alert, event: 'created' });
      }
      writes.push(this.journal.append(record));
    }
    await this.settle(writes);
    for (const { alert, event } of after) {
      this.dispatcher.notify(alert, event);
      this.playbooks.run(alert);
    }
    return result;
  }

  /** Wait for journal writes; after a failed one, heal by compaction and report the failure. */
  private async settle(writes: Promise<void>[]): Promise<void> {
    const outcomes = await Promise.allSettled(writes);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    this.maybeCompact();
    if (failed) throw new Error(`alerts journal write failed: ${(failed.reason as Error).message}`);
  }

  private maybeCompact(): void {
    if (this.journal.dirty || this.journal.appended >= this.config.compact_every)
      void this.compact().catch(() => undefined);
  }

  private async change(id: string, build: (alert: Alert) => JournalRecord): Promise<Alert> {
    const alert = this.state.alerts.get(id);
    if (!alert) throw new AlertNotFoundError(id);
    const record = build(alert);
    this.apply(record);
    await this.settle([this.journal.append(record)]);
    return structuredClone(alert);
  }

  acknowledge(id: string, by: string): Promise<Alert> {
    return this.change(id, () => ({ op: 'acked', at: this.now(), id, by }));
  }

  /** Assign (an empty assignee unassigns). */
  assign(id: string, by: string, assignee: string): Promise<Alert> {
    return this.change(id, () => ({ op: 'assigned', at: this.now(), id, by, assignee }));
  }

  comment(id: string, by: string, text: string): Promise<Alert> {
    return this.change(id, () => ({ op: 'commented', at: this.now(), id, by, text }));
  }

  closeAlert(id: string, by: string, reason: CloseReason, note = ''): Promise<Alert> {
    return this.change(id, () => ({ op: 'closed', at: this.now(), id, by, reason, note }));
  }

  reopen(id: string, by: string): Promise<Alert> {
    return this.change(id, () => ({ op: 'reopened', at: this.now(), id, by }));
  }

  private async recordAction(id: string, by: string, action: string, result: string): Promise<void> {
    if (!this.state.alerts.has(id)) return; // dropped by retention meanwhile
    await this.change(id, () => ({ op: 'action', at: this.now(), id, by, action, result }));
  }

  /** A copy of one alert. */
  get(id: string): Alert | undefined {
    const alert = this.state.alerts.get(id);
    return alert ? structuredClone(alert) : undefined;
  }

  /** Alerts matching a query, sorted and paged, with the total before paging. */
  list(query: AlertQuery): { total: number; alerts: Alert[] } {
    const keep = alertFilter(query, this.now());
    const matched = sortAlerts([...this.state.alerts.values()].filter(keep), query.sort);
    return {
      total: matched.length,
      alerts: matched.slice(query.offset, query.offset + query.limit).map((a) => structuredClone(a)),
    };
  }

  /** Counts by rule of the alerts matching a query. */
  groups(query: AlertQuery): RuleGroup[] {
    const keep = alertFilter(query, this.now());
    return groupByRule([...this.state.alerts.values()].filter(keep));
  }

  /** Counters for /metrics and the API. */
  stats(): {
    alerts: Record<string, number>;
    duplicates: number;
    suppressed: { index: number; rule: string; reason: string; count: number }[];
    replay_warnings: number;
    channels: Record<string, ChannelStats>;
  } {
    const alerts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const a of this.state.alerts.values()) alerts[a.status]!++;
    return {
      alerts,
      duplicates: this.counters.duplicates,
      suppressed: [...this.counters.suppressed].map(([index, count]) => ({
        index,
        rule: this.config.suppress[index]?.rule ?? '?',
        reason: this.config.suppress[index]?.reason ?? '',
        count,
      })),
      replay_warnings: this.counters.replayWarnings,
      channels: this.dispatcher.stats(),
    };
  }

  /** The whole state as journal records; drops closed alerts past retention. */
  private snapshot(): JournalRecord[] {
    const cutoff = this.now() - this.retentionMs;
    const records: JournalRecord[] = [];
    for (const [id, a] of this.state.alerts) {
      if (a.status === 'closed' && a.updated_at < cutoff) {
        this.state.alerts.delete(id);
        continue;
      }
      records.push({ op: 'snapshot', alert: a });
    }
    const keys = [...this.state.keys];
    for (let i = 0; i < keys.length; i += 10_000)
      records.push({ op: 'keys', keys: keys.slice(i, i + 10_000) });
    return records;
  }

  /** Rewrite the journal as the current state. */
  compact(): Promise<void> {
    this.compacting ??= this.journal
      .compact(() => this.snapshot())
      .finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  private async housekeeping(): Promise<void> {
    this.dispatcher.flushHeldBack();
    await this.playbooks.prune();
    this.maybeCompact();
  }

  /** Wait for background notifications and playbooks. */
  async drain(): Promise<void> {
    await this.playbooks.drain();
    await this.dispatcher.drain();
  }

  /** Stop housekeeping, finish background work, close channels and the journal. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.drain();
    await this.dispatcher.close();
    if (this.compacting) await this.compacting.catch(() => undefined);
    await this.journal.close();
  }
}

export { AlertStateError };
