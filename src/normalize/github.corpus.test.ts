import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPath, type OcsfEvent } from './ocsf.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { corpusFiles, describeStats, fileEvents, ingestCorpus } from './cloud.testing.js';

const DIR = 'telemetry/ci';
const at = (rel: string) => sharedPath(`${DIR}/${rel}`);
const skip = sharedSkip(DIR, OCSF_SCHEMA_DIR);
const EXAMPLES = 'github-audit-log-ocsf-examples';
const HOOKS = 'github-webhook-payload-examples';

async function one(rel: string): Promise<OcsfEvent> {
  const events = await fileEvents(at(rel));
  assert.equal(events.length, 1, rel);
  return events[0]!;
}

/** The OCSF example beside a raw audit event (OCSF 1.3.0, as the ocsf/examples repository has it). */
function example(folder: string, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(at(`${EXAMPLES}/${folder}/samples/${name}.ocsf`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** An event's resources. */
const resources = (e: OcsfEvent) => (e.resources ?? []) as Record<string, unknown>[];

/** Assert that `event` has the example's value at each path. */
function matches(event: OcsfEvent, expected: Record<string, unknown>, paths: readonly string[]): void {
  for (const path of paths) assert.deepEqual(getPath(event, path), getPath(expected, path), path);
}

const ACTOR_PATHS = [
  'actor.user.name',
  'actor.user.uid',
  'actor.user.email_addr',
  'actor.user.type_id',
  'actor.user.account.name',
  'actor.user.account.uid',
  'actor.user.account.type_id',
  'http_request.user_agent',
  'metadata.product.name',
  'metadata.product.vendor_name',
  'severity_id',
  'time',
];

describe('GitHub corpus (audit log, webhooks)', { skip }, () => {
  test('every record of every file is ingested; GitHub events mapped and valid OCSF', async (t) => {
    const files = corpusFiles(sharedPath(DIR), ['.json', '.jsonl', '.raw', '.ocsf']);
    const stats = await ingestCorpus(files);
    for (const line of describeStats(stats)) t.diagnostic(line);
    assert.deepEqual(stats.crashed, []);
    assert.deepEqual(stats.rejected, []);
    const jsonl = files.filter((f) => f.endsWith('.jsonl'));
    const rows = jsonl.reduce(
      (n, f) =>
        n +
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.trim()).length,
      0,
    );
    assert.equal(stats.records, files.length - jsonl.length + rows, 'one event per document or line');
    const audit = stats.byProduct.get('GitHub Audit Log')!;
    const hooks = stats.byProduct.get('GitHub Webhooks')!;
    // 101 audit rule tests + 5 raw examples; 76 webhook rule tests + every payload example.
    assert.equal(audit.events, 106);
    assert.equal(hooks.events, 76 + files.filter((f) => f.includes(HOOKS) && f.endsWith('.json')).length);
    for (const p of [audit, hooks]) {
      assert.equal(p.mapped, p.events);
      assert.equal(p.valid, p.mapped);
    }
    assert.ok(hooks.byClass['Detection Finding']! >= 10, JSON.stringify(hooks.byClass));
    // Left as Base Events: the five OCSF example outputs (already OCSF) and the six GitLab rule tests.
    assert.equal(stats.byProduct.get('unknown')?.events, 11);
    assert.deepEqual(stats.invalid, []);
  });

  test('audit git.push matches the OCSF API Activity example', async () => {
    const e = await one(`${EXAMPLES}/API Activity/samples/api_activity.raw`);
    const expected = example('API Activity', 'api_activity');
    matches(e, expected, [
      ...ACTOR_PATHS,
      'class_uid',
      'activity_id',
      'api.operation',
      'src_endpoint.ip',
      'src_endpoint.location.country',
      'resources.0.name',
      'resources.0.uid',
      'metadata.event_code',
    ]);
    assert.equal(e.metadata.original_event_uid, getPath(expected, 'metadata.uid'));
    assert.equal(getPath(e, 'resources.0.data.visibility'), 'private');
    assert.equal(getPath(e, 'unmapped.transport_protocol_name'), 'ssh');
  });

  test('audit business.sso_response matches the OCSF Authentication example', async () => {
    const e = await one(`${EXAMPLES}/Authentication/samples/authentication.raw`);
    matches(e, example('Authentication', 'authentication'), [
      ...ACTOR_PATHS,
      'class_uid',
      'activity_id',
      'auth_protocol',
      'auth_protocol_id',
      'logon_type_id',
      'user.name',
      'user.uid',
      'metadata.event_code',
    ]);
  });

  test('audit user.create, org.create, team.add_member: the examples’ actor, endpoint, targets', async () => {
    const change = await one(`${EXAMPLES}/Account Change/samples/account_change.raw`);
    matches(change, example('Account Change', 'account_change'), [
      'actor.user.name',
      'actor.user.uid',
      'actor.session.uid',
      'http_request.user_agent',
      'http_request.http_method',
      'http_request.referrer',
      'http_request.url.url_string',
      'metadata.event_code',
      'time',
    ]);
    // Account Change has no OCSF 1.8 schema here: API Activity, the changed user a resource.
    assert.equal(change.class_name, 'API Activity');
    assert.equal(change.activity_name, 'Create');
    assert.deepEqual(change.resources, [{ name: 'user5', type: 'User', uid: '147' }]);
    const org = await one(`${EXAMPLES}/Entity Management/samples/entity_management.raw`);
    matches(org, example('Entity Management', 'entity_management'), [
      ...ACTOR_PATHS,
      'activity_id',
      'src_endpoint.ip',
    ]);
    assert.deepEqual(org.resources, [
      { name: 'acme', type: 'Organization', uid: '11111' },
      { name: 'Wiley Coyote', type: 'Team' },
    ]);
    const team = await one(`${EXAMPLES}/Group Management/samples/group_management.raw`);
    matches(team, example('Group Management', 'group_management'), [...ACTOR_PATHS, 'src_endpoint.ip']);
    assert.equal(team.activity_name, 'Create');
    assert.ok(
      resources(team).some((r) => getPath(r, 'name') === 'test_user_2' && getPath(r, 'type') === 'User'),
    );
    for (const e of [change, org, team]) assert.deepEqual(validateOcsf(e), []);
  });

  test('webhook push: repository, pusher, head commit sha and message', async () => {
    const e = await one(`${HOOKS}/push/with-new-branch.payload.json`);
    assert.equal(e.metadata.event_code, 'push');
    assert.equal(getPath(e, 'api.operation'), 'push');
    assert.equal(getPath(e, 'actor.user.name'), 'Codertocat');
    assert.equal(getPath(e, 'actor.user.uid'), '21031067');
    assert.deepEqual(resources(e)[0], {
      uid: '186853002',
      name: 'Codertocat/Hello-World',
      type: 'Repository',
      data: { visibility: 'public' },
    });
    const commit = resources(e)[1]!;
    assert.equal(commit.type, 'Commit');
    assert.match(String(commit.uid), /^6113728f27/);
    assert.equal(getPath(commit, 'data.message'), 'Initial commit');
    assert.equal(getPath(commit, 'data.ref'), 'refs/heads/master');
    assert.equal(e.time, Date.parse('2019-05-15T15:19:25Z'));
  });

  test('webhook workflow_run and workflow_job: ids, names, conclusion, head branch', async () => {
    const run = await one(`${HOOKS}/workflow_run/completed.payload.json`);
    assert.equal(getPath(run, 'api.operation'), 'workflow_run.completed');
    const runResource = resources(run).find((r) => getPath(r, 'type') === 'Workflow Run');
    assert.equal(getPath(runResource, 'uid'), '289782451');
    assert.equal(getPath(runResource, 'data.conclusion'), 'success');
    assert.equal(getPath(runResource, 'data.head_branch'), 'master');
    assert.equal(run.status, 'Success');
    const job = await one(`${HOOKS}/workflow_job/completed.failure.with-organization.payload.json`);
    const jobResource = resources(job).find((r) => getPath(r, 'type') === 'Workflow Job');
    assert.equal(getPath(jobResource, 'uid'), '289782451');
    assert.equal(getPath(jobResource, 'name'), 'linters');
    assert.equal(getPath(jobResource, 'data.run_id'), 2202229078);
    assert.equal(getPath(jobResource, 'data.head_branch'), 'main');
    assert.equal(job.status, 'Failure');
    assert.equal(job.time, Date.parse('2021-08-05T10:38:16Z'));
    assert.equal(getPath(job, 'actor.user.account.name'), 'Octocoders');
  });

  test('webhook member added and code scanning alert (→ Detection Finding)', async () => {
    const member = await one(`${HOOKS}/member/added.payload.json`);
    assert.equal(member.metadata.event_code, 'member');
    assert.equal(member.activity_name, 'Create');
    assert.ok(
      resources(member).some((r) => getPath(r, 'type') === 'User' && getPath(r, 'name') === 'hacktocat'),
    );
    const alert = await one(`${HOOKS}/code_scanning_alert/created.payload.json`);
    assert.equal(alert.class_name, 'Detection Finding');
    assert.equal(alert.activity_name, 'Create');
    assert.equal(
      getPath(alert, 'finding_info.uid'),
      'https://github.com/Codertocat/Hello-World/security/code-scanning/10',
    );
    assert.equal(getPath(alert, 'finding_info.title'), 'Query built from user-controlled sources');
    assert.equal(alert.severity, 'High');
    assert.equal(alert.status, 'New');
    assert.equal(alert.time, Date.parse('2021-02-11T03:10:43Z'));
  });
});
