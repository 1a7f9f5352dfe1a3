import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sharedPath, sharedSkip } from '../../testing/shared.js';
import { DetectionEngine, loadDetectionContent } from '../engine.js';
import { Scenario, windowsEvent } from './testkit.js';

const DIR = 'sigma/correlation-examples/hayabusa-rules/hayabusa/builtin/Security/LogonLogoff/Logon';
const SPEC_TESTS = 'sigma/specification/tests/schema/correlation';
const T0 = Date.parse('2024-10-13T10:00:00Z');

function scenario(file: string): Scenario {
  const content = loadDetectionContent({ rules: [sharedPath(`${DIR}/${file}`)], builtin: false });
  assert.deepEqual(
    content.reports.filter((r) => r.status !== 'ok'),
    [],
  );
  assert.equal(content.correlations.length, 1);
  return new Scenario(new DetectionEngine(content, { latenessMs: 60_000 }));
}

const failed = (i: number, eventId: number, data: Record<string, unknown>) =>
  windowsEvent({
    time: T0 + i * 10_000,
    channel: 'Security',
    eventId,
    computer: 'fs01.offsec.lan',
    data: {
      TargetDomainName: 'FS01',
      LogonType: 8,
      LogonProcessName: 'Advapi',
      WorkstationName: 'FS01',
      ProcessName: 'C:\\Program Files\\OpenSSH-Win64\\sshd.exe',
      IpAddress: '10.0.0.66',
      ...data,
    },
  });

describe('real Sigma correlation rules (Hayabusa)', { skip: sharedSkip(DIR) }, () => {
  test('User Guessing (value_count gt 3): four unknown users from one address', () => {
    const s = scenario('Sec_4625_Med_LogonFail_UserGuessing_Correlation.yml');
    // Local attempts (IpAddress '-') are filtered out by the base rule.
    s.each(
      [0, 1, 2, 3].map((i) =>
        failed(i, 4625, { TargetUserName: `nouser${i}`, SubStatus: '0xc0000064', IpAddress: '-' }),
      ),
    );
    const ids = s.each(
      [0, 1, 2, 3].map((i) => failed(i + 4, 4625, { TargetUserName: `nouser${i}`, SubStatus: '0xc0000064' })),
    );
    assert.equal(s.signals.length, 1);
    const signal = s.signals[0]!;
    assert.equal(signal.rule.id, '0ae09af3-f30f-47c2-a31c-83e0b918eeee');
    assert.equal(signal.rule.level, 'medium');
    assert.deepEqual(signal.attack.techniques, ['T1110.003']);
    assert.deepEqual(signal.entities, {
      IpAddress: '10.0.0.66',
      LogonType: '8',
      TargetDomainName: 'FS01',
      ProcessName: 'C:\\Program Files\\OpenSSH-Win64\\sshd.exe',
      LogonProcessName: 'Advapi',
      WorkstationName: 'FS01',
    });
    assert.deepEqual(signal.eventIds, ids);
  });

  test('PW Spray (value_count gte 5 by IpAddress, Computer): 4648 for five users', () => {
    const s = scenario('Sec_4648_Med_ExplicitLogon_PW-Spray_Correlation.yml');
    const ids = s.each([0, 1, 2, 3, 4, 4].map((i) => failed(i, 4648, { TargetUserName: `user${i}` })));
    assert.equal(s.signals.length, 1);
    assert.deepEqual(s.signals[0]!.entities, { IpAddress: '10.0.0.66', Computer: 'fs01.offsec.lan' });
    assert.deepEqual(s.signals[0]!.eventIds, ids.slice(0, 5));
  });

  test('PW Guessing (event_count gte 5): wrong passwords, machine accounts filtered', () => {
    const s = scenario('Sec_4625_Med_LogonFail_WrongPW_PW-Guessing_Correlation.yml');
    s.each([0, 1, 2, 3, 4].map((i) => failed(i, 4625, { TargetUserName: 'FS01$', SubStatus: '0xc000006a' })));
    assert.equal(s.signals.length, 0);
    const ids = s.each(
      [0, 1, 2, 3, 4].map((i) =>
        failed(i + 5, 4625, { TargetUserName: 'Administrator', SubStatus: '0xc000006a' }),
      ),
    );
    assert.equal(s.signals.length, 1);
    assert.equal(s.signals[0]!.rule.id, '23179f25-6fce-4827-bae1-b219deaf563e');
    assert.equal(s.signals[0]!.entities.TargetUserName, 'Administrator');
    assert.deepEqual(s.signals[0]!.eventIds, ids);
  });
});

describe('specification examples', { skip: sharedSkip(SPEC_TESTS) }, () => {
  test('every correlation example of the specification parses', () => {
    const content = loadDetectionContent({ rules: [sharedPath(SPEC_TESTS)], builtin: false });
    const types = content.correlations.map((c) => c.type).sort();
    assert.deepEqual(types, [
      'event_count',
      'event_count',
      'temporal',
      'temporal_ordered',
      'value_avg',
      'value_count',
      'value_percentile',
      'value_sum',
    ]);
  });
});
