/**
 * What the cloud and identity normalizers (CloudTrail, Okta, Entra ID, GitHub, SBOM) share:
 *  - field access that tolerates data-lake exports, which lower-case top-level keys
 *    (`eventname` for `eventName`);
 *  - labelled test cases (Panther rule tests: `{rule_id, log_types, test_name, expected_result,
 *    log}`), whose `log` is the real record: it is mapped as if it came alone, and the test case's
 *    own fields become `metadata.tags`;
 *  - timestamps with or without a zone (zone-less ones are read in the configured zone);
 *  - the OCSF pieces all of them build: status, endpoints from an address, the fallback event.
 * Pure: no I/O, no clock.
 */
import { isIP } from 'node:net';
import type { ParsedRecord } from '../parsers/record.js';
import type { NormalizeContext } from './normalizer.js';
import {
  addObservable,
  ObservableType,
  OcsfClass,
  ocsfEvent,
  Severity,
  SEVERITY_CAPTIONS,
  type OcsfClassInfo,
  type OcsfEvent,
  type OcsfMetadata,
} from './ocsf.js';
import { parseTimestamp, wallClockToUtc } from './time.js';

/** A JSON object as parsed. */
export type Fields = Record<string, unknown>;

/** Metadata as the normalizers build it (the version is added by ocsfEvent). */
export type Metadata = Omit<OcsfMetadata, 'version'> & {
  correlation_uid?: string;
  tenant_uid?: string;
  log_provider?: string;
};

/** Whether a value is a JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as non-empty text: strings as they are, numbers and bigints in decimal; else undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint') return String(v);
  return undefined;
}

/** `f[key]`, else the key lower-cased (`eventname`), as data-lake exports write it. */
export function ci(f: Fields, key: string): unknown {
  const v = f[key];
  return v !== undefined ? v : f[key.toLowerCase()];
}

/** An object-valued field (by either spelling of its key), or undefined. */
export function obj(f: Fields | undefined, key: string): Fields | undefined {
  if (f === undefined) return undefined;
  const v = ci(f, key);
  return isRecord(v) ? v : undefined;
}

/** `true`/`false` from a boolean or its text (`"true"`, `"Yes"`); undefined for anything else. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'yes') return true;
    if (t === 'false' || t === 'no') return false;
  }
  return undefined;
}

/** A finite number from a number or numeric text. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** An integer that fits OCSF's `integer` (a safe integer), from a number or numeric text. */
export function int(v: unknown): number | undefined {
  const n = typeof v === 'bigint' ? undefined : num(v);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// labelled test cases

/** The `log` of a labelled test case (Panther rule test), if `f` is one. Cheap: for `accepts`. */
export function testCaseLog(f: Fields): Fields | undefined {
  const log = f.log;
  return isRecord(log) && typeof f.rule_id === 'string' && 'expected_result' in f ? log : undefined;
}

/** Whether a test case declares one of `types` in its `log_types` (e.g. `AWS.CloudTrail`). */
export function testCaseOfType(f: Fields, ...types: string[]): boolean {
  const declared = f.log_types;
  return Array.isArray(declared) && declared.some((t) => typeof t === 'string' && types.includes(t));
}

/** Whether a test case comes from one of the rule folders (`rules/okta_rules/`), for rows without log_types. */
export function testCaseFrom(f: Fields, folder: string): boolean {
  return typeof f.source_file === 'string' && f.source_file.startsWith(folder);
}

const TEST_CASE_TAGS = [
  'rule_id',
  'test_name',
  'expected_result',
  'severity',
  'log_types',
  'mitre',
  'source_file',
];

/** The test case's own fields (all but `log`) as OCSF metadata tags `test_case.<name>`. */
export function testCaseTags(f: Fields): { name: string; value: string }[] {
  const tags: { name: string; value: string }[] = [];
  for (const name of TEST_CASE_TAGS) {
    const v = f[name];
    if (v === undefined || v === null) continue;
    const value = Array.isArray(v) ? v.map((x) => String(x)).join(',') : String(v);
    tags.push({ name: `test_case.${name}`, value });
  }
  return tags;
}

/** The record to map: a test case's `log`, or the record itself; and the tags a test case adds. */
export function unwrap(fields: Fields): { f: Fields; tags?: { name: string; value: string }[] } {
  const log = testCaseLog(fields);
  return log === undefined ? { f: fields } : { f: log, tags: testCaseTags(fields) };
}

// ---------------------------------------------------------------------------------------------
// time

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

/** Beyond ±100 million days from 1970 a Date is invalid; OCSF times are integers of ms. */
const MAX_TIME = 8.64e15;

/**
 * A source timestamp → epoch ms and the original text. ISO-like text without a zone is a wall
 * clock in `ctx.timezone` (UTC when none is configured); epoch numbers by magnitude.
 */
export function timeOf(
  value: unknown,
  ctx: NormalizeContext,
): { time: number; original: string } | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let t: number | undefined;
  if (typeof value === 'string') {
    const m = NAIVE.exec(value.trim());
    if (m) {
      const [, y, mo, d, h, mi, s, frac] = m;
      if (
        +mo! < 1 ||
        +mo! > 12 ||
        +d! < 1 ||
        +d! > 31 ||
        +h! > 23 ||
        +mi! > 59 ||
        (s !== undefined && +s > 60)
      )
        return undefined;
      const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
      const parts = { year: +y!, month: +mo! - 1, day: +d!, hour: +h!, minute: +mi!, second: s ? +s : 0, ms };
      t = wallClockToUtc(parts, ctx.timezone);
    }
  }
  if (t === undefined) t = parseTimestamp(value);
  if (t === undefined || !Number.isSafeInteger(t) || Math.abs(t) > MAX_TIME) return undefined;
  return { time: t, original: typeof value === 'string' ? value : String(value) };
}

