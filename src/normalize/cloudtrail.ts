/**
 * AWS CloudTrail records → OCSF 1.8, following the OCSF CloudTrail mapping examples.
 *
 * Records arrive one by one: importFile splits `{"Records":[...]}` files and JSON arrays, NDJSON
 * lines (logstash exports with `@timestamp`) come as lines, and a labelled test case's `log` is
 * mapped as the record it holds. Data-lake exports that lower-case top-level keys (`eventname`)
 * are read too.
 *
 * Mapped: sign-in events (`signin.amazonaws.com`: ConsoleLogin → Authentication Logon with
 * success/failure and MFA used, SwitchRole → Account Switch, the other sign-in steps → Other);
 * every other call → API Activity (activity from `readOnly` and the verb of `eventName`: Create,
 * Read, Update, Delete, else Other), with the actor (userIdentity: type, ARN, principal, account,
 * user name, session issuer and MFA, access key), src_endpoint (IP or AWS service host name),
 * user agent, cloud (provider, region, account), api (service from eventSource, operation,
 * request id, error code and message → status) and resources (`resources[]` and the ARNs and
 * well-known names in requestParameters). The whole record stays in `unmapped` by its original
 * names. Pure: no I/O; time from `eventTime` (else `@timestamp`), else the receive time.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import { addObservable, ObservableType, OcsfClass, type OcsfEvent } from './ocsf.js';
import {
  apiActivity,
  authActivity,
  bool,
  ci,
  commonObservables,
  envelope,
  fallbackEvent,
  finish,
  firstTime,
  identifiedActor,
  identifiedEndpoint,
  identifiedUser,
  isRecord,
  put,
  setStatus,
  testCaseLog,
  testCaseOfType,
  text,
  unwrap,
  addressEndpoint,
  verbActivity,
  type Fields,
  type Metadata,
} from './cloud-common.js';

const PRODUCT = { name: 'CloudTrail', vendor_name: 'AWS' };

/** Whether a JSON record is a CloudTrail record: eventSource, eventName and eventVersion or awsRegion. */
export function isCloudTrailRecord(f: Fields): boolean {
  return (
    typeof ci(f, 'eventName') === 'string' &&
    typeof ci(f, 'eventSource') === 'string' &&
    (ci(f, 'eventVersion') !== undefined || typeof ci(f, 'awsRegion') === 'string')
  );
}

/** The CloudTrail fields the mapping reads, by their CloudTrail names. */
interface Ct {
  eventVersion?: unknown;
  userIdentity?: unknown;
  eventTime?: unknown;
  eventSource?: unknown;
  eventName?: unknown;
  awsRegion?: unknown;
  sourceIPAddress?: unknown;
  userAgent?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
  requestParameters?: unknown;
  responseElements?: unknown;
  additionalEventData?: unknown;
  serviceEventDetails?: unknown;
  requestID?: unknown;
  eventID?: unknown;
  readOnly?: unknown;
  resources?: unknown;
  eventType?: unknown;
  apiVersion?: unknown;
  recipientAccountId?: unknown;
  sharedEventID?: unknown;
  vpcEndpointId?: unknown;
  eventCategory?: unknown;
  tlsDetails?: unknown;
  '@timestamp'?: unknown;
  p_event_time?: unknown;
}

const CT_KEYS: readonly (keyof Ct)[] = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'apiVersion',
  'recipientAccountId',
  'sharedEventID',
  'vpcEndpointId',
  'eventCategory',
  'tlsDetails',
  '@timestamp',
  'p_event_time',
];

/**
 * The record as read by CloudTrail names: itself when it uses them (the common case, so reads are
 * plain property reads), else a view with each field found under its lower-cased key.
 */
function camelView(f: Fields): Ct {
  if (f.eventName !== undefined || f.eventname === undefined) return f;
  const view: Record<string, unknown> = {};
  for (const key of CT_KEYS) {
    const v = ci(f, key);
    if (v !== undefined) view[key] = v;
  }
  return view;
}

function rec(v: unknown): Fields | undefined {
  return isRecord(v) ? v : undefined;
}

/** CloudTrail records (and CloudTrail test cases) → Authentication or API Activity. */
export const cloudtrailNormalizer: Normalizer = {
  name: 'cloudtrail',
  accepts(record) {
    if (record.format !== 'json') return false;
    const f = record.fields;
    if (isCloudTrailRecord(f)) return true;
    const log = testCaseLog(f);
    return log !== undefined && (isCloudTrailRecord(log) || testCaseOfType(f, 'AWS.CloudTrail'));
  },
  normalize(record, ctx) {
    try {
      const { f, tags } = unwrap(record.fields);
      return mapRecord(f, record, ctx, tags);
    } catch (error) {
      return fallbackEvent(record, ctx, PRODUCT, error);
    }
  },
};

