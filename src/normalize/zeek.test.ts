import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createZeekTsvDecoder } from '../parsers/zeek.js';
import { processRecord } from '../pipeline/process.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { ingestShared, TEST_CTX, ZEEK_JSON_SAMPLES, ZEEK_TSV_SAMPLES } from './network.testing.js';
import type { OcsfEvent } from './ocsf.js';
import { looksLikeZeekJson, zeekNormalizer } from './zeek.js';

const schemaSkip = sharedSkip(OCSF_SCHEMA_DIR);

/** Every record of a Zeek TSV text, decoded and normalized as the pipeline does. */
function fromTsv(text: string): OcsfEvent[] {
  const decoder = createZeekTsvDecoder();
  const events: OcsfEvent[] = [];
  text.split('\n').forEach((line, i) => {
    for (const record of decoder.push(line, `line ${i + 1}`).records) {
      const out = processRecord(record, TEST_CTX);
      assert.ok(out.ok, out.ok ? undefined : JSON.stringify(out.error));
      events.push(out.event);
    }
  });
  return events;
}

function fromJson(line: string): OcsfEvent {
  const out = processRecord({ text: line, position: 'test' }, TEST_CTX);
  assert.ok(out.ok, out.ok ? undefined : JSON.stringify(out.error));
  assert.equal(out.format, 'json');
  return out.event;
}

function assertValid(event: OcsfEvent): void {
  assert.deepEqual(validateOcsf(event), [], JSON.stringify(event));
}

const get = (e: OcsfEvent, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );

describe('Zeek conn → Network Activity', () => {
  test(
    'TSV: peers, bytes, packets, duration, state, uid, community id, direction',
    { skip: schemaSkip },
    () => {
      const [krb, c2] = fromTsv(ZEEK_TSV_SAMPLES[0]!);
      assert.equal(krb!.class_uid, 4001);
      assert.equal(krb!.activity_id, 2); // RSTR: closed (by a reset)
      assert.equal(krb!.time, 1541117137619);
      assert.equal(krb!.metadata.original_time, '1541117137.618695');
      assert.equal(krb!.metadata.log_name, 'conn');
      assert.deepEqual(krb!.src_endpoint, { ip: '172.16.9.233', port: 49159 });
      assert.deepEqual(krb!.dst_endpoint, { ip: '172.16.9.5', port: 88 });
      assert.deepEqual(krb!.traffic, {
        bytes_out: 244,
        bytes_in: 292,
        packets_out: 4,
        packets_in: 4,
        bytes_missed: 0,
        bytes: 536,
        packets: 8,
      });
      assert.equal(krb!.duration, 14);
      assert.equal(krb!.end_time, krb!.time + 14);
      assert.equal(krb!.status_code, 'RSTR');
      assert.equal(krb!.app_protocol_name, 'krb_tcp');
      assert.deepEqual(krb!.connection_info, {
        direction_id: 3,
        direction: 'Lateral',
        uid: 'CYtJYz4gNk3t5ZEt2',
        protocol_name: 'tcp',
        protocol_num: 6,
        community_uid: '1:vf8GZHOsbw6LsqgGH0fyAPsv3QE=',
        flag_history: 'ShADdFar',
        protocol_ver_id: 4,
        protocol_ver: 'Internet Protocol version 4',
      });
      assert.equal((krb!.metadata as { correlation_uid?: string }).correlation_uid, 'CYtJYz4gNk3t5ZEt2');
      assert.deepEqual(krb!.unmapped, { orig_ip_bytes: 416, resp_ip_bytes: 464 });
      // Trickbot's C2 on port 449: a SYN, no answer → Fail, outbound.
      assert.equal(c2!.activity_id, 4);
      assert.equal(c2!.status_id, 2);
      assert.equal(get(c2!, 'connection_info.direction'), 'Outbound');
      assert.equal(get(c2!, 'dst_endpoint.port'), 449);
      assertValid(krb!);
      assertValid(c2!);
    },
  );

  test(
    'JSON, dotted keys (ocsf/examples) and underscore keys with a sensor (OTRF)',
    { skip: schemaSkip },
    () => {
      const dotted = fromJson(ZEEK_JSON_SAMPLES[0]!);
      assert.equal(dotted.class_uid, 4001);
      assert.equal(dotted.metadata.log_name, 'conn'); // inferred: no _path
      assert.deepEqual(dotted.dst_endpoint, { ip: '8.8.8.8', port: 53 });
      assert.equal(dotted.activity_id, 4); // S0
      const otrf = fromJson(ZEEK_JSON_SAMPLES[1]!);
      assert.equal(otrf.metadata.log_name, 'conn');
      assert.deepEqual(otrf.src_endpoint, { ip: '10.0.1.5', port: 60818, mac: '00:0d:3a:9a:33:1a' });
      assert.deepEqual(otrf.dst_endpoint, { ip: '10.0.0.4', port: 445, mac: '12:34:56:78:9a:bc' });
      assert.equal(get(otrf, 'traffic.bytes'), 5681);
      assert.equal(otrf.duration, 10781);
      assert.equal(otrf.app_protocol_name, 'krb,smb,gssapi');
      assert.deepEqual(otrf.device, { hostname: 'test-nsm', type_id: 13, type: 'IDS' });
      assert.deepEqual(otrf.metadata.profiles, ['host']);
      assert.equal((otrf.unmapped as Record<string, unknown>)['@proc'], 'zeek');
      assert.equal((otrf.unmapped as Record<string, unknown>).id_orig_h, undefined);
      assertValid(dotted);
      assertValid(otrf);
    },
  );
});

