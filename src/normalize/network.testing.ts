/**
 * Test support for the network normalizers (Zeek, Suricata, Cisco ASA): small real-shaped fixtures
 * and a helper that runs a file of ../shared through the real ingest path. Used by tests only.
 */
import fc from 'fast-check';
import { processRecord } from '../pipeline/process.js';
import type { RecordError } from '../sources/source.js';
import { importFile } from '../sources/import.js';
import { sharedPath } from '../testing/shared.js';
import type { NormalizeContext } from './normalizer.js';
import type { OcsfEvent } from './ocsf.js';

/** The context corpus and fixture tests normalize with (a fixed receive time, UTC). */
export const TEST_CTX: NormalizeContext = { source: 'test', receivedAt: Date.UTC(2026, 0, 1) };

/** Real Zeek TSV logs in small: a header block and data lines (Trickbot conn/dns/http, WRCCDC weird). */
export const ZEEK_TSV_SAMPLES: readonly string[] = [
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto\tcommunity_id',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tcount\tstring',
    '1541117137.618695\tCYtJYz4gNk3t5ZEt2\t172.16.9.233\t49159\t172.16.9.5\t88\ttcp\tkrb_tcp\t0.013561\t244\t292\tRSTR\tT\tT\t0\tShADdFar\t4\t416\t4\t464\t-\t6\t1:vf8GZHOsbw6LsqgGH0fyAPsv3QE=',
    '1541117422.691351\tChmJIz4LfiYFBH6f7l\t172.16.9.233\t52031\t76.181.182.166\t449\ttcp\t-\t3.017352\t0\t0\tS0\tT\tF\t0\tS\t2\t104\t0\t0\t-\t6\t-',
    '#close\t2025-11-23-10-29-59',
  ].join('\n'),
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tdns',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool',
    '1521911720.865716\tCqKst53mF3det3eDV9\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\t36329\t0.000870\tise.wrccdc.org\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\tise.wrccdc.cpp.edu,134.71.3.16\t2230.000000,41830.000000\tF',
  ].join('\n'),
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\thttp',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\ttags\tresp_fuids\tresp_mime_types',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tset[enum]\tvector[string]\tvector[string]',
    '1541117602.863357\tCHB1uL2qL85BzQIzhi\t172.16.9.233\t52044\t173.171.132.82\t8082\t1\tPOST\t173.171.132.82\t/ser1101/BANSHEE157-PC_W617601.A58868686B1A88CAB32C4D4AC9CB2738/83/\t-\t1.1\tMozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Win64; x64; Trident/7.0)\t328\t3\t200\tOK\t(empty)\tFK8sXqaeYtQwtzr8b\ttext/plain',
  ].join('\n'),
  [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tweird',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tname\taddl\tnotice\tpeer',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tbool\tstring',
    '1521911774.193266\tC02oGuFe0jadmU9Za\t10.164.94.120\t38451\t10.47.3.142\t515\tbinpac_exception\tstring mismatch: \\x0aexpected "<"\\x0aactual "\\x01"\tF\tzeek',
  ].join('\n'),
];