/** Sign-in events mapped to Authentication, with their activity. */
const SIGNIN_ACTIVITIES: ReadonlyMap<string, number> = new Map([
  ['ConsoleLogin', 1],
  ['SwitchRole', 7],
  ['ExternalIdPDirectoryLogin', 99],
  ['UserAuthentication', 99],
  ['CredentialChallenge', 99],
  ['CredentialVerification', 99],
  ['CheckMfa', 99],
]);

function mapRecord(
  f: Fields,
  record: ParsedRecord,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
): OcsfEvent {
  const c = camelView(f);
  const name = text(c.eventName) ?? 'Unknown';
  const source = text(c.eventSource);
  const when = firstTime(ctx, c.eventTime, c['@timestamp'], c.p_event_time);
  const product: { name: string; vendor_name: string; version?: string } = {
    name: PRODUCT.name,
    vendor_name: PRODUCT.vendor_name,
  };
  const version = text(c.eventVersion);
  if (version !== undefined) product.version = version;
  const metadata: Metadata = { product, profiles: ['cloud'] };
  const eventType = text(c.eventType);
  if (eventType !== undefined) metadata.event_code = eventType;
  const eventId = text(c.eventID);
  if (eventId !== undefined) metadata.original_event_uid = eventId;
  const shared = text(c.sharedEventID);
  if (shared !== undefined) metadata.correlation_uid = shared;
  const category = text(c.eventCategory);
  if (category !== undefined) metadata.log_name = category;

  const signin = SIGNIN_ACTIVITIES.get(name);
  const isAuth = signin !== undefined && (source === undefined || source === 'signin.amazonaws.com');
  const event = isAuth
    ? envelope(OcsfClass.Authentication, authActivity(signin), when, metadata, ctx, tags)
    : envelope(OcsfClass.ApiActivity, apiActivity(activityOf(c, name)), when, metadata, ctx, tags);

  const identity = rec(c.userIdentity);
  const actor = identifiedActor(actorOf(identity, c));
  event.actor = actor;
  event.api = apiOf(c, name, source);
  const src = addressEndpoint(c.sourceIPAddress) ?? {};
  const vpce = text(c.vpcEndpointId);
  if (vpce !== undefined) src.uid = vpce;
  event.src_endpoint = identifiedEndpoint(src, c.sourceIPAddress);
  const agent = text(c.userAgent);
  if (agent !== undefined) event.http_request = { user_agent: agent };
  event.cloud = cloudOf(c, identity);

  if (isAuth) authenticationDetails(event, c, name, actor);
  else {
    const resources = resourcesOf(c, source);
    if (resources.length > 0) event.resources = resources;
    const host = text(rec(c.tlsDetails)?.clientProvidedHostHeader);
    if (host !== undefined) event.dst_endpoint = { hostname: host };
    apiStatus(event, c);
  }

  commonObservables(event);
  addObservable(event, 'actor.user.uid', ObservableType.ResourceUID, (actor.user as Fields | undefined)?.uid);
  const resources = event.resources as Fields[] | undefined;
  if (resources !== undefined)
    for (const r of resources) addObservable(event, 'resources.uid', ObservableType.ResourceUID, r.uid);
  return finish(event, record, f);
}

// ---------------------------------------------------------------------------------------------
// actor

const USER_TYPES: ReadonlyMap<string, number> = new Map([
  ['IAMUser', 1],
  ['IdentityCenterUser', 1],
  ['SAMLUser', 1],
  ['WebIdentityUser', 1],
  ['FederatedUser', 1],
  ['Root', 2],
  ['AWSService', 4],
]);
const USER_TYPE_CAPTIONS: Readonly<Record<number, string>> = { 1: 'User', 2: 'Admin', 4: 'Service' };

/** The last part of an ARN's resource: a user or role session name. */
function arnTail(arn: string | undefined): string | undefined {
  if (arn === undefined || !arn.startsWith('arn:')) return undefined;
  const slash = arn.lastIndexOf('/');
  const tail = slash >= 0 ? arn.slice(slash + 1) : arn.split(':').slice(5).join(':');
  return tail === '' ? undefined : tail;
}

