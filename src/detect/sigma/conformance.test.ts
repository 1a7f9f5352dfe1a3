/**
 * SigmaHQ regression cases: every active rule set loaded as `vigil detect` loads it, each case's
 * events run through detectFile (the path `vigil detect` takes), and each case's rule must fire at
 * least `expected_min_matches` times.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sharedPath, sharedSkip } from '../../testing/shared.js';
import { readCases, runCase } from '../cases.js';
import { loadRuleDocuments } from './load.js';
import { buildRuleSet, type RuleSet } from './ruleset.js';

const CASES = 'sigma/regression/cases.ndjson';
const RULES = 'sigma/rules';

describe('SigmaHQ regression cases', { skip: sharedSkip(CASES, RULES) }, () => {
  let ruleSet: RuleSet | undefined;
  const rules = (): RuleSet => {
    ruleSet ??= buildRuleSet(loadRuleDocuments([sharedPath(RULES)])).ruleSet;
    return ruleSet;
  };
  const cases = sharedSkip(CASES) ? [] : readCases(sharedPath(CASES));

  test('there are cases, and every case names a loaded rule', () => {
    assert.ok(cases.length >= 100, `${cases.length} cases`);
    const ids = new Set(rules().rules.map((r) => r.info.id));
    for (const c of cases) assert.ok(ids.has(c.rule), `rule ${c.rule} (${c.name}) is not loaded`);
  });

  for (const c of cases) {
    test(`${c.name ?? c.rule}`, async () => {
      const result = await runCase(c, rules());
      assert.ok(
        result.pass,
        `${c.rule} fired ${result.matches} times on ${c.events}, expected at least ${c.expected}`,
      );
    });
  }
});
