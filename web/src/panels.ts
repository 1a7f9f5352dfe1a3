/**
 * Table results reshaped for dashboard panels (pure): timechart rows pivoted into one series per
 * group, bar items, a single value, and the ATT&CK tactic × time heatmap of detection findings.
 */
import { pick } from './export';
import type { VigilEvent } from './api';

export interface Pivoted {
  times: number[];
  series: { label: string; values: number[] }[];
}

/**
 * Timechart rows (`_time`, group columns..., value columns...) → one series per group and value,
 * zero-filled over the window. `scale` multiplies every value (e.g. 1/60 for per second of 1m).
 */
export function pivotTimechart(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  fromMs: number,
  toMs: number,
  spanMs: number,
  groupCount: number,
  scale = 1,
): Pivoted {
  const times: number[] = [];
  for (let t = Math.floor(fromMs / spanMs) * spanMs; t < toMs; t += spanMs) times.push(t);
  const index = new Map(times.map((t, i) => [t, i]));
  const valueColumns = columns.slice(1 + groupCount);
  const series = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get(Number(row[0]));
    if (i === undefined) continue;
    const group = row.slice(1, 1 + groupCount).map((g) => (g === null ? '' : String(g)));
    valueColumns.forEach((name, v) => {
      const label = [...group, valueColumns.length > 1 || groupCount === 0 ? name : '']
        .filter(Boolean)
        .join(' ');
      let values = series.get(label);
      if (!values) series.set(label, (values = times.map(() => 0)));
      values[i] = Number(row[1 + groupCount + v] ?? 0) * scale;
    });
  }
  return { times, series: [...series].map(([label, values]) => ({ label, values })) };
}

export function barItems(rows: readonly (readonly unknown[])[]): { label: string; value: number }[] {
  return rows.map((r) => ({
    label: r
      .slice(0, -1)
      .map((v) => (v === null ? '(none)' : String(v)))
      .join(' '),
    value: Number(r[r.length - 1] ?? 0) || 0,
  }));
}

export interface Heatmap {
  tactics: string[];
  buckets: number[];
  /** cells[tactic][bucket] */
  cells: number[][];
  max: number;
}

/** Detection findings counted by ATT&CK tactic (rows) and time bucket (columns). */
export function tacticHeatmap(
  findings: readonly VigilEvent[],
  fromMs: number,
  toMs: number,
  spanMs: number,
): Heatmap {
  const buckets: number[] = [];
  for (let t = Math.floor(fromMs / spanMs) * spanMs; t < toMs; t += spanMs) buckets.push(t);
  const rows = new Map<string, number[]>();
  let max = 0;
  for (const f of findings) {
    const time = Number(f.time);
    const b = Math.floor((time - buckets[0]!) / spanMs);
    if (!(b >= 0 && b < buckets.length)) continue;
    const attacks = pick(f, 'finding_info.attacks');
    const tactics = new Set<string>();
    if (Array.isArray(attacks))
      for (const a of attacks) {
        const name = pick(a as Record<string, unknown>, 'tactic.name');
        if (typeof name === 'string') tactics.add(name);
      }
    if (tactics.size === 0) tactics.add('(no tactic)');
    for (const t of tactics) {
      let row = rows.get(t);
      if (!row) rows.set(t, (row = buckets.map(() => 0)));
      max = Math.max(max, ++row[b]!);
    }
  }
  const tactics = [...rows.keys()].sort();
  return { tactics, buckets, cells: tactics.map((t) => rows.get(t)!), max };
}
