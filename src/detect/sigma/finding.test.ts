import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../../testing/ocsf-schema.js';
import { sharedSkip } from '../../testing/shared.js';
import type { RuleInfo } from './compile.js';
import { attacksOf, detectionFinding, severityOf } from './finding.js';

const rule: RuleInfo = {
  id: '06d71506-7beb-4f22-8888-e2e5e2ca7fd8',
  title: 'Mimikatz Use',
  level: 'high',
  status: 'test',
  description: 'Detects mimikatz keywords',
  tags: ['attack.s0002', 'attack.credential-access', 'attack.t1003.001', 'attack.t1003', 'car.2013-07-001'],
  references: ['https://example.org/mimikatz'],
  falsepositives: [],
  logsource: { product: 'windows' },
};

describe('Detection Finding', () => {
  test('levels map to OCSF severities', () => {
    assert.deepEqual(
      (['informational', 'low', 'medium', 'high', 'critical'] as const).map(severityOf),
      [1, 2, 3, 4, 5],
    );
    assert.equal(severityOf(undefined), 0);
  });

  test('ATT&CK tags: techniques, sub-techniques, tactics', () => {
    assert.deepEqual(attacksOf(['attack.t1059.001', 'attack.execution']), [
      {
        technique: { uid: 'T1059', src_url: 'https://attack.mitre.org/techniques/T1059/' },
        sub_technique: { uid: 'T1059.001', src_url: 'https://attack.mitre.org/techniques/T1059/001/' },
        tactic: { uid: 'TA0002', name: 'Execution', src_url: 'https://attack.mitre.org/tactics/TA0002/' },
      },
    ]);
    const several = attacksOf(['attack.t1003', 'attack.defense_evasion', 'attack.persistence']);
    assert.equal(several.length, 3);
    assert.deepEqual(
      several.map((a) => a.tactic?.uid ?? a.technique?.uid),
      ['T1003', 'TA0005', 'TA0003'],
    );
    assert.deepEqual(attacksOf(['attack.s0002', 'cve.2021-44228']), []);
  });

  test('the finding names the rule and the matched event', () => {
    const f = detectionFinding(
      rule,
      {
        uid: '42',
        time: 1_700_000_000_000,
        product: 'Microsoft-Windows-Sysmon',
        logName: 'Microsoft-Windows-Sysmon/Operational',
      },
      { now: 1_700_000_001_000 },
    );
    assert.equal(f.class_uid, 2004);
    assert.equal(f.type_uid, 200401);
    assert.equal(f.severity_id, 4);
    assert.equal(f.time, 1_700_000_000_000);
    const info = f.finding_info as Record<string, unknown>;
    assert.equal(info.title, 'Mimikatz Use');
    assert.deepEqual(info.analytic, {
      type_id: 1,
      type: 'Rule',
      name: 'Mimikatz Use',
      category: 'Sigma',
      uid: rule.id,
      state: 'test',
    });
    assert.deepEqual(info.related_events, [
      { uid: '42', created_time: 1_700_000_000_000, product: { name: 'Microsoft-Windows-Sysmon' } },
    ]);
    assert.equal((info.attacks as unknown[]).length, 2);
    assert.deepEqual(
      (f.evidences as { data: Record<string, unknown> }[])[0]!.data.log_name,
      'Microsoft-Windows-Sysmon/Operational',
    );
  });

  test('valid OCSF 1.8 (with and without event details)', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
    const full = detectionFinding(rule, {
      uid: '42',
      time: 1_700_000_000_000,
      product: 'Sysmon',
      logName: 'Sysmon',
      path: 'a.json',
      line: 3,
    });
    assert.deepEqual(validateOcsf(full), []);
    const bare = detectionFinding(
      { title: 'Bare', tags: [], references: [], falsepositives: [], logsource: {} },
      {},
      { now: 5 },
    );
    assert.deepEqual(validateOcsf(bare), []);
    assert.equal(bare.severity_id, 0);
  });
});
