/**
 * The detection engine: everything that looks at events as they are stored, in one place —
 * Sigma rules (per event), Sigma correlations and Vigil sequences (stateful, across events and
 * sources), and pluggable stream analyzers (baselines, first-seen). For a batch of inputs that
 * just got their store ids it returns the Signals and the Detection Findings to store with them.
 *
 * Order per event: Sigma rules → analyzers → correlations (fed by the Sigma matches) → sequences
 * (fed by the matches, the analyzers' and the correlations' signals, and the normalized event).
 * Base rules that a correlation references without `generate: true` give no finding of their own.
 *
 * State: the correlation and sequence windows and the analyzers' state form one snapshot, with
 * the highest store event id it includes (`watermarkId`). Events after it are replayed with
 * `replay` (stateful detectors only: the Sigma findings of stored events are already stored).
 * Loading reads files; `process` is pure apart from the detectors' own state.
 */
import { readFileSync } from 'node:fs';
import { getPath, type OcsfEvent } from '../normalize/ocsf.js';
import type { StoreInput } from '../store/duckdb.js';
import { CorrelationEngine, type WindowOptions } from './correlation/engine.js';
import { parseCorrelationYaml, type CorrelationRule } from './correlation/rule.js';
import { recordEvent } from './offline.js';
import { builtinRulesDir } from './rules/builtin.js';
import { SequenceEngine } from './sequence/engine.js';
import { isSequenceFile, parseSequenceYaml, type SequenceRule } from './sequence/rule.js';
import { SigmaError } from './sigma/errors.js';
import { detectionFinding, signalFinding, type MatchedEvent } from './sigma/finding.js';
import { findRuleFiles, loadPlaceholders } from './sigma/load.js';
import { parseSigmaYaml, type SigmaDocument } from './sigma/rule.js';
import { buildRuleSet, type RuleMatch, type RuleReport, type RuleSet } from './sigma/ruleset.js';
import { attackFromTags, type Signal, type StreamAnalyzer } from './signal.js';

/** The source name findings are stored under (skipped as input). */
export const FINDINGS_SOURCE = 'sigma';

export interface DetectionContent {
  ruleSet: RuleSet;
  correlations: CorrelationRule[];
  sequences: SequenceRule[];
  /** Every document: Sigma rules, correlations, sequences, and those that could not be used. */
  reports: RuleReport[];
}

export interface LoadOptions {
  /** Rule files or folders (Sigma rules, correlations and sequence files side by side). */
  rules: readonly string[];
  placeholders?: string;
  /** Also load the built-in rules (default true). */
  builtin?: boolean;
}

/** Every rule file the options name (the built-in folder last). */
export function contentFiles(options: LoadOptions): string[] {
  const paths = [...options.rules];
  if (options.builtin !== false) paths.push(builtinRulesDir());
  return findRuleFiles(paths);
}

/** Read and build the detection content. Throws when a path does not exist. */
export function loadDetectionContent(options: LoadOptions): DetectionContent {
  const documents: (SigmaDocument | SigmaError)[] = [];
  const correlations: CorrelationRule[] = [];
  const sequences: SequenceRule[] = [];
  const reports: RuleReport[] = [];
  for (const file of contentFiles(options)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      documents.push(
        new SigmaError('invalid_rule', `cannot read: ${(error as Error).message}`, undefined, file),
      );
      continue;
    }
    if (isSequenceFile(text)) {
      for (const s of parseSequenceYaml(text, file)) {
        if (s instanceof SigmaError) reports.push(errorReport(s));
        else {
          sequences.push(s);
          reports.push({
            kind: 'correlation',
            path: file,
            document: s.document,
            id: s.id,
            title: s.title,
            status: 'ok',
          });
        }
      }
      continue;
    }
    documents.push(...parseSigmaYaml(text, file));
    for (const c of parseCorrelationYaml(text, file)) {
      if (c instanceof SigmaError) reports.push(errorReport(c));
      else correlations.push(c);
    }
  }
  const placeholders = options.placeholders ? loadPlaceholders(options.placeholders) : undefined;
  const built = buildRuleSet(documents, placeholders ? { placeholders } : {});
  // Correlations the Sigma builder reports as unsupported are supported here when they parsed.
  const parsed = new Set(correlations.map((c) => `${c.path}#${c.document}`));
  for (const r of built.reports) {
    if (r.kind === 'correlation' && parsed.has(`${r.path}#${r.document}`))
      reports.push({
        kind: 'correlation',
        path: r.path,
        document: r.document,
        id: r.id,
        title: r.title,
        status: 'ok',
      });
    else if (r.kind !== 'correlation') reports.push(r);
  }
  return { ruleSet: built.ruleSet, correlations, sequences, reports };
}

