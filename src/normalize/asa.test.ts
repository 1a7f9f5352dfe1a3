import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { processRecord } from '../pipeline/process.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { asaDuration, asaNormalizer } from './asa.js';
import { ASA_SAMPLES, TEST_CTX } from './network.testing.js';
import type { NormalizeContext } from './normalizer.js';
import type { OcsfEvent } from './ocsf.js';

const schemaSkip = sharedSkip(OCSF_SCHEMA_DIR);

function asa(line: string, ctx: NormalizeContext = TEST_CTX): OcsfEvent {
  const out = processRecord({ text: line, position: 'test' }, ctx);
  assert.ok(out.ok, out.ok ? undefined : JSON.stringify(out.error));
  assert.equal(out.event.metadata.product.vendor_name, 'Cisco', line);
  assert.deepEqual(validateOcsf(out.event), [], JSON.stringify(out.event));
  return out.event;
}

const sample = (id: string) => ASA_SAMPLES.find((l) => l.includes(`-${id}:`))!;
const get = (e: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );
const unmapped = (e: OcsfEvent) => (e.unmapped ?? {}) as Record<string, unknown>;

describe('ASA connections → Network Activity', () => {
  test(
    '302013 outbound: the inside host that opened it is the source; NAT mapping kept',
    { skip: schemaSkip },
    () => {
      const e = asa(sample('302013'));
      assert.equal(e.class_uid, 4001);
      assert.deepEqual([e.activity_id, e.activity_name], [1, 'Open']);
      assert.equal(e.time, Date.UTC(2018, 9, 10, 12, 34, 56));
      assert.equal(e.metadata.original_time, 'Oct 10 2018 12:34:56');
      assert.equal(e.metadata.event_code, '302013');
      assert.deepEqual(e.src_endpoint, { ip: '172.31.98.44', interface_name: 'inside', port: 1772 });
      assert.deepEqual(e.dst_endpoint, { ip: '100.66.205.104', interface_name: 'outside', port: 80 });
      assert.equal(get(e, 'connection_info.uid'), '11757');
      assert.equal(get(e, 'connection_info.direction'), 'Outbound');
      assert.equal(get(e, 'connection_info.protocol_name'), 'tcp');
      assert.deepEqual(unmapped(e).to_mapped, { ip: '203.0.113.9', port: 1772 });
      assert.deepEqual(e.device, { hostname: 'asa01', type_id: 9, type: 'Firewall' });
      assert.deepEqual(e.metadata.profiles, ['host']);
      assert.equal((e.metadata as { correlation_uid?: string }).correlation_uid, '11757');
    },
  );

  test('302015 inbound: the outside host is the source', { skip: schemaSkip }, () => {
    const e = asa(sample('302015'));
    assert.deepEqual(e.src_endpoint, { ip: '198.51.100.20', interface_name: 'outside', port: 53000 });
    assert.deepEqual(e.dst_endpoint, { ip: '192.0.2.53', interface_name: 'dmz', port: 53 });
    assert.equal(get(e, 'connection_info.direction_id'), 1);
    assert.equal(e.time, TEST_CTX.receivedAt); // no timestamp in the message
    assert.equal(e.device, undefined); // nor a device id
  });

  test(
    '302014 teardown: duration, bytes, reason; src/dst as logged, flagged as not known',
    { skip: schemaSkip },
    () => {
      const e = asa(sample('302014'));
      assert.deepEqual([e.activity_id, e.activity_name], [3, 'Reset']);
      assert.equal(e.duration, 67_000);
      assert.equal(e.start_time, e.time - 67_000);
      assert.deepEqual(e.traffic, { bytes: 38110 });
      assert.equal(e.status_detail, 'TCP Reset-I');
      assert.equal(e.is_src_dst_assignment_known, false);
      assert.equal(get(e, 'connection_info.uid'), '11757');
      const udp = asa(sample('302016'));
      assert.deepEqual([udp.activity_id, udp.duration], [2, 0]);
      assert.deepEqual(udp.traffic, { bytes: 148 });
    },
  );

  test('302020 ICMP, 305011 NAT translation, IPv6 from FTD over RFC 5424', { skip: schemaSkip }, () => {
    const icmp = asa(sample('302020'));
    assert.deepEqual(icmp.src_endpoint, { ip: '203.0.113.9' });
    assert.deepEqual(icmp.dst_endpoint, { ip: '10.0.0.1' });
    assert.equal(get(icmp, 'connection_info.protocol_num'), 1);
    assert.deepEqual(unmapped(icmp).icmp, { type: 8, code: 0 });
    const nat = asa(
      '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-305011: Built dynamic TCP translation from inside:172.31.98.44/1772 to outside:100.66.98.44/8256',
    );
    assert.deepEqual(nat.src_endpoint, { ip: '172.31.98.44', interface_name: 'inside', port: 1772 });
    assert.equal(nat.dst_endpoint, undefined);
    assert.deepEqual(unmapped(nat).translation, {
      type: 'dynamic',
      interface: 'outside',
      ip: '100.66.98.44',
      port: 8256,
    });
    const ftd = asa(ASA_SAMPLES.find((l) => l.includes('%FTD-'))!);
    assert.equal(ftd.metadata.product.name, 'Firepower Threat Defense');
    assert.equal(get(ftd, 'src_endpoint.ip'), '2001:db8::1');
    assert.equal(get(ftd, 'connection_info.protocol_ver_id'), 6);
    assert.equal(ftd.time, Date.UTC(2018, 9, 10, 12, 34, 56));
  });
});

