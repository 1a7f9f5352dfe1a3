import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { processRecord } from '../pipeline/process.js';
import { EventStore, type StoreInput } from '../store/duckdb.js';
import { runSearch } from './search.js';

const T = Date.UTC(2026, 0, 5, 10, 0, 0);

function input(text: string, format?: string): StoreInput {
  const outcome = processRecord(
    { text, position: 'test', ...(format ? { format } : {}) },
    { source: 'test', receivedAt: T },
  );
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return { event: outcome.event, source: 'test', format: outcome.format };
}

test('original fields of JSON records are stored once (in raw_data), searchable and given back in unmapped', async () => {
  const store = await EventStore.open(tempDir());
  const evtx = JSON.stringify({
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
        EventID: 1,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: 'WS-1',
        TimeCreated: { '#attributes': { SystemTime: '2026-01-05T10:00:00.000Z' } },
      },
      EventData: {
        Image: 'C:\\Windows\\System32\\whoami.exe',
        CommandLine: 'whoami /all',
        ParentImage: 'C:\\Windows\\explorer.exe',
        User: 'CORP\\dave',
      },
    },
  });
  const flat = JSON.stringify({
    '@timestamp': '2026-01-05T10:00:01Z',
    message: 'login',
    host: 'web-1',
    customer: { tier: 'gold' },
  });
  await store.append([
    input(evtx),
    input(flat),
    input(
      '<34>1 2026-01-05T10:00:02Z bastion sshd 77 - - Failed password for root from 198.51.100.7 port 4242 ssh2',
    ),
  ]);
  const stored = await store.query('SELECT raw_format, data FROM events ORDER BY id');
  assert.deepEqual(
    stored.rows.map((r) => r[0]),
    ['json', 'json', 'syslog'],
  );
  assert.ok(!String(stored.rows[0]![1]).includes('"unmapped"'), 'JSON records do not store unmapped twice');
  assert.ok(String(stored.rows[2]![1]).includes('"unmapped"'), 'other formats keep unmapped in data');

  const byNested = await runSearch(store, 'CommandLine="whoami /all"', { now: T });
  assert.equal(byNested.kind, 'events');
  if (byNested.kind !== 'events') return;
  assert.equal(byNested.events.length, 1);
  assert.equal(
    (byNested.events[0]!.unmapped as Record<string, unknown>).ParentImage,
    'C:\\Windows\\explorer.exe',
  );
  const byFlat = await runSearch(store, 'customer.tier=gold', { now: T });
  assert.equal(byFlat.kind === 'events' && byFlat.events.length, 1);
  const bySyslog = await runSearch(store, 'host=bastion procid=77 | stats count() as n', { now: T });
  assert.deepEqual(bySyslog.kind === 'table' && bySyslog.rows, [[1]]);
  await store.close();
});
