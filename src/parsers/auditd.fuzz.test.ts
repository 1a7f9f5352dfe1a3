import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { sharedPath } from '../testing/shared.js';
import { AuditdLineDecoder, parseAuditd, type AuditEventFields } from './auditd.js';
import { ParseError } from './record.js';

/** Own samples of each shape: kernel records, hex values, split EXECVE, user-space msg, ENRICHED, node=. */
const SAMPLES = [
  'type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=5611 items=2 ppid=900 pid=901 auid=1000 uid=0 tty=pts1 ses=7 comm="bash" exe="/usr/bin/bash" key="exec_watch"',
  'type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0="bash" a1="-c" a2=62617368202D69',
  'type=EXECVE msg=audit(1.000:5): argc=2 a0="/bin/echo" a1_len=8 a1[0]=6161 a1[1]=62626262',
  'type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=62617368002D63',
  'type=SOCKADDR msg=audit(1.5:9): saddr=0A00D4310000000020010DB8000000000000000000000001000000',
  'type=SOCKADDR msg=audit(1.5:9): saddr=01002F72756E2F782E736F636B00',
  'type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct=28696E76616C6964207573657229 exe="/usr/sbin/sshd" hostname=? addr=179.38.151.221 terminal=sshd res=failed\'',
  'type=CRED_ACQ msg=audit(1170021601.342:295): user pid=13015 uid=0 msg=\'PAM: setcred acct=root : exe="/usr/sbin/crond" (hostname=?, addr=?, terminal=cron res=success)\'',
  'type=SYSCALL msg=audit(1.000:3): arch=c00000b7 syscall=221 success=yes exit=0 auid=1000 uid=0\x1dARCH=aarch64 SYSCALL=execve AUID="alice" UID="root"',
  'node=web01 type=SOCKADDR msg=audit(1.000:3): saddr=100000000000000000000000\x1dSADDR={ fam=netlink nlnk-fam=16 nlnk-pid=0 }',
  'type=EOE msg=audit(1.000:3): ',
];

/** Real lines from ../shared when present: mutations of what audit really writes. */
function realLines(): string[] {
  const files = [
    'telemetry/auditd/laurel-testdata/record-perl-reverse-shell.txt',
    'telemetry/auditd/laurel-testdata/record-service-start.txt',
    'telemetry/auditd/go-libaudit-testdata/auparse/testdata/audit-rhel7.log',
    'telemetry/auditd/go-libaudit-testdata/auparse/testdata/test2.log',
  ].map(sharedPath);
  return files.filter(existsSync).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== ''),
  );
}

const ALL = [...SAMPLES, ...realLines()];

/** Parse and check what comes back: fields of the right shape, or the one ParseError empty text gets. */
function parseChecked(text: string): void {
  let fields: AuditEventFields;
  try {
    const rec = parseAuditd(text);
    assert.equal(rec.raw, text);
    assert.equal(rec.format, 'auditd');
    fields = rec.fields as AuditEventFields;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    assert.equal(error.reason, 'empty');
    assert.equal(text.trim(), '');
    return;
  }
  assert.ok(Array.isArray(fields.types));
  if (fields.time !== undefined) assert.ok(Number.isFinite(fields.time));
  for (const e of fields.errors ?? []) assert.ok(e.line >= 1 && e.reason.length > 0);
  assert.doesNotThrow(() => JSON.stringify(fields));
}

test('parser: hostile text gives fields (with errors) or the empty-text ParseError', () => {
  fc.assert(fc.property(hostileText, parseChecked), fuzzOptions());
});

test('parser: hostile bodies after a valid header', () => {
  const headers = fc.constantFrom(
    'type=SYSCALL msg=audit(1.000:1): ',
    'type=EXECVE msg=audit(1.000:1): ',
    'type=SOCKADDR msg=audit(1.000:1): saddr=',
    'type=PROCTITLE msg=audit(1.000:1): proctitle=',
    "type=USER_AUTH msg=audit(1.000:1): msg='",
    'node=x type=PATH msg=audit(1.000:1): item=0 name=',
  );
  fc.assert(
    fc.property(headers, hostileText, (h, rest) => parseChecked(h + rest)),
    fuzzOptions(),
  );
});

test('parser: mutated real lines and whole events', () => {
  fc.assert(fc.property(mutatedText(ALL), parseChecked), fuzzOptions());
  fc.assert(
    fc.property(fc.array(mutatedText(ALL), { minLength: 1, maxLength: 8 }), (lines) =>
      parseChecked(lines.join('\n')),
    ),
    fuzzOptions(),
  );
});

test('decoder: every non-empty line ends up in exactly one record or issue, in order of first lines', () => {
  const line = fc
    .oneof(mutatedText(ALL), hostileText, fc.constantFrom(...ALL))
    .map((l) => l.replace(/\n/g, ' '));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (lines, window) => {
      const decoder = new AuditdLineDecoder(window);
      const texts: string[] = [];
      let issues = 0;
      lines.forEach((l, i) => {
        const out = decoder.push(l, `line ${i}`);
        for (const r of out.records) {
          assert.equal(r.format, 'auditd');
          texts.push(r.text);
        }
        issues += out.issues?.length ?? 0;
      });
      for (const r of decoder.end()) texts.push(r.text);
      assert.equal(decoder.pending(), false);
      const expected = lines.filter((l) => l.trim() !== '').length;
      const got = texts.reduce((n, t) => n + t.split('\n').length, 0) + issues;
      assert.equal(got, expected);
      for (const t of texts) parseChecked(t);
    }),
    fuzzOptions(),
  );
});
