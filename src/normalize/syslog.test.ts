import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSyslog } from '../parsers/syslog.js';
import { SyslogFramer } from '../sources/syslog.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import type { OcsfEvent } from './ocsf.js';
import { syslogNormalizer } from './syslog.js';

const RECEIVED = Date.UTC(2026, 10, 22, 10, 30, 0);
const ctx = { source: 'syslog', receivedAt: RECEIVED };
const schemaSkip = sharedSkip(OCSF_SCHEMA_DIR);

function normalize(line: string, receivedAt = RECEIVED): OcsfEvent {
  const record = parseSyslog(line);
  assert.equal(syslogNormalizer.accepts(record), true);
  return syslogNormalizer.normalize(record, { ...ctx, receivedAt });
}

/** Normalize a line and check the event against the OCSF 1.8 schema of its class. */
function event(line: string, receivedAt = RECEIVED): OcsfEvent {
  const e = normalize(line, receivedAt);
  if (!schemaSkip) assert.deepEqual(validateOcsf(e), [], `schema errors for ${line}\n${JSON.stringify(e)}`);
  return e;
}

const at = (e: OcsfEvent, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], e);

function observable(e: OcsfEvent, name: string): string | undefined {
  return e.observables?.find((o) => o.name === name)?.value;
}

describe('sshd → Authentication (3002)', () => {
  test('Failed password (RFC 5424 with SD): failure, user, source, target host, protocol', () => {
    const line =
      '<36>1 2026-11-22T02:49:08.507737+00:00 vm sshd 1234 SSHFAIL [timeQuality tzKnown="1" isSynced="0"][origin ip="10.0.0.5"] Failed password for root from 203.0.113.7 port 52344 ssh2';
    const e = event(line);
    assert.equal(e.class_uid, 3002);
    assert.equal(e.category_uid, 3);
    assert.equal(e.activity_id, 1);
    assert.equal(e.activity_name, 'Logon');
    assert.equal(e.type_uid, 300201);
    assert.equal(e.status_id, 2);
    assert.equal(e.status, 'Failure');
    assert.deepEqual(e.user, { name: 'root' });
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.7', port: 52344 });
    assert.deepEqual(e.dst_endpoint, { hostname: 'vm' });
    assert.deepEqual(e.service, { name: 'sshd' });
    assert.equal(e.auth_protocol_id, 99);
    assert.equal(e.auth_protocol, 'password');
    assert.equal(e.is_remote, true);
    assert.deepEqual(e.logon_process, { name: 'sshd', pid: 1234 });
    assert.equal(e.time, Date.UTC(2026, 10, 22, 2, 49, 8, 507));
    assert.equal(e.severity_id, 3, 'syslog warning → Medium');
    assert.equal(e.severity, 'Medium');
    assert.equal(e.message, 'Failed password for root from 203.0.113.7 port 52344 ssh2');
    assert.deepEqual(e.metadata.product, { name: 'sshd', vendor_name: 'OpenSSH' });
    assert.equal(e.metadata.log_name, 'syslog');
    assert.equal(e.metadata.original_time, '2026-11-22T02:49:08.507737+00:00');
    assert.equal(e.metadata.event_code, 'SSHFAIL');
    assert.equal(e.raw_data, line);
    assert.deepEqual(e.unmapped, {
      rfc: '5424',
      facility: 4,
      severity: 4,
      facility_name: 'auth',
      severity_name: 'warning',
      version: 1,
      procid: '1234',
      msgid: 'SSHFAIL',
      structured_data: { timeQuality: { tzKnown: '1', isSynced: '0' }, origin: { ip: '10.0.0.5' } },
    });
    assert.deepEqual(
      e.observables?.map((o) => [o.name, o.type_id, o.value]),
      [
        ['user.name', 4, 'root'],
        ['src_endpoint.ip', 2, '203.0.113.7'],
        ['dst_endpoint.hostname', 1, 'vm'],
        ['device.hostname', 1, 'vm'],
      ],
    );
    assert.deepEqual(e.device, { hostname: 'vm', type_id: 0, type: 'Unknown' });
  });

  test('Accepted publickey: success, the key kept in unmapped', () => {
    const e = event(
      '<86>Nov 22 10:15:01 bastion sshd[4242]: Accepted publickey for alice from 198.51.100.23 port 50522 ssh2: ED25519 SHA256:Qd8bKz7Hq0mXcT1f2Y3mJ8oW1vS4uF6gE9aB5cD7eF0',
    );
    assert.equal(e.class_uid, 3002);
    assert.equal(e.status_id, 1);
    assert.equal(e.status, 'Success');
    assert.equal(e.auth_protocol, 'publickey');
    assert.deepEqual(e.user, { name: 'alice' });
    assert.deepEqual(e.src_endpoint, { ip: '198.51.100.23', port: 50522 });
    assert.deepEqual(e.dst_endpoint, { hostname: 'bastion' });
    assert.deepEqual(at(e, 'unmapped.sshd'), {
      key: 'ED25519 SHA256:Qd8bKz7Hq0mXcT1f2Y3mJ8oW1vS4uF6gE9aB5cD7eF0',
    });
    assert.equal(e.severity_id, 1, 'syslog info → Informational');
    // year-less BSD timestamp: the year comes from the receive time
    assert.equal(e.time, Date.UTC(2026, 10, 22, 10, 15, 1));
    assert.equal(e.metadata.original_time, 'Nov 22 10:15:01');
  });

  test('Accepted password over IPv6 and keyboard-interactive/pam', () => {
    const v6 = event(
      '<86>Nov 22 10:15:02 bastion sshd[4243]: Accepted password for bob from 2001:db8::5 port 40022 ssh2',
    );
    assert.deepEqual(v6.src_endpoint, { ip: '2001:db8::5', port: 40022 });
    assert.equal(observable(v6, 'src_endpoint.ip'), '2001:db8::5');
    const kbd = event(
      '<86>Nov 22 10:15:03 bastion sshd-session[4244]: Accepted keyboard-interactive/pam for carol from 198.51.100.24 port 51000 ssh2',
    );
    assert.equal(kbd.status_id, 1);
    assert.equal(kbd.auth_protocol, 'keyboard-interactive/pam');
    assert.deepEqual(kbd.service, { name: 'sshd' });
  });

  test('Failed password for invalid user, with an attacker-chosen name containing " from "', () => {
    const e = event(
      '<38>Nov 22 10:16:00 bastion sshd[5001]: Failed password for invalid user admin from 203.0.113.50 port 41234 ssh2',
    );
    assert.equal(e.status_id, 2);
    assert.equal(e.status_detail, 'Invalid user');
    assert.deepEqual(e.user, { name: 'admin' });
    const tricky = event(
      '<38>Nov 22 10:16:01 bastion sshd[5002]: Failed password for invalid user x from 10.9.9.9 port 1 from 203.0.113.50 port 41235 ssh2',
    );
    assert.deepEqual(tricky.user, { name: 'x from 10.9.9.9 port 1' });
    assert.deepEqual(tricky.src_endpoint, { ip: '203.0.113.50', port: 41235 });
  });

  test('Invalid user, not allowed, PAM failure, too many attempts: all failed logons', () => {
    const cases: [string, string, string, string | undefined][] = [
      ['Invalid user oracle from 203.0.113.51 port 60000', 'oracle', 'Invalid user', '203.0.113.51'],
      ['Invalid user test from 203.0.113.52', 'test', 'Invalid user', '203.0.113.52'],
      [
        'User root from 203.0.113.53 not allowed because not listed in AllowUsers',
        'root',
        'Not allowed because not listed in AllowUsers',
        '203.0.113.53',
      ],
      [
        'error: PAM: Authentication failure for illegal user guest from 203.0.113.54',
        'guest',
        'PAM authentication failure (invalid user)',
        '203.0.113.54',
      ],
      [
        'maximum authentication attempts exceeded for root from 203.0.113.55 port 22 ssh2 [preauth]',
        'root',
        'Maximum authentication attempts exceeded',
        '203.0.113.55',
      ],
    ];
    for (const [msg, user, detail, ip] of cases) {
      const e = event(`<38>Nov 22 10:17:00 bastion sshd[6000]: ${msg}`);
      assert.equal(e.class_uid, 3002, msg);
      assert.equal(e.activity_id, 1, msg);
      assert.equal(e.status_id, 2, msg);
      assert.deepEqual(e.user, { name: user }, msg);
      assert.equal(e.status_detail, detail, msg);
      assert.equal(at(e, 'src_endpoint.ip'), ip, msg);
    }
  });

  test('the client leaving before authentication is a failed logon', () => {
    for (const msg of [
      'Connection closed by authenticating user root 203.0.113.7 port 52344 [preauth]',
      'Disconnected from authenticating user root 203.0.113.7 port 52344 [preauth]',
      'Connection closed by invalid user root 203.0.113.7 port 52344 [preauth]',
    ]) {
      const e = event(`<38>Nov 22 10:18:00 bastion sshd[6001]: ${msg}`);
      assert.equal(e.class_uid, 3002, msg);
      assert.equal(e.status_id, 2, msg);
      assert.deepEqual(e.user, { name: 'root' }, msg);
      assert.deepEqual(e.src_endpoint, { ip: '203.0.113.7', port: 52344 }, msg);
      assert.match(String(e.status_detail), /before authentication completed$/);
    }
  });

  test('Disconnected from user: a successful logoff', () => {
    const e = event(
      '<38>Nov 22 11:00:00 bastion sshd[4242]: Disconnected from user alice 198.51.100.23 port 50522',
    );
    assert.equal(e.activity_id, 2);
    assert.equal(e.activity_name, 'Logoff');
    assert.equal(e.status_id, 1);
    assert.deepEqual(e.user, { name: 'alice' });
  });

  test('a client name instead of an IP (UseDNS) goes to src_endpoint.hostname', () => {
    const e = event(
      '<38>Nov 22 10:19:00 bastion sshd[6002]: Failed password for root from scanner.example.net port 22 ssh2',
    );
    assert.deepEqual(e.src_endpoint, { hostname: 'scanner.example.net', port: 22 });
    assert.equal(observable(e, 'src_endpoint.hostname'), 'scanner.example.net');
  });

  test("rsyslog's `message repeated N times` becomes one event with count N", () => {
    const e = event(
      '<38>Nov 22 10:20:00 bastion sshd[6003]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 52344 ssh2]',
    );
    assert.equal(e.class_uid, 3002);
    assert.equal(e.count, 3);
    assert.equal(e.message, 'Failed password for root from 203.0.113.7 port 52344 ssh2');
  });

  test('other sshd lines stay Base Events', () => {
    const e = event(
      '<38>Nov 22 10:21:00 bastion sshd[6004]: Received disconnect from 203.0.113.7 port 52344:11: Bye Bye [preauth]',
    );
    assert.equal(e.class_uid, 0);
    assert.equal(e.message, 'Received disconnect from 203.0.113.7 port 52344:11: Bye Bye [preauth]');
  });
});

