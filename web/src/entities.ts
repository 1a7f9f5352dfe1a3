/**
 * The entities an investigation pivots on (host, user, IP, process) (pure): the filter that selects
 * an entity's events, and the other entities those events mention, most frequent first.
 */
import type { VigilEvent } from './api';
import { pick } from './export';

export const ENTITY_KINDS = ['host', 'user', 'ip', 'process'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** The filter selecting an entity's events. */
export function entityFilter(kind: EntityKind, value: string): string {
  const v = JSON.stringify(value);
  switch (kind) {
    case 'host':
      return `host=${v}`;
    case 'user':
      return `user=${v}`;
    case 'ip':
      return /^[\d.:a-f]+$/i.test(value)
        ? `(src_ip=${value} OR dst_ip=${value})`
        : `(src_ip=${v} OR dst_ip=${v})`;
    case 'process':
      return `process=${v}`;
  }
}

const RELATED: readonly [EntityKind, string][] = [
  ['host', 'device.hostname'],
  ['user', 'actor.user.name'],
  ['ip', 'src_endpoint.ip'],
  ['ip', 'dst_endpoint.ip'],
  ['process', 'process.name'],
];

/** Other entities in the events, most frequent first (pure). */
export function relatedEntities(
  events: readonly VigilEvent[],
  self: { kind: EntityKind; value: string },
  max = 24,
): { kind: EntityKind; value: string; count: number }[] {
  const counts = new Map<string, { kind: EntityKind; value: string; count: number }>();
  for (const e of events)
    for (const [kind, path] of RELATED) {
      const v = pick(e, path);
      if (
        typeof v !== 'string' ||
        v === '' ||
        (kind === self.kind && v.toLowerCase() === self.value.toLowerCase())
      )
        continue;
      const key = `${kind}:${v}`;
      const entry = counts.get(key) ?? { kind, value: v, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, max);
}
