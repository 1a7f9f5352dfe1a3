import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../parsers/json.js';
import { splitRecordsLine, cloudtrailRecordsDecoder } from '../parsers/cloudtrail.js';
import type { ParsedRecord } from '../parsers/record.js';
import { processRecord } from '../pipeline/process.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { cloudtrailNormalizer, isCloudTrailRecord } from './cloudtrail.js';
import { getPath, type OcsfEvent } from './ocsf.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2, 3, 4, 5) };

function record(fields: Record<string, unknown>): ParsedRecord {
  return { format: 'json', fields, raw: stringifyJson(fields) };
}

function normalize(
  fields: Record<string, unknown>,
  ctx: typeof CTX & { timezone?: string } = CTX,
): OcsfEvent {
  const rec = record(fields);
  assert.ok(cloudtrailNormalizer.accepts(rec), 'accepted');
  return cloudtrailNormalizer.normalize(rec, ctx);
}

const IAM_USER = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLE',
  arn: 'arn:aws:iam::111122223333:user/alice',
  accountId: '111122223333',
  accessKeyId: 'AKIAEXAMPLE',
  userName: 'alice',
};

const DELETE_TRAIL = {
  eventVersion: '1.09',
  userIdentity: IAM_USER,
  eventTime: '2024-03-01T10:00:00Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'DeleteTrail',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { name: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/main' },
  responseElements: null,
  requestID: 'req-1',
  eventID: 'evt-1',
  readOnly: false,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  eventCategory: 'Management',
};

const CONSOLE_LOGIN_FAILED = {
  eventVersion: '1.08',
  userIdentity: { type: 'IAMUser', accountId: '111122223333', accessKeyId: '', userName: 'bob' },
  eventTime: '2024-03-01T11:00:00Z',
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
  errorMessage: 'Failed authentication',
  requestParameters: null,
  responseElements: { ConsoleLogin: 'Failure' },
  additionalEventData: {
    LoginTo: 'https://console.aws.amazon.com/console/home',
    MobileVersion: 'No',
    MFAUsed: 'Yes',
  },
  eventID: 'evt-2',
  readOnly: false,
  eventType: 'AwsConsoleSignIn',
  recipientAccountId: '111122223333',
};

