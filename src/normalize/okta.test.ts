import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { getPath, type OcsfEvent } from './ocsf.js';
import { isOktaEvent, oktaAuthActivity, oktaNormalizer } from './okta.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2) };

function record(fields: Record<string, unknown>): ParsedRecord {
  return { format: 'json', fields, raw: stringifyJson(fields) };
}

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec = record(fields);
  assert.ok(oktaNormalizer.accepts(rec), 'accepted');
  return oktaNormalizer.normalize(rec, CTX);
}

const ACTOR = { id: '00u1', type: 'User', alternateId: 'alice@example.com', displayName: 'Alice' };
const CLIENT = {
  ipAddress: '198.51.100.20',
  device: 'Computer',
  userAgent: { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0)', os: 'Windows 10', browser: 'CHROME' },
  geographicalContext: {
    city: 'Berlin',
    state: 'Berlin',
    country: 'Germany',
    postalCode: '10115',
    geolocation: { lat: 52.5, lon: 13.4 },
  },
};

const SESSION_START = {
  uuid: 'u-1',
  published: '2024-05-01T08:00:00.000Z',
  eventType: 'user.session.start',
  version: '0',
  severity: 'INFO',
  displayMessage: 'User login to Okta',
  actor: ACTOR,
  client: CLIENT,
  outcome: { result: 'FAILURE', reason: 'VERIFICATION_ERROR' },
  authenticationContext: { externalSessionId: 'sess-1', credentialType: 'PASSWORD' },
  securityContext: { asNumber: 3320, asOrg: 'Deutsche Telekom', isp: 'DTAG', domain: 't-ipconnect.de' },
  debugContext: { debugData: { requestId: 'req-9', url: '/api/v1/authn' } },
  transaction: { type: 'WEB', id: 'tx-1' },
};

describe('accepts', () => {
  test('System Log events (either key case) and Okta test cases; not other JSON', () => {
    assert.ok(isOktaEvent(SESSION_START));
    assert.ok(
      isOktaEvent({ eventtype: 'user.session.start', actor: ACTOR, published: '2024-01-01 00:00:00' }),
    );
    assert.ok(
      oktaNormalizer.accepts(
        record({
          rule_id: 'R',
          expected_result: true,
          log_types: null,
          source_file: 'rules/okta_rules/x.yml',
          log: { z: 1 },
        }),
      ),
    );
    for (const other of [
      { eventType: 'x', actor: 'someone', published: 'now' },
      { eventType: 'click', user: 'u' },
      { action: 'repo.create', actor: 'octocat' },
      { rule_id: 'R', expected_result: true, log_types: ['GitHub.Audit'], log: { action: 'a.b' } },
    ]) {
      assert.equal(oktaNormalizer.accepts(record(other)), false, JSON.stringify(other));
    }
  });
});

describe('Authentication', () => {
  test('user.session.start: user, endpoint with geo/AS/OS, session, factors, outcome', () => {
    const e = normalize(SESSION_START);
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_id, 1);
    assert.equal(e.message, 'User login to Okta');
    assert.deepEqual(e.user, {
      name: 'Alice',
      uid: '00u1',
      email_addr: 'alice@example.com',
      type_id: 1,
      type: 'User',
    });
    assert.deepEqual(e.src_endpoint, {
      ip: '198.51.100.20',
      location: {
        city: 'Berlin',
        region: 'Berlin',
        country: 'Germany',
        postal_code: '10115',
        lat: 52.5,
        long: 13.4,
      },
      autonomous_system: { number: 3320, name: 'Deutsche Telekom' },
      isp: 'DTAG',
      domain: 't-ipconnect.de',
      os: { name: 'Windows 10', type_id: 100, type: 'Windows' },
    });
    assert.deepEqual(e.session, { uid: 'sess-1' });
    assert.deepEqual(e.auth_factors, [{ factor_type_id: 11, factor_type: 'Password', provider: 'PASSWORD' }]);
    assert.equal(e.is_mfa, undefined, 'a password alone is not MFA');
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_detail, 'VERIFICATION_ERROR');
    assert.deepEqual(e.http_request, { user_agent: 'Mozilla/5.0 (Windows NT 10.0)', uid: 'req-9' });
    assert.deepEqual(e.service, { name: 'Okta' });
    assert.equal(getPath(e, 'metadata.correlation_uid'), 'tx-1');
    assert.equal(e.metadata.original_event_uid, 'u-1');
    assert.equal(e.time, Date.parse('2024-05-01T08:00:00.000Z'));
  });

  test('MFA, SSO to an application, outcomes other than success and failure', () => {
    const mfa = normalize({
      ...SESSION_START,
      eventType: 'user.authentication.auth_via_mfa',
      outcome: { result: 'SUCCESS' },
      debugContext: { debugData: { factor: 'OKTA_VERIFY_PUSH' } },
    });
    assert.equal(mfa.is_mfa, true);
    assert.equal(getPath(mfa, 'auth_factors.0.factor_type'), 'Push Notification');
    const sso = normalize({
      ...SESSION_START,
      eventType: 'user.authentication.sso',
      target: [{ id: '0oa1', type: 'AppInstance', displayName: 'Salesforce' }],
    });
    assert.deepEqual(sso.service, { name: 'Salesforce', uid: '0oa1' });
    const challenge = normalize({
      ...SESSION_START,
      eventType: 'policy.evaluate_sign_on',
      outcome: { result: 'CHALLENGE' },
    });
    assert.equal(challenge.activity_id, 99);
    assert.equal(challenge.status_id, 99);
    assert.equal(challenge.status, 'CHALLENGE');
    assert.equal(normalize({ ...SESSION_START, outcome: { result: 'ALLOW' } }).status, 'Success');
    assert.equal(normalize({ ...SESSION_START, outcome: { result: 'DENY' } }).status, 'Failure');
    assert.equal(normalize({ ...SESSION_START, eventType: 'user.session.end' }).activity_name, 'Logoff');
    assert.equal(oktaAuthActivity('group.user_membership.add'), undefined);
  });

  test('severity from the event: WARN is Medium', () => {
    const e = normalize({ ...SESSION_START, severity: 'WARN' });
    assert.equal(e.severity_id, 3);
    assert.equal(e.severity, 'Medium');
  });
});

