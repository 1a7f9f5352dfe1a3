import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegex, MAX_NESTING, parseQuery, QuerySyntaxError, type Expr, type Query } from './parser.js';

/** A compact rendering of a search expression, to compare trees at a glance. */
function show(e: Expr | undefined): string {
  if (!e) return '∅';
  switch (e.type) {
    case 'and':
      return `(${e.operands.map(show).join(' & ')})`;
    case 'or':
      return `(${e.operands.map(show).join(' | ')})`;
    case 'not':
      return `!${show(e.operand)}`;
    case 'term':
      return e.value.quoted ? JSON.stringify(e.value.text) : e.value.text;
    case 'compare':
      return `${e.field.name}${e.op}${e.value.kind === 'regex' ? `/${e.value.pattern}/${e.value.caseInsensitive ? 'i' : ''}` : e.value.text}`;
    case 'in':
      return `${e.field.name}${e.negated ? '∉' : '∈'}[${e.values.map((v) => (v.kind === 'regex' ? `/${v.pattern}/` : v.text)).join(',')}]`;
  }
}

function search(query: string): string {
  return show(parseQuery(query).search);
}

function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (error) {
    assert.ok(
      error instanceof QuerySyntaxError,
      `expected QuerySyntaxError for ${query}, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(query)}`);
}

describe('search expressions', () => {
  test('free text, phrases, comparisons', () => {
    assert.equal(search('mimikatz'), 'mimikatz');
    assert.equal(search('"quoted phrase"'), '"quoted phrase"');
    assert.equal(search('powershell*'), 'powershell*');
    assert.equal(search('user=admin'), 'user=admin');
    assert.equal(search('src_port >= 1024'), 'src_port>=1024');
    assert.equal(search('unmapped.CommandLine="*-enc *"'), 'unmapped.CommandLine=*-enc *');
    assert.equal(search('@timestamp>now-1h'), '@timestamp>now-1h');
    assert.equal(search('`Event Data`=x'), 'Event Data=x');
  });

  test('juxtaposition is AND; precedence NOT > AND > OR', () => {
    assert.equal(search('a b c'), '(a & b & c)');
    assert.equal(search('a AND b OR c'), '((a & b) | c)');
    assert.equal(search('a OR b AND c'), '(a | (b & c))');
    assert.equal(search('a OR b c'), '(a | (b & c))');
    assert.equal(search('NOT a b'), '(!a & b)');
    assert.equal(search('NOT a OR b'), '(!a | b)');
    assert.equal(search('NOT (a OR b)'), '!(a | b)');
    assert.equal(search('NOT NOT a'), '!!a');
    assert.equal(search('(a OR b) (c OR d)'), '((a | b) & (c | d))');
    assert.equal(search('x=1 OR y=2 NOT z=3'), '(x=1 | (y=2 & !z=3))');
  });

  test('lower-case and/or/not are search terms, not keywords', () => {
    assert.equal(search('this and that'), '(this & and & that)');
    assert.equal(search('"AND"'), '"AND"');
  });

  test('regular expressions and flags', () => {
    assert.equal(search('cmd_line=/power.*shell/i'), 'cmd_line=/power.*shell/i');
    assert.equal(search('x!=/^a$/'), 'x!=/^a$/');
  });

  test('IN and NOT IN', () => {
    assert.equal(search('user IN (alice, bob)'), 'user∈[alice,bob]');
    assert.equal(search('user NOT IN (alice)'), 'user∉[alice]');
    assert.equal(search('NOT user IN (a,/b/)'), '!user∈[a,/b/]');
    assert.equal(search('`odd name` IN ("x y")'), 'odd name∈[x y]');
    // Without a list, IN is just a word.
    assert.equal(search('sign IN'), '(sign & IN)');
  });

  test('positions point at the field', () => {
    const q = parseQuery('  user=admin');
    assert.equal(q.search?.type, 'compare');
    if (q.search?.type === 'compare') {
      assert.equal(q.search.position, 2);
      assert.equal(q.search.value.position, 7);
    }
  });

  test('an empty query matches everything', () => {
    assert.deepEqual(parseQuery(''), { stages: [] });
    assert.deepEqual(parseQuery('   '), { stages: [] });
  });
});

