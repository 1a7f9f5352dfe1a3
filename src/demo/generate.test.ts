import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import {
  benchEvent,
  createRng,
  generateDemo,
  officeFactor,
  type DemoOptions,
  type DemoRecord,
} from './generate.js';
import {
  DEMO_QUERIES,
  DEMO_STORY,
  PERSISTENCE_SCRIPT,
  SPRAY_FAILURES,
  STAGER_SCRIPT,
  STORY_ACTORS,
  STORY_SPAN_MS,
  storyPlacement,
} from './story.js';

const DAY = 86_400_000;
/** A Monday, so the day has office hours. */
const MONDAY = Date.UTC(2026, 2, 2);
const DAY_OPTIONS: DemoOptions = { seed: 42, start: MONDAY, durationMs: DAY };

let dayRecords: DemoRecord[] | undefined;
function day(): DemoRecord[] {
  dayRecords ??= generateDemo(DAY_OPTIONS);
  return dayRecords;
}

interface WinEvent {
  System: Record<string, unknown> & {
    EventID: number;
    Computer: string;
    Channel: string;
    EventRecordID: number;
    TimeCreated: { '#attributes': { SystemTime: string } };
  };
  EventData: Record<string, unknown>;
}

const parsed = new WeakMap<DemoRecord[], { record: DemoRecord; event: WinEvent }[]>();

/** The Windows records, parsed once per generated array (the day's is shared by many tests). */
function windowsEvents(records: DemoRecord[]): { record: DemoRecord; event: WinEvent }[] {
  let events = parsed.get(records);
  if (!events) {
    events = records
      .filter((r) => r.format === 'json')
      .map((record) => ({ record, event: (JSON.parse(record.text) as { Event: WinEvent }).Event }));
    parsed.set(records, events);
  }
  return events;
}

function sysmon(records: DemoRecord[], id: number): Record<string, unknown>[] {
  return windowsEvents(records)
    .filter(
      ({ event }) =>
        event.System.Channel === 'Microsoft-Windows-Sysmon/Operational' && event.System.EventID === id,
    )
    .map(({ event }) => event.EventData);
}

function security(records: DemoRecord[], id: number): { computer: string; data: Record<string, unknown> }[] {
  return windowsEvents(records)
    .filter(({ event }) => event.System.Channel === 'Security' && event.System.EventID === id)
    .map(({ event }) => ({ computer: event.System.Computer, data: event.EventData }));
}

