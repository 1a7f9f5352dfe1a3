import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { processRecord } from '../pipeline/process.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { EVE_SAMPLES, ingestShared, TEST_CTX } from './network.testing.js';
import { FieldReader } from './network.js';
import type { OcsfEvent } from './ocsf.js';
import { alertSeverity, attacksOf, looksLikeEve, suricataNormalizer } from './suricata.js';

const schemaSkip = sharedSkip(OCSF_SCHEMA_DIR);

function eve(line: string, ctx = TEST_CTX): OcsfEvent {
  const out = processRecord({ text: line, position: 'test' }, ctx);
  assert.ok(out.ok, out.ok ? undefined : JSON.stringify(out.error));
  return out.event;
}

function assertValid(event: OcsfEvent): void {
  assert.deepEqual(
    validateOcsf(event),
    [],
    JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
  );
}

const get = (e: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      e,
    );
const unmapped = (e: OcsfEvent) => (e.unmapped ?? {}) as Record<string, unknown>;

describe('Suricata alerts → Detection Finding', () => {
  test(
    'signature, sid, category, severity 1 → High, action, the flow as evidence with TLS context',
    { skip: schemaSkip },
    () => {
      const e = eve(EVE_SAMPLES[0]!);
      assert.equal(e.class_uid, 2004);
      assert.equal(e.severity_id, 4);
      assert.equal(e.time, Date.UTC(2018, 6, 5, 19, 7, 20, 911));
      assert.equal(e.metadata.original_time, '2018-07-05T15:07:20.910626-0400');
      assert.deepEqual(get(e, 'finding_info.analytic'), {
        uid: '2024833',
        name: 'ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)',
        type_id: 1,
        type: 'Rule',
        category: 'Potential Corporate Privacy Violation',
        version: '3',
      });
      assert.equal(e.is_alert, true);
      assert.deepEqual([e.action_id, e.disposition_id], [1, 15]);
      assert.deepEqual(e.metadata.profiles, ['security_control', 'host']);
      const [evidence] = e.evidences as Record<string, unknown>[];
      assert.deepEqual(evidence!.src_endpoint, { ip: '192.168.86.85', port: 55641 });
      assert.deepEqual(evidence!.tls, { version: 'TLS 1.2', sni: 'l2.io' });
      assert.equal(get(evidence, 'connection_info.uid'), '904992230150281');
      assert.equal((e.metadata as { correlation_uid?: string }).correlation_uid, '904992230150281');
      assert.deepEqual(e.device, { interface_name: 'en0', type_id: 13, type: 'IDS' });
      // The flow counters have no home in a finding: kept as EVE wrote them.
      assert.equal(get(unmapped(e), 'flow.bytes_toserver'), 793);
      assert.deepEqual(unmapped(e).tls, { session_resumed: true });
      assertValid(e);
    },
  );

  test('ATT&CK from rule metadata, confidence, an IPS block, HTTP evidence', { skip: schemaSkip }, () => {
    const line = JSON.stringify({
      timestamp: '2024-03-01T12:00:00.000000+0000',
      flow_id: 7,
      event_type: 'alert',
      src_ip: '10.1.1.5',
      src_port: 50000,
      dest_ip: '203.0.113.80',
      dest_port: 80,
      proto: 'TCP',
      alert: {
        action: 'blocked',
        gid: 1,
        signature_id: 2034567,
        rev: 2,
        signature: 'ET MALWARE Cobalt Strike Beacon Observed',
        category: 'A Network Trojan was detected',
        severity: 1,
        metadata: {
          signature_severity: ['Critical'],
          confidence: ['High'],
          mitre_tactic_id: ['TA0011'],
          mitre_tactic_name: ['Command_And_Control'],
          mitre_technique_id: ['T1071.001'],
          mitre_technique_name: ['Web_Protocols'],
          created_at: ['2021_01_01'],
        },
      },
      http: {
        hostname: 'c2.example',
        url: '/submit.php?id=1',
        http_user_agent: 'Mozilla/5.0',
        http_method: 'POST',
        status: 200,
      },
      app_proto: 'http',
    });
    const e = eve(line);
    assert.equal(e.severity_id, 5);
    assert.deepEqual(get(e, 'finding_info.attacks'), [
      {
        tactic: { uid: 'TA0011', name: 'Command And Control' },
        technique: { uid: 'T1071' },
        sub_technique: { uid: 'T1071.001', name: 'Web Protocols' },
      },
    ]);
    assert.deepEqual([e.confidence_id, e.confidence], [3, 'High']);
    assert.deepEqual([e.action, e.disposition], ['Denied', 'Blocked']);
    const [evidence] = e.evidences as Record<string, unknown>[];
    assert.equal(get(evidence, 'http_request.url.url_string'), 'http://c2.example/submit.php?id=1');
    assert.equal(get(evidence, 'http_request.http_method'), 'POST');
    assert.deepEqual(get(unmapped(e), 'alert.metadata'), { created_at: ['2021_01_01'] });
    assert.deepEqual(get(unmapped(e), 'http'), { status: 200 });
    assertValid(e);
  });

  test('severity mapping', () => {
    assert.equal(alertSeverity(1), 4);
    assert.equal(alertSeverity(1, 'Critical'), 5);
    assert.equal(alertSeverity(2), 3);
    assert.equal(alertSeverity(3), 2);
    assert.equal(alertSeverity(4), 1);
    assert.equal(alertSeverity(undefined), 0);
    assert.deepEqual(attacksOf(new FieldReader({})), []);
  });

  test(
    'a zone-less timestamp (the honeypot sensor) is read in the configured zone',
    { skip: schemaSkip },
    () => {
      const utc = eve(EVE_SAMPLES[6]!);
      const berlin = eve(EVE_SAMPLES[6]!, { ...TEST_CTX, timezone: 'Europe/Berlin' });
      assert.equal(utc.time, Date.UTC(2019, 0, 2, 3, 50, 11, 315));
      assert.equal(berlin.time, utc.time - 3600_000);
      assert.equal(berlin.metadata.original_time, '2019-01-02T03:50:11.315110');
      assertValid(berlin);
    },
  );
});

