import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import {
  compileQuery,
  DEFAULT_EVENT_LIMIT,
  DEFAULT_TABLE_LIMIT,
  EVENT_RESULT_COLUMNS,
  jsonPath,
  jsonPathsFor,
  QuerySyntaxError,
  type CompileOptions,
  type CompiledQuery,
} from './compile.js';
import { createFixtureDb, FIXTURE_ROWS, T0, type FixtureRow } from './fixture-events.js';
import { EVENT_COLUMNS } from '../store/schema.js';
import { REPO_ROOT } from '../testing/shared.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** "Now" for relative times in these tests: three hours after T0. */
const NOW = T0 + 3 * HOUR;

const { instance, conn } = await createFixtureDb();
after(() => {
  conn.closeSync();
  instance.closeSync();
});

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

async function execute(
  query: string,
  options: CompileOptions = {},
  connection: DuckDBConnection = conn,
): Promise<{ compiled: CompiledQuery; rows: unknown[][] }> {
  const compiled = compileQuery(query, { now: NOW, ...options });
  const reader = await connection.runAndReadAll(compiled.sql, compiled.params as DuckDBValue[]);
  return { compiled, rows: reader.getRowsJS().map((row) => row.map(plain)) };
}

/** Ids of the matching events, in result order. */
async function ids(query: string, options: CompileOptions = {}): Promise<number[]> {
  const { compiled, rows } = await execute(query, options);
  assert.equal(compiled.kind, 'events', query);
  return rows.map((r) => r[0] as number);
}

/** Ids of the matching events, ascending (for filters, where order is not the point). */
async function matching(query: string, options: CompileOptions = {}): Promise<number[]> {
  return (await ids(query, options)).sort((a, b) => a - b);
}

