import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_QUERY_LENGTH, QuerySyntaxError, tokenize, type Token } from './lexer.js';

/** Tokens as `type:text` strings, without the final eof. */
function lex(query: string): string[] {
  return tokenize(query)
    .slice(0, -1)
    .map((t) => `${t.type}:${t.type === 'regex' ? `${t.text}/${t.flags}` : t.text}`);
}

function only(query: string, index = 0): Token {
  return tokenize(query)[index]!;
}

describe('tokenize', () => {
  test('words, operators, parentheses and positions', () => {
    const tokens = tokenize('user=admin  AND (src_port>=1024)');
    assert.deepEqual(
      tokens.map((t) => [t.type, t.text, t.start, t.end]),
      [
        ['word', 'user', 0, 4],
        ['op', '=', 4, 5],
        ['word', 'admin', 5, 10],
        ['word', 'AND', 12, 15],
        ['lparen', '(', 16, 17],
        ['word', 'src_port', 17, 25],
        ['op', '>=', 25, 27],
        ['word', '1024', 27, 31],
        ['rparen', ')', 31, 32],
        ['eof', '', 32, 32],
      ],
    );
  });

  test('every comparison operator', () => {
    assert.deepEqual(lex('a=1 b!=2 c<3 d<=4 e>5 f>=6'), [
      'word:a', 'op:=', 'word:1', 'word:b', 'op:!=', 'word:2', 'word:c', 'op:<', 'word:3',
      'word:d', 'op:<=', 'word:4', 'word:e', 'op:>', 'word:5', 'word:f', 'op:>=', 'word:6',
    ]); // prettier-ignore
  });

  test('values after an operator keep characters that separate tokens elsewhere', () => {
    assert.deepEqual(lex('url=http://x/?a=b&c<d'), ['word:url', 'op:=', 'word:http://x/?a=b&c<d']);
    assert.deepEqual(lex('payload=abc== next'), ['word:payload', 'op:=', 'word:abc==', 'word:next']);
    assert.deepEqual(lex('time>-15m'), ['word:time', 'op:>', 'word:-15m']);
    assert.deepEqual(lex('user = admin'), ['word:user', 'op:=', 'word:admin']);
    // A value stops at whitespace, parentheses and the pipe.
    assert.deepEqual(lex('(a=b)|head'), [
      'lparen:(',
      'word:a',
      'op:=',
      'word:b',
      'rparen:)',
      'pipe:|',
      'word:head',
    ]);
  });

  test('wildcards and escapes in bare words', () => {
    const t = only('power*sh?ll');
    assert.deepEqual(t.parts, [
      { kind: 'text', text: 'power' },
      { kind: 'any' },
      { kind: 'text', text: 'sh' },
      { kind: 'one' },
      { kind: 'text', text: 'll' },
    ]);
    assert.deepEqual(only('a\\*b\\?c').parts, [{ kind: 'text', text: 'a*b?c' }]);
    // A backslash before an ordinary character is itself: Windows paths need no escaping.
    assert.deepEqual(only('C:\\Windows\\System32').parts, [{ kind: 'text', text: 'C:\\Windows\\System32' }]);
    // Sigma's convention: \\ is one backslash, so \\* is a backslash then a wildcard.
    assert.deepEqual(only('C:\\Temp\\\\*').parts, [{ kind: 'text', text: 'C:\\Temp\\' }, { kind: 'any' }]);
    assert.deepEqual(lex('a\\ b\\(c\\)'), ['word:a b(c)']);
    assert.equal(only('a\\ b').escaped, true);
    assert.deepEqual(lex('trailing\\'), ['word:trailing\\']);
  });

  test('quoted strings: double or single quotes, escapes, wildcards', () => {
    const t = only('"quoted phrase *"');
    assert.equal(t.type, 'string');
    assert.equal(t.text, 'quoted phrase *');
    assert.deepEqual(t.parts, [{ kind: 'text', text: 'quoted phrase ' }, { kind: 'any' }]);
    assert.equal(only('"say \\"hi\\" \\\\ \\* C:\\Temp"').text, 'say "hi" \\ * C:\\Temp');
    assert.deepEqual(only('"\\*"').parts, [{ kind: 'text', text: '*' }]);
    assert.equal(only("'it''s'").text, 'it');
    assert.equal(only("'a \"b\" \\'c\\''").text, 'a "b" \'c\'');
    assert.deepEqual(lex('user="a b"|head'), ['word:user', 'op:=', 'string:a b', 'pipe:|', 'word:head']);
    // A quote inside a word is an ordinary character.
    assert.deepEqual(lex("O'Brien"), ["word:O'Brien"]);
  });

  test('regular expressions only where a value is expected after = or !=', () => {
    assert.deepEqual(lex('cmd=/power.*shell/i'), ['word:cmd', 'op:=', 'regex:power.*shell/i']);
    assert.deepEqual(lex('cmd!=/a b|c/'), ['word:cmd', 'op:!=', 'regex:a b|c/']);
    assert.deepEqual(lex('path=/a\\/b/'), ['word:path', 'op:=', 'regex:a/b/']);
    assert.deepEqual(lex('path=/[/]x/'), ['word:path', 'op:=', 'regex:[/]x/']);
    assert.deepEqual(lex('path=/[]/]x/'), ['word:path', 'op:=', 'regex:[]/]x/']);
    assert.deepEqual(lex('x=/\\d+\\.\\d+/ y'), ['word:x', 'op:=', 'regex:\\d+\\.\\d+/', 'word:y']);
    // A path is not a regex: the closing slash must end the value.
    assert.deepEqual(lex('path=/etc/passwd'), ['word:path', 'op:=', 'word:/etc/passwd']);
    assert.deepEqual(lex('path=/usr/bin/*'), ['word:path', 'op:=', 'word:/usr/bin/*']);
    assert.deepEqual(lex('path=/unterminated'), ['word:path', 'op:=', 'word:/unterminated']);
    // Not after < and not as free text.
    assert.deepEqual(lex('x</a/'), ['word:x', 'op:<', 'word:/a/']);
    assert.deepEqual(lex('/a/'), ['word:/a/']);
  });

  test('IN lists: comma-separated values, regexes allowed', () => {
    assert.deepEqual(lex('user IN (alice, "b c",/x/i,d=e)'), [
      'word:user', 'word:IN', 'lparen:(', 'word:alice', 'comma:,', 'string:b c', 'comma:,', 'regex:x/i',
      'comma:,', 'word:d=e', 'rparen:)',
    ]); // prettier-ignore
    assert.deepEqual(lex('a NOT IN (x,y) b,c'), [
      'word:a', 'word:NOT', 'word:IN', 'lparen:(', 'word:x', 'comma:,', 'word:y', 'rparen:)', 'word:b,c',
    ]); // prettier-ignore
  });

  test('commas separate items only in the pipeline (and IN lists)', () => {
    assert.deepEqual(lex('error,failed'), ['word:error,failed']);
    assert.deepEqual(lex('| stats count() by a,b'), [
      'pipe:|', 'word:stats', 'word:count', 'lparen:(', 'rparen:)', 'word:by', 'word:a', 'comma:,', 'word:b',
    ]); // prettier-ignore
  });

  test('backticked field names', () => {
    assert.deepEqual(lex('`Event Data`=x'), ['field:Event Data', 'op:=', 'word:x']);
    assert.deepEqual(lex('`a\\`b\\\\c`=1'), ['field:a`b\\c', 'op:=', 'word:1']);
    // After an operator a backtick is part of the value.
    assert.deepEqual(lex('x=`y`'), ['word:x', 'op:=', 'word:`y`']);
  });

  test('a lone ! is part of a word; != is an operator', () => {
    assert.deepEqual(lex('wow! a!=b'), ['word:wow!', 'word:a', 'op:!=', 'word:b']);
  });

  test('errors name the position', () => {
    const cases: [string, number, RegExp][] = [
      ['a "unterminated', 2, /unterminated string/],
      ["x='open", 2, /unterminated string/],
      ['`field', 0, /unterminated field name/],
    ];
    for (const [query, position, message] of cases) {
      assert.throws(
        () => tokenize(query),
        (e: unknown) => e instanceof QuerySyntaxError && e.position === position && message.test(e.message),
        query,
      );
    }
    const e = (() => {
      try {
        tokenize('ab "x');
      } catch (error) {
        return error as QuerySyntaxError;
      }
    })();
    assert.equal(e?.column, 4);
    assert.match(e!.message, /at column 4/);
  });

  test('over-long queries are refused', () => {
    assert.throws(() => tokenize('a'.repeat(MAX_QUERY_LENGTH + 1)), /too long/);
    assert.equal(tokenize('a'.repeat(MAX_QUERY_LENGTH)).length, 2);
  });

  test('source keeps the exact text; eof sits at the end', () => {
    const tokens = tokenize('  "a\\"b"  ');
    assert.equal(tokens[0]!.source, '"a\\"b"');
    assert.deepEqual([tokens[1]!.type, tokens[1]!.start], ['eof', 10]);
  });
});
