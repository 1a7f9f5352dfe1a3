import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { flattenWindowsEvent } from '../../normalize/windows.js';
import { parseJsonDocument } from '../../parsers/json.js';
import { sharedPath, sharedSkip } from '../../testing/shared.js';
import { flatWindowsView, jsonEventView, recordEventView, windowsEventView } from './view.js';

/** Every field flattenWindowsEvent gives must read the same through the view. */
function assertSameAsFlatten(fields: Record<string, unknown>): void {
  const flat = flattenWindowsEvent(fields);
  assert.ok(flat, 'a Windows event');
  const v = recordEventView(fields);
  assert.equal(v.format, 'evtx');
  for (const [key, value] of Object.entries(flat)) assert.deepEqual(v.get(key), value, key);
}

describe('event views', () => {
  test('flat exports read in place agree with flattenWindowsEvent', () => {
    const samples = [
      {
        EventID: '4688',
        Channel: 'Security',
        Hostname: 'pc1',
        SourceName: 'Microsoft-Windows-Security-Auditing',
        NewProcessName: 'C:\\x.exe',
      },
      {
        EventID: 1,
        EventLog: 'Microsoft-Windows-Sysmon/Operational',
        ProviderName: 'Sysmon',
        RecordNumber: 7,
        ExecutionProcessID: 4,
      },
      { EventID: '0x1250', Computer: 'pc2', SourceName: null, Provider: 'P', Computer2: 'x' },
      { EventID: 4624, Channel: 'Security', Provider_Name: 'Own', SourceName: 'Other', Data: ['a', 'b'] },
    ];
    for (const s of samples) assertSameAsFlatten(s);
    assert.equal(flatWindowsView(samples[0]!).get('Computer'), 'pc1');
    assert.equal(flatWindowsView(samples[0]!).get('constructor'), undefined);
  });

  test('other layouts go through flattenWindowsEvent; non-Windows JSON keeps its names', () => {
    assertSameAsFlatten({ Event: { System: { EventID: 1, Channel: 'X' }, EventData: { Image: 'a' } } });
    assertSameAsFlatten({ winlog: { channel: 'X', event_id: 4, event_data: { A: 'b' } } });
    assertSameAsFlatten({
      EventID: 5,
      Channel: 'X',
      EventData: '<EventData><Data Name="A">b &amp; c</Data></EventData>',
    });
    const json = recordEventView({ eventName: 'x', requestParameters: { bucket: { name: 'b' } } });
    assert.equal(json.format, undefined);
    assert.equal(json.get('requestParameters.bucket.name'), 'b');
    assert.equal(windowsEventView({ A: 1 }).get('A'), 1);
    assert.equal(
      jsonEventView({ a: [{ b: 1 }, { b: 2 }] })
        .get('a.b')
        ?.toString(),
      '1,2',
    );
  });

  test(
    'the real corpus: every record of the sample reads as flattenWindowsEvent says',
    { skip: sharedSkip('bench/otrf_windows_events_sample20k.ndjson.gz') },
    () => {
      const text = gunzipSync(
        readFileSync(sharedPath('bench/otrf_windows_events_sample20k.ndjson.gz')),
      ).toString('utf8');
      let n = 0;
      for (const line of text.split('\n')) {
        if (line.trim() === '' || n >= 3000) continue;
        assertSameAsFlatten(parseJsonDocument(line) as Record<string, unknown>);
        n++;
      }
      assert.equal(n, 3000);
    },
  );
});
