/**
 * Trace sampling in front of the span store.
 *
 * - Head sampling: keep a trace when a hash of its id falls under `head_ratio` (the low 52 bits of
 *   the id as a fraction: deterministic, so every span of a trace, every receiver and its logs
 *   agree).
 * - Tail sampling (optional): spans wait `decision_wait_s` in memory, grouped by trace; the trace is
 *   kept if a span has status error, lasts longer than `latency_threshold_ms`, or touches a flagged
 *   entity (configured attribute values: user ids, addresses...), else at `keep_ratio`. Later spans
 *   of a decided trace follow its decision. Memory is bounded: at most `max_traces` traces wait;
 *   beyond, the oldest is decided early (counted as `early_decisions`).
 * - Security-relevant spans (authentication, authorization, policy: security.ts) are always kept,
 *   whatever the ratios, and make their whole trace kept under tail sampling.
 *
 * Acknowledgement: without tail sampling, `writeSpans` resolves when the kept spans are committed.
 * With tail sampling, spans that must wait for the decision are acknowledged once buffered (like
 * the OpenTelemetry Collector's tail sampler): a crash loses at most `decision_wait_s` of
 * undecided spans. Security-relevant spans are never buffered: they are written at once.
 */
import { z } from 'zod';
import type { Attributes, SpanRecord, SpanSink } from './model.js';
import { STATUS_ERROR } from './model.js';
import { isSecurityRelevant, securityPatterns, type SecurityPatterns } from './security.js';

export const samplingConfigSchema = z
  .object({
    head_ratio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('Fraction of traces kept by head sampling (1 = all).'),
    tail: z
      .object({
        decision_wait_s: z
          .number()
          .positive()
          .max(300)
          .default(5)
          .describe('How long a trace waits for its spans.'),
        latency_threshold_ms: z
          .number()
          .nonnegative()
          .default(1000)
          .describe('Traces slower than this are kept.'),
        keep_ratio: z.number().min(0).max(1).default(0.1).describe('Fraction of the other traces kept.'),
        flagged: z
          .record(z.string(), z.array(z.union([z.string(), z.number()])))
          .default({})
          .describe(
            'Attribute values that make a trace kept, e.g. {"enduser.id": ["alice"], "client.address": [...]}.',
          ),
        max_traces: z
          .number()
          .int()
          .positive()
          .default(50_000)
          .describe('Traces waiting at most; beyond, decide early.'),
      })
      .strict()
      .optional()
      .describe('Tail sampling; absent = off.'),
    security: z
      .object({
        names: z
          .array(z.string())
          .default([])
          .describe('Extra regexes for span/event names (case-insensitive).'),
        attribute_keys: z.array(z.string()).default([]).describe('Extra regexes for attribute keys.'),
        attribute_values: z.record(z.string(), z.array(z.union([z.string(), z.number()]))).default({}),
      })
      .strict()
      .optional()
      .describe('Extra patterns for security-relevant spans and logs (always kept), added to the defaults.'),
  })
  .strict();

export type SamplingConfig = z.infer<typeof samplingConfigSchema>;

export interface SamplingStats {
  /** Spans passed to the store. */
  sampled: number;
  /** Spans dropped by head or tail sampling. */
  dropped: number;
  /** Security-relevant spans kept regardless of the ratios. */
  securityKept: number;
  /** Traces decided before their wait was over because too many were waiting. */
  earlyDecisions: number;
  /** Traces waiting for a decision now. */
  waitingTraces: number;
  /** Log records dropped by head sampling. */
  droppedLogs: number;
}

/** Fraction in [0, 1) from a trace id: the low 52 bits. Deterministic. */
export function traceFraction(traceId: string): number {
  const low = Number.parseInt(traceId.slice(-13), 16);
  return Number.isFinite(low) ? low / 2 ** 52 : 0;
}

interface Waiting {
  spans: SpanRecord[];
  firstSeen: number;
  keep: boolean;
}

export interface SamplerOptions {
  now?: () => number;
  /** Called when writing a decided trace fails (its spans were already acknowledged). */
  onError?: (error: unknown, spans: number) => void;
  /** Check interval for waiting traces, ms (default: a quarter of the wait, at least 50 ms). */
  tickMs?: number;
}