/** The first of several candidate timestamps that reads. */
export function firstTime(
  ctx: NormalizeContext,
  ...values: unknown[]
): { time: number; original: string } | undefined {
  for (const v of values) {
    const t = timeOf(v, ctx);
    if (t !== undefined) return t;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// OCSF pieces

const STATUS_CAPTIONS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Success',
  2: 'Failure',
  99: 'Other',
};

/** Status of an event: 1 Success, 2 Failure, 0 Unknown, 99 Other (then `status` is the source's word). */
export function setStatus(
  event: OcsfEvent,
  id: 0 | 1 | 2 | 99,
  detail?: string,
  code?: string,
  other?: string,
): void {
  event.status_id = id;
  event.status = id === 99 && other !== undefined ? other : STATUS_CAPTIONS[id];
  if (code !== undefined) event.status_code = code;
  if (detail !== undefined) event.status_detail = detail;
}

const HOSTNAME = /^(?=.*[A-Za-z])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+\.?$/;

/** An address as a network endpoint: `{ip}` for an IP, `{domain}` for a host name, else undefined. */
export function addressEndpoint(v: unknown): Fields | undefined {
  const t = typeof v === 'string' ? v.trim() : undefined;
  if (!t) return undefined;
  if (t.length <= 40 && isIP(t) !== 0) return { ip: t };
  if (t.length <= 253 && HOSTNAME.test(t)) return { domain: t };
  return undefined;
}

/** Whether `o` has one of `keys` (OCSF objects require one of several identifying attributes). */
function hasAny(o: Fields, keys: readonly string[]): boolean {
  return keys.some((k) => o[k] !== undefined);
}

const ENDPOINT_IDS = [
  'ip',
  'uid',
  'name',
  'hostname',
  'svc_name',
  'instance_uid',
  'interface_uid',
  'interface_name',
  'domain',
];

/**
 * A network endpoint OCSF accepts: it must carry one identifying attribute. An address that is
 * neither an IP nor a host name (`AWS Internal`, a sanitised `10.01.0.7`) is kept as the name;
 * with nothing at all the endpoint is named `unknown` (API Activity requires src_endpoint).
 */
export function identifiedEndpoint(ep: Fields, rawAddress?: unknown): Fields {
  if (hasAny(ep, ENDPOINT_IDS)) return ep;
  const raw = typeof rawAddress === 'string' ? rawAddress.trim() : '';
  ep.name = raw !== '' ? raw : 'unknown';
  return ep;
}

/** An actor OCSF accepts (it needs a user, session or app); `user.name: unknown` when the record names none. */
export function identifiedActor(actor: Fields): Fields {
  if (!hasAny(actor, ['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid']))
    actor.user = { name: 'unknown' };
  return actor;
}

/** A user OCSF accepts (it needs a name, uid or account); `name: unknown` when the record names none. */
export function identifiedUser(user: Fields | undefined): Fields {
  const u = user ?? {};
  if (!hasAny(u, ['account', 'name', 'uid'])) u.name = 'unknown';
  return u;
}

/** A location OCSF accepts (city, country, postal code or region), else undefined. */
export function validLocation(location: Fields): Fields | undefined {
  return hasAny(location, ['city', 'country', 'postal_code', 'region']) ? location : undefined;
}

/** An IP address as it may go in an OCSF `ip` attribute, else undefined. */
export function ipOf(v: unknown): string | undefined {
  const t = typeof v === 'string' ? v.trim() : undefined;
  return t && t.length <= 40 && isIP(t) !== 0 ? t : undefined;
}

const EMAIL = /^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

/** Text that passes OCSF's e-mail pattern. */
export function emailOf(v: unknown): string | undefined {
  return typeof v === 'string' && EMAIL.test(v) ? v : undefined;
}

/** OCSF os.type_id from an operating system name as identity providers write it. */
export function osOf(name: unknown): Fields | undefined {
  const t = text(name);
  if (t === undefined) return undefined;
  const l = t.toLowerCase();
  let typeId = 0;
  if (l.includes('windows')) typeId = 100;
  else if (l.includes('android')) typeId = 201;
  else if (l.includes('ipad')) typeId = 302;
  else if (l.includes('ios') || l.includes('iphone')) typeId = 301;
  else if (l.includes('mac') || l.includes('os x')) typeId = 300;
  else if (l.includes('linux') || l.includes('ubuntu') || l.includes('chrome os')) typeId = 200;
  return { name: t, type_id: typeId, type: OS_TYPES[typeId] };
}

const OS_TYPES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  100: 'Windows',
  200: 'Linux',
  201: 'Android',
  300: 'macOS',
  301: 'iOS',
  302: 'iPadOS',
};

