/**
 * Microsoft Entra ID (Azure AD) logs → OCSF 1.8.
 *
 * Reads the Azure Monitor diagnostic shape (`{time, category, operationName, properties:{...}}`,
 * as Event Hubs, storage exports and Log Analytics write it, with or without lower-cased top-level
 * keys such as `calleripaddress`) and the bare Graph API sign-in object (`{createdDateTime,
 * userPrincipalName, status:{errorCode}, ...}`); a labelled test case's `log` is mapped as the
 * record it holds.
 *
 * Mapped: sign-ins (SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs,
 * ManagedIdentitySignInLogs...) → Authentication Logon: user (or service principal), client app,
 * source IP, geo and AS, user agent, OS, status from the error code with its reason, MFA
 * requirement and methods, protocol, risk, session and correlation ids, the resource signed in to.
 * Directory audit records (AuditLogs and the other categories with `initiatedBy`) → API Activity:
 * initiator, operation and the service that logged it, targets → resources, result → status.
 * The whole record stays in `unmapped`. Pure: no I/O; time from `createdDateTime` /
 * `activityDateTime`, else `time`.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import { OcsfClass, type OcsfEvent } from './ocsf.js';
import {
  apiActivity,
  authActivity,
  bool,
  ci,
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
  int,
  ipOf,
  isRecord,
  num,
  obj,
  osOf,
  put,
  validLocation,
  setStatus,
  testCaseLog,
  testCaseOfType,
  text,
  unwrap,
  verbActivity,
  type Fields,
  type Metadata,
} from './cloud-common.js';

const PRODUCT = { name: 'Microsoft Entra ID', vendor_name: 'Microsoft' };

const SIGNIN_CATEGORIES: ReadonlySet<string> = new Set([
  'SignInLogs',
  'NonInteractiveUserSignInLogs',
  'ServicePrincipalSignInLogs',
  'ManagedIdentitySignInLogs',
  'MicrosoftServicePrincipalSignInLogs',
  'ADFSSignInLogs',
]);

/** Sign-in categories whose subject is an application, not a person. */
const APP_CATEGORIES: ReadonlySet<string> = new Set([
  'ServicePrincipalSignInLogs',
  'ManagedIdentitySignInLogs',
  'MicrosoftServicePrincipalSignInLogs',
]);

/** A Graph API sign-in object (no Azure Monitor envelope). */
function isGraphSignIn(f: Fields): boolean {
  return (
    typeof f.createdDateTime === 'string' &&
    isRecord(f.status) &&
    'ipAddress' in f &&
    (typeof f.userPrincipalName === 'string' || typeof f.appId === 'string')
  );
}

/** Whether a JSON record is an Entra ID sign-in or directory audit record. */
export function isEntraRecord(f: Fields): boolean {
  const props = f.properties;
  if (!isRecord(props)) return isGraphSignIn(f);
  const category = f.category;
  if (typeof category !== 'string') return false;
  if (SIGNIN_CATEGORIES.has(category)) return true;
  const resource = ci(f, 'resourceId');
  return (
    (typeof resource === 'string' && resource.toLowerCase().includes('microsoft.aadiam')) ||
    isRecord(props.initiatedBy)
  );
}