describe('Zeek protocol logs', () => {
  test(
    'dns (TSV and json-streaming ISO ts): query, answers with TTLs and flags, rcode, rtt',
    { skip: schemaSkip },
    () => {
      const [tsv] = fromTsv(ZEEK_TSV_SAMPLES[1]!);
      const json = fromJson(ZEEK_JSON_SAMPLES[2]!);
      for (const e of [tsv!, json]) {
        assert.equal(e.class_uid, 4003);
        assert.equal(e.activity_id, 6);
        assert.deepEqual(e.query, {
          hostname: 'ise.wrccdc.org',
          type: 'A',
          class: 'C_INTERNET',
          packet_uid: 36329,
        });
        assert.equal(e.rcode, 'NOERROR');
        assert.equal(e.rcode_id, 0);
        assert.deepEqual(e.answers, [
          {
            rdata: 'ise.wrccdc.cpp.edu',
            ttl: 2230,
            packet_uid: 36329,
            flag_ids: [3, 4],
            flags: ['Recursion Desired', 'Recursion Available'],
          },
          {
            rdata: '134.71.3.16',
            ttl: 41830,
            packet_uid: 36329,
            flag_ids: [3, 4],
            flags: ['Recursion Desired', 'Recursion Available'],
          },
        ]);
        assert.equal(e.duration, 1);
        assert.equal(e.status_id, 1);
        assert.equal(e.time, Date.UTC(2018, 2, 24, 17, 15, 20, 866));
        assertValid(e);
      }
      assert.equal(json.metadata.original_time, '2018-03-24T17:15:20.865716Z');
      assert.ok(
        json.observables?.some(
          (o) => o.name === 'answers.rdata' && o.value === '134.71.3.16' && o.type_id === 2,
        ),
      );
    },
  );

  test('http: Trickbot POST exfiltration URL, method, user agent, response', { skip: schemaSkip }, () => {
    const [e] = fromTsv(ZEEK_TSV_SAMPLES[2]!);
    assert.equal(e!.class_uid, 4002);
    assert.equal(e!.activity_id, 6);
    assert.equal(e!.activity_name, 'Post');
    assert.deepEqual(get(e!, 'http_request.url'), {
      path: '/ser1101/BANSHEE157-PC_W617601.A58868686B1A88CAB32C4D4AC9CB2738/83/',
      hostname: '173.171.132.82',
      scheme: 'http',
      url_string:
        'http://173.171.132.82:8082/ser1101/BANSHEE157-PC_W617601.A58868686B1A88CAB32C4D4AC9CB2738/83/',
    });
    assert.equal(get(e!, 'http_request.http_method'), 'POST');
    assert.equal(get(e!, 'http_request.body_length'), 328);
    assert.deepEqual(e!.http_response, { code: 200, status: 'OK', body_length: 3 });
    assert.deepEqual((e!.unmapped as Record<string, unknown>).resp_fuids, ['FK8sXqaeYtQwtzr8b']);
    assertValid(e!);
  });

  test(
    'http with a WebDAV method: activity Other named, the method kept unmapped',
    { skip: schemaSkip },
    () => {
      const e = fromJson(
        '{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"method":"PROPFIND","host":"h","uri":"/dav"}',
      );
      assert.equal(e.activity_id, 99);
      assert.equal(e.activity_name, 'PROPFIND');
      assert.equal((e.unmapped as Record<string, unknown>).method, 'PROPFIND');
      assertValid(e);
    },
  );

  test('ssl: TLS version, cipher, JA3/JA3S, validation status', { skip: schemaSkip }, () => {
    const e = fromJson(ZEEK_JSON_SAMPLES[5]!);
    assert.equal(e.class_uid, 4001);
    assert.deepEqual(e.tls, {
      version: 'TLSv12',
      cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      ja3_hash: { algorithm_id: 1, algorithm: 'MD5', value: 'c12f54a3f91dc7bafd92cb59fe009a35' },
      ja3s_hash: { algorithm_id: 1, algorithm: 'MD5', value: 'ec74a5c51106f0419184d0dd08fb05bc' },
    });
    assert.equal(e.status_detail, 'self signed certificate');
    assert.equal(get(e, 'connection_info.uid'), 'CWL8Wx2FRSIRuS24f1');
    const aborted = fromJson(
      '{"_path":"ssl","ts":2,"uid":"C2","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":443,"server_name":"evil.example","established":false}',
    );
    assert.deepEqual(aborted.tls, { sni: 'evil.example', version: 'Unknown' });
    assert.equal(aborted.status_id, 2);
    assertValid(e);
    assertValid(aborted);
  });

  test(
    'x509: a Base Event (no endpoint for a network class) with the certificate searchable',
    { skip: schemaSkip },
    () => {
      const e = fromJson(ZEEK_JSON_SAMPLES[8]!);
      assert.equal(e.class_uid, 0);
      assert.equal(e.metadata.log_name, 'x509');
      assert.equal(
        e.message,
        'Certificate CN=WIN2K8R2.awakecoding.ath.cx issued by CN=WIN2K8R2.awakecoding.ath.cx',
      );
      assert.ok(e.observables?.some((o) => o.type_id === 8 && o.value.startsWith('a5b05d2a')));
      assert.equal(
        (e.unmapped as Record<string, unknown>)['certificate.serial'],
        '16ED2AA0495F259D4F5D99EDADA570D1',
      );
      assertValid(e);
    },
  );

  test('files: File System Activity on the receiving host, hashes, connection', { skip: schemaSkip }, () => {
    const e = fromJson(ZEEK_JSON_SAMPLES[4]!);
    assert.equal(e.class_uid, 1001);
    assert.deepEqual(e.device, { ip: '10.0.1.5', type_id: 0, type: 'Unknown' });
    assert.deepEqual(e.actor, { app_name: 'SSL' });
    assert.deepEqual(e.file, {
      name: 'FSEOuu0uAa3hHdMa8',
      type_id: 1,
      type: 'Regular File',
      uid: 'FSEOuu0uAa3hHdMa8',
      mime_type: 'application/x-x509-user-cert',
      size: 851,
      hashes: [
        { algorithm_id: 1, algorithm: 'MD5', value: 'a1cdd66c6f96c420e2553a9d524a11e8' },
        { algorithm_id: 2, algorithm: 'SHA-1', value: 'a3819badccae799ec8533a917dbd5a8bd7f14bfb' },
      ],
    });
    assert.equal(e.connection_uid, 'CWL8Wx2FRSIRuS24f1');
    assert.ok(e.observables?.some((o) => o.name === 'unmapped.tx_hosts' && o.value === '192.168.0.4'));
    assert.equal(e.device && (e.metadata.profiles ?? []).includes('host'), false);
    assertValid(e);
  });

  test('notice: Detection Finding with the connection as evidence', { skip: schemaSkip }, () => {
    const e = fromJson(ZEEK_JSON_SAMPLES[3]!);
    assert.equal(e.class_uid, 2004);
    assert.equal(e.severity_id, 3);
    assert.equal(get(e, 'finding_info.title'), 'SSL::Invalid_Server_Cert');
    assert.deepEqual(get(e, 'finding_info.analytic'), {
      name: 'SSL::Invalid_Server_Cert',
      type_id: 1,
      type: 'Rule',
      category: 'SSL',
    });
    assert.equal(e.message, 'SSL certificate validation failed with (self signed certificate)');
    assert.equal(e.is_alert, true);
    const evidence = (e.evidences as Record<string, unknown>[])[0]!;
    assert.deepEqual(evidence.src_endpoint, { ip: '10.0.1.5', port: 60839 });
    assert.deepEqual(evidence.dst_endpoint, { ip: '192.168.0.4', port: 443 });
    // src/dst/p repeat the connection: mapped once.
    assert.equal((e.unmapped as Record<string, unknown>).src, undefined);
    assertValid(e);
  });

  test('weird: informational protocol anomaly, its text unescaped', { skip: schemaSkip }, () => {
    const [e] = fromTsv(ZEEK_TSV_SAMPLES[3]!);
    assert.equal(e!.class_uid, 2004);
    assert.equal(e!.severity_id, 1);
    assert.equal(e!.is_alert, false);
    assert.equal(get(e!, 'finding_info.title'), 'binpac_exception');
    assert.deepEqual(get(e!, 'finding_info.types'), ['Protocol Anomaly']);
    assert.equal(get(e!, 'finding_info.desc'), 'string mismatch: \nexpected "<"\nactual "\u0001"');
    assertValid(e!);
  });

  test(
    'kerberos and ntlm with a user → Authentication; kerberos without a client → Network Activity',
    { skip: schemaSkip },
    () => {
      const krb = fromJson(ZEEK_JSON_SAMPLES[6]!);
      assert.equal(krb.class_uid, 3002);
      assert.equal(krb.activity_id, 3);
      assert.deepEqual(krb.user, { name: '/kerberos_realm_time.nasl' });
      assert.equal(krb.status_id, 2);
      assert.equal(krb.status_detail, 'KRB_ERR_GENERIC');
      assert.deepEqual(krb.service, { name: 'krbtgt/HEC.NET' });
      assert.equal(krb.auth_protocol_id, 2);
      const ntlm = fromJson(ZEEK_JSON_SAMPLES[7]!);
      assert.equal(ntlm.class_uid, 3002);
      assert.deepEqual(ntlm.user, { name: 'ALeonard', domain: 'CNAMIS' });
      assert.deepEqual(ntlm.src_endpoint, { ip: '192.168.0.173', port: 1068, hostname: 'ALEONARD-XP' });
      assert.deepEqual(ntlm.dst_endpoint, { ip: '192.168.0.2', port: 4997, hostname: 'SATURN' });
      const bare = fromJson(
        '{"_path":"kerberos","ts":1,"uid":"C9","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":88,"request_type":"TGS"}',
      );
      assert.equal(bare.class_uid, 4001);
      assert.equal((bare.unmapped as Record<string, unknown>).request_type, 'TGS');
      for (const e of [krb, ntlm, bare]) assertValid(e);
    },
  );

  test('dhcp (Zeek 3+): the client by MAC and host name', { skip: schemaSkip }, () => {
    const e = fromJson(ZEEK_JSON_SAMPLES[9]!);
    assert.equal(e.class_uid, 4001);
    assert.deepEqual(e.src_endpoint, { hostname: 'Wii', mac: '00:1a:e9:9d:53:b7' });
    assert.equal((e.unmapped as Record<string, unknown>).requested_addr, '192.168.2.18');
    const ack = fromJson(
      '{"ts":1.5,"uids":["Cx"],"client_addr":"192.168.2.18","server_addr":"192.168.2.1","mac":"00:1a:e9:9d:53:b7","host_name":"Wii","assigned_addr":"192.168.2.18","lease_time":3600.0,"msg_types":["REQUEST","ACK"]}',
    );
    assert.equal(ack.class_uid, 4001);
    assert.deepEqual(ack.src_endpoint, { ip: '192.168.2.18', hostname: 'Wii', mac: '00:1a:e9:9d:53:b7' });
    assert.deepEqual(ack.dst_endpoint, { ip: '192.168.2.1' });
    assert.equal(ack.message, 'DHCP REQUEST ACK');
    assertValid(e);
    assertValid(ack);
  });
});

