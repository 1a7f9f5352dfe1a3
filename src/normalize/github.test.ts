import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../parsers/json.js';
import type { ParsedRecord } from '../parsers/record.js';
import { OCSF_SCHEMA_DIR, validateOcsf } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { githubNormalizer, isGitHubAudit, isGitHubWebhook, webhookEvent } from './github.js';
import { getPath, type OcsfEvent } from './ocsf.js';

const CTX = { source: 'test', receivedAt: Date.UTC(2024, 0, 2) };

function record(fields: Record<string, unknown>): ParsedRecord {
  return { format: 'json', fields, raw: stringifyJson(fields) };
}

function normalize(fields: Record<string, unknown>): OcsfEvent {
  const rec = record(fields);
  assert.ok(githubNormalizer.accepts(rec), 'accepted');
  return githubNormalizer.normalize(rec, CTX);
}

const SENDER = { login: 'octocat', id: 1, type: 'User' };
const REPO = { id: 42, full_name: 'acme/app', name: 'app', private: true, visibility: 'private' };
const ORG = { login: 'acme', id: 7 };

const PROTECTED_BRANCH_DESTROY = {
  '@timestamp': 1700000000000,
  _document_id: 'doc-1',
  action: 'protected_branch.destroy',
  actor: 'mallory',
  actor_id: 66,
  actor_ip: '203.0.113.66',
  actor_location: { country_code: 'NL' },
  org: 'acme',
  org_id: 7,
  repo: 'acme/app',
  repo_id: 42,
  visibility: 'private',
  branch: 'main',
  user_agent: 'curl/8.0',
  request_id: 'req-1',
};

describe('accepts', () => {
  test('audit events, webhook payloads and GitHub test cases; not other JSON', () => {
    assert.ok(isGitHubAudit(PROTECTED_BRANCH_DESTROY));
    assert.ok(isGitHubWebhook({ action: 'created', sender: SENDER, repository: REPO }));
    assert.ok(
      githubNormalizer.accepts(
        record({ rule_id: 'R', expected_result: true, log_types: ['GitHub.Audit'], log: { action: 'x' } }),
      ),
    );
    for (const other of [
      { action: 'login', user: 'bob' },
      { action: 'allow', src_ip: '10.0.0.1', actor: 'fw' }, // no dotted action
      { eventName: 'x', eventSource: 'y', awsRegion: 'z' },
      { repository: { name: 'x' } },
    ]) {
      assert.equal(githubNormalizer.accepts(record(other)), false, JSON.stringify(other));
    }
  });

  test('webhook events are inferred from their shape', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['ping', { zen: 'Keep it simple', hook_id: 1, sender: SENDER }],
      [
        'push',
        {
          ref: 'refs/heads/main',
          before: 'a',
          after: 'b',
          commits: [],
          pusher: { name: 'o' },
          repository: REPO,
        },
      ],
      [
        'workflow_run',
        { action: 'completed', workflow_run: { id: 1 }, workflow: { id: 2 }, repository: REPO },
      ],
      [
        'workflow_job',
        { action: 'queued', workflow_job: { id: 3 }, deployment: { id: 4 }, repository: REPO },
      ],
      [
        'deployment_review',
        { action: 'requested', workflow_run: { id: 1 }, reviewers: [], repository: REPO },
      ],
      [
        'deployment_status',
        { action: 'created', deployment_status: {}, deployment: {}, workflow_run: {}, check_run: {} },
      ],
      ['check_run', { action: 'created', check_run: { id: 5 } }],
      ['create', { ref: 'v1', ref_type: 'tag', master_branch: 'main', pusher_type: 'user' }],
      ['delete', { ref: 'v1', ref_type: 'tag', pusher_type: 'user' }],
      ['workflow_dispatch', { workflow: '.github/workflows/ci.yml', inputs: {}, ref: 'main' }],
      ['secret_scanning_alert', { action: 'created', alert: { number: 1, secret_type: 'github_token' } }],
      ['code_scanning_alert', { action: 'created', alert: { number: 1, rule: {} }, commit_oid: 'c' }],
      ['dependabot_alert', { action: 'created', alert: { number: 1, dependency: {} } }],
      ['repository_vulnerability_alert', { action: 'create', alert: { affected_package_name: 'x' } }],
      ['branch_protection_rule', { action: 'deleted', rule: { id: 1, name: 'main' } }],
      ['member', { action: 'added', member: SENDER, repository: REPO }],
      ['membership', { action: 'removed', member: SENDER, team: { id: 1 }, scope: 'team' }],
      ['organization', { action: 'member_invited', invitation: {}, organization: ORG }],
      ['organization', { action: 'renamed', changes: { login: { from: 'a' } }, organization: ORG }],
      ['team', { action: 'created', team: { id: 1, name: 't' } }],
      ['issue_comment', { action: 'created', comment: {}, issue: {} }],
      ['pull_request_review', { action: 'submitted', review: {}, pull_request: {} }],
      ['installation', { action: 'suspend', installation: { id: 1 } }],
      ['status', { sha: 'abc', state: 'success', context: 'ci', commit: {} }],
      ['repository', { action: 'publicized', repository: REPO }],
      ['security_advisory', { action: 'published', security_advisory: { ghsa_id: 'GHSA-1' } }],
    ];
    for (const [name, payload] of cases) assert.equal(webhookEvent(payload), name, JSON.stringify(payload));
  });
});

