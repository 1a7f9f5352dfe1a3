import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions } from '../../testing/fuzz.js';
import { sharedPath, sharedSkip } from '../../testing/shared.js';
import { EventContext } from './context.js';
import { loadRuleDocuments } from './load.js';
import { parseSigmaYaml } from './rule.js';
import { buildRuleSet, type RuleSet } from './ruleset.js';
import { recordEventView } from './view.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

/** An evtx_dump-shaped Windows event. */
function evtx(
  channel: string,
  eventId: number,
  data: Record<string, unknown>,
  provider = 'Microsoft-Windows-Sysmon',
) {
  return {
    Event: {
      System: {
        Provider: { '#attributes': { Name: provider } },
        EventID: eventId,
        Channel: channel,
        Computer: 'pc1',
      },
      EventData: data,
    },
  };
}

function ruleSetOf(...yaml: string[]): RuleSet {
  const { ruleSet, reports } = buildRuleSet(yaml.flatMap((y) => parseSigmaYaml(y)));
  for (const r of reports) assert.equal(r.status, 'ok', r.detail);
  return ruleSet;
}

const titles = (rs: RuleSet, event: Record<string, unknown>) =>
  rs.match(recordEventView(event)).map((m) => m.info.title);

const processCreation = `title: Whoami
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        IntegrityLevel: High
    condition: selection
`;

describe('logsources', () => {
  test('process_creation: Sysmon 1, and Security 4688 with its fields mapped', () => {
    const rs = ruleSetOf(processCreation);
    assert.deepEqual(
      titles(rs, evtx(SYSMON, 1, { Image: 'C:\\Windows\\whoami.exe', IntegrityLevel: 'High' })),
      ['Whoami'],
    );
    const security = evtx(
      'Security',
      4688,
      { NewProcessName: 'C:\\Windows\\whoami.exe', MandatoryLabel: 'S-1-16-12288' },
      'Microsoft-Windows-Security-Auditing',
    );
    assert.deepEqual(titles(rs, security), ['Whoami']);
    assert.deepEqual(
      titles(rs, evtx(SYSMON, 3, { Image: 'C:\\Windows\\whoami.exe', IntegrityLevel: 'High' })),
      [],
    );
    assert.deepEqual(
      titles(rs, evtx('Application', 1, { Image: 'C:\\Windows\\whoami.exe', IntegrityLevel: 'High' })),
      [],
    );
  });

  test('4688: process ids in hex become decimal, users DOMAIN\\name', () => {
    const rs = ruleSetOf(`title: Pid
logsource: {product: windows, category: process_creation}
detection:
    selection:
        ProcessId: 6700
        ParentProcessId: 16
        User: 'CORP\\joe'
    condition: selection
`);
    const event = evtx('Security', 4688, {
      NewProcessId: '0x1a2c',
      ProcessId: '0x10',
      TargetUserName: 'joe',
      TargetDomainName: 'CORP',
    });
    assert.deepEqual(titles(rs, event), ['Pid']);
  });

  test('services are channels (case-insensitive); product-only rules see every Windows event', () => {
    const rs = ruleSetOf(
      `title: Logon\nlogsource: {product: windows, service: security}\ndetection: {s: {EventID: 4624}, condition: s}`,
      `title: Any\nlogsource: {product: windows}\ndetection: {s: {EventID: 4624}, condition: s}`,
    );
    assert.deepEqual(titles(rs, evtx('security', 4624, {})), ['Logon', 'Any']);
    assert.deepEqual(titles(rs, evtx('System', 4624, {})), ['Any']);
  });

  test('registry_add only for CreateKey; registry_event for all of 12-14', () => {
    const rs = ruleSetOf(
      `title: Add\nlogsource: {product: windows, category: registry_add}\ndetection: {s: {TargetObject|contains: Run}, condition: s}`,
      `title: Any\nlogsource: {product: windows, category: registry_event}\ndetection: {s: {TargetObject|contains: Run}, condition: s}`,
    );
    assert.deepEqual(titles(rs, evtx(SYSMON, 12, { EventType: 'CreateKey', TargetObject: 'HKLM\\Run' })), [
      'Add',
      'Any',
    ]);
    assert.deepEqual(titles(rs, evtx(SYSMON, 12, { EventType: 'DeleteKey', TargetObject: 'HKLM\\Run' })), [
      'Any',
    ]);
  });

  test('the same rule on every Windows layout: evtx_dump, Winlogbeat 7, Winlogbeat 6, flat', () => {
    const rs = ruleSetOf(processCreation);
    const data = { Image: 'C:\\Windows\\whoami.exe', IntegrityLevel: 'High' };
    const layouts = [
      evtx(SYSMON, 1, data),
      { winlog: { channel: SYSMON, event_id: 1, event_data: data } },
      { event_id: 1, log_name: SYSMON, event_data: data },
      { EventID: 1, Channel: SYSMON, Hostname: 'pc1', ...data },
    ];
    for (const event of layouts) assert.deepEqual(titles(rs, event), ['Whoami'], JSON.stringify(event));
  });

  test('rules for logsources without a mapping load and never fire; CloudTrail is a table entry', () => {
    const { ruleSet, reports } = buildRuleSet(
      parseSigmaYaml(
        `title: Zeek\nlogsource: {product: zeek, service: dns}\ndetection: {s: {query: x}, condition: s}`,
      ).concat(
        parseSigmaYaml(
          `title: Trail\nlogsource: {product: aws, service: cloudtrail}\ndetection: {s: {eventName: StopLogging}, condition: s}`,
        ),
      ),
    );
    assert.deepEqual(
      reports.map((r) => r.logsources),
      [0, 1],
    );
    assert.deepEqual(titles(ruleSet, { query: 'x' }), []);
    const trail = {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      awsRegion: 'eu-west-1',
    };
    assert.deepEqual(titles(ruleSet, trail), ['Trail']);
    assert.deepEqual(titles(ruleSet, { eventName: 'StopLogging' }), []);
  });

  test('items on EventID are decided per event id (rules for other ids are not even tried)', () => {
    const rs = ruleSetOf(
      `title: Two ids\nlogsource: {product: windows, service: security}\ndetection: {s: {EventID: [4624, 4625], LogonType: 3}, condition: s}`,
      `title: Not 4624\nlogsource: {product: windows, service: security}\ndetection: {s: {EventID: 4624}, condition: not s}`,
    );
    assert.deepEqual(titles(rs, evtx('Security', 4625, { LogonType: 3 })), ['Two ids', 'Not 4624']);
    assert.deepEqual(titles(rs, evtx('Security', 4624, { LogonType: 3 })), ['Two ids']);
    assert.deepEqual(titles(rs, evtx('Security', 4624, { LogonType: 2 })), []);
    assert.deepEqual(titles(rs, evtx('Security', 4634, { LogonType: 3 })), ['Not 4624']);
  });
});

