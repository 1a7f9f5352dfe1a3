/**
 * Sigma in the stream: `vigil serve` with rules configured stores a Detection Finding for each
 * match, in the same transaction as the event, referencing it; findings are searchable and counted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { validateOcsf } from '../testing/ocsf-schema.js';
import { freePort, startVigil, tempDir, vigil, waitFor, type ServerHandle } from './harness.js';

let server: ServerHandle | undefined;
after(async () => {
  await server?.stop();
});

const RULE = `title: Mimikatz command line
id: 5a3c2e1f-0000-4000-8000-000000000001
status: test
level: high
tags: [attack.credential-access, attack.t1003.001]
logsource: { product: windows, category: process_creation }
detection:
  selection:
    CommandLine|contains: [sekurlsa, 'privilege::debug']
  condition: selection
`;

const sysmon = (cmd: string, record: number) =>
  JSON.stringify({
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
        EventID: 1,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: 'WS01.corp.example',
        EventRecordID: record,
        TimeCreated: { '#attributes': { SystemTime: '2026-03-02T10:00:00.000Z' } },
      },
      EventData: { Image: 'C:\\\\Tools\\\\m.exe', CommandLine: cmd, User: 'CORP\\\\alice', ProcessId: 4242 },
    },
  });

test('rules evaluated in the stream store searchable Detection Findings that point to their event', async () => {
  const dir = tempDir('vigil-detect-');
  const rules = join(dir, 'rules');
  mkdirSync(rules);
  writeFileSync(join(rules, 'mimikatz.yml'), RULE);
  server = await startVigil(
    [
      `api: { address: 127.0.0.1, port: ${await freePort()} }`,
      'sources: []',
      `detect: { rules: [${JSON.stringify(rules)}], builtin: false }`,
    ].join('\n'),
    dir,
  );
  const token = vigil(['token', 'create', '--role', 'admin', '--name', 'd', '--data-dir', dir]).stdout.trim();
  const body = [
    sysmon('m.exe privilege::debug sekurlsa::logonpasswords exit', 11),
    sysmon('notepad.exe a.txt', 12),
  ].join('\n');
  const response = await fetch(`${server.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  assert.equal(response.status, 200);
  const search = (q: string) => {
    const out = vigil(['search', q, '--format', 'json', '--data-dir', dir]);
    assert.equal(out.status, 0, out.stderr);
    return (JSON.parse(out.stdout) as { events: Record<string, unknown>[] }).events;
  };
  const findings = await waitFor('a finding', () => {
    const found = search('class_uid=2004');
    return found.length > 0 ? found : undefined;
  });
  assert.equal(findings.length, 1, 'one finding: the notepad event matches nothing');
  const finding = findings[0]!;
  const { source: _source, ...ocsf } = finding; // `source` is Vigil's, added by search
  assert.deepEqual(validateOcsf(ocsf), []);
  assert.equal(finding.severity_id, 4);
  assert.equal(finding.source, 'sigma');
  const info = finding.finding_info as {
    title: string;
    analytic: { uid: string };
    related_events: { uid: string }[];
    attacks: unknown[];
  };
  assert.equal(info.title, 'Mimikatz command line');
  assert.equal(info.analytic.uid, '5a3c2e1f-0000-4000-8000-000000000001');
  assert.ok(info.attacks.length > 0, 'ATT&CK from the tags');
  const [event] = search(`metadata.uid=${info.related_events[0]!.uid}`);
  assert.ok(event, 'the finding points to the stored event');
  assert.match(String((event.process as { cmd_line: string }).cmd_line), /sekurlsa/);
  assert.equal((finding.device as { hostname: string }).hostname, 'WS01.corp.example');
  const metrics = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  assert.match(metrics, /vigil_detections_total\{level="high"\} 1/);
  assert.match(metrics, /vigil_detection_rules_loaded 1/);
});
