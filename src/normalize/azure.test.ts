import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { azureNormalizer, isEntraRecord } from './azure.js';
import { getPath, type OcsfEvent } from './ocsf.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2) };

function record(fields: Record<string, unknown>): ParsedRecord {
  return { format: 'json', fields, raw: stringifyJson(fields) };
}

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec = record(fields);
  assert.ok(azureNormalizer.accepts(rec), 'accepted');
  return azureNormalizer.normalize(rec, CTX);
}

const SIGN_IN_PROPS = {
  id: 'sign-in-1',
  createdDateTime: '2024-06-01T07:30:00.1234567Z',
  userDisplayName: 'Carol',
  userPrincipalName: 'carol@contoso.com',
  userId: 'user-1',
  appId: 'app-1',
  appDisplayName: 'Azure Portal',
  ipAddress: '192.0.2.44',
  userAgent: 'Mozilla/5.0',
  correlationId: 'corr-1',
  sessionId: 'sess-1',
  isInteractive: true,
  authenticationRequirement: 'multiFactorAuthentication',
  authenticationProtocol: 'oAuth2',
  authenticationDetails: [
    { authenticationMethod: 'Password', succeeded: true },
    { authenticationMethod: 'Mobile app notification', succeeded: true },
    { authenticationMethod: 'Previously satisfied', succeeded: true },
  ],
  resourceDisplayName: 'Windows Azure Service Management API',
  resourceId: 'res-1',
  riskLevelDuringSignIn: 'high',
  status: { errorCode: 0 },
  location: {
    city: 'Redmond',
    state: 'Washington',
    countryOrRegion: 'US',
    geoCoordinates: { latitude: 47.6, longitude: -122.1 },
  },
  deviceDetail: { deviceId: 'dev-1', displayName: 'LAPTOP-1', operatingSystem: 'Windows 10' },
  autonomousSystemNumber: 8075,
};

const SIGN_IN = {
  time: '2024-06-01T07:30:05.0000000Z',
  resourceId: '/tenants/tenant-1/providers/Microsoft.aadiam',
  operationName: 'Sign-in activity',
  category: 'SignInLogs',
  tenantId: 'tenant-1',
  resultType: '0',
  callerIpAddress: '192.0.2.44',
  correlationId: 'corr-1',
  properties: SIGN_IN_PROPS,
};

const AUDIT = {
  time: '2024-06-02T10:00:00Z',
  resourceId: '/tenants/tenant-1/providers/Microsoft.aadiam',
  operationName: 'Add member to role',
  category: 'AuditLogs',
  tenantId: 'tenant-1',
  properties: {
    id: 'Directory_1',
    activityDateTime: '2024-06-02T09:59:59.5Z',
    activityDisplayName: 'Add member to role',
    loggedByService: 'Core Directory',
    operationType: 'Assign',
    result: 'failure',
    resultReason: 'Insufficient privileges',
    initiatedBy: { app: { appId: 'app-9', displayName: 'Automation', servicePrincipalId: 'sp-9' } },
    targetResources: [
      { id: 'user-2', type: 'User', userPrincipalName: 'dave@contoso.com' },
      { type: 'Role' },
    ],
  },
};

describe('accepts', () => {
  test('Entra sign-ins and audit records, Graph sign-in objects; not Azure activity logs or others', () => {
    assert.ok(isEntraRecord(SIGN_IN));
    assert.ok(isEntraRecord(AUDIT));
    assert.ok(isEntraRecord(SIGN_IN_PROPS), 'Graph API signIn object');
    for (const other of [
      {
        category: 'Administrative',
        operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE',
        resourceId: '/subscriptions/1/x',
        properties: {},
      },
      { category: 'SignInLogs' },
      { EventID: 4624, Channel: 'Security', Computer: 'dc1' },
    ]) {
      assert.equal(azureNormalizer.accepts(record(other)), false, JSON.stringify(other));
    }
  });
});