describe(
  'the index never hides a match',
  { skip: sharedSkip('sigma/rules/rules/windows/process_creation') },
  () => {
    test('real process_creation rules: indexed evaluation equals evaluating every rule (property)', () => {
      const { ruleSet } = buildRuleSet(
        loadRuleDocuments([sharedPath('sigma/rules/rules/windows/process_creation')]),
      );
      // Values built from the rules' own literals (so triggers fire), mixed case, plus noise.
      const literals = [
        ...new Set(ruleSet.rules.flatMap((r) => (r.triggers ?? []).map((t) => t.text))),
      ].slice(0, 3000);
      const piece = fc.oneof(
        fc.constantFrom(...literals).map((s) => s.toUpperCase()),
        fc.constantFrom(...literals),
        fc.constantFrom(' ', '\\', 'C:\\Windows\\System32\\', '.exe', ' -', ' /c '),
      );
      const value = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
      const event = fc.record({
        Image: value,
        CommandLine: value,
        ParentImage: value,
        OriginalFileName: value,
        ParentCommandLine: value,
      });
      const ctx = new EventContext(ruleSet.table);
      fc.assert(
        fc.property(event, (data) => {
          const v = recordEventView({ EventID: 1, Channel: SYSMON, Computer: 'pc', ...data });
          const indexed = ruleSet.match(v).map((m) => m.info.id);
          ctx.reset(v);
          const direct = ruleSet.rules.filter((r) => r.test(ctx)).map((r) => r.info.id);
          assert.deepEqual(indexed, direct);
        }),
        { ...fuzzOptions(), numRuns: Math.min(300, fuzzOptions().numRuns ?? 300) },
      );
    });
  },
);
