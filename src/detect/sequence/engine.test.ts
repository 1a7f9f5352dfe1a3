import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Scenario, windowsEvent, zeekConn } from '../correlation/testkit.js';
import { DetectionEngine } from '../engine.js';
import { SigmaError } from '../sigma/errors.js';
import { buildRuleSet } from '../sigma/ruleset.js';
import { parseSequenceYaml, type SequenceRule } from './rule.js';

function sequences(yaml: string): SequenceRule[] {
  const out = parseSequenceYaml(yaml, 'test.yml');
  for (const r of out) if (r instanceof SigmaError) throw r;
  return out as SequenceRule[];
}

function engineWith(yaml: string, latenessMs = 60_000, firstId = 1): Scenario {
  const content = { ruleSet: buildRuleSet([]).ruleSet, correlations: [], sequences: sequences(yaml) };
  return new Scenario(new DetectionEngine(content, { latenessMs }), firstId);
}

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;

const POWERSHELL_THEN_PUBLIC = `title: PowerShell then a connection to a public address
id: test.seq.powershell_public
level: high
tags: [attack.execution, attack.t1059.001, attack.command-and-control]
sequence:
  timespan: 10m
  join: host
  steps:
    - name: powershell
      where:
        class_uid: 1007
        process.name|endswith: [powershell.exe, pwsh.exe]
      by: device.hostname
    - name: public_connection
      where:
        class_uid: 4001
        dst_endpoint.ip: !private
      by: src_endpoint.ip
`;

const sysmonProcess = (time: number, computer: string, image: string, cmd: string) =>
  windowsEvent({
    time,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 1,
    computer,
    data: {
      UtcTime: new Date(time).toISOString().replace('T', ' ').slice(0, 23),
      ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
      ProcessId: 4242,
      Image: image,
      CommandLine: cmd,
      User: 'CORP\\alice',
      ParentImage: 'C:\\Windows\\explorer.exe',
      ParentCommandLine: 'C:\\Windows\\explorer.exe',
    },
  });

const security4688 = (time: number, computer: string, image: string, cmd: string) =>
  windowsEvent({
    time,
    channel: 'Security',
    eventId: 4688,
    computer,
    data: {
      SubjectUserName: 'bob',
      SubjectDomainName: 'CORP',
      NewProcessId: '0x1a2b',
      NewProcessName: image,
      CommandLine: cmd,
      ParentProcessName: 'C:\\Windows\\System32\\cmd.exe',
    },
  });

/** Sysmon 3: an outbound connection the host made (teaches its address). */
const sysmonConnect = (time: number, computer: string, ip: string) =>
  windowsEvent({
    time,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    eventId: 3,
    computer,
    data: {
      UtcTime: new Date(time).toISOString().replace('T', ' ').slice(0, 23),
      ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbda}',
      ProcessId: 880,
      Image: 'C:\\Windows\\System32\\svchost.exe',
      User: 'NT AUTHORITY\\SYSTEM',
      Protocol: 'tcp',
      Initiated: 'true',
      SourceIsIpv6: 'false',
      SourceIp: ip,
      SourceHostname: computer,
      SourcePort: 50123,
      DestinationIsIpv6: 'false',
      DestinationIp: '10.1.0.10',
      DestinationHostname: 'DC01.corp.example',
      DestinationPort: 445,
    },
  });

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

