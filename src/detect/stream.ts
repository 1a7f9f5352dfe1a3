/**
 * Sigma in the stream: `vigil serve` evaluates every event as it is stored against the rules in
 * the configured paths, and stores each match as an OCSF Detection Finding (2004) in the same
 * transaction as the event (so a crash never keeps one without the other). Rules reload when
 * their files change (polled) or on SIGHUP; a rule set that fails to load leaves the running one.
 */
import { statSync } from 'node:fs';
import type { OcsfEvent } from '../normalize/ocsf.js';
import type { StoreInput } from '../store/duckdb.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { recordEvent } from './offline.js';
import { detectionFinding, type MatchedEvent } from './sigma/finding.js';
import { findRuleFiles, loadPlaceholders, loadRuleDocuments } from './sigma/load.js';
import { buildRuleSet, type RuleSet } from './sigma/ruleset.js';

export interface StreamDetectOptions {
  /** Rule files or directories (SigmaHQ layout welcome: deprecated/unsupported are skipped). */
  rules: readonly string[];
  /** YAML file of `%placeholder%` values for `|expand`. */
  placeholders?: string;
  /** Poll the rule files for changes every this many ms (0: only on SIGHUP). */
  reloadIntervalMs?: number;
}

/** The source name findings are stored under. */
export const FINDINGS_SOURCE = 'sigma';

export class StreamDetector {
  private ruleSet: RuleSet | undefined;
  private signature = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private options: StreamDetectOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Load the rules (throws when a path does not exist); start watching. */
  start(): void {
    this.reload(true);
    const every = this.options.reloadIntervalMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => this.reload(false), every);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** New settings (config reload): rebuild now. */
  configure(options: StreamDetectOptions): void {
    this.options = options;
    this.signature = '';
    this.reload(false);
  }

  /** Files, sizes and times: what changing a rule changes. */
  private currentSignature(): string {
    const files = findRuleFiles(this.options.rules);
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
      const documents = loadRuleDocuments(this.options.rules);
      const placeholders = this.options.placeholders
        ? loadPlaceholders(this.options.placeholders)
        : undefined;
      const { ruleSet, reports } = buildRuleSet(documents, placeholders ? { placeholders } : {});
      const loaded = reports.filter((r) => r.kind === 'rule' && r.status === 'ok').length;
      const unsupported = reports.filter((r) => r.status === 'unsupported' || r.kind === 'invalid');
      this.ruleSet = ruleSet;
      this.signature = signature;
      this.metrics.rulesLoaded.set(loaded);
      this.log.info(
        {
          rules: loaded,
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
   * The findings for events just given their ids by the store: one per rule match. Never throws:
   * a rule that fails on an event is counted and does not match.
   */
  findings(inputs: readonly StoreInput[]): StoreInput[] {
    const ruleSet = this.ruleSet;
    if (!ruleSet) return [];
    const out: StoreInput[] = [];
    for (const input of inputs) {
      if (!input.fields || input.source === FINDINGS_SOURCE) continue;
      let matches;
      try {
        matches = ruleSet.match(recordEvent(input.fields).view);
      } catch (error) {
        this.metrics.detectErrors.inc();
        this.log.debug({ err: String(error) }, 'rule evaluation failed');
        continue;
      }
      if (matches.length === 0) continue;
      const event = input.event;
      const matched: MatchedEvent = { time: event.time };
      if (event.metadata.uid !== undefined) matched.uid = event.metadata.uid;
      if (event.metadata.product.name) matched.product = event.metadata.product.name;
      if (event.metadata.log_name) matched.logName = event.metadata.log_name;
      for (const m of matches) {
        const finding: OcsfEvent = detectionFinding(m.info, matched);
        copyContext(event, finding);
        this.metrics.detections.inc({ level: m.info.level ?? 'unknown' });
        out.push({
          event: finding,
          source: FINDINGS_SOURCE,
          ...(input.walSeq !== undefined ? { walSeq: input.walSeq } : {}),
        });
      }
    }
    return out;
  }
}

/**
 * What an analyst pivots on, copied from the event to its finding: the host (with the `host`
 * profile), and the actor, process and endpoints as the finding's evidence.
 */
function copyContext(from: OcsfEvent, to: OcsfEvent): void {
  const f = from as unknown as Record<string, unknown>;
  const t = to as unknown as Record<string, unknown>;
  if (f.device !== undefined) {
    t.device = f.device;
    to.metadata.profiles = [...new Set([...(to.metadata.profiles ?? []), 'host'])];
  }
  const evidence = (t.evidences as Record<string, unknown>[] | undefined)?.[0];
  if (!evidence) return;
  for (const key of ['actor', 'process', 'src_endpoint', 'dst_endpoint'] as const)
    if (f[key] !== undefined) evidence[key] = f[key];
}
