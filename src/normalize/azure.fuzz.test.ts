import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../parsers/json.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { azureNormalizer } from './azure.js';
import { anyValue, checkNormalize, CORPUS_CTX, fieldsOf, parsedOrUndefined } from './cloud.testing.js';

const validate = sharedSkip(OCSF_SCHEMA_DIR) === false;

const SIGN_IN = {
  time: '2024-01-01T00:00:00Z',
  category: 'SignInLogs',
  operationName: 'Sign-in activity',
  resourceId: '/tenants/t/providers/Microsoft.aadiam',
  tenantId: 't',
  callerIpAddress: '192.0.2.1',
  properties: {
    id: 'i',
    createdDateTime: '2024-01-01T00:00:00.1234567Z',
    userPrincipalName: 'u@example.com',
    userId: 'u',
    appDisplayName: 'App',
    ipAddress: '192.0.2.1',
    status: { errorCode: 50126, failureReason: 'bad password' },
    location: { city: 'C', countryOrRegion: 'US', geoCoordinates: { latitude: 1, longitude: 2 } },
    authenticationDetails: [{ authenticationMethod: 'Password' }],
    mfaDetail: { authMethod: 'Text message' },
    authenticationProtocol: 'deviceCode',
    riskLevelDuringSignIn: 'medium',
    deviceDetail: { operatingSystem: 'Ios 17' },
  },
};
const AUDIT = {
  time: '2024-12-16 16:32:16.087554000',
  category: 'AuditLogs',
  operationName: 'Add member to role',
  resourceid: '/tenants/t/providers/Microsoft.aadiam',
  properties: {
    operationType: 'Assign',
    result: 'success',
    loggedByService: 'PIM',
    initiatedBy: { user: { id: '1', userPrincipalName: 'a@b.c', ipAddress: '10.0.0.1' } },
    targetResources: [{ id: '2', type: 'Role', displayName: 'Admin' }],
    additionalDetails: [{ key: 'User-Agent', value: 'x' }],
  },
};
const SAMPLES = [SIGN_IN, AUDIT, { ...SIGN_IN, category: 'ServicePrincipalSignInLogs' }].map((r) =>
  stringifyJson(r),
);

test('mutated Entra records: only ParseErrors, and valid OCSF whenever accepted', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsedOrUndefined(text);
      if (rec !== undefined && azureNormalizer.accepts(rec)) checkNormalize(azureNormalizer, rec, validate);
    }),
    fuzzOptions(),
  );
});

test('hostile text through the pipeline: an event or a rejection with a reason', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      const outcome = processRecord({ text, position: 'fuzz', format: 'json' }, CORPUS_CTX);
      assert.ok(outcome.ok || outcome.error.reason.length > 0);
    }),
    fuzzOptions(),
  );
});

const PROPS = [
  'id',
  'createdDateTime',
  'activityDateTime',
  'userPrincipalName',
  'userDisplayName',
  'userId',
  'appId',
  'appDisplayName',
  'servicePrincipalId',
  'servicePrincipalName',
  'ipAddress',
  'userAgent',
  'sessionId',
  'isInteractive',
  'authenticationRequirement',
  'authenticationProtocol',
  'authenticationDetails',
  'mfaDetail',
  'resourceDisplayName',
  'resourceId',
  'riskLevelDuringSignIn',
  'status',
  'location',
  'deviceDetail',
  'autonomousSystemNumber',
  'operationType',
  'result',
  'resultReason',
  'loggedByService',
  'initiatedBy',
  'targetResources',
  'additionalDetails',
  '__proto__',
];
const TOP = [
  'time',
  'tenantId',
  'callerIpAddress',
  'calleripaddress',
  'correlationId',
  'resultType',
  'resultDescription',
  'identity',
  'location',
  'Level',
];

const entraRecord = fc
  .tuple(
    fc.constantFrom(
      'SignInLogs',
      'NonInteractiveUserSignInLogs',
      'ServicePrincipalSignInLogs',
      'ManagedIdentitySignInLogs',
      'AuditLogs',
      'Policy',
    ),
    fieldsOf(TOP),
    fieldsOf(PROPS),
    fieldsOf([
      'errorCode',
      'failureReason',
      'city',
      'state',
      'countryOrRegion',
      'geoCoordinates',
      'latitude',
      'longitude',
      'operatingSystem',
      'deviceId',
      'displayName',
      'authMethod',
      'user',
      'app',
      'id',
      'userPrincipalName',
      'type',
    ]),
    fc.oneof(
      fc.array(fieldsOf(['id', 'type', 'displayName', 'userPrincipalName', 'authenticationMethod']), {
        maxLength: 3,
      }),
      anyValue,
    ),
  )
  .map(([category, top, props, nested, list]) => ({
    ...top,
    category,
    operationName: 'op',
    resourceId: '/tenants/t/providers/Microsoft.aadiam',
    properties: {
      ...props,
      status: nested,
      location: { ...nested, geoCoordinates: nested },
      deviceDetail: nested,
      mfaDetail: nested,
      initiatedBy: { user: nested, app: nested },
      targetResources: list,
      authenticationDetails: list,
    },
  }));

test(
  'Entra records with arbitrary values: valid OCSF every time, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(entraRecord, (fields) => {
        const rec = parsedOrUndefined(stringifyJson(fields))!;
        assert.ok(azureNormalizer.accepts(rec));
        checkNormalize(azureNormalizer, rec, true);
      }),
      fuzzOptions(),
    );
  },
);