describe('sequences across sources', () => {
  test('Sysmon PowerShell, then a Zeek conn from the same host to a public address', () => {
    const s = engineWith(POWERSHELL_THEN_PUBLIC);
    const [learn] = s.each([sysmonConnect(T0, 'WS01.corp.example', '10.1.2.15')]);
    assert.ok(learn);
    const [ps] = s.each([sysmonProcess(T0 + MIN, 'WS01.corp.example', PS, 'powershell -nop -w hidden')]);
    // Background: a private connection, another host's public connection.
    s.each([
      zeekConn({ time: T0 + 2 * MIN, orig: '10.1.2.15', resp: '10.1.0.10', port: 445 }),
      zeekConn({ time: T0 + 3 * MIN, orig: '10.1.2.99', resp: '93.184.216.34', port: 443 }),
    ]);
    assert.equal(s.signals.length, 0);
    const [conn] = s.each([
      zeekConn({ time: T0 + 9 * MIN, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 }),
    ]);
    assert.equal(s.signals.length, 1);
    const signal = s.signals[0]!;
    assert.equal(signal.kind, 'sequence');
    assert.equal(signal.rule.id, 'test.seq.powershell_public');
    assert.deepEqual(signal.entities, { host: 'ws01' });
    assert.deepEqual(signal.eventIds, [ps, conn]);
    assert.equal(signal.firstTime, T0 + MIN);
    assert.equal(signal.details?.key, `test.seq.powershell_public|host=ws01|${T0 + MIN}`);
    assert.deepEqual(signal.attack.techniques, ['T1059.001']);
    // The same incident does not fire again.
    s.each([zeekConn({ time: T0 + 10 * MIN, orig: '10.1.2.15', resp: '93.184.216.35', port: 443 })]);
    assert.equal(s.signals.length, 1);
  });

  test('Security 4688 works the same; too late (beyond the timespan) does not', () => {
    const s = engineWith(POWERSHELL_THEN_PUBLIC);
    s.each([sysmonConnect(T0, 'WS02.corp.example', '10.1.2.16')]);
    s.each([security4688(T0, 'WS02.corp.example', PS, 'powershell.exe -enc AAAA')]);
    s.each([zeekConn({ time: T0 + 10 * MIN + 1, orig: '10.1.2.16', resp: '93.184.216.34', port: 443 })]);
    assert.equal(s.signals.length, 0);
    const [ps] = s.each([security4688(T0 + 11 * MIN, 'WS02.corp.example', PS, 'powershell.exe -enc AAAA')]);
    const [conn] = s.each([
      zeekConn({ time: T0 + 21 * MIN, orig: '10.1.2.16', resp: '93.184.216.34', port: 443 }),
    ]);
    assert.equal(s.signals.length, 1);
    assert.deepEqual(s.signals[0]!.eventIds, [ps, conn]);
  });

  test('out of order within the lateness, and beyond it', () => {
    const s = engineWith(POWERSHELL_THEN_PUBLIC, 5 * MIN);
    s.each([sysmonConnect(T0, 'WS03', '10.1.2.17')]);
    const [conn] = s.each([zeekConn({ time: T0 + 4 * MIN, orig: '10.1.2.17', resp: '8.8.4.4', port: 443 })]);
    const [ps] = s.each([sysmonProcess(T0 + 1 * MIN, 'WS03', PS, 'powershell')]);
    assert.equal(s.signals.length, 1);
    assert.deepEqual(s.signals[0]!.eventIds, [ps, conn]);

    const late = engineWith(POWERSHELL_THEN_PUBLIC, 1 * MIN);
    late.each([sysmonConnect(T0, 'WS03', '10.1.2.17')]);
    late.each([zeekConn({ time: T0 + 4 * MIN, orig: '10.1.2.17', resp: '8.8.4.4', port: 443 })]);
    late.each([sysmonProcess(T0 + 1 * MIN, 'WS03', PS, 'powershell')]);
    assert.equal(late.signals.length, 0);
    assert.equal(late.engine.sequence.stats().late, 1);
  });

  test('not followed by: fires once the absence is certain, not when the step comes', () => {
    const yaml = `title: Process started and no connection followed
id: test.seq.absent
sequence:
  timespan: 1h
  join: host
  steps:
    - name: powershell
      where: {class_uid: 1007}
      by: device.hostname
    - name: no_connection
      not: true
      within: 5m
      where: {class_uid: 4001}
      by: src_endpoint.ip
`;
    const s = engineWith(yaml, 0);
    s.each([sysmonConnect(T0, 'WS04', '10.1.2.18'), sysmonConnect(T0, 'WS05', '10.1.2.19')]);
    const [a] = s.each([sysmonProcess(T0 + MIN, 'WS04', PS, 'powershell')]);
    s.each([sysmonProcess(T0 + MIN, 'WS05', PS, 'powershell')]);
    // WS05 connects within 5 minutes: no signal for it.
    s.each([zeekConn({ time: T0 + 3 * MIN, orig: '10.1.2.19', resp: '8.8.8.8', port: 53 })]);
    assert.equal(s.signals.length, 0);
    // Time passes (another host's event moves the watermark past 6 minutes).
    s.each([zeekConn({ time: T0 + 6 * MIN + 1, orig: '10.9.9.9', resp: '10.1.0.10', port: 445 })]);
    assert.equal(s.signals.length, 1);
    assert.deepEqual(s.signals[0]!.entities, { host: 'ws04' });
    assert.deepEqual(s.signals[0]!.eventIds, [a]);
  });

  test('half a sequence survives a snapshot into a new engine', () => {
    const first = engineWith(POWERSHELL_THEN_PUBLIC);
    first.each([sysmonConnect(T0, 'WS06', '10.1.2.20')]);
    const [ps] = first.each([sysmonProcess(T0 + MIN, 'WS06', PS, 'powershell')]);
    const state = JSON.parse(JSON.stringify(first.engine.snapshot())) as unknown;
    assert.equal(first.engine.watermarkId, Number(ps));

    const second = engineWith(POWERSHELL_THEN_PUBLIC, 60_000, Number(ps) + 1);
    second.engine.restore(state);
    const [conn] = second.each([
      zeekConn({ time: T0 + 2 * MIN, orig: '10.1.2.20', resp: '1.1.1.1', port: 443 }),
    ]);
    assert.equal(second.signals.length, 1);
    assert.deepEqual(second.signals[0]!.eventIds, [ps, conn]);
    assert.equal(second.signals[0]!.details?.key, `test.seq.powershell_public|host=ws06|${T0 + MIN}`);
  });
});

describe('sequence rule parsing', () => {
  const bad = (steps: string) => {
    const out = parseSequenceYaml(
      `title: Bad\nid: bad\nsequence:\n  timespan: 5m\n  steps:\n${steps}\n`,
      'bad.yml',
    );
    assert.ok(out[0] instanceof SigmaError, 'expected an error');
    return (out[0] as SigmaError).message;
  };

  test('errors name the file, the step and the reason', () => {
    assert.match(bad('    - where: {a: 1}'), /bad\.yml: sequence\.steps\[0\]\.by: invalid_rule/);
    assert.match(bad('    - by: x'), /needs rule, signal or where/);
    assert.match(bad('    - {where: {a|nope: 1}, by: x}'), /unknown_modifier/);
    assert.match(
      bad('    - {where: {a: 1}, by: x}\n    - {where: {a: 1}, by: x, not: true}'),
      /needs within/,
    );
    assert.match(
      bad('    - {where: {a: 1}, by: x, not: true, within: 1m}\n    - {where: {a: 1}, by: x}'),
      /only the last step/,
    );
    assert.match(bad('    - {where: {a|scope: nearby}, by: x}'), /scope is/);
  });
});