const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) (-|\[.+\]) (.*)$/;
const RFC3164 =
  /^<(\d{1,3})>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d:\d\d:\d\d) (\S+) ([\w./-]+)(?:\[(\d+)\])?: (.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The syslog message text (after the header) and its host and program. */
function syslogParts(text: string): { host: string; app: string; msg: string } {
  const a = RFC5424.exec(text);
  if (a) return { host: a[3]!, app: a[4]!, msg: a[8]! };
  const b = RFC3164.exec(text);
  if (b) return { host: b[5]!, app: b[6]!, msg: b[8]! };
  throw new Error(`not syslog: ${text}`);
}

function decodePowerShell(cmdLine: string): string {
  const m = /-enc (\S+)/.exec(cmdLine);
  assert.ok(m, `no -enc in ${cmdLine}`);
  const bytes = Buffer.from(m[1]!, 'base64');
  assert.equal(bytes.toString('base64'), m[1], 'canonical base64');
  assert.equal(bytes.length % 2, 0, 'UTF-16LE has an even byte count');
  return bytes.toString('utf16le');
}

describe('generateDemo', () => {
  test('is deterministic for a seed, and seeds differ', () => {
    const options = { seed: 9, start: MONDAY + 8 * 3_600_000, durationMs: 2 * 3_600_000 };
    const a = generateDemo(options);
    const b = generateDemo(options);
    assert.deepEqual(a, b);
    const c = generateDemo({ ...options, seed: 10 });
    assert.notDeepEqual(
      a.map((r) => r.text),
      c.map((r) => r.text),
    );
    // Different seeds share the story's shape, not its bytes.
    assert.ok(
      c.some((r) =>
        r.text.includes(`Accepted password for ${STORY_ACTORS.user} from ${STORY_ACTORS.attackerIp}`),
      ),
    );
  });

  test('records are sorted by time and inside the range', () => {
    const records = day();
    assert.ok(records.length > 20_000, `a working day at 60/min: ${records.length}`);
    for (let i = 0; i < records.length; i++) {
      const t = records[i]!.time;
      assert.ok(t >= MONDAY && t < MONDAY + DAY, `record ${i} at ${t} outside the range`);
      if (i > 0) assert.ok(t >= records[i - 1]!.time, `record ${i} out of order`);
    }
  });

  test('every Windows record is evtx_dump JSON whose time is the record time', () => {
    const lastRecordId = new Map<string, number>();
    for (const { record, event } of windowsEvents(day())) {
      const sys = event.System;
      assert.ok(Number.isInteger(sys.EventID));
      assert.match(sys.Computer, /^[A-Z]+-[A-Z]+-\d\d\.corp\.example\.com$/);
      assert.deepEqual(Object.keys(sys), [
        'Provider',
        'EventID',
        'Version',
        'Level',
        'Task',
        'Opcode',
        'Keywords',
        'TimeCreated',
        'EventRecordID',
        'Correlation',
        'Execution',
        'Channel',
        'Computer',
        'Security',
      ]);
      const systemTime = sys.TimeCreated['#attributes'].SystemTime;
      assert.match(systemTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.equal(Date.parse(systemTime.slice(0, 23) + 'Z'), record.time);
      // Each event log numbers its records in time order.
      const key = `${sys.Computer}|${sys.Channel}`;
      const previous = lastRecordId.get(key);
      if (previous !== undefined) assert.equal(sys.EventRecordID, previous + 1, key);
      lastRecordId.set(key, sys.EventRecordID);
      if (typeof event.EventData.UtcTime === 'string') {
        const utc = Date.parse(event.EventData.UtcTime.replace(' ', 'T') + 'Z');
        assert.ok(utc <= record.time && record.time - utc < 1000, 'Sysmon UtcTime just before SystemTime');
      }
    }
  });

  test(
    'Windows events have the fields, in the order, of real evtx_dump events',
    { skip: sharedSkip('sigma/regression/events') },
    () => {
      const dir = sharedPath('sigma/regression/events');
      const real = new Map<string, Map<string, number>>();
      for (const file of readdirSync(dir)) {
        for (const line of readFileSync(`${dir}/${file}`, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          const e = (JSON.parse(line) as { Event: WinEvent }).Event;
          const id = `${e.System.Channel}|${e.System.EventID}`;
          const shapes = real.get(id) ?? new Map<string, number>();
          const shape = JSON.stringify([Object.keys(e.System), Object.keys(e.EventData ?? {})]);
          shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
          real.set(id, shapes);
        }
      }
      let compared = 0;
      const seen = new Set<string>();
      for (const { event } of windowsEvents(day())) {
        const id = `${event.System.Channel}|${event.System.EventID}`;
        const shapes = real.get(id);
        if (!shapes || seen.has(id)) continue;
        seen.add(id);
        const shape = JSON.stringify([Object.keys(event.System), Object.keys(event.EventData)]);
        assert.ok(
          shapes.has(shape),
          `${id}: ${shape} is not one of the real shapes ${[...shapes.keys()].join(' | ')}`,
        );
        compared++;
      }
      assert.ok(compared >= 2, 'Sysmon 1 and 11 are in both');
      // The Provider and Security blocks as real Sysmon events carry them.
      const sysmon1 = windowsEvents(day()).find(({ event }) => event.System.EventID === 1)!.event.System;
      assert.deepEqual(sysmon1.Provider, {
        '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' },
      });
      assert.deepEqual(sysmon1.Security, { '#attributes': { UserID: 'S-1-5-18' } });
    },
  );

  test('every syslog line is RFC 5424 or RFC 3164, timestamped with the record time', () => {
    let rfc5424 = 0;
    let rfc3164 = 0;
    for (const record of day().filter((r) => r.format === 'syslog')) {
      assert.ok(!record.text.includes('\n'), 'one line');
      const a = RFC5424.exec(record.text);
      if (a) {
        rfc5424++;
        assert.ok(Number(a[1]) <= 191);
        assert.equal(Date.parse(a[2]!.slice(0, 23) + 'Z'), record.time);
        continue;
      }
      const b = RFC3164.exec(record.text);
      assert.ok(b, `neither RFC 5424 nor RFC 3164: ${record.text}`);
      rfc3164++;
      const d = new Date(record.time);
      assert.equal(b[2], MONTHS[d.getUTCMonth()]);
      assert.equal(Number(b[3]), d.getUTCDate());
      assert.equal(b[4], d.toISOString().slice(11, 19));
      assert.equal(record.time % 1000, 0, 'RFC 3164 has whole seconds');
    }
    assert.ok(rfc5424 > 100 && rfc3164 > 100, `both syntaxes: ${rfc5424} / ${rfc3164}`);
  });

  test('event kinds come in plausible proportions, busier in office hours', () => {
    const records = day();
    const counts = new Map<string, number>();
    for (const { event } of windowsEvents(records)) {
      const key = `${event.System.Channel}:${event.System.EventID}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const r of records.filter((x) => x.format === 'syslog')) {
      const key = `syslog:${syslogParts(r.text).app}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = records.length;
    const share = (key: string) => (counts.get(key) ?? 0) / total;
    const sysmonKey = (id: number) => `Microsoft-Windows-Sysmon/Operational:${id}`;
    for (const [key, min, max] of [
      [sysmonKey(1), 0.05, 0.35],
      [sysmonKey(3), 0.1, 0.5],
      [sysmonKey(11), 0.01, 0.15],
      [sysmonKey(22), 0.03, 0.3],
      ['Security:4624', 0.05, 0.4],
      ['syslog:sshd', 0.005, 0.2],
      ['syslog:CRON', 0.005, 0.2],
    ] as const) {
      assert.ok(
        share(key) >= min && share(key) <= max,
        `${key}: ${share(key).toFixed(3)} not in [${min}, ${max}]`,
      );
    }
    for (const key of ['Security:4625', 'syslog:sudo', 'syslog:systemd', 'syslog:systemd-logind']) {
      assert.ok((counts.get(key) ?? 0) > 0, `${key} present`);
    }
    assert.ok(
      (counts.get('Security:4625') ?? 0) * 20 < (counts.get('Security:4624') ?? 0),
      'failed logons are rare next to successful ones',
    );
    const hour = (h: number) =>
      records.filter((r) => r.time >= MONDAY + h * 3_600_000 && r.time < MONDAY + (h + 1) * 3_600_000).length;
    const office = hour(10);
    assert.ok(office > 3 * hour(3), `10:00 (${office}) much busier than 03:00 (${hour(3)})`);
    // The background runs at the requested rate in office hours (scheduled jobs come on top).
    assert.ok(office / 60 > 60 * 0.9 && office / 60 < 60 * 1.6, `office-hours rate ${office / 60}/min`);
    assert.equal(
      officeFactor(Date.UTC(2026, 2, 7, 10)),
      officeFactor(Date.UTC(2026, 2, 2, 10)) * 0.08,
      'weekend',
    );
  });

  test('the default environment: 8 hosts (Windows workstations and servers, Linux) and 12 users', () => {
    const records = day();
    const windowsHosts = new Set(
      windowsEvents(records).map(({ event }) => event.System.Computer.split('.')[0]),
    );
    const linuxHosts = new Set(
      records.filter((r) => r.format === 'syslog').map((r) => syslogParts(r.text).host),
    );
    assert.deepEqual([...windowsHosts].sort(), [
      'SRV-DC-01',
      'SRV-FILE-01',
      'WS-ENG-03',
      'WS-FIN-01',
      'WS-HR-02',
    ]);
    assert.deepEqual([...linuxHosts].sort(), ['lnx-bastion-01', 'lnx-db-01', 'lnx-web-01']);
    const users = new Set(
      security(records, 4624)
        .map(({ data }) => String(data.TargetUserName))
        .filter((u) => !u.endsWith('$')),
    );
    assert.equal(users.size, 12, [...users].join(','));
    const internal = security(records, 4624).filter(({ data }) => /^10\./.test(String(data.IpAddress)));
    assert.ok(internal.length > 1000, 'network logons come from 10.x addresses');
  });

  test('process trees hang together: every parent is a process seen before or running from the start', () => {
    const created = new Map<string, Record<string, unknown>>();
    for (const e of sysmon(day(), 1)) created.set(String(e.ProcessGuid), e);
    let linked = 0;
    for (const e of created.values()) {
      const parent = created.get(String(e.ParentProcessGuid));
      if (!parent) continue;
      linked++;
      assert.equal(e.ParentProcessId, parent.ProcessId);
      assert.equal(e.ParentImage, parent.Image);
      assert.equal(e.ParentCommandLine, parent.CommandLine);
    }
    assert.ok(linked > 100, `children of created processes: ${linked}`);
    // Hashes are stable per binary: the same image hashes the same everywhere.
    const byImage = new Map<string, string>();
    for (const e of created.values()) {
      const key = `${String(e.Image).toLowerCase()}|${String(e.FileVersion)}`;
      const hashes = String(e.Hashes);
      assert.match(hashes, /^SHA1=[0-9A-F]{40},MD5=[0-9A-F]{32},SHA256=[0-9A-F]{64},IMPHASH=[0-9A-F]{32}$/);
      assert.equal(byImage.get(key) ?? hashes, hashes, key);
      byImage.set(key, hashes);
    }
  });

  test('rejects options it cannot honour', () => {
    const ok = { seed: 1, start: MONDAY, durationMs: 60_000 };
    assert.throws(() => generateDemo({ ...ok, hosts: 2 }), RangeError);
    assert.throws(() => generateDemo({ ...ok, users: 3 }), RangeError);
    assert.throws(() => generateDemo({ ...ok, hosts: 4.5 }), RangeError);
    assert.throws(() => generateDemo({ ...ok, durationMs: 0 }), RangeError);
    assert.throws(() => generateDemo({ ...ok, seed: Number.NaN }), RangeError);
    assert.throws(() => generateDemo({ ...ok, eventsPerMinute: -1 }), RangeError);
    assert.throws(() => generateDemo({ ...ok, start: -5 }), RangeError);
  });

  test('scales to many hosts and users, with distinct names and addresses', () => {
    const records = generateDemo({
      seed: 3,
      start: MONDAY + 9 * 3_600_000,
      durationMs: 3_600_000,
      hosts: 60,
      users: 150,
    });
    const computers = new Set(windowsEvents(records).map(({ event }) => event.System.Computer));
    const linux = new Set(records.filter((r) => r.format === 'syslog').map((r) => syslogParts(r.text).host));
    assert.equal(computers.size + linux.size, 60, 'every host speaks within an office hour');
    const sourceIps = new Map<string, string>();
    for (const e of sysmon(records, 3)) {
      const host = String(e.SourceHostname);
      const ip = String(e.SourceIp);
      assert.equal(sourceIps.get(ip) ?? host, host, `${ip} used by two hosts`);
      sourceIps.set(ip, host);
    }
    const users = new Set(
      security(records, 4624)
        .map(({ data }) => String(data.TargetUserName))
        .filter((u) => !u.endsWith('$')),
    );
    assert.ok(users.size > 100, `users seen: ${users.size}`);
  });

  test('works with the smallest environment', () => {
    const records = generateDemo({ seed: 5, start: MONDAY, durationMs: 2 * 3_600_000, hosts: 3, users: 4 });
    assert.ok(records.some((r) => r.text.includes('comsvcs.dll, MiniDump')));
    assert.ok(records.some((r) => r.text.includes('Failed password')));
  });
});

describe('the attack story', () => {
  test('the SSH spray: many failures for several users from one address, then a success', () => {
    const bastion = day()
      .filter((r) => r.format === 'syslog')
      .map((r) => ({ time: r.time, ...syslogParts(r.text) }))
      .filter((l) => l.host === STORY_ACTORS.bastion && l.app === 'sshd');
    const failures = bastion.filter(
      (l) => l.msg.startsWith('Failed password') && l.msg.includes(`from ${STORY_ACTORS.attackerIp} `),
    );
    assert.equal(failures.length, SPRAY_FAILURES);
    assert.ok(SPRAY_FAILURES >= 30);
    const users = new Set(failures.map((l) => /for (?:invalid user )?(\S+) from/.exec(l.msg)![1]));
    assert.ok(users.size >= 10, `users tried: ${[...users].join(', ')}`);
    assert.ok(users.has(STORY_ACTORS.user));
    const spread = failures[failures.length - 1]!.time - failures[0]!.time;
    assert.ok(spread > 4 * 60_000 && spread < 8 * 60_000, `spray lasts minutes: ${spread} ms`);
    const accepted = bastion.filter((l) => l.msg.startsWith('Accepted password'));
    assert.equal(accepted.length, 1, 'insiders use keys; only the attacker logs in with a password');
    assert.match(
      accepted[0]!.msg,
      new RegExp(
        `^Accepted password for ${STORY_ACTORS.user} from ${STORY_ACTORS.attackerIp.replaceAll('.', '\\.')} port \\d+ ssh2$`,
      ),
    );
    assert.ok(accepted[0]!.time > failures[failures.length - 1]!.time);
    // The background scanners never come close to the spray from any one address.
    const perScanner = new Map<string, number>();
    for (const l of bastion.filter((x) => x.msg.startsWith('Failed password'))) {
      const ip = /from (\S+) port/.exec(l.msg)![1]!;
      if (ip !== STORY_ACTORS.attackerIp) perScanner.set(ip, (perScanner.get(ip) ?? 0) + 1);
    }
    assert.ok(perScanner.size > 20, 'internet background noise exists');
    assert.ok(Math.max(...perScanner.values()) < SPRAY_FAILURES / 3);
  });

  test('lateral movement: RDP from the bastion to the workstation, LogonType 3 then 10', () => {
    const fromBastion = security(day(), 4624).filter(({ data }) => data.IpAddress === STORY_ACTORS.bastionIp);
    assert.deepEqual(
      fromBastion.map(({ computer, data }) => [computer.split('.')[0], data.TargetUserName, data.LogonType]),
      [
        [STORY_ACTORS.victim, STORY_ACTORS.user, 3],
        [STORY_ACTORS.victim, STORY_ACTORS.user, 10],
      ],
    );
    assert.equal(fromBastion[0]!.data.AuthenticationPackageName, 'NTLM');
    assert.equal(fromBastion[1]!.data.LogonProcessName, 'User32 ');
  });

  test('encoded PowerShell decodes (UTF-16LE) to a real download cradle, and only the story encodes', () => {
    const processes = sysmon(day(), 1);
    const encoded = processes.filter((e) => /\s-enc\s/i.test(String(e.CommandLine)));
    assert.equal(encoded.length, 2, encoded.map((e) => e.CommandLine).join('\n'));
    const [shell, task] = encoded;
    assert.match(String(shell!.Image), /\\powershell\.exe$/);
    assert.match(String(shell!.CommandLine), /^powershell\.exe -nop -w hidden -enc [A-Za-z0-9+/]+=*$/);
    assert.equal(shell!.ParentImage, 'C:\\Windows\\explorer.exe');
    assert.equal(shell!.User, `CORP\\${STORY_ACTORS.user}`);
    const script = decodePowerShell(String(shell!.CommandLine));
    assert.equal(script, STAGER_SCRIPT);
    assert.match(script, /^\$w=New-Object Net\.WebClient;/);
    assert.match(script, /IEX \$w\.DownloadString\('https:\/\/cdn-msupdate\.top\/[\w/.]+'\)$/);
    // Balanced quotes and brackets: a script PowerShell would parse.
    assert.equal((script.match(/'/g) ?? []).length % 2, 0);
    assert.equal((script.match(/\(/g) ?? []).length, (script.match(/\)/g) ?? []).length);
    assert.equal((script.match(/\[/g) ?? []).length, (script.match(/\]/g) ?? []).length);

    assert.match(String(task!.Image), /\\schtasks\.exe$/);
    const tr = /\/tr "([^"]+)"/.exec(String(task!.CommandLine))![1]!;
    assert.ok(tr.length <= 261, 'schtasks /tr takes at most 261 characters');
    assert.equal(decodePowerShell(tr), PERSISTENCE_SCRIPT);
    assert.match(String(task!.CommandLine), /\/create .*\/sc onlogon \/ru SYSTEM/);
    assert.equal(task!.ParentProcessGuid, shell!.ProcessGuid);
  });

  test('discovery and credential dumping are children of the hidden PowerShell; lsass is opened', () => {
    const processes = sysmon(day(), 1);
    const shell = processes.find((e) => /-w hidden -enc/.test(String(e.CommandLine)))!;
    const children = processes
      .filter((e) => e.ParentProcessGuid === shell.ProcessGuid)
      .map((e) => String(e.CommandLine));
    for (const expected of [
      /whoami\.exe" \/all$/,
      /net\.exe" group "domain admins" \/domain$/,
      /nltest\.exe" \/dclist:corp\.example\.com$/,
      /comsvcs\.dll, MiniDump \d+ /,
      /schtasks\.exe" \/create/,
    ]) {
      assert.ok(
        children.some((c) => expected.test(c)),
        `${expected} among ${children.join(' | ')}`,
      );
    }
    const rundll = processes.find((e) => /comsvcs\.dll, MiniDump/.test(String(e.CommandLine)))!;
    const dumpedPid = Number(/MiniDump (\d+) /.exec(String(rundll.CommandLine))![1]);
    const access = sysmon(day(), 10);
    assert.equal(access.length, 1);
    assert.equal(access[0]!.TargetImage, 'C:\\Windows\\System32\\lsass.exe');
    assert.equal(access[0]!.TargetProcessId, dumpedPid, 'the MiniDump names the real lsass pid');
    assert.equal(access[0]!.SourceProcessGUID, rundll.ProcessGuid);
    assert.equal(access[0]!.GrantedAccess, '0x1FFFFF');
    assert.ok(
      sysmon(day(), 11).some(
        (e) => e.TargetFilename === STORY_ACTORS.dumpFile && e.ProcessGuid === rundll.ProcessGuid,
      ),
    );
  });

  test('the C2: one DNS query, a download on 443, then beacons on 8443 every ~5 minutes to the end', () => {
    const records = day();
    const queries = sysmon(records, 22).filter((e) => e.QueryName === STORY_ACTORS.c2Domain);
    assert.equal(queries.length, 1);
    assert.equal(queries[0]!.QueryResults, `::ffff:${STORY_ACTORS.c2Ip};`);
    const conns = windowsEvents(records).filter(
      ({ event }) => event.System.EventID === 3 && event.EventData.DestinationIp === STORY_ACTORS.c2Ip,
    );
    assert.equal(conns[0]!.event.EventData.DestinationPort, 443);
    const beacons = conns.slice(1);
    assert.ok(beacons.every(({ event }) => event.EventData.DestinationPort === 8443));
    assert.ok(beacons.length > 100, `a half day of beacons: ${beacons.length}`);
    for (let i = 1; i < beacons.length; i++) {
      const gap = beacons[i]!.record.time - beacons[i - 1]!.record.time;
      assert.ok(gap >= 4 * 60_000 && gap <= 6 * 60_000, `beacon gap ${gap}`);
    }
    assert.ok(
      MONDAY + DAY - beacons[beacons.length - 1]!.record.time <= 6 * 60_000,
      'beacons run to the end',
    );
    // Nothing else in the background uses port 8443.
    assert.ok(
      sysmon(records, 3).every((e) => e.DestinationPort !== 8443 || e.DestinationIp === STORY_ACTORS.c2Ip),
    );
  });

  test('the story sits in the middle of the range, in the order DEMO_STORY gives', () => {
    const records = day();
    const { storyStart, scale } = storyPlacement(MONDAY, DAY);
    assert.equal(scale, 1);
    const mid = MONDAY + DAY / 2;
    assert.ok(Math.abs(storyStart + STORY_SPAN_MS / 2 - mid) < 1000);
    const firstFailure = records.find((r) => r.text.includes(`from ${STORY_ACTORS.attackerIp} port`))!;
    assert.ok(firstFailure.time - storyStart >= 0 && firstFailure.time - storyStart < 10_000);
    // Each step's telltale appears at its offset (±3 s of jitter), in order.
    const telltales: Record<string, (r: DemoRecord) => boolean> = {
      'T1078.002': (r) => r.text.includes('Accepted password for'),
      'T1003.008': (r) => r.text.includes('COMMAND=/usr/bin/cat /etc/shadow'),
      'T1021.001': (r) => r.text.includes(`"IpAddress":"${STORY_ACTORS.bastionIp}"`),
      'T1059.001': (r) =>
        r.text.includes('-w hidden -enc') &&
        r.text.includes('"Image":"C:\\\\Windows\\\\System32\\\\WindowsPowerShell'),
      T1105: (r) => r.text.includes(`"QueryName":"${STORY_ACTORS.c2Domain}"`),
      'T1071.001': (r) => r.text.includes('"DestinationPort":8443'),
      T1033: (r) => r.text.includes('whoami.exe\\" /all'),
      'T1069.002': (r) => r.text.includes('group \\"domain admins\\" /domain'),
      T1018: (r) => r.text.includes('/dclist:'),
      'T1003.001': (r) => r.text.includes('MiniDump'),
      'T1053.005': (r) => r.text.includes('schtasks.exe\\" /create'),
    };
    let previous = -Infinity;
    for (const step of DEMO_STORY.slice(1)) {
      const found = records.find(telltales[step.technique]!);
      assert.ok(found, step.technique);
      assert.ok(
        Math.abs(found.time - (storyStart + step.offsetMs)) < 3_000,
        `${step.technique} at its offset`,
      );
      assert.ok(found.time >= previous, `${step.technique} in order`);
      previous = found.time;
    }
  });

  test('a short range compresses the story into its middle, whole', () => {
    const start = MONDAY + 14 * 3_600_000;
    const durationMs = 20 * 60_000;
    const records = generateDemo({ seed: 11, start, durationMs });
    const { scale } = storyPlacement(start, durationMs);
    assert.ok(scale < 1);
    const failures = records.filter(
      (r) => r.text.includes(`Failed password`) && r.text.includes(STORY_ACTORS.attackerIp),
    );
    assert.equal(failures.length, SPRAY_FAILURES);
    for (const needle of [
      'Accepted password for dave',
      'comsvcs.dll, MiniDump',
      'schtasks.exe\\" /create',
      '"DestinationPort":8443',
    ]) {
      const r = records.find((x) => x.text.includes(needle));
      assert.ok(r, needle);
      assert.ok(
        r.time > start + durationMs / 4 && r.time < start + (durationMs * 3) / 4 + 60_000,
        `${needle} in the middle`,
      );
    }
  });

  test('DEMO_STORY and DEMO_QUERIES are well formed and point at the data', () => {
    assert.ok(DEMO_STORY.length >= 8);
    for (let i = 0; i < DEMO_STORY.length; i++) {
      const step = DEMO_STORY[i]!;
      assert.match(step.technique, /^T\d{4}(\.\d{3})?$/);
      assert.ok(step.description.length > 5 && step.tactic.length > 3);
      if (i > 0) assert.ok(step.offsetMs >= DEMO_STORY[i - 1]!.offsetMs);
    }
    assert.ok(DEMO_QUERIES.length >= 5 && DEMO_QUERIES.length <= 8);
    const text = day()
      .map((r) => r.text)
      .join('\n');
    for (const q of DEMO_QUERIES) {
      assert.ok(q.title && q.query && q.expect, q.title);
      // Literal addresses and names in a query are in the data.
      for (const literal of q.query.match(
        /\b\d+\.\d+\.\d+\.\d+\b(?!\/)|cdn-msupdate\.top|schtasks\.exe|MiniDump|lsass\.exe/g,
      ) ?? []) {
        assert.ok(text.includes(literal), `${literal} from "${q.query}" not in the data`);
      }
    }
  });
});

describe('benchEvent', () => {
  test('~450-byte, varied, parseable events of several kinds', () => {
    const rng = createRng(1);
    const n = 20_000;
    let bytes = 0;
    const texts = new Set<string>();
    const kinds = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const text = benchEvent(rng, i);
      bytes += Buffer.byteLength(text);
      texts.add(text);
      const e = JSON.parse(text) as Record<string, unknown>;
      const kind = String(e.EventID ?? e.SYSLOG_IDENTIFIER);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (e.EventID !== undefined) {
        assert.equal(typeof e.Hostname, 'string');
        assert.equal(Date.parse(String(e.TimeCreated)), Date.UTC(2026, 2, 2, 9) + i * 7);
      } else {
        assert.equal(typeof e.MESSAGE, 'string');
      }
    }
    const average = bytes / n;
    assert.ok(average >= 400 && average <= 500, `average ${average} bytes`);
    assert.equal(texts.size, n, 'no two events are identical');
    assert.ok(kinds.size >= 7, [...kinds.keys()].join(','));
    for (const count of kinds.values()) assert.ok(count > n * 0.02);
    // Deterministic for a seed.
    const again = createRng(1);
    assert.equal(benchEvent(again, 0), benchEvent(createRng(1), 0));
  });

  test('100k events in well under two seconds', () => {
    const rng = createRng(2);
    const started = performance.now();
    let bytes = 0;
    for (let i = 0; i < 100_000; i++) bytes += benchEvent(rng, i).length;
    const ms = performance.now() - started;
    assert.ok(bytes > 0);
    assert.ok(ms < 2_000, `${ms.toFixed(0)} ms`);
  });
});
