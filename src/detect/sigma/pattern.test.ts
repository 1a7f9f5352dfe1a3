import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compilePieces,
  formatPieces,
  ONE,
  parseSigmaString,
  plainText,
  STAR,
  withWildcards,
  type Piece,
} from './pattern.js';

describe('Sigma string escapes (rules specification, Escape Character)', () => {
  const cases: [string, Piece[]][] = [
    ['plain', ['plain']],
    ['a*b', ['a', STAR, 'b']],
    ['a?b', ['a', ONE, 'b']],
    ['a\\*b', ['a*b']], // escaped wildcard: a plain star
    ['a\\?b', ['a?b']],
    ['C:\\Windows\\', ['C:\\Windows\\']], // backslash before a letter / at the end: plain
    ['a\\\\b', ['a\\b']], // double backslash: one backslash
    ['a\\\\*', ['a\\', STAR]], // escaped backslash, then a wildcard
    ['a\\\\\\*', ['a\\*']], // three backslashes + star: backslash and plain star
    ['a\\\\\\\\b', ['a\\\\b']], // four backslashes: two
    ['a\\\\\\b', ['a\\\\b']], // three backslashes not before a wildcard: two
    ['**a', [STAR, 'a']], // runs of * collapse
    ['', []],
  ];
  for (const [raw, expected] of cases) {
    test(JSON.stringify(raw), () => assert.deepEqual(parseSigmaString(raw), expected));
  }

  test('formatPieces writes back what parseSigmaString reads', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\\', '*', '?', 'b') }), (raw) => {
        const pieces = parseSigmaString(raw);
        assert.deepEqual(parseSigmaString(formatPieces(pieces)), pieces);
      }),
    );
  });
});

describe('wildcard matching', () => {
  const match = (pattern: string, text: string) => compilePieces(parseSigmaString(pattern))(text);

  test('exact, prefix, suffix, substring', () => {
    assert.equal(match('cmd.exe', 'cmd.exe'), true);
    assert.equal(match('cmd.exe', 'xcmd.exe'), false);
    assert.equal(match('cmd*', 'cmd.exe'), true);
    assert.equal(match('cmd*', 'xcmd'), false);
    assert.equal(match('*.exe', 'a.exe'), true);
    assert.equal(match('*.exe', 'a.exe '), false);
    assert.equal(match('*md.e*', 'cmd.exe'), true);
    assert.equal(match('*', ''), true);
    assert.equal(match('', ''), true);
    assert.equal(match('', 'x'), false);
  });

  test('? is exactly one character', () => {
    assert.equal(match('prog?.exe', 'progA.exe'), true);
    assert.equal(match('prog?.exe', 'prog.exe'), false);
    assert.equal(match('prog?.exe', 'progAB.exe'), false);
    assert.equal(match('?', 'x'), true);
    assert.equal(match('?', ''), false);
    assert.equal(match('a*b?d*', 'aXXbcdYY'), true);
    assert.equal(match('*a?c*', 'xxabcxx'), true);
    assert.equal(match('*a?c*', 'xxacxx'), false);
  });

  test('several stars', () => {
    assert.equal(match('antivirus_V*.exe', 'antivirus_V21.2.1.exe'), true);
    assert.equal(match('*a*b*c*', 'xaybzc'), true);
    assert.equal(match('*a*b*c*', 'xcybza'), false);
    assert.equal(match('a*a', 'a'), false); // segments must not overlap
    assert.equal(match('a*a', 'aa'), true);
  });

  test('escaped wildcards match literally', () => {
    assert.equal(match('a\\*b', 'a*b'), true);
    assert.equal(match('a\\*b', 'axb'), false);
    assert.equal(match('what\\?', 'what?'), true);
    assert.equal(match('what\\?', 'whatx'), false);
  });

  test('glob matching agrees with a regular expression', () => {
    const toRegExp = (pieces: Piece[]) =>
      new RegExp(
        '^' +
          pieces
            .map((p) => (p === STAR ? '[^]*' : p === ONE ? '[^]' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('') +
          '$',
      );
    const unit = fc.constantFrom('a', 'b', '*', '?');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 10 }),
        (raw, text) => {
          const pieces = parseSigmaString(raw);
          assert.equal(compilePieces(pieces)(text), toRegExp(pieces).test(text), `${raw} on ${text}`);
        },
      ),
    );
  });

  test('withWildcards adds * once; plainText only without wildcards', () => {
    assert.deepEqual(withWildcards(['a'], true, true), [STAR, 'a', STAR]);
    assert.deepEqual(withWildcards([STAR, 'a'], true, false), [STAR, 'a']);
    assert.equal(plainText(['a']), 'a');
    assert.equal(plainText(['a', STAR]), undefined);
  });
});
