import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { ocsfEvent, OcsfClass } from '../normalize/ocsf.js';
import { EventStore, StoreLockedError } from './duckdb.js';
import { eventsTableDdl } from './schema.js';

function processEvent(i: number) {
  const event = ocsfEvent(
    OcsfClass.ProcessActivity,
    { id: 1, name: 'Launch' },
    {
      time: Date.UTC(2026, 0, 1, 0, 0, i),
      metadata: {
        product: { name: 'Sysmon', vendor_name: 'Microsoft' },
        event_code: '1',
        log_name: 'Microsoft-Windows-Sysmon/Operational',
      },
    },
  );
  Object.assign(event, {
    device: { hostname: `ws-${i % 2}` },
    actor: { user: { name: 'alice' } },
    process: { name: 'cmd.exe', pid: 100 + i, cmd_line: `cmd.exe /c echo ${i}` },
    src_endpoint: { ip: i % 2 ? '10.1.2.3' : '2001:db8::1' },
    unmapped: { EventID: 1, Big: 18446744073709551615n },
    raw_data: `raw ${i}`,
  });
  return event;
}

describe('event store', () => {
  test('appends durably with sequential ids, typed columns and the event as JSON; reopens where it left off', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    const first = await store.append([0, 1, 2].map((i) => ({ event: processEvent(i), source: 'test' })));
    assert.equal(first.firstId, 1);
    const row = await store.query(
      'SELECT id, host, "user", pid, cmd_line, src_ip, src_ip_num, event_code, source, raw_data, data FROM events WHERE id = $1',
      [2n],
    );
    const [id, host, user, pid, cmd, ip, ipNum, code, source, raw, data] = row.rows[0]!;
    assert.deepEqual(
      [id, host, user, pid, cmd, ip, code, source, raw],
      [2, 'ws-1', 'alice', 101, 'cmd.exe /c echo 1', '10.1.2.3', '1', 'test', 'raw 1'],
    );
    assert.equal(ipNum, Number((0xffffn << 32n) | 0x0a010203n));
    const json = String(data);
    assert.ok(json.includes('"Big":18446744073709551615'), 'integers above 2^53 are stored exactly');
    assert.ok(!json.includes('raw_data'), 'raw_data has its own column');
    await store.close();
    const again = await EventStore.open(dir);
    const second = await again.append([{ event: processEvent(3), source: 'test' }]);
    assert.equal(second.firstId, 4);
    assert.equal(await again.count(), 4);
    await again.close();
  });

  test('queries cannot read or write files', async () => {
    const store = await EventStore.open(tempDir());
    await assert.rejects(
      store.query("SELECT * FROM read_csv('/etc/passwd')"),
      /disabled|Permission|external/i,
    );
    await assert.rejects(
      store.query("COPY events TO '/tmp/vigil-leak.csv'"),
      /disabled|Permission|external/i,
    );
    await assert.rejects(
      store.query('SET enable_external_access = true'),
      /lock|Cannot change|configuration/i,
    );
    await store.close();
  });

  test('a second writer on the same data directory gets a clear StoreLockedError', async () => {
    const dir = tempDir();
    const store = await EventStore.open(dir);
    // DuckDB locks per process; a second process is the real case, covered end to end. In-process we
    // check the error mapping by opening through a child.
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import('${new URL('./duckdb.js', import.meta.url).href}').then(m => m.EventStore.open(${JSON.stringify(dir)})).then(() => process.exit(0), e => { console.log(e.name); process.exit(1); })`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(child.stdout.trim(), StoreLockedError.name);
    await store.close();
  });

  test('a store created before the network columns gets them on open, and appends still line up', async () => {
    const dir = tempDir();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const old = await DuckDBInstance.create(join(dir, 'events.duckdb'));
    const con = await old.connect();
    await con.run(eventsTableDdl().replace(/,\s*"bytes"[^]*\)$/, '\n)'));
    con.closeSync();
    old.closeSync();
    const store = await EventStore.open(dir);
    const event = processEvent(1);
    Object.assign(event, {
      traffic: { bytes: 1500, bytes_in: 1000, bytes_out: 500 },
      connection_info: { protocol_name: 'tcp' },
    });
    await store.append([{ event, source: 'test' }]);
    const row = await store.query('SELECT host, bytes, bytes_in, bytes_out, protocol FROM events');
    assert.deepEqual(row.rows, [['ws-1', 1500, 1000, 500, 'tcp']]);
    await store.close();
  });
});