/** userIdentity → OCSF user (who made the call). */
function userOf(identity: Fields | undefined, c: Ct): Fields {
  const user: Fields = {};
  if (identity === undefined) {
    const name = text(rec(c.additionalEventData)?.UserName);
    if (name !== undefined) user.name = name;
    return user;
  }
  const arn = text(identity.arn);
  const typeText = text(identity.type);
  const onBehalfOf = rec(identity.onBehalfOf);
  const name =
    text(identity.userName) ??
    text(rec(c.additionalEventData)?.UserName) ??
    (typeText === 'Root' ? 'root' : undefined) ??
    arnTail(arn) ??
    text(onBehalfOf?.userId) ??
    (typeText === 'AWSService' ? text(identity.invokedBy) : undefined);
  if (name !== undefined) user.name = name;
  if (arn !== undefined) user.uid = arn;
  const alt = text(identity.principalId) ?? text(onBehalfOf?.userId);
  if (alt !== undefined) user.uid_alt = alt;
  if (typeText !== undefined) {
    const typeId = USER_TYPES.get(typeText) ?? 99;
    user.type_id = typeId;
    user.type = USER_TYPE_CAPTIONS[typeId] ?? typeText;
  }
  const account = text(identity.accountId);
  if (account !== undefined) user.account = { uid: account, type_id: 10, type: 'AWS Account' };
  const key = text(identity.accessKeyId) ?? text(identity.credentialId);
  if (key !== undefined) user.programmatic_credentials = [{ uid: key, type: 'AWS Access Key' }];
  return user;
}

function actorOf(identity: Fields | undefined, c: Ct): Fields {
  const actor: Fields = {};
  const user = userOf(identity, c);
  if (user.name !== undefined || user.uid !== undefined || user.account !== undefined) actor.user = user;
  if (identity === undefined) return actor;
  const context = rec(identity.sessionContext);
  if (context !== undefined) {
    const session: Fields = {};
    const attributes = rec(context.attributes);
    const mfa = bool(attributes?.mfaAuthenticated);
    if (mfa !== undefined) session.is_mfa = mfa;
    const created = text(attributes?.creationDate);
    if (created !== undefined) {
      const t = Date.parse(created);
      if (Number.isSafeInteger(t)) session.created_time = t;
    }
    const issuer = text(rec(context.sessionIssuer)?.arn);
    if (issuer !== undefined) session.issuer = issuer;
    if (mfa !== undefined || session.created_time !== undefined || issuer !== undefined)
      actor.session = session;
  }
  const idpName =
    text(identity.identityProvider) ?? text(rec(context?.webIdFederationData)?.federatedProvider);
  const idpUid = text(rec(identity.onBehalfOf)?.identityStoreArn);
  if (idpName !== undefined || idpUid !== undefined) {
    const idp: Fields = {};
    put(idp, 'name', idpName);
    put(idp, 'uid', idpUid);
    actor.idp = idp;
  }
  const invokedBy = text(identity.invokedBy);
  if (invokedBy !== undefined) actor.app_name = invokedBy;
  return actor;
}

// ---------------------------------------------------------------------------------------------
// api, cloud, resources

function apiOf(c: Ct, name: string, source: string | undefined): Fields {
  const api: Fields = { operation: name };
  if (source !== undefined) api.service = { name: source };
  const version = text(c.apiVersion);
  if (version !== undefined) api.version = version;
  const requestId = text(c.requestID);
  if (requestId !== undefined) api.request = { uid: requestId };
  const error = text(c.errorCode);
  const message = text(c.errorMessage);
  if (error !== undefined || message !== undefined) {
    const response: Fields = {};
    put(response, 'error', error);
    put(response, 'error_message', message);
    api.response = response;
  }
  return api;
}

function apiStatus(event: OcsfEvent, c: Ct): void {
  const error = text(c.errorCode);
  const message = text(c.errorMessage);
  if (error !== undefined || message !== undefined) setStatus(event, 2, message, error);
  else setStatus(event, 1);
}

const VERB = /^[A-Z][a-z]+/;

/** Read when CloudTrail says so; else the verb that starts the event name (`DeleteTrail` → Delete). */
function activityOf(c: Ct, name: string): number {
  if (bool(c.readOnly) === true) return 2;
  const verb = VERB.exec(name)?.[0];
  return (verb !== undefined ? verbActivity(verb) : undefined) ?? 99;
}

