import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { processRecord } from '../pipeline/process.js';
import { EventStore, type StoreInput } from '../store/duckdb.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { statePath } from './correlation/state.js';
import { windowsEvent, zeekConn } from './correlation/testkit.js';
import type { Signal } from './signal.js';
import { StreamDetector, type StreamDetectOptions } from './stream.js';

const RULE = `title: PowerShell then a public address
id: test.seq.recover
level: high
sequence:
  timespan: 10m
  join: host
  steps:
    - name: powershell
      where: {class_uid: 1007, process.name|endswith: powershell.exe}
      by: device.hostname
    - name: public
      where: {class_uid: 4001, dst_endpoint.ip: !private}
      by: src_endpoint.ip
`;

const T0 = Date.parse('2026-03-02T09:00:00Z');
const PROCESS = {
  UtcTime: '2026-03-02 09:01:00.000',
  ProcessGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
  ProcessId: 77,
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  CommandLine: 'powershell',
  User: 'CORP\\alice',
};

function input(text: string): StoreInput {
  const outcome = processRecord({ text, position: 'test' }, { source: 'test', receivedAt: T0 });
  if (!outcome.ok) throw new Error(outcome.error.message);
  return { event: outcome.event, source: 'test', format: outcome.format, fields: outcome.fields };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('stream detection state across a crash', () => {
  test('half a sequence is saved; after a kill, the stored rest is replayed and fires', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-correlate-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'seq.yml'), RULE);
    const options: StreamDetectOptions = {
      rules: [join(dataDir, 'seq.yml')],
      builtin: false,
      dataDir,
      reloadIntervalMs: 0,
      stateIntervalMs: 0,
    };
    const store = await EventStore.open(dataDir);
    try {
      const first = new StreamDetector(options, new Metrics(), silentLogger);
      first.start();
      const delivered: Signal[] = [];
      first.onSignals((s) => delivered.push(...s));
      const batch1 = [
        input(
          windowsEvent({
            time: T0,
            channel: 'Microsoft-Windows-Sysmon/Operational',
            eventId: 3,
            computer: 'WS07',
            data: {
              Initiated: 'true',
              SourceIp: '10.1.2.40',
              DestinationIp: '10.1.0.10',
              DestinationPort: 445,
              Protocol: 'tcp',
            },
          }),
        ),
        input(
          windowsEvent({
            time: T0 + 60_000,
            channel: 'Microsoft-Windows-Sysmon/Operational',
            eventId: 1,
            computer: 'WS07',
            data: PROCESS,
          }),
        ),
      ];
      await store.append(batch1, (s) => first.findings(s));
      first.committed();
      assert.ok(existsSync(statePath(dataDir)));
      const psId = batch1[1]!.event.metadata.uid!;
      // The second batch is stored (with its finding), then the process dies before saving.
      const batch2 = [
        input(zeekConn({ time: T0 + 120_000, orig: '10.1.2.40', resp: '198.51.100.99', port: 443 })),
      ];
      const findings: StoreInput[] = [];
      await store.append(batch2, (s) => {
        const f = first.findings(s);
        findings.push(...f);
        return f;
      });
      assert.equal(findings.length, 1);
      assert.equal(delivered.length, 0);
      const connId = batch2[0]!.event.metadata.uid!;

      const second = new StreamDetector(options, new Metrics(), silentLogger);
      second.start();
      assert.equal(second.current!.watermarkId, Number(psId));
      const after: Signal[] = [];
      second.onSignals((s) => after.push(...s));
      const replayed = await second.recover(store);
      assert.equal(replayed, 1);
      assert.equal(after.length, 1);
      assert.equal(after[0]!.rule.id, 'test.seq.recover');
      assert.deepEqual(after[0]!.eventIds, [psId, connId]);
      assert.deepEqual(after[0]!.entities, { host: 'ws07' });
      // The same incident as the finding stored before the crash.
      const stored = findings[0]!.event.finding_info as { uid: string };
      assert.equal(after[0]!.details?.key, stored.uid);
      second.stop();
    } finally {
      await store.close();
    }
  });

  test('a retried batch gets the same findings and is counted once', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-correlate-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'seq.yml'), RULE);
    const detector = new StreamDetector(
      { rules: [join(dataDir, 'seq.yml')], builtin: false, reloadIntervalMs: 0 },
      new Metrics(),
      silentLogger,
    );
    detector.start();
    const ps = input(
      windowsEvent({
        time: T0,
        channel: 'Microsoft-Windows-Sysmon/Operational',
        eventId: 1,
        computer: '10.1.2.41',
        data: PROCESS,
      }),
    );
    ps.event.metadata.uid = '1';
    detector.findings([ps]);
    const conn = input(zeekConn({ time: T0 + 1000, orig: '10.1.2.41', resp: '198.51.100.1', port: 443 }));
    conn.event.metadata.uid = '2';
    const once = detector.findings([conn]);
    const twice = detector.findings([conn]);
    assert.equal(once.length, 1);
    assert.equal(twice, once);
    const signals: Signal[] = [];
    detector.onSignals((s) => signals.push(...s));
    detector.committed();
    assert.equal(signals.length, 1);
    detector.stop();
  });
});
