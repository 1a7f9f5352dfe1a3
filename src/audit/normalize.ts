/**
 * Audit entries (format `vigil-audit`, from ./audit.ts) → OCSF 1.8:
 * - `login`/`logout` → Authentication (3002), Logon/Logoff, the user and the client address;
 * - `user.*` → Account Change (3001): Create, Delete, Password Change, Other (role);
 * - everything else → API Activity (6003): Create/Read/Update/Delete by HTTP method or action.
 * Status Success for `ok`, Failure for `denied` and `error` (with the result in status_detail).
 * `action`, `result`, `target` and `details` stay in `unmapped`, so `source=audit action=login
 * result=denied` finds failed logins. Registered in src/normalize/registry.ts. Pure; never throws.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from '../normalize/normalizer.js';
import { OcsfClass, ocsfEvent, Severity, type OcsfClassInfo, type OcsfEvent } from '../normalize/ocsf.js';
import { AUDIT_FORMAT } from '../store/schema.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const ACCOUNT_ACTIVITY: Record<string, { id: number; name: string }> = {
  'user.add': { id: 1, name: 'Create' },
  'user.remove': { id: 6, name: 'Delete' },
  'user.password': { id: 3, name: 'Password Change' },
};

const METHOD_ACTIVITY: Record<string, { id: number; name: string }> = {
  POST: { id: 1, name: 'Create' },
  GET: { id: 2, name: 'Read' },
  HEAD: { id: 2, name: 'Read' },
  PUT: { id: 3, name: 'Update' },
  PATCH: { id: 3, name: 'Update' },
  DELETE: { id: 4, name: 'Delete' },
};

function apiActivity(action: string, method: string | undefined): { id: number; name: string } {
  if (method && METHOD_ACTIVITY[method]) return METHOD_ACTIVITY[method];
  if (/\.(create|add)$/.test(action)) return { id: 1, name: 'Create' };
  if (/^(search|query)|\.(read|export|verify)$/.test(action)) return { id: 2, name: 'Read' };
  if (/\.(revoke|remove|delete)$/.test(action)) return { id: 4, name: 'Delete' };
  if (/reload|\.(ack|assign|close|reopen|comment)$/.test(action)) return { id: 3, name: 'Update' };
  return { id: 99, name: 'Other' };
}

export function normalizeAudit(fields: Record<string, unknown>, ctx: NormalizeContext): OcsfEvent {
  const action = str(fields.action) ?? 'unknown';
  const result = str(fields.result) ?? 'error';
  const actor = (fields.actor ?? {}) as Record<string, unknown>;
  const http = (fields.http ?? undefined) as Record<string, unknown> | undefined;
  const actorName = str(actor.name) ?? 'anonymous';
  const target = str(fields.target);
  const time = typeof fields.time === 'number' && Number.isFinite(fields.time) ? fields.time : ctx.receivedAt;

  let cls: OcsfClassInfo;
  let activity: { id: number; name: string };
  if (action === 'login' || action === 'logout') {
    cls = OcsfClass.Authentication;
    activity = action === 'login' ? { id: 1, name: 'Logon' } : { id: 2, name: 'Logoff' };
  } else if (action.startsWith('user.')) {
    cls = OcsfClass.AccountChange;
    activity = ACCOUNT_ACTIVITY[action] ?? { id: 99, name: 'Other' };
  } else {
    cls = OcsfClass.ApiActivity;
    activity = apiActivity(action, str(http?.method));
  }
  const severity =
    result === 'ok' ? Severity.Informational : result === 'denied' ? Severity.Medium : Severity.High;
  const message = `${actorName} ${action}${target ? ` ${target}` : ''}: ${result}`;
  const event = ocsfEvent(cls, activity, {
    time,
    severity_id: severity,
    message,
    metadata: {
      product: { name: 'Vigil', vendor_name: 'Vigil' },
      log_name: 'audit',
      event_code: action,
      labels: ['audit'],
    },
  });
  event.status_id = result === 'ok' ? 1 : 2;
  event.status = result === 'ok' ? 'Success' : 'Failure';
  if (result !== 'ok') event.status_detail = result;
  event.actor = {
    user: { name: actorName, ...(str(actor.kind) ? { type: str(actor.kind) } : {}) },
    ...(str(actor.role) ? { authorizations: [{ decision: result, policy: { name: str(actor.role) } }] } : {}),
  };
  if (cls === OcsfClass.Authentication) event.user = { name: target ?? actorName };
  if (cls === OcsfClass.AccountChange && target) event.user = { name: target };
  if (str(fields.ip)) event.src_endpoint = { ip: str(fields.ip) };
  const userAgent = str(fields.user_agent);
  if (http || userAgent) {
    event.http_request = {
      ...(http ? { http_method: str(http.method), url: { path: str(http.path) } } : {}),
      ...(userAgent ? { user_agent: userAgent } : {}),
    };
  }
  if (cls === OcsfClass.ApiActivity) {
    event.api = {
      operation: action,
      ...(http?.request_id !== undefined ? { request: { uid: String(http.request_id) } } : {}),
      ...(typeof http?.status === 'number' ? { response: { code: http.status } } : {}),
    };
  }
  event.unmapped = {
    action,
    result,
    ...(target !== undefined ? { target } : {}),
    ...(http && typeof http.status === 'number' ? { http_status: http.status } : {}),
    ...(fields.details !== undefined ? { details: fields.details } : {}),
  };
  return event;
}

export const auditNormalizer: Normalizer = {
  name: 'vigil-audit',
  accepts: (record: ParsedRecord) => record.format === AUDIT_FORMAT,
  normalize(record, ctx) {
    try {
      return normalizeAudit(record.fields, ctx);
    } catch {
      return normalizeAudit({ action: 'unknown', result: 'error', actor: { name: 'unknown' } }, ctx);
    }
  },
};