async function table(
  query: string,
  options: CompileOptions = {},
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const { compiled, rows } = await execute(query, options);
  assert.equal(compiled.kind, 'table', query);
  return { columns: compiled.columns, rows };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const ALL = range(1, 30);
const without = (excluded: number[]) => ALL.filter((id) => !excluded.includes(id));

async function expectMatches(cases: [string, number[]][]): Promise<void> {
  for (const [query, expected] of cases) assert.deepEqual(await matching(query), expected, query);
}

function compileError(query: string, options: CompileOptions = {}): QuerySyntaxError {
  try {
    compileQuery(query, { now: NOW, ...options });
  } catch (error) {
    assert.ok(error instanceof QuerySyntaxError, `${query}: ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${query} to fail`);
}

describe('free text', () => {
  test('matches message or raw_data, case-insensitively, as a substring', async () => {
    await expectMatches([
      ['mimikatz', [3, 26, 28]], // 3 in raw_data, 26 in message, 28 in raw_data only (no message)
      ['MIMIKATZ', [3, 26, 28]],
      ['"hello world"', [22]],
      ['"said \\"hello"', [22]],
      ['ärger', [23]],
      ['über', [23]],
      ['C:\\Temp\\evil.exe', [21]],
      ['*', ALL],
      ['', ALL],
    ]);
  });

  test('wildcards: * any run, ? one character; escaped they are literal', async () => {
    await expectMatches([
      ['powershell*', [1]],
      ['power*exe', [1]],
      ['logon*passwords', [3]],
      ['full?now', [19]],
      ['fullxnow', []],
      ['"a\\*b"', [20]],
      ['what\\?', [20]],
      ['what\\?x', []],
    ]);
  });

  test('% and _ are ordinary characters', async () => {
    await expectMatches([
      ['100%', [19]],
      ['full_now', [19]],
      ['0%_full', []],
      ['ful__now', []],
    ]);
  });

  test('juxtaposition, OR, NOT on terms', async () => {
    await expectMatches([
      ['mimikatz old', [26]],
      ['mimikatz OR whoami', [2, 3, 26, 28]],
      ['mimikatz NOT old', [3, 28]],
    ]);
  });
});

describe('field comparisons', () => {
  test('string equality is case-insensitive; != needs the field', async () => {
    await expectMatches([
      ['user=admin', [6, 7, 8]],
      ['user="ADMIN"', [6, 7, 8]],
      ["user='admin'", [6, 7, 8]],
      ['user!=admin', [1, 2, 3, 4, 5, 23, 24, 25, 26, 30]],
      ['user=jürgen', [23]],
      ['host=ws01', [1, 2]],
    ]);
  });

  test('NOT keeps events without the field, unlike !=', async () => {
    await expectMatches([['NOT user=admin', without([6, 7, 8])]]);
  });

  test('wildcards in values', async () => {
    await expectMatches([
      ['user=ADMIN*', [5, 6, 7, 8]],
      ['user=?ob', [3, 4]],
      ['user!=a*', [3, 4, 23, 30]],
      ['cmd_line="* /c *"', [2]],
      ['message=what?*', [20]],
      ['message=*a\\*b*', [20]],
      ['message="what\\? *"', [20]],
      ['message=*ll_no*', [19]],
      ['message="*ll%no*"', []],
      ['dst_port=844*', [14]],
      ['time=2024-05-01T12:0*', [1, 2, 3, 4]],
    ]);
  });

  test('Windows paths: backslashes are literal, \\\\* is a backslash then a wildcard', async () => {
    await expectMatches([
      ['unmapped.Image=C:\\Windows\\System32\\\\*', [1, 2, 4, 30]],
      ['Image="C:\\\\Windows\\\\System32\\\\*"', [1, 2, 4, 30]],
      ['Image=*\\\\mimikatz.exe', [3]],
      ['Image=C:\\Windows\\System32\\*', []], // \* is a literal star
      ['ParentImage=C:\\Windows\\explorer.exe', [1]],
    ]);
  });

  test('exists: field=* and field!=*', async () => {
    const withUser = [1, 2, 3, 4, 5, 6, 7, 8, 23, 24, 25, 26, 30];
    await expectMatches([
      ['user=*', withUser],
      ['user!=*', without(withUser)],
      ['src_ip=*', [5, 6, 7, ...range(9, 18), 24]],
      ['query.hostname=*', [17, 18]],
      ['`Event Data`=*', [21]],
      ['nosuchfield=*', []],
      ['nosuchfield!=*', ALL],
    ]);
  });

  test('numeric comparisons on typed columns', async () => {
    await expectMatches([
      ['src_port>=50000', [10, 11, 17, 18]],
      ['src_port>53002', [18]],
      ['src_port<5354', [13]],
      ['src_port<=5353', [13]],
      ['dst_port=443', [9, 12]],
      ['dst_port!=443', [10, 11, 13, 14, 15, 16]],
      ['severity_id>=4', [3, 25, 29]],
      ['severity_id=4.0', [3, 25]],
      ['pid=4030', [30]],
      ['class_uid=3002', [5, 6, 7, 8]],
      ['id=17', [17]],
      ['id<=2', [1, 2]],
      ['metadata.uid=17', [17]],
      ['dst_port=123456789012345678901234567890', []],
      ['severity_id=high', []],
    ]);
  });

  test('numbers in JSON fields compare as numbers; text as text', async () => {
    await expectMatches([
      ['orig_bytes>100', [9, 11, 12, 13, 15]],
      ['orig_bytes<=80', [10, 14, 16]],
      ['EventID=4625', [6, 7, 8]],
      ['EventID=1', [1, 2, 3, 4, 30]], // numbers and the string "1"
      ['EventID=1.0', [1, 2, 3, 4, 30]],
      ['EventID!=1', [5, 6, 7, 8]],
      ['unmapped.EventID=4624', [5]],
      ['LogonType=3', [5, 8]],
      ['unmapped.awsRegion<f', [25]],
      ['event_code=4625', [6, 7, 8]],
    ]);
  });

  test('field resolution: typed columns by name or OCSF path, other OCSF paths, original fields', async () => {
    await expectMatches([
      ['actor.user.name=alice', [1, 2, 26]],
      ['device.hostname=WS01', [1, 2]],
      ['src_endpoint.ip=10.0.0.6', [10, 17]],
      ['query.hostname=evil.example.com', [17]],
      ['cloud.region=eu-*', [25]],
      ['finding_info.title=mimikatz', [29]],
      ['id.orig_h=10.0.0.5', [9]], // Zeek's dotted original name, under unmapped as one key
      ['unmapped.id.orig_h=10.0.0.*', [9, 10]],
      ['CommandLine=cmd.exe*', [2]],
      ['`Event Data`="with space"', [21]],
      ['`we"ird`="quote key"', [21]],
      ['product=sysmon', [1, 2, 3, 4, 30]],
    ]);
  });

  test('regular expressions (RE2), case-sensitive unless /i', async () => {
    await expectMatches([
      ['cmd_line=/^power.*shell/i', [1]],
      ['cmd_line=/POWERSHELL/', []],
      ['cmd_line=/POWERSHELL/i', [1]],
      ['unmapped.CommandLine=/sekurlsa::\\w+/', [3]],
      ['user!=/^a/', [3, 4, 5, 8, 23, 30]],
      ['unmapped.Image=/\\\\Users\\\\/', [3]],
      ['raw_data=/cmd\\.exe \\/c/', [2]],
      ['src_port=/^5300[0-9]$/', [10, 17, 18]],
      ['time=/T12:0[0-2]/', [1, 2, 26]],
    ]);
  });

  test('time comparisons: ISO, relative to now, epoch', async () => {
    await expectMatches([
      ['time>=2024-05-01T13:00:00Z', [27, 28, 29, 30]],
      ['time<2024-05-01', [26]],
      ['time>-1h', []],
      ['time>=-1h', [27]],
      ['time<now-2d', []],
      ['time=2024-05-01T12:01:00Z', [1]],
      [`time<${(T0 + 2 * MIN) / 1000}`, [1, 26]],
      ['ingest_time>=2024-05-01T13:00:00.500Z', [27, 28, 29, 30]],
      ['ingest_time>2024-05-01T13:00:00.500Z', [27, 29, 30]],
      ['time>=2024-05-01T12:40:00Z time<2024-05-01T12:45', [19, 20, 21, 22, 23]],
    ]);
    const e = compileError('time>yesterday');
    assert.equal(e.position, 5);
    assert.match(e.message, /invalid time "yesterday"/);
  });

  test('CIDR on IP columns, IPv4 and IPv6, through the numeric twin', async () => {
    await expectMatches([
      ['src_ip=10.0.0.0/8', [5, 9, 10, 15, 17, 18]], // 15 is stored as ::ffff:10.9.8.7
      ['src_ip=::ffff:10.0.0.0/104', [5, 9, 10, 15, 17, 18]],
      ['src_ip=10.0.0.0/29', [9, 10, 17, 18]],
      ['src_ip!=10.0.0.0/8', [6, 7, 11, 12, 13, 14, 16, 24]],
      ['dst_ip=10.0.0.0/8', [11, 15]],
      ['src_ip=2001:db8::/32', [12, 14]],
      ['src_ip=2001:db8:0:1::/64', [14]],
      ['src_ip=fe80::/10', [13]],
      ['src_ip=::1/128', [16]],
      ['src_ip="10.0.0.0/8"', []], // quoted: literal text
    ]);
  });

  test('IP equality and ordering compare addresses, not text', async () => {
    await expectMatches([
      ['src_ip=10.9.8.7', [15]],
      ['src_ip=fe80::1', [13]],
      ['src_ip=2001:DB8:0:0::10', [12]],
      ['dst_ip=2001:db8::1', [12, 14]],
      ['src_ip>=192.168.1.51 src_ip<=192.168.255.255', [7]],
      ['src_ip=10.0.0.*', [9, 10, 17, 18]],
    ]);
  });

  test('IPv4 CIDR on fields that are not IP columns', async () => {
    await expectMatches([
      ['unmapped.IpAddress=10.0.0.0/8', [5]], // "::ffff:10.1.2.3"
      ['IpAddress=192.168.1.0/24', [6, 7]],
      ['IpAddress=192.168.1.50/32', [6]],
      ['sourceIPAddress=203.0.113.0/24', [24]],
      ['IpAddress!=192.168.1.0/24', [5]], // "-" is not an address
    ]);
    assert.match(compileError('IpAddress=2001:db8::/32').message, /IPv6 CIDR ranges work on IP fields/);
  });

  test('IN lists, with wildcards, CIDR and regexes; NOT IN', async () => {
    await expectMatches([
      ['user IN (alice, bob)', [1, 2, 3, 4, 26]],
      ['src_port IN (5353, 53001)', [10, 13]],
      ['src_ip IN (10.0.0.0/29, 2001:db8::/32)', [9, 10, 12, 14, 17, 18]],
      ['user IN (/^adm/, "SYSTEM")', [6, 7, 30]],
      ['user IN (adm*)', [5, 6, 7, 8]],
      ['user NOT IN (alice, bob)', [5, 6, 7, 8, 23, 24, 25, 30]],
      ['NOT user IN (alice, bob)', without([1, 2, 3, 4, 26])],
    ]);
  });

  test('precedence: NOT > AND > OR, parentheses', async () => {
    await expectMatches([
      ['user=alice OR user=bob source=winlog', [1, 2, 3, 4, 26]],
      ['(user=alice OR user=bob) source=winlog', [1, 2, 3, 4]],
      ['user=alice OR user=bob AND source=winlog', [1, 2, 3, 4, 26]],
      ['NOT source=winlog source=syslog', [19, 20, 21, 22, 23, 26, 27, 28]],
      ['NOT (source=zeek OR source=winlog) NOT source=syslog', [24, 25, 29]],
      ['source=zeek AND NOT dst_port=443 OR user=SYSTEM', [10, 11, 13, 14, 15, 16, 17, 18, 30]],
      ['NOT NOT user=alice', [1, 2, 26]],
    ]);
  });
});

describe('pipelines', () => {
  test('stats: several aggregations by two fields, ordered by the groups', async () => {
    const result = await table(
      'source=winlog | stats count() as n, dc(user), min(src_port), max(pid), avg(severity_id), sum(severity_id) by host, class_uid',
    );
    assert.deepEqual(result.columns, [
      'host',
      'class_uid',
      'n',
      'dc(user)',
      'min(src_port)',
      'max(pid)',
      'avg(severity_id)',
      'sum(severity_id)',
    ]);
    assert.deepEqual(result.rows, [
      ['DC01', 1007, 1, 1, null, 4030, 1, 1],
      ['DC01', 3002, 4, 3, null, null, 2.5, 10],
      ['WS01', 1007, 2, 1, null, 4002, 1, 2],
      ['WS02', 1007, 2, 2, null, 4004, 2.5, 5],
    ]);
  });

  test('stats over JSON numbers: min/max by value, sum/avg as numbers; events without the by field are left out', async () => {
    const result = await table(
      'source=zeek | stats min(orig_bytes) as lo, max(orig_bytes) as hi, sum(orig_bytes) as total, avg(orig_bytes) by proto',
    );
    assert.deepEqual(result.columns, ['proto', 'lo', 'hi', 'total', 'avg(orig_bytes)']);
    assert.deepEqual(result.rows, [
      ['tcp', '2', '9000', 11709, 1951.5],
      ['udp', '80', '120', 200, 100],
    ]);
  });

  test('stats without by, count(field), dc, IP min/max by address', async () => {
    assert.deepEqual((await table('| stats count()')).rows, [[30]]);
    assert.deepEqual((await table('| stats count')).rows, [[30]]);
    assert.deepEqual((await table('| stats count(src_ip) as with_ip, dc(src_ip)')).rows, [[14, 13]]);
    assert.deepEqual((await table('| stats min(src_ip), max(src_ip)')).rows, [['::1', 'fe80::1%eth0']]);
    assert.deepEqual((await table('user=nobody | stats count()')).rows, [[0]]);
    assert.deepEqual((await table('| stats min(time), max(time)')).rows, [
      ['2024-04-30T12:00:00.000Z', '2024-05-01T14:00:00.000Z'],
    ]);
  });

  test('sort and head on a table, and a second stats over the first', async () => {
    assert.deepEqual((await table('| stats count() by source | sort -count')).rows, [
      ['zeek', 10],
      ['winlog', 9],
      ['syslog', 8],
      ['cloudtrail', 2],
      ['detect', 1],
    ]);
    assert.deepEqual((await table('| stats count() by source | sort count() | head 2')).rows, [
      ['detect', 1],
      ['cloudtrail', 2],
    ]);
    assert.deepEqual(
      (
        await table(
          '| stats count() as n by source | stats sum(n) as total, max(n) as biggest, count() as groups',
        )
      ).rows,
      [[30, 10, 5]],
    );
  });

  test('fields on a table picks and orders columns', async () => {
    const result = await table('| stats count() as n, dc(host) by source | fields n, source | sort -n');
    assert.deepEqual(result.columns, ['n', 'source']);
    assert.deepEqual(result.rows, [
      [10, 'zeek'],
      [9, 'winlog'],
      [8, 'syslog'],
      [2, 'cloudtrail'],
      [1, 'detect'],
    ]);
  });

  test('where on aggregated columns', async () => {
    assert.deepEqual((await table('| stats count() as n by source | where n > 2')).rows, [
      ['syslog', 8],
      ['winlog', 9],
      ['zeek', 10],
    ]);
    assert.deepEqual((await table('| stats count() by source | where count() >= 9 OR source=cloud*')).rows, [
      ['cloudtrail', 2],
      ['winlog', 9],
      ['zeek', 10],
    ]);
    // After head, where filters the head's rows, and the sort still holds.
    assert.deepEqual(
      (await table('| stats count() by source | sort -count | head 3 | where count < 10')).rows,
      [
        ['winlog', 9],
        ['syslog', 8],
      ],
    );
  });

  test('timechart: buckets by span, split by a field, inside the time window', async () => {
    const { compiled, rows } = await execute('| timechart span=30m count() by source', {
      from: T0,
      to: T0 + 2 * HOUR,
    });
    assert.equal(compiled.kind, 'table');
    assert.deepEqual(compiled.columns, ['_time', 'source', 'count']);
    assert.deepEqual(compiled.timechart, { spanMs: 30 * MIN });
    assert.deepEqual(rows, [
      ['2024-05-01T12:00:00.000Z', 'winlog', 8],
      ['2024-05-01T12:00:00.000Z', 'zeek', 8],
      ['2024-05-01T12:30:00.000Z', 'cloudtrail', 2],
      ['2024-05-01T12:30:00.000Z', 'syslog', 5],
      ['2024-05-01T12:30:00.000Z', 'zeek', 2],
      ['2024-05-01T13:00:00.000Z', 'detect', 1],
      ['2024-05-01T13:00:00.000Z', 'syslog', 1],
      ['2024-05-01T13:00:00.000Z', 'winlog', 1],
    ]);
  });

  test('timechart with several aggregations and no split', async () => {
    const result = await table('| timechart span=1h count(), max(severity_id) as sev');
    assert.deepEqual(result.columns, ['_time', 'count', 'sev']);
    assert.deepEqual(result.rows, [
      ['2024-04-30T12:00:00.000Z', 1, 1],
      ['2024-05-01T12:00:00.000Z', 25, 4],
      ['2024-05-01T13:00:00.000Z', 3, 5],
      ['2024-05-01T14:00:00.000Z', 1, 1],
    ]);
  });

  test('timechart picks a span from the window when none is given', () => {
    assert.deepEqual(compileQuery('| timechart', { from: T0, to: T0 + 2 * HOUR }).timechart, {
      spanMs: 5 * MIN,
    });
    assert.deepEqual(compileQuery('| timechart', { from: T0 - 7 * 24 * HOUR, to: T0 }).timechart, {
      spanMs: 3 * HOUR,
    });
    assert.deepEqual(compileQuery('| timechart').timechart, { spanMs: HOUR });
  });

  test('events come newest first; sort changes it; head limits', async () => {
    assert.deepEqual(await ids('user=alice'), [2, 1, 26]);
    assert.deepEqual(await ids('source=zeek | sort src_port | head 3'), [13, 12, 14]);
    assert.deepEqual(await ids('source=zeek | sort -dst_port, src_port | head 4'), [14, 16, 13, 15]);
    assert.deepEqual(await ids('source=zeek | sort dst_port desc | head 1'), [14]);
    // Numbers held as JSON text sort by value; events without the field come last.
    assert.deepEqual(await ids('source=zeek | sort -orig_bytes'), [12, 9, 15, 11, 13, 10, 16, 14, 18, 17]);
    assert.deepEqual(await ids('* | head 2'), [27, 30]);
  });

  test('sort by IP sorts by address', async () => {
    // ::1, then IPv4 (::ffff:a.b.c.d) in numeric order, then the 2001:db8 and fe80 addresses.
    assert.deepEqual(
      await ids('src_ip=* | sort src_ip, id'),
      [16, 9, 10, 17, 18, 5, 15, 11, 6, 7, 24, 12, 14, 13],
    );
  });

  test('head before where and stats applies to the head rows', async () => {
    assert.deepEqual(await ids('source=winlog | head 3 | where user=alice'), []);
    assert.deepEqual(await ids('source=winlog user=alice | head 3'), [2, 1]);
    assert.deepEqual((await table('source=zeek | head 4 | stats count() by proto')).rows, [['tcp', 2]]);
  });

  test('fields adds named columns to event rows', async () => {
    const { compiled, rows } = await execute('user=admin | fields user, unmapped.LogonType, src_ip');
    assert.deepEqual(compiled.fields, ['user', 'unmapped.LogonType', 'src_ip']);
    assert.deepEqual(compiled.columns, [...EVENT_RESULT_COLUMNS, 'user', 'unmapped.LogonType', 'src_ip']);
    assert.deepEqual(
      rows.map((r) => [r[0], ...r.slice(EVENT_RESULT_COLUMNS.length)]),
      [
        [8, 'Admin', '3', null],
        [7, 'admin', '10', '192.168.1.51'],
        [6, 'admin', '10', '192.168.1.50'],
      ],
    );
    // The fixed columns carry the event.
    const first = rows[0]!;
    assert.equal(first[3], 'winlog');
    assert.equal(first[1], new Date(T0 + 13 * MIN).toISOString());
    assert.equal((JSON.parse(String(first[6])) as { unmapped: { EventID: number } }).unmapped.EventID, 4625);
  });
});

describe('options', () => {
  test('time window: from inclusive, to exclusive', async () => {
    assert.deepEqual(await matching('*', { from: T0, to: T0 + 30 * MIN }), range(1, 16));
    assert.deepEqual(await matching('*', { from: T0 + 30 * MIN, to: T0 + 31 * MIN }), [17]);
    assert.deepEqual(await matching('mimikatz', { from: T0 }), [3, 28]);
    assert.deepEqual(await matching('*', { to: T0 }), [26]);
  });

  test('limit caps rows; head can only lower it; defaults apply otherwise', async () => {
    assert.deepEqual(await ids('*', { limit: 3 }), [27, 30, 29]);
    assert.equal((await ids('* | head 5', { limit: 3 })).length, 3);
    assert.equal((await ids('* | head 2', { limit: 3 })).length, 2);
    assert.equal((await ids('*', { defaultLimit: 4 })).length, 4);
    assert.equal((await table('| stats count() by id', { limit: 7 })).rows.length, 7);
    const params = (q: string) => compileQuery(q).params;
    assert.equal(params('*').at(-1), DEFAULT_EVENT_LIMIT);
    assert.equal(params('| stats count()').at(-1), DEFAULT_TABLE_LIMIT);
  });

  test('bad options are RangeErrors', () => {
    assert.throws(() => compileQuery('*', { limit: -1 }), RangeError);
    assert.throws(() => compileQuery('*', { limit: 1.5 }), RangeError);
    assert.throws(() => compileQuery('*', { from: Number.NaN }), RangeError);
    assert.throws(() => compileQuery('*', { to: Infinity }), RangeError);
  });
});

describe('meaning errors are QuerySyntaxErrors with a position', () => {
  const cases: [string, number, RegExp][] = [
    ['| stats count() by source | where zeek', 34, /free text cannot be searched after stats/],
    ['| stats count() by source | sort -n', 34, /unknown column "n"; the columns here are: source, count/],
    ['| stats count() by source | timechart', 28, /timechart works on events/],
    ['| stats count(), count()', 17, /duplicate column name "count"/],
    ['| stats count() by count', 8, /duplicate column name "count"/],
    ['| stats sum(time)', 12, /sum\(\) needs a numeric field/],
    ['src_port>abc', 9, /expected a number to compare with/],
    ['src_port>8*', 9, /wildcards can only be used with = and !=/],
    ['x | where count()>1', 10, /count is an aggregation/],
    ['| stats count() by host | fields user', 33, /unknown column "user"/],
  ];
  for (const [query, position, message] of cases) {
    test(query, () => {
      const e = compileError(query);
      assert.match(e.message, message);
      assert.equal(e.position, position, e.message);
    });
  }
});

describe('JSON paths', () => {
  test('keys are quoted and escaped', () => {
    assert.equal(jsonPath(['a', 'b c', 'd"e', 'f\\g']), '$."a"."b c"."d\\"e"."f\\\\g"');
  });

  test('candidates: OCSF path, then the original field under unmapped', () => {
    assert.deepEqual(jsonPathsFor('CommandLine'), ['$."CommandLine"', '$."unmapped"."CommandLine"']);
    assert.deepEqual(jsonPathsFor('query.hostname'), [
      '$."query"."hostname"',
      '$."unmapped"."query"."hostname"',
      '$."unmapped"."query.hostname"',
    ]);
    assert.deepEqual(jsonPathsFor('unmapped.EventID'), ['$."unmapped"."EventID"']);
    assert.deepEqual(jsonPathsFor('unmapped.id.orig_h'), [
      '$."unmapped"."id"."orig_h"',
      '$."unmapped"."id.orig_h"',
    ]);
  });
});

describe('SQL injection is inert in every position', () => {
  const PAYLOAD = `'; DROP TABLE events; --`;
  const hostile: FixtureRow = {
    id: 31,
    source: 'evil',
    event: {
      class_uid: 0,
      category_uid: 0,
      activity_id: 0,
      type_uid: 0,
      severity_id: 1,
      time: T0 + 70 * MIN,
      message: PAYLOAD,
      actor: { user: { name: `x' OR '1'='1` } },
      metadata: { version: '1.8.0', product: { name: 'x" OR "1"="1' }, uid: '31' },
      unmapped: { [`a"b'c`]: `"); DROP TABLE events; --`, [`x') OR 1=1 --`]: 'sneaky' },
      raw_data: PAYLOAD,
    },
  };

  async function withHostileDb(run: (c: DuckDBConnection) => Promise<void>): Promise<void> {
    const db = await createFixtureDb([...FIXTURE_ROWS, hostile]);
    try {
      await run(db.conn);
      const count = await db.conn.runAndReadAll('SELECT count(*) FROM events');
      assert.equal(Number(count.getRows()[0]![0]), 31, 'the table is intact');
    } finally {
      db.conn.closeSync();
      db.instance.closeSync();
    }
  }

  const matchesOnly31: string[] = [
    `"${PAYLOAD}"`,
    `message="${PAYLOAD}"`,
    `raw_data='${PAYLOAD.replace(/'/g, "\\'")}'`,
    `user="x' OR '1'='1"`,
    `user=x'*`,
    `\`a"b'c\`="\\"); DROP TABLE events; --"`,
    `\`x') OR 1=1 --\`=sneaky`,
    `user=/^x' OR '1'='1$/`,
    `product="x\\" OR \\"1\\"=\\"1"`,
    `user IN ("x' OR '1'='1", "'); DELETE FROM events; --")`,
    `message=*DROP\\ TABLE*`,
  ];

  test('values, phrases, field names, regexes and IN lists match the row that holds the text, and only it', async () => {
    await withHostileDb(async (c) => {
      for (const query of matchesOnly31) {
        const compiled = compileQuery(query, { now: NOW });
        assert.ok(!/DROP|DELETE|OR '1'/.test(compiled.sql), `user text leaked into SQL: ${compiled.sql}`);
        const rows = (await c.runAndReadAll(compiled.sql, compiled.params as DuckDBValue[])).getRows();
        assert.deepEqual(
          rows.map((r) => Number(r[0])),
          [31],
          query,
        );
      }
    });
  });

  test('aliases, by fields, sort fields, where values stay out of the SQL', async () => {
    await withHostileDb(async (c) => {
      const queries = [
        `| stats count() as "n\\" FROM events; DROP TABLE events; --" by \`a"b'c\``,
        `| stats count() as \`x"; DROP TABLE events; --\` | sort -\`x"; DROP TABLE events; --\``,
        `| stats count() by user | where user="'; DROP TABLE events; --"`,
        `* | sort -\`"; DROP TABLE events; --\` | fields \`"); DROP TABLE events; --\``,
        `| timechart span=1h count() as "'; DROP TABLE events; -- n" by \`'; DROP TABLE events; --\``,
      ];
      for (const query of queries) {
        const compiled = compileQuery(query, { now: NOW });
        assert.ok(!/DROP/.test(compiled.sql), `user text leaked into SQL: ${compiled.sql}`);
        await c.runAndReadAll(compiled.sql, compiled.params as DuckDBValue[]);
      }
      const aliased = compileQuery(queries[0]!);
      assert.deepEqual(aliased.columns, [`a"b'c`, `n" FROM events; DROP TABLE events; --`]);
      const { rows } = {
        rows: (await c.runAndReadAll(aliased.sql, aliased.params as DuckDBValue[])).getRows(),
      };
      assert.deepEqual(
        rows.map((r) => [r[0], Number(r[1])]),
        [[`"); DROP TABLE events; --`, 1]],
      );
    });
  });

  test('numbers, spans, limits and times that carry SQL are syntax errors', () => {
    for (const query of [
      'src_port>1;DROP TABLE events',
      'src_port>"1); DROP TABLE events; --"',
      '* | head 1;DROP',
      '* | head 1 ; DROP TABLE events',
      '| timechart span=1m);DROP',
      `time>"2024-01-01'); DROP TABLE events; --"`,
      'x | sort -x;DROP',
      'x=1 | stats count() by a;b',
      '| stats count() by `',
      'user=/a)|(DROP/',
    ]) {
      assert.throws(
        () => compileQuery(query, { now: NOW }),
        (e: unknown) => e instanceof QuerySyntaxError,
        query,
      );
    }
  });

  test('field names outside the whitelist never become column names', () => {
    const compiled = compileQuery('`events; DROP TABLE events`=1 | sort -`"x"` | fields `y"`');
    // Only whitelisted columns appear as identifiers; everything else is a JSON path parameter.
    const identifiers = [...compiled.sql.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]);
    const allowed = new Set<string>([...EVENT_COLUMNS.map((c) => c.name), 'src_ip_num', 'dst_ip_num']);
    for (const name of identifiers) assert.ok(allowed.has(name!) || /^f\d+$/.test(name!), name);
    assert.ok(compiled.params.includes('$."events; DROP TABLE events"'));
  });
});

describe('docs/query.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/query.md'), 'utf8');

  test('every example query compiles and runs', async () => {
    const examples = doc.slice(doc.indexOf('## Examples'), doc.indexOf('## Grammar'));
    const queries = [...examples.matchAll(/^\| [^|]+ \| `(.+)` *\|$/gm)].map((m) =>
      m[1]!.replace(/\\\|/g, '|'),
    );
    assert.ok(queries.length >= 15, `found ${queries.length} examples`);
    for (const query of queries) await execute(query, { from: T0 - HOUR, to: T0 + 4 * HOUR });
  });

  test('the typed fields table matches the schema', () => {
    for (const column of EVENT_COLUMNS) {
      if (column.paths.length === 0) continue; // internal columns (data, raw_format)
      const row = new RegExp(`^ *\\| \`${column.name}\` +\\|(.*)$`, 'm').exec(doc);
      assert.ok(row, `docs/query.md lists ${column.name}`);
      for (const path of column.paths.filter((p) => p !== column.name)) {
        assert.ok(row[1]!.includes(`\`${path}\``), `docs/query.md lists ${path} for ${column.name}`);
      }
    }
  });
});
