/**
 * Test fixture for the query compiler: a few dozen hand-made OCSF events (Windows process and logon
 * events, Zeek-style connections over IPv4 and IPv6, DNS, CloudTrail, and text with awkward
 * characters), and an in-memory DuckDB `events` table filled with them the way the store fills it:
 * typed columns from FIELD_COLUMNS paths, `<ip>_num` twins from ipToBigInt, `data` = the event
 * without raw_data. Every value goes in as a parameter.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ipToBigInt } from '../store/ip.js';
import { EVENT_COLUMNS, eventsTableDdl, ipNumberColumn } from '../store/schema.js';

export interface FixtureRow {
  id: number;
  source: string;
  event: Record<string, unknown>;
}

/** 2024-05-01T12:00:00Z: fixture times are minutes after this. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const MIN = 60_000;

function base(
  id: number,
  minutes: number,
  classUid: number,
  activityId: number,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    class_uid: classUid,
    category_uid: Math.floor(classUid / 1000),
    activity_id: activityId,
    type_uid: classUid * 100 + activityId,
    severity_id: 1,
    time: T0 + minutes * MIN,
    metadata: {
      version: '1.8.0',
      product: { name: 'Fixture' },
      uid: String(id),
      logged_time: T0 + minutes * MIN + 500,
    },
    ...extra,
  };
}

function proc(
  id: number,
  minutes: number,
  host: string,
  user: string,
  name: string,
  cmd: string,
  unmapped: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): FixtureRow {
  const raw = `<Event><EventID>1</EventID><Computer>${host}</Computer><CommandLine>${cmd}</CommandLine></Event>`;
  return {
    id,
    source: 'winlog',
    event: base(id, minutes, 1007, 1, {
      message: `Process Create: ${name}`,
      device: { hostname: host },
      actor: { user: { name: user } },
      process: { name, cmd_line: cmd, pid: 4000 + id },
      metadata: {
        version: '1.8.0',
        product: { name: 'Sysmon' },
        log_name: 'Microsoft-Windows-Sysmon/Operational',
        event_code: '1',
        uid: String(id),
        logged_time: T0 + minutes * MIN + 500,
      },
      unmapped,
      raw_data: raw,
      ...extra,
    }),
  };
}

function logon(
  id: number,
  minutes: number,
  eventId: number,
  user: string,
  ip: string,
  logonType: number,
): FixtureRow {
  const success = eventId === 4624;
  const event = base(id, minutes, 3002, 1, {
    message: success ? 'An account was successfully logged on.' : 'An account failed to log on.',
    device: { hostname: 'DC01' },
    user: { name: user },
    status_id: success ? 1 : 2,
    severity_id: success ? 1 : 3,
    metadata: {
      version: '1.8.0',
      product: { name: 'Microsoft Windows' },
      log_name: 'Security',
      event_code: String(eventId),
      uid: String(id),
      logged_time: T0 + minutes * MIN + 500,
    },
    unmapped: { EventID: eventId, IpAddress: ip, LogonType: logonType, TargetUserName: user },
    raw_data: `EventID=${eventId} TargetUserName=${user} IpAddress=${ip}`,
  });
  const mapped = ip.replace(/^::ffff:/, '');
  if (mapped !== '-') event.src_endpoint = { ip: mapped };
  return { id, source: 'winlog', event };
}

function conn(
  id: number,
  minutes: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  proto: string,
  origBytes: number | string,
): FixtureRow {
  return {
    id,
    source: 'zeek',
    event: base(id, minutes, 4001, 6, {
      src_endpoint: { ip: src, port: srcPort },
      dst_endpoint: { ip: dst, port: dstPort },
      connection_info: { protocol_name: proto },
      traffic: { bytes: typeof origBytes === 'number' ? origBytes * 2 : 10 },
      unmapped: { 'id.orig_h': src, 'id.resp_p': dstPort, proto, orig_bytes: origBytes },
      raw_data: `${src}\t${srcPort}\t${dst}\t${dstPort}\t${proto}\t${origBytes}`,
    }),
  };
}

function note(
  id: number,
  minutes: number,
  message: string | undefined,
  raw: string,
  extra: Record<string, unknown> = {},
): FixtureRow {
  return {
    id,
    source: 'syslog',
    event: base(id, minutes, 0, 0, {
      ...(message !== undefined ? { message } : {}),
      raw_data: raw,
      ...extra,
    }),
  };
}

export const FIXTURE_ROWS: readonly FixtureRow[] = [
  proc(1, 1, 'WS01', 'alice', 'powershell.exe', 'powershell.exe -enc SQBFAFgA', {
    EventID: 1,
    CommandLine: 'powershell.exe -enc SQBFAFgA',
    Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    ParentImage: 'C:\\Windows\\explorer.exe',
  }),
  proc(2, 2, 'WS01', 'alice', 'cmd.exe', 'cmd.exe /c whoami', {
    EventID: '1',
    CommandLine: 'cmd.exe /c whoami',
    Image: 'C:\\Windows\\System32\\cmd.exe',
    ParentImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  }),
  proc(
    3,
    3,
    'WS02',
    'bob',
    'mimikatz.exe',
    'mimikatz.exe privilege::debug sekurlsa::logonpasswords',
    {
      EventID: 1,
      CommandLine: 'mimikatz.exe privilege::debug sekurlsa::logonpasswords',
      Image: 'C:\\Users\\bob\\mimikatz.exe',
    },
    { severity_id: 4 },
  ),
  proc(4, 5, 'WS02', 'BOB', 'rundll32.exe', 'rundll32.exe C:\\Users\\bob\\AppData\\x.dll,Start', {
    EventID: 1,
    CommandLine: 'rundll32.exe C:\\Users\\bob\\AppData\\x.dll,Start',
    Image: 'C:\\Windows\\System32\\rundll32.exe',
  }),
  logon(5, 10, 4624, 'Administrator', '::ffff:10.1.2.3', 3),
  logon(6, 11, 4625, 'admin', '192.168.1.50', 10),
  logon(7, 12, 4625, 'admin', '192.168.1.51', 10),
  logon(8, 13, 4625, 'Admin', '-', 3),
  conn(9, 20, '10.0.0.5', 49152, '93.184.216.34', 443, 'tcp', 1500),
  conn(10, 21, '10.0.0.6', 53001, '8.8.8.8', 53, 'udp', 80),
  conn(11, 22, '172.16.5.4', 50000, '10.0.0.5', 22, 'tcp', '443'),
  conn(12, 23, '2001:db8::10', 40000, '2001:db8::1', 443, 'tcp', 9000),
  conn(13, 24, 'fe80::1%eth0', 5353, 'ff02::fb', 5353, 'udp', 120),
  conn(14, 25, '2001:db8:0:1::5', 41000, '2001:db8::1', 8443, 'tcp', 2),
  conn(15, 26, '::ffff:10.9.8.7', 42000, '10.0.0.1', 3389, 'tcp', 700),
  conn(16, 27, '::1', 43000, '::1', 8080, 'tcp', 64),
  {
    id: 17,
    source: 'zeek',
    event: base(17, 30, 4003, 1, {
      message: 'DNS query evil.example.com',
      src_endpoint: { ip: '10.0.0.6', port: 53002 },
      query: { hostname: 'evil.example.com', type: 'A' },
      unmapped: { query: 'evil.example.com', qtype_name: 'A' },
      raw_data: '10.0.0.6 evil.example.com A',
    }),
  },
  {
    id: 18,
    source: 'zeek',
    event: base(18, 31, 4003, 1, {
      message: 'DNS query www.example.org',
      src_endpoint: { ip: '10.0.0.7', port: 53003 },
      query: { hostname: 'www.example.org', type: 'AAAA' },
      unmapped: { query: 'www.example.org', qtype_name: 'AAAA' },
      raw_data: '10.0.0.7 www.example.org AAAA',
    }),
  },
  note(19, 40, 'disk 100% full_now', 'disk 100% full_now'),
  note(20, 41, 'what? a*b literal', 'what? a*b literal'),
  note(21, 42, 'opened C:\\Temp\\evil.exe', 'opened C:\\Temp\\evil.exe', {
    unmapped: { Path: 'C:\\Temp\\evil.exe', 'Event Data': 'with space', 'we"ird': 'quote key' },
  }),
  note(22, 43, 'he said "hello world"', 'he said "hello world"'),
  note(23, 44, 'Ärger mit ÜBER', 'Ärger mit ÜBER', { actor: { user: { name: 'Jürgen' } } }),
  {
    id: 24,
    source: 'cloudtrail',
    event: base(24, 50, 6003, 1, {
      message: 'ConsoleLogin',
      actor: { user: { name: 'arn-user' } },
      api: { operation: 'ConsoleLogin' },
      cloud: { region: 'us-east-1', provider: 'AWS' },
      src_endpoint: { ip: '203.0.113.9' },
      unmapped: { eventName: 'ConsoleLogin', sourceIPAddress: '203.0.113.9', awsRegion: 'us-east-1' },
      raw_data: '{"eventName":"ConsoleLogin","sourceIPAddress":"203.0.113.9"}',
    }),
  },
  {
    id: 25,
    source: 'cloudtrail',
    event: base(25, 51, 6003, 4, {
      message: 'DeleteTrail',
      actor: { user: { name: 'arn-user' } },
      api: { operation: 'DeleteTrail' },
      cloud: { region: 'eu-west-1', provider: 'AWS' },
      severity_id: 4,
      unmapped: {
        eventName: 'DeleteTrail',
        sourceIPAddress: 'cloudtrail.amazonaws.com',
        awsRegion: 'eu-west-1',
      },
      raw_data: '{"eventName":"DeleteTrail"}',
    }),
  },
  note(26, -24 * 60, 'old event mimikatz', 'old event mimikatz', { actor: { user: { name: 'alice' } } }),
  note(27, 120, 'late event', 'late event'),
  note(28, 60, undefined, 'RAW ONLY mimikatz in raw'),
  {
    id: 29,
    source: 'detect',
    event: base(29, 61, 2004, 1, {
      message: 'Detection: credential dumping',
      severity_id: 5,
      finding_info: { title: 'Mimikatz', uid: 'rule-1' },
      device: { hostname: 'WS02' },
      raw_data: 'detection',
    }),
  },
  proc(30, 62, 'DC01', 'SYSTEM', 'svchost.exe', 'svchost.exe -k netsvcs', {
    EventID: 1,
    Image: 'C:\\Windows\\System32\\svchost.exe',
  }),
];

function pathValue(event: Record<string, unknown>, path: string): unknown {
  let value: unknown = event;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** An in-memory DuckDB with the events table holding FIXTURE_ROWS (or the rows given). */