/** Zeek JSON records of several logs and key styles (ocsf/examples dotted, OTRF underscore, WRCCDC ISO). */
export const ZEEK_JSON_SAMPLES: readonly string[] = [
  '{"ts":629503200.0,"uid":"CPNkcu1aY5i3SzaKt1","id.orig_h":"10.0.0.1","id.orig_p":62673,"id.resp_h":"8.8.8.8","id.resp_p":53,"proto":"udp","service":"dns","conn_state":"S0","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"D","orig_pkts":1,"orig_ip_bytes":59,"resp_pkts":0,"resp_ip_bytes":0}',
  '{"@stream":"conn","@system":"test-nsm","@proc":"zeek","ts":1588316522.186129,"uid":"CizEoL2BZYFA8BLZH1","id_orig_h":"10.0.1.5","id_orig_p":60818,"id_resp_h":"10.0.0.4","id_resp_p":445,"proto":"tcp","service":"krb,smb,gssapi","duration":10.780650854110718,"orig_bytes":4000,"resp_bytes":1681,"conn_state":"RSTO","missed_bytes":0,"history":"ShADdaR","orig_pkts":12,"orig_ip_bytes":1307,"resp_pkts":10,"resp_ip_bytes":2093,"orig_l2_addr":"00:0d:3a:9a:33:1a","resp_l2_addr":"12:34:56:78:9a:bc"}',
  '{"_path":"dns","_write_ts":"2018-03-24T17:15:20.866586Z","ts":"2018-03-24T17:15:20.865716Z","uid":"CqKst53mF3det3eDV9","id.orig_h":"10.47.1.100","id.orig_p":41772,"id.resp_h":"10.0.0.100","id.resp_p":53,"proto":"udp","trans_id":36329,"rtt":0.0008699893951416016,"query":"ise.wrccdc.org","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["ise.wrccdc.cpp.edu","134.71.3.16"],"TTLs":[2230.0,41830.0],"rejected":false}',
  '{"@stream":"notice","@system":"test-nsm","@proc":"zeek","ts":1588316619.758101,"uid":"CWL8Wx2FRSIRuS24f1","id_orig_h":"10.0.1.5","id_orig_p":60839,"id_resp_h":"192.168.0.4","id_resp_p":443,"fuid":"FSEOuu0uAa3hHdMa8","proto":"tcp","note":"SSL::Invalid_Server_Cert","msg":"SSL certificate validation failed with (self signed certificate)","sub":"CN=P18055077,OU=Jethpro,O=Pajfds,L=Minnetonka,ST=Minnesota,C=US","src":"10.0.1.5","dst":"192.168.0.4","p":443,"actions":["Notice::ACTION_LOG"],"suppress_for":3600.0}',
  '{"@stream":"files","@system":"test-nsm","@proc":"zeek","ts":1588316619.755627,"fuid":"FSEOuu0uAa3hHdMa8","tx_hosts":["192.168.0.4"],"rx_hosts":["10.0.1.5"],"conn_uids":["CWL8Wx2FRSIRuS24f1"],"source":"SSL","depth":0,"analyzers":["MD5","SHA1","ENTROPY","X509"],"mime_type":"application/x-x509-user-cert","duration":0.0,"is_orig":false,"seen_bytes":851,"missing_bytes":0,"overflow_bytes":0,"timedout":false,"md5":"a1cdd66c6f96c420e2553a9d524a11e8","sha1":"a3819badccae799ec8533a917dbd5a8bd7f14bfb","entropy":7.334813385191346}',
  '{"@stream":"ssl","@system":"test-nsm","@proc":"zeek","ts":1588316619.753478,"uid":"CWL8Wx2FRSIRuS24f1","id_orig_h":"10.0.1.5","id_orig_p":60839,"id_resp_h":"192.168.0.4","id_resp_p":443,"version":"TLSv12","cipher":"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384","curve":"x25519","resumed":false,"established":true,"cert_chain_fuids":["FSEOuu0uAa3hHdMa8"],"client_cert_chain_fuids":[],"subject":"CN=P18055077","issuer":"CN=P18055077","validation_status":"self signed certificate","ja3":"c12f54a3f91dc7bafd92cb59fe009a35","ja3s":"ec74a5c51106f0419184d0dd08fb05bc"}',
  '{"ts":1331918844.99,"uid":"CMHyjZLzuB4Scdof6","id.orig_h":"192.168.202.110","id.orig_p":43792,"id.resp_h":"192.168.229.251","id.resp_p":88,"request_type":"AS","client":"/kerberos_realm_time.nasl","service":"krbtgt/HEC.NET","success":false,"error_msg":"KRB_ERR_GENERIC","till":2136422885.0,"forwardable":true,"renewable":false}',
  '{"ts":1056991898.900518,"uid":"CBGDQn2IVbQ2Vz0DEi","id.orig_h":"192.168.0.173","id.orig_p":1068,"id.resp_h":"192.168.0.2","id.resp_p":4997,"username":"ALeonard","hostname":"ALEONARD-XP","domainname":"CNAMIS","server_nb_computer_name":"SATURN"}',
  '{"ts":1297551044.62617,"fingerprint":"a5b05d2ae076130aa41060f53ecd72bdf864ea0179250e927549c94d5ab2499a","certificate.version":3,"certificate.serial":"16ED2AA0495F259D4F5D99EDADA570D1","certificate.subject":"CN=WIN2K8R2.awakecoding.ath.cx","certificate.issuer":"CN=WIN2K8R2.awakecoding.ath.cx","certificate.not_valid_before":1297546655.0,"certificate.not_valid_after":1613088000.0,"certificate.key_alg":"rsaEncryption","certificate.key_length":2048,"san.dns":["WIN2K8R2.awakecoding.ath.cx"],"host_cert":true,"client_cert":false}',
  '{"ts":1210953058.933954,"uids":["CQMx7A1mCRkaHsJbJ2"],"mac":"00:1a:e9:9d:53:b7","host_name":"Wii","requested_addr":"192.168.2.18","msg_types":["REQUEST"],"duration":0.0}',
];

