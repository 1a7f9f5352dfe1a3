import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPath } from './ocsf.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { corpusFiles, describeStats, fileEvents, ingestCorpus } from './cloud.testing.js';

const DIR = 'telemetry/cloudtrail';
const at = (rel: string) => sharedPath(`${DIR}/${rel}`);
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);

/**
 * The record files: S3 deliveries (`{"Records":[...]}` on one line), JSON arrays, logstash NDJSON,
 * Panther rule tests (JSONL of test cases) and the S3 honey-bucket alert CSV (text lines).
 * Left out: the .zip archives (copies of the .json and .csv beside them; Vigil reads no zip),
 * dataset descriptions (.yaml), licences and provenance.
 */
const EXTENSIONS = ['.json', '.jsonl', '.csv'];

/** Records each file holds, counted without Vigil: what ingestion must match. */
function expectedRecords(path: string): number {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.jsonl') || path.endsWith('.csv'))
    return text.split('\n').filter((l) => l.trim() !== '').length;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  try {
    const doc = JSON.parse(text) as unknown;
    if (Array.isArray(doc)) return doc.length;
    const records = (doc as { Records?: unknown[] }).Records;
    return Array.isArray(records) ? records.length : 1;
  } catch {
    return lines.length; // NDJSON
  }
}

