/**
 * Which alerts a route, a playbook or a suppression applies to: minimum severity, tags, ATT&CK
 * tactics, rule id globs and entity values. One matcher for all three, so "what does this route
 * get" and "what does this playbook act on" read the same. Pure.
 */
import { z } from 'zod';
import { SEVERITIES, severityRank, type Severity } from './model.js';

export const matchSchema = z
  .object({
    min_severity: z
      .enum(SEVERITIES)
      .default('informational')
      .describe('Only alerts at least this severe (informational, low, medium, high, critical).'),
    rules: z
      .array(z.string().min(1))
      .default([])
      .describe('Rule id globs (`*` any run, `?` one character); any may match. Empty: every rule.'),
    tags: z
      .array(z.string().min(1))
      .default([])
      .describe('Rule tags (e.g. `attack.t1059.001`); the alert needs at least one. Empty: any.'),
    tactics: z
      .array(z.string().min(1))
      .default([])
      .describe('ATT&CK tactics (e.g. `execution`, `lateral-movement`); at least one. Empty: any.'),
    entities: z
      .record(z.string(), z.string())
      .default({})
      .describe('Entity values that must all be equal (globs allowed), e.g. `{ host: "DC*" }`.'),
  })
  .strict();

export type MatchOptions = z.infer<typeof matchSchema>;

/** What a matcher looks at: an alert, or a signal about to become one. */
export interface Matchable {
  ruleId: string;
  severity: Severity;
  tags: readonly string[];
  tactics: readonly string[];
  entities: Readonly<Record<string, string>>;
}

/** A glob (`*`, `?`) as an anchored, case-insensitive regular expression. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

export type Matcher = (subject: Matchable) => boolean;

/** Compile match options once into a predicate. */
export function compileMatch(options: MatchOptions): Matcher {
  const min = severityRank(options.min_severity);
  const rules = options.rules.map(globRegExp);
  const tags = new Set(options.tags.map((t) => t.toLowerCase()));
  const tactics = new Set(options.tactics.map((t) => t.toLowerCase().replace(/_/g, '-')));
  const entities = Object.entries(options.entities).map(([k, v]) => [k, globRegExp(v)] as const);
  return (s) =>
    severityRank(s.severity) >= min &&
    (rules.length === 0 || rules.some((r) => r.test(s.ruleId))) &&
    (tags.size === 0 || s.tags.some((t) => tags.has(t.toLowerCase()))) &&
    (tactics.size === 0 || s.tactics.some((t) => tactics.has(t.toLowerCase()))) &&
    entities.every(([k, re]) => s.entities[k] !== undefined && re.test(s.entities[k]));
}
