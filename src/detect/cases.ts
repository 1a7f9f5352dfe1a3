/**
 * Rule test cases: "this rule must fire at least N times on these events", in the shape of
 * SigmaHQ's regression data (one NDJSON line per case: `rule_id`, `events_ndjson` relative to the
 * cases file, `expected_min_matches`). Run through detectFile, the path `vigil detect` takes.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { detectFile, emptyStats } from './offline.js';
import type { RuleSet } from './sigma/ruleset.js';

export interface RuleCase {
  /** The rule's id (or name). */
  rule: string;
  /** The events file (absolute, or relative to the working directory). */
  events: string;
  expected: number;
  /** A label for reports. */
  name?: string;
}

export interface CaseResult {
  case: RuleCase;
  matches: number;
  pass: boolean;
}

/** Cases from an NDJSON file; throws Error naming the line when one is malformed. */
export function readCases(file: string): RuleCase[] {
  const base = dirname(file);
  const out: RuleCase[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${file} line ${i + 1}: ${(error as Error).message}`, { cause: error });
      }
      const rule = value.rule_id ?? value.rule;
      const events = value.events_ndjson ?? value.events;
      const expected = value.expected_min_matches ?? value.expected ?? 1;
      if (typeof rule !== 'string' || typeof events !== 'string' || typeof expected !== 'number') {
        throw new Error(
          `${file} line ${i + 1}: a case needs rule_id, events_ndjson and expected_min_matches`,
        );
      }
      const c: RuleCase = { rule, events: resolve(base, events), expected };
      const name = value.rule_title ?? value.name;
      if (typeof name === 'string') c.name = name;
      out.push(c);
    });
  return out;
}

/** Run one case: how often its rule fired on its events. */
export async function runCase(c: RuleCase, ruleSet: RuleSet): Promise<CaseResult> {
  const stats = emptyStats();
  let matches = 0;
  await detectFile(c.events, ruleSet, stats, {
    onMatch: (m) => {
      if (m.rule.id === c.rule || m.rule.name === c.rule) matches++;
    },
  });
  return { case: c, matches, pass: matches >= c.expected };
}