/**
 * API Activity activity_id from the verb of an operation name (`Create`, `delete`, `add_member`):
 * 1 Create, 2 Read, 3 Update, 4 Delete; undefined when the verb says nothing.
 */
export function verbActivity(verb: string): 1 | 2 | 3 | 4 | undefined {
  return VERBS.get(verb.toLowerCase());
}

/**
 * The activity of a dotted action name (`org.add_member`, `user.mfa.factor.reset_all`): the last
 * segment as a verb, else its `_`-separated words from the first; 99 Other when none is a verb.
 */
export function actionActivity(action: string): number {
  const last = action.slice(action.lastIndexOf('.') + 1);
  const whole = verbActivity(last);
  if (whole !== undefined) return whole;
  for (const word of last.split('_')) {
    const id = verbActivity(word);
    if (id !== undefined) return id;
  }
  return 99;
}

const VERBS: ReadonlyMap<string, 1 | 2 | 3 | 4> = new Map([
  ...[
    'create',
    'created',
    'add',
    'added',
    'allocate',
    'import',
    'register',
    'run',
    'launch',
    'issue',
    'copy',
    'upload',
    'generate',
    'request',
    'requested',
    'publish',
    'published',
    'invite',
    'enroll',
    'initiate',
    'opened',
    'submitted',
    'rerequested',
    'released',
    'prereleased',
  ].map((v) => [v, 1 as const] as const),
  ...[
    'get',
    'describe',
    'list',
    'lookup',
    'search',
    'scan',
    'query',
    'head',
    'select',
    'batchget',
    'download',
    'retrieve',
    'view',
    'read',
    'show',
    'check',
    'verify',
    'decrypt',
    'filter',
    'preview',
    'estimate',
    'simulate',
    'access',
    'clone',
    'fetch',
  ].map((v) => [v, 2 as const] as const),
  ...[
    'update',
    'updated',
    'put',
    'modify',
    'set',
    'change',
    'attach',
    'associate',
    'enable',
    'enabled',
    'disable',
    'disabled',
    'start',
    'stop',
    'reboot',
    'reset',
    'tag',
    'untag',
    'replace',
    'apply',
    'assign',
    'unassign',
    'authorize',
    'revoke',
    'restore',
    'rotate',
    'edit',
    'edited',
    'accept',
    'reject',
    'cancel',
    'rename',
    'renamed',
    'move',
    'merge',
    'send',
    'upgrade',
    'activate',
    'deactivate',
    'detach',
    'disassociate',
    'schedule',
    'resume',
    'suspend',
    'unsuspend',
    'pause',
    'grant',
    'lock',
    'unlock',
    'transfer',
    'transferred',
    'archived',
    'unarchived',
    'privatized',
    'publicized',
    'reopened',
    'completed',
    'config',
    'closed',
    'fixed',
    'dismiss',
    'dismissed',
    'resolved',
    'accepted',
    'synchronize',
  ].map((v) => [v, 3 as const] as const),
  ...[
    'delete',
    'deleted',
    'remove',
    'removed',
    'terminate',
    'deregister',
    'unregister',
    'release',
    'purge',
    'destroy',
    'drop',
    'erase',
    'empty',
    'leave',
  ].map((v) => [v, 4 as const] as const),
]);