describe('CloudTrail corpus', { skip }, () => {
  test('every record of every file is ingested, mapped and valid OCSF', async (t) => {
    const files = corpusFiles(sharedPath(DIR), EXTENSIONS);
    assert.ok(files.length >= 90, `${files.length} files`);
    const stats = await ingestCorpus(files);
    for (const line of describeStats(stats)) t.diagnostic(line);
    assert.deepEqual(stats.crashed, []);
    assert.deepEqual(stats.rejected, []);
    const expected = files.reduce((n, f) => n + expectedRecords(f), 0);
    assert.equal(stats.records, expected, 'one event per record');
    const ct = stats.byProduct.get('CloudTrail')!;
    const csvLines = expectedRecords(at('otrf-aws/AWS_S3_HoneyBucketLogs.csv'));
    assert.equal(ct.events, expected - csvLines, 'every CloudTrail record is read as CloudTrail');
    assert.equal(ct.mapped, ct.events, 'all mapped to a specific class');
    assert.equal(ct.valid, ct.mapped, JSON.stringify(stats.invalid.slice(0, 3)));
    assert.ok(
      ct.byClass['Authentication']! >= 20 && ct.byClass['API Activity']! > 3000,
      JSON.stringify(ct.byClass),
    );
    assert.deepEqual(stats.invalid, []);
  });

  test('Stratus StopLogging: actor, source IP, trail, service', async () => {
    const [e] = await fileEvents(
      at('stratus-red-team-detonation-logs/aws.defense-evasion.cloudtrail-stop.json'),
    );
    assert.equal(e!.class_uid, 6003);
    assert.equal(e!.activity_name, 'Update');
    assert.equal(getPath(e, 'api.operation'), 'StopLogging');
    assert.equal(getPath(e, 'api.service.name'), 'cloudtrail.amazonaws.com');
    assert.equal(getPath(e, 'api.request.uid'), '14c891b6-11b5-4787-ae97-64a974977078');
    assert.equal(getPath(e, 'actor.user.name'), 'christophe');
    assert.equal(getPath(e, 'actor.user.uid'), 'arn:aws:iam::143434273843:user/christophe');
    assert.equal(getPath(e, 'actor.user.uid_alt'), 'AIDAOC1SYDVN0AF0FMMR');
    assert.equal(getPath(e, 'actor.user.type'), 'User');
    assert.equal(getPath(e, 'actor.user.programmatic_credentials.0.uid'), 'AKIAGGWFBBHBE7D3M9WI');
    assert.equal(getPath(e, 'src_endpoint.ip'), '86.245.153.234');
    assert.equal(getPath(e, 'cloud.region'), 'apiso-centralnorth-2r');
    assert.equal(getPath(e, 'cloud.account.uid'), '143434273843');
    assert.deepEqual(e!.resources, [
      { name: 'stratus-red-team-ct-stop-trail-buykxbqejv', type: 'AWS::CloudTrail::Trail' },
    ]);
    assert.equal(e!.status, 'Success');
    assert.equal(e!.time, Date.parse('2024-07-31T13:06:24Z'));
    assert.equal(e!.metadata.original_event_uid, '10163ed2-2253-469d-a5ee-cbc6651f8934');
    assert.equal(getPath(e, 'unmapped.eventName'), 'StopLogging');
  });

  test('Stratus console login without MFA: Authentication Logon, success, no MFA', async () => {
    const events = await fileEvents(
      at('stratus-red-team-detonation-logs/aws.initial-access.console-login-without-mfa.json'),
    );
    const login = events.find((e) => getPath(e, 'api.operation') === 'ConsoleLogin')!;
    assert.equal(login.class_name, 'Authentication');
    assert.equal(login.activity_name, 'Logon');
    assert.equal(login.status, 'Success');
    assert.equal(login.is_mfa, false);
    assert.match(String(getPath(login, 'user.name')), /^stratus-red-team-/);
    assert.equal(getPath(login, 'dst_endpoint.svc_name'), 'https://console.aws.amazon.com/console/home');
    // Sanitised addresses such as 225.01.00.16 are no IP: kept as the endpoint's name.
    assert.equal(getPath(login, 'src_endpoint.ip'), undefined);
    assert.equal(getPath(login, 'src_endpoint.name'), '225.01.00.16');
  });

  test('S3 delivery file: records split, assumed-role session with issuer and MFA', async () => {
    const events = await fileEvents(
      at(
        'invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json',
      ),
    );
    assert.ok(events.length > 1);
    assert.ok(events.every((e) => e.metadata.product.name === 'CloudTrail'));
    const raw = JSON.parse(
      readFileSync(
        at(
          'invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json',
        ),
        'utf8',
      ),
    ) as { Records: Record<string, unknown>[] };
    assert.equal(events.length, raw.Records.length);
    events.forEach((e, i) => {
      assert.equal(getPath(e, 'api.operation'), raw.Records[i]!.eventName);
      assert.equal(e.metadata.original_event_uid, raw.Records[i]!.eventID);
    });
    // The first record: an IAM user's MFA session, called from "AWS Internal".
    assert.equal(getPath(events[0], 'actor.session.is_mfa'), true);
    assert.equal(getPath(events[0], 'actor.app_name'), 'AWS Internal');
    assert.equal(getPath(events[0], 'src_endpoint.name'), 'AWS Internal');
    const other = await fileEvents(
      at(
        'invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json',
      ),
    );
    const assumed = other[11]!;
    assert.equal(getPath(assumed, 'api.operation'), 'GetPasswordData');
    assert.equal(getPath(assumed, 'actor.user.type'), 'AssumedRole');
    assert.equal(getPath(assumed, 'actor.user.name'), 'aws-go-sdk-1688990082523310002');
    assert.equal(
      getPath(assumed, 'actor.session.issuer'),
      'arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role',
    );
  });

  test('logstash NDJSON (OTRF): time from @timestamp, read-only call, MFA session', async () => {
    const [e] = await fileEvents(at('otrf-aws/ec2_proxy_s3_exfiltration_2020-09-14011940.json'));
    assert.equal(getPath(e, 'api.operation'), 'DescribeInstanceTypes');
    assert.equal(e!.activity_name, 'Read');
    assert.equal(e!.time, Date.parse('2020-09-14T00:44:23.000Z'));
    assert.equal(getPath(e, 'actor.user.name'), 'pedro');
    assert.equal(getPath(e, 'actor.session.is_mfa'), true);
    assert.equal(getPath(e, 'src_endpoint.ip'), '1.2.3.4');
    assert.equal(getPath(e, 'http_request.user_agent'), 'console.ec2.amazonaws.com');
  });

  test('Panther rule tests: the log is the record, the test case becomes tags; errors fail', async () => {
    const events = await fileEvents(at('panther-rule-tests/aws_cloudtrail_rules.jsonl'));
    const lines = readFileSync(at('panther-rule-tests/aws_cloudtrail_rules.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(events.length, lines.length);
    assert.ok(events.every((e) => e.metadata.tags?.some((tag) => tag.name === 'test_case.rule_id')));
    const failed = events.find((e) => getPath(e, 'api.response.error') === 'BucketNotEmpty')!;
    assert.equal(failed.status, 'Failure');
    assert.equal(failed.status_detail, 'The bucket you tried to delete is not empty');
    assert.equal(getPath(failed, 'api.operation'), 'DeleteBucket');
    // Data-lake rows with lower-cased keys and zone-less times.
    const lower = events.find((e) => getPath(e, 'api.operation') === 'GetRecords')!;
    assert.equal(getPath(lower, 'api.service.name'), 'dynamodb.amazonaws.com');
    assert.equal(lower.time, Date.UTC(2023, 0, 10, 21, 4, 2));
    assert.equal(lower.metadata.original_time, '2023-01-10 21:04:02');
  });
});
