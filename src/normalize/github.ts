/**
 * GitHub audit log events and webhook payloads → OCSF 1.8.
 *
 * Audit log events (`{action: "repo.create", actor, actor_ip, org, repo, @timestamp, ...}`, from
 * the audit log API, streaming or exports) follow the OCSF GitHub mapping examples: sign-on
 * (`*.sso_response`, `user.login`...) → Authentication; everything else → API Activity (the
 * examples' Account Change, Entity Management and Group Management have no OCSF 1.8 schema here,
 * so those actions are API Activity with the same actor, endpoint and resources), activity from
 * the action's verb. Actor: login, id, e-mail (SAML name id), organization as its account.
 *
 * Webhook payloads carry no event name (it travels in the X-GitHub-Event header), so the event
 * is inferred from the payload's shape (`webhookEvent`). Security alerts (code scanning, secret
 * scanning, Dependabot, vulnerability alerts) → Detection Finding; every other event (push,
 * workflow_run, workflow_job, check runs, member, repository, release...) → API Activity with the
 * sender as actor, the repository (full name, id, visibility) and the event's own object as
 * resources: the head commit (sha, message) of a push, the workflow, run and job (ids, names,
 * status, conclusion → status, head branch). The whole record stays in `unmapped`. Pure: no I/O.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import { OcsfClass, Severity, type OcsfEvent } from './ocsf.js';
import {
  actionActivity,
  apiActivity,
  authActivity,
  bool,
  commonObservables,
  compact,
  emailOf,
  envelope,
  fallbackEvent,
  finish,
  firstTime,
  identifiedActor,
  identifiedEndpoint,
  identifiedUser,
  ipOf,
  isRecord,
  obj,
  put,
  setStatus,
  validLocation,
  testCaseLog,
  testCaseOfType,
  text,
  unwrap,
  type Fields,
  type Metadata,
} from './cloud-common.js';

const AUDIT_PRODUCT = { name: 'GitHub Audit Log', vendor_name: 'GitHub' };
const WEBHOOK_PRODUCT = { name: 'GitHub Webhooks', vendor_name: 'GitHub' };

type Tags = { name: string; value: string }[] | undefined;

/** Whether a JSON record is a GitHub audit log event: a dotted action by a named actor. */
export function isGitHubAudit(f: Fields): boolean {
  const action = f.action;
  if (typeof action !== 'string' || action.indexOf('.') <= 0) return false;
  if (isRecord(f.sender) || isRecord(f.repository)) return false;
  return typeof f.actor === 'string' || f['@timestamp'] !== undefined || f._document_id !== undefined;
}

/** Whether a JSON record is a GitHub webhook payload: a sender, or a repository or installation object. */
export function isGitHubWebhook(f: Fields): boolean {
  const sender = f.sender;
  if (isRecord(sender)) return typeof sender.login === 'string' || sender.id !== undefined;
  const repo = f.repository;
  if (isRecord(repo)) return typeof repo.full_name === 'string' && repo.id !== undefined;
  if (isRecord(f.security_advisory))
    return typeof f.action === 'string' && f.security_advisory.ghsa_id !== undefined;
  return isRecord(f.installation) && f.installation.id !== undefined && typeof f.action === 'string';
}

