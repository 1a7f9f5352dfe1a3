import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions } from '../../testing/fuzz.js';
import { Automaton, literalMatcher, type LiteralMatcher } from './automaton.js';

function found(matcher: LiteralMatcher, text: string): Set<number> {
  const out = new Set<number>();
  matcher.scan(text, (p) => out.add(p));
  return out;
}

/** What must be found: every pattern the lower-cased text contains. */
function expected(patterns: readonly string[], text: string): Set<number> {
  const lower = text.toLowerCase();
  const out = new Set<number>();
  patterns.forEach((p, i) => {
    if (p !== '' && lower.includes(p)) out.add(i);
  });
  return out;
}

const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\\', '.'), minLength: 1, maxLength: 5 });
const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'c', 'A', 'B', '\\', '.', 'x', 'é'),
  maxLength: 40,
});

describe('literal matchers', () => {
  test('the automaton finds every pattern a text contains, ignoring case', () => {
    const ac = new Automaton(['he', 'she', 'his', 'hers']);
    assert.deepEqual([...found(ac, 'USHERS')].sort(), [0, 1, 3]);
    assert.deepEqual([...found(ac, 'nothing')], []);
  });

  for (const [name, make] of [
    ['automaton', (p: string[]) => new Automaton(p)],
    ['literalMatcher', (p: string[]) => literalMatcher(p)],
  ] as const) {
    test(`${name}: same as lower-casing and includes() (property)`, () => {
      fc.assert(
        fc.property(fc.array(small, { minLength: 1, maxLength: 30 }), text, (patterns, t) => {
          const m = make(patterns);
          const got = found(m, t);
          for (const i of expected(patterns, t)) assert.ok(got.has(i), `pattern ${patterns[i]} in ${t}`);
          for (const i of got)
            assert.ok(t.toLowerCase().includes(patterns[i]!), `false hit ${patterns[i]} in ${t}`);
        }),
        fuzzOptions(),
      );
    });
  }

  test('large pattern sets (automaton) and small ones (native alternation) agree', () => {
    const many = Array.from({ length: 200 }, (_, i) => `p${i}x`);
    const text = 'xx P17X yy p199x zz p1x';
    assert.deepEqual(
      [...found(literalMatcher(many), text)].sort((a, b) => a - b),
      [1, 17, 199],
    );
    assert.deepEqual(
      [...found(literalMatcher(many.slice(0, 20)), text)].sort((a, b) => a - b),
      [1, 17],
    );
  });

  test('overlapping and nested patterns are all reported', () => {
    const patterns = ['abc', 'bcd', 'b', 'abcd'];
    for (const m of [new Automaton(patterns), literalMatcher(patterns)]) {
      assert.deepEqual([...found(m, 'xABCDx')].sort(), [0, 1, 2, 3]);
    }
  });

  test('characters whose lower case is ASCII are found as such (Kelvin sign, dotted I)', () => {
    for (const m of [new Automaton(['kiwi']), literalMatcher(['kiwi'])]) {
      assert.equal(found(m, '\u212aiwi').size, 1);
    }
    for (const m of [new Automaton(['xi']), literalMatcher(['xi'])]) {
      assert.equal(found(m, 'x\u0130').size, 1); // 'xİ'.toLowerCase() is 'xi̇', which contains 'xi'
    }
  });

  test('non-ASCII patterns, matched by their lower case', () => {
    const m = new Automaton(['été', '🤷']);
    assert.deepEqual([...found(m, 'ÉTÉ 🤷🏼')].sort(), [0, 1]);
  });
});