function cloudOf(c: Ct, identity: Fields | undefined): Fields {
  const cloud: Fields = { provider: 'AWS' };
  const region = text(c.awsRegion);
  if (region !== undefined) cloud.region = region;
  const account = text(c.recipientAccountId) ?? text(identity?.accountId);
  if (account !== undefined) cloud.account = { uid: account, type_id: 10, type: 'AWS Account' };
  return cloud;
}

/** requestParameters keys that name a resource, and the resource type they name. */
const NAMED_RESOURCES: ReadonlyMap<string, string> = new Map([
  ['bucketName', 'AWS::S3::Bucket'],
  ['userName', 'AWS::IAM::User'],
  ['roleName', 'AWS::IAM::Role'],
  ['groupName', 'AWS::IAM::Group'],
  ['policyName', 'AWS::IAM::Policy'],
  ['functionName', 'AWS::Lambda::Function'],
  ['instanceId', 'AWS::EC2::Instance'],
  ['snapshotId', 'AWS::EC2::Snapshot'],
  ['imageId', 'AWS::EC2::Image'],
  ['groupId', 'AWS::EC2::SecurityGroup'],
  ['secretId', 'AWS::SecretsManager::Secret'],
  ['keyId', 'AWS::KMS::Key'],
  ['trailName', 'AWS::CloudTrail::Trail'],
  ['dBSnapshotIdentifier', 'AWS::RDS::DBSnapshot'],
  ['dBInstanceIdentifier', 'AWS::RDS::DBInstance'],
  ['logGroupName', 'AWS::Logs::LogGroup'],
  ['detectorId', 'AWS::GuardDuty::Detector'],
]);

const MAX_RESOURCES = 32;

/** resources[] (ARN, account, type), then ARNs and well-known names in requestParameters. */
function resourcesOf(c: Ct, source: string | undefined): Fields[] {
  const out: Fields[] = [];
  const seen = new Set<string>();
  const add = (r: Fields, key: string) => {
    if (out.length < MAX_RESOURCES && !seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  };
  const listed = c.resources;
  if (Array.isArray(listed)) {
    for (const item of listed) {
      if (!isRecord(item)) continue;
      const arn = text(item.ARN ?? item.arn);
      if (arn === undefined) continue;
      const r: Fields = { uid: arn };
      put(r, 'type', text(item.type));
      const account = text(item.accountId);
      if (account !== undefined) r.owner = { account: { uid: account, type_id: 10, type: 'AWS Account' } };
      add(r, arn);
    }
  }
  const params = rec(c.requestParameters);
  if (params === undefined) return out;
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (typeof v === 'string') {
      if (v.startsWith('arn:')) add({ uid: v }, v);
      else {
        const type =
          NAMED_RESOURCES.get(key) ??
          (key === 'name' && source === 'cloudtrail.amazonaws.com' ? 'AWS::CloudTrail::Trail' : undefined);
        if (type !== undefined && v !== '') add({ name: v, type }, `${type} ${v}`);
      }
    } else if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'string' && item.startsWith('arn:')) add({ uid: item }, item);
    }
  }
  // EC2 calls name their instances in instancesSet.items[].instanceId.
  const items = rec(params.instancesSet)?.items;
  if (Array.isArray(items)) {
    for (const item of items) {
      const id = isRecord(item) ? text(item.instanceId) : undefined;
      if (id !== undefined) add({ name: id, type: 'AWS::EC2::Instance' }, `AWS::EC2::Instance ${id}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// sign-in

/** Authentication attributes: the user signing in, outcome, MFA, where they signed in to. */
function authenticationDetails(event: OcsfEvent, c: Ct, name: string, actor: Fields): void {
  event.user = identifiedUser(actor.user as Fields | undefined);
  const extra = rec(c.additionalEventData);
  const mfa = bool(extra?.MFAUsed);
  if (mfa !== undefined) event.is_mfa = mfa;
  const loginTo = text(extra?.LoginTo);
  if (loginTo !== undefined) event.dst_endpoint = { svc_name: loginTo };
  event.service = { name: text(c.eventSource) ?? 'signin.amazonaws.com' };
  const response = rec(c.responseElements);
  const details = rec(c.serviceEventDetails);
  const outcome = text(response?.[name]) ?? text(details?.[name]);
  const error = text(c.errorCode);
  const message = text(c.errorMessage);
  if (outcome === 'Success') setStatus(event, 1, message, error);
  else if (outcome === 'Failure' || error !== undefined || message !== undefined)
    setStatus(event, 2, message, error);
  else if (outcome !== undefined) setStatus(event, 99, message, error, outcome);
  else setStatus(event, 0);
}