describe('Suricata protocol records', () => {
  test('http → HTTP Activity', { skip: schemaSkip }, () => {
    const e = eve(EVE_SAMPLES[1]!);
    assert.equal(e.class_uid, 4002);
    assert.equal(e.activity_name, 'Get');
    assert.equal(get(e, 'http_request.url.url_string'), 'http://192.168.86.28:63963/dd.xml');
    assert.deepEqual(e.http_response, { code: 200, body_length: 1155, content_type: 'text/xml' });
    assertValid(e);
  });

  test(
    'dns v1 (one answer per record), v2 (answers list) and v3 (queries) layouts',
    { skip: schemaSkip },
    () => {
      const v1 = eve(EVE_SAMPLES[2]!);
      assert.equal(v1.class_uid, 4003);
      assert.equal(v1.activity_id, 2);
      assert.deepEqual(v1.query, { hostname: 'clients.l.google.com', type: 'A', packet_uid: 12308 });
      assert.deepEqual(v1.answers, [{ rdata: '172.217.13.110', type: 'A', ttl: 299 }]);
      const v2 = eve(EVE_SAMPLES[7]!);
      assert.deepEqual(
        (v2.answers as Record<string, unknown>[]).map((a) => [a.rdata, a.type, a.ttl]),
        [
          ['example.com', 'CNAME', 300],
          ['93.184.216.34', 'A', 300],
        ],
      );
      assert.deepEqual(get(v2, 'answers.1.flag_ids'), [3, 4]);
      assert.equal(get(v2, 'connection_info.uid'), '1234567890123456789'); // a 64-bit flow id, exact
      assert.equal(get(v2, 'connection_info.community_uid'), '1:abc=');
      const v3 = eve(EVE_SAMPLES[8]!);
      assert.deepEqual(v3.query, {
        hostname: 'nope.example',
        type: 'AAAA',
        packet_uid: 7,
        opcode_id: 0,
        opcode: 'Query',
      });
      assert.deepEqual([v3.rcode, v3.rcode_id], ['NXDOMAIN', 3]);
      assert.equal(v3.answers, undefined);
      assert.deepEqual(get(unmapped(v3), 'dns.authorities'), [
        { rrname: 'example', rrtype: 'SOA', ttl: 900 },
      ]);
      for (const e of [v1, v2, v3]) assertValid(e);
    },
  );

  test('flow → Network Activity with traffic, times and state', { skip: schemaSkip }, () => {
    const e = eve(EVE_SAMPLES[3]!);
    assert.equal(e.class_uid, 4001);
    assert.deepEqual(e.traffic, {
      packets_out: 1,
      packets_in: 0,
      bytes_out: 110,
      bytes_in: 0,
      bytes: 110,
      packets: 1,
    });
    assert.equal(e.start_time, Date.UTC(2018, 6, 5, 19, 51, 23, 453));
    assert.equal(e.status_code, 'new');
    assert.equal(e.status_detail, 'Flow ended: timeout');
    assert.equal(get(e, 'src_endpoint.ip'), 'fe80:0000:0000:0000:fada:0cff:fedc:87f1');
    assert.equal(get(e, 'connection_info.protocol_ver_id'), 6);
    assert.equal(unmapped(e).app_proto, 'failed');
    assertValid(e);
  });

  test('tls → Network Activity with the certificate', { skip: schemaSkip }, () => {
    const e = eve(EVE_SAMPLES[4]!);
    assert.deepEqual(get(e, 'tls.certificate'), {
      issuer: 'CN=Apple IST CA 2 - G1, O=Apple Inc., C=US',
      serial_number: '5C:9C:E1:09:78:87:F8:07',
      subject: 'CN=*.icloud.com, O=Apple Inc., C=US',
      created_time: Date.UTC(2017, 1, 27, 17, 54, 31),
      expiration_time: Date.UTC(2019, 2, 29, 17, 54, 31),
      fingerprints: [
        {
          algorithm_id: 2,
          algorithm: 'SHA-1',
          value: '6a:ff:ac:a6:5f:8a:05:e7:a9:8c:76:29:b9:08:c7:69:ad:dc:72:47',
        },
      ],
    });
    assert.equal(get(e, 'tls.sni'), 'p33-btmmdns.icloud.com.');
    assertValid(e);
  });

  test(
    'fileinfo → File System Activity on the receiving host (the EICAR download)',
    { skip: schemaSkip },
    () => {
      const e = eve(EVE_SAMPLES[5]!);
      assert.equal(e.class_uid, 1001);
      assert.deepEqual(e.device, { ip: '10.16.1.11', type_id: 0, type: 'Unknown' });
      assert.deepEqual(e.actor, { app_name: 'http' });
      assert.deepEqual(e.file, {
        name: 'eicar.com',
        type_id: 1,
        type: 'Regular File',
        size: 68,
        hashes: [{ algorithm_id: 1, algorithm: 'MD5', value: '44d88612fea8a8f36de82e1278abb02f' }],
      });
      assert.equal(e.connection_uid, '841252990914572');
      assert.equal(unmapped(e).src_ip, '188.40.238.250');
      assertValid(e);
    },
  );

  test(
    'stats → Base Event; anomaly → informational finding; krb5 → Authentication; drop → Refuse',
    { skip: schemaSkip },
    () => {
      const stats = eve(EVE_SAMPLES[9]!);
      assert.equal(stats.class_uid, 0);
      assert.equal(get(unmapped(stats), 'stats.uptime'), 5400);
      const anomaly = eve(
        '{"timestamp":"2024-01-01T00:00:00Z","event_type":"anomaly","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP","anomaly":{"type":"stream","event":"stream.pkt_invalid_timestamp"}}',
      );
      assert.equal(anomaly.class_uid, 2004);
      assert.equal(anomaly.severity_id, 1);
      assert.equal(get(anomaly, 'finding_info.title'), 'stream.pkt_invalid_timestamp');
      const decode = eve(
        '{"timestamp":"2024-01-01T00:00:00Z","event_type":"anomaly","anomaly":{"type":"decode","event":"decoder.ipv4.trunc_pkt"}}',
      );
      assert.equal(decode.class_uid, 2004);
      assert.equal(decode.evidences, undefined);
      const krb = eve(
        '{"timestamp":"2024-01-01T00:00:00Z","flow_id":5,"event_type":"krb5","src_ip":"10.0.0.9","src_port":50000,"dest_ip":"10.0.0.1","dest_port":88,"proto":"TCP","krb5":{"msg_type":"KRB_AS_REQ","cname":"alice","realm":"CORP.EXAMPLE","sname":"krbtgt/CORP.EXAMPLE","encryption":"aes256-cts-hmac-sha1-96","weak_encryption":false}}',
      );
      assert.equal(krb.class_uid, 3002);
      assert.deepEqual(krb.user, { name: 'alice', domain: 'CORP.EXAMPLE' });
      assert.equal(krb.activity_id, 3);
      assert.equal(krb.status_id, 1);
      const drop = eve(
        '{"timestamp":"2024-01-01T00:00:00Z","flow_id":6,"event_type":"drop","src_ip":"203.0.113.1","src_port":1,"dest_ip":"10.0.0.1","dest_port":445,"proto":"TCP","drop":{"len":60,"tos":0}}',
      );
      assert.equal(drop.activity_id, 5);
      assert.equal(drop.disposition, 'Dropped');
      for (const e of [stats, anomaly, decode, krb, drop]) assertValid(e);
    },
  );
});

