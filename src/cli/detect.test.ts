/**
 * End to end: the real CLI (this build's main.js, spawned with node) on rule and event files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

function vigil(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rulesDir = join(dir, 'rules');
mkdirSync(join(rulesDir, 'deprecated'), { recursive: true });
writeFileSync(
  join(rulesDir, 'whoami.yml'),
  `title: Whoami Execution
id: 9f3b3b2c-0000-4000-8000-000000000001
level: high
tags: [attack.discovery, attack.t1033]
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
`,
);
writeFileSync(
  join(rulesDir, 'low.yml'),
  `title: Any Sysmon
id: 9f3b3b2c-0000-4000-8000-000000000002
level: low
logsource: {product: windows, service: sysmon}
detection: {selection: {EventID: 1}, condition: selection}
`,
);
writeFileSync(join(rulesDir, 'deprecated', 'old.yml'), 'title: [broken');

const sysmon1 = (image: string) =>
  JSON.stringify({
    Event: {
      System: {
        EventID: 1,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: 'pc1',
        TimeCreated: { '#attributes': { SystemTime: '2024-05-01T10:00:00.000Z' } },
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
      },
      EventData: { Image: image, CommandLine: image },
    },
  });
const events =
  [sysmon1('C:\\Windows\\notepad.exe'), sysmon1('C:\\Windows\\System32\\whoami.exe')].join('\n') + '\n';
writeFileSync(join(dir, 'events.ndjson'), events);
writeFileSync(join(dir, 'events.ndjson.gz'), gzipSync(events));

describe('vigil detect', () => {
  test('ndjson: one object per match with rule, level, file and line', () => {
    const r = vigil([
      'detect',
      '--rules',
      rulesDir,
      '--input',
      join(dir, 'events.ndjson'),
      '--format',
      'ndjson',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.rule_title, l.level, l.line]),
      [
        ['Any Sysmon', 'low', 1],
        ['Any Sysmon', 'low', 2], // rules in load order: low.yml before whoami.yml
        ['Whoami Execution', 'high', 2],
      ],
    );
    const whoami = lines.find((l) => l.rule_title === 'Whoami Execution')!;
    assert.equal(whoami.rule_id, '9f3b3b2c-0000-4000-8000-000000000001');
    assert.equal(whoami.path, join(dir, 'events.ndjson'));
    assert.deepEqual(whoami.tags, ['attack.discovery', 'attack.t1033']);
    assert.equal(whoami.time, '2024-05-01T10:00:00.000Z');
    assert.match(r.stderr, /2 records in 1 file: 3 matches by 2 of 2 rules/);
  });

  test('--min-level, gzip input, csv and OCSF findings', () => {
    const csv = vigil([
      'detect',
      '-r',
      rulesDir,
      '-i',
      join(dir, 'events.ndjson.gz'),
      '--format',
      'csv',
      '--min-level',
      'medium',
    ]);
    assert.equal(csv.status, 0, csv.stderr);
    const rows = csv.stdout.trim().split('\n');
    assert.equal(rows[0], 'rule_id,rule_title,level,path,line,time,computer,event_id,tags');
    assert.equal(rows.length, 2);
    assert.match(rows[1]!, /Whoami Execution,high,.*events\.ndjson\.gz,2,/);
    const ocsf = vigil([
      'detect',
      '-r',
      rulesDir,
      '-i',
      join(dir, 'events.ndjson'),
      '--format',
      'ocsf',
      '--min-level',
      'high',
    ]);
    const finding = JSON.parse(ocsf.stdout.trim()) as Record<string, unknown>;
    assert.equal(finding.class_uid, 2004);
    assert.equal(finding.severity_id, 4);
  });

  test('no match is still success; missing files are usage errors', () => {
    writeFileSync(join(dir, 'quiet.ndjson'), '{"message":"hello"}\n');
    const quiet = vigil(['detect', '-r', rulesDir, '-i', join(dir, 'quiet.ndjson'), '--format', 'ndjson']);
    assert.equal(quiet.status, 0);
    assert.equal(quiet.stdout, '');
    assert.equal(vigil(['detect', '-r', rulesDir, '-i', join(dir, 'missing.ndjson')]).status, 2);
    assert.equal(vigil(['detect', '-r', join(dir, 'nope'), '-i', join(dir, 'events.ndjson')]).status, 2);
  });
});

describe('vigil rules', () => {
  test('check: loads what it can, lists the rest with the reason, exit 3', () => {
    writeFileSync(
      join(rulesDir, 'bad.yml'),
      'title: Bad\nlogsource: {product: windows}\ndetection: {s: {A|re: "(?<=x)"}, condition: s}\n',
    );
    try {
      const r = vigil(['rules', 'check', rulesDir]);
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stdout, /unsupported\s+invalid_regex\s+.*bad\.yml: detection\.s\.A\|re: lookaround/);
      assert.match(r.stdout, /3 documents: 2 rules loaded .*1 unsupported/);
      assert.doesNotMatch(r.stdout, /old\.yml/); // deprecated/ is skipped
    } finally {
      rmSync(join(rulesDir, 'bad.yml'));
    }
    assert.equal(vigil(['rules', 'check', rulesDir]).status, 0);
  });

  test('test: how often each rule fired, and regression cases', () => {
    const fired = vigil(['rules', 'test', '-r', rulesDir, '-e', join(dir, 'events.ndjson')]);
    assert.equal(fired.status, 0, fired.stderr);
    assert.match(fired.stdout, /2\s+low\s+.*Any Sysmon/);
    assert.match(fired.stdout, /2 events: 2 of 2 rules fired, 3 matches/);
    writeFileSync(
      join(dir, 'cases.ndjson'),
      [
        {
          rule_id: '9f3b3b2c-0000-4000-8000-000000000001',
          events_ndjson: 'events.ndjson',
          expected_min_matches: 1,
        },
        {
          rule_id: '9f3b3b2c-0000-4000-8000-000000000001',
          events_ndjson: 'events.ndjson',
          expected_min_matches: 2,
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const cases = vigil(['rules', 'test', '-r', rulesDir, '--cases', join(dir, 'cases.ndjson')]);
    assert.equal(cases.status, 1);
    assert.match(cases.stdout, /PASS .* fired 1/);
    assert.match(cases.stdout, /FAIL .* fired 1 \(expected ≥ 2\)/);
    assert.match(cases.stdout, /1 of 2 cases pass/);
  });
});
