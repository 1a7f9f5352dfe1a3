import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { jsonParser, stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import type { OcsfEvent } from './ocsf.js';
import { flattenWindowsEvent, isWindowsEvent, windowsNormalizer } from './windows.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2, 3, 4, 5) };

function record(fields: Record<string, unknown>): ParsedRecord {
  return { format: 'json', fields, raw: stringifyJson(fields) };
}

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec = record(fields);
  assert.ok(windowsNormalizer.accepts(rec), 'accepted');
  return windowsNormalizer.normalize(rec, CTX);
}

/** `a.b.0.c` in an event. */
function at(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function assertValid(event: OcsfEvent): void {
  assert.deepEqual(validateOcsf(event), [], `class ${event.class_uid} event is valid OCSF`);
}

const ocsfSkip = sharedSkip(OCSF_SCHEMA_DIR);

// ---------------------------------------------------------------------------------------------
// Layouts, from small records written after the real ones

const EVTX_SYSMON_1 = {
  Event: {
    '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
    System: {
      Provider: {
        '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' },
      },
      EventID: 1,
      Version: 5,
      Level: 4,
      Task: 1,
      Opcode: 0,
      Keywords: '0x8000000000000000',
      TimeCreated: { '#attributes': { SystemTime: '2024-02-10T08:15:30.123456Z' } },
      EventRecordID: 4242,
      Correlation: null,
      Execution: { '#attributes': { ProcessID: 2100, ThreadID: 2200 } },
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'ws-01.example.local',
      Security: { '#attributes': { UserID: 'S-1-5-18' } },
    },
    EventData: {
      UtcTime: '2024-02-10 08:15:30.120',
      ProcessGuid: '1A2B3C4D-0001-65C7-0A00-000000000500',
      ProcessId: 5120,
      Image: 'C:\\Windows\\System32\\reg.exe',
      CommandLine: 'reg  query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" /v ProductName',
      User: 'EXAMPLE\\alice',
      IntegrityLevel: 'High',
      Hashes: 'SHA1=0123456789ABCDEF0123456789ABCDEF01234567,MD5=00112233445566778899AABBCCDDEEFF',
      ParentProcessGuid: '1A2B3C4D-0002-65C7-0B00-000000000500',
      ParentProcessId: 4100,
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      ParentCommandLine: '"C:\\Windows\\System32\\cmd.exe"',
      ParentUser: 'EXAMPLE\\alice',
    },
  },
};

describe('flattenWindowsEvent: evtx_dump', () => {
  test('System attributes are named Element_Attribute, EventData values by name', () => {
    const flat = flattenWindowsEvent(EVTX_SYSMON_1)!;
    assert.equal(flat.EventID, 1);
    assert.equal(flat.Channel, 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(flat.Computer, 'ws-01.example.local');
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Sysmon');
    assert.equal(flat.Provider_Guid, '5770385F-C22A-43E0-BF4C-06F5698FFBD9');
    assert.equal(flat.TimeCreated_SystemTime, '2024-02-10T08:15:30.123456Z');
    assert.equal(flat.EventRecordID, 4242);
    assert.equal(flat.Execution_ProcessID, 2100);
    assert.equal(flat.Execution_ThreadID, 2200);
    assert.equal(flat.Security_UserID, 'S-1-5-18');
    assert.equal(flat.Level, 4);
    assert.equal(flat.Keywords, '0x8000000000000000');
    assert.equal(flat.CommandLine, EVTX_SYSMON_1.Event.EventData.CommandLine);
    assert.equal(flat.ParentImage, 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(flat.ProcessId, 5120);
    assert.equal('Event' in flat, false);
    assert.equal('Correlation' in flat, false);
  });

  test('EventID with Qualifiers, unnamed Data and Binary (classic providers)', () => {
    const flat = flattenWindowsEvent({
      Event: {
        System: {
          Provider: {
            '#attributes': { Name: 'Service Control Manager', EventSourceName: 'Service Control Manager' },
          },
          EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7036 },
          Channel: 'System',
          Computer: 'WS1',
        },
        EventData: { Data: { '#text': ['Windows Update', 'running'] }, Binary: '770075006100' },
      },
    })!;
    assert.equal(flat.EventID, 7036);
    assert.equal(flat.EventID_Qualifiers, 16384);
    assert.equal(flat.Provider_EventSourceName, 'Service Control Manager');
    assert.deepEqual(flat.Data, ['Windows Update', 'running']);
    assert.equal(flat.Binary, '770075006100');
  });

  test('xmltodict style: @attributes, #text, EventID as text, Data as a list of named elements', () => {
    const flat = flattenWindowsEvent({
      Event: {
        '@xmlns': 'http://schemas.microsoft.com/win/2004/08/events/event',
        System: {
          Provider: {
            '@Name': 'Microsoft-Windows-Security-Auditing',
            '@Guid': '{54849625-5478-4994-A5BA-3E3B0328C30D}',
          },
          EventID: '4625',
          TimeCreated: { '@SystemTime': '2024-03-01T10:00:00.000Z' },
          Channel: 'Security',
          Computer: 'DC1.corp.local',
        },
        EventData: {
          Data: [
            { '@Name': 'TargetUserName', '#text': 'bob' },
            { '@Name': 'IpAddress', '#text': '10.0.0.5' },
            { '@Name': 'LogonType', '#text': '3' },
            { '@Name': 'Status', '#text': '0xC000006D' },
            { '@Name': 'SubStatus', '#text': '0xC0000064' },
            { '@Name': 'WorkstationName' },
          ],
        },
      },
    })!;
    assert.equal(flat.EventID, 4625);
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Security-Auditing');
    assert.equal(flat.TimeCreated_SystemTime, '2024-03-01T10:00:00.000Z');
    assert.equal(flat.TargetUserName, 'bob');
    assert.equal(flat.IpAddress, '10.0.0.5');
    assert.equal(flat.WorkstationName, null);
  });

  test('UserData values are flattened; a UserData Channel does not replace the System one', () => {
    const flat = flattenWindowsEvent({
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Eventlog' } },
          EventID: 104,
          Channel: 'System',
          Computer: 'WS1',
        },
        UserData: {
          LogFileCleared: {
            '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' },
            SubjectUserName: 'alice',
            SubjectDomainName: 'CORP',
            Channel: 'Microsoft-Windows-PowerShell/Operational',
          },
        },
      },
    })!;
    assert.equal(flat.Channel, 'System');
    assert.equal(flat.SubjectUserName, 'alice');
    assert.equal(flat.SubjectDomainName, 'CORP');
  });

  test('names with spaces are also written without them, as Sigma rules name them', () => {
    const flat = flattenWindowsEvent({
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Windows Defender' } },
          EventID: 1116,
          Channel: 'Microsoft-Windows-Windows Defender/Operational',
          Computer: 'WS1',
        },
        EventData: { 'Threat Name': 'Trojan:Win32/Meterpreter', 'Source Name': 'AMSI' },
      },
    })!;
    assert.equal(flat['Threat Name'], 'Trojan:Win32/Meterpreter');
    assert.equal(flat.ThreatName, 'Trojan:Win32/Meterpreter');
    assert.equal(flat.SourceName, 'AMSI');
  });
});

