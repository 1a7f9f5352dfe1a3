import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { detectFile, emptyStats, type OfflineMatch } from './offline.js';
import { DetectionPool } from './parallel.js';
import { loadRuleDocuments } from './sigma/load.js';
import { buildRuleSet } from './sigma/ruleset.js';

const RULES = 'sigma/rules/rules/windows/process_creation';
const CORPUS = 'bench/otrf_windows_events.ndjson.gz';

const key = (m: OfflineMatch) =>
  `${m.line}:${m.rule.id ?? m.rule.title}:${m.event.time ?? ''}:${m.computer ?? ''}`;

test(
  'workers find exactly what one thread finds, in the same order (real rules, real corpus)',
  { skip: sharedSkip(RULES, CORPUS), timeout: 60_000 },
  async () => {
    const rules = sharedPath(RULES);
    const { ruleSet } = buildRuleSet(loadRuleDocuments([rules]));
    const one = emptyStats();
    const oneMatches: string[] = [];
    await detectFile(sharedPath(CORPUS), ruleSet, one, {
      limit: 6000,
      onMatch: (m) => oneMatches.push(key(m)),
    });

    const pool = await DetectionPool.start({ rules: [rules] }, 2);
    try {
      const many = emptyStats();
      const manyMatches: string[] = [];
      await pool.detectFile(sharedPath(CORPUS), many, {
        limit: 6000,
        onMatch: (m) => manyMatches.push(key(m)),
      });
      assert.equal(many.records, 6000);
      assert.equal(many.records, one.records);
      assert.equal(many.rejected, one.rejected);
      assert.ok(one.matches > 0, 'the sample has matches');
      assert.equal(many.matches, one.matches);
      assert.deepEqual(manyMatches, oneMatches);
      assert.deepEqual(
        [...many.byRule].map(([k, v]) => [k, v.count]).sort(),
        [...one.byRule].map(([k, v]) => [k, v.count]).sort(),
      );
    } finally {
      await pool.close();
    }
  },
);

test('bad records are counted and sampled in file order; a pool serves several files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-parallel-'));
  const rule = join(dir, 'rule.yml');
  writeFileSync(
    rule,
    [
      'title: Whoami',
      'id: 5bbd8f2a-1f1b-4c55-9d1e-3a0d6c7c8e01',
      'logsource: { category: process_creation, product: windows }',
      'detection:',
      "  selection: { Image|endswith: '\\whoami.exe' }",
      '  condition: selection',
      'level: medium',
    ].join('\n'),
  );
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    if (i % 700 === 5) lines.push('{"broken": ');
    else
      lines.push(
        JSON.stringify({
          EventID: 1,
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Image: i % 100 === 0 ? 'C:\\Windows\\System32\\whoami.exe' : 'C:\\Windows\\explorer.exe',
        }),
      );
  }
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const { ruleSet } = buildRuleSet(loadRuleDocuments([rule]));
  const one = emptyStats();
  await detectFile(file, ruleSet, one, { format: 'ndjson' });
  const pool = await DetectionPool.start({ rules: [rule] }, 3, 'ndjson');
  try {
    for (let round = 0; round < 2; round++) {
      const many = emptyStats();
      const lines: number[] = [];
      await pool.detectFile(file, many, { format: 'ndjson', onMatch: (m) => lines.push(m.line) });
      assert.equal(many.records, 2000);
      assert.equal(many.rejected, 3);
      assert.deepEqual(
        many.rejections.map((r) => r.position),
        one.rejections.map((r) => r.position),
      );
      assert.equal(many.matches, 20);
      assert.equal(many.matches, one.matches);
      assert.deepEqual(
        lines,
        [...lines].sort((a, b) => a - b),
      );
      assert.equal(lines[0], 1);
    }
  } finally {
    await pool.close();
  }
});
