import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonParser, stringifyJson } from '../parsers/json.js';
import { ParseError, type ParsedRecord } from '../parsers/record.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import type { OcsfEvent } from './ocsf.js';
import { flattenWindowsEvent, windowsNormalizer } from './windows.js';

const CTX = { source: 'fuzz', receivedAt: Date.UTC(2024, 0, 1) };

/** One record per layout and mapped event type, in the shapes collectors write. */
const SAMPLES = [
  '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"ws1.example.local","Keywords":-9223372036854775808,"@timestamp":"2024-06-10T02:51:11.415Z","Image":"C:\\\\Windows\\\\System32\\\\cmd.exe","CommandLine":"cmd /c whoami","ProcessId":"9108","ProcessGuid":"{6a910b9d-4a9b-5ee0-0e04-000000000400}","ParentImage":"C:\\\\Windows\\\\explorer.exe","ParentProcessId":"872","User":"EXAMPLE\\\\alice","IntegrityLevel":"Medium","Hashes":"SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD"}',
  '{"SourceName":"Microsoft-Windows-Security-Auditing","Level":"0","Channel":"Security","Hostname":"dc1","TimeCreated":"2022-08-18T06:56:26.233Z","EventID":4625,"TargetUserSid":"S-1-0-0","TargetUserName":"bob","TargetDomainName":"EXAMPLE","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":"3","AuthenticationPackageName":"NTLM","WorkstationName":"KALI","IpAddress":"10.0.0.5","IpPort":"51234","ProcessId":"0x0"}',
  '{"@timestamp":"2019-03-19T17:14:25.121Z","@metadata":{"beat":"winlogbeat"},"source_name":"Microsoft-Windows-Sysmon","computer_name":"ws2","event_id":3,"log_name":"Microsoft-Windows-Sysmon/Operational","record_number":"2950855","event_data":{"SourcePort":"53","Protocol":"udp","SourceIp":"10.0.0.5","DestinationIp":"fe80:0:0:0:5cb9:6d15:e592:60fe","DestinationPort":"56830","Image":"C:\\\\Windows\\\\System32\\\\dns.exe","ProcessId":"1796","Initiated":"false"}}',
  '{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":22,"TimeCreated":{"#attributes":{"SystemTime":"2025-10-25T13:44:33.440907Z"}},"EventRecordID":7,"Execution":{"#attributes":{"ProcessID":3308}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws3"},"EventData":{"QueryName":"example.com","QueryStatus":"0","QueryResults":"type:  5 a.example.net;::ffff:192.0.2.1;","Image":"C:\\\\x.exe","ProcessId":12}}}',
  '{"TimeGenerated":"2022-05-13T08:54:05.21Z","Computer":"WS5","EventSourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","EventID":4688,"EventData":"<EventData><Data Name=\\"NewProcessName\\">C:\\\\a.exe</Data><Data Name=\\"NewProcessId\\">0x10</Data><Data Name=\\"ProcessId\\">0x4</Data><Data Name=\\"SubjectUserName\\">x</Data><Data>&lt;u&gt;</Data></EventData>"}',
  '{"TimeGenerated":"2022-05-13T08:54:08.743Z","Provider":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS5","EventID":11,"EventData":"{\\"TargetFilename\\":\\"C:\\\\\\\\t.txt\\",\\"ProcessId\\":\\"2084\\",\\"Image\\":\\"C:\\\\\\\\p.exe\\"}"}',
  '{"winlog":{"channel":"Security","computer_name":"dc2","event_id":"4634","record_id":9,"event_data":{"TargetUserName":"carol","TargetLogonId":"0x1"}},"@timestamp":"2024-01-01T00:00:00Z"}',
];

function check(event: OcsfEvent): void {
  assert.equal(typeof event.class_uid, 'number');
  assert.ok(Number.isSafeInteger(event.time), `time ${event.time}`);
  assert.equal(typeof event.raw_data, 'string');
}

function parsed(text: string): ParsedRecord | undefined {
  try {
    return jsonParser.parse(text);
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

test('mutated Windows records through parser and normalizer: only ParseErrors, events always', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsed(text);
      if (rec === undefined) return;
      // Whether or not it still accepts the record, normalize must not throw.
      windowsNormalizer.accepts(rec);
      check(windowsNormalizer.normalize(rec, CTX));
    }),
    fuzzOptions(),
  );
});

test('random text through parser and normalizer', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      const rec = parsed(text);
      if (rec !== undefined) check(windowsNormalizer.normalize(rec, CTX));
    }),
    fuzzOptions(),
  );
});

// Structured fuzzing: the right keys in every layout, with values of every kind.