describe('pam_unix → Authentication', () => {
  test('sshd auth failure: rhost as source, tty as session terminal', () => {
    const e = event(
      '<85>Nov 22 10:22:00 bastion sshd[6005]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root',
    );
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_id, 1);
    assert.equal(e.status_id, 2);
    assert.deepEqual(e.user, { name: 'root' });
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.7' });
    assert.equal(e.is_remote, true);
    assert.deepEqual(e.session, { terminal: 'ssh' });
    assert.deepEqual(e.service, { name: 'sshd' });
    assert.deepEqual(at(e, 'unmapped.sshd.pam'), {
      logname: '',
      uid: '0',
      euid: '0',
      tty: 'ssh',
      ruser: '',
      rhost: '203.0.113.7',
      user: 'root',
    });
  });

  test('sudo auth failure: the invoking user, no source', () => {
    const e = event(
      '<85>Nov 22 10:23:00 web1 sudo[7001]: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/2 ruser=alice rhost=  user=alice',
    );
    assert.equal(e.class_uid, 3002);
    assert.equal(e.status_id, 2);
    assert.deepEqual(e.user, { name: 'alice' });
    assert.deepEqual(e.actor, { user: { name: 'alice' } });
    assert.equal(e.src_endpoint, undefined);
    assert.deepEqual(e.service, { name: 'sudo' });
  });

  test('session opened / closed → Logon / Logoff with uid and actor', () => {
    const opened = event(
      '<86>Nov 22 10:15:01 bastion sshd[4242]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)',
    );
    assert.equal(opened.activity_id, 1);
    assert.equal(opened.status_id, 1);
    assert.deepEqual(opened.user, { name: 'alice', uid: '1000' });
    assert.equal(opened.actor, undefined);
    const sudo = event(
      '<86>Nov 22 10:23:05 web1 sudo[7002]: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)',
    );
    assert.deepEqual(sudo.user, { name: 'root', uid: '0' });
    assert.deepEqual(sudo.actor, { user: { name: 'alice' } });
    const closed = event(
      '<86>Nov 22 11:00:00 bastion sshd[4242]: pam_unix(sshd:session): session closed for user alice',
    );
    assert.equal(closed.activity_id, 2);
    assert.equal(closed.activity_name, 'Logoff');
    assert.deepEqual(closed.user, { name: 'alice' });
  });

  test('the legacy `service(pam_unix)` tag', () => {
    const e = event(
      '<85>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 user=root',
      Date.UTC(2026, 5, 15),
    );
    assert.equal(e.class_uid, 3002);
    assert.equal(e.status_id, 2);
    assert.deepEqual(e.user, { name: 'root' });
    assert.deepEqual(e.src_endpoint, { ip: '218.188.2.4' });
    assert.deepEqual(e.service, { name: 'sshd' });
  });

  test('pam_unix lines without a user stay Base Events', () => {
    const e = event('<85>Nov 22 10:24:00 web1 sshd[7003]: pam_unix(sshd:auth): check pass; user unknown');
    assert.equal(e.class_uid, 0);
  });
});