describe('pipeline stages', () => {
  test('stats with aggregations, aliases and by', () => {
    const text =
      '| stats count(), count as n, dc(user), min(f) max(f), avg(b) as "avg bytes", sum(b) by host, `src ip`';
    const at = (needle: string, from = 0) => text.indexOf(needle, from);
    const q: Query = parseQuery(text);
    assert.deepEqual(q.stages, [
      {
        type: 'stats',
        aggregations: [
          { fn: 'count', name: 'count', position: at('count()') },
          { fn: 'count', name: 'n', position: at('count as') },
          { fn: 'dc', field: { name: 'user', position: at('user') }, name: 'dc(user)', position: at('dc(') },
          { fn: 'min', field: { name: 'f', position: at('f)') }, name: 'min(f)', position: at('min(') },
          {
            fn: 'max',
            field: { name: 'f', position: at('f)', at('max(')) },
            name: 'max(f)',
            position: at('max('),
          },
          { fn: 'avg', field: { name: 'b', position: at('b)') }, name: 'avg bytes', position: at('avg(') },
          {
            fn: 'sum',
            field: { name: 'b', position: at('b)', at('sum(')) },
            name: 'sum(b)',
            position: at('sum('),
          },
        ],
        by: [
          { name: 'host', position: at('host') },
          { name: 'src ip', position: at('`src ip`') },
        ],
        position: at('stats'),
      },
    ]);
  });

  test('count(field) and case-insensitive command words', () => {
    const [stage] = parseQuery('| STATS COUNT(user) AS users BY host').stages;
    assert.equal(stage?.type, 'stats');
    if (stage?.type === 'stats') {
      assert.equal(stage.aggregations[0]?.name, 'users');
      assert.equal(stage.aggregations[0]?.field?.name, 'user');
      assert.equal(stage.by[0]?.name, 'host');
    }
  });

  test('timechart with span, default count, by', () => {
    assert.deepEqual(parseQuery('| timechart span=5m count() by host').stages[0], {
      type: 'timechart',
      spanMs: 300_000,
      aggregations: [{ fn: 'count', name: 'count', position: 20 }],
      by: [{ name: 'host', position: 31 }],
      position: 2,
    });
    const bare = parseQuery('x | timechart').stages[0];
    assert.deepEqual(bare, { type: 'timechart', aggregations: [], by: [], position: 4 });
    const spans = ['30s', '1m', '1h', '1d', '1h30m'].map((s) => {
      const stage = parseQuery(`| timechart span=${s}`).stages[0];
      return stage?.type === 'timechart' ? stage.spanMs : undefined;
    });
    assert.deepEqual(spans, [30_000, 60_000, 3_600_000, 86_400_000, 5_400_000]);
  });

  test('sort with signs, asc/desc and aggregation references', () => {
    const [stage] = parseQuery(
      '| stats count() by a | sort -count(), + a, b desc, -`x y`, c asc, -dc(u)',
    ).stages.slice(1);
    assert.equal(stage?.type, 'sort');
    if (stage?.type === 'sort') {
      assert.deepEqual(
        stage.keys.map((k) => [k.field.name, k.descending, k.field.call ?? false]),
        [
          ['count', true, true],
          ['a', false, false],
          ['b', true, false],
          ['x y', true, false],
          ['c', false, false],
          ['dc(u)', true, true],
        ],
      );
    }
  });

  test('head, limit, fields, table, where', () => {
    assert.deepEqual(parseQuery('| head').stages[0], { type: 'head', count: 10, position: 2 });
    assert.deepEqual(parseQuery('| limit 5').stages[0], { type: 'head', count: 5, position: 2 });
    const fields = parseQuery('| fields a, b c').stages[0];
    assert.deepEqual(fields?.type === 'fields' && fields.fields.map((f) => f.name), ['a', 'b', 'c']);
    const table = parseQuery('| table a').stages[0];
    assert.equal(table?.type, 'fields');
    const where = parseQuery('| stats count() by u | where count() > 5 OR u=x*').stages[1];
    assert.equal(where?.type === 'where' && show(where.expr), '(count>5 | u=x*)');
  });

  test('several stages in order', () => {
    const q = parseQuery('a | where b=1 | sort -time | head 3 | fields user');
    assert.deepEqual(
      q.stages.map((s) => s.type),
      ['where', 'sort', 'head', 'fields'],
    );
  });
});