/** Suricata EVE records: the Elastic sample's event types, WRCCDC alerts, a DNS v2 and v3 answer. */
export const EVE_SAMPLES: readonly string[] = [
  '{"timestamp":"2018-07-05T15:07:20.910626-0400","flow_id":904992230150281,"in_iface":"en0","event_type":"alert","src_ip":"192.168.86.85","src_port":55641,"dest_ip":"192.168.156.70","dest_port":443,"proto":"TCP","tx_id":0,"alert":{"action":"allowed","gid":1,"signature_id":2024833,"rev":3,"signature":"ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)","category":"Potential Corporate Privacy Violation","severity":1},"tls":{"session_resumed":true,"sni":"l2.io","version":"TLS 1.2"},"app_proto":"tls","flow":{"pkts_toserver":4,"pkts_toclient":3,"bytes_toserver":793,"bytes_toclient":343,"start":"2018-07-05T15:07:19.659593-0400"}}',
  '{"timestamp":"2018-07-05T15:43:47.690014-0400","flow_id":2115002772430095,"in_iface":"en0","event_type":"http","src_ip":"192.168.86.85","src_port":56119,"dest_ip":"192.168.86.28","dest_port":63963,"proto":"TCP","tx_id":0,"http":{"hostname":"192.168.86.28","url":"/dd.xml","http_user_agent":"Mozilla/5.0","http_content_type":"text/xml","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":1155}}',
  '{"timestamp":"2018-07-05T15:51:20.213418-0400","flow_id":1684780223079543,"in_iface":"en0","event_type":"dns","src_ip":"192.168.86.1","src_port":53,"dest_ip":"192.168.86.85","dest_port":39464,"proto":"UDP","dns":{"type":"answer","id":12308,"rcode":"NOERROR","rrname":"clients.l.google.com","rrtype":"A","ttl":299,"rdata":"172.217.13.110"}}',
  '{"timestamp":"2018-07-05T15:51:54.001329-0400","flow_id":1828507008887644,"event_type":"flow","src_ip":"fe80:0000:0000:0000:fada:0cff:fedc:87f1","src_port":546,"dest_ip":"ff02:0000:0000:0000:0000:0000:0001:0002","dest_port":547,"proto":"UDP","app_proto":"failed","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":110,"bytes_toclient":0,"start":"2018-07-05T15:51:23.453468-0400","end":"2018-07-05T15:51:23.453468-0400","age":0,"state":"new","reason":"timeout","alerted":false}}',
  '{"timestamp":"2018-07-05T15:51:50.666597-0400","flow_id":89751777876473,"in_iface":"en0","event_type":"tls","src_ip":"192.168.86.85","src_port":56187,"dest_ip":"17.142.164.13","dest_port":443,"proto":"TCP","tls":{"subject":"CN=*.icloud.com, O=Apple Inc., C=US","issuerdn":"CN=Apple IST CA 2 - G1, O=Apple Inc., C=US","serial":"5C:9C:E1:09:78:87:F8:07","fingerprint":"6a:ff:ac:a6:5f:8a:05:e7:a9:8c:76:29:b9:08:c7:69:ad:dc:72:47","sni":"p33-btmmdns.icloud.com.","version":"TLS 1.2","notbefore":"2017-02-27T17:54:31","notafter":"2019-03-29T17:54:31"}}',
  '{"timestamp":"2016-06-08T20:01:52.875791+0000","flow_id":841252990914572,"pcap_cnt":9,"event_type":"fileinfo","src_ip":"188.40.238.250","src_port":80,"dest_ip":"10.16.1.11","dest_port":59908,"proto":"TCP","http":{"hostname":"www.eicar.org","url":"/download/eicar.com","http_user_agent":"curl/7.43.0","http_content_type":"application/octet-stream","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":68},"app_proto":"http","fileinfo":{"filename":"eicar.com","state":"CLOSED","stored":false,"size":68,"tx_id":0,"md5":"44d88612fea8a8f36de82e1278abb02f"}}',
  '{"timestamp":"2019-01-02T03:50:11.315110","flow_id":52710912,"in_iface":"eth0","event_type":"alert","src_ip":"8.42.77.171","src_port":49678,"dest_ip":"138.68.3.71","dest_port":22,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":19,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}}',
  '{"timestamp":"2024-05-01T10:00:00.000000+0000","flow_id":1234567890123456789,"event_type":"dns","src_ip":"10.0.0.53","src_port":53,"dest_ip":"10.0.0.7","dest_port":51515,"proto":"UDP","community_id":"1:abc=","dns":{"version":2,"type":"answer","id":4242,"flags":"8180","qr":true,"rd":true,"ra":true,"opcode":0,"rrname":"www.example.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"www.example.com","rrtype":"CNAME","ttl":300,"rdata":"example.com"},{"rrname":"example.com","rrtype":"A","ttl":300,"rdata":"93.184.216.34"}],"grouped":{"A":["93.184.216.34"],"CNAME":["example.com"]}}}',
  '{"timestamp":"2025-02-01T10:00:00.000000+0000","flow_id":99,"event_type":"dns","src_ip":"10.0.0.7","src_port":51515,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"response","id":7,"flags":"8183","qr":true,"rd":true,"ra":true,"opcode":0,"rcode":"NXDOMAIN","queries":[{"rrname":"nope.example","rrtype":"AAAA"}],"authorities":[{"rrname":"example","rrtype":"SOA","ttl":900}]}}',
  '{"timestamp":"2025-02-01T10:00:01.000000+0000","event_type":"stats","stats":{"uptime":5400,"capture":{"kernel_packets":430313,"kernel_drops":0}}}',
];