describe('ASA access decisions → Network Activity with the firewall action', () => {
  test('106023 deny by access-group', { skip: schemaSkip }, () => {
    const e = asa(sample('106023'));
    assert.deepEqual([e.activity_id, e.activity_name, e.status_id], [5, 'Refuse', 2]);
    assert.deepEqual([e.action, e.disposition], ['Denied', 'Blocked']);
    assert.deepEqual(e.firewall_rule, { name: 'inbound' });
    assert.deepEqual(e.src_endpoint, { ip: '100.66.19.254', interface_name: 'outside', port: 80 });
    assert.deepEqual(e.dst_endpoint, { ip: '172.31.98.44', interface_name: 'inside', port: 8277 });
    assert.equal(e.severity_id, 3); // level 4, warning
    assert.deepEqual(e.metadata.profiles, ['security_control', 'host']);
    assert.equal(unmapped(e).rule_ids, '0x0, 0x0');
  });

  test('106100 permitted, 710003 denied to the box, 106001 inbound denied', { skip: schemaSkip }, () => {
    const permit = asa(sample('106100'));
    assert.deepEqual([permit.activity_id, permit.action, permit.count], [6, 'Allowed', 1]);
    assert.deepEqual(permit.firewall_rule, { name: 'inside_in' });
    assert.deepEqual(permit.src_endpoint, { ip: '10.0.0.5', interface_name: 'inside', port: 51234 });
    const box = asa(sample('710003'));
    assert.deepEqual(box.dst_endpoint, { ip: '198.51.100.1', interface_name: 'outside', port: 22 });
    assert.equal(box.action_id, 2);
    const syn = asa(sample('106001'));
    assert.deepEqual(syn.src_endpoint, { ip: '203.0.113.4', interface_name: 'outside', port: 4444 });
    assert.equal(unmapped(syn).tcp_flags, 'SYN ');
    assert.equal(syn.severity_id, 5); // level 2, critical
  });
});

describe('ASA logins → Authentication; commands and the rest → Base Event', () => {
  test('113004, 113015, 605004, 605005', { skip: schemaSkip }, () => {
    const ok = asa(sample('113004'));
    assert.equal(ok.class_uid, 3002);
    assert.deepEqual([ok.user, ok.status_id], [{ name: 'alice' }, 1]);
    assert.equal(unmapped(ok).aaa_server, '10.1.1.10');
    const rejected = asa(sample('113015'));
    assert.deepEqual([rejected.status_id, rejected.status_detail], [2, 'Invalid password']);
    assert.deepEqual(rejected.src_endpoint, { ip: '203.0.113.77' });
    const denied = asa(sample('605004'));
    assert.deepEqual(denied.user, { name: 'admin' });
    assert.deepEqual(denied.service, { name: 'ssh' });
    assert.deepEqual(denied.src_endpoint, { ip: '203.0.113.5', port: 52431 });
    assert.equal(denied.status_id, 2);
    const permitted = asa(sample('605005'));
    assert.deepEqual([permitted.user, permitted.status_id], [{ name: 'alice' }, 1]);
  });

  test('111008: who ran which command on the firewall', { skip: schemaSkip }, () => {
    const e = asa(sample('111008'));
    assert.equal(e.class_uid, 0);
    assert.deepEqual(e.actor, { user: { name: 'alice' } });
    assert.equal(unmapped(e).command, 'write memory');
    assert.ok(e.observables?.some((o) => o.name === 'actor.user.name' && o.value === 'alice'));
  });

  test('a message with no mapping keeps its text, id and level', { skip: schemaSkip }, () => {
    const e = asa(sample('733100'));
    assert.equal(e.class_uid, 0);
    assert.equal(e.metadata.event_code, '733100');
    assert.equal(e.message, '[ Scanning] drop rate-1 exceeded. Current burst rate is 10 per second');
    assert.equal(e.severity_id, 3);
  });
});

