import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyJson } from '../parsers/json.js';
import { processRecord } from '../pipeline/process.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { OCSF_SCHEMA_DIR } from '../testing/ocsf-schema.js';
import { sharedSkip } from '../testing/shared.js';
import { anyValue, checkNormalize, CORPUS_CTX, fieldsOf, parsedOrUndefined } from './cloud.testing.js';
import { githubNormalizer } from './github.js';

const validate = sharedSkip(OCSF_SCHEMA_DIR) === false;

const SENDER = { login: 'octocat', id: 1, type: 'Bot' };
const REPO = { id: 42, full_name: 'acme/app', private: false };
const AUDIT = {
  '@timestamp': 1700000000000,
  action: 'org.add_member',
  actor: 'a',
  actor_id: 1,
  actor_ip: '192.0.2.1',
  actor_location: { country_code: 'DE', city: 'B' },
  org: 'acme',
  org_id: 7,
  user: 'b',
  user_id: 2,
  repo: 'acme/app',
  public_repo: true,
  method: 'post',
  url: 'https://github.com/x',
};
const PUSH = {
  ref: 'refs/heads/main',
  before: 'a',
  after: 'b',
  commits: [{ id: 'b', message: 'm' }],
  head_commit: { id: 'b', message: 'm', timestamp: '2024-01-01T00:00:00Z' },
  pusher: { name: 'o', email: 'o@example.com' },
  repository: { ...REPO, pushed_at: 1700000000 },
  sender: SENDER,
};
const RUN = {
  action: 'completed',
  workflow_run: {
    id: 1,
    name: 'CI',
    conclusion: 'failure',
    head_branch: 'main',
    updated_at: '2024-01-01T00:00:00Z',
    actor: SENDER,
  },
  workflow: { id: 2, name: 'CI' },
  repository: REPO,
  organization: { login: 'acme', id: 7 },
};
const ALERT = {
  action: 'fixed',
  alert: {
    number: 1,
    rule: { severity: 'warning', description: 'd' },
    state: 'fixed',
    html_url: 'https://x',
    created_at: '2024-01-01T00:00:00Z',
  },
  commit_oid: 'c',
  ref: 'main',
  repository: REPO,
  sender: SENDER,
};
const SAMPLES = [AUDIT, PUSH, RUN, ALERT].map((r) => stringifyJson(r));

test('mutated audit events and webhook payloads: only ParseErrors, valid OCSF whenever accepted', () => {
  fc.assert(
    fc.property(mutatedText(SAMPLES), (text) => {
      const rec = parsedOrUndefined(text);
      if (rec !== undefined && githubNormalizer.accepts(rec)) checkNormalize(githubNormalizer, rec, validate);
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

const AUDIT_KEYS = [
  '@timestamp',
  'created_at',
  'at_sign_timestamp',
  '_document_id',
  'actor_id',
  'actor_ip',
  'actor_location',
  'actor_session',
  'actor_is_bot',
  'org',
  'org_id',
  'repo',
  'repository_id',
  'repo_id',
  'visibility',
  'public_repo',
  'user',
  'user_id',
  'team',
  'hook_id',
  'branch',
  'ruleset_id',
  'workflow_run_id',
  'user_agent',
  'method',
  'referrer',
  'url',
  'request_id',
  'external_identity_nameid',
  'data',
  '__proto__',
];
const auditEvent = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('repo.create', 'org.sso_response', 'user.failed_login', 'git.push', 'team.add_member'),
      fc.string().map((s) => `x.${s}`),
    ),
    fieldsOf(AUDIT_KEYS),
  )
  .map(([action, fields]) => ({ ...fields, action, actor: 'a' }));

const WEBHOOK_OBJECTS = [
  'workflow_run',
  'workflow_job',
  'check_run',
  'release',
  'member',
  'team',
  'alert',
  'rule',
  'key',
  'comment',
  'issue',
  'pull_request',
  'review',
  'deployment',
  'security_advisory',
  'head_commit',
  'pusher',
  'installation',
  'organization',
  'workflow',
];
const OBJECT_KEYS = [
  'id',
  'name',
  'login',
  'full_name',
  'title',
  'number',
  'conclusion',
  'status',
  'head_branch',
  'run_id',
  'created_at',
  'updated_at',
  'completed_at',
  'secret_type',
  'state',
  'rule',
  'severity',
  'html_url',
  'actor',
  'user',
  'app',
  'type',
  'private',
  'visibility',
  'message',
  'timestamp',
];
const webhook = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...WEBHOOK_OBJECTS), fieldsOf(OBJECT_KEYS), {
      maxKeys: 4,
      noNullPrototype: true,
    }),
    fieldsOf(OBJECT_KEYS),
    fc.oneof(fc.constantFrom('created', 'completed', 'deleted', 'in_progress'), fc.string()),
    fc.oneof(fc.array(fieldsOf(['id', 'message']), { maxLength: 2 }), anyValue),
    fieldsOf([
      'ref',
      'ref_type',
      'master_branch',
      'zen',
      'hook_id',
      'commit_oid',
      'before',
      'after',
      'sha',
      'context',
      'reviewers',
    ]),
  )
  .map(([objects, sender, action, commits, extra]) => ({
    ...extra,
    ...objects,
    action,
    sender: { ...sender, login: 's' },
    repository: { ...sender, id: 1, full_name: 'o/r' },
    commits,
  }));

test(
  'GitHub events with arbitrary values: valid OCSF every time, input untouched',
  { skip: sharedSkip(OCSF_SCHEMA_DIR) },
  () => {
    fc.assert(
      fc.property(fc.oneof(auditEvent, webhook), (fields) => {
        const rec = parsedOrUndefined(stringifyJson(fields))!;
        assert.ok(githubNormalizer.accepts(rec), stringifyJson(fields));
        checkNormalize(githubNormalizer, rec, true);
      }),
      fuzzOptions(),
    );
  },
);