/** Cisco ASA messages as devices send them (PRI, with and without timestamp and device id) and as files keep them. */
export const ASA_SAMPLES: readonly string[] = [
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-302013: Built outbound TCP connection 11757 for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (203.0.113.9/1772)',
  '<166>Oct 10 2018 12:35:03 asa01 : %ASA-6-302014: Teardown TCP connection 11757 for outside:100.66.205.104/80 to inside:172.31.98.44/1772 duration 0:01:07 bytes 38110 TCP Reset-I',
  '<166>%ASA-6-302015: Built inbound UDP connection 11758 for outside:198.51.100.20/53000 (198.51.100.20/53000) to dmz:192.0.2.53/53 (203.0.113.53/53)',
  '<166>Oct 10 12:34:56 asa01 %ASA-6-302016: Teardown UDP connection 11758 for outside:198.51.100.20/53000 to dmz:192.0.2.53/53 duration 0:00:00 bytes 148',
  '<164>Oct 10 2018 12:34:56 asa01 : %ASA-4-106023: Deny tcp src outside:100.66.19.254/80 dst inside:172.31.98.44/8277 by access-group "inbound" [0x0, 0x0]',
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-106100: access-list inside_in permitted tcp inside/10.0.0.5(51234) -> outside/198.51.100.7(443) hit-cnt 1 first hit [0x4c5d5f1a, 0x0]',
  '<163>Oct 10 2018 12:34:56 asa01 : %ASA-3-710003: TCP access denied by ACL from 203.0.113.50/51000 to outside:198.51.100.1/22',
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-113004: AAA user authentication Successful : server =  10.1.1.10 : user = alice',
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : user = ***** : user IP = 203.0.113.77',
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-605004: Login denied from 203.0.113.5/52431 to outside:198.51.100.1/ssh for user "admin"',
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-605005: Login permitted from 10.0.0.9/52431 to inside:10.0.0.1/https for user "alice"',
  "<165>Oct 10 2018 12:34:56 asa01 : %ASA-5-111008: User 'alice' executed the 'write memory' command.",
  '<166>Oct 10 2018 12:34:56 asa01 : %ASA-6-302020: Built inbound ICMP connection for faddr 203.0.113.9/1 gaddr 198.51.100.1/0 laddr 10.0.0.1/0 type 8 code 0',
  '<162>Oct 10 2018 12:34:56 asa01 : %ASA-2-106001: Inbound TCP connection denied from 203.0.113.4/4444 to 198.51.100.2/23 flags SYN  on interface outside',
  '<164>Oct 10 2018 12:34:56 asa01 : %ASA-4-733100: [ Scanning] drop rate-1 exceeded. Current burst rate is 10 per second',
  '<166>1 2018-10-10T12:34:56Z fw02 - - - - %FTD-6-302013: Built inbound TCP connection 1 for outside:2001:db8::1/5555 (2001:db8::1/5555) to inside:2001:db8::2/443 (2001:db8::2/443)',
  'Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-4-106023: Deny udp src outside:100.66.19.254/53 dst inside:172.31.98.44/8277 by access-group "inbound" [0x0, 0x0]',
];