describe('syntax errors name the position and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['a AND', 5, /expected a search term after AND, found the end of the query/],
    ['a OR', 4, /expected a search term after OR/],
    ['OR a', 0, /expected a search term, found the keyword OR/],
    ['NOT', 3, /expected a search term after NOT/],
    ['(a', 2, /expected '\)' to close the '\(' at column 1/],
    ['a)', 1, /unexpected '\)' without a matching '\('/],
    ['()', 1, /empty parentheses/],
    ['user=', 5, /expected a value after '='/],
    ['user= )', 6, /expected a value after '='/],
    ['=x', 0, /expected a field name before '='/],
    ['"user"=x', 0, /quoted string cannot be a field name/],
    ['us*er=x', 0, /invalid field name/],
    ['a..b=x', 0, /empty path segment/],
    ['`a.*`=x', 0, /'\*' is not a path segment/],
    ['`a\tb`=x', 0, /control characters/],
    ['`f` x', 4, /expected an operator .* or IN after the field f/],
    ['x IN (a b)', 8, /expected ',' or '\)' in the IN list/],
    ['x IN ()', 6, /expected a value in the IN list/],
    ['x IN (a,)', 8, /expected a value in the IN list/],
    ['x=/a(/', 4, /invalid regular expression: missing '\)'/],
    ['x=/(?=a)/', 3, /lookahead and lookbehind are not supported/],
    ['x=/(a)\\1/', 6, /backreferences are not supported/],
    ['|', 1, /expected a command after '\|'/],
    ['| foo', 2, /unknown command "foo"; expected one of stats, timechart/],
    ['a | stats', 9, /expected an aggregation after stats/],
    ['| stats count() by', 18, /expected a field after by/],
    ['| stats sum()', 8, /sum\(\) needs a field/],
    ['| stats median(x)', 8, /expected an aggregation \(count\(\), dc\(f\)/],
    ['| stats count( x', 16, /expected '\)' after count\(x/],
    ['| stats count() as', 18, /expected a column name after as/],
    ['| timechart span=5x', 17, /invalid span "5x"/],
    ['| timechart span=500ms', 17, /invalid span/],
    ['| timechart span 5m', 17, /expected '=' after span/],
    ['| head x', 7, /expected a number of rows/],
    ['| head 5 6', 9, /unexpected '6'; expected '\|' or the end of the query/],
    ['| sort', 6, /expected a field to sort on/],
    ['| fields', 8, /expected at least one field after fields/],
    ['| where', 7, /expected a condition after where/],
    ['| where a=1)', 11, /unexpected '\)'/],
  ];
  for (const [query, position, message] of cases) {
    test(query, () => {
      const e = syntaxError(query);
      assert.match(e.message, message);
      assert.equal(e.position, position, e.message);
      assert.match(e.message, new RegExp(`at column ${position + 1}\\)$`));
    });
  }

  test('nesting is bounded', () => {
    const deep = '('.repeat(MAX_NESTING + 1) + 'a' + ')'.repeat(MAX_NESTING + 1);
    assert.match(syntaxError(deep).message, /nesting deeper than/);
    const ok = '('.repeat(MAX_NESTING) + 'a' + ')'.repeat(MAX_NESTING);
    assert.equal(search(ok), 'a');
    assert.match(syntaxError('NOT '.repeat(MAX_NESTING + 1) + 'a').message, /nesting deeper than/);
  });
});