function errorReport(e: SigmaError): RuleReport {
  const report: RuleReport = { kind: 'invalid', status: 'unsupported', reason: e.reason, detail: e.detail };
  if (e.path !== undefined) report.path = e.path;
  if (e.location !== undefined) report.location = e.location;
  return report;
}

export interface EngineOptions extends WindowOptions {
  analyzers?: readonly StreamAnalyzer[];
}

export interface EngineOutput {
  signals: Signal[];
  findings: StoreInput[];
}

export interface EngineCounters {
  /** Inputs looked at (findings excluded). */
  events: number;
  /** A rule or analyzer that threw on an event (counted; it did not match). */
  errors: number;
  lastError?: string;
}

/** What an analyzer, correlation or sequence snapshot looks like on disk. */
export interface EngineSnapshot {
  version: 1;
  /** The highest store event id the state includes. */
  watermarkId: number;
  correlation: unknown;
  sequence: unknown;
  analyzers: Record<string, unknown>;
}

export class DetectionEngine {
  readonly correlation: CorrelationEngine;
  readonly sequence: SequenceEngine;
  private readonly analyzers: StreamAnalyzer[];
  /** Highest store event id processed. */
  watermarkId = 0;
  readonly counters: EngineCounters = { events: 0, errors: 0 };

  constructor(
    readonly content: Pick<DetectionContent, 'ruleSet' | 'correlations' | 'sequences'>,
    options: EngineOptions = {},
  ) {
    this.correlation = new CorrelationEngine(content.correlations, options);
    this.sequence = new SequenceEngine(content.sequences, options);
    this.analyzers = [...(options.analyzers ?? [])];
  }

  addAnalyzer(analyzer: StreamAnalyzer): void {
    this.analyzers.push(analyzer);
  }

  /** Signals and findings for stored inputs (ids in `event.metadata.uid`). Never throws. */
  process(inputs: readonly StoreInput[]): EngineOutput {
    const out: EngineOutput = { signals: [], findings: [] };
    for (const input of inputs) this.one(input, out, false);
    return out;
  }

  /**
   * Stored events after the snapshot, again through the stateful detectors only: their signals
   * (an incident already alerted has the same `details.key`), no findings.
   */
  replay(inputs: readonly StoreInput[]): Signal[] {
    const out: EngineOutput = { signals: [], findings: [] };
    for (const input of inputs) this.one(input, out, true);
    return out.signals;
  }

  private fail(error: unknown, what: string): void {
    this.counters.errors++;
    this.counters.lastError = `${what}: ${String(error)}`;
  }

