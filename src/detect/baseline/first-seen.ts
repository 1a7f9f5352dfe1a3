/**
 * First-seen pairs: a 'first_seen' Signal when a pair of values never seen together before shows
 * up — a host talking to a new external address, a user logging in from a new country, a build
 * agent resolving a new domain, a process reaching a new destination.
 *
 * - A detector reads a left and a right value from the events its filter accepts (each the first
 *   of its fields the event has); events lacking either are ignored. With `right_public_ip`, only
 *   pairs whose right side is an external address count (see ip-scope.ts).
 * - Learning period: from the first accepted event's time, for `learning_period` of event time,
 *   pairs are learned silently; afterwards a pair not known fires once and becomes known. An event
 *   older than the learning end (late, or before the first event) only teaches.
 * - Known pairs live in a PairSet: 64-bit hashes, at most `max_pairs`, least recently seen
 *   evicted (CLOCK) and counted; an evicted pair that returns fires again.
 * - `details.key` is rule id + pair, the same for every replay of the same first sighting.
 * Pure and synchronous; state snapshots to compact JSON (the pairs as base64 hashes).
 */
import type { OcsfEvent } from '../../normalize/ocsf.js';
import { attackFromTags, type Signal } from '../signal.js';
import { incidentKey, type StreamAnalyzer } from './analyzer.js';
import type { PairConfig } from './config.js';
import { compileFilter, firstText, type EventFilter } from './filter.js';
import { isExternalAddress } from './ip-scope.js';
import { PairSet, type PairSetSnapshot } from './pair-set.js';

export interface FirstSeenStats {
  known: number;
  evicted: number;
  /** Pairs learned silently during the learning period. */
  learned: number;
  signals: number;
  /** Events with a time that is not a finite number. */
  invalid: number;
  learningStart: number | undefined;
  learningEnd: number | undefined;
  /** Bytes the known-pair set holds. */
  bytes: number;
}

interface FirstSeenSnapshot {
  v: 1;
  detector: string;
  learning_start: number | null;
  learned: number;
  signals: number;
  invalid: number;
  pairs: PairSetSnapshot;
}

export class FirstSeenDetector implements StreamAnalyzer {
  readonly name: string;
  readonly ruleId: string;
  private readonly filter: EventFilter;
  private readonly learningMs: number;
  private readonly title: string;
  private readonly attack: Signal['attack'];
  private known: PairSet;
  private learningStart: number | undefined;
  private learned = 0;
  private signals = 0;
  private invalid = 0;

  constructor(
    private readonly config: PairConfig,
    defaultLearningMs = 7 * 86_400_000,
  ) {
    this.name = `first_seen.${config.name}`;
    this.ruleId = `vigil.first_seen.${config.name}`;
    this.filter = compileFilter(config.filter);
    this.learningMs = config.learning_period ?? defaultLearningMs;
    this.title = config.title ?? `First seen: ${config.name.replace(/_/g, ' ')}`;
    this.attack = attackFromTags(config.tags);
    this.known = new PairSet(config.max_pairs);
  }

  observe(event: OcsfEvent, time: number): Signal[] {
    if (!Number.isFinite(time)) {
      this.invalid++;
      return [];
    }
    if (!this.filter(event)) return [];
    const left = firstText(event, this.config.left);
    if (!left) return [];
    const right = firstText(event, this.config.right);
    if (!right) return [];
    if (this.config.right_public_ip && !isExternalAddress(event, right.field, right.text)) return [];
    this.learningStart ??= time;
    if (this.known.touch(`${left.text}\u0000${right.text}`)) return [];
    if (time < this.learningStart + this.learningMs) {
      this.learned++;
      return [];
    }
    this.signals++;
    const entities = { [this.config.left_as]: left.text, [this.config.right_as]: right.text };
    const id = event.metadata?.uid;
    return [
      {
        kind: 'first_seen',
        rule: {
          id: this.ruleId,
          title: this.title,
          level: this.config.level,
          tags: this.config.tags,
          description: `A ${this.config.left_as} → ${this.config.right_as} pair not seen since learning began (${this.config.left.join(' | ')} → ${this.config.right.join(' | ')}).`,
        },
        firstTime: time,
        time,
        entities,
        eventIds: typeof id === 'string' ? [id] : [],
        attack: this.attack,
        summary: `${left.text} → ${right.text}: first seen (${left.field} → ${right.field})`,
        details: {
          key: incidentKey(this.ruleId, entities, ''),
          left_field: left.field,
          right_field: right.field,
          learning_end: this.learningStart + this.learningMs,
          known_pairs: this.known.size,
        },
      },
    ];
  }

  stats(): FirstSeenStats {
    return {
      known: this.known.size,
      evicted: this.known.evicted,
      learned: this.learned,
      signals: this.signals,
      invalid: this.invalid,
      learningStart: this.learningStart,
      learningEnd: this.learningStart === undefined ? undefined : this.learningStart + this.learningMs,
      bytes: this.known.bytes,
    };
  }

  snapshot(): FirstSeenSnapshot {
    return {
      v: 1,
      detector: this.config.name,
      learning_start: this.learningStart ?? null,
      learned: this.learned,
      signals: this.signals,
      invalid: this.invalid,
      pairs: this.known.snapshot(),
    };
  }

  /** Replace the state with a snapshot's; throws on a malformed one, leaving the state empty. */
  restore(state: unknown): void {
    this.known = new PairSet(this.config.max_pairs);
    this.learningStart = undefined;
    this.learned = this.signals = this.invalid = 0;
    const s = state as FirstSeenSnapshot;
    if (!s || typeof s !== 'object' || s.v !== 1)
      throw new Error(`first-seen ${this.config.name}: not a first-seen snapshot`);
    try {
      this.known = PairSet.restore(s.pairs, this.config.max_pairs);
    } catch (error) {
      throw new Error(`first-seen ${this.config.name}: malformed snapshot (${(error as Error).message})`, {
        cause: error,
      });
    }
    this.learningStart = typeof s.learning_start === 'number' ? s.learning_start : undefined;
    this.learned = Number(s.learned) || 0;
    this.signals = Number(s.signals) || 0;
    this.invalid = Number(s.invalid) || 0;
  }
}
