/**
 * Detection in the stream: `vigil serve` runs every event, as it is stored, through the detection
 * engine (engine.ts: Sigma rules, Sigma correlations, Vigil sequences, pluggable analyzers), and
 * stores each finding in the same transaction as the event (so a crash never keeps one without
 * the other). Rules reload when their files change (polled) or on SIGHUP; a rule set that fails
 * to load leaves the running one; windows carry over to the new rules.
 *
 * Life cycle, as the server drives it:
 *  - `start()` loads the rules and restores `<dataDir>/state/correlation.json` if there is one;
 *    `recover(store)` then replays the stored events after the snapshot's watermark id through
 *    the stateful detectors (before new events are appended).
 *  - `findings(inputs)` is the store's `derive` callback: it returns the findings to store with
 *    the batch and keeps the batch's Signals pending. A retried batch (same first id and size)
 *    gets the same findings again and is not counted twice.
 *  - `committed()` is called after the batch's transaction committed: the pending Signals go to
 *    every `onSignals` callback (the alert manager), and the state is saved when
 *    `stateIntervalMs` has passed (only there: the saved state never includes uncommitted
 *    events).
 *  - `stop()` saves the state.
 */
import { statSync } from 'node:fs';
import type { EventStore, StoreInput } from '../store/duckdb.js';
import { restoreEvent } from '../store/event-json.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { statePath, readStateFile, writeStateFile } from './correlation/state.js';
import { contentFiles, DetectionEngine, FINDINGS_SOURCE, loadDetectionContent } from './engine.js';
import { recordFields } from './offline.js';
import type { Signal, StreamAnalyzer } from './signal.js';

export { FINDINGS_SOURCE };

export interface StreamDetectOptions {
  /** Rule files or directories (SigmaHQ layout welcome: deprecated/unsupported are skipped). */
  rules: readonly string[];
  /** YAML file of `%placeholder%` values for `|expand`. */
  placeholders?: string;
  /** Poll the rule files for changes every this many ms (0: only on SIGHUP). */
  reloadIntervalMs?: number;
  /**
   * Load the built-in rules too. Default false here: the server passes `detect.builtin` (whose
   * own default is true).
   */
  builtin?: boolean;
  /** Allowed lateness of out-of-order events (`detect.lateness_ms`, default 60000). */
  latenessMs?: number;
  /** Most correlation/sequence groups kept (`detect.max_groups`, default 200000). */
  maxGroups?: number;
  /** Save the window state at most this often (`detect.state_interval_ms`, default 10000). */
  stateIntervalMs?: number;
  /** The data directory: the state is kept in `<dataDir>/state/correlation.json`. */
  dataDir?: string;
}

export class StreamDetector {
  private engine: DetectionEngine | undefined;
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly analyzers: StreamAnalyzer[] = [];
  private readonly callbacks: ((signals: Signal[]) => void)[] = [];
  private pending: Signal[] = [];
  private lastBatch:
    { firstId: string; count: number; findings: StoreInput[]; signals: Signal[] } | undefined;
  private lastSave = 0;