describe('API Activity', () => {
  test('group membership: verb activity, targets as resources, operation', () => {
    const e = normalize({
      ...SESSION_START,
      eventType: 'group.user_membership.add',
      displayMessage: 'Add user to group membership',
      outcome: { result: 'SUCCESS' },
      target: [
        { id: '00u2', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob' },
        { id: '00g1', type: 'UserGroup', alternateId: 'unknown', displayName: 'Admins' },
      ],
    });
    assert.equal(e.class_uid, 6003);
    assert.equal(e.activity_name, 'Create');
    assert.deepEqual(e.api, { operation: 'group.user_membership.add', request: { uid: 'req-9' } });
    assert.deepEqual(e.resources, [
      { uid: '00u2', name: 'Bob', type: 'User' },
      { uid: '00g1', name: 'Admins', type: 'UserGroup' },
    ]);
    assert.equal(getPath(e, 'actor.user.name'), 'Alice');
    assert.equal(getPath(e, 'actor.session.uid'), 'sess-1');
    assert.equal(e.status, 'Success');
    assert.equal(normalize({ ...SESSION_START, eventType: 'user.account.lock' }).activity_name, 'Update');
    assert.equal(
      normalize({ ...SESSION_START, eventType: 'security.threat.detected' }).activity_name,
      'Other',
    );
  });

  test('test-case rows without an event type stay Base Events; rows with one but no actor object still map', () => {
    const base = normalize({
      rule_id: 'R',
      expected_result: true,
      log_types: null,
      source_file: 'rules/okta_rules/x.yml',
      log: { admin_email: 'a@b.c', z: 1 },
    });
    assert.equal(base.class_uid, 0);
    assert.equal(base.metadata.product.name, 'Okta System Log');
    assert.deepEqual(base.unmapped, { admin_email: 'a@b.c', z: 1 });
    const row = normalize({
      rule_id: 'R',
      expected_result: true,
      log_types: null,
      source_file: 'rules/okta_rules/x.yml',
      log: {
        eventType: 'system.api_token.create',
        actorId: 'admin@company.com',
        actorName: 'Admin',
        sourceIP: '203.0.113.50',
        result: 'SUCCESS',
        p_event_time: '2024-01-15 14:23:45.123',
      },
    });
    assert.equal(row.class_uid, 6003);
    assert.equal(getPath(row, 'actor.user.email_addr'), 'admin@company.com');
    assert.equal(getPath(row, 'src_endpoint.ip'), '203.0.113.50');
    assert.equal(row.status, 'Success');
    assert.equal(row.time, Date.UTC(2024, 0, 15, 14, 23, 45, 123));
  });
});

describe('OCSF validity', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('fixtures are valid OCSF 1.8, also with most fields missing', () => {
    for (const fields of [
      SESSION_START,
      { ...SESSION_START, eventType: 'group.user_membership.add' },
      { eventType: 'user.session.start', actor: {}, published: 'x' },
      { eventType: 'user.lifecycle.create', actor: { type: 'SystemPrincipal' }, outcome: {} },
    ]) {
      const e = normalize(fields);
      assert.deepEqual(validateOcsf(e), [], stringifyJson(e));
    }
  });
});