describe('the other documented messages', () => {
  const line = (id: string, text: string) => `<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-${id}: ${text}`;
  test('106006, 106015, 302021, 305012, 113005, 113012, 611101, 611102, 111010', { skip: schemaSkip }, () => {
    const udp = asa(
      line('106006', 'Deny inbound UDP from 203.0.113.9/137 to 198.51.100.2/137 on interface outside'),
    );
    assert.deepEqual([udp.activity_id, get(udp, 'connection_info.protocol_name')], [5, 'udp']);
    const noConn = asa(
      line(
        '106015',
        'Deny TCP (no connection) from 10.0.0.5/443 to 203.0.113.9/51515 flags RST  on interface inside',
      ),
    );
    assert.deepEqual(noConn.src_endpoint, { ip: '10.0.0.5', interface_name: 'inside', port: 443 });
    const icmpDown = asa(
      line(
        '302021',
        'Teardown ICMP connection for faddr 203.0.113.9/1 gaddr 198.51.100.1/0 laddr 10.0.0.1/0 type 0 code 0',
      ),
    );
    assert.deepEqual([icmpDown.activity_id, icmpDown.is_src_dst_assignment_known], [2, false]);
    const natDown = asa(
      line(
        '305012',
        'Teardown dynamic UDP translation from inside:10.0.0.5/5353 to outside:198.51.100.1/40000 duration 0:00:30',
      ),
    );
    assert.deepEqual([natDown.activity_id, natDown.duration], [2, 30_000]);
    const rejected = asa(
      line(
        '113005',
        'AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : user = bob : user IP = 198.51.100.7',
      ),
    );
    assert.deepEqual(
      [rejected.user, rejected.status_detail, get(rejected, 'src_endpoint.ip')],
      [{ name: 'bob' }, 'AAA failure', '198.51.100.7'],
    );
    const local = asa(line('113012', 'AAA user authentication Successful : local database : user = admin'));
    assert.deepEqual(
      [local.user, local.status_id, local.auth_protocol],
      [{ name: 'admin' }, 1, 'local database'],
    );
    const mgmtOk = asa(line('611101', 'User authentication succeeded: IP address: 10.0.0.9, Uname: admin'));
    assert.deepEqual(
      [mgmtOk.user, mgmtOk.status_id, get(mgmtOk, 'src_endpoint.ip')],
      [{ name: 'admin' }, 1, '10.0.0.9'],
    );
    const mgmtBad = asa(line('611102', 'User authentication failed: IP address: 203.0.113.66, Uname: root'));
    assert.equal(mgmtBad.status_id, 2);
    const cmd = asa(
      line('111010', "User 'admin', running 'CLI' from IP 10.0.0.9, executed 'clear configure access-list'"),
    );
    assert.deepEqual(cmd.actor, { user: { name: 'admin' } });
    assert.deepEqual(
      [unmapped(cmd).command, unmapped(cmd).from_ip],
      ['clear configure access-list', '10.0.0.9'],
    );
  });
});

describe('envelopes and time', () => {
  test(
    'a line from a file without PRI (the OCSF example form), and with `ts: %ASA`',
    { skip: schemaSkip },
    () => {
      const e = asa(ASA_SAMPLES.at(-1)!);
      assert.equal(e.class_uid, 4001);
      assert.equal(e.time, Date.UTC(2018, 9, 10, 12, 34, 56));
      assert.deepEqual(e.device, { hostname: 'localhost', type_id: 9, type: 'Firewall' });
      const bare = asa(
        'Oct 10 2018 12:34:56: %ASA-6-302016: Teardown UDP connection 5 for outside:198.51.100.20/53000 to dmz:192.0.2.53/53 duration 1:02:03 bytes 10',
      );
      assert.equal(bare.time, Date.UTC(2018, 9, 10, 12, 34, 56));
      assert.equal(bare.duration, 3_723_000);
    },
  );

  test(
    'wall-clock times are read in the configured zone; a year-less one near the receive time',
    { skip: schemaSkip },
    () => {
      const berlin = { ...TEST_CTX, timezone: 'Europe/Berlin' };
      assert.equal(asa(sample('302013'), berlin).time, Date.UTC(2018, 9, 10, 10, 34, 56));
      const yearless = asa(sample('302016'), { ...berlin, receivedAt: Date.UTC(2018, 9, 11) });
      assert.equal(yearless.time, Date.UTC(2018, 9, 10, 10, 34, 56));
      assert.equal(yearless.metadata.original_time, 'Oct 10 12:34:56');
    },
  );

  test('accepts ASA, FTD and PIX messages in syslog and text records only', () => {
    assert.ok(
      asaNormalizer.accepts({
        format: 'syslog',
        fields: { app_name: '%ASA-6-302013', msg: 'Built' },
        raw: '',
      }),
    );
    assert.ok(asaNormalizer.accepts({ format: 'syslog', fields: { msg: ': %FTD-6-430003: x' }, raw: '' }));
    assert.ok(
      asaNormalizer.accepts({ format: 'text', fields: { message: 'x %PIX-6-305011: Built' }, raw: '' }),
    );
    assert.equal(
      asaNormalizer.accepts({
        format: 'syslog',
        fields: { app_name: 'sshd', msg: 'Accepted password' },
        raw: '',
      }),
      false,
    );
    assert.equal(
      asaNormalizer.accepts({ format: 'json', fields: { message: '%ASA-6-302013: x' }, raw: '' }),
      false,
    );
  });

  test('asaDuration', () => {
    assert.equal(asaDuration('0:01:07'), 67_000);
    assert.equal(asaDuration('1:00:00:01'), 86_401_000);
    assert.equal(asaDuration('x'), undefined);
    assert.equal(asaDuration(undefined), undefined);
  });
});
