import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCondition, selectIdentifiers } from './condition.js';
import { SigmaError } from './errors.js';
import { compileError, matches, ruleYaml } from './testkit.js';

/** A rule whose searches are `A: a`, `B: b`, `C: c`, `sel_1: 1`, `sel_2: 2`, `_hidden: h` and the condition. */
const rule = (condition: string) =>
  ruleYaml(
    [
      '    A:\n        f: a',
      '    B:\n        f: b',
      '    C:\n        g: c',
      '    sel_1:\n        s1: x',
      '    sel_2:\n        s2: x',
      '    _hidden:\n        h: x',
      `    condition: ${condition}`,
    ].join('\n'),
  );

describe('condition syntax', () => {
  test('precedence: or < and < not < x of < parentheses', () => {
    assert.deepEqual(parseCondition('a or b and not c'), {
      op: 'or',
      items: [
        { op: 'ref', name: 'a' },
        {
          op: 'and',
          items: [
            { op: 'ref', name: 'b' },
            { op: 'not', item: { op: 'ref', name: 'c' } },
          ],
        },
      ],
    });
    assert.deepEqual(parseCondition('(a or b) and c'), {
      op: 'and',
      items: [
        {
          op: 'or',
          items: [
            { op: 'ref', name: 'a' },
            { op: 'ref', name: 'b' },
          ],
        },
        { op: 'ref', name: 'c' },
      ],
    });
    assert.deepEqual(parseCondition('not 1 of sel*'), {
      op: 'not',
      item: { op: 'of', all: false, pattern: 'sel*' },
    });
    assert.deepEqual(parseCondition('all of them'), { op: 'of', all: true, pattern: 'them' });
    assert.deepEqual(parseCondition('NOT a AND b'), {
      op: 'and',
      items: [
        { op: 'not', item: { op: 'ref', name: 'a' } },
        { op: 'ref', name: 'b' },
      ],
    });
  });

  const invalid = ['', 'a and', 'and a', '(a', 'a)', 'a b', '2 of sel*', 'not', '1 of', 'a or or b'];
  for (const text of invalid) {
    test(`refuses '${text}'`, () => {
      assert.throws(
        () => parseCondition(text),
        (e: unknown) => e instanceof SigmaError && e.reason === 'invalid_condition',
      );
    });
  }

  test('v1 aggregations are refused as such', () => {
    for (const text of ['selection | count() by host > 5', 'a near b']) {
      assert.throws(
        () => parseCondition(text),
        (e: unknown) => e instanceof SigmaError && e.reason === 'aggregation',
      );
    }
  });

  test('patterns select identifiers; them skips names starting with _', () => {
    const names = ['selection', 'sel_a', 'filter_x', '_hidden'];
    assert.deepEqual(selectIdentifiers('sel*', names), ['selection', 'sel_a']);
    assert.deepEqual(selectIdentifiers('*_x', names), ['filter_x']);
    assert.deepEqual(selectIdentifiers('them', names), ['selection', 'sel_a', 'filter_x']);
    assert.deepEqual(selectIdentifiers('_*', names), ['_hidden']);
    assert.deepEqual(selectIdentifiers('sel.', ['sel.', 'selx']), ['sel.']);
  });
});

describe('condition evaluation', () => {
  const event = { f: 'a', g: 'c', s1: 'x' };

  test('and, or, not, parentheses', () => {
    assert.equal(matches(rule('A and C'), event), true);
    assert.equal(matches(rule('A and B'), event), false);
    assert.equal(matches(rule('B or C'), event), true);
    assert.equal(matches(rule('not B'), event), true);
    assert.equal(matches(rule('not A'), event), false);
    assert.equal(matches(rule('not (A and B)'), event), true);
    assert.equal(matches(rule('A and not (B or C)'), event), false);
    assert.equal(matches(rule('B or C and A'), event), true);
    assert.equal(matches(rule('(B or C) and not A'), event), false);
  });

  test('1 of / all of a pattern', () => {
    assert.equal(matches(rule('1 of sel_*'), event), true);
    assert.equal(matches(rule('all of sel_*'), event), false);
    assert.equal(matches(rule('all of sel_*'), { ...event, s2: 'x' }), true);
    assert.equal(matches(rule('A and not 1 of sel_*'), event), false);
    assert.equal(matches(rule('any of sel_*'), event), true);
  });

  test('1 of them / all of them ignore _ identifiers', () => {
    assert.equal(matches(rule('1 of them'), { h: 'x' }), false);
    assert.equal(matches(rule('1 of them'), { g: 'c' }), true);
    assert.equal(matches(rule('all of them'), { f: 'a', g: 'c', s1: 'x', s2: 'x' }), false); // A and B cannot both hold
    assert.equal(matches(rule('1 of _*'), { h: 'x' }), true);
  });

  test('a list of conditions is OR-ed', () => {
    const yaml = rule('x').replace('    condition: x', '    condition:\n        - A and B\n        - C');
    assert.equal(matches(yaml, { g: 'c' }), true);
    assert.equal(matches(yaml, { f: 'a' }), false);
  });

  test('unknown identifiers and empty patterns are errors naming the condition', () => {
    const unknown = compileError(rule('A and D'));
    assert.equal(unknown.reason, 'invalid_condition');
    assert.match(unknown.message, /unknown search identifier 'D'/);
    assert.match(unknown.message, /detection\.condition/);
    assert.match(compileError(rule('1 of nothing*')).message, /matches no search identifier/);
  });
});
