import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../parsers/json.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { anyValue, checkNormalize, CORPUS_CTX, fieldsOf, parsedOrUndefined } from './cloud.testing.js';
import { oktaNormalizer } from './okta.js';

const validate = sharedSkip(OCSF_SCHEMA_DIR) === false;

const EVENT = {
  uuid: 'u',
  published: '2024-01-01T00:00:00.000Z',
  eventType: 'user.authentication.sso',
  version: '0',
  severity: 'WARN',
  displayMessage: 'User single sign on to app',
  actor: { id: '00u1', type: 'User', alternateId: 'a@example.com', displayName: 'A' },
  client: {
    ipAddress: '198.51.100.1',
    userAgent: { rawUserAgent: 'Mozilla/5.0', os: 'Mac OS X' },
    geographicalContext: { city: 'X', country: 'Y', postalCode: '1', geolocation: { lat: 1, lon: 2 } },
  },
  outcome: { result: 'SUCCESS' },
  authenticationContext: { externalSessionId: 's', credentialType: 'OTP', issuer: { id: 'i' } },
  securityContext: { asNumber: 1, asOrg: 'o', isp: 'i', domain: 'd.example' },
  debugContext: { debugData: { requestId: 'r', url: '/x', factor: 'SMS' } },
  target: [
    { id: '0oa', type: 'AppInstance', displayName: 'App' },
    { id: 'u2', type: 'User' },
  ],
  transaction: { id: 't' },
};
const LOWER = {
  eventtype: 'group.user_membership.add',
  displaymessage: 'Add user',
  actor: { id: '1' },
  client: { ipAddress: '1.2.3.4' },
  published: '2022-06-22 18:18:29.015',
  target: [{ id: 'g', type: 'UserGroup', displayName: 'G' }],
};
const TEST_CASE = {
  rule_id: 'R',
  expected_result: false,
  log_types: null,
  source_file: 'rules/okta_rules/x.yml',
  log: { admin_email: 'a@b.c', anomaly_severity_score: 1 },
};
const SAMPLES = [EVENT, LOWER, TEST_CASE].map((r) => stringifyJson(r));

test('mutated Okta events: only ParseErrors, and valid OCSF whenever accepted', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsedOrUndefined(text);
      if (rec !== undefined && oktaNormalizer.accepts(rec)) checkNormalize(oktaNormalizer, rec, validate);
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

const TOP = [
  'uuid',
  'published',
  'version',
  'severity',
  'displayMessage',
  'client',
  'outcome',
  'authenticationContext',
  'securityContext',
  'debugContext',
  'target',
  'transaction',
  'request',
  'device',
  'actorId',
  'actorName',
  'sourceIP',
  'result',
  '__proto__',
];
const EVENT_TYPES = [
  'user.session.start',
  'user.session.end',
  'user.authentication.auth_via_mfa',
  'policy.evaluate_sign_on',
  'group.user_membership.add',
  'system.api_token.create',
  'user.account.lock',
  'x',
];

const oktaEvent = fc
  .tuple(
    fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string()),
    fieldsOf(TOP),
    fieldsOf(['id', 'type', 'alternateId', 'displayName', 'detailEntry']),
    fieldsOf(['ipAddress', 'userAgent', 'geographicalContext', 'device', 'zone']),
    fieldsOf(['city', 'state', 'country', 'postalCode', 'geolocation']),
    fc.oneof(fc.array(fieldsOf(['id', 'type', 'alternateId', 'displayName']), { maxLength: 3 }), anyValue),
    fieldsOf(['result', 'reason']),
  )
  .map(([eventType, top, actor, client, geo, target, outcome]) => ({
    ...top,
    eventType,
    actor,
    client: {
      ...client,
      geographicalContext: { ...geo, geolocation: geo },
      userAgent: { rawUserAgent: client.zone, os: geo.city },
    },
    target,
    outcome,
    securityContext: { asNumber: geo.postalCode, asOrg: geo.city, domain: geo.state },
    debugContext: { debugData: { ...outcome, factor: actor.type, url: actor.id } },
    authenticationContext: { externalSessionId: actor.id, credentialType: geo.country, issuer: actor },
  }));

test(
  'Okta events with arbitrary values: valid OCSF every time, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(oktaEvent, (fields) => {
        const rec = parsedOrUndefined(stringifyJson(fields))!;
        assert.ok(oktaNormalizer.accepts(rec));
        checkNormalize(oktaNormalizer, rec, true);
      }),
      fuzzOptions(),
    );
  },
);
