/**
 * Listing alerts: filters (status, severity, rule glob, entity, free text, time range), sort,
 * paging, and counts grouped by rule. The query schema validates the API's query string (every
 * value arrives as a string). Pure.
 */
import { z } from 'zod';
import { parseTimeBound } from '../query/timerange.js';
import { globRegExp } from './match.js';
import { SEVERITIES, severityRank, STATUSES, type Alert } from './model.js';

const list = <T extends string>(values: readonly [T, ...T[]], what: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    )
    .refine((vs) => vs.every((v) => (values as readonly string[]).includes(v)), {
      message: `${what} must be one or more of ${values.join(', ')} (comma-separated)`,
    })
    .transform((vs) => vs as T[]);

const SORT_KEYS = [
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
  'severity',
  'signal_count',
] as const;

export const alertQuerySchema = z
  .object({
    status: list(STATUSES, 'status').optional(),
    severity: list(SEVERITIES, 'severity').optional(),
    min_severity: z.enum(SEVERITIES).optional(),
    rule: z.string().min(1).max(500).optional(),
    entity: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('`name=value` (value may be a glob), or a value any entity has'),
    assignee: z.string().max(200).optional(),
    q: z.string().max(500).optional(),
    from: z.string().max(100).optional(),
    to: z.string().max(100).optional(),
    sort: z
      .string()
      .regex(new RegExp(`^-?(${SORT_KEYS.join('|')})$`), {
        message: `sort must be one of ${SORT_KEYS.join(', ')}, with - in front for descending`,
      })
      .default('-last_seen'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
    group_by: z.literal('rule').optional(),
  })
  .strict();

export type AlertQuery = z.infer<typeof alertQuerySchema>;

/** A compiled filter; throws RangeError for an unreadable from/to. */
export function alertFilter(query: AlertQuery, now: number): (alert: Alert) => boolean {
  const from = query.from !== undefined ? parseTimeBound(query.from, now) : undefined;
  const to = query.to !== undefined ? parseTimeBound(query.to, now) : undefined;
  const rule = query.rule !== undefined ? globRegExp(query.rule) : undefined;
  const min = query.min_severity !== undefined ? severityRank(query.min_severity) : 0;
  let entity: ((a: Alert) => boolean) | undefined;
  if (query.entity !== undefined) {
    const eq = query.entity.indexOf('=');
    if (eq > 0) {
      const name = query.entity.slice(0, eq);
      const re = globRegExp(query.entity.slice(eq + 1));
      entity = (a) => a.entities[name] !== undefined && re.test(a.entities[name]);
    } else {
      const re = globRegExp(query.entity);
      entity = (a) => Object.values(a.entities).some((v) => re.test(v));
    }
  }
  const text = query.q?.toLowerCase();
  return (a) =>
    (query.status === undefined || query.status.includes(a.status)) &&
    (query.severity === undefined || query.severity.includes(a.severity)) &&
    severityRank(a.severity) >= min &&
    (rule === undefined || rule.test(a.rule.id)) &&
    (query.assignee === undefined || (a.assignee ?? '') === query.assignee) &&
    (from === undefined || a.last_seen >= from) &&
    (to === undefined || a.first_seen < to) &&
    (entity === undefined || entity(a)) &&
    (text === undefined || searchable(a).includes(text));
}

function searchable(a: Alert): string {
  return [
    a.id,
    a.rule.id,
    a.rule.title,
    a.summary,
    a.assignee ?? '',
    ...Object.entries(a.entities).map(([k, v]) => `${k}=${v}`),
    ...a.attack.tactics,
    ...a.attack.techniques,
    ...a.comments.map((c) => c.text),
  ]
    .join('\n')
    .toLowerCase();
}

export function sortAlerts(alerts: Alert[], sort: string): Alert[] {
  const desc = sort.startsWith('-');
  const key = (desc ? sort.slice(1) : sort) as (typeof SORT_KEYS)[number];
  const value = (a: Alert) => (key === 'severity' ? severityRank(a.severity) : a[key]);
  return alerts.sort((a, b) => {
    const d = value(a) - value(b);
    const byKey = desc ? -d : d;
    return byKey !== 0 ? byKey : a.id < b.id ? (desc ? 1 : -1) : a.id > b.id ? (desc ? -1 : 1) : 0;
  });
}

export interface RuleGroup {
  rule: string;
  title: string;
  count: number;
  open: number;
  max_severity: string;
  last_seen: number;
}

/** Counts by rule, most alerts first. */
export function groupByRule(alerts: Iterable<Alert>): RuleGroup[] {
  const groups = new Map<string, RuleGroup>();
  for (const a of alerts) {
    const g = groups.get(a.rule.id) ?? {
      rule: a.rule.id,
      title: a.rule.title,
      count: 0,
      open: 0,
      max_severity: a.severity,
      last_seen: a.last_seen,
    };
    g.count++;
    if (a.status !== 'closed') g.open++;
    if (severityRank(a.severity) > severityRank(g.max_severity as Alert['severity']))
      g.max_severity = a.severity;
    g.last_seen = Math.max(g.last_seen, a.last_seen);
    groups.set(a.rule.id, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
}