  private one(input: StoreInput, out: EngineOutput, replay: boolean): void {
    if (input.source === FINDINGS_SOURCE) return;
    const event = input.event;
    const uid = event.metadata.uid;
    const id = Number(uid);
    if (uid === undefined) return;
    if (Number.isSafeInteger(id)) {
      if (replay && id <= this.watermarkId) return;
      if (id > this.watermarkId) this.watermarkId = id;
    }
    this.counters.events++;
    const time = event.time;
    let matches: RuleMatch[] = [];
    let view: ReturnType<typeof recordEvent>['view'] | undefined;
    if (input.fields) {
      try {
        view = recordEvent(input.fields).view;
        matches = this.content.ruleSet.match(view);
      } catch (error) {
        this.fail(error, 'sigma');
      }
    }
    const emitted: Signal[] = [];
    if (!replay) {
      for (const m of matches) {
        if (this.correlation.isHidden(m.info)) continue;
        out.findings.push(this.sigmaFinding(m, input));
        emitted.push(sigmaSignal(m, event));
      }
    }
    const bySignal = new Map<string, { entities: Record<string, string>; eventIds: string[] }>();
    const stateful: Signal[] = [];
    for (const analyzer of this.analyzers) {
      try {
        for (const s of analyzer.observe(event, time)) {
          stateful.push(s);
          bySignal.set(s.rule.id, s);
        }
      } catch (error) {
        this.fail(error, analyzer.name);
      }
    }
    const field = (name: string): unknown => {
      const v = view?.get(name);
      return v === undefined || v === null ? getPath(event, name) : v;
    };
    try {
      const refs = matches.map((m) => ({
        ...(m.info.id ? { id: m.info.id } : {}),
        ...(m.info.name ? { name: m.info.name } : {}),
      }));
      for (const s of this.correlation.observe({ time, eventId: uid, matches: refs, field })) {
        stateful.push(s);
        bySignal.set(s.rule.id, s);
      }
    } catch (error) {
      this.fail(error, 'correlation');
    }
    try {
      const rules = new Set<string>();
      for (const m of matches) {
        if (m.info.id) rules.add(m.info.id);
        if (m.info.name) rules.add(m.info.name);
      }
      stateful.push(...this.sequence.observe({ time, eventId: uid, event, rules, signals: bySignal }));
    } catch (error) {
      this.fail(error, 'sequence');
    }
    for (const s of stateful) {
      emitted.push(s);
      if (!replay) out.findings.push(findingInput(signalFinding(s), input));
    }
    out.signals.push(...emitted);
  }

  private sigmaFinding(m: RuleMatch, input: StoreInput): StoreInput {
    const event = input.event;
    const matched: MatchedEvent = { time: event.time };
    if (event.metadata.uid !== undefined) matched.uid = event.metadata.uid;
    if (event.metadata.product.name) matched.product = event.metadata.product.name;
    if (event.metadata.log_name) matched.logName = event.metadata.log_name;
    const finding = detectionFinding(m.info, matched);
    copyContext(event, finding);
    return findingInput(finding, input);
  }

  snapshot(): EngineSnapshot {
    const analyzers: Record<string, unknown> = {};
    for (const a of this.analyzers) analyzers[a.name] = a.snapshot();
    return {
      version: 1,
      watermarkId: this.watermarkId,
      correlation: this.correlation.snapshot(),
      sequence: this.sequence.snapshot(),
      analyzers,
    };
  }

  /** Restore a snapshot. Throws when it is malformed (the engine may then be partly restored). */
  restore(state: unknown): void {
    const s = state as EngineSnapshot;
    if (!s || s.version !== 1 || typeof s.watermarkId !== 'number')
      throw new Error('not a detection state snapshot');
    this.correlation.restore(s.correlation);
    this.sequence.restore(s.sequence);
    for (const a of this.analyzers) if (s.analyzers && a.name in s.analyzers) a.restore(s.analyzers[a.name]);
    this.watermarkId = s.watermarkId;
  }
}

function findingInput(finding: OcsfEvent, input: StoreInput): StoreInput {
  return {
    event: finding,
    source: FINDINGS_SOURCE,
    ...(input.walSeq !== undefined ? { walSeq: input.walSeq } : {}),
  };
}

/** A Sigma match as a Signal: about the event's host and user when it names them. */
export function sigmaSignal(m: RuleMatch, event: OcsfEvent): Signal {
  const info = m.info;
  const entities: Record<string, string> = {};
  const host = getPath(event, 'device.hostname');
  if (typeof host === 'string') entities.host = host;
  const user = getPath(event, 'actor.user.name') ?? getPath(event, 'user.name');
  if (typeof user === 'string') entities.user = user;
  const uid = event.metadata.uid ?? '';
  const ruleId = info.id ?? info.title;
  return {
    kind: 'sigma',
    rule: {
      id: ruleId,
      title: info.title,
      level: info.level ?? 'informational',
      tags: info.tags,
      ...(info.description ? { description: info.description } : {}),
    },
    firstTime: event.time,
    time: event.time,
    entities,
    eventIds: uid ? [uid] : [],
    attack: attackFromTags(info.tags),
    summary: `${info.title}${entities.host ? ` on ${entities.host}` : ''}`,
    details: { key: `${ruleId}|${uid}` },
  };
}

/**
 * What an analyst pivots on, copied from the event to its finding: the host (with the `host`
 * profile), and the actor, process and endpoints as the finding's evidence.
 */
export function copyContext(from: OcsfEvent, to: OcsfEvent): void {
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