describe('flattenWindowsEvent: Winlogbeat', () => {
  test('7+: winlog fields under their Windows names, event_data flat, the rest of winlog kept', () => {
    const fields = {
      '@timestamp': '2024-05-01T12:00:00.123Z',
      message: 'An account was successfully logged on.',
      host: { name: 'dc1' },
      winlog: {
        channel: 'Security',
        computer_name: 'DC1.corp.local',
        event_id: '4624',
        provider_name: 'Microsoft-Windows-Security-Auditing',
        record_id: 123456,
        process: { pid: 640, thread: { id: 700 } },
        user: { identifier: 'S-1-5-18', name: 'SYSTEM' },
        api: 'wineventlog',
        event_data: { TargetUserName: 'alice', LogonType: '10', IpAddress: '203.0.113.9' },
      },
    };
    const flat = flattenWindowsEvent(fields)!;
    assert.equal(flat.EventID, 4624);
    assert.equal(flat.Channel, 'Security');
    assert.equal(flat.Computer, 'DC1.corp.local');
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Security-Auditing');
    assert.equal(flat.EventRecordID, 123456);
    assert.equal(flat.Execution_ProcessID, 640);
    assert.equal(flat.Execution_ThreadID, 700);
    assert.equal(flat.Security_UserID, 'S-1-5-18');
    assert.equal(flat.TargetUserName, 'alice');
    assert.equal(flat['@timestamp'], '2024-05-01T12:00:00.123Z');
    assert.deepEqual(flat.winlog, {
      api: 'wineventlog',
      user: { identifier: 'S-1-5-18', name: 'SYSTEM' },
      process: { pid: 640, thread: { id: 700 } },
    });
    const event = normalize(fields);
    assert.equal(event.class_uid, 3002);
    assert.equal(at(event, 'user.name'), 'alice');
    assert.equal(at(event, 'src_endpoint.ip'), '203.0.113.9');
    assert.equal(event.logon_type_id, 10);
    assert.equal(event.time, Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    assert.equal(event.message, 'An account was successfully logged on.');
  });

  test('6.x: top-level event_id/log_name/computer_name, unnamed paramN also as Data', () => {
    const flat = flattenWindowsEvent({
      '@timestamp': '2019-03-19T17:14:27.071Z',
      '@metadata': { beat: 'winlogbeat' },
      computer_name: 'ws-03.example.local',
      event_id: 800,
      log_name: 'Windows PowerShell',
      source_name: 'PowerShell',
      record_number: '979001',
      process_id: 4,
      event_data: { param1: 'Start-Sleep', param2: '\tHostApplication=powershell.exe -enc AAA', param3: 'x' },
    })!;
    assert.equal(flat.EventID, 800);
    assert.equal(flat.Channel, 'Windows PowerShell');
    assert.equal(flat.Computer, 'ws-03.example.local');
    assert.equal(flat.Provider_Name, 'PowerShell');
    assert.equal(flat.EventRecordID, '979001');
    assert.equal(flat.Execution_ProcessID, 4);
    assert.equal(flat.event_id, 800, 'original names stay');
    assert.deepEqual(flat.Data, ['Start-Sleep', '\tHostApplication=powershell.exe -enc AAA', 'x']);
    assert.equal('event_data' in flat, false);
  });
});

describe('flattenWindowsEvent: flat exports', () => {
  test('NXLog: canonical names beside the collector names; int64 Keywords stay exact', () => {
    const rec = jsonParser.parse(
      '{"EventID":4688,"Channel":"Security","Hostname":"WS5.corp.local","SourceName":"Microsoft-Windows-Security-Auditing",' +
        '"ProviderGuid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","RecordNumber":379988,"ExecutionProcessID":4,' +
        '"Keywords":-9214364837600034816,"NewProcessName":"C:\\\\Windows\\\\System32\\\\sppsvc.exe"}',
    );
    const flat = flattenWindowsEvent(rec.fields)!;
    assert.equal(flat.Computer, 'WS5.corp.local');
    assert.equal(flat.Hostname, 'WS5.corp.local');
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Security-Auditing');
    assert.equal(flat.Provider_Guid, '{54849625-5478-4994-A5BA-3E3B0328C30D}');
    assert.equal(flat.EventRecordID, 379988);
    assert.equal(flat.Execution_ProcessID, 4);
    assert.equal(flat.Keywords, -9214364837600034816n);
    assert.match(stringifyJson(flat), /"Keywords":-9214364837600034816/);
  });

  test('Log Analytics SecurityEvent: EventData XML with entities, CDATA, empty and unnamed values', () => {
    const flat = flattenWindowsEvent({
      TimeGenerated: '2022-05-13T08:54:05.21Z',
      Computer: 'WORKSTATION5',
      EventSourceName: 'Microsoft-Windows-Security-Auditing',
      Channel: 'Security',
      EventID: 4688,
      EventData:
        '<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\r\n' +
        '  <Data Name="CommandLine">cmd /c "echo &lt;x&gt; &amp; dir" &#x41;&#66;</Data>\r\n' +
        "  <Data Name='Quoted'><![CDATA[a < b]]></Data>\r\n" +
        '  <Data Name="Empty" />\r\n' +
        '  <Data Name="Blank"></Data>\r\n' +
        '</EventData>',
    })!;
    assert.equal(flat.CommandLine, 'cmd /c "echo <x> & dir" AB');
    assert.equal(flat.Quoted, 'a < b');
    assert.equal(flat.Empty, null);
    assert.equal(flat.Blank, '');
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Security-Auditing');
    assert.equal('EventData' in flat, false, 'the parsed string is replaced by its values');
    const unnamed = flattenWindowsEvent({
      EventID: 33205,
      Computer: 'ADFS01',
      EventLog: 'Application',
      EventData_string:
        '<DataItem type="System.XmlData"><EventData><Data>audit_schema_version:1</Data></EventData></DataItem>',
    })!;
    assert.equal(unnamed.Data, 'audit_schema_version:1');
    assert.equal(unnamed.Channel, 'Application');
  });

  test('Log Analytics WindowsEvent: EventData JSON text', () => {
    const flat = flattenWindowsEvent({
      TimeGenerated: '2022-05-13T08:54:08.743Z',
      Provider: 'Microsoft-Windows-Sysmon',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'WORKSTATION5',
      EventID: 1,
      EventData: '{"ProcessId":"2084","Image":"C:\\\\Windows\\\\System32\\\\cmd.exe","EventID":"spoofed"}',
    })!;
    assert.equal(flat.Image, 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(flat.ProcessId, '2084');
    assert.equal(flat.Provider_Name, 'Microsoft-Windows-Sysmon');
    assert.equal(flat.EventID, 1, 'event data does not replace the event id');
  });

  test('records that are not Windows events', () => {
    for (const fields of [
      { message: 'hello', host: 'web1' },
      { EventID: 4624 },
      { Event: 'x' },
      { winlog: 'x' },
      { event_id: 1 },
    ]) {
      assert.equal(flattenWindowsEvent(fields), undefined, JSON.stringify(fields));
      assert.equal(isWindowsEvent(fields), false);
      assert.equal(windowsNormalizer.accepts(record(fields)), false);
    }
    assert.equal(
      windowsNormalizer.accepts({ format: 'syslog', fields: { EventID: 1, Channel: 'Security' }, raw: '' }),
      false,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Mapping, on small records

describe('windowsNormalizer mapping', { skip: ocsfSkip }, () => {
  test('Sysmon 1 → Process Activity Launch with process, parent, actor and hashes', () => {
    const event = normalize(EVTX_SYSMON_1);
    assertValid(event);
    assert.equal(event.class_uid, 1007);
    assert.equal(event.activity_id, 1);
    assert.equal(event.type_uid, 100701);
    assert.equal(event.time, Date.UTC(2024, 1, 10, 8, 15, 30, 123));
    assert.equal(event.metadata.original_time, '2024-02-10T08:15:30.123456Z');
    assert.deepEqual(event.metadata.product, { name: 'Sysmon', vendor_name: 'Microsoft' });
    assert.equal(event.metadata.log_name, 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(event.metadata.event_code, '1');
    assert.equal(event.metadata.original_event_uid, '4242');
    assert.equal(event.metadata.logged_time, CTX.receivedAt);
    assert.equal(event.severity_id, 1);
    assert.equal(at(event, 'process.name'), 'reg.exe');
    assert.equal(at(event, 'process.pid'), 5120);
    assert.equal(at(event, 'process.uid'), '1a2b3c4d-0001-65c7-0a00-000000000500');
    assert.equal(at(event, 'process.cmd_line'), EVTX_SYSMON_1.Event.EventData.CommandLine);
    assert.equal(at(event, 'process.file.path'), 'C:\\Windows\\System32\\reg.exe');
    assert.deepEqual(at(event, 'process.file.hashes'), [
      { algorithm_id: 2, algorithm: 'SHA-1', value: '0123456789ABCDEF0123456789ABCDEF01234567' },
      { algorithm_id: 1, algorithm: 'MD5', value: '00112233445566778899AABBCCDDEEFF' },
    ]);
    assert.equal(at(event, 'process.integrity_id'), 4);
    assert.equal(at(event, 'process.created_time'), Date.UTC(2024, 1, 10, 8, 15, 30, 120));
    assert.deepEqual(at(event, 'process.user'), { name: 'alice', domain: 'EXAMPLE' });
    assert.equal(at(event, 'process.parent_process.pid'), 4100);
    assert.equal(at(event, 'process.parent_process.file.path'), 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(at(event, 'actor.process.name'), 'cmd.exe');
    assert.equal(at(event, 'actor.user.name'), 'alice');
    assert.equal(at(event, 'device.hostname'), 'ws-01.example.local');
    assert.equal(at(event, 'unmapped.CommandLine'), EVTX_SYSMON_1.Event.EventData.CommandLine);
    assert.equal(event.raw_data, stringifyJson(EVTX_SYSMON_1));
    const observed = new Set(event.observables!.map((o) => `${o.name}=${o.value}`));
    for (const expected of [
      'device.hostname=ws-01.example.local',
      'process.name=reg.exe',
      'process.parent_process.name=cmd.exe',
      'actor.user.name=alice',
      'process.file.hashes.value=00112233445566778899AABBCCDDEEFF',
    ]) {
      assert.ok(observed.has(expected), expected);
    }
  });

  test('4625 (xmltodict) → Authentication Logon failure with status, user, source and protocol', () => {
    const event = normalize({
      Event: {
        System: {
          Provider: { '@Name': 'Microsoft-Windows-Security-Auditing' },
          EventID: '4625',
          Level: '0',
          TimeCreated: { '@SystemTime': '2024-03-01T10:00:00.000Z' },
          Channel: 'Security',
          Computer: 'DC1.corp.local',
        },
        EventData: {
          Data: [
            { '@Name': 'SubjectUserSid', '#text': 'S-1-0-0' },
            { '@Name': 'TargetUserSid', '#text': 'S-1-0-0' },
            { '@Name': 'TargetUserName', '#text': 'bob' },
            { '@Name': 'TargetDomainName', '#text': 'CORP' },
            { '@Name': 'Status', '#text': '0xC000006D' },
            { '@Name': 'SubStatus', '#text': '0xC0000064' },
            { '@Name': 'LogonType', '#text': '3' },
            { '@Name': 'AuthenticationPackageName', '#text': 'NTLM' },
            { '@Name': 'WorkstationName', '#text': 'KALI' },
            { '@Name': 'IpAddress', '#text': '10.0.0.5' },
            { '@Name': 'IpPort', '#text': '51234' },
          ],
        },
      },
    });
    assertValid(event);
    assert.equal(event.class_uid, 3002);
    assert.equal(event.activity_id, 1);
    assert.equal(event.status_id, 2);
    assert.equal(event.status_code, '0xc000006d');
    assert.equal(event.status_detail, 'User name does not exist');
    assert.deepEqual(event.user, { name: 'bob', domain: 'CORP' });
    assert.deepEqual(event.src_endpoint, { ip: '10.0.0.5', port: 51234, hostname: 'KALI' });
    assert.deepEqual(event.dst_endpoint, { hostname: 'DC1.corp.local' });
    assert.equal(event.logon_type_id, 3);
    assert.equal(event.logon_type, 'Network');
    assert.equal(event.is_remote, true);
    assert.equal(event.auth_protocol_id, 1);
    assert.equal(event.actor, undefined, 'no subject, no process: no actor');
  });

  test('Sysmon 3 → Network Activity with endpoints, protocol, direction and process', () => {
    const event = normalize({
      EventID: 3,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Hostname: 'ws-02.example.local',
      '@timestamp': '2024-05-18T20:37:01.000Z',
      Image: 'C:\\Windows\\System32\\svchost.exe',
      ProcessId: '3820',
      ProcessGuid: '{0A0B0C0D-6CF6-5CE0-0000-0010A1900E02}',
      User: 'NT AUTHORITY\\NETWORK SERVICE',
      Protocol: 'tcp',
      Initiated: 'true',
      SourceIsIpv6: 'false',
      SourceIp: '10.1.2.3',
      SourcePort: '52908',
      DestinationIp: '10.1.2.4',
      DestinationHostname: '-',
      DestinationPort: '5985',
    });
    assertValid(event);
    assert.equal(event.class_uid, 4001);
    assert.deepEqual(event.src_endpoint, { ip: '10.1.2.3', port: 52908 });
    assert.deepEqual(event.dst_endpoint, { ip: '10.1.2.4', port: 5985 });
    assert.deepEqual(event.connection_info, {
      protocol_name: 'tcp',
      protocol_num: 6,
      direction_id: 2,
      direction: 'Outbound',
      protocol_ver_id: 4,
      protocol_ver: 'Internet Protocol version 4 (IPv4)',
    });
    assert.equal(at(event, 'actor.process.pid'), 3820);
    assert.equal(at(event, 'actor.process.uid'), '0a0b0c0d-6cf6-5ce0-0000-0010a1900e02');
    assert.deepEqual(at(event, 'actor.user'), { name: 'NETWORK SERVICE', domain: 'NT AUTHORITY' });
    assert.deepEqual((event.metadata as { profiles?: string[] }).profiles, ['host']);
  });

  test('Sysmon 22 → DNS Activity with query, answers and response code', () => {
    const event = normalize({
      EventID: 22,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'WS1',
      Image: 'C:\\Windows\\System32\\svchost.exe',
      ProcessId: 1056,
      QueryName: 'ctldl.windowsupdate.com',
      QueryType: '1',
      QueryStatus: '0',
      QueryResults: 'type:  5 a767.dscg3.akamai.net;::ffff:23.63.247.25;fe80::1;garbage;',
    });
    assertValid(event);
    assert.equal(event.class_uid, 4003);
    assert.deepEqual(event.query, { hostname: 'ctldl.windowsupdate.com', type: 'A' });
    assert.deepEqual(event.answers, [
      { type: 'CNAME', rdata: 'a767.dscg3.akamai.net' },
      { type: 'A', rdata: '23.63.247.25' },
      { type: 'AAAA', rdata: 'fe80::1' },
      { rdata: 'garbage' },
    ]);
    assert.equal(event.rcode_id, 0);
    assert.equal(event.status_id, 1);
    assert.deepEqual(event.src_endpoint, { hostname: 'WS1' });
  });

  test('Sysmon 11 and 23 → File System Activity Create and Delete', () => {
    const base = {
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'WS1',
      Image: 'C:\\Tools\\dropper.exe',
      ProcessId: '77',
      User: 'CORP\\alice',
      TargetFilename: 'C:\\Users\\alice\\AppData\\Local\\Temp\\payload.dll',
    };
    const created = normalize({ ...base, EventID: 11, CreationUtcTime: '2024-01-01 00:00:01.500' });
    assertValid(created);
    assert.equal(created.class_uid, 1001);
    assert.equal(created.activity_id, 1);
    assert.equal(at(created, 'file.name'), 'payload.dll');
    assert.equal(at(created, 'file.created_time'), Date.UTC(2024, 0, 1, 0, 0, 1, 500));
    assert.equal(at(created, 'actor.process.name'), 'dropper.exe');
    const deleted = normalize({ ...base, EventID: 23, Hashes: 'SHA256=AB12' });
    assertValid(deleted);
    assert.equal(deleted.activity_id, 4);
    assert.deepEqual(at(deleted, 'file.hashes'), [{ algorithm_id: 3, algorithm: 'SHA-256', value: 'AB12' }]);
  });

  test('everything else → Base Event with device, message, severity and all fields unmapped', () => {
    const fields = {
      EventID: 7045,
      Channel: 'System',
      Computer: 'WS1',
      Provider_Name: 'Service Control Manager',
      Level: 2,
      TimeCreated: '2020-10-18 10:56:18.799',
      Message: 'A service was installed in the system.',
      ServiceName: 'PSEXESVC',
    };
    const event = normalize(fields);
    assertValid(event);
    assert.equal(event.class_uid, 0);
    assert.equal(event.activity_id, 99);
    assert.equal(event.severity_id, 4, 'Level 2 (error) is High');
    assert.equal(event.severity, 'High');
    assert.equal(event.time, Date.UTC(2020, 9, 18, 10, 56, 18, 799));
    assert.equal(event.message, 'A service was installed in the system.');
    assert.deepEqual(event.metadata.product, { name: 'Microsoft Windows', vendor_name: 'Microsoft' });
    assert.equal(at(event, 'unmapped.ServiceName'), 'PSEXESVC');
    assert.equal(at(event, 'device.hostname'), 'WS1');
  });

  test('a mapped event missing what its class requires falls back to Base Event', () => {
    // Sysmon 1 without any process id; 4625 without a user: neither class can be filled.
    for (const fields of [
      { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS1', Image: 'C:\\x.exe' },
      { EventID: 4625, Channel: 'Security', Computer: 'WS1', TargetUserName: '-', TargetUserSid: 'S-1-0-0' },
      { EventID: 4688, Channel: 'Security', Hostname: undefined, EventLog: 'Security', NewProcessId: '0x10' },
    ]) {
      const event = normalize(fields);
      assert.equal(event.class_uid, 0, JSON.stringify(fields));
      assertValid(event);
    }
  });

  test('time falls back to the receive time; Level names of each collector map to severity', () => {
    const base = { EventID: 1000, Channel: 'Application', Computer: 'WS1' };
    const noTime = normalize(base);
    assert.equal(noTime.time, CTX.receivedAt);
    assert.equal(noTime.metadata.original_time, undefined);
    assert.equal(normalize({ ...base, TimeCreated: 'not a time' }).time, CTX.receivedAt);
    const cases: [Record<string, unknown>, number][] = [
      [{ Level: 1 }, 5],
      [{ Level: '3' }, 3],
      [{ Level: 4 }, 1],
      [{ Level: 0 }, 1],
      [{ Severity: 'ERROR' }, 4],
      [{ level: 'Warning' }, 3],
      [{ EventLevelName: 'Information' }, 1],
      [{ level: 'constructor' }, 0],
      [{}, 0],
    ];
    for (const [extra, severity] of cases) {
      assert.equal(normalize({ ...base, ...extra }).severity_id, severity, JSON.stringify(extra));
    }
  });

  test('hostile keys and values: no prototype games, still valid events', () => {
    const rec = jsonParser.parse(
      '{"EventID":4625,"Channel":"Security","Computer":"WS1","TargetUserName":"bob","SubStatus":"__proto__",' +
        '"Status":"constructor","FailureReason":"toString","LogonType":"__proto__","Protocol":"constructor",' +
        '"__proto__":{"Computer":"evil"},"AuthenticationPackageName":"hasOwnProperty"}',
    );
    const event = windowsNormalizer.normalize(rec, CTX);
    assertValid(event);
    assert.equal(event.status_detail, undefined);
    assert.equal(event.auth_protocol, 'hasOwnProperty');
    assert.equal(at(event, 'device.hostname'), 'WS1');
    const evtx = flattenWindowsEvent(
      jsonParser.parse(
        '{"Event":{"System":{"EventID":1,"Channel":"c","Computer":"h","__proto__":{"x":1}},' +
          '"EventData":{"__proto__":{"Image":"evil"},"Image":"ok"}}}',
      ).fields,
    )!;
    assert.equal(Object.getPrototypeOf(evtx), Object.prototype);
    assert.equal(evtx.Image, 'ok');
  });

  test('the input record is not modified', () => {
    const rec = jsonParser.parse(stringifyJson({ ...EVTX_SYSMON_1 }));
    const before = stringifyJson(rec.fields);
    windowsNormalizer.normalize(rec, CTX);
    const flat = record({
      EventID: 4624,
      Channel: 'Security',
      Hostname: 'h',
      EventData: '<Data Name="a">1</Data>',
    });
    const flatBefore = stringifyJson(flat.fields);
    windowsNormalizer.normalize(flat, CTX);
    assert.equal(stringifyJson(rec.fields), before);
    assert.equal(stringifyJson(flat.fields), flatBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// Real data: every event of the OTRF sample and of the Sigma regression set

const SAMPLE = 'bench/otrf_windows_events_sample20k.ndjson.gz';
const REGRESSION = 'sigma/regression/events';

interface Loaded {
  line: string;
  source: string;
  record: ParsedRecord;
  flat: Record<string, unknown>;
  event: OcsfEvent;
}

let loaded: Loaded[] | undefined;

/** Every event of both sets, parsed, flattened and normalized once for all tests below. */
function realEvents(): Loaded[] {
  if (loaded) return loaded;
  const lines: [string, string][] = [];
  const sample = gunzipSync(readFileSync(sharedPath(SAMPLE))).toString('utf8');
  for (const line of sample.split('\n')) if (line !== '') lines.push([line, 'sample']);
  const dir = sharedPath(REGRESSION);
  for (const name of readdirSync(dir).sort()) {
    for (const line of readFileSync(`${dir}/${name}`, 'utf8').split('\n'))
      if (line.trim() !== '') lines.push([line, 'regression']);
  }
  loaded = lines.map(([line, source]) => {
    const rec = jsonParser.parse(line);
    const flat = flattenWindowsEvent(rec.fields);
    assert.ok(flat, `a Windows event: ${line.slice(0, 120)}`);
    return { line, source, record: rec, flat, event: windowsNormalizer.normalize(rec, CTX) };
  });
  return loaded;
}

/** The collector layout of a raw record, decided from its own keys (SOURCE.txt's families). */
function family(fields: Record<string, unknown>): string {
  if ('Event' in fields) return 'evtx';
  if ('SourceModuleType' in fields) return 'A (NXLog)';
  const meta = fields['@metadata'] as { beat?: string } | undefined;
  if (meta?.beat === 'winlogbeat') return 'C (Winlogbeat)';
  if ('TenantId' in fields || 'TimeGenerated' in fields) return 'D (Log Analytics)';
  return 'B (flat export)';
}

describe('real Windows events', { skip: sharedSkip(SAMPLE, REGRESSION, OCSF_SCHEMA_DIR) }, () => {
  test('all 19,997 sample events and every regression event normalize', (t) => {
    const events = realEvents();
    const sample = events.filter((e) => e.source === 'sample');
    assert.equal(sample.length, 19_997, 'SOURCE.txt: 19,997 events in the sample');
    const regression = events.filter((e) => e.source === 'regression');
    assert.equal(regression.length, 165);
    for (const e of events) assert.ok(windowsNormalizer.accepts(e.record));
    const byFamily = new Map<string, number>();
    for (const e of events)
      byFamily.set(family(e.record.fields), (byFamily.get(family(e.record.fields)) ?? 0) + 1);
    t.diagnostic(`layouts: ${JSON.stringify(Object.fromEntries(byFamily))}`);
    // SOURCE.txt: A 11,192; B 7,628; C 1,107; D 70.
    assert.deepEqual(Object.fromEntries(byFamily), {
      'A (NXLog)': 11_192,
      'B (flat export)': 7_628,
      'C (Winlogbeat)': 1_107,
      'D (Log Analytics)': 70,
      evtx: 165,
    });
  });

  test('every layout yields EventID, Channel and Computer in the flat map', () => {
    const missing = new Map<string, string[]>();
    for (const e of realEvents()) {
      const f = e.flat;
      const problems: string[] = [];
      if (typeof f.EventID !== 'number') problems.push('EventID');
      if (typeof f.Computer !== 'string' || f.Computer === '') problems.push('Computer');
      // SOURCE.txt: one Log Analytics row has neither Channel nor EventLog.
      const sourceHasChannel = ['Channel', 'EventLog', 'log_name', 'Event'].some((k) => k in e.record.fields);
      if (sourceHasChannel && (typeof f.Channel !== 'string' || f.Channel === '')) problems.push('Channel');
      if (problems.length > 0) {
        const key = `${family(e.record.fields)}: ${problems.join(',')}`;
        missing.set(key, [...(missing.get(key) ?? []), e.line.slice(0, 100)]);
      }
    }
    assert.deepEqual([...missing.keys()], []);
    const withoutChannel = realEvents().filter((e) => e.flat.Channel === undefined);
    assert.equal(withoutChannel.length, 1);
  });

  test('every event is valid OCSF 1.8 for its class (counts per class in the diagnostics)', (t) => {
    const perClass = new Map<string, { total: number; invalid: number }>();
    const firstErrors: string[] = [];
    for (const e of realEvents()) {
      const key = `${e.event.class_uid} ${e.event.class_name} / ${e.event.activity_name}`;
      const counts = perClass.get(key) ?? { total: 0, invalid: 0 };
      counts.total++;
      const errors = validateOcsf(e.event);
      if (errors.length > 0) {
        counts.invalid++;
        if (firstErrors.length < 5) firstErrors.push(`${key}: ${errors.join('; ')}`);
      }
      perClass.set(key, counts);
    }
    for (const [key, counts] of [...perClass].sort()) {
      t.diagnostic(`${key}: ${counts.total} events, ${counts.total - counts.invalid} valid`);
    }
    assert.deepEqual(firstErrors, []);
    // The mapped classes are all produced from real data.
    const classes = new Set(realEvents().map((e) => e.event.class_uid));
    for (const uid of [0, 1001, 1007, 3002, 4001, 4003]) assert.ok(classes.has(uid), `class ${uid} produced`);
  });

  test('events are mapped by provider, not by EventID alone', () => {
    for (const e of realEvents()) {
      const channel = String(e.flat.Channel ?? '').toLowerCase();
      if (e.flat.EventID === 1 && !channel.includes('sysmon'))
        assert.equal(e.event.class_uid, 0, e.line.slice(0, 200));
      if (e.flat.EventID === 3 && !channel.includes('sysmon'))
        assert.equal(e.event.class_uid, 0, e.line.slice(0, 200));
    }
  });

  test('unmapped is the flat map, keeping every top-level field of flat layouts; raw_data is the line', () => {
    for (const e of realEvents()) {
      assert.equal(e.event.raw_data, e.line);
      assert.deepEqual(e.event.unmapped, e.flat);
      const fam = family(e.record.fields);
      if (fam.startsWith('A') || fam.startsWith('B')) {
        for (const key of Object.keys(e.record.fields)) assert.ok(key in e.event.unmapped!, `${key} kept`);
      }
    }
  });

  // Five or more real records per mapped EventID, found by host and record number (or time),
  // with the values read off the source records.
  const CASES: { name: string; find: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    // Sysmon 1
    {
      name: 'Sysmon 1 NXLog RuntimeBroker',
      find: { Computer: 'WORKSTATION6.mordor.local', EventRecordID: 715408 },
      expect: {
        class_uid: 1007,
        activity_id: 1,
        'process.name': 'RuntimeBroker.exe',
        'process.pid': 9108,
        'process.uid': '6a910b9d-4a9b-5ee0-0e04-000000000400',
        'process.cmd_line': 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding',
        'process.file.path': 'C:\\Windows\\System32\\RuntimeBroker.exe',
        'process.file.hashes.2.value': '5E979C34A5FEB14ED18F36E956B0614FF305C8596DD01571A2EBABDC8131CE77',
        'process.parent_process.file.path': 'C:\\Windows\\System32\\svchost.exe',
        'process.parent_process.pid': 872,
        'process.parent_process.cmd_line': 'C:\\windows\\system32\\svchost.exe -k DcomLaunch -p',
        'process.user.name': 'sbeavers',
        'process.user.domain': 'MORDOR',
        'process.integrity_id': 3,
        'device.hostname': 'WORKSTATION6.mordor.local',
        'metadata.product.name': 'Sysmon',
        'metadata.original_event_uid': '715408',
        'unmapped.ParentImage': 'C:\\Windows\\System32\\svchost.exe',
      },
    },
    {
      name: 'Sysmon 1 NXLog cmd',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 465179 },
      expect: {
        'process.cmd_line': '"cmd"',
        'process.pid': 1328,
        'process.parent_process.file.path': 'C:\\WindowsAzure\\Packages\\CollectGuestLogs.exe',
        'process.parent_process.pid': 3736,
        'process.user.name': 'SYSTEM',
        'process.user.domain': 'NT AUTHORITY',
        'process.integrity': 'System',
        'process.integrity_id': 5,
      },
    },
    {
      name: 'Sysmon 1 flat export CompatTelRunner',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T09:05:42.100Z', EventID: 1 },
      expect: {
        class_uid: 1007,
        time: Date.UTC(2023, 6, 19, 9, 5, 42, 100),
        'process.cmd_line':
          'C:\\Windows\\system32\\CompatTelRunner.exe -m:pcasvc.dll -f:QueryEncapsulationSettings -cv:qBYt2hpQV0OmJPMg.5',
        'process.pid': 6100,
        'process.parent_process.file.path': 'C:\\Windows\\System32\\CompatTelRunner.exe',
        'process.parent_process.pid': 4112,
        'actor.user.name': 'SYSTEM',
      },
    },
    {
      name: 'Sysmon 1 flat export, parent already gone',
      find: { Computer: 'pedro-computer', TimeCreated: '2022-08-18T06:56:13.989Z', EventID: 1 },
      expect: {
        'process.cmd_line': 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wlidsvc',
        'process.pid': 4988,
        'process.parent_process.pid': 600,
        'process.parent_process.file': undefined,
        'process.parent_process.name': undefined,
      },
    },
    {
      name: 'Sysmon 1 evtx reg query',
      find: { Computer: 'ar-win-dc.attackrange.local', EventRecordID: 8999629 },
      expect: {
        'process.cmd_line':
          'reg  query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" /v CurrentBuildNumber',
        'process.pid': 7112,
        'process.parent_process.file.path': 'C:\\Windows\\System32\\cmd.exe',
        'process.parent_process.pid': 6304,
        'process.user.name': 'Administrator',
        'process.integrity_id': 4,
        'metadata.original_time': '2025-10-25T13:44:33.440907Z',
      },
    },
    {
      name: 'Sysmon 1 evtx conhost',
      find: { Computer: 'ar-win-dc.attackrange.local', EventRecordID: 12090706 },
      expect: {
        'process.cmd_line': 'conhost  --headless powershell calc',
        'process.name': 'conhost.exe',
        'process.parent_process.pid': 3204,
      },
    },
    // Security 4688
    {
      name: '4688 NXLog sppsvc',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 379988 },
      expect: {
        class_uid: 1007,
        activity_id: 1,
        'process.file.path': 'C:\\Windows\\System32\\sppsvc.exe',
        'process.pid': 0x7d8,
        'process.cmd_line': 'C:\\windows\\system32\\sppsvc.exe',
        'process.integrity_id': 5,
        'process.user.name': 'MORDORDC$',
        'process.parent_process.file.path': 'C:\\Windows\\System32\\services.exe',
        'process.parent_process.pid': 0x2b8,
        'actor.user.name': 'MORDORDC$',
        'actor.user.domain': 'MORDOR',
        'actor.user.uid': 'S-1-5-18',
        'metadata.product.name': 'Microsoft Windows',
      },
    },
    {
      name: '4688 flat export svchost',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T09:03:38.660Z', EventID: 4688 },
      expect: {
        'process.pid': 0x1544,
        'process.cmd_line': 'C:\\Windows\\System32\\svchost.exe -k swprv',
        'process.parent_process.pid': 0x250,
        'process.user.name': 'DC01$',
        'actor.user.name': 'DC01$',
      },
    },
    {
      name: '4688 Winlogbeat reg add',
      find: { Computer: 'HR001.shire.com', EventRecordID: '287800' },
      expect: {
        'process.cmd_line':
          '"C:\\Windows\\system32\\reg.exe" add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp" /v UserAuthentication /t REG_DWORD /d 0 /f',
        'process.pid': 0x7e0,
        'process.parent_process.file.path': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        'process.parent_process.pid': 0x154c,
        'actor.user.name': 'nmartha',
        'actor.user.domain': 'SHIRE',
        'process.integrity_id': 4,
      },
    },
    {
      name: '4688 Winlogbeat sc start',
      find: { Computer: 'IT001.shire.com', EventRecordID: '1302181' },
      expect: {
        'process.cmd_line': '"C:\\Windows\\system32\\sc.exe" \\\\HR001 start IKEEXT',
        'process.pid': 0x18f4,
        'process.parent_process.pid': 0xf68,
        'actor.user.name': 'pgustavo',
        'process.integrity_id': 3,
      },
    },
    {
      name: '4688 Log Analytics encoded PowerShell from Tomcat',
      find: { Computer: 'WORKSTATION5', TimeGenerated: '2022-05-13T08:54:08.42Z', EventID: 4688 },
      expect: {
        'process.file.path': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        'process.pid': 0x824,
        'process.cmd_line': /^powershell\.exe -NonI -W Hidden -NoP -Exec Bypass -Enc SQBmACgA/,
        'process.parent_process.file.path':
          'C:\\ProgramData\\chocolatey\\lib\\Tomcat\\tools\\apache-tomcat-9.0.62\\bin\\tomcat9.exe',
        'process.parent_process.pid': 0xf60,
        'actor.user.name': 'LOCAL SERVICE',
        'actor.user.uid': 'S-1-5-19',
      },
    },
    // Sysmon 5 and Security 4689
    {
      name: 'Sysmon 5 NXLog, no pid',
      find: { Computer: 'WORKSTATION6.theshire.local', EventRecordID: 3658666 },
      expect: {
        class_uid: 1007,
        activity_id: 2,
        'process.name': 'sppsvc.exe',
        'process.uid': 'd273d0f0-5db9-5f69-660c-000000000800',
        'process.pid': undefined,
        'process.terminated_time': Date.UTC(2020, 8, 22, 2, 13, 43, 779),
      },
    },
    {
      name: 'Sysmon 5 NXLog svchost',
      find: { Computer: 'WORKSTATION6.theshire.local', EventRecordID: 3658698 },
      expect: { 'process.name': 'svchost.exe', 'process.uid': 'd273d0f0-5d3b-5f69-570c-000000000800' },
    },
    {
      name: 'Sysmon 5 NXLog csc',
      find: { Computer: 'WORKSTATION5.theshire.local', EventRecordID: 3399374 },
      expect: { 'process.file.path': 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe' },
    },
    {
      name: 'Sysmon 5 flat export with user',
      find: { Computer: 'DESKTOP-CQF82L6', TimeCreated: '2022-07-05T02:00:54.790Z', EventID: 5 },
      expect: { 'process.pid': 7416, 'process.user.name': 'pedro', 'actor.user.name': 'pedro' },
    },
    {
      name: 'Sysmon 5 NXLog with pid',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 1475460 },
      expect: { 'process.name': 'sppsvc.exe', 'process.pid': 5244 },
    },
    {
      name: '4689 flat export EdgeUpdate',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T12:22:48.672Z', EventID: 4689 },
      expect: {
        class_uid: 1007,
        activity_id: 2,
        'process.file.path': 'C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe',
        'process.pid': 0xae4,
        exit_code: 0,
        'actor.user.name': 'DC01$',
      },
    },
    {
      name: '4689 flat export Dumpert, zone-less time',
      find: { Computer: 'WORKSTATION5', TimeCreated: '2020-10-18 10:56:14.648', EventID: 4689 },
      expect: {
        'process.name': 'Outflank-Dumpert.exe',
        'process.pid': 0x1a74,
        'actor.user.name': 'wardog',
        time: Date.UTC(2020, 9, 18, 10, 56, 14, 648),
      },
    },
    {
      name: '4689 NXLog WmiPrvSE',
      find: { Computer: 'MORDORDC.theshire.local', EventRecordID: 821657 },
      expect: { 'process.name': 'WmiPrvSE.exe', 'process.pid': 0x200 },
    },
    {
      name: '4689 Winlogbeat svchost',
      find: { Computer: 'HR001.shire.com', EventRecordID: '825546' },
      expect: { 'process.name': 'svchost.exe', 'process.pid': 0x3dc, 'actor.user.name': 'HR001$' },
    },
    {
      name: '4689 NXLog net1',
      find: { Computer: 'WORKSTATION5.theshire.local', EventRecordID: 784901 },
      expect: { 'process.name': 'net1.exe', 'process.pid': 0x1f68, 'actor.user.name': 'pgustavo' },
    },
    // Sysmon 3
    {
      name: 'Sysmon 3 NXLog DNS server reply',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 464787 },
      expect: {
        class_uid: 4001,
        'src_endpoint.ip': '172.18.38.5',
        'src_endpoint.port': 53,
        'dst_endpoint.ip': '172.18.39.6',
        'dst_endpoint.port': 57191,
        'dst_endpoint.hostname': undefined,
        'connection_info.protocol_name': 'udp',
        'connection_info.protocol_num': 17,
        'connection_info.direction_id': 1,
        'actor.process.name': 'dns.exe',
        'actor.process.pid': 3548,
        'actor.user.name': 'SYSTEM',
      },
    },
    {
      name: 'Sysmon 3 NXLog IPv6 SMB',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 464954 },
      expect: {
        'src_endpoint.ip': 'fe80:0:0:0:5cb9:6d15:e592:60fe',
        'src_endpoint.port': 61422,
        'dst_endpoint.port': 445,
        'connection_info.protocol_num': 6,
        'actor.process.name': 'System',
        'actor.process.pid': 4,
      },
    },
    {
      name: 'Sysmon 3 flat export outbound DNS',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T12:20:15.774Z', EventID: 3 },
      expect: {
        'src_endpoint.ip': '192.168.1.4',
        'src_endpoint.port': 51404,
        'dst_endpoint.ip': '192.203.230.10',
        'dst_endpoint.port': 53,
        'connection_info.direction': 'Outbound',
      },
    },
    {
      name: 'Sysmon 3 Winlogbeat with host names',
      find: { Computer: 'HFDC01.shire.com', EventRecordID: '2950855' },
      expect: {
        'src_endpoint.hostname': 'HFDC01.shire.com',
        'dst_endpoint.hostname': 'HFDC01.shire.com',
        'dst_endpoint.port': 56830,
        'actor.process.pid': 1796,
        'actor.process.uid': '905cc552-a51e-5c85-0000-001079a90100',
      },
    },
    {
      name: 'Sysmon 3 Winlogbeat WinRM',
      find: { Computer: 'HR001.shire.com', EventRecordID: '2576197' },
      expect: {
        'dst_endpoint.ip': '172.18.39.102',
        'dst_endpoint.port': 5985,
        'src_endpoint.port': 52908,
        'actor.user.name': 'NETWORK SERVICE',
        'actor.process.name': 'svchost.exe',
        'actor.process.pid': 3820,
      },
    },
    // Sysmon 11 and 23
    {
      name: 'Sysmon 11 NXLog',
      find: { Computer: 'WORKSTATION6.mordor.local', EventRecordID: 716096 },
      expect: {
        class_uid: 1001,
        activity_id: 1,
        'file.path':
          'C:\\Users\\sbeavers\\AppData\\Local\\Packages\\Microsoft.Windows.ContentDeliveryManager_cw5n1h2txyewy\\LocalState\\TargetedContentCache\\v3\\314559\\9cb3bb26b6454d01a4e09d8e1c4bdef9_1.~tmp',
        'file.name': '9cb3bb26b6454d01a4e09d8e1c4bdef9_1.~tmp',
        'actor.process.name': 'backgroundTaskHost.exe',
        'actor.process.pid': 5488,
      },
    },
    {
      name: 'Sysmon 11 flat export',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T09:02:20.162Z', EventID: 11 },
      expect: {
        'file.path':
          'C:\\Users\\Administrator\\AppData\\Local\\Microsoft\\Windows\\WebCache\\V01res00001.jrs',
        'actor.process.name': 'taskhostw.exe',
        'actor.process.pid': 4596,
        'actor.user.name': 'Administrator',
        'actor.user.domain': 'PANDALAB',
      },
    },
    {
      name: 'Sysmon 11 Winlogbeat',
      find: { Computer: 'HR001.shire.com', EventRecordID: '2235340' },
      expect: {
        'file.path': 'C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Local\\AutoTrace\\Capture',
        'file.name': 'Capture',
        'file.created_time': Date.UTC(2019, 4, 18, 20, 37, 15, 410),
        'actor.process.pid': 7248,
      },
    },
    {
      name: 'Sysmon 11 Winlogbeat prefetch',
      find: { Computer: 'IT001.shire.com', EventRecordID: '2939861' },
      expect: {
        'file.path': 'C:\\Windows\\Prefetch\\SEARCHFILTERHOST.EXE-77482212.pf',
        'actor.process.name': 'svchost.exe',
        'actor.process.pid': 1056,
      },
    },
    {
      name: 'Sysmon 11 evtx AnyDesk',
      find: { Computer: 'ar-win-dc.attackrange.local', EventRecordID: 14961 },
      expect: {
        'file.path': 'C:\\Users\\Administrator\\AppData\\Roaming\\AnyDesk\\service.conf.new',
        'actor.process.file.path': 'C:\\Users\\Administrator\\Desktop\\AnyDesk.exe',
        'actor.process.pid': 7760,
        'actor.user.name': 'Administrator',
      },
    },
    {
      name: 'Sysmon 23 NXLog calendar icon',
      find: { Computer: 'WORKSTATION6.mordor.local', EventRecordID: 714476 },
      expect: {
        class_uid: 1001,
        activity_id: 4,
        'file.name': 'microsoft_windowscommunicationsapps_8wekyb3d8bbwe!microsoft_windowslive_calendar',
        'file.hashes.2.value': '71FB634CF9E8CFD10D28CA432043B703185956EBA62164D08533B3E60BA881D5',
        'actor.process.name': 'RuntimeBroker.exe',
        'actor.process.pid': 8308,
        'actor.user.name': 'sbeavers',
      },
    },
    {
      name: 'Sysmon 23 NXLog video icon',
      find: { Computer: 'WORKSTATION6.mordor.local', EventRecordID: 714647 },
      expect: {
        'file.name': 'Microsoft_ZuneVideo_8wekyb3d8bbwe!Microsoft_ZuneVideo',
        'file.hashes.0.value': 'F0980F219E8066C9D1E2A3D69DB9A23D5AB3B263',
      },
    },
    {
      name: 'Sysmon 23 NXLog control panel icon',
      find: { Computer: 'WORKSTATION6.mordor.local', EventRecordID: 714661 },
      expect: { 'file.hashes.1.value': '744A0320026EB91C3F475B4CEB3A39A9', 'file.hashes.1.algorithm': 'MD5' },
    },
    {
      name: 'Sysmon 23 flat export WebCache',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T09:02:21.193Z', EventID: 23 },
      expect: {
        'file.path':
          'C:\\Users\\Administrator\\AppData\\Local\\Microsoft\\Windows\\WebCache.old\\V01res00001.jrs',
        'actor.process.name': 'taskhostw.exe',
      },
    },
    {
      name: 'Sysmon 23 flat export WER',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T05:33:13.923Z', EventID: 23 },
      expect: {
        'file.path':
          'C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER.33fbc6d6-880e-4970-8436-3ff6d0c9b2fa.tmp.xml',
        'actor.process.name': 'WerFault.exe',
        'actor.process.pid': 3516,
      },
    },
    // Sysmon 22
    {
      name: 'Sysmon 22 NXLog, unknown process, CNAME chain',
      find: { Computer: 'WORKSTATION6.theshire.local', EventRecordID: 3765424 },
      expect: {
        class_uid: 4003,
        'query.hostname': 'go.microsoft.com',
        'answers.0.type': 'CNAME',
        'answers.0.rdata': 'go.microsoft.com.edgekey.net',
        'answers.2.type': 'A',
        'answers.2.rdata': '104.117.16.77',
        rcode_id: 0,
        status_id: 1,
        actor: undefined,
      },
    },
    {
      name: 'Sysmon 22 flat export timeout',
      find: { Computer: 'Pedro01', TimeCreated: '2022-08-08T12:30:34.620Z', EventID: 22 },
      expect: {
        'query.hostname': 'g.live.com',
        status_code: '1460',
        status_id: 2,
        rcode_id: 99,
        answers: undefined,
        'actor.process.name': 'OneDriveStandaloneUpdater.exe',
        'actor.process.pid': 6340,
        'actor.user.name': 'IT01-Pedro',
      },
    },
    {
      name: 'Sysmon 22 flat export NXDOMAIN',
      find: { Computer: 'DESKTOP-CQF82L6', TimeCreated: '2022-07-05T02:00:38.840Z', EventID: 22 },
      expect: {
        'query.hostname': 'wpad',
        status_code: '9003',
        rcode_id: 3,
        rcode: 'NXDomain',
        'actor.process.name': 'msedge.exe',
      },
    },
    {
      name: 'Sysmon 22 flat export plain IPv4 answers',
      find: { Computer: 'DESKTOP-CQF82L6', TimeCreated: '2022-07-05T02:00:43.324Z', EventID: 22 },
      expect: {
        'query.hostname': 'sb.scorecardresearch.com',
        'answers.0.rdata': '13.33.60.120',
        'answers.0.type': 'A',
        'answers.3.rdata': '13.33.60.5',
        'answers.4': undefined,
      },
    },
    {
      name: 'Sysmon 22 NXLog Windows Update',
      find: { Computer: 'FILE001.shire.com', EventRecordID: 92791 },
      expect: {
        'query.hostname': 'ctldl.windowsupdate.com',
        'answers.2.rdata': 'a767.dscg3.akamai.net',
        'answers.3.rdata': '23.63.247.25',
        'actor.process.name': 'svchost.exe',
      },
    },
    // Security 4624
    {
      name: '4624 NXLog Kerberos over loopback',
      find: { Computer: 'MORDORDC.theshire.local', EventRecordID: 765191 },
      expect: {
        class_uid: 3002,
        activity_id: 1,
        status_id: 1,
        'user.name': 'MORDORDC$',
        'user.domain': 'THESHIRE.LOCAL',
        'user.uid': 'S-1-5-18',
        logon_type_id: 3,
        is_remote: true,
        'src_endpoint.ip': '::1',
        'src_endpoint.port': 54212,
        auth_protocol_id: 2,
        'session.uid': '0x2b6b6c5',
        'dst_endpoint.hostname': 'MORDORDC.theshire.local',
      },
    },
    {
      name: '4624 Winlogbeat',
      find: { Computer: 'HFDC01.shire.com', EventRecordID: '7766682' },
      expect: {
        'user.name': 'HFDC01$',
        'src_endpoint.ip': '172.18.39.5',
        'src_endpoint.port': 49595,
        'session.uuid': '936a700d-f7d8-4525-bc4c-9abf93956089',
      },
    },
    {
      name: '4624 flat export service logon',
      find: { Computer: 'DC01.pandalab.com', TimeCreated: '2023-07-19T05:33:48.891Z', EventID: 4624 },
      expect: {
        'user.name': 'SYSTEM',
        'user.domain': 'NT AUTHORITY',
        logon_type_id: 5,
        logon_type: 'OS Service',
        auth_protocol_id: 99,
        auth_protocol: 'Negotiate',
        src_endpoint: undefined,
        'actor.process.file.path': 'C:\\Windows\\System32\\services.exe',
      },
    },
    {
      name: '4624 Log Analytics (LogonType as a number)',
      find: { Computer: 'DC01.simulandlabs.com', TimeGenerated: '2021-08-02T13:06:38.337Z', EventID: 4624 },
      expect: {
        'user.name': 'wardog',
        'user.uid': 'S-1-5-21-2490359158-13971675-3780420524-500',
        logon_type_id: 3,
        'src_endpoint.ip': '192.168.2.5',
        'src_endpoint.port': 53091,
        auth_protocol: 'Kerberos',
      },
    },
    {
      name: '4624 flat export Exchange',
      find: { Computer: 'MXS01.azsentinel.local', TimeCreated: '2021-03-14T01:39:59.085Z', EventID: 4624 },
      expect: { 'user.name': 'MXS01$', 'src_endpoint.ip': '192.168.2.5', 'src_endpoint.port': 30023 },
    },
    // Security 4625
    {
      name: '4625 NXLog wrong password via PurpleSharp',
      find: { Computer: 'WORKSTATION5.theshire.local', EventRecordID: 134058 },
      expect: {
        class_uid: 3002,
        activity_id: 1,
        status_id: 2,
        'user.name': 'lrodriguez',
        'user.domain': 'theshire.local',
        'user.uid': undefined,
        logon_type_id: 2,
        status_code: '0xc000006d',
        status_detail: 'Wrong password',
        auth_protocol_id: 1,
        'src_endpoint.ip': undefined,
        'src_endpoint.hostname': 'WORKSTATION5',
        'actor.process.file.path': 'C:\\Users\\pgustavo\\Downloads\\PurpleSharp.exe',
        'actor.user.name': 'pgustavo',
      },
    },
    {
      name: '4625 NXLog second account',
      find: { Computer: 'WORKSTATION5.theshire.local', EventRecordID: 134059 },
      expect: { 'user.name': 'pgustavo', status_detail: 'Wrong password' },
    },
    {
      name: '4625 flat export UAC prompt',
      find: { Computer: 'pedro-computer', TimeCreated: '2022-08-18T06:56:26.233Z', EventID: 4625 },
      expect: {
        'user.name': 'pedro-admin',
        logon_type_id: 11,
        'src_endpoint.ip': '::1',
        'src_endpoint.port': undefined,
        status_code: '0xc000010b',
        status_detail: 'Invalid logon type',
        auth_protocol: 'Negotiate',
      },
    },
    {
      name: '4625 flat export interactive',
      find: { Computer: 'Pedro01', TimeCreated: '2022-08-08T12:30:09.774Z', EventID: 4625 },
      expect: { 'user.name': 'pedro', logon_type_id: 2, status_detail: 'Wrong password' },
    },
    {
      name: '4625 flat export consent.exe',
      find: { Computer: 'Pedro01', TimeCreated: '2022-08-08T12:30:09.772Z', EventID: 4625 },
      expect: { logon_type_id: 11, 'actor.process.pid': 0x17d8, 'actor.process.name': 'consent.exe' },
    },
    // Security 4634 and 4647
    {
      name: '4634 NXLog machine account',
      find: { Computer: 'MORDORDC.mordor.local', EventRecordID: 380273 },
      expect: {
        class_uid: 3002,
        activity_id: 2,
        'user.name': 'MORDORDC$',
        'user.uid': 'S-1-5-18',
        logon_type_id: 3,
        'session.uid': '0x1203814',
      },
    },
    {
      name: '4634 NXLog WEC',
      find: { Computer: 'MORDORDC.theshire.local', EventRecordID: 2032959 },
      expect: { 'user.name': 'WEC$', 'user.uid': 'S-1-5-21-4228717743-1032521047-1810997296-1111' },
    },
    {
      name: '4634 flat export interactive',
      find: { Computer: 'Pedro01', TimeCreated: '2022-08-03T07:22:24.296Z', EventID: 4634 },
      expect: { 'user.name': 'pedro', logon_type: 'Interactive', is_remote: false },
    },
    {
      name: '4634 NXLog other session',
      find: { Computer: 'MORDORDC.theshire.local', EventRecordID: 1950005 },
      expect: { 'session.uid': '0x6c6e549' },
    },
    {
      name: '4647 NXLog user-initiated logoff',
      find: { Computer: 'WORKSTATION5.theshire.local', EventRecordID: 40429 },
      expect: {
        class_uid: 3002,
        activity_id: 2,
        'user.name': 'pgustavo',
        'user.domain': 'THESHIRE',
        'session.uid': '0x1e3237',
        logon_type_id: undefined,
      },
    },
  ];

  test('field values of real records (five or more per mapped EventID)', () => {
    const events = realEvents();
    for (const c of CASES) {
      const matches = events.filter((e) => Object.entries(c.find).every(([k, v]) => e.flat[k] === v));
      assert.equal(matches.length, 1, `${c.name}: exactly one record matches ${JSON.stringify(c.find)}`);
      const event = matches[0]!.event;
      assertValid(event);
      for (const [path, expected] of Object.entries(c.expect)) {
        const actual = at(event, path);
        if (expected instanceof RegExp) assert.match(String(actual), expected, `${c.name}: ${path}`);
        else assert.deepEqual(actual, expected, `${c.name}: ${path}`);
      }
    }
  });
});