export async function createFixtureDb(
  rows: readonly FixtureRow[] = FIXTURE_ROWS,
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(eventsTableDdl());
  const names: string[] = [];
  const placeholders: string[] = [];
  for (const column of EVENT_COLUMNS) {
    names.push(`"${column.name}"`);
    const p = `$${names.length}`;
    placeholders.push(
      column.type === 'TIMESTAMP' ? `epoch_ms(CAST(${p} AS BIGINT))` : `CAST(${p} AS ${column.type})`,
    );
    if (column.ip) {
      names.push(`"${ipNumberColumn(column)}"`);
      placeholders.push(`CAST($${names.length} AS UHUGEINT)`);
    }
  }
  const insert = `INSERT INTO events (${names.join(', ')}) VALUES (${placeholders.join(', ')})`;
  for (const row of rows) {
    const values: (string | number | null)[] = [];
    for (const column of EVENT_COLUMNS) {
      let value: unknown;
      if (column.name === 'id') value = row.id;
      else if (column.name === 'source') value = row.source;
      else if (column.name === 'data') {
        const { raw_data: _raw, ...rest } = row.event;
        value = JSON.stringify(rest);
      } else {
        value = column.paths
          .map((p) => pathValue(row.event, p))
          .find((v) => typeof v === 'string' || typeof v === 'number');
      }
      values.push(value === undefined ? null : (value as string | number));
      if (column.ip) {
        const n = typeof value === 'string' ? ipToBigInt(value) : undefined;
        values.push(n === undefined ? null : n.toString());
      }
    }
    await conn.run(insert, values);
  }
  return { instance, conn };
}