const DATA_NAMES = [
  'Image',
  'CommandLine',
  'ProcessId',
  'ProcessGuid',
  'ParentImage',
  'ParentProcessId',
  'ParentProcessGuid',
  'ParentCommandLine',
  'ParentUser',
  'User',
  'IntegrityLevel',
  'Hashes',
  'UtcTime',
  'CreationUtcTime',
  'TargetFilename',
  'QueryName',
  'QueryStatus',
  'QueryResults',
  'QueryType',
  'Protocol',
  'Initiated',
  'SourceIsIpv6',
  'SourceIp',
  'SourcePort',
  'SourceHostname',
  'DestinationIp',
  'DestinationPort',
  'DestinationHostname',
  'NewProcessName',
  'NewProcessId',
  'ProcessName',
  'MandatoryLabel',
  'SubjectUserName',
  'SubjectDomainName',
  'SubjectUserSid',
  'SubjectLogonId',
  'TargetUserName',
  'TargetDomainName',
  'TargetUserSid',
  'TargetLogonId',
  'LogonType',
  'LogonGuid',
  'Status',
  'SubStatus',
  'FailureReason',
  'AuthenticationPackageName',
  'IpAddress',
  'IpPort',
  'WorkstationName',
  'Level',
  'Message',
  'TimeCreated',
  '@timestamp',
  'Data',
  'Threat Name',
  '__proto__',
  'constructor',
];

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '-',
    '',
    '0x0',
    '0x7d8',
    '__proto__',
    'constructor',
    'S-1-0-0',
    'S-1-16-12288',
    'NT AUTHORITY\\SYSTEM',
    'true',
    'false',
    'tcp',
    '{00000000-0000-0000-0000-000000000000}',
    '<unknown process>',
    'type:  5 a.example;::ffff:1.2.3.4;fe80::1%12;',
    'SHA256=AB,IMPHASH=',
    '2024-13-45T99:99:99Z',
    '2024-01-01T00:00:00.123Z',
  ),
  fc.ipV4(),
  fc.ipV6(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

const eventId = fc.oneof(
  fc.constantFrom(1, 3, 5, 11, 22, 23, 26, 4624, 4625, 4634, 4647, 4688, 4689, 7045, '4624'),
  value,
);
const channel = fc.oneof(
  fc.constantFrom('Microsoft-Windows-Sysmon/Operational', 'Security', 'security', 'System', 'Application'),
  value,
);
const computer = fc.oneof(fc.constantFrom('ws1.example.local', 'DC1'), value);
const data = fc.dictionary(fc.constantFrom(...DATA_NAMES), value, { maxKeys: 20, noNullPrototype: true });

const windowsRecord: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(eventId, channel, computer, data)
    .map(([id, ch, host, d]) => ({ ...d, EventID: id, Channel: ch, Hostname: host })),
  fc.tuple(eventId, channel, computer, data, value).map(([id, ch, host, d, time]) => ({
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
        EventID: id,
        Channel: ch,
        Computer: host,
        TimeCreated: { '#attributes': { SystemTime: time } },
        Execution: { '#attributes': { ProcessID: time } },
      },
      EventData: d,
    },
  })),
  fc.tuple(eventId, channel, computer, data).map(([id, ch, host, d]) => ({
    event_id: id,
    log_name: ch,
    computer_name: host,
    event_data: d,
  })),
  fc.tuple(eventId, channel, computer, data).map(([id, ch, host, d]) => ({
    winlog: { event_id: id, channel: ch, computer_name: host, event_data: d, process: d },
  })),
  fc.tuple(eventId, channel, computer, value).map(([id, ch, host, eventData]) => ({
    EventID: id,
    Channel: ch,
    Computer: host,
    EventData:
      typeof eventData === 'string'
        ? `<EventData><Data Name="${eventData}">${eventData}</Data></EventData>`
        : eventData,
  })),
);

test(
  'Windows records with arbitrary values: valid OCSF every time, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(windowsRecord, (fields) => {
        // Through text, as in the pipeline: bigints and odd keys as the parser delivers them.
        const rec = jsonParser.parse(stringifyJson(fields));
        const before = stringifyJson(rec.fields);
        const flat = flattenWindowsEvent(rec.fields);
        const event = windowsNormalizer.normalize(rec, CTX);
        check(event);
        assert.deepEqual(validateOcsf(event), [], stringifyJson(event));
        assert.equal(stringifyJson(rec.fields), before, 'the record is not modified');
        if (flat !== undefined) assert.deepEqual(event.unmapped, flat);
      }),
      fuzzOptions(),
    );
  },
);