describe('su → Authentication, Account Switch', () => {
  test('shadow su: FAILED su for root by student', () => {
    const e = event('<85>Nov 22 02:49:10 vm su[1550]: FAILED su for root by student');
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_id, 7);
    assert.equal(e.activity_name, 'Account Switch');
    assert.equal(e.account_switch_type_id, 1);
    assert.equal(e.account_switch_type, 'Substitute User');
    assert.equal(e.status_id, 2);
    assert.deepEqual(e.user, { name: 'root' });
    assert.deepEqual(e.actor, { user: { name: 'student' } });
    assert.deepEqual(e.service, { name: 'su' });
    assert.deepEqual(e.logon_process, { name: 'su', pid: 1550 });
    assert.equal(observable(e, 'actor.user.name'), 'student');
  });

  test('util-linux su: (to root) alice on pts/1, and its failure', () => {
    const ok = event('<86>Nov 22 10:25:00 web1 su[7100]: (to root) alice on pts/1');
    assert.equal(ok.status_id, 1);
    assert.deepEqual(ok.user, { name: 'root' });
    assert.deepEqual(ok.actor, { user: { name: 'alice' } });
    assert.deepEqual(ok.session, { terminal: 'pts/1' });
    const failed = event('<85>Nov 22 10:25:01 web1 su[7101]: FAILED SU (to root) bob on pts/3');
    assert.equal(failed.status_id, 2);
    assert.deepEqual(failed.actor, { user: { name: 'bob' } });
  });

  test('shadow su success, old `+ tty from:to` form, and pam_unix(su-l:auth)', () => {
    const ok = event('<86>Nov 22 10:25:02 web1 su[7102]: Successful su for root by alice');
    assert.equal(ok.status_id, 1);
    const plus = event('<86>Nov 22 10:25:03 web1 su[7103]: + pts/0 alice:root');
    assert.equal(plus.status_id, 1);
    assert.deepEqual(plus.user, { name: 'root' });
    assert.deepEqual(plus.actor, { user: { name: 'alice' } });
    const minus = event('<86>Nov 22 10:25:04 web1 su[7104]: - pts/0 mallory:root');
    assert.equal(minus.status_id, 2);
    const pam = event(
      '<85>Nov 22 10:25:05 web1 su[7105]: pam_unix(su-l:auth): authentication failure; logname=bob uid=1001 euid=0 tty=pts/3 ruser=bob rhost=  user=root',
    );
    assert.equal(pam.activity_id, 7);
    assert.equal(pam.status_id, 2);
    assert.deepEqual(pam.user, { name: 'root' });
    assert.deepEqual(pam.actor, { user: { name: 'bob' } });
  });
});