/** Entra ID sign-ins → Authentication; directory audit records → API Activity. */
export const azureNormalizer: Normalizer = {
  name: 'azure',
  accepts(record) {
    if (record.format !== 'json') return false;
    const f = record.fields;
    if (isEntraRecord(f)) return true;
    const log = testCaseLog(f);
    return log !== undefined && (isEntraRecord(log) || testCaseOfType(f, 'Azure.Audit', 'Azure.SignIn'));
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

function mapRecord(
  f: Fields,
  record: ParsedRecord,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
): OcsfEvent {
  const envelopeProps = obj(f, 'properties');
  const p = envelopeProps ?? f;
  const category = text(f.category);
  const signIn =
    envelopeProps === undefined
      ? isGraphSignIn(f)
      : category !== undefined && SIGNIN_CATEGORIES.has(category);
  const metadata: Metadata = { product: { ...PRODUCT }, profiles: ['cloud'] };
  put(metadata, 'log_name', category);
  put(metadata, 'original_event_uid', text(p.id));
  put(metadata, 'correlation_uid', text(p.correlationId) ?? text(ci(f, 'correlationId')));
  put(metadata, 'tenant_uid', text(ci(f, 'tenantId')) ?? text(p.tenantId) ?? text(p.resourceTenantId));
  const event = signIn
    ? signInEvent(f, p, category, metadata, ctx, tags)
    : auditEvent(f, p, metadata, ctx, tags);
  const cloud: Fields = { provider: 'Azure' };
  if (metadata.tenant_uid !== undefined) cloud.org = { uid: metadata.tenant_uid };
  event.cloud = cloud;
  commonObservables(event);
  return finish(event, record, f);
}

// ---------------------------------------------------------------------------------------------
// sign-ins

const RISK_LEVELS: ReadonlyMap<string, [number, string]> = new Map([
  ['low', [1, 'Low']],
  ['medium', [2, 'Medium']],
  ['high', [3, 'High']],
]);

/** MFA and sign-in method names (authenticationDetails, mfaDetail) → OCSF auth factor type ids. */
const METHODS: readonly [string, number, string][] = [
  ['password', 11, 'Password'],
  ['notification', 5, 'Push Notification'],
  ['text message', 1, 'SMS'],
  ['sms', 1, 'SMS'],
  ['code', 7, 'OTP'],
  ['oath', 7, 'OTP'],
  ['fido', 10, 'WebAuthn'],
  ['passkey', 10, 'WebAuthn'],
  ['phone call', 3, 'Phone Call'],
  ['voice', 3, 'Phone Call'],
  ['email', 8, 'Email'],
  ['hello', 4, 'Biometric'],
];

const PROTOCOLS: ReadonlyMap<string, [number, string]> = new Map([
  ['oauth2', [6, 'OAUTH 2.0']],
  ['saml20', [5, 'SAML']],
  ['openidconnect', [4, 'OpenID']],
]);

function signInEvent(
  f: Fields,
  p: Fields,
  category: string | undefined,
  metadata: Metadata,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
): OcsfEvent {
  const when = firstTime(ctx, p.createdDateTime, f.time, f.p_event_time);
  const event = envelope(OcsfClass.Authentication, authActivity(1), when, metadata, ctx, tags);
  const isApp = category !== undefined && APP_CATEGORIES.has(category);
  const user: Fields = {};
  if (isApp) {
    put(user, 'uid', text(p.servicePrincipalId) ?? text(p.appId));
    put(user, 'name', text(p.servicePrincipalName) ?? text(p.appDisplayName));
    user.type_id = 4;
    user.type = 'Service';
  } else {
    const upn = text(p.userPrincipalName);
    put(user, 'uid', text(p.userId));
    put(user, 'name', upn ?? text(p.userDisplayName) ?? text(f.identity));
    put(user, 'display_name', text(p.userDisplayName));
    put(user, 'email_addr', emailOf(upn));
    if (upn !== undefined || text(p.userId) !== undefined) {
      user.type_id = 1;
      user.type = 'User';
    }
  }
  const risk = RISK_LEVELS.get(text(p.riskLevelDuringSignIn)?.toLowerCase() ?? '');
  if (risk !== undefined) {
    user.risk_level_id = risk[0];
    user.risk_level = risk[1];
  }
  event.user = identifiedUser(user);
  const actor: Fields = {};
  if (Object.keys(user).length > 0) actor.user = user;
  put(actor, 'app_name', text(p.appDisplayName));
  put(actor, 'app_uid', text(p.appId));
  const sessionId = text(p.sessionId);
  if (sessionId !== undefined) {
    actor.session = { uid: sessionId };
    event.session = { uid: sessionId };
  }
  event.actor = identifiedActor(actor);
  event.src_endpoint = signInEndpoint(f, p);
  const agent = text(p.userAgent);
  if (agent !== undefined) event.http_request = { user_agent: agent };
  const service: Fields = {};
  put(service, 'name', text(p.resourceDisplayName) ?? text(p.appDisplayName));
  put(service, 'uid', text(p.resourceId) ?? text(p.appId));
  event.service = compact(service) ?? { name: PRODUCT.name };
  signInStatus(event, f, p);
  signInMethods(event, p);
  const protocol = text(p.authenticationProtocol);
  if (protocol !== undefined && protocol.toLowerCase() !== 'none') {
    const known = PROTOCOLS.get(protocol.toLowerCase());
    event.auth_protocol_id = known?.[0] ?? 99;
    event.auth_protocol = known?.[1] ?? protocol;
  }
  if (bool(p.isInteractive) === true) {
    event.logon_type_id = 2;
    event.logon_type = 'Interactive';
  }
  return event;
}

function signInEndpoint(f: Fields, p: Fields): Fields {
  const ep: Fields = {};
  put(ep, 'ip', ipOf(p.ipAddress) ?? ipOf(ci(f, 'callerIpAddress')));
  const geo = obj(p, 'location');
  if (geo !== undefined) {
    const location: Fields = {};
    put(location, 'city', text(geo.city));
    put(location, 'region', text(geo.state));
    put(location, 'country', text(geo.countryOrRegion));
    const point = obj(geo, 'geoCoordinates');
    put(location, 'lat', num(point?.latitude));
    put(location, 'long', num(point?.longitude));
    put(ep, 'location', validLocation(location));
  } else {
    const country = text(f.location);
    if (country !== undefined) ep.location = { country };
  }
  const asn = int(p.autonomousSystemNumber);
  if (asn !== undefined) ep.autonomous_system = { number: asn };
  const device = obj(p, 'deviceDetail');
  put(ep, 'os', osOf(device?.operatingSystem));
  put(ep, 'uid', text(device?.deviceId));
  put(ep, 'name', text(device?.displayName));
  return identifiedEndpoint(ep, p.ipAddress ?? ci(f, 'callerIpAddress'));
}

/** status.errorCode 0 is success, any other code a failure (its reason as the detail). */
function signInStatus(event: OcsfEvent, f: Fields, p: Fields): void {
  const status = obj(p, 'status');
  const detail =
    text(status?.failureReason) ?? text(ci(f, 'resultDescription')) ?? text(status?.additionalDetails);
  let code = text(status?.errorCode);
  if (code === undefined) {
    const resultType = text(ci(f, 'resultType'));
    if (resultType !== undefined && /^\d+$/.test(resultType)) code = resultType;
    else {
      const word = (resultType ?? text(p.result))?.toLowerCase();
      if (word === 'success') setStatus(event, 1, detail);
      else if (word === 'failure') setStatus(event, 2, detail);
      else if (detail !== undefined) setStatus(event, 0, detail);
      return;
    }
  }
  if (code === '0') setStatus(event, 1, detail, code);
  else setStatus(event, 2, detail, code);
}

/** MFA required or not, and the methods used (authenticationDetails, mfaDetail). */
function signInMethods(event: OcsfEvent, p: Fields): void {
  const requirement = text(p.authenticationRequirement);
  if (requirement === 'multiFactorAuthentication') event.is_mfa = true;
  else if (requirement === 'singleFactorAuthentication') event.is_mfa = false;
  const names: string[] = [];
  const details = p.authenticationDetails;
  if (Array.isArray(details)) {
    for (const d of details) {
      const method = isRecord(d) ? text(d.authenticationMethod) : undefined;
      if (method !== undefined && method !== 'Previously satisfied' && !names.includes(method))
        names.push(method);
    }
  }
  const mfaMethod = text(obj(p, 'mfaDetail')?.authMethod);
  if (mfaMethod !== undefined) {
    event.is_mfa = true;
    if (!names.includes(mfaMethod)) names.push(mfaMethod);
  }
  if (names.length === 0) return;
  event.auth_factors = names.map((name) => {
    const lower = name.toLowerCase();
    const known = METHODS.find(([k]) => lower.includes(k));
    return { factor_type_id: known?.[1] ?? 99, factor_type: known?.[2] ?? 'Other', provider: name };
  });
}

// ---------------------------------------------------------------------------------------------
// directory audit

const OPERATION_TYPES: ReadonlyMap<string, number> = new Map([
  ['add', 1],
  ['update', 3],
  ['assign', 3],
  ['unassign', 3],
  ['delete', 4],
]);

function auditEvent(
  f: Fields,
  p: Fields,
  metadata: Metadata,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
): OcsfEvent {
  const operation =
    text(ci(f, 'operationName')) ??
    text(p.operationName) ??
    text(p.activityDisplayName) ??
    text(f.category) ??
    'Unknown';
  put(metadata, 'event_code', operation);
  const when = firstTime(ctx, p.activityDateTime, f.time, f.p_event_time);
  const opType = text(p.operationType)?.toLowerCase();
  const firstWord = operation.split(' ', 1)[0] ?? '';
  const activity =
    (opType !== undefined ? OPERATION_TYPES.get(opType) : undefined) ?? verbActivity(firstWord) ?? 99;
  const event = envelope(OcsfClass.ApiActivity, apiActivity(activity), when, metadata, ctx, tags);
  const initiator = obj(p, 'initiatedBy');
  const by = obj(initiator, 'user');
  const app = obj(initiator, 'app');
  const actor: Fields = {};
  const user: Fields = {};
  const upn = text(by?.userPrincipalName);
  put(user, 'uid', text(by?.id));
  put(user, 'name', upn ?? text(by?.displayName) ?? (app === undefined ? text(f.identity) : undefined));
  put(user, 'display_name', text(by?.displayName));
  put(user, 'email_addr', emailOf(upn));
  if (compact(user) !== undefined) actor.user = user;
  put(actor, 'app_name', text(app?.displayName) ?? text(app?.servicePrincipalName));
  put(actor, 'app_uid', text(app?.appId) ?? text(app?.servicePrincipalId));
  event.actor = identifiedActor(actor);
  const ip = ipOf(by?.ipAddress) ?? ipOf(ci(f, 'callerIpAddress')) ?? ipOf(f.ipAddress);
  event.src_endpoint = identifiedEndpoint(
    ip !== undefined ? { ip } : {},
    by?.ipAddress ?? ci(f, 'callerIpAddress'),
  );
  const agent = text(p.userAgent) ?? additionalDetail(p, 'User-Agent');
  if (agent !== undefined) event.http_request = { user_agent: agent };
  const api: Fields = { operation };
  const service = text(p.loggedByService);
  if (service !== undefined) api.service = { name: service };
  const id = text(p.id);
  if (id !== undefined) api.request = { uid: id };
  event.api = api;
  const resources = targetsOf(p);
  if (resources.length > 0) event.resources = resources;
  const result = text(p.result)?.toLowerCase();
  const reason = text(p.resultReason);
  if (result === 'success') setStatus(event, 1, reason);
  else if (result === 'failure') setStatus(event, 2, reason);
  else if (result !== undefined) setStatus(event, 99, reason, undefined, text(p.result));
  return event;
}

function additionalDetail(p: Fields, key: string): string | undefined {
  const details = p.additionalDetails;
  if (!Array.isArray(details)) return undefined;
  const hit = details.find((d) => isRecord(d) && d.key === key);
  return isRecord(hit) ? text(hit.value) : undefined;
}

function targetsOf(p: Fields): Fields[] {
  const targets = p.targetResources;
  if (!Array.isArray(targets)) return [];
  const out: Fields[] = [];
  for (const t of targets) {
    if (!isRecord(t)) continue;
    const r: Fields = {};
    put(r, 'uid', text(t.id));
    put(r, 'name', text(t.displayName) ?? text(t.userPrincipalName));
    put(r, 'type', text(t.type));
    if (r.uid !== undefined || r.name !== undefined) out.push(r);
  }
  return out;
}
