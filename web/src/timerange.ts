/**
 * Time windows as the API takes them (`-1h`, ISO), resolved to epoch ms for charts, and the
 * bucket width for a histogram of a window (pure).
 */

export interface TimeRange {
  from: string;
  to: string;
}

export const PRESETS: readonly { label: string; from: string }[] = [
  { label: 'Last 15 minutes', from: '-15m' },
  { label: 'Last hour', from: '-1h' },
  { label: 'Last 4 hours', from: '-4h' },
  { label: 'Last 24 hours', from: '-24h' },
  { label: 'Last 7 days', from: '-7d' },
  { label: 'Last 30 days', from: '-30d' },
];

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `-1h`, `now`, epoch ms or ISO → epoch ms; undefined if unreadable. */
export function resolveBound(bound: string, now: number): number | undefined {
  const text = bound.trim();
  if (text === '' || text === 'now') return now;
  const rel = /^(?:now)?([+-])(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (rel) return now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]!]!;
  if (/^\d{11,}$/.test(text)) return Number(text);
  const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) || !text.includes('T') ? text : `${text}Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const NICE_SPANS_MS = [
  1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000, 604_800_000,
];

/** The smallest nice bucket width giving at most `buckets` buckets over the window. */
export function spanFor(fromMs: number, toMs: number, buckets = 90): number {
  const want = Math.max(1, toMs - fromMs) / buckets;
  return NICE_SPANS_MS.find((s) => s >= want) ?? NICE_SPANS_MS[NICE_SPANS_MS.length - 1]!;
}

/** A span in the query language (`5m`, `1h`, `30s`). */
export function spanText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** Buckets from timechart rows, with empty buckets filled with zeros across the window. */
export function fillBuckets(
  rows: readonly (readonly unknown[])[],
  fromMs: number,
  toMs: number,
  spanMs: number,
): { times: number[]; counts: number[] } {
  const byTime = new Map(rows.map((r) => [Number(r[0]), Number(r[r.length - 1])]));
  const times: number[] = [];
  const counts: number[] = [];
  for (let t = Math.floor(fromMs / spanMs) * spanMs; t < toMs; t += spanMs) {
    times.push(t);
    counts.push(byTime.get(t) ?? 0);
  }
  return { times, counts };
}

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-03-02 09:14:03` in UTC, for tables. */
export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '';
}
