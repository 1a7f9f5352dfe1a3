/**
 * Okta System Log events → OCSF 1.8, following the OCSF Okta mapping examples.
 *
 * Reads the API shape (`eventType`, `actor`, `client`, `outcome`, `published`...) and data-lake
 * exports that lower-case the top-level keys (`eventtype`, `displaymessage`, `debugcontext`); a
 * labelled test case's `log` is mapped as the event it holds.
 *
 * Mapped: sign-on events (user.session.start/end, user.authentication.*, policy.evaluate_sign_on,
 * MFA push steps) → Authentication (user, source IP and geo, user agent, outcome → status, MFA and
 * auth factors, the application signed in to, session id); every other event type (user, group,
 * policy, application, token and system changes) → API Activity, the class OCSF's Okta mapping
 * uses for what has no closer class with a schema (activity from the event type's verb, targets →
 * resources). Rows that are not events (aggregate query results without an event type) stay Base
 * Events. The whole record stays in `unmapped`. Pure: no I/O; time from `published`.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import { OcsfClass, Severity, type OcsfEvent } from './ocsf.js';
import {
  actionActivity,
  apiActivity,
  authActivity,
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
  testCaseFrom,
  testCaseLog,
  testCaseOfType,
  text,
  unwrap,
  type Fields,
  type Metadata,
} from './cloud-common.js';

const PRODUCT = { name: 'Okta System Log', vendor_name: 'Okta' };

/** Whether a JSON record is an Okta System Log event: an event type, an actor object and a log field. */
export function isOktaEvent(f: Fields): boolean {
  if (typeof ci(f, 'eventType') !== 'string' || !isRecord(f.actor)) return false;
  return (
    ci(f, 'published') !== undefined ||
    isRecord(f.outcome) ||
    isRecord(f.client) ||
    ci(f, 'legacyEventType') !== undefined ||
    ci(f, 'displayMessage') !== undefined
  );
}

/** Okta System Log events (and Okta test cases) → Authentication, API Activity or Base Event. */
export const oktaNormalizer: Normalizer = {
  name: 'okta',
  accepts(record) {
    if (record.format !== 'json') return false;
    const f = record.fields;
    if (isOktaEvent(f)) return true;
    const log = testCaseLog(f);
    return (
      log !== undefined &&
      (isOktaEvent(log) || testCaseOfType(f, 'Okta.SystemLog') || testCaseFrom(f, 'rules/okta_rules/'))
    );
  },
  normalize(record, ctx) {
    try {
      const { f, tags } = unwrap(record.fields);
      return mapEvent(f, record, ctx, tags);
    } catch (error) {
      return fallbackEvent(record, ctx, PRODUCT, error);
    }
  },
};

/** Authentication activity of a sign-on event type, or undefined for the event types that are not. */
export function oktaAuthActivity(type: string): number | undefined {
  switch (type) {
    case 'user.session.start':
      return 1;
    case 'user.session.end':
    case 'user.session.clear':
    case 'user.session.expire':
      return 2;
    case 'user.authentication.verify':
    case 'policy.evaluate_sign_on':
    case 'user.session.access_admin_app':
    case 'user.mfa.attempt_bypass':
    case 'system.push.send_factor_verify_push':
      return 99;
  }
  if (type.startsWith('user.authentication.')) return 1;
  if (type.startsWith('user.mfa.okta_verify.')) return 99;
  return undefined;
}

const SEVERITIES: ReadonlyMap<string, number> = new Map([
  ['DEBUG', Severity.Informational],
  ['INFO', Severity.Informational],
  ['WARN', Severity.Medium],
  ['ERROR', Severity.High],
]);