describe('sign-ins', () => {
  test('a successful MFA sign-in: user, app, endpoint, factors, protocol, risk, ids', () => {
    const e = normalize(SIGN_IN);
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_name, 'Logon');
    assert.equal(e.time, Date.UTC(2024, 5, 1, 7, 30, 0, 123));
    assert.deepEqual(e.user, {
      uid: 'user-1',
      name: 'carol@contoso.com',
      display_name: 'Carol',
      email_addr: 'carol@contoso.com',
      type_id: 1,
      type: 'User',
      risk_level_id: 3,
      risk_level: 'High',
    });
    assert.equal(getPath(e, 'actor.app_name'), 'Azure Portal');
    assert.deepEqual(e.session, { uid: 'sess-1' });
    assert.deepEqual(e.src_endpoint, {
      ip: '192.0.2.44',
      location: { city: 'Redmond', region: 'Washington', country: 'US', lat: 47.6, long: -122.1 },
      autonomous_system: { number: 8075 },
      os: { name: 'Windows 10', type_id: 100, type: 'Windows' },
      uid: 'dev-1',
      name: 'LAPTOP-1',
    });
    assert.deepEqual(e.service, { name: 'Windows Azure Service Management API', uid: 'res-1' });
    assert.equal(e.is_mfa, true);
    assert.deepEqual(e.auth_factors, [
      { factor_type_id: 11, factor_type: 'Password', provider: 'Password' },
      { factor_type_id: 5, factor_type: 'Push Notification', provider: 'Mobile app notification' },
    ]);
    assert.equal(e.auth_protocol, 'OAUTH 2.0');
    assert.equal(e.logon_type, 'Interactive');
    assert.equal(e.status, 'Success');
    assert.equal(e.status_code, '0');
    assert.deepEqual(e.cloud, { provider: 'Azure', org: { uid: 'tenant-1' } });
    assert.equal(getPath(e, 'metadata.tenant_uid'), 'tenant-1');
    assert.equal(e.metadata.original_event_uid, 'sign-in-1');
  });

  test('failures by error code or result word; Graph objects; service principals', () => {
    const failed = normalize({
      ...SIGN_IN,
      properties: {
        ...SIGN_IN_PROPS,
        status: { errorCode: 50126, failureReason: 'Invalid username or password' },
      },
    });
    assert.equal(failed.status, 'Failure');
    assert.equal(failed.status_code, '50126');
    assert.equal(failed.status_detail, 'Invalid username or password');
    const worded = normalize({
      ...SIGN_IN,
      resultType: 'Failure',
      properties: { ...SIGN_IN_PROPS, status: undefined },
    });
    assert.equal(worded.status, 'Failure');
    const graph = normalize(SIGN_IN_PROPS);
    assert.equal(graph.class_uid, 3002);
    assert.equal(getPath(graph, 'user.name'), 'carol@contoso.com');
    assert.equal(graph.metadata.log_name, undefined);
    const sp = normalize({
      ...SIGN_IN,
      category: 'ServicePrincipalSignInLogs',
      properties: {
        servicePrincipalId: 'sp-1',
        servicePrincipalName: 'backup-job',
        status: { errorCode: 0 },
      },
    });
    assert.deepEqual(sp.user, { uid: 'sp-1', name: 'backup-job', type_id: 4, type: 'Service' });
    assert.deepEqual(sp.service, { name: 'Microsoft Entra ID' }, 'no resource named: the directory itself');
  });
});

describe('directory audit', () => {
  test('an app assigns a role and fails: API Activity with initiator, targets, status', () => {
    const e = normalize(AUDIT);
    assert.equal(e.class_uid, 6003);
    assert.equal(e.activity_name, 'Update');
    assert.equal(e.time, Date.UTC(2024, 5, 2, 9, 59, 59, 500));
    assert.deepEqual(e.actor, { app_name: 'Automation', app_uid: 'app-9' });
    assert.deepEqual(e.api, {
      operation: 'Add member to role',
      service: { name: 'Core Directory' },
      request: { uid: 'Directory_1' },
    });
    // A target without id or name (the role here) is no OCSF resource; it stays in unmapped.
    assert.deepEqual(e.resources, [{ uid: 'user-2', name: 'dave@contoso.com', type: 'User' }]);
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_detail, 'Insufficient privileges');
    assert.deepEqual(e.src_endpoint, { name: 'unknown' });
    assert.equal(e.metadata.event_code, 'Add member to role');
  });
});

describe('OCSF validity', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('fixtures are valid OCSF 1.8, also nearly empty ones', () => {
    for (const fields of [
      SIGN_IN,
      AUDIT,
      SIGN_IN_PROPS,
      { category: 'SignInLogs', properties: {} },
      { category: 'AuditLogs', properties: { initiatedBy: {} } },
    ]) {
      const e = normalize(fields);
      assert.deepEqual(validateOcsf(e), [], stringifyJson(e));
    }
  });
});
