import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sharedPath, sharedSkip } from '../../testing/shared.js';
import { SigmaError } from './errors.js';
import { parseSigmaYaml, type SigmaDocument } from './rule.js';
import { buildRuleSet } from './ruleset.js';
import { ruleYaml, TEST_LOGSOURCE, view } from './testkit.js';

function only(yaml: string): SigmaDocument | SigmaError {
  const docs = parseSigmaYaml(yaml, 'test.yml');
  assert.equal(docs.length, 1);
  return docs[0]!;
}

function reason(yaml: string): string {
  const doc = only(yaml);
  assert.ok(doc instanceof SigmaError, 'expected an error');
  return doc.reason;
}

describe('rule documents', () => {
  test('a rule: metadata, lower-cased logsource and tags, searches in order', () => {
    const doc = only(`title: Whoami
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
status: test
level: HIGH
tags: [attack.Discovery, attack.t1033]
logsource:
    category: Process_Creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    filter:
        User: x
    condition: selection and not filter
`);
    assert.ok(!(doc instanceof SigmaError) && doc.kind === 'rule');
    assert.equal(doc.title, 'Whoami');
    assert.equal(doc.level, 'high');
    assert.deepEqual(doc.tags, ['attack.discovery', 'attack.t1033']);
    assert.deepEqual(doc.logsource, { category: 'process_creation', product: 'windows' });
    assert.deepEqual([...doc.searches.keys()], ['selection', 'filter']);
    assert.deepEqual(doc.conditions, ['selection and not filter']);
    assert.equal(doc.path, 'test.yml');
  });

  test('problems are SigmaErrors with the file and the place', () => {
    assert.equal(reason('title: [unclosed'), 'invalid_yaml');
    assert.equal(reason('title: a\ntitle: b\n'), 'invalid_yaml'); // duplicate keys
    assert.equal(reason('- a list'), 'invalid_rule');
    assert.equal(reason('logsource: {product: x}\ndetection: {s: {a: 1}, condition: s}'), 'invalid_rule');
    assert.equal(reason('title: t\ndetection: {s: {a: 1}, condition: s}'), 'invalid_rule');
    assert.equal(reason('title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}}'), 'invalid_rule');
    assert.equal(reason('title: t\nlogsource: {product: x}\ndetection: {condition: s}'), 'invalid_rule');
    assert.equal(
      reason('title: t\nlevel: severe\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}'),
      'invalid_rule',
    );
    const error = only('title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}}');
    assert.ok(error instanceof SigmaError);
    assert.match(error.message, /^test\.yml: detection\.condition: invalid_rule/);
  });

  test('v1 collections, correlations and filters are told apart', () => {
    assert.equal(reason('action: global\ntitle: t\n'), 'rule_collection');
    const correlation = only(
      'title: c\ncorrelation: {type: event_count, rules: [a], group-by: [x], timespan: 1h}',
    );
    assert.ok(!(correlation instanceof SigmaError) && correlation.kind === 'correlation');
    const filter = only(
      'title: f\nlogsource: {product: test}\nfilter: {rules: [r1], selection: {User: x}, condition: not selection}',
    );
    assert.ok(!(filter instanceof SigmaError) && filter.kind === 'filter');
    assert.deepEqual(filter.rules, ['r1']);
  });

  test('several documents in one file, each on its own', () => {
    const docs = parseSigmaYaml(`${ruleYaml('    s: {a: 1}\n    condition: s')}\n---\ntitle: [bad\n---\n`);
    assert.equal(docs.length, 2);
    assert.ok(!(docs[0] instanceof SigmaError));
    assert.ok(docs[1] instanceof SigmaError);
  });

  test('aliases cannot blow up', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const docs = parseSigmaYaml(`title: t\n${bomb.join('\n')}\n`);
    assert.ok(docs[0] instanceof SigmaError);
  });
});

describe('global filters (filters specification)', () => {
  const rule = `title: Data Compressed
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource:
    product: test
detection:
    selection:
        Image|endswith: '\\rar.exe'
    condition: selection
`;
  const filter = (condition: string, logsource = 'product: test') => `title: Filter admins
logsource:
    ${logsource}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
    selection:
        User|startswith: 'adm_'
    condition: ${condition}
`;
  const run = (filterYaml: string, event: Record<string, unknown>) => {
    const docs = [...parseSigmaYaml(rule), ...parseSigmaYaml(filterYaml)];
    const { ruleSet, reports } = buildRuleSet(docs, { logsources: [TEST_LOGSOURCE] });
    assert.deepEqual(
      reports.map((r) => r.status),
      ['ok', 'ok'],
    );
    return ruleSet.match(view(event)).length > 0;
  };

  test("the filter's condition is AND-ed to the rule's (write `not selection` to exclude)", () => {
    assert.equal(run(filter('not selection'), { Image: 'C:\\rar.exe', User: 'adm_joe' }), false);
    assert.equal(run(filter('not selection'), { Image: 'C:\\rar.exe', User: 'joe' }), true);
    assert.equal(run(filter('selection'), { Image: 'C:\\rar.exe', User: 'joe' }), false);
  });

  test('a filter for another logsource or other rules leaves the rule alone', () => {
    assert.equal(
      run(filter('not selection', 'product: windows'), { Image: 'C:\\rar.exe', User: 'adm_joe' }),
      true,
    );
    assert.equal(
      run(filter('not selection').replace('6f3e2987', '00000000'), { Image: 'C:\\rar.exe', User: 'adm_joe' }),
      true,
    );
  });
});

describe('specification examples', { skip: sharedSkip('sigma/specification/tests/schema') }, () => {
  const dir = sharedPath('sigma/specification/tests/schema');
  for (const kind of ['rules', 'filter', 'correlation']) {
    test(`${kind} examples parse`, () => {
      for (const file of readdirSync(join(dir, kind))) {
        const docs = parseSigmaYaml(readFileSync(join(dir, kind, file), 'utf8'), file);
        for (const d of docs) {
          assert.ok(!(d instanceof SigmaError), `${file}: ${(d as SigmaError).message}`);
          assert.equal(d.kind, kind === 'rules' ? 'rule' : kind);
        }
      }
    });
  }
});
