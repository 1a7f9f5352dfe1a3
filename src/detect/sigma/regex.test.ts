import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SigmaError } from './errors.js';
import { compileSigmaRegex } from './regex.js';

const re = (source: string, flags = {}) => compileSigmaRegex(source, flags).regexp;

describe('Sigma regex syntax', () => {
  test('searches anywhere, case-sensitive by default', () => {
    assert.equal(re('cmd\\.exe').test('C:\\cmd.exe /c'), true);
    assert.equal(re('CMD\\.exe').test('cmd.exe'), false);
    assert.equal(re('^cmd').test('xcmd'), false);
  });

  test('i, m and s flags from modifiers or a leading (?ims)', () => {
    assert.equal(re('CMD', { ignoreCase: true }).test('cmd'), true);
    assert.equal(re('(?i)CMD').test('cmd'), true);
    assert.equal(re('^b', { multiline: true }).test('a\nb'), true);
    assert.equal(re('^b').test('a\nb'), false);
    assert.equal(re('a.b', { dotAll: true }).test('a\nb'), true);
    assert.equal(re('a.b').test('a\nb'), false);
    assert.equal(re('(?s)a.b').test('a\nb'), true);
  });

  test('case folding covers classes and ranges', () => {
    assert.equal(re('[a-c]+X', { ignoreCase: true }).test('ABCx'), true);
    assert.equal(re('[^a]', { ignoreCase: true }).test('A'), false);
    assert.equal(re('\\w{3}', { ignoreCase: true }).test('ABC'), true);
  });

  test('PCRE meanings: . is anything but \\n; \\s is ASCII whitespace', () => {
    assert.equal(re('a.b').test('a\rb'), true);
    assert.equal(re('\\s').test('\u00a0'), false);
    assert.equal(re('\\s').test('\t'), true);
    assert.equal(re('\\d\\D\\w\\W').test('1a_!'), true);
    assert.equal(re('\\d\\D\\w\\W').test('1ab2'), false);
    assert.equal(re('\\bcmd\\b').test('a cmd b'), true);
    assert.equal(re('\\bcmd\\b').test('acmdb'), false);
  });

  test('escapes, named groups, literal braces', () => {
    assert.equal(re('\\x41\\u0042').test('AB'), true);
    assert.equal(re('(?<n>a)(?P<m>b)').test('ab'), true);
    assert.equal(re('\\$\\{env').test('${env:path}'), true);
    assert.equal(re('a{,2}').test('a{,2}'), true); // not a quantifier: literal
    assert.equal(re('[]a]').test(']'), true); // ] first in a class is literal (PCRE)
    assert.equal(re('[a-]').test('-'), true);
  });

  test('counted repetitions the linear engine cannot replicate are unrolled', () => {
    const r = re('https?://(?:0[0-9]{1,11}\\.){3}0[0-9]{1,11}');
    assert.equal(r.test('http://0177.00.00.01/x'), true);
    assert.equal(r.test('http://127.0.0.1/x'), false);
    assert.equal(re('.{100,}').test('x'.repeat(99)), false);
    assert.equal(re('.{100,}').test('x'.repeat(100)), true);
    assert.equal(re('^[^\\\\]{1,256}$').test('a'.repeat(256)), true);
    assert.equal(re('^[^\\\\]{1,256}$').test('a'.repeat(257)), false);
  });

  const refused: [string, RegExp][] = [
    ['a(?=b)', /lookaround/],
    ['a(?!b)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(a)\\1', /backreference/],
    ['(?>a)', /atomic/],
    ['a(?i)b', /inline flags/],
    ['a++', /possessive/],
    ['*a', /nothing to repeat/],
    ['(a', /missing '\)'/],
    ['a)', /unbalanced/],
    ['[a', /missing '\]'/],
    ['\\p{L}', /unsupported escape/],
    ['[[:alpha:]]', /POSIX/],
    ['a{3,1}', /out of order/],
    ['a{99999}', /repetition count/],
  ];
  for (const [source, reason] of refused) {
    test(`refuses /${source}/`, () => {
      assert.throws(
        () => compileSigmaRegex(source),
        (e: unknown) => e instanceof SigmaError && e.reason === 'invalid_regex' && reason.test(e.message),
      );
    });
  }
});

