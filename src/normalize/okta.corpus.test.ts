import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPath } from './ocsf.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { corpusFiles, describeStats, fileEvents, ingestCorpus } from './cloud.testing.js';

const DIR = 'telemetry/identity';
const at = (rel: string) => sharedPath(`${DIR}/${rel}`);
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

function lines(rel: string): Record<string, unknown>[] {
  return readFileSync(at(rel), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('identity corpus (Okta, Entra ID, Auth0, OneLogin)', { skip }, () => {
  test('every record of every file is ingested; Okta and Entra events mapped and valid OCSF', async (t) => {
    const files = corpusFiles(sharedPath(DIR), ['.jsonl', '.log']);
    assert.equal(files.length, 6);
    const stats = await ingestCorpus(files);
    for (const line of describeStats(stats)) t.diagnostic(line);
    assert.deepEqual(stats.crashed, []);
    assert.deepEqual(stats.rejected, []);
    const expected = files.reduce(
      (n, f) =>
        n +
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.trim()).length,
      0,
    );
    assert.equal(stats.records, expected);
    assert.deepEqual(stats.invalid, []);

    // Okta: every row with an event type is an event of a specific class; aggregate query rows
    // (Panther's behavioural rules test them, they have no event type) stay Base Events.
    const oktaRows = [
      ...lines('panther-rule-tests/okta_rules.jsonl').map((r) => r.log as Record<string, unknown>),
    ];
    oktaRows.push(...lines('elastic-beats/okta-system-test.json.log'));
    const withType = oktaRows.filter((r) => typeof (r.eventType ?? r.eventtype) === 'string').length;
    const okta = stats.byProduct.get('Okta System Log')!;
    assert.equal(okta.events, oktaRows.length);
    assert.equal(okta.mapped, withType);
    assert.equal(okta.valid, okta.mapped);
    assert.ok(okta.byClass['Authentication']! >= 25, JSON.stringify(okta.byClass));

    const entra = stats.byProduct.get('Microsoft Entra ID')!;
    const entraRows = lines('panther-rule-tests/azure_signin_rules.jsonl').length + 1;
    assert.equal(entra.events, entraRows);
    assert.equal(entra.mapped, entraRows);
    assert.equal(entra.valid, entra.mapped);
    assert.ok(entra.byClass['Authentication']! >= 25 && entra.byClass['API Activity']! >= 15);
  });

  test('Okta user.session.start (API shape): Authentication Logon with user, geo, session', async () => {
    const events = await fileEvents(at('elastic-beats/okta-system-test.json.log'));
    const e = events[1]!;
    assert.equal(e.class_name, 'Authentication');
    assert.equal(e.activity_name, 'Logon');
    assert.equal(e.message, 'User login to Okta');
    assert.equal(getPath(e, 'user.email_addr'), 'xxxxxx@elastic.co');
    assert.equal(getPath(e, 'user.uid'), '00u1abvz4pYqdM8ms4x6');
    assert.equal(getPath(e, 'src_endpoint.ip'), '67.43.156.12');
    assert.equal(getPath(e, 'src_endpoint.location.city'), 'Dublin');
    assert.equal(getPath(e, 'src_endpoint.location.lat'), 37.7201);
    assert.equal(getPath(e, 'src_endpoint.os.type'), 'macOS');
    assert.equal(getPath(e, 'session.uid'), '102bZDNFfWaQSyEZQuDgWt-uQ');
    assert.equal(
      getPath(e, 'http_request.user_agent'),
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:72.0) Gecko/20100101 Firefox/72.0',
    );
    assert.equal(e.status, 'Success');
    assert.equal(e.time, Date.parse('2020-02-14T20:18:57.718Z'));
    assert.equal(e.metadata.original_event_uid, '3aeede38-4f67-11ea-abd3-1f5d113f2546');
    assert.equal(e.metadata.event_code, 'user.session.start');
    // The first line: user.session.end is a Logoff.
    assert.equal(events[0]!.activity_name, 'Logoff');
    // policy.evaluate_sign_on: ALLOW is a success.
    const policy = events.find((x) => x.metadata.event_code === 'policy.evaluate_sign_on')!;
    assert.equal(policy.class_name, 'Authentication');
    assert.equal(policy.status, 'Success');
    assert.equal(policy.status_detail, 'Sign-on policy evaluation resulted in ALLOW');
  });

  test('Okta system.api_token.create: API Activity Create with the token as resource', async () => {
    const events = await fileEvents(at('panther-rule-tests/okta_rules.jsonl'));
    const e = events.find((x) => x.metadata.tags?.some((t) => t.value === 'API Key Created'))!;
    assert.equal(e.class_name, 'API Activity');
    assert.equal(e.activity_name, 'Create');
    assert.equal(getPath(e, 'api.operation'), 'system.api_token.create');
    assert.equal(getPath(e, 'actor.user.email_addr'), 'user@example.com');
    assert.deepEqual(e.resources, [{ uid: '00Tpki36zlWjhjQ1u2p4', name: 'test_key', type: 'Token' }]);
    assert.ok(
      e.metadata.tags?.some((tag) => tag.name === 'test_case.rule_id' && tag.value === 'Okta.APIKeyCreated'),
    );
  });

  test('Okta data-lake rows (lower-cased keys): MFA sign-on failure, zone-less time', async () => {
    const events = await fileEvents(at('panther-rule-tests/okta_rules.jsonl'));
    const e = events.find(
      (x) => x.metadata.event_code === 'user.authentication.auth_via_mfa' && x.status === 'Failure',
    )!;
    assert.equal(e.class_name, 'Authentication');
    assert.equal(e.is_mfa, true);
    assert.equal(e.status_detail, 'INVALID_CREDENTIALS');
    assert.equal(e.message, 'Authentication of user via MFA');
    assert.equal(getPath(e, 'src_endpoint.ip'), '1.3.2.4');
    assert.equal(getPath(e, 'actor.session.uid'), '100-abc-9999');
    assert.equal(e.time, Date.UTC(2022, 5, 22, 18, 18, 29, 15));
  });

  test('Okta aggregate query rows stay Base Events with every field', async () => {
    const events = await fileEvents(at('panther-rule-tests/okta_rules.jsonl'));
    const rows = events.filter((x) => x.class_uid === 0);
    assert.equal(rows.length, 26);
    assert.ok(rows.every((x) => x.metadata.product.name === 'Okta System Log' && x.unmapped !== undefined));
  });
});