/** What one file gave: events, and rejections with their reasons. */
export interface Ingested {
  events: OcsfEvent[];
  rejections: RecordError[];
}

/** A file of ../shared through importFile → processRecord, as `vigil ingest` reads it. */
export async function ingestShared(
  relative: string,
  format?: string,
  ctx: NormalizeContext = TEST_CTX,
): Promise<Ingested> {
  const out: Ingested = { events: [], rejections: [] };
  for await (const chunk of importFile(sharedPath(relative), format ? { format } : {})) {
    for (const issue of chunk.issues ?? []) out.rejections.push(issue);
    for (const record of chunk.records) {
      const result = processRecord(record, ctx);
      if (result.ok) out.events.push(result.event);
      else out.rejections.push(result.error);
    }
  }
  return out;
}

/** Any JSON-ish value a hostile or broken sender could put in a field (bigints included). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    '-',
    '(empty)',
    'T',
    'F',
    '::',
    '999.1.1.1',
    'fe80::1%eth0',
    '1e400',
    'NaN',
    '__proto__',
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), {
    maxKeys: 3,
  }),
);

/**
 * A real record (one of `samples`, JSON text) with some fields replaced by hostile values, some
 * removed and some nested objects' fields replaced: what a normalizer must map without throwing
 * and into valid OCSF.
 */
export function hostileFields(samples: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.nat(), hostileValue, fc.boolean()), { minLength: 1, maxLength: 6 }),
    )
    .map(([sample, edits]) => {
      const fields = JSON.parse(sample) as Record<string, unknown>;
      for (const [at, inner, value, remove] of edits) {
        const keys = Object.keys(fields);
        if (keys.length === 0) break;
        const key = keys[at % keys.length]!;
        const current = fields[key];
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
          const nested = current as Record<string, unknown>;
          const innerKeys = Object.keys(nested);
          if (innerKeys.length > 0) {
            const k = innerKeys[inner % innerKeys.length]!;
            if (remove) delete nested[k];
            else nested[k] = value;
            continue;
          }
        }
        if (remove) delete fields[key];
        else fields[key] = value;
      }
      return fields;
    });
}