/** GitHub audit events and webhook payloads → Authentication, API Activity or Detection Finding. */
export const githubNormalizer: Normalizer = {
  name: 'github',
  accepts(record) {
    if (record.format !== 'json') return false;
    const f = record.fields;
    if (isGitHubAudit(f) || isGitHubWebhook(f)) return true;
    const log = testCaseLog(f);
    return (
      log !== undefined &&
      (isGitHubAudit(log) || isGitHubWebhook(log) || testCaseOfType(f, 'GitHub.Audit', 'GitHub.Webhook'))
    );
  },
  normalize(record, ctx) {
    const { f, tags } = unwrap(record.fields);
    const webhook = isGitHubWebhook(f) || testCaseOfType(record.fields, 'GitHub.Webhook');
    try {
      return webhook ? mapWebhook(f, record, ctx, tags) : mapAudit(f, record, ctx, tags);
    } catch (error) {
      return fallbackEvent(record, ctx, webhook ? WEBHOOK_PRODUCT : AUDIT_PRODUCT, error);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// audit log

/** Sign-on actions → Authentication activity. */
function auditAuthActivity(action: string): number | undefined {
  if (action.endsWith('.sso_response') || action === 'user.login' || action === 'user.failed_login') return 1;
  if (action === 'user.logout') return 2;
  return undefined;
}

const HTTP_METHODS: ReadonlySet<string> = new Set([
  'OPTIONS',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'TRACE',
  'CONNECT',
  'PATCH',
]);

function mapAudit(f: Fields, record: ParsedRecord, ctx: NormalizeContext, tags: Tags): OcsfEvent {
  const action = text(f.action) ?? 'unknown';
  const when = firstTime(
    ctx,
    f['@timestamp'],
    f.created_at,
    f.at_sign_timestamp,
    f.timestamp,
    f.p_event_time,
  );
  const metadata: Metadata = { product: { ...AUDIT_PRODUCT }, event_code: action };
  put(metadata, 'original_event_uid', text(f._document_id));
  put(metadata, 'correlation_uid', text(f.request_id));
  const auth = auditAuthActivity(action);
  const event =
    auth !== undefined
      ? envelope(OcsfClass.Authentication, authActivity(auth), when, metadata, ctx, tags)
      : envelope(OcsfClass.ApiActivity, apiActivity(actionActivity(action)), when, metadata, ctx, tags);

  const user: Fields = {};
  put(user, 'name', text(f.actor));
  put(user, 'uid', text(f.actor_id));
  put(user, 'email_addr', emailOf(f.external_identity_nameid));
  const org = text(f.org);
  if (org !== undefined) {
    const account: Fields = { name: org, type_id: 99, type: 'Other' };
    put(account, 'uid', text(f.org_id));
    user.account = account;
  }
  if (Object.keys(user).length > 0) {
    const bot = bool(f.actor_is_bot) === true;
    user.type_id = bot ? 4 : 0;
    user.type = bot ? 'Service' : 'Unknown';
  }
  const actor: Fields = {};
  if (Object.keys(user).length > 0) actor.user = user;
  const session = text(f.actor_session);
  if (session !== undefined) actor.session = { uid: session };
  event.actor = identifiedActor(actor);
  event.src_endpoint = auditEndpoint(f);
  const http = auditHttp(f);
  if (http !== undefined) event.http_request = http;

  if (auth !== undefined) {
    const subject: Fields = {};
    put(subject, 'name', text(f.user) ?? text(f.actor));
    const uid = text(f.user_id);
    put(subject, 'uid', uid !== undefined && uid !== '0' ? uid : text(f.actor_id));
    event.user = identifiedUser(subject);
    event.service = { name: 'GitHub' };
    if (action.endsWith('.sso_response')) {
      event.auth_protocol_id = 5;
      event.auth_protocol = 'SAML';
    }
    event.logon_type_id = 99;
    event.logon_type = 'Other';
    if (action === 'user.failed_login') setStatus(event, 2);
  } else {
    const api: Fields = { operation: action };
    const requestId = text(f.request_id);
    if (requestId !== undefined) api.request = { uid: requestId };
    event.api = api;
    const resources = auditResources(f, action);
    if (resources.length > 0) event.resources = resources;
  }
  commonObservables(event);
  return finish(event, record, f);
}

function auditEndpoint(f: Fields): Fields {
  const ep: Fields = {};
  put(ep, 'ip', ipOf(f.actor_ip));
  const where = obj(f, 'actor_location');
  if (where !== undefined) {
    const location: Fields = {};
    put(location, 'country', text(where.country_code));
    put(location, 'city', text(where.city));
    put(location, 'region', text(where.region_name) ?? text(where.region));
    put(location, 'postal_code', text(where.postal_code));
    put(ep, 'location', validLocation(location));
  }
  return identifiedEndpoint(ep, f.actor_ip);
}

function auditHttp(f: Fields): Fields | undefined {
  const http: Fields = {};
  put(http, 'user_agent', text(f.user_agent));
  const method = text(f.method)?.toUpperCase();
  if (method !== undefined && HTTP_METHODS.has(method)) http.http_method = method;
  put(http, 'referrer', text(f.referrer));
  const url = text(f.url);
  if (url !== undefined) http.url = { url_string: url };
  return compact(http);
}

/** Repository visibility from `visibility`, else the public/private flags audit events carry. */
function visibilityOf(f: Fields): string | undefined {
  const v = text(f.visibility);
  if (v !== undefined) return v;
  const isPublic = bool(f.repository_public ?? f.public_repo);
  return isPublic === undefined ? undefined : isPublic ? 'public' : 'private';
}

function auditResources(f: Fields, action: string): Fields[] {
  const out: Fields[] = [];
  const repoName = text(f.repo) ?? text(f.repository);
  if (repoName !== undefined) {
    const repo: Fields = { name: repoName };
    put(repo, 'uid', text(f.repository_id) ?? text(f.repo_id));
    repo.type = 'Repository';
    const visibility = visibilityOf(f);
    if (visibility !== undefined) repo.data = { visibility };
    out.push(repo);
  }
  const prefix = action.slice(0, action.indexOf('.'));
  if (prefix === 'org' && text(f.org) !== undefined) {
    const org: Fields = { name: text(f.org), type: 'Organization' };
    put(org, 'uid', text(f.org_id));
    out.push(org);
  }
  const target = text(f.user);
  if (
    target !== undefined &&
    (prefix === 'org' || prefix === 'repo' || prefix === 'team' || prefix === 'user')
  ) {
    const user: Fields = { name: target, type: 'User' };
    const uid = text(f.user_id);
    if (uid !== undefined && uid !== '0') user.uid = uid;
    out.push(user);
  }
  const team = text(f.team);
  if (team !== undefined) out.push({ name: team, type: 'Team' });
  const hook = text(f.hook_id) ?? text(obj(f, 'data')?.hook_id);
  if (hook !== undefined) out.push({ uid: hook, type: 'Hook' });
  const branch = text(f.branch);
  if (branch !== undefined) out.push({ name: branch, type: 'Branch' });
  const ruleset = text(f.ruleset_id);
  if (ruleset !== undefined) {
    const r: Fields = { uid: ruleset, type: 'Ruleset' };
    put(r, 'name', text(f.ruleset_name));
    out.push(r);
  }
  const run = text(f.workflow_run_id);
  if (run !== undefined) {
    const r: Fields = { uid: run, type: 'Workflow Run' };
    put(r, 'name', text(f.name));
    const data: Fields = {};
    for (const key of [
      'conclusion',
      'head_branch',
      'head_sha',
      'event',
      'run_number',
      'run_attempt',
      'workflow_id',
    ])
      put(data, key, f[key]);
    if (compact(data) !== undefined) r.data = data;
    out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// webhooks

/** Security alert events (→ Detection Finding). */
const ALERT_EVENTS: ReadonlySet<string> = new Set([
  'code_scanning_alert',
  'secret_scanning_alert',
  'dependabot_alert',
  'repository_vulnerability_alert',
]);

/** Events named after the payload key that holds their object. */
const OBJECT_EVENTS = [
  'workflow_job',
  'deployment_status',
  'deployment',
  'check_run',
  'check_suite',
  'release',
  'registry_package',
  'package',
  'security_advisory',
] as const;

/**
 * The webhook event (the X-GitHub-Event name) a payload is, from its shape; `webhook` when the
 * shape says nothing more.
 */
export function webhookEvent(f: Fields): string {
  if (f.zen !== undefined && f.hook_id !== undefined) return 'ping';
  for (const key of OBJECT_EVENTS.slice(0, 3)) if (isRecord(f[key])) return key;
  if (isRecord(f.workflow_run)) {
    return Array.isArray(f.reviewers) || isRecord(f.workflow_job_run) ? 'deployment_review' : 'workflow_run';
  }
  for (const key of OBJECT_EVENTS.slice(3)) if (isRecord(f[key])) return key;
  if (Array.isArray(f.commits) && typeof f.ref === 'string') return 'push';
  if (typeof f.ref_type === 'string') return f.master_branch !== undefined ? 'create' : 'delete';
  if (typeof f.workflow === 'string' && f.inputs !== undefined) return 'workflow_dispatch';
  if (isRecord(f.alert)) return alertEvent(f, f.alert);
  if (isRecord(f.rule)) return 'branch_protection_rule';
  if (isRecord(f.key)) return 'deploy_key';
  if (isRecord(f.member)) return isRecord(f.team) ? 'membership' : 'member';
  if (isRecord(f.membership) || isRecord(f.invitation)) return 'organization';
  if (isRecord(f.team)) return 'team';
  if (isRecord(f.comment)) return isRecord(f.pull_request) ? 'pull_request_review_comment' : 'issue_comment';
  if (isRecord(f.review)) return 'pull_request_review';
  if (isRecord(f.pull_request)) return 'pull_request';
  if (isRecord(f.issue)) return 'issues';
  if (Array.isArray(f.pages)) return 'gollum';
  if (isRecord(f.installation) && (Array.isArray(f.repositories) || !isRecord(f.repository))) {
    if (Array.isArray(f.repositories_added) || Array.isArray(f.repositories_removed))
      return 'installation_repositories';
    if (!isRecord(f.organization) || Array.isArray(f.repositories)) return 'installation';
  }
  if (typeof f.sha === 'string' && typeof f.state === 'string' && f.context !== undefined) return 'status';
  if (isRecord(f.pusher)) return 'push';
  if (isRecord(f.repository) && typeof f.action === 'string') return 'repository';
  if (isRecord(f.organization) && typeof f.action === 'string') return 'organization';
  return 'webhook';
}

function alertEvent(f: Fields, alert: Fields): string {
  if (alert.secret_type !== undefined) return 'secret_scanning_alert';
  if (f.commit_oid !== undefined || isRecord(alert.rule) || isRecord(alert.tool))
    return 'code_scanning_alert';
  if (isRecord(alert.security_advisory) || isRecord(alert.dependency)) return 'dependabot_alert';
  if (alert.affected_package_name !== undefined) return 'repository_vulnerability_alert';
  return 'alert';
}

function mapWebhook(f: Fields, record: ParsedRecord, ctx: NormalizeContext, tags: Tags): OcsfEvent {
  const name = webhookEvent(f);
  const action = text(f.action);
  const main = isRecord(f[name]) ? (f[name] as Fields) : name === 'push' ? obj(f, 'head_commit') : undefined;
  const when = webhookTime(f, name, action, main, ctx);
  const metadata: Metadata = { product: { ...WEBHOOK_PRODUCT }, event_code: name };
  if (ALERT_EVENTS.has(name)) {
    const event = alertFinding(f, name, action, when, metadata, ctx, tags);
    return finish(event, record, f);
  }
  const activity =
    action !== undefined
      ? actionActivity(action)
      : name === 'create' || name === 'workflow_dispatch'
        ? 1
        : name === 'delete'
          ? 4
          : 99;
  const event = envelope(OcsfClass.ApiActivity, apiActivity(activity), when, metadata, ctx, tags);
  event.actor = identifiedActor(webhookActor(f, main));
  event.src_endpoint = identifiedEndpoint({});
  event.api = { operation: action !== undefined ? `${name}.${action}` : name, service: { name: 'GitHub' } };
  const resources = webhookResources(f, name, main);
  if (resources.length > 0) event.resources = resources;
  const conclusion = text(main?.conclusion);
  if (conclusion !== undefined) {
    const lower = conclusion.toLowerCase();
    if (lower === 'success') setStatus(event, 1);
    else if (lower === 'failure' || lower === 'timed_out' || lower === 'startup_failure') setStatus(event, 2);
    else setStatus(event, 99, undefined, undefined, conclusion);
  }
  commonObservables(event);
  return finish(event, record, f);
}

/** The time of the change a payload reports: its object's completion, update or creation time. */
function webhookTime(
  f: Fields,
  name: string,
  action: string | undefined,
  main: Fields | undefined,
  ctx: NormalizeContext,
): { time: number; original: string } | undefined {
  if (name === 'push')
    return firstTime(ctx, obj(f, 'head_commit')?.timestamp, obj(f, 'repository')?.pushed_at);
  const alert = obj(f, 'alert');
  if (alert !== undefined) {
    return firstTime(
      ctx,
      alert.updated_at,
      alert.fixed_at,
      alert.dismissed_at,
      alert.resolved_at,
      alert.created_at,
    );
  }
  if (main === undefined) return firstTime(ctx, f.updated_at, f.created_at);
  return action === 'completed'
    ? firstTime(ctx, main.completed_at, main.updated_at, main.created_at)
    : firstTime(ctx, main.updated_at, main.submitted_at, main.started_at, main.created_at, main.published_at);
}

const SENDER_TYPES: ReadonlyMap<string, [number, string]> = new Map([
  ['User', [1, 'User']],
  ['Bot', [4, 'Service']],
]);

/** A GitHub account object (sender, user, actor) → OCSF user. */
function accountUser(a: Fields): Fields | undefined {
  const user: Fields = {};
  put(user, 'name', text(a.login) ?? text(a.name) ?? text(a.username));
  put(user, 'uid', text(a.id));
  put(user, 'email_addr', emailOf(a.email));
  const type = text(a.type);
  if (type !== undefined) {
    const known = SENDER_TYPES.get(type);
    user.type_id = known?.[0] ?? 99;
    user.type = known?.[1] ?? type;
  }
  return compact(user);
}

/** The sender; else the pusher, the run's triggering actor, or the author of the event's object. */
function webhookActor(f: Fields, main: Fields | undefined): Fields {
  const who =
    obj(f, 'sender') ??
    obj(f, 'pusher') ??
    obj(main, 'triggering_actor') ??
    obj(main, 'actor') ??
    obj(main, 'user') ??
    obj(obj(f, 'comment'), 'user') ??
    obj(obj(f, 'review'), 'user') ??
    obj(obj(f, 'issue'), 'user') ??
    obj(obj(f, 'pull_request'), 'user');
  const actor: Fields = {};
  const user = who !== undefined ? accountUser(who) : undefined;
  if (user !== undefined) {
    const org = obj(f, 'organization');
    if (org !== undefined && text(org.login) !== undefined) {
      const account: Fields = { name: text(org.login), type_id: 99, type: 'Other' };
      put(account, 'uid', text(org.id));
      user.account = account;
    }
    actor.user = user;
  }
  const app = obj(main, 'app') ?? obj(main, 'performed_via_github_app');
  if (app !== undefined) {
    put(actor, 'app_name', text(app.name));
    put(actor, 'app_uid', text(app.id));
  }
  return actor;
}

/** The repository as an OCSF resource: full name, id, visibility (undefined when it has neither name nor id). */
function repositoryResource(repo: Fields): Fields | undefined {
  const r: Fields = {};
  put(r, 'uid', text(repo.id));
  put(r, 'name', text(repo.full_name) ?? text(repo.name));
  r.type = 'Repository';
  const visibility =
    text(repo.visibility) ??
    (typeof repo.private === 'boolean' ? (repo.private ? 'private' : 'public') : undefined);
  if (visibility !== undefined) r.data = { visibility };
  return r.uid !== undefined || r.name !== undefined ? r : undefined;
}

/** Resource types of the objects webhook events carry, by event. */
const OBJECT_TYPES: ReadonlyMap<string, string> = new Map([
  ['deployment_status', 'Deployment Status'],
  ['deployment', 'Deployment'],
  ['check_run', 'Check Run'],
  ['check_suite', 'Check Suite'],
  ['release', 'Release'],
  ['registry_package', 'Package'],
  ['package', 'Package'],
  ['security_advisory', 'Security Advisory'],
  ['rule', 'Branch Protection Rule'],
  ['key', 'Deploy Key'],
  ['member', 'User'],
  ['team', 'Team'],
  ['installation', 'Installation'],
  ['pull_request', 'Pull Request'],
  ['issue', 'Issue'],
  ['comment', 'Comment'],
  ['review', 'Review'],
]);

/** Details kept with a workflow run, job or check. */
const RUN_DETAILS = [
  'status',
  'conclusion',
  'head_branch',
  'head_sha',
  'event',
  'run_id',
  'run_number',
  'run_attempt',
  'workflow_id',
  'workflow_name',
  'runner_name',
  'labels',
  'html_url',
] as const;

function runResource(o: Fields, type: string): Fields {
  const r: Fields = { type };
  put(r, 'uid', text(o.id) ?? text(o.run_id));
  put(r, 'name', text(o.name) ?? text(o.display_title) ?? (r.uid === undefined ? 'unknown' : undefined));
  const data: Fields = {};
  for (const key of RUN_DETAILS) if (o[key] !== undefined && o[key] !== null) data[key] = o[key];
  if (Object.keys(data).length > 0) r.data = data;
  return r;
}

function objectResource(o: Fields, type: string): Fields | undefined {
  const r: Fields = {};
  put(r, 'uid', text(o.id) ?? text(o.number));
  put(
    r,
    'name',
    text(o.full_name) ??
      text(o.name) ??
      text(o.login) ??
      text(o.title) ??
      text(o.tag_name) ??
      text(o.ghsa_id),
  );
  if (Object.keys(r).length === 0) return undefined;
  r.type = type;
  return r;
}

function webhookResources(f: Fields, name: string, main: Fields | undefined): Fields[] {
  const out: Fields[] = [];
  const repo = obj(f, 'repository');
  const repoResource = repo !== undefined ? repositoryResource(repo) : undefined;
  if (repoResource !== undefined) out.push(repoResource);
  if (name === 'push') {
    const head = obj(f, 'head_commit');
    const commit: Fields = { type: 'Commit' };
    const commits = Array.isArray(f.commits) ? f.commits : [];
    const last: unknown = commits[commits.length - 1];
    put(commit, 'uid', text(head?.id) ?? text(f.after) ?? (isRecord(last) ? text(last.id) : undefined));
    const data: Fields = {};
    put(data, 'message', text(head?.message) ?? (isRecord(last) ? text(last.message) : undefined));
    put(data, 'ref', text(f.ref));
    put(data, 'before', text(f.before));
    if (Array.isArray(f.commits)) data.commits = commits.length;
    put(data, 'forced', typeof f.forced === 'boolean' ? f.forced : undefined);
    if (Object.keys(data).length > 0) commit.data = data;
    if (commit.uid !== undefined) out.push(commit);
  } else if (name === 'workflow_run' || name === 'deployment_review') {
    const workflow = obj(f, 'workflow');
    if (workflow !== undefined) {
      const w = objectResource(workflow, 'Workflow');
      if (w !== undefined) out.push(w);
    }
    out.push(runResource(obj(f, 'workflow_run')!, 'Workflow Run'));
    const jobRun = obj(f, 'workflow_job_run');
    if (jobRun !== undefined) out.push(runResource(jobRun, 'Workflow Job'));
  } else if (name === 'workflow_job') {
    out.push(runResource(main!, 'Workflow Job'));
  } else if (name === 'check_run' || name === 'check_suite') {
    out.push(runResource(main!, OBJECT_TYPES.get(name)!));
  } else if (name === 'workflow_dispatch') {
    const workflow = text(f.workflow);
    if (workflow !== undefined) out.push({ name: workflow, type: 'Workflow' });
  } else {
    for (const [key, type] of OBJECT_TYPES) {
      // The installation that delivers a webhook is not what the event is about.
      if (key === 'installation' && !name.startsWith('installation')) continue;
      const o = obj(f, key);
      if (o === undefined) continue;
      const r = objectResource(o, type);
      if (r !== undefined) out.push(r);
    }
  }
  const org = obj(f, 'organization');
  if (org !== undefined && (name === 'organization' || name === 'membership' || out.length === 0)) {
    const r = objectResource(org, 'Organization');
    if (r !== undefined) out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// security alerts → Detection Finding

const ALERT_SEVERITIES: ReadonlyMap<string, number> = new Map([
  ['critical', Severity.Critical],
  ['high', Severity.High],
  ['error', Severity.High],
  ['medium', Severity.Medium],
  ['moderate', Severity.Medium],
  ['warning', Severity.Medium],
  ['low', Severity.Low],
  ['note', Severity.Low],
]);

const ALERT_STATES: ReadonlyMap<string, [number, string]> = new Map([
  ['open', [1, 'New']],
  ['reopened', [1, 'New']],
  ['dismissed', [3, 'Suppressed']],
  ['auto_dismissed', [3, 'Suppressed']],
  ['fixed', [4, 'Resolved']],
  ['resolved', [4, 'Resolved']],
  ['auto_resolved', [4, 'Resolved']],
]);

const FINDING_ACTIVITIES: Readonly<Record<number, string>> = {
  1: 'Create',
  2: 'Update',
  3: 'Close',
  99: 'Other',
};

function findingActivity(action: string | undefined): number {
  switch (action) {
    case 'created':
    case 'create':
      return 1;
    case 'reopened':
    case 'reopened_by_user':
    case 'appeared_in_branch':
    case 'reintroduced':
    case 'validated':
      return 2;
    case 'fixed':
    case 'closed_by_user':
    case 'dismissed':
    case 'dismiss':
    case 'resolved':
    case 'auto_dismissed':
    case 'auto_resolved':
      return 3;
    default:
      return 99;
  }
}

function alertFinding(
  f: Fields,
  name: string,
  action: string | undefined,
  when: { time: number; original: string } | undefined,
  metadata: Metadata,
  ctx: NormalizeContext,
  tags: Tags,
): OcsfEvent {
  const alert = obj(f, 'alert') ?? {};
  const rule = obj(alert, 'rule');
  const advisory = obj(alert, 'security_advisory');
  const severityText =
    text(rule?.security_severity_level) ??
    text(rule?.severity) ??
    text(obj(alert, 'security_vulnerability')?.severity) ??
    text(advisory?.severity) ??
    text(alert.severity);
  const severity =
    ALERT_SEVERITIES.get(severityText?.toLowerCase() ?? '') ??
    (name === 'secret_scanning_alert' ? Severity.High : Severity.Medium);
  const activity = findingActivity(action);
  const event = envelope(
    OcsfClass.DetectionFinding,
    { id: activity, name: FINDING_ACTIVITIES[activity]! },
    when,
    metadata,
    ctx,
    tags,
    severity,
  );
  const repo = obj(f, 'repository');
  const number = text(alert.number);
  const info: Fields = {
    uid:
      text(alert.html_url) ??
      `${text(repo?.full_name) ?? 'unknown'}#${number ?? text(alert.id) ?? text(alert.ghsa_id) ?? '?'}`,
  };
  put(
    info,
    'title',
    text(rule?.description) ??
      text(rule?.name) ??
      text(alert.secret_type_display_name) ??
      text(alert.secret_type) ??
      text(advisory?.summary) ??
      (text(alert.affected_package_name) !== undefined
        ? `${text(alert.affected_package_name)} ${text(alert.external_identifier) ?? ''}`.trim()
        : undefined),
  );
  put(info, 'desc', text(rule?.full_description) ?? text(advisory?.description));
  put(info, 'src_url', text(alert.html_url));
  const created = firstTime(ctx, alert.created_at);
  if (created !== undefined) info.created_time = created.time;
  const modified = firstTime(ctx, alert.updated_at);
  if (modified !== undefined) info.modified_time = modified.time;
  info.types = [name];
  put(info, 'uid_alt', number);
  event.finding_info = info;
  const state = text(alert.state)?.toLowerCase();
  if (state !== undefined) {
    const known = ALERT_STATES.get(state);
    event.status_id = known?.[0] ?? 99;
    event.status = known?.[1] ?? text(alert.state);
  }
  const repoResource = repo !== undefined ? repositoryResource(repo) : undefined;
  if (repoResource !== undefined) event.resources = [repoResource];
  return event;
}