describe('sudo → Process Activity (1007), Launch', () => {
  test('a command run as root: actor, target user, command line, directory, terminal', () => {
    const e = event(
      '<85>Nov 22 10:20:00 web1 sudo[5123]:    alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
    );
    assert.equal(e.class_uid, 1007);
    assert.equal(e.category_uid, 1);
    assert.equal(e.activity_id, 1);
    assert.equal(e.activity_name, 'Launch');
    assert.equal(e.type_uid, 100701);
    assert.equal(e.status_id, 1);
    assert.deepEqual(e.actor, {
      user: { name: 'alice' },
      process: { name: 'sudo', pid: 5123 },
      session: { terminal: 'pts/2' },
    });
    const process = e.process as Record<string, unknown>;
    assert.equal(process.cmd_line, '/usr/bin/systemctl restart nginx');
    assert.equal(process.name, 'systemctl');
    assert.deepEqual(process.file, {
      name: 'systemctl',
      path: '/usr/bin/systemctl',
      type_id: 1,
      type: 'Regular File',
    });
    assert.deepEqual(process.user, { name: 'root' });
    assert.equal(process.working_directory, '/home/alice');
    assert.deepEqual(process.parent_process, { name: 'sudo', pid: 5123 });
    assert.equal(process.uid, 'sudo:web1:5123:Nov 22 10:20:00');
    assert.deepEqual(e.device, { hostname: 'web1', type_id: 0, type: 'Unknown' });
    assert.deepEqual(e.metadata.product, { name: 'sudo', vendor_name: 'Sudo' });
    assert.equal(e.severity_id, 2, 'syslog notice → Low');
    assert.equal(observable(e, 'actor.user.name'), 'alice');
    assert.equal(observable(e, 'process.user.name'), 'root');
    assert.equal(observable(e, 'process.cmd_line'), '/usr/bin/systemctl restart nginx');
    assert.equal(observable(e, 'device.hostname'), 'web1');
  });

  test('refusals put a reason first: a failed launch with the reason', () => {
    const denied = event(
      '<81>Nov 22 10:21:00 web1 sudo[5124]:      bob : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow',
    );
    assert.equal(denied.class_uid, 1007);
    assert.equal(denied.status_id, 2);
    assert.equal(denied.status, 'Failure');
    assert.equal(denied.status_detail, 'user NOT in sudoers');
    assert.equal(at(denied, 'actor.user.name'), 'bob');
    assert.equal(at(denied, 'process.cmd_line'), '/bin/cat /etc/shadow');
    assert.equal(denied.severity_id, 5, 'syslog alert → Critical');
    const wrong = event(
      '<81>Nov 22 10:21:01 web1 sudo[5125]:    alice : 3 incorrect password attempts ; TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
    );
    assert.equal(wrong.status_id, 2);
    assert.equal(wrong.status_detail, '3 incorrect password attempts');
  });

  test('COMMAND keeps its own " ; "; GROUP and ENV are kept', () => {
    const e = event(
      '<85>Nov 22 10:22:00 web1 sudo[5126]: alice : TTY=pts/2 ; PWD=/tmp ; USER=postgres ; GROUP=dba ; ENV=PGDATA=/srv/pg ; COMMAND=/bin/sh -c echo a ; echo b',
    );
    assert.equal(at(e, 'process.cmd_line'), '/bin/sh -c echo a ; echo b');
    assert.deepEqual(at(e, 'process.user'), { name: 'postgres', groups: [{ name: 'dba' }] });
    assert.deepEqual(at(e, 'unmapped.sudo'), { GROUP: 'dba', ENV: 'PGDATA=/srv/pg' });
  });

  test('RFC 5424 from rsyslog (leading space in MSG, no PID) and a relative command', () => {
    const e = event(
      '<85>1 2026-11-22T02:49:43+00:00 vm sudo - - -  alice : TTY=unknown ; PWD=/home/alice ; USER=root ; COMMAND=list',
    );
    assert.equal(e.class_uid, 1007);
    assert.equal(at(e, 'process.name'), 'list');
    assert.equal(at(e, 'process.file'), undefined);
    assert.equal(at(e, 'actor.process'), undefined);
    assert.equal(at(e, 'actor.session'), undefined);
    assert.equal(at(e, 'process.uid'), 'sudo:vm:-:2026-11-22T02:49:43+00:00');
    assert.equal(e.message, 'alice : TTY=unknown ; PWD=/home/alice ; USER=root ; COMMAND=list');
  });

  test('without a hostname (no device to name) or without COMMAND: Base Event', () => {
    assert.equal(
      event('<85>Nov 22 02:49:10 sudo: alice : TTY=pts/2 ; PWD=/ ; USER=root ; COMMAND=/bin/bash').class_uid,
      0,
    );
    assert.equal(event('<85>Nov 22 02:49:10 web1 sudo[1]: alice : unable to resolve host web1').class_uid, 0);
  });
});