describe('checkRegex (RE2 syntax)', () => {
  test('accepts RE2 syntax', () => {
    for (const re of [
      'abc',
      'a|b|',
      '^power.*shell\\.exe$',
      '(?i)mimikatz',
      '(?i:a)b',
      '(?s-m:a.)',
      '(?:a|b)+?',
      '(?P<name>x)',
      '[a-z0-9_]+',
      '[^\\]\\-]',
      '[]a]',
      '[^]a]',
      '[[:alpha:][:^digit:]]',
      '\\d{2,4}\\w{3}\\s*\\b',
      'a{2}',
      'a{2,}',
      'a{,2}',
      'x{',
      '\\pL\\p{Greek}\\P{Lu}\\p{^Han}',
      '\\x41\\x{263a}\\n\\t\\0\\07',
      '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\/\\\\',
      '\\Qa.b*\\E+',
      '((a{10}){10}){10}',
      '\\Aabc\\z',
      '😀+',
      '[a-]',
    ]) {
      assert.equal(checkRegex(re), undefined, re);
    }
  });

  test('refuses what RE2 would refuse, with the index of the problem', () => {
    const cases: [string, number, RegExp][] = [
      ['(', 0, /missing '\)'/],
      [')', 0, /unmatched '\)'/],
      ['[a', 0, /missing '\]'/],
      ['*a', 0, /nothing to repeat/],
      ['a**', 2, /cannot follow another/],
      ['a{2}*', 4, /cannot follow another/],
      ['a|*', 2, /nothing to repeat/],
      ['^*', 1, /nothing to repeat/],
      ['(?i)*', 4, /nothing to repeat/],
      ['{2}', 0, /nothing to repeat/],
      ['a{1001}', 1, /bad repetition count/],
      ['a{3,2}', 1, /bad repetition count/],
      ['((a{10}){10}){11}', 13, /exceed 1000/],
      ['[z-a]', 2, /bad character range/],
      ['[\\d-z]', 3, /cannot be a range end/],
      ['[[:alfa:]]', 1, /unknown character class/],
      ['\\pX', 0, /unknown Unicode class/],
      ['\\p{Klingon}', 0, /unknown Unicode class/],
      ['\\1', 0, /backreferences/],
      ['(?P=n)', 0, /backreferences/],
      ['(?<=a)b', 0, /lookahead and lookbehind/],
      ['(?!a)', 0, /lookahead and lookbehind/],
      ['(?<n>a)', 0, /unsupported group syntax/],
      ['(?)', 0, /unsupported group syntax/],
      ['(?x)', 0, /unsupported group syntax/],
      ['(?ii)', 0, /unsupported group syntax/],
      ['(?P<n>a)(?P<n>b)', 8, /duplicate group name/],
      ['\\Z', 0, /invalid escape/],
      ['\\e', 0, /invalid escape/],
      ['\\_', 0, /invalid escape/],
      ['a\\', 1, /trailing backslash/],
      ['\\x4', 0, /two hex digits/],
      ['\\x{110000}', 0, /invalid code point/],
      ['\ud800', 0, /unpaired surrogate/],
      ['(((a{100}){100}){100})', 10, /exceed 1000/],
      ['(?:(?:a{1000}){1000})', 14, /exceed 1000/],
      ['(a{1000}|b{1000}|c{1000}){100}'.repeat(1), 25, /exceed 1000/],
    ];
    for (const [re, index, reason] of cases) {
      const problem = checkRegex(re);
      assert.ok(problem, `expected a problem with ${re}`);
      assert.match(problem.reason, reason, re);
      assert.equal(problem.index, index, `${re}: ${problem.reason}`);
    }
  });

  test('large expansions are refused', () => {
    const problem = checkRegex('(abcdefghij{1000}){99}');
    assert.ok(problem);
    assert.match(problem.reason, /exceed 1000|too large/);
    assert.match(checkRegex('(?:[a-z]{1000}x{999}){50}'.repeat(3))?.reason ?? '', /too large|exceed/);
  });
});