describe('accepts', () => {
  test('CloudTrail records, lower-cased exports and CloudTrail test cases', () => {
    assert.ok(isCloudTrailRecord(DELETE_TRAIL));
    assert.ok(
      isCloudTrailRecord({
        eventname: 'GetRecords',
        eventsource: 'dynamodb.amazonaws.com',
        awsregion: 'eu-west-1',
      }),
    );
    const wrapped = {
      rule_id: 'r',
      expected_result: true,
      log_types: ['AWS.CloudTrail'],
      log: { eventName: 'DeleteBucket' },
    };
    assert.ok(cloudtrailNormalizer.accepts(record(wrapped)));
  });

  test('other JSON records are left to their normalizers', () => {
    for (const other of [
      { EventID: 4624, Channel: 'Security', Computer: 'dc1' },
      { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', proto: 'tcp' },
      { timestamp: '2024-01-01T00:00:00Z', event_type: 'alert', src_ip: '10.0.0.1' },
      { action: 'repo.create', actor: 'octocat' },
      { eventName: 'click', eventSource: 'web' }, // no eventVersion / awsRegion
      { rule_id: 'r', expected_result: true, log_types: ['Okta.SystemLog'], log: { eventType: 'x' } },
    ]) {
      assert.equal(cloudtrailNormalizer.accepts(record(other)), false, JSON.stringify(other));
    }
    assert.equal(cloudtrailNormalizer.accepts({ format: 'syslog', fields: DELETE_TRAIL, raw: '' }), false);
  });
});

describe('API Activity', () => {
  test('DeleteTrail: actor, endpoint, cloud, api, resources, status, unmapped', () => {
    const e = normalize(DELETE_TRAIL);
    assert.equal(e.class_uid, 6003);
    assert.equal(e.activity_id, 4);
    assert.equal(e.type_uid, 600304);
    assert.equal(e.time, Date.parse('2024-03-01T10:00:00Z'));
    assert.equal(e.metadata.original_time, '2024-03-01T10:00:00Z');
    assert.deepEqual(e.metadata.profiles, ['cloud']);
    assert.equal(e.metadata.original_event_uid, 'evt-1');
    assert.deepEqual(e.actor, {
      user: {
        name: 'alice',
        uid: 'arn:aws:iam::111122223333:user/alice',
        uid_alt: 'AIDAEXAMPLE',
        type_id: 1,
        type: 'User',
        account: { uid: '111122223333', type_id: 10, type: 'AWS Account' },
        programmatic_credentials: [{ uid: 'AKIAEXAMPLE', type: 'AWS Access Key' }],
      },
    });
    assert.deepEqual(e.api, {
      operation: 'DeleteTrail',
      service: { name: 'cloudtrail.amazonaws.com' },
      request: { uid: 'req-1' },
    });
    assert.deepEqual(e.src_endpoint, { ip: '198.51.100.7' });
    assert.deepEqual(e.cloud, {
      provider: 'AWS',
      region: 'eu-west-1',
      account: { uid: '111122223333', type_id: 10, type: 'AWS Account' },
    });
    assert.deepEqual(e.resources, [{ uid: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/main' }]);
    assert.equal(e.status, 'Success');
    assert.equal(e.unmapped, DELETE_TRAIL, 'the record itself, by its original names');
    assert.ok(e.observables?.some((o) => o.name === 'src_endpoint.ip' && o.value === '198.51.100.7'));
  });

  test('activity from readOnly and the verb; errors are failures', () => {
    const activity = (fields: Record<string, unknown>) =>
      normalize({ ...DELETE_TRAIL, ...fields }).activity_name;
    assert.equal(activity({ eventName: 'RunInstances' }), 'Create');
    assert.equal(activity({ eventName: 'ListBuckets', readOnly: true }), 'Read');
    assert.equal(activity({ eventName: 'PutBucketPolicy' }), 'Update');
    assert.equal(activity({ eventName: 'StopLogging' }), 'Update');
    assert.equal(activity({ eventName: 'AssumeRole' }), 'Other');
    const denied = normalize({ ...DELETE_TRAIL, errorCode: 'AccessDenied', errorMessage: 'not allowed' });
    assert.equal(denied.status, 'Failure');
    assert.equal(denied.status_code, 'AccessDenied');
    assert.equal(denied.status_detail, 'not allowed');
    assert.deepEqual(getPath(denied, 'api.response'), {
      error: 'AccessDenied',
      error_message: 'not allowed',
    });
  });

  test('assumed role: session name, issuer, MFA, creation time', () => {
    const e = normalize({
      ...DELETE_TRAIL,
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:session-1',
        arn: 'arn:aws:sts::111122223333:assumed-role/Admin/session-1',
        accountId: '111122223333',
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Admin', userName: 'Admin' },
          attributes: { creationDate: '2024-03-01T09:00:00Z', mfaAuthenticated: 'false' },
        },
      },
    });
    assert.equal(getPath(e, 'actor.user.name'), 'session-1');
    assert.equal(getPath(e, 'actor.user.type'), 'AssumedRole');
    assert.equal(getPath(e, 'actor.user.type_id'), 99);
    assert.deepEqual(getPath(e, 'actor.session'), {
      is_mfa: false,
      created_time: Date.parse('2024-03-01T09:00:00Z'),
      issuer: 'arn:aws:iam::111122223333:role/Admin',
    });
  });

  test('AWS services and odd source addresses; resources from names, lists and instancesSet', () => {
    const e = normalize({
      ...DELETE_TRAIL,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'StopInstances',
      userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' },
      sourceIPAddress: 'autoscaling.amazonaws.com',
      requestParameters: {
        instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] },
        policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        bucketName: 'logs',
      },
      resources: [
        {
          ARN: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-1',
          accountId: '111122223333',
          type: 'AWS::EC2::Instance',
        },
      ],
    });
    assert.equal(getPath(e, 'actor.user.name'), 'autoscaling.amazonaws.com');
    assert.equal(getPath(e, 'actor.app_name'), 'autoscaling.amazonaws.com');
    assert.deepEqual(e.src_endpoint, { domain: 'autoscaling.amazonaws.com' });
    assert.deepEqual(e.resources, [
      {
        uid: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-1',
        type: 'AWS::EC2::Instance',
        owner: { account: { uid: '111122223333', type_id: 10, type: 'AWS Account' } },
      },
      { uid: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      { name: 'logs', type: 'AWS::S3::Bucket' },
      { name: 'i-1', type: 'AWS::EC2::Instance' },
      { name: 'i-2', type: 'AWS::EC2::Instance' },
    ]);
    assert.deepEqual(normalize({ ...DELETE_TRAIL, sourceIPAddress: 'AWS Internal' }).src_endpoint, {
      name: 'AWS Internal',
    });
    assert.deepEqual(normalize({ ...DELETE_TRAIL, sourceIPAddress: undefined }).src_endpoint, {
      name: 'unknown',
    });
  });

  test('lower-cased exports with zone-less times read in the configured zone', () => {
    const e = normalize(
      {
        eventname: 'GetRecords',
        eventsource: 'dynamodb.amazonaws.com',
        awsregion: 'eu-west-1',
        eventtime: '2023-07-01 12:00:00',
        useridentity: { arn: 'arn:aws:iam::1:user/x' },
      },
      { ...CTX, timezone: 'Europe/Berlin' },
    );
    assert.equal(getPath(e, 'api.operation'), 'GetRecords');
    assert.equal(getPath(e, 'actor.user.uid'), 'arn:aws:iam::1:user/x');
    assert.equal(e.time, Date.UTC(2023, 6, 1, 10, 0, 0), 'CEST is UTC+2');
    assert.equal(e.metadata.original_time, '2023-07-01 12:00:00');
  });

  test('no time: the receive time; no identity: an unknown actor', () => {
    const e = normalize({ eventName: 'X', eventSource: 'y.amazonaws.com', awsRegion: 'us-east-1' });
    assert.equal(e.time, CTX.receivedAt);
    assert.equal(e.metadata.original_time, undefined);
    assert.deepEqual(e.actor, { user: { name: 'unknown' } });
  });

  test('a test case: its log is mapped, its fields become tags', () => {
    const e = normalize({
      rule_id: 'AWS.CloudTrail.Stopped',
      test_name: 'stopped',
      expected_result: true,
      log_types: ['AWS.CloudTrail'],
      mitre: ['TA0005:T1562'],
      log: DELETE_TRAIL,
    });
    assert.equal(getPath(e, 'api.operation'), 'DeleteTrail');
    assert.equal(e.unmapped, DELETE_TRAIL);
    assert.deepEqual(e.metadata.tags, [
      { name: 'test_case.rule_id', value: 'AWS.CloudTrail.Stopped' },
      { name: 'test_case.test_name', value: 'stopped' },
      { name: 'test_case.expected_result', value: 'true' },
      { name: 'test_case.log_types', value: 'AWS.CloudTrail' },
      { name: 'test_case.mitre', value: 'TA0005:T1562' },
    ]);
  });
});

describe('sign-in', () => {
  test('failed ConsoleLogin with MFA: Authentication Logon, Failure, is_mfa', () => {
    const e = normalize(CONSOLE_LOGIN_FAILED);
    assert.equal(e.class_uid, 3002);
    assert.equal(e.activity_name, 'Logon');
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_detail, 'Failed authentication');
    assert.equal(e.is_mfa, true);
    assert.equal(getPath(e, 'user.name'), 'bob');
    assert.equal(getPath(e, 'dst_endpoint.svc_name'), 'https://console.aws.amazon.com/console/home');
    assert.equal(getPath(e, 'service.name'), 'signin.amazonaws.com');
    assert.equal(getPath(e, 'api.operation'), 'ConsoleLogin');
    assert.equal(getPath(e, 'actor.user.programmatic_credentials'), undefined, 'an empty key is no key');
    const ok = normalize({
      ...CONSOLE_LOGIN_FAILED,
      errorMessage: undefined,
      responseElements: { ConsoleLogin: 'Success' },
    });
    assert.equal(ok.status, 'Success');
    assert.equal(
      normalize({ ...CONSOLE_LOGIN_FAILED, eventName: 'SwitchRole' }).activity_name,
      'Account Switch',
    );
  });
});