const API_ACTIVITY_NAMES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Create',
  2: 'Read',
  3: 'Update',
  4: 'Delete',
  99: 'Other',
};

/** The activity (id and caption) of an API Activity event. */
export function apiActivity(id: number): { id: number; name: string } {
  return { id, name: API_ACTIVITY_NAMES[id] ?? 'Other' };
}

const AUTH_ACTIVITY_NAMES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Logon',
  2: 'Logoff',
  3: 'Authentication Ticket',
  4: 'Service Ticket Request',
  5: 'Service Ticket Renew',
  6: 'Preauth',
  7: 'Account Switch',
  99: 'Other',
};

/** The activity (id and caption) of an Authentication event. */
export function authActivity(id: number): { id: number; name: string } {
  return { id, name: AUTH_ACTIVITY_NAMES[id] ?? 'Other' };
}

/** An OCSF event with the shared envelope: time (else the receive time), severity caption, tags. */
export function envelope(
  cls: OcsfClassInfo,
  activity: { id: number; name: string },
  when: { time: number; original: string } | undefined,
  metadata: Metadata,
  ctx: NormalizeContext,
  tags: { name: string; value: string }[] | undefined,
  severityId: number = Severity.Informational,
): OcsfEvent {
  if (when !== undefined) metadata.original_time = when.original;
  if (tags !== undefined && tags.length > 0) metadata.tags = tags;
  metadata.logged_time = ctx.receivedAt;
  const event = ocsfEvent(cls, activity, {
    time: when?.time ?? ctx.receivedAt,
    severity_id: severityId,
    metadata,
  });
  event.severity = SEVERITY_CAPTIONS[severityId];
  return event;
}

/** Observables of the usual actor / endpoint / user-agent attributes, when the event has them. */
export function commonObservables(event: OcsfEvent): void {
  const actorUser = (event.actor as { user?: Fields } | undefined)?.user;
  addObservable(event, 'actor.user.name', ObservableType.UserName, actorUser?.name);
  addObservable(event, 'actor.user.email_addr', ObservableType.EmailAddress, actorUser?.email_addr);
  const user = event.user as Fields | undefined;
  addObservable(event, 'user.name', ObservableType.UserName, user?.name);
  addObservable(
    event,
    'src_endpoint.ip',
    ObservableType.IPAddress,
    (event.src_endpoint as Fields | undefined)?.ip,
  );
  addObservable(
    event,
    'src_endpoint.domain',
    ObservableType.Hostname,
    (event.src_endpoint as Fields | undefined)?.domain,
  );
  addObservable(
    event,
    'http_request.user_agent',
    ObservableType.HTTPUserAgent,
    (event.http_request as Fields | undefined)?.user_agent,
  );
}

/**
 * When mapping failed on content it did not expect: a Base Event that keeps the record (and the
 * error, in status_detail), so nothing is lost and nothing stops the pipeline.
 */
export function fallbackEvent(
  record: ParsedRecord,
  ctx: NormalizeContext,
  product: { name: string; vendor_name?: string },
  error: unknown,
): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 99, name: 'Other' },
    {
      time: ctx.receivedAt,
      severity_id: Severity.Unknown,
      metadata: { product, logged_time: ctx.receivedAt },
    },
  );
  event.severity = SEVERITY_CAPTIONS[Severity.Unknown];
  event.status_detail = `normalize error: ${error instanceof Error ? error.message : String(error)}`;
  event.unmapped = record.fields;
  event.raw_data = record.raw;
  return event;
}

/** The original fields and text, set last so they follow the mapped attributes. */
export function finish(event: OcsfEvent, record: ParsedRecord, unmapped: Fields): OcsfEvent {
  event.unmapped = unmapped;
  event.raw_data = record.raw;
  return event;
}

/** Put `value` under `key` when it is defined (keeps optional OCSF attributes absent, not undefined). */
export function put(target: Fields, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/** An object without its undefined values, or undefined when none is left. */
export function compact(o: Fields): Fields | undefined {
  let any = false;
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) delete o[k];
    else any = true;
  }
  return any ? o : undefined;
}