describe('accepts', () => {
  test('EVE records only', () => {
    for (const line of EVE_SAMPLES) assert.ok(looksLikeEve(JSON.parse(line)), line);
    assert.equal(looksLikeEve({ timestamp: 'x', event_type: 'login', user: 'bob' }), false);
    assert.equal(looksLikeEve({ ts: 1, uid: 'C1' }), false);
    assert.equal(
      suricataNormalizer.accepts({ format: 'syslog', fields: JSON.parse(EVE_SAMPLES[0]!), raw: '' }),
      false,
    );
  });
});

describe('real EVE files end to end (importFile → processRecord)', () => {
  test(
    'WRCCDC 2018 alerts (a JSON array) and the Elastic sample',
    {
      skip: sharedSkip(
        'telemetry/suricata/hassanabad-alerts/wrccdc-2018/alerts-only.json',
        'telemetry/suricata/elastic-beats/eve-small.log',
        OCSF_SCHEMA_DIR,
      ),
    },
    async () => {
      const wrccdc = await ingestShared('telemetry/suricata/hassanabad-alerts/wrccdc-2018/alerts-only.json');
      assert.equal(wrccdc.rejections.length, 0);
      assert.equal(wrccdc.events.length, 207);
      const scan = wrccdc.events[0]!;
      assert.equal(get(scan, 'finding_info.title'), 'ET SCAN Potential SSH Scan');
      assert.equal(get(scan, 'finding_info.analytic.uid'), '2001219');
      assert.equal(scan.severity_id, 3);
      assert.equal(scan.time, Date.UTC(2018, 2, 24, 20, 37, 19, 37));
      assert.deepEqual(get(scan, 'evidences.0.dst_endpoint'), { ip: '10.47.8.150', port: 22 });
      const small = await ingestShared('telemetry/suricata/elastic-beats/eve-small.log');
      assert.deepEqual(
        small.events.map((e) => [e.metadata.event_code, e.class_uid]),
        [
          ['ssh', 4001],
          ['alert', 2004],
          ['http', 4002],
          ['fileinfo', 1001],
          ['dns', 4003],
          ['stats', 0],
          ['tls', 4001],
          ['flow', 4001],
        ],
      );
      for (const e of [scan, ...small.events]) assertValid(e);
    },
  );
});