describe('records that cannot be read', () => {
  test(
    'a TSV line with the wrong field count is a Base Event carrying the reason',
    { skip: schemaSkip },
    () => {
      const text = ZEEK_TSV_SAMPLES[0]!.split('\n').slice(0, 7).join('\n') + '\n1541117137.618695\tCYtJ';
      const [e] = fromTsv(text);
      assert.equal(e!.class_uid, 0);
      assert.equal(e!.time, TEST_CTX.receivedAt);
      assert.match(e!.message!, /^Zeek record not read: field_count: the line has 2 fields/);
      assert.equal(e!.metadata.log_name, 'conn');
      assert.equal(e!.raw_data, '1541117137.618695\tCYtJ');
      assertValid(e!);
    },
  );

  test(
    'a masked timestamp (btest baselines) keeps the record: receive time, original kept',
    { skip: schemaSkip },
    () => {
      const text =
        ZEEK_TSV_SAMPLES[0]!.split('\n').slice(0, 7).join('\n') +
        '\nXXXXXXXXXX.XXXXXX\tC1\t10.0.0.1\t5353\t224.0.0.251\t5353\tudp\tdns\t-\t-\t-\tS0\tF\tT\t0\tD\t1\t73\t0\t0\t-\t17\t-';
      const [e] = fromTsv(text);
      assert.equal(e!.class_uid, 4001);
      assert.equal(e!.time, TEST_CTX.receivedAt);
      assert.equal(e!.metadata.original_time, 'XXXXXXXXXX.XXXXXX');
      assert.equal((e!.unmapped as Record<string, unknown>).ts, 'XXXXXXXXXX.XXXXXX');
      assert.deepEqual((e!.unmapped as Record<string, unknown>)['#errors'], [
        'ts: "XXXXXXXXXX.XXXXXX" is not a time',
      ]);
      assertValid(e!);
    },
  );
});