describe('OCSF validity', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('every fixture is valid OCSF 1.8', () => {
    for (const fields of [
      DELETE_TRAIL,
      CONSOLE_LOGIN_FAILED,
      { eventName: 'X', eventSource: 'y', awsRegion: 'z' },
    ]) {
      const e = normalize(fields);
      assert.deepEqual(validateOcsf(e), [], stringifyJson(e));
    }
  });
});

describe('S3 delivery files ({"Records":[...]} on one line)', () => {
  test('the decoder splits the envelope into parsed records, positioned by index', () => {
    const line = stringifyJson({ Records: [DELETE_TRAIL, CONSOLE_LOGIN_FAILED] });
    assert.ok(cloudtrailRecordsDecoder.sniff(line));
    assert.equal(cloudtrailRecordsDecoder.sniff('{"eventName":"x"}'), false);
    const decoder = cloudtrailRecordsDecoder.create();
    const { records } = decoder.push(line, 'f line 1');
    assert.equal(records.length, 2);
    assert.equal(records[1]!.position, 'f line 1 record 2');
    assert.deepEqual(records[0]!.value, DELETE_TRAIL);
    assert.deepEqual(decoder.end(), []);
    assert.equal(decoder.pending(), false);
    const outcome = processRecord(records[0]!, CTX);
    assert.ok(outcome.ok && outcome.event.class_uid === 6003);
  });

  test('other lines pass through whole: NDJSON records, broken envelopes, odd elements', () => {
    assert.deepEqual(splitRecordsLine('{"eventName":"x"}', 'p'), [
      { text: '{"eventName":"x"}', position: 'p', format: 'json' },
    ]);
    const broken = '{"Records":[{"eventName":';
    assert.deepEqual(splitRecordsLine(broken, 'p'), [{ text: broken, position: 'p', format: 'json' }]);
    const odd = splitRecordsLine('{"Records":[1,{"a":2}]}', 'p');
    assert.deepEqual(odd[0], { text: '1', position: 'p record 1', format: 'json' });
    const rejected = processRecord(odd[0]!, CTX);
    assert.ok(!rejected.ok && rejected.error.reason === 'not_an_object', 'rejected with a reason, not lost');
    assert.deepEqual(splitRecordsLine('{"Records": {}}', 'p').length, 1);
  });
});