describe('linear time', () => {
  test(
    'a catastrophic pattern on a hostile text finishes (V8 falls back to its linear engine)',
    { timeout: 20_000 },
    () => {
      // Without the fallback, backtracking over 2^60 ways to split the a's would not end.
      assert.equal(re('(a+)+$').test('a'.repeat(60) + 'b'), false);
      assert.equal(re('^(a|aa)+$').test('a'.repeat(60) + 'b'), false);
      assert.equal(re('(?:a*)*c', { multiline: true }).test('a'.repeat(60)), false);
      assert.equal(re('(x+x+)+y').test('x'.repeat(60)), false);
    },
  );
});

describe('prefilter fragments', () => {
  const fragments = (source: string, flags = {}) => compileSigmaRegex(source, flags).fragments;

  test('a required literal, lower-cased', () => {
    assert.deepEqual(fragments('HostId=[a-zA-Z0-9-]{36}\\s+EngineVersion='), ['engineversion=']);
    assert.deepEqual(fragments('\\\\(venv|python(.+)?)\\\\lib\\\\site-packages\\\\'), [
      '\\lib\\site-packages\\',
    ]);
  });

  test('alternatives give a set', () => {
    assert.deepEqual(fragments('(Copy-Item|cpi) .{2,128} -Destination')?.sort(), [' -destination']);
    assert.deepEqual(fragments('^(?:certutil|bitsadmin)$')?.sort(), ['bitsadmin', 'certutil']);
  });

  test('none when a match needs no literal', () => {
    assert.equal(fragments('.{1000,}'), undefined);
    assert.equal(fragments('[a-z]+\\d'), undefined);
    assert.equal(fragments('a?'), undefined);
  });

  test('every match contains one of the fragments', () => {
    const atom = fc.constantFrom('a', 'b', 'ab', '.', '[ab]', 'b+', 'a?', '(a|bb)', '(?:ab){2}', 'a*');
    fc.assert(
      fc.property(
        fc.array(atom, { minLength: 1, maxLength: 5 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 12 }),
        (atoms, text) => {
          const source = atoms.join('');
          const compiled = compileSigmaRegex(source);
          if (compiled.regexp.test(text) && compiled.fragments) {
            assert.ok(
              compiled.fragments.some((f) => text.toLowerCase().includes(f)),
              `${source} on ${text}`,
            );
          }
        },
      ),
    );
  });
});

describe('agrees with the native engine on the common subset', () => {
  test('random patterns over a small alphabet', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\w', '\\d', '(a|b)', '(?:ab|ba)');
    const quant = fc.constantFrom('', '*', '+', '?', '{2}', '{1,3}', '{2,}', '*?');
    const piece = fc.tuple(atom, quant).map(([a, q]) => a + q);
    const pattern = fc
      .tuple(fc.boolean(), fc.array(piece, { minLength: 1, maxLength: 5 }), fc.boolean())
      .map(([start, pieces, end]) => (start ? '^' : '') + pieces.join('') + (end ? '$' : ''));
    fc.assert(
      fc.property(
        pattern,
        fc.boolean(),
        fc.string({ unit: fc.constantFrom('a', 'b', 'A', '1', ' '), maxLength: 10 }),
        (source, ignoreCase, text) => {
          const ours = compileSigmaRegex(source, { ignoreCase }).regexp.test(text);
          const native = new RegExp(source, ignoreCase ? 'i' : '').test(text);
          assert.equal(ours, native, `/${source}/${ignoreCase ? 'i' : ''} on ${JSON.stringify(text)}`);
        },
      ),
    );
  });
});