describe('everything else → Base Event (0)', () => {
  test('message, device, product, syslog fields in unmapped', () => {
    const line =
      '<30>Nov 22 10:00:00 web1 systemd[1]: Started nginx.service - A high performance web server.';
    const e = event(line);
    assert.equal(e.class_uid, 0);
    assert.equal(e.category_uid, 0);
    assert.equal(e.activity_id, 0);
    assert.equal(e.type_uid, 0);
    assert.equal(e.message, 'Started nginx.service - A high performance web server.');
    assert.deepEqual(e.device, { hostname: 'web1', type_id: 0, type: 'Unknown' });
    assert.deepEqual(e.metadata.product, { name: 'systemd' });
    assert.deepEqual((e.metadata as { profiles?: string[] }).profiles, ['host']);
    assert.equal(e.severity_id, 1);
    assert.equal(e.time, Date.UTC(2026, 10, 22, 10, 0, 0));
    assert.deepEqual(e.unmapped, {
      rfc: '3164',
      facility: 3,
      severity: 6,
      facility_name: 'daemon',
      severity_name: 'info',
      procid: '1',
    });
    assert.equal(e.raw_data, line);
    assert.equal(observable(e, 'device.hostname'), 'web1');
  });

  test('no app name, no hostname, NIL timestamp: product syslog, receive time', () => {
    const e = event('<11>1 - - - - - - disk full');
    assert.deepEqual(e.metadata.product, { name: 'syslog' });
    assert.equal(e.device, undefined);
    assert.equal(e.time, RECEIVED);
    assert.equal(e.metadata.original_time, undefined);
    assert.equal(e.severity_id, 4, 'syslog err → High');
  });

  test('the year of a BSD timestamp comes from the receive time, across New Year', () => {
    const e = event('<13>Dec 31 23:59:58 h app: x', Date.UTC(2027, 0, 1, 0, 0, 3));
    assert.equal(e.time, Date.UTC(2026, 11, 31, 23, 59, 58));
  });

  test('syslog severities map to OCSF severities', () => {
    const ids = [0, 1, 2, 3, 4, 5, 6, 7].map((sev) => normalize(`<${8 + sev}>1 - h a - - - x`).severity_id);
    assert.deepEqual(ids, [6, 5, 5, 4, 3, 2, 1, 1]);
  });

  test('never throws on odd field values: falls back to a Base Event at the receive time', () => {
    const odd = [
      { msg: 5, app_name: {}, severity: 'x', time: 'soon', hostname: ['h'] },
      { msg: 'Accepted password for', app_name: 'sshd', severity: 99, time: NaN },
      { msg: 'alice : COMMAND=', app_name: 'sudo', hostname: 'h', procid: '99999999999999' },
      {},
    ];
    for (const fields of odd) {
      const e = syslogNormalizer.normalize({ format: 'syslog', fields, raw: 'raw' }, ctx);
      assert.ok(Number.isFinite(e.time));
      assert.equal(e.raw_data, 'raw');
    }
    const first = syslogNormalizer.normalize({ format: 'syslog', fields: odd[0]!, raw: '' }, ctx);
    assert.equal(first.class_uid, 0);
    assert.equal(first.time, RECEIVED);
    assert.equal(first.message, '');
    assert.equal(first.severity_id, 0);
  });

  test('accepts only syslog records', () => {
    assert.equal(syslogNormalizer.accepts({ format: 'json', fields: {}, raw: '' }), false);
    assert.equal(syslogNormalizer.accepts({ format: 'syslog', fields: {}, raw: '' }), true);
  });
});

