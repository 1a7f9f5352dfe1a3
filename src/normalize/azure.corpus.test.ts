import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getPath, type OcsfEvent } from './ocsf.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { describeStats, fileEvents, ingestCorpus } from './cloud.testing.js';

const DIR = 'telemetry/identity';
const at = (rel: string) => sharedPath(`${DIR}/${rel}`);
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);
const RULE_TESTS = 'panther-rule-tests/azure_signin_rules.jsonl';

const byTest = (events: OcsfEvent[], name: string): OcsfEvent => {
  const e = events.find((x) =>
    x.metadata.tags?.some((t) => t.name === 'test_case.test_name' && t.value === name),
  );
  assert.ok(e, `test case '${name}'`);
  return e;
};

describe('Entra ID corpus', { skip }, () => {
  test('sign-ins and directory audit records: all mapped, all valid OCSF', async (t) => {
    const stats = await ingestCorpus([at('elastic-beats/azure-signinlogs.log'), at(RULE_TESTS)]);
    for (const line of describeStats(stats)) t.diagnostic(line);
    assert.deepEqual(stats.rejected, []);
    assert.equal(stats.records, 48);
    const entra = stats.byProduct.get('Microsoft Entra ID')!;
    assert.equal(entra.events, 48);
    assert.equal(entra.valid, 48);
    assert.deepEqual(entra.byClass, { Authentication: 27, 'API Activity': 21 });
  });

  test('Azure Monitor SignInLogs (Filebeat sample): interrupted sign-in with geo, app, status code', async () => {
    const [e] = await fileEvents(at('elastic-beats/azure-signinlogs.log'));
    assert.equal(e!.class_name, 'Authentication');
    assert.equal(getPath(e, 'user.name'), 'test@elastic.co');
    assert.equal(getPath(e, 'user.display_name'), 'Test LTest');
    assert.equal(getPath(e, 'actor.app_name'), 'Office 365');
    assert.equal(getPath(e, 'src_endpoint.ip'), '81.171.241.231');
    assert.equal(getPath(e, 'src_endpoint.location.city'), 'Champs-Sur-Marne');
    assert.equal(getPath(e, 'src_endpoint.location.country'), 'FR');
    assert.equal(getPath(e, 'src_endpoint.os.type'), 'macOS');
    assert.equal(e!.status, 'Failure');
    assert.equal(e!.status_code, '50140');
    assert.match(String(e!.status_detail), /Keep me signed in/);
    assert.equal(e!.metadata.log_name, 'SignInLogs');
    assert.equal(getPath(e, 'metadata.correlation_uid'), '8a4de8b5-095c-47d0-a96f-a75130c61d53');
    assert.equal(e!.time, Date.parse('2019-10-18T09:45:48.072Z'));
  });

  test('service principal sign-in (lower-cased envelope): the principal is the user', async () => {
    const events = await fileEvents(at(RULE_TESTS));
    const e = byTest(events, 'Failed Sign-In');
    assert.equal(e.metadata.log_name, 'ServicePrincipalSignInLogs');
    assert.equal(getPath(e, 'user.name'), 'some-service-principal');
    assert.equal(getPath(e, 'user.type'), 'Service');
    assert.equal(getPath(e, 'user.risk_level'), 'Low');
    assert.equal(getPath(e, 'src_endpoint.ip'), '12.12.12.12');
    assert.equal(getPath(e, 'service.name'), 'Azure Storage');
    assert.equal(e.status_code, '7000215');
    assert.equal(e.status, 'Failure');
  });

  test('legacy-auth sign-in: single factor, password method, protocol as written', async () => {
    const e = byTest(await fileEvents(at(RULE_TESTS)), 'Sign-In with legacy auth');
    assert.equal(e.is_mfa, false);
    assert.deepEqual(e.auth_factors, [{ factor_type_id: 11, factor_type: 'Password', provider: 'Password' }]);
    assert.equal(e.auth_protocol_id, 99);
    assert.equal(e.auth_protocol, 'rpoc');
    assert.equal(getPath(e, 'user.name'), 'eve@lexcorp.com');
    assert.equal(e.status, 'Success');
    assert.equal(getPath(e, 'logon_type'), 'Interactive');
  });

  test('account lockout 50053 and an external invitation (AuditLogs → API Activity)', async () => {
    const events = await fileEvents(at(RULE_TESTS));
    const lockout = byTest(events, 'Account Lockout Error 50053');
    assert.equal(lockout.status_code, '50053');
    assert.equal(getPath(lockout, 'user.name'), 'boromir@lotr.com');
    assert.equal(getPath(lockout, 'src_endpoint.location.country'), 'RU');
    const invite = byTest(events, 'Successful Invite external user');
    assert.equal(invite.class_name, 'API Activity');
    assert.equal(invite.activity_name, 'Create');
    assert.equal(getPath(invite, 'api.operation'), 'Invite external user');
    assert.equal(getPath(invite, 'api.service.name'), 'Invited Users');
    assert.equal(getPath(invite, 'actor.user.name'), 'denethor@lotr.com');
    assert.equal(getPath(invite, 'src_endpoint.ip'), '1.2.3.4');
    assert.deepEqual(invite.resources, [{ uid: '123456789', name: 'Zeus.Theboss', type: 'User' }]);
    assert.equal(invite.status, 'Success');
    assert.deepEqual(validateOcsf(invite), []);
  });
});