  constructor(
    private options: StreamDetectOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Load the rules (throws when a path does not exist), restore the saved state; start watching. */
  start(): void {
    this.reload(true);
    this.restoreState();
    const every = this.options.reloadIntervalMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => this.reload(false), every);
      this.timer.unref();
    }
  }

  /** Stop watching and save the state. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.saveState();
  }

  /** New settings (config reload): rebuild now. */
  configure(options: StreamDetectOptions): void {
    this.options = options;
    this.signature = '';
    this.reload(false);
  }

  /** Every Signal, after the batch that raised it is committed (see `committed`). */
  onSignals(callback: (signals: Signal[]) => void): void {
    this.callbacks.push(callback);
  }

  /** A stateful detector run on every event (its state is saved with the windows). */
  addAnalyzer(analyzer: StreamAnalyzer): void {
    this.analyzers.push(analyzer);
    this.engine?.addAnalyzer(analyzer);
  }

  /** The engine in use (tests, metrics). */
  get current(): DetectionEngine | undefined {
    return this.engine;
  }

  private loadOptions(): StreamDetectOptions {
    return { ...this.options, builtin: this.options.builtin === true };
  }

  /** Files, sizes and times: what changing a rule changes. */
  private currentSignature(): string {
    const files = contentFiles(this.loadOptions());
    const parts = files.map((f) => {
      const s = statSync(f);
      return `${f}:${s.size}:${s.mtimeMs}`;
    });
    if (this.options.placeholders)
      parts.push(`${this.options.placeholders}:${statSync(this.options.placeholders).mtimeMs}`);
    return parts.join('\n');
  }

  /** Rebuild if the rule files changed. `strict`: errors throw (at start) instead of being logged. */
  reload(strict: boolean): void {
    try {
      const signature = this.currentSignature();
      if (signature === this.signature) return;
      const started = performance.now();
      const content = loadDetectionContent(this.loadOptions());
      const engine = new DetectionEngine(content, {
        analyzers: this.analyzers,
        ...(this.options.latenessMs !== undefined ? { latenessMs: this.options.latenessMs } : {}),
        ...(this.options.maxGroups !== undefined ? { maxGroups: this.options.maxGroups } : {}),
      });
      // The open windows carry over (those of removed rules are dropped).
      if (this.engine) engine.restore(this.engine.snapshot());
      const reports = content.reports;
      const loaded = reports.filter((r) => r.kind === 'rule' && r.status === 'ok').length;
      const unsupported = reports.filter((r) => r.status === 'unsupported' || r.kind === 'invalid');
      this.engine = engine;
      this.signature = signature;
      this.metrics.rulesLoaded.set(loaded + content.correlations.length + content.sequences.length);
      this.log.info(
        {
          rules: loaded,
          correlations: content.correlations.length,
          sequences: content.sequences.length,
          unsupported: unsupported.length,
          examples: unsupported.slice(0, 3).map((r) => `${r.path ?? r.id}: ${r.reason}`),
          ms: Math.round(performance.now() - started),
        },
        'detection rules loaded',
      );
    } catch (error) {
      if (strict) throw error;
      this.log.error({ err: String(error) }, 'detection rules not reloaded; the running set stays');
    }
  }

  /**
   * The findings for events just given their ids by the store. Never throws: a rule that fails
   * on an event is counted and does not match.
   */
  findings(inputs: readonly StoreInput[]): StoreInput[] {
    const engine = this.engine;
    if (!engine || inputs.length === 0) return [];
    const firstId = inputs[0]!.event.metadata.uid ?? '';
    const last = this.lastBatch;
    if (last && last.firstId === firstId && last.count === inputs.length) {
      // The same batch again (its write failed and is retried): the same answer, counted once.
      this.pending = [...last.signals];
      return last.findings;
    }
    const errors = engine.counters.errors;
    const { signals, findings } = engine.process(inputs);
    if (engine.counters.errors > errors) {
      this.metrics.detectErrors.inc(engine.counters.errors - errors);
      this.log.debug({ err: engine.counters.lastError }, 'rule evaluation failed');
    }
    for (const s of signals) this.metrics.detections.inc({ level: s.rule.level });
    this.pending = signals;
    this.lastBatch = { firstId, count: inputs.length, findings, signals };
    return findings;
  }

  /** The batch is committed: hand its Signals on, and save the state when it is time. */
  committed(now = Date.now()): void {
    const signals = this.pending;
    this.pending = [];
    this.lastBatch = undefined;
    if (signals.length > 0) this.deliver(signals);
    if (now - this.lastSave >= (this.options.stateIntervalMs ?? 10_000)) this.saveState(now);
  }

  private deliver(signals: Signal[]): void {
    for (const callback of this.callbacks) {
      try {
        callback(signals);
      } catch (error) {
        this.log.error({ err: String(error) }, 'signal callback failed');
      }
    }
  }

  /** Write the window state now (no-op without a data directory). Logs instead of throwing. */
  saveState(now = Date.now()): void {
    if (!this.engine || !this.options.dataDir) return;
    try {
      writeStateFile(statePath(this.options.dataDir), this.engine.snapshot());
      this.lastSave = now;
    } catch (error) {
      this.log.error({ err: String(error) }, 'detection state not saved');
    }
  }

  /** Whether a saved state was restored (else detection starts at the store's end). */
  private restored = false;

  private restoreState(): void {
    if (!this.engine || !this.options.dataDir) return;
    const path = statePath(this.options.dataDir);
    try {
      const state = readStateFile(path);
      if (state === undefined) return;
      this.engine.restore(state);
      this.restored = true;
      this.log.info({ path, watermarkId: this.engine.watermarkId }, 'detection state restored');
    } catch (error) {
      this.log.warn({ err: String(error), path }, 'detection state not restored; starting empty');
    }
  }

  /**
   * Replay the stored events after the state's watermark id through the stateful detectors
   * (before new events are stored). Their Signals go to the callbacks (duplicates of incidents
   * already alerted share their `details.key`). Returns how many events were replayed.
   */
  async recover(store: EventStore, chunk = 5000): Promise<number> {
    const engine = this.engine;
    if (!engine) return 0;
    const maxId = await store.maxId();
    if (!this.restored) {
      // No saved state (detection is new here): it starts with the events that arrive from now.
      if (maxId > engine.watermarkId) engine.watermarkId = maxId;
      return 0;
    }
    if (maxId - engine.watermarkId > MAX_REPLAY_EVENTS) {
      this.log.warn(
        { behind: maxId - engine.watermarkId, replayed: MAX_REPLAY_EVENTS },
        'detection state is far behind the store: only the latest events are replayed',
      );
      engine.watermarkId = maxId - MAX_REPLAY_EVENTS;
    }
    let replayed = 0;
    for (;;) {
      const result = await store.query(
        'SELECT * FROM events WHERE id > $1 AND source <> $2 ORDER BY id LIMIT $3',
        [BigInt(engine.watermarkId), FINDINGS_SOURCE, chunk],
      );
      if (result.rows.length === 0) break;
      const inputs = result.rows.map((row) => storedInput(result.columns, row));
      const signals = engine.replay(inputs);
      replayed += inputs.length;
      if (signals.length > 0) this.deliver(signals);
      const lastId = Number(result.rows[result.rows.length - 1]![result.columns.indexOf('id')]);
      if (lastId > engine.watermarkId) engine.watermarkId = lastId;
      if (result.rows.length < chunk) break;
    }
    if (replayed > 0)
      this.log.info({ events: replayed, watermarkId: engine.watermarkId }, 'detection state caught up');
    return replayed;
  }
}

/** Most stored events replayed at start (the state is saved every few seconds, so normally few). */
const MAX_REPLAY_EVENTS = 1_000_000;

/** A stored row → the input it was stored from: the OCSF event (with its id) and parsed fields. */
export function storedInput(columns: readonly string[], row: readonly unknown[]): StoreInput {
  const index = new Map(columns.map((c, i) => [c, i]));
  const at = (name: string) => row[index.get(name) ?? -1];
  const event = restoreEvent(JSON.parse(String(at('data') ?? '{}')) as Record<string, unknown>, (name) =>
    at(name),
  ) as unknown as StoreInput['event'];
  event.metadata = { ...(event.metadata ?? {}), uid: String(at('id')) } as StoreInput['event']['metadata'];
  const raw = at('raw_data');
  const format = at('raw_format');
  const input: StoreInput = { event, source: String(at('source')) };
  if (typeof raw === 'string') {
    event.raw_data = raw;
    const parsed = recordFields(
      { text: raw, position: `event ${String(at('id'))}`, ...(typeof format === 'string' ? { format } : {}) },
      typeof format === 'string' ? format : undefined,
    );
    if ('fields' in parsed) input.fields = parsed.fields;
  }
  if (typeof format === 'string') input.format = format;
  return input;
}