describe('real captures (../shared/clients/syslog)', () => {
  function frames(relative: string): string[] {
    const framer = new SyslogFramer(64 * 1024);
    const bytes = readFileSync(sharedPath(relative));
    return [...framer.push(bytes), ...framer.end()].flatMap((e) =>
      e.type === 'frame' ? [e.bytes.toString('utf8')] : [],
    );
  }

  for (const file of ['rsyslog-forwarder/forwarded.bin', 'syslog-ng-forwarder/forwarded.bin']) {
    test(
      `${file}: sshd failure and sudo, forwarded as RFC 5424`,
      { skip: sharedSkip(`clients/syslog/${file}`) },
      () => {
        const [sshd, sudo] = frames(`clients/syslog/${file}`).map((f) => event(f));
        assert.equal(sshd!.class_uid, 3002);
        assert.equal(sshd!.status_id, 2);
        assert.deepEqual(sshd!.user, { name: 'root' });
        assert.deepEqual(sshd!.src_endpoint, { ip: '203.0.113.7', port: 52344 });
        assert.equal(sshd!.metadata.event_code, 'SSHFAIL');
        assert.equal(sudo!.class_uid, 1007);
        assert.equal(at(sudo!, 'actor.user.name'), 'alice');
        assert.equal(at(sudo!, 'process.user.name'), 'root');
        assert.equal(at(sudo!, 'process.cmd_line'), '/bin/bash');
        assert.equal(at(sudo!, 'process.working_directory'), '/home/alice');
        assert.equal(at(sudo!, 'actor.session.terminal'), 'pts/2');
      },
    );
  }

  test('every logger and loggen capture normalizes', { skip: sharedSkip('clients/syslog/captures') }, () => {
    for (const name of [
      'logger-udp-rfc5424',
      'logger-udp-rfc3164',
      'logger-tcp-rfc3164',
      'logger-tcp-rfc5424-octet',
      'logger-tcp-rfc5424-nooctet',
    ]) {
      const [line] = frames(`clients/syslog/captures/${name}.bin`);
      const e = event(line!);
      assert.equal(e.class_uid, 3002, name);
      assert.deepEqual(e.user, { name: 'root' }, name);
      assert.equal(at(e, 'src_endpoint.ip'), '203.0.113.7', name);
    }
    for (const line of [
      ...frames('clients/syslog/captures/loggen-tcp-rfc5424.bin'),
      ...frames('clients/syslog/captures/loggen-udp-bsd.bin'),
      ...frames('clients/syslog/captures/logger-tcp-rfc5424-octet-file.bin'),
    ])
      assert.equal(event(line).class_uid, 0);
  });
});
