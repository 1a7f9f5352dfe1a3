import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../../testing/fuzz.js';
import { compileRule } from './compile.js';
import { parseCondition } from './condition.js';
import { SigmaError } from './errors.js';
import { compileSigmaRegex } from './regex.js';
import { parseSigmaYaml } from './rule.js';
import { buildRuleSet } from './ruleset.js';
import { matches, ruleYaml, TEST_LOGSOURCE, view } from './testkit.js';
import { recordEventView } from './view.js';

/** Only SigmaError may come out of rule handling. */
function onlySigmaErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof SigmaError)) throw error;
  }
}

const SAMPLES = [
  ruleYaml(`    selection:
        Image|endswith: '\\\\whoami.exe'
        CommandLine|contains|all: ['-a', '/b']
        ParentImage|re|i: '^C:\\\\Windows\\\\.{1,10}\\.exe$'
    filter:
        User|startswith: 'adm_'
        IntegrityLevel: null
    keywords:
        - 'sekurlsa::'
        - 4625
    condition: (selection or keywords) and not 1 of filter*`),
  ruleYaml(`    sel:
        - DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']
        - Size|gte: 10
        - CommandLine|windash|contains: ' -enc '
        - CommandLine|wide|base64offset|contains: 'ping'
        - TimeCreated|hour|lt: 6
        - User|fieldref: ParentUser
        - PasswordLastSet|exists: false
    condition: all of them`),
  `title: f\nlogsource: {product: test}\nfilter: {rules: [a], selection: {User: x}, condition: not selection}`,
];

const field = fc.constantFrom(
  'Image',
  'CommandLine',
  'User',
  'ParentUser',
  'Size',
  'a.b',
  '__proto__',
  'constructor',
  '',
);
const modifier = fc.constantFrom(
  'contains',
  'startswith',
  'endswith',
  'all',
  'base64',
  'base64offset',
  'wide',
  'utf16be',
  'utf16',
  'windash',
  're',
  'i',
  'm',
  's',
  'cidr',
  'cased',
  'exists',
  'expand',
  'fieldref',
  'gt',
  'lte',
  'neq',
  'hour',
  'week',
  'nosuch',
);
const scalar = fc.oneof(
  hostileText,
  fc.constantFrom(
    '*',
    '?',
    '\\*',
    'a*b?c',
    '%Admins%',
    '10.0.0.0/8',
    '(a+)+$',
    'x|y',
    '-enc',
    'true',
    '',
    '\\',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const item = fc.tuple(
  field,
  fc.array(modifier, { maxLength: 3 }),
  fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })),
);
const detection = fc.dictionary(
  fc.constantFrom('selection', 'filter', 'sel_a', '_x'),
  fc.array(item, { minLength: 1, maxLength: 3 }),
  {
    minKeys: 1,
  },
);
const condition = fc.constantFrom(
  'selection',
  'not filter',
  '1 of sel*',
  'all of them',
  'selection and not filter',
  '1 of _*',
  'x',
  '(',
);

/** A random event: hostile strings, numbers, bigints, nulls, arrays and nesting under the rule fields. */
const event = fc.dictionary(
  fc.constantFrom(
    'Image',
    'CommandLine',
    'User',
    'ParentUser',
    'Size',
    'a',
    'TimeCreated',
    'DestinationIp',
    'EventID',
    'Channel',
  ),
  fc.oneof(
    hostileText,
    fc.integer(),
    fc.bigInt(),
    fc.constant(null),
    fc.array(hostileText, { maxLength: 3 }),
    fc.record({ b: hostileText }),
    fc.constantFrom('10.1.2.3', 'fe80::1', '2024-01-01T05:00:00Z', 'Microsoft-Windows-Sysmon/Operational'),
  ),
);

describe('Sigma engine under hostile input', () => {
  test('mutated rule files: only SigmaErrors, and rules that compile evaluate without throwing', () => {
    fc.assert(
      fc.property(mutatedText(SAMPLES), event, (text, ev) => {
        const docs = parseSigmaYaml(text, 'fuzz.yml');
        for (const d of docs)
          if (!(d instanceof SigmaError) && d.kind === 'rule') onlySigmaErrors(() => compileRule(d));
        const { ruleSet } = buildRuleSet(docs, { logsources: [TEST_LOGSOURCE] });
        ruleSet.match(view(ev));
        ruleSet.match(recordEventView(ev));
      }),
      fuzzOptions(),
    );
  });

  test('random rules: only SigmaErrors; direct and indexed evaluation agree on random events', () => {
    fc.assert(
      fc.property(
        detection,
        condition,
        fc.array(event, { minLength: 1, maxLength: 4 }),
        (det, cond, events) => {
          const lines: string[] = [];
          for (const [name, items] of Object.entries(det)) {
            lines.push(`    ${name}:`);
            for (const [f, mods, value] of items) {
              lines.push(`        ${JSON.stringify([f, ...mods].join('|'))}: ${JSON.stringify(value)}`);
            }
          }
          lines.push(`    condition: ${JSON.stringify(cond)}`);
          const yaml = ruleYaml(lines.join('\n'));
          let compiled = true;
          onlySigmaErrors(() => {
            compiled = false;
            const docs = parseSigmaYaml(yaml);
            if (docs[0] instanceof SigmaError) throw docs[0];
            compileRule(docs[0] as never, { placeholders: { Admins: ['adm_*'] } });
            compiled = true;
          });
          if (!compiled) return;
          for (const ev of events) matches(yaml, ev, { placeholders: { Admins: ['adm_*'] } });
        },
      ),
      fuzzOptions(),
    );
  });

  test('hostile regex sources and conditions: only SigmaErrors', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        onlySigmaErrors(() => compileSigmaRegex(text, { ignoreCase: text.length % 2 === 0 }));
        onlySigmaErrors(() => parseCondition(text));
      }),
      fuzzOptions(),
    );
  });

  test('deeply nested and huge events do not break keyword search', () => {
    let deep: unknown = 'sekurlsa::';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const { ruleSet } = buildRuleSet(
      parseSigmaYaml(ruleYaml(`    k:\n        - 'sekurlsa::'\n    condition: k`)),
      {
        logsources: [TEST_LOGSOURCE],
      },
    );
    assert.deepEqual(ruleSet.match(view({ deep })), []); // beyond 32 levels values are not searched
    assert.equal(ruleSet.match(view({ big: 'x'.repeat(1_000_000) + 'SEKURLSA::' })).length, 1);
  });
});
