import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { AuditdLineDecoder } from '../parsers/auditd.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { sharedPath } from '../testing/shared.js';
import type { OcsfEvent } from './ocsf.js';

const CTX = { source: 'fuzz', receivedAt: Date.UTC(2026, 0, 1) };

/** Events of every mapped kind (own samples), one per string, lines joined by `\n`. */
const EVENTS = [
  [
    'type=SYSCALL msg=audit(1700000000.123:1): arch=c000003e syscall=59 success=yes exit=0 ppid=900 pid=901 auid=1000 uid=0 tty=pts1 ses=7 comm="bash" exe="/usr/bin/bash" key="k"',
    'type=EXECVE msg=audit(1700000000.123:1): argc=2 a0="bash" a1=2D69',
    'type=CWD msg=audit(1700000000.123:1): cwd="/tmp"',
    'type=PATH msg=audit(1700000000.123:1): item=0 name="/usr/bin/bash" inode=1 mode=0100755 ouid=0 nametype=NORMAL',
    'type=PROCTITLE msg=audit(1700000000.123:1): proctitle=62617368002D69',
    'type=EOE msg=audit(1700000000.123:1): ',
  ],
  [
    'type=SYSCALL msg=audit(1.500:2): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c items=2 pid=5 ppid=1 auid=1 uid=1 exe="/x"',
    'type=PATH msg=audit(1.500:2): item=0 name="/etc/" nametype=PARENT mode=040755',
    'type=PATH msg=audit(1.500:2): item=1 name="shadow" nametype=CREATE mode=0100600 ouid=0',
  ],
  [
    'type=SYSCALL msg=audit(1.500:3): arch=c000003e syscall=42 success=no exit=-115 pid=5 exe="/usr/bin/php"',
    'type=SOCKADDR msg=audit(1.500:3): saddr=0A002BCB000000000000000000000000000000000000000100000000',
  ],
  [
    'type=SYSCALL msg=audit(1.500:4): arch=c000003e syscall=56 success=yes exit=71505 a0=1200011 pid=5 ppid=1',
    'type=SYSCALL msg=audit(1.500:5): arch=c000003e syscall=101 success=yes exit=0 a0=4206 a1=29b07b pid=5',
    'type=OBJ_PID msg=audit(1.500:5): opid=2732155 oauid=0 ouid=0 oses=2 ocomm="sleep"',
  ],
  [
    'type=USER_LOGIN msg=audit(1.500:6): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=46.160.144.250 terminal=ssh res=failed\'',
    'type=ADD_USER msg=audit(1.500:7): pid=1 uid=0 auid=1000 ses=3 msg=\'op=add-user acct="m" exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success\'',
    'type=CONFIG_CHANGE msg=audit(1.500:8): auid=1001 ses=6 op="updated_rules" path="/etc/gshadow" key="auth" list=4 res=1',
  ],
].map((lines) => lines.join('\n'));

/** The LAUREL JSON records of ../shared, when present. */
function laurelRecords(): string[] {
  const dir = 'telemetry/auditd/laurel-testdata';
  return [
    'record-perl-reverse-shell.json',
    'record-bind-ipv4-bigendian.json',
    'record-login.json',
    'record-nscd.json',
  ]
    .map((f) => sharedPath(`${dir}/${f}`))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8').trim());
}

const LAUREL = [
  '{"ID":"1.500:1","SYSCALL":{"arch":"0xc000003e","syscall":59,"success":"yes","exit":0,"pid":2,"ppid":1,"exe":"/bin/x","ARGV":["0x1","0x2"]},"EXECVE":{"argc":1,"ARGV":["x"]},"PATH":[{"item":0,"name":"/bin/x","mode":"0o100755"}]}',
  ...laurelRecords(),
];

function check(event: OcsfEvent): void {
  assert.equal(typeof event.class_uid, 'number');
  assert.ok(Number.isSafeInteger(event.time), `time ${event.time}`);
  assert.equal(typeof event.raw_data, 'string');
  // The normalizer's last-resort catch would hide a bug: no input may need it.
  assert.notEqual(event.status, 'Normalization Error', String(event.status_detail));
  assert.doesNotThrow(() =>
    JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
}

/** Lines through the decoder and the pipeline: every record becomes an event or a parse rejection of empty text. */
function throughPipeline(lines: string[]): void {
  const decoder = new AuditdLineDecoder();
  const records = lines.flatMap((l, i) => decoder.push(l, `l${i}`).records).concat(decoder.end());
  for (const r of records) {
    const out = processRecord(r, CTX);
    if (out.ok) check(out.event);
    else assert.fail(`${out.error.reason}: ${out.error.message}`);
  }
}

test('mutated audit events through decoder, parser and normalizer: an event for every record', () => {
  fc.assert(
    fc.property(mutatedText(EVENTS), (text) => throughPipeline(text.split('\n'))),
    fuzzOptions(),
  );
});

test('hostile lines after valid ones: still an event per record', () => {
  fc.assert(
    fc.property(fc.constantFrom(...EVENTS), hostileText, (event, junk) =>
      throughPipeline([...event.split('\n'), ...junk.split('\n')]),
    ),
    fuzzOptions(),
  );
});

test('mutated LAUREL JSON: an event or a JSON rejection, never a normalizer failure', () => {
  fc.assert(
    fc.property(mutatedText(LAUREL), (text) => {
      const out = processRecord({ text, position: 'p' }, CTX);
      if (out.ok) check(out.event);
      else
        assert.ok(
          !['normalize_error', 'parser_error', 'transform_error'].includes(out.error.reason),
          out.error.message,
        );
    }),
    fuzzOptions(),
  );
});

test('LAUREL-shaped JSON with any values in any record: events, never a normalizer failure', () => {
  const record = fc.oneof(
    fc.anything(),
    fc.dictionary(
      fc.constantFrom(
        'arch',
        'syscall',
        'pid',
        'ppid',
        'exe',
        'saddr',
        'success',
        'exit',
        'name',
        'mode',
        'ARGV',
        'argv',
        'msg',
        'acct',
        'res',
        'auid',
        'a0',
        'a1',
      ),
      fc.anything(),
    ),
  );
  fc.assert(
    fc.property(
      fc.record({
        SYSCALL: record,
        EXECVE: record,
        PATH: fc.oneof(fc.array(record), record),
        SOCKADDR: fc.oneof(fc.array(record), record),
        USER_LOGIN: record,
        PROCTITLE: record,
        PARENT_INFO: record,
      }),
      (value) => {
        const text = JSON.stringify({ ID: '1700000000.001:9', ...value });
        if (text === undefined) return;
        const out = processRecord({ text, position: 'p' }, CTX);
        if (out.ok) check(out.event);
        else assert.ok(!['normalize_error', 'parser_error'].includes(out.error.reason), out.error.message);
      },
    ),
    fuzzOptions(),
  );
});