function mapEvent(
  f: Fields,
  record: ParsedRecord,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
): OcsfEvent {
  const type = text(ci(f, 'eventType'));
  const when = firstTime(ctx, ci(f, 'published'), f.p_event_time, f.detection_timestamp);
  const metadata: Metadata = { product: { ...PRODUCT } };
  put(metadata.product, 'version', text(f.version));
  put(metadata, 'event_code', type);
  put(metadata, 'original_event_uid', text(f.uuid));
  put(metadata, 'correlation_uid', text(obj(f, 'transaction')?.id));
  const severity = SEVERITIES.get(text(f.severity)?.toUpperCase() ?? '') ?? Severity.Informational;
  if (type === undefined) {
    // Not an event (an aggregate query row): kept whole.
    return finish(
      envelope(OcsfClass.BaseEvent, { id: 99, name: 'Other' }, when, metadata, ctx, tags),
      record,
      f,
    );
  }
  const auth = oktaAuthActivity(type);
  const event =
    auth !== undefined
      ? envelope(OcsfClass.Authentication, authActivity(auth), when, metadata, ctx, tags, severity)
      : envelope(
          OcsfClass.ApiActivity,
          apiActivity(actionActivity(type)),
          when,
          metadata,
          ctx,
          tags,
          severity,
        );
  const message = text(ci(f, 'displayMessage'));
  if (message !== undefined) event.message = message;

  const context = obj(f, 'authenticationContext');
  const actor: Fields = {};
  const user = userOf(f);
  if (user !== undefined) actor.user = user;
  const sessionUid = text(context?.externalSessionId) ?? text(context?.rootSessionId);
  const issuer = text(obj(context, 'issuer')?.id);
  if (sessionUid !== undefined || issuer !== undefined) {
    const session: Fields = {};
    put(session, 'uid', sessionUid);
    put(session, 'issuer', issuer);
    actor.session = session;
  }
  event.actor = identifiedActor(actor);
  event.src_endpoint = srcEndpointOf(f);
  const http = httpOf(f);
  if (http !== undefined) event.http_request = http;
  const url = text(obj(obj(f, 'debugContext'), 'debugData')?.url);
  if (url !== undefined) event.dst_endpoint = { svc_name: url };
  outcomeStatus(event, f);

  if (auth !== undefined) authenticationDetails(event, f, type, actor, context);
  else {
    const api: Fields = { operation: type };
    const requestId = text(obj(obj(f, 'debugContext'), 'debugData')?.requestId);
    if (requestId !== undefined) api.request = { uid: requestId };
    event.api = api;
    const resources = targetsOf(f);
    if (resources.length > 0) event.resources = resources;
  }
  commonObservables(event);
  return finish(event, record, f);
}

const ACTOR_TYPES: ReadonlyMap<string, number> = new Map([
  ['User', 1],
  ['SystemPrincipal', 3],
  ['PublicClientApp', 4],
  ['AppInstance', 4],
]);
const ACTOR_TYPE_CAPTIONS: Readonly<Record<number, string>> = { 1: 'User', 3: 'System', 4: 'Service' };

/** The actor as an OCSF user: display name, login (as e-mail when it is one), id, type. */
function userOf(f: Fields): Fields | undefined {
  const a = obj(f, 'actor');
  const user: Fields = {};
  const login = text(a?.alternateId) ?? text(f.actorId);
  put(user, 'name', text(a?.displayName) ?? text(f.actorName) ?? login);
  put(user, 'uid', text(a?.id) ?? text(f.actorId));
  put(user, 'email_addr', emailOf(login));
  const type = text(a?.type);
  if (type !== undefined) {
    const id = ACTOR_TYPES.get(type) ?? 99;
    user.type_id = id;
    user.type = ACTOR_TYPE_CAPTIONS[id] ?? type;
  }
  return user.name !== undefined || user.uid !== undefined ? user : undefined;
}

/** Client address, geo, AS and OS. */
function srcEndpointOf(f: Fields): Fields {
  const client = obj(f, 'client');
  const security = obj(f, 'securityContext');
  const ep: Fields = {};
  put(ep, 'ip', ipOf(client?.ipAddress) ?? ipOf(f.sourceIP));
  const geo = obj(client, 'geographicalContext');
  if (geo !== undefined) {
    const location: Fields = {};
    put(location, 'city', text(geo.city));
    put(location, 'region', text(geo.state));
    put(location, 'country', text(geo.country));
    put(location, 'postal_code', text(geo.postalCode));
    const point = obj(geo, 'geolocation');
    put(location, 'lat', num(point?.lat));
    put(location, 'long', num(point?.lon));
    put(ep, 'location', validLocation(location));
  }
  const asNumber = int(security?.asNumber);
  const asOrg = text(security?.asOrg);
  if (asNumber !== undefined || asOrg !== undefined) {
    const as: Fields = {};
    put(as, 'number', asNumber);
    put(as, 'name', asOrg);
    ep.autonomous_system = as;
  }
  put(ep, 'isp', text(security?.isp));
  put(ep, 'domain', text(security?.domain));
  put(ep, 'os', osOf(obj(client, 'userAgent')?.os));
  return identifiedEndpoint(ep, client?.ipAddress ?? f.sourceIP);
}

