import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../parsers/json.js';
import { splitRecordsLine } from '../parsers/cloudtrail.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { anyValue, checkNormalize, CORPUS_CTX, fieldsOf, parsedOrUndefined } from './cloud.testing.js';
import { cloudtrailNormalizer } from './cloudtrail.js';

const validate = sharedSkip(OCSF_SCHEMA_DIR) === false;

const RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAX:s',
    arn: 'arn:aws:sts::1:assumed-role/R/s',
    accountId: '1',
    accessKeyId: 'ASIAX',
    sessionContext: {
      sessionIssuer: { arn: 'arn:aws:iam::1:role/R' },
      attributes: { mfaAuthenticated: 'true', creationDate: '2024-01-01T00:00:00Z' },
    },
  },
  eventTime: '2024-01-01T00:00:01Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'PutBucketPolicy',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.1',
  userAgent: 'aws-cli',
  requestParameters: {
    bucketName: 'b',
    policyArn: 'arn:aws:iam::aws:policy/x',
    instancesSet: { items: [{ instanceId: 'i-1' }] },
  },
  resources: [{ ARN: 'arn:aws:s3:::b', accountId: '1', type: 'AWS::S3::Bucket' }],
  errorCode: 'AccessDenied',
  errorMessage: 'denied',
  requestID: 'r',
  eventID: 'e',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '1',
};
const LOGIN = {
  eventVersion: '1.08',
  userIdentity: { type: 'Root', accountId: '1', arn: 'arn:aws:iam::1:root' },
  eventTime: '2024-01-01T00:00:02Z',
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-1',
  sourceIPAddress: '2001:db8::1',
  responseElements: { ConsoleLogin: 'Success' },
  additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com' },
};
const LOWER = {
  eventname: 'GetRecords',
  eventsource: 'dynamodb.amazonaws.com',
  awsregion: 'eu-west-1',
  eventtime: '2023-01-10 21:04:02',
  useridentity: { arn: 'arn:aws:test' },
};
const TEST_CASE = {
  rule_id: 'R',
  log_types: ['AWS.CloudTrail'],
  test_name: 'T',
  expected_result: true,
  log: { eventName: 'DeleteBucket', errorCode: 'BucketNotEmpty' },
};

const SAMPLES = [RECORD, LOGIN, LOWER, TEST_CASE].map((r) => stringifyJson(r));
const ENVELOPE = stringifyJson({ Records: [RECORD, LOGIN] });

test('mutated CloudTrail records: only ParseErrors, and valid OCSF whenever accepted', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsedOrUndefined(text);
      if (rec !== undefined && cloudtrailNormalizer.accepts(rec))
        checkNormalize(cloudtrailNormalizer, rec, validate);
    }),
    fuzzOptions(),
  );
});

test('mutated S3 delivery lines: split or passed through, every record accounted for', () => {
  fc.assert(
    fc.property(mutatedText([ENVELOPE]), (line) => {
      const records = splitRecordsLine(line, 'fuzz line 1');
      assert.ok(records.length >= 1, 'a line is never dropped');
      for (const r of records) {
        const outcome = processRecord(r, CORPUS_CTX);
        if (outcome.ok) assert.ok(Number.isSafeInteger(outcome.event.time));
        else assert.ok(outcome.error.reason.length > 0);
      }
    }),
    fuzzOptions(),
  );
});

test('hostile text through the pipeline: an event or a rejection with a reason, never a throw', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      for (const r of splitRecordsLine(text, 'fuzz')) {
        const outcome = processRecord(r, CORPUS_CTX);
        assert.ok(outcome.ok || outcome.error.reason.length > 0);
      }
    }),
    fuzzOptions(),
  );
});

const IDENTITY_KEYS = [
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
  'sessionContext',
  'onBehalfOf',
  'identityProvider',
  'credentialId',
];
const TOP_KEYS = [
  'eventTime',
  'eventVersion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'readOnly',
  'eventType',
  'recipientAccountId',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'resources',
  'vpcEndpointId',
  'tlsDetails',
  'apiVersion',
  'sharedEventID',
  'eventCategory',
  '@timestamp',
  '__proto__',
];

const cloudtrailRecord = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('ConsoleLogin', 'SwitchRole', 'DeleteTrail', 'GetObject', 'AssumeRole', 'x'),
      fc.string(),
    ),
    fc.oneof(fc.constantFrom('signin.amazonaws.com', 's3.amazonaws.com'), fc.string()),
    fieldsOf(TOP_KEYS),
    fieldsOf(IDENTITY_KEYS),
    fc.oneof(
      fieldsOf(['bucketName', 'name', 'roleArn', 'instanceId', 'policyArns', 'instancesSet', 'keyId']),
      anyValue,
    ),
    fc.oneof(fc.array(fieldsOf(['ARN', 'arn', 'accountId', 'type']), { maxLength: 3 }), anyValue),
  )
  .map(([eventName, eventSource, top, identity, params, resources]) => ({
    ...top,
    eventName,
    eventSource,
    awsRegion: 'us-east-1',
    userIdentity: { ...identity, sessionContext: { attributes: identity, sessionIssuer: identity } },
    requestParameters: params,
    resources,
  }));

test(
  'CloudTrail records with arbitrary values: valid OCSF every time, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(cloudtrailRecord, (fields) => {
        const rec = parsedOrUndefined(stringifyJson(fields))!;
        assert.ok(cloudtrailNormalizer.accepts(rec));
        checkNormalize(cloudtrailNormalizer, rec, true);
      }),
      fuzzOptions(),
    );
  },
);