describe('accepts', () => {
  test('Zeek JSON by its path, stream, or Zeek ids; not other JSON', () => {
    const json = (fields: Record<string, unknown>) => ({ format: 'json', fields, raw: '' });
    for (const line of ZEEK_JSON_SAMPLES) assert.ok(zeekNormalizer.accepts(json(JSON.parse(line))), line);
    assert.ok(zeekNormalizer.accepts({ format: 'zeek', fields: {}, raw: '' }));
    assert.ok(looksLikeZeekJson({ ts: 1, name: 'truncated_IP', notice: false, peer: 'zeek' }));
    assert.equal(looksLikeZeekJson({ timestamp: 'x', event_type: 'alert', flow_id: 1 }), false);
    assert.equal(looksLikeZeekJson({ eventTime: 'x', eventName: 'StopLogging' }), false);
    assert.equal(looksLikeZeekJson({ ts: 1, message: 'hello' }), false);
    assert.equal(zeekNormalizer.accepts({ format: 'syslog', fields: { ts: 1, uid: 'C1' }, raw: '' }), false);
  });
});

describe('real logs end to end (importFile → processRecord)', () => {
  const TRICKBOT = 'telemetry/zeek/trickbot-2018-tsv';
  test(
    'Trickbot TSV: conn, dns, ssl, kerberos, files',
    { skip: sharedSkip(TRICKBOT, OCSF_SCHEMA_DIR) },
    async () => {
      const conn = await ingestShared(`${TRICKBOT}/conn.log`);
      assert.equal(conn.rejections.length, 0);
      const first = conn.events[0]!;
      assert.deepEqual(
        [get(first, 'src_endpoint.ip'), get(first, 'dst_endpoint.ip'), get(first, 'dst_endpoint.port')],
        ['172.16.9.233', '172.16.9.5', 88],
      );
      assert.deepEqual([get(first, 'traffic.bytes_out'), get(first, 'traffic.bytes_in')], [244, 292]);
      const toC2 = conn.events.filter(
        (e) => get(e, 'dst_endpoint.ip') === '76.181.182.166' && get(e, 'dst_endpoint.port') === 449,
      );
      assert.ok(toC2.length > 0);

      const dns = await ingestShared(`${TRICKBOT}/dns.log`);
      assert.deepEqual(get(dns.events[0]!, 'query'), {
        hostname: '_ldap._tcp.dc._msdcs.bansheetree.net',
        type: 'SRV',
        class: 'C_INTERNET',
        packet_uid: 37762,
      });
      assert.deepEqual((dns.events[0]!.answers as Record<string, unknown>[])[0], {
        rdata: 'bansheetree-dc.bansheetree.net',
        ttl: 600,
        packet_uid: 37762,
        flag_ids: [1, 3, 4],
        flags: ['Authoritative Answer', 'Recursion Desired', 'Recursion Available'],
      });

      const ssl = await ingestShared(`${TRICKBOT}/ssl.log`);
      assert.deepEqual(get(ssl.events[0]!, 'tls'), {
        version: 'TLSv10',
        cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA',
        sni: 'imap.aol.com',
      });

      const krb = await ingestShared(`${TRICKBOT}/kerberos.log`);
      const asOk = krb.events[1]!;
      assert.equal(asOk.class_uid, 3002);
      assert.deepEqual(asOk.user, { name: 'banshee157-pc$', domain: 'BANSHEETREE.NET' });
      assert.equal(asOk.status_id, 1);
      assert.equal(krb.events[0]!.status_detail, 'KDC_ERR_PREAUTH_REQUIRED');

      const files = await ingestShared(`${TRICKBOT}/files.log`);
      const gpt = files.events[0]!;
      assert.equal(gpt.class_uid, 1001);
      assert.equal(get(gpt, 'file.name'), 'gpt.ini');
      assert.equal(
        get(gpt, 'file.path'),
        'bansheetree.net\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\gpt.ini',
      );
      assert.equal(get(gpt, 'device.ip'), '172.16.9.233'); // the client read it from the DC
      assert.equal(gpt.connection_uid, 'CaxhBC38O0EMWk1nK4');
      for (const e of [first, dns.events[0]!, ssl.events[0]!, asOk, gpt]) assertValid(e);
    },
  );

  test(
    'WRCCDC JSON (json-streaming-logs, ISO ts) and OTRF APT29 (underscore keys)',
    {
      skip: sharedSkip(
        'telemetry/zeek/wrccdc-2018/json/ssh.json.gz',
        'telemetry/zeek/otrf-apt29/day2/UTICA-A_notice.log',
        OCSF_SCHEMA_DIR,
      ),
    },
    async () => {
      const ssh = await ingestShared('telemetry/zeek/wrccdc-2018/json/ssh.json.gz');
      const e = ssh.events[0]!;
      assert.equal(e.class_uid, 4001);
      assert.equal(e.app_protocol_name, 'ssh');
      assert.equal(e.status_id, 1);
      assert.equal(e.time, Date.parse('2018-03-24T17:16:39.740Z')); // .739898 rounded, as epoch floats are
      assert.deepEqual(get(e, 'dst_endpoint.fingerprints'), [
        { algorithm_id: 1, algorithm: 'MD5', value: '2d:37:6b:11:43:f8:96:08:fe:60:42:20:98:9f:75:af' },
      ]);
      const notice = await ingestShared('telemetry/zeek/otrf-apt29/day2/UTICA-A_notice.log');
      assert.equal(notice.events[0]!.class_uid, 2004);
      assert.equal(get(notice.events[0]!, 'finding_info.title'), 'SSL::Invalid_Server_Cert');
      assert.equal(get(notice.events[0]!, 'device.hostname'), 'test-nsm');
      assertValid(e);
      assertValid(notice.events[0]!);
    },
  );
});