function httpOf(f: Fields): Fields | undefined {
  const http: Fields = {};
  const agent = obj(obj(f, 'client'), 'userAgent');
  put(
    http,
    'user_agent',
    text(agent?.rawUserAgent) ?? (typeof f.userAgent === 'string' ? text(f.userAgent) : undefined),
  );
  put(http, 'uid', text(obj(obj(f, 'debugContext'), 'debugData')?.requestId));
  return compact(http);
}

/** outcome.result → status: SUCCESS/ALLOW succeed, FAILURE/DENY fail, anything else is Other. */
function outcomeStatus(event: OcsfEvent, f: Fields): void {
  const outcome = obj(f, 'outcome');
  const result = text(outcome?.result) ?? text(f.result);
  const reason = text(outcome?.reason);
  if (result === undefined) {
    if (reason !== undefined) setStatus(event, 0, reason);
    return;
  }
  const upper = result.toUpperCase();
  if (upper === 'SUCCESS' || upper === 'ALLOW') setStatus(event, 1, reason);
  else if (upper === 'FAILURE' || upper === 'DENY') setStatus(event, 2, reason);
  else setStatus(event, 99, reason, undefined, result);
}

/** Okta `target[]` → OCSF resources. */
function targetsOf(f: Fields): Fields[] {
  const targets = f.target;
  if (!Array.isArray(targets)) return [];
  const out: Fields[] = [];
  for (const t of targets) {
    if (!isRecord(t)) continue;
    const r: Fields = {};
    put(r, 'uid', text(t.id));
    put(r, 'name', text(t.displayName) ?? text(t.alternateId));
    put(r, 'type', text(t.type));
    if (r.uid !== undefined || r.name !== undefined) out.push(r);
  }
  return out;
}

/** Okta factor names (debugData.factor, credentialType) → OCSF auth factor type ids. */
const FACTORS: readonly [string, number][] = [
  ['PUSH', 5],
  ['WEBAUTHN', 10],
  ['FIDO', 10],
  ['U2F', 9],
  ['SMS', 1],
  ['CALL', 3],
  ['VOICE', 3],
  ['EMAIL', 8],
  ['QUESTION', 2],
  ['OTP', 7],
  ['TOTP', 7],
  ['TOKEN', 6],
  ['PASSWORD', 11],
];
const FACTOR_CAPTIONS: Readonly<Record<number, string>> = {
  1: 'SMS',
  2: 'Security Question',
  3: 'Phone Call',
  5: 'Push Notification',
  6: 'Hardware Token',
  7: 'OTP',
  8: 'Email',
  9: 'U2F',
  10: 'WebAuthn',
  11: 'Password',
  99: 'Other',
};

function factorOf(name: string): Fields {
  const upper = name.toUpperCase();
  const id = FACTORS.find(([k]) => upper.includes(k))?.[1] ?? 99;
  return { factor_type_id: id, factor_type: FACTOR_CAPTIONS[id], provider: name };
}

function authenticationDetails(
  event: OcsfEvent,
  f: Fields,
  type: string,
  actor: Fields,
  context: Fields | undefined,
): void {
  event.user = identifiedUser(actor.user as Fields | undefined);
  if (actor.session !== undefined) event.session = actor.session;
  const debug = obj(obj(f, 'debugContext'), 'debugData');
  const factors: Fields[] = [];
  const factor = text(debug?.factor);
  if (factor !== undefined) factors.push(factorOf(factor));
  const credential = text(context?.credentialType);
  if (credential !== undefined && credential !== factor) factors.push(factorOf(credential));
  if (factors.length > 0) event.auth_factors = factors;
  if (type.includes('mfa') || factors.some((x) => x.factor_type_id !== 11)) event.is_mfa = true;
  const app = Array.isArray(f.target)
    ? f.target.find((t) => isRecord(t) && t.type === 'AppInstance')
    : undefined;
  if (isRecord(app)) {
    const service: Fields = {};
    put(service, 'name', text(app.displayName) ?? text(app.alternateId));
    put(service, 'uid', text(app.id));
    if (compact(service) !== undefined) event.service = service;
  }
  // The user signs in to Okta itself when no application is named.
  if (event.service === undefined) event.service = { name: 'Okta' };
}
