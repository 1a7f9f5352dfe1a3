/**
 * Helpers for the Sigma engine's tests: rules from short YAML, events from plain objects, and a
 * match check that evaluates every rule both directly and through the indexed rule set, failing
 * when the two disagree (so every test also checks that the prefilter never hides a match).
 */
import { compileRule, type CompiledRule } from './compile.js';
import { EventContext, FieldTable, type EventView } from './context.js';
import { SigmaError } from './errors.js';
import type { LogsourceEntry } from './logsource.js';
import type { Placeholders } from './modifiers.js';
import { parseSigmaYaml, type SigmaDocument, type SigmaRule } from './rule.js';
import { buildRuleSet, type RuleSetOptions } from './ruleset.js';
import { jsonEventView } from './view.js';

/** A logsource entry covering every non-Windows event, for rules with `product: test`. */
export const TEST_LOGSOURCE: LogsourceEntry = { product: 'test', when: {} };

/** A rule with `logsource: {product: test}` around a detection block (YAML, indented 4). */
export function ruleYaml(detection: string, extra = ''): string {
  return `title: Test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: test\ndetection:\n${detection}\n${extra}`;
}

/** Parse YAML holding exactly one rule; throws what parsing found wrong. */
export function parseRule(yaml: string): SigmaRule {
  const docs = parseSigmaYaml(yaml);
  const first = docs[0];
  if (first instanceof SigmaError) throw first;
  if (!first || first.kind !== 'rule') throw new Error('not a rule');
  return first;
}

/** Compile one rule from YAML. */
export function compileYaml(yaml: string, placeholders?: Placeholders): CompiledRule {
  return compileRule(parseRule(yaml), { placeholders });
}

/** A view over an event given as a plain object (nested objects reachable by dotted names). */
export function view(fields: Record<string, unknown>): EventView {
  return jsonEventView(fields);
}

/** Evaluate a compiled rule directly (no logsource, no prefilter). */
export function evaluate(rule: CompiledRule, event: EventView, table = new FieldTable()): boolean {
  const ctx = new EventContext(table);
  ctx.reset(event);
  return rule.test(ctx);
}

/**
 * Whether the rule matches the event. Evaluated directly and through a rule set; throws when
 * the two disagree.
 */
export function matches(
  yaml: string,
  event: Record<string, unknown> | EventView,
  options: RuleSetOptions = {},
): boolean {
  const ev =
    'get' in event && typeof event.get === 'function'
      ? (event as EventView)
      : view(event as Record<string, unknown>);
  const rule = parseRule(yaml);
  const table = new FieldTable();
  const direct = evaluate(compileRule(rule, { table, placeholders: options.placeholders }), ev, table);
  const { ruleSet, reports } = buildRuleSet([rule], { logsources: [TEST_LOGSOURCE], ...options });
  if (reports[0]?.status !== 'ok') throw new Error(`rule set refused the rule: ${reports[0]?.detail}`);
  const indexed = ruleSet.match(ev).length > 0;
  if (direct !== indexed)
    throw new Error(`direct evaluation says ${direct}, the indexed rule set ${indexed}`);
  return direct;
}

/** The SigmaError a rule's parsing or compiling raises (throws if there is none). */
export function compileError(yaml: string, placeholders?: Placeholders): SigmaError {
  const docs: (SigmaDocument | SigmaError)[] = parseSigmaYaml(yaml);
  const first = docs[0];
  if (first instanceof SigmaError) return first;
  if (!first || first.kind !== 'rule') throw new Error('not a rule');
  try {
    compileRule(first, { placeholders });
  } catch (error) {
    if (error instanceof SigmaError) return error;
    throw error;
  }
  throw new Error('the rule compiled');
}
