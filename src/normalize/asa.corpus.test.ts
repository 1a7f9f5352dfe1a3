/**
 * ../shared has no raw ASA log; the OCSF project's Cisco ASA mapping examples are real messages
 * (ocsf/mapping-examples/Cisco/v1.3.0/ASA/<id>/samples/*.raw, one line each, no PRI, as a syslog
 * server writes them to a file). Each goes through the real path, importFile() → processRecord(),
 * and is compared with the example's expected OCSF where Vigil maps the same way. Deliberate
 * differences (docs/sources.md): for outbound connections (302013/302015) the inside host
 * that opened the connection is the source, where the example keeps the log's "for" side; NAT
 * translations (305011/305012) keep the mapped address in unmapped rather than as a destination.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { ingestShared } from './network.testing.js';
import type { OcsfEvent } from './ocsf.js';

const DIR = 'ocsf/mapping-examples/Cisco/v1.3.0/ASA';
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

const pick = (e: Record<string, unknown> | undefined) =>
  e === undefined ? undefined : { ip: e.ip, port: e.port, interface_name: e.interface_name };

describe('Cisco ASA corpus (OCSF mapping examples)', () => {
  test(
    'every example message is ingested, mapped as the example says, and valid OCSF',
    { skip },
    async (t) => {
      const ids = readdirSync(sharedPath(DIR))
        .filter((d) => /^\d{6}$/.test(d))
        .sort();
      let records = 0;
      let mapped = 0;
      let valid = 0;
      let rejected = 0;
      for (const id of ids) {
        const { events, rejections } = await ingestShared(`${DIR}/${id}/samples/cisco_asa_${id}.raw`);
        rejected += rejections.length;
        assert.equal(events.length, 1, id);
        const event: OcsfEvent = events[0]!;
        const expected = JSON.parse(
          readFileSync(sharedPath(`${DIR}/${id}/samples/cisco_asa_${id}.ocsf`), 'utf8'),
        );
        records++;
        if (event.class_uid !== 0) mapped++;
        assert.deepEqual(validateOcsf(event), [], id);
        valid++;
        assert.equal(event.metadata.event_code, id);
        assert.equal(event.class_uid, expected.class_uid, id);
        assert.equal(event.activity_id, expected.activity_id, id);
        assert.equal(event.time, expected.time, id);
        assert.equal(event.metadata.original_time, expected.metadata.original_time, id);
        assert.equal(event.duration, expected.duration, id);
        assert.deepEqual(event.traffic, expected.traffic, id);
        assert.equal(
          (event.connection_info as Record<string, unknown>).uid,
          expected.connection_info.uid,
          id,
        );
        const outbound = expected.connection_info.direction === 'Outbound' && /^30201[35]$/.test(id);
        const [src, dst] = outbound
          ? [expected.dst_endpoint, expected.src_endpoint]
          : [expected.src_endpoint, expected.dst_endpoint];
        assert.deepEqual(pick(event.src_endpoint as Record<string, unknown>), pick(src), `${id} source`);
        if (/^30501[12]$/.test(id))
          assert.equal((event.unmapped as Record<string, Record<string, unknown>>).translation!.ip, dst.ip);
        else
          assert.deepEqual(
            pick(event.dst_endpoint as Record<string, unknown>),
            pick(dst),
            `${id} destination`,
          );
      }
      t.diagnostic(
        `Cisco ASA: ${ids.length} files, ${records} records ingested, ${mapped} mapped to a specific OCSF class, ` +
          `validation 100% of mapped (${valid}/${records} of all), ${rejected} rejected`,
      );
      assert.equal(rejected, 0);
      assert.equal(records, 7);
      assert.equal(mapped, records);
    },
  );
});
