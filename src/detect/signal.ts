/**
 * What every detector hands on: a Sigma match, a Sigma correlation, a sequence across sources, a
 * rate anomaly or a first-seen pair. Signals are stored as OCSF Detection Findings and become (or
 * join) alerts. This is the contract between `detect/` and `alerts/`.
 */
import type { OcsfEvent } from '../normalize/ocsf.js';

export type SignalKind = 'sigma' | 'correlation' | 'sequence' | 'anomaly' | 'first_seen';

export type SignalLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export interface Signal {
  kind: SignalKind;
  rule: {
    /** The rule's id (Sigma `id`, or a stable id of a built-in or configured detector). */
    id: string;
    title: string;
    level: SignalLevel;
    /** Sigma-style tags, e.g. `attack.t1059.001`, `attack.execution`. */
    tags: string[];
    description?: string;
  };
  /** When the signal's evidence started and ended (ms since the epoch, event time). */
  firstTime: number;
  time: number;
  /** What it is about: the group-by or join values, e.g. `{ host: 'WS01', user: 'alice' }`. */
  entities: Record<string, string>;
  /** Store ids (`metadata.uid`) of every evidence event, in time order. */
  eventIds: string[];
  attack: { tactics: string[]; techniques: string[] };
  /** One line for a human: what happened. */
  summary: string;
  /** Numbers behind it (count, value, baseline, score, ...). */
  details?: Record<string, unknown>;
}

/** ATT&CK tactics and techniques from Sigma-style tags (`attack.execution`, `attack.t1059.001`). */
export function attackFromTags(tags: readonly string[]): Signal['attack'] {
  const tactics: string[] = [];
  const techniques: string[] = [];
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (!lower.startsWith('attack.')) continue;
    const rest = lower.slice(7);
    if (/^t\d{4}(\.\d{3})?$/.test(rest)) techniques.push(rest.toUpperCase());
    else if (/^[a-z][a-z_-]+$/.test(rest) && !/^(g|s)\d{4}$/.test(rest))
      tactics.push(rest.replace(/_/g, '-'));
  }
  return { tactics: [...new Set(tactics)], techniques: [...new Set(techniques)] };
}

/**
 * A pluggable stateful detector the stream runs on every stored event (baselines, rates,
 * first-seen pairs). `observe` gets the normalized event (with its store id in metadata.uid) and
 * its event time; its signals are stored as findings and can be steps of sequence rules
 * (`signal: <rule id>`). `snapshot`/`restore` carry its state across restarts (JSON).
 */
export interface StreamAnalyzer {
  name: string;
  observe(event: OcsfEvent, time: number): Signal[];
  snapshot(): unknown;
  restore(state: unknown): void;
}