describe('audit log', () => {
  test('protected_branch.destroy: API Activity Delete with actor, endpoint, repository, branch', () => {
    const e = normalize(PROTECTED_BRANCH_DESTROY);
    assert.equal(e.class_uid, 6003);
    assert.equal(e.activity_name, 'Delete');
    assert.equal(e.time, 1700000000000);
    assert.equal(e.metadata.event_code, 'protected_branch.destroy');
    assert.equal(e.metadata.original_event_uid, 'doc-1');
    assert.deepEqual(e.actor, {
      user: {
        name: 'mallory',
        uid: '66',
        account: { name: 'acme', type_id: 99, type: 'Other', uid: '7' },
        type_id: 0,
        type: 'Unknown',
      },
    });
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.66', location: { country: 'NL' } });
    assert.deepEqual(e.api, { operation: 'protected_branch.destroy', request: { uid: 'req-1' } });
    assert.deepEqual(e.resources, [
      { name: 'acme/app', uid: '42', type: 'Repository', data: { visibility: 'private' } },
      { name: 'main', type: 'Branch' },
    ]);
    assert.deepEqual(e.http_request, { user_agent: 'curl/8.0' });
  });

  test('sign-on actions are Authentication; failed logins fail; zone-less times', () => {
    const sso = normalize({
      action: 'org.sso_response',
      actor: 'alice',
      created_at: '2024-01-01 10:00:00.000',
      user: 'alice',
    });
    assert.equal(sso.class_uid, 3002);
    assert.equal(sso.auth_protocol, 'SAML');
    assert.deepEqual(sso.user, { name: 'alice' });
    assert.deepEqual(sso.service, { name: 'GitHub' });
    assert.equal(sso.time, Date.UTC(2024, 0, 1, 10));
    const failed = normalize({ action: 'user.failed_login', actor: 'bob' });
    assert.equal(failed.status, 'Failure');
    assert.deepEqual(failed.src_endpoint, { name: 'unknown' });
  });
});

describe('webhooks', () => {
  test('repository publicized: sender, organization, repository visibility', () => {
    const e = normalize({
      action: 'publicized',
      repository: { ...REPO, private: false, visibility: undefined },
      organization: ORG,
      sender: SENDER,
    });
    assert.equal(e.metadata.product.name, 'GitHub Webhooks');
    assert.equal(e.metadata.event_code, 'repository');
    assert.equal(getPath(e, 'api.operation'), 'repository.publicized');
    assert.equal(e.activity_name, 'Update');
    assert.deepEqual(getPath(e, 'actor.user'), {
      name: 'octocat',
      uid: '1',
      type_id: 1,
      type: 'User',
      account: { name: 'acme', type_id: 99, type: 'Other', uid: '7' },
    });
    assert.deepEqual(e.resources, [
      { uid: '42', name: 'acme/app', type: 'Repository', data: { visibility: 'public' } },
    ]);
  });

  test('workflow_job without a sender: the job is the resource, its conclusion the status', () => {
    const e = normalize({
      action: 'completed',
      workflow_job: {
        id: 9,
        run_id: 8,
        name: 'build',
        conclusion: 'cancelled',
        head_branch: 'dev',
        completed_at: '2024-02-02T02:02:02Z',
        runner_name: 'self-hosted-1',
      },
      repository: { id: 42, full_name: 'acme/app' },
    });
    assert.deepEqual(e.actor, { user: { name: 'unknown' } });
    assert.deepEqual(getPath(e, 'resources.1'), {
      type: 'Workflow Job',
      uid: '9',
      name: 'build',
      data: { conclusion: 'cancelled', head_branch: 'dev', run_id: 8, runner_name: 'self-hosted-1' },
    });
    assert.equal(e.status_id, 99);
    assert.equal(e.status, 'cancelled');
    assert.equal(e.time, Date.parse('2024-02-02T02:02:02Z'));
  });

  test('a secret scanning alert is a Detection Finding', () => {
    const e = normalize({
      action: 'created',
      alert: {
        number: 3,
        secret_type: 'aws_access_key_id',
        secret_type_display_name: 'AWS Access Key ID',
        state: 'open',
        created_at: '2024-03-03T03:03:03Z',
        html_url: 'https://github.com/acme/app/security/secret-scanning/3',
      },
      repository: REPO,
      sender: SENDER,
    });
    assert.equal(e.class_uid, 2004);
    assert.equal(e.activity_name, 'Create');
    assert.equal(e.severity, 'High');
    assert.equal(e.status, 'New');
    assert.deepEqual(e.finding_info, {
      uid: 'https://github.com/acme/app/security/secret-scanning/3',
      title: 'AWS Access Key ID',
      src_url: 'https://github.com/acme/app/security/secret-scanning/3',
      created_time: Date.parse('2024-03-03T03:03:03Z'),
      types: ['secret_scanning_alert'],
      uid_alt: '3',
    });
  });
});

describe('OCSF validity', { skip: sharedSkip(OCSF_SCHEMA_DIR) }, () => {
  test('fixtures and near-empty records are valid OCSF 1.8', () => {
    for (const fields of [
      PROTECTED_BRANCH_DESTROY,
      { action: 'org.sso_response', actor: 'a' },
      { action: 'x.y', _document_id: 'd' },
      { action: 'created', sender: {}, repository: {}, installation: { id: 1 } },
      { action: 'created', alert: {}, sender: SENDER },
      { zen: 'z', hook_id: 1, sender: SENDER },
    ]) {
      const rec = record(fields);
      if (!githubNormalizer.accepts(rec)) continue;
      const e = githubNormalizer.normalize(rec, CTX);
      assert.deepEqual(validateOcsf(e), [], stringifyJson(e));
    }
  });
});