export class Sampler implements SpanSink {
  private readonly security: SecurityPatterns;
  private readonly waiting = new Map<string, Waiting>();
  /** Recent decisions, for late spans of decided traces (bounded like `waiting`). */
  private readonly decided = new Map<string, boolean>();
  private readonly counters = { sampled: 0, dropped: 0, securityKept: 0, earlyDecisions: 0, droppedLogs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private pendingWrites = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly flagged: Map<string, Set<string>>;

  constructor(
    private readonly next: SpanSink,
    private readonly config: SamplingConfig,
    private readonly options: SamplerOptions = {},
  ) {
    this.security = securityPatterns(config.security);
    this.now = options.now ?? Date.now;
    this.flagged = new Map(
      Object.entries(config.tail?.flagged ?? {}).map(([k, values]) => [k, new Set(values.map(String))]),
    );
  }

  /** Start the decision timer (tail sampling only). */
  start(): void {
    const tail = this.config.tail;
    if (!tail || this.timer) return;
    const tick = this.options.tickMs ?? Math.max(50, (tail.decision_wait_s * 1000) / 4);
    this.timer = setInterval(() => this.decideDue(), tick);
    this.timer.unref();
  }

  stats(): SamplingStats {
    return { ...this.counters, waitingTraces: this.waiting.size };
  }

  private headKeeps(traceId: string): boolean {
    return this.config.head_ratio >= 1 || traceFraction(traceId) < this.config.head_ratio;
  }

  isSecuritySpan(span: SpanRecord): boolean {
    return isSecurityRelevant(
      [span.name, ...span.events.map((e) => e.name)],
      [span.attributes, ...span.events.map((e) => e.attributes)],
      this.security,
    );
  }

  /** Whether a log record is kept: no trace id, security-relevant, or its trace is head-sampled. */
  keepLog(traceId: string | undefined, names: readonly string[], attributes: Attributes): boolean {
    if (traceId === undefined || this.headKeeps(traceId)) return true;
    if (isSecurityRelevant(names, [attributes], this.security)) return true;
    this.counters.droppedLogs++;
    return false;
  }

  writeSpans(spans: readonly SpanRecord[]): Promise<void> {
    const now: SpanRecord[] = [];
    for (const span of spans) {
      const security = this.isSecuritySpan(span);
      if (!security && !this.headKeeps(span.traceId)) {
        this.counters.dropped++;
        continue;
      }
      if (!this.config.tail) {
        now.push(span);
        continue;
      }
      const decision = this.decided.get(span.traceId);
      if (security) {
        this.counters.securityKept++;
        now.push(span);
        const w = this.waiting.get(span.traceId);
        if (w) w.keep = true;
        else if (decision === undefined) this.wait(span.traceId).keep = true;
        else if (!decision) this.decided.set(span.traceId, true);
        continue;
      }
      if (decision !== undefined) {
        if (decision) now.push(span);
        else this.counters.dropped++;
        continue;
      }
      this.wait(span.traceId).spans.push(span);
    }
    this.counters.sampled += now.length;
    return now.length > 0 ? this.next.writeSpans(now) : Promise.resolve();
  }

  private wait(traceId: string): Waiting {
    let w = this.waiting.get(traceId);
    if (!w) {
      const max = this.config.tail!.max_traces;
      while (this.waiting.size >= max) {
        const [oldest] = this.waiting.keys();
        this.counters.earlyDecisions++;
        this.decide(oldest!);
      }
      w = { spans: [], firstSeen: this.now(), keep: false };
      this.waiting.set(traceId, w);
    }
    return w;
  }

  /** Decide every trace whose wait is over. */
  decideDue(): void {
    const tail = this.config.tail;
    if (!tail) return;
    const due = this.now() - tail.decision_wait_s * 1000;
    for (const [traceId, w] of this.waiting) {
      if (w.firstSeen > due) break; // insertion order = first-seen order
      this.decide(traceId);
    }
  }

  private decide(traceId: string): void {
    const w = this.waiting.get(traceId);
    if (!w) return;
    this.waiting.delete(traceId);
    const keep = w.keep || this.tailKeeps(traceId, w.spans);
    this.decided.set(traceId, keep);
    const max = this.config.tail!.max_traces;
    while (this.decided.size > max) this.decided.delete(this.decided.keys().next().value!);
    if (!keep) {
      this.counters.dropped += w.spans.length;
      return;
    }
    if (w.spans.length === 0) return;
    this.counters.sampled += w.spans.length;
    const write = this.next
      .writeSpans(w.spans)
      .catch((error) => this.options.onError?.(error, w.spans.length));
    this.pendingWrites.add(write);
    void write.finally(() => this.pendingWrites.delete(write));
  }

  private tailKeeps(traceId: string, spans: readonly SpanRecord[]): boolean {
    const tail = this.config.tail!;
    const thresholdNs = BigInt(Math.round(tail.latency_threshold_ms * 1e6));
    let start: bigint | undefined;
    let end: bigint | undefined;
    for (const s of spans) {
      if (s.statusCode === STATUS_ERROR) return true;
      if (s.endNs - s.startNs > thresholdNs) return true;
      if (start === undefined || s.startNs < start) start = s.startNs;
      if (end === undefined || s.endNs > end) end = s.endNs;
      if (this.flagged.size > 0 && (this.touchesFlagged(s.attributes) || this.touchesFlagged(s.resource)))
        return true;
    }
    if (start !== undefined && end !== undefined && end - start > thresholdNs) return true;
    return traceFraction(traceId) < tail.keep_ratio;
  }

  private touchesFlagged(attributes: Attributes): boolean {
    for (const [key, values] of this.flagged) {
      const v = attributes[key];
      if (v !== undefined && v !== null && values.has(String(v))) return true;
    }
    return false;
  }

  /** Decide every waiting trace now and wait for the kept ones to be written (shutdown). */
  async flush(): Promise<void> {
    for (const traceId of [...this.waiting.keys()]) this.decide(traceId);
    await Promise.all([...this.pendingWrites]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
