/**
 * What the learned detectors share: the engine's `StreamAnalyzer` contract (src/detect/signal.ts;
 * every stored event goes through `observe` in roughly event-time order, with the event's time,
 * and the state snapshots to JSON and restores after a restart) and the incident key their
 * signals carry.
 */
export type { StreamAnalyzer } from '../signal.js';

/**
 * `details.key` of a signal: rule id, entities (sorted) and window start — the same for one
 * incident, so a signal replayed after a restart is recognised downstream (same form as the
 * correlation engine's).
 */
export function incidentKey(
  rule: string,
  entities: Record<string, string>,
  windowStart: number | '',
): string {
  const parts = Object.keys(entities)
    .sort()
    .map((k) => `${k}=${entities[k]}`);
  return `${rule}|${parts.join(',')}|${windowStart}`;
}
