/**
 * The console's only door to the server: JSON over the Vigil API with the session's bearer token.
 * Errors carry the HTTP status, so pages can tell "this API is not on this server yet" (404) from
 * "your role may not" (403) and "log in again" (401, which also ends the session).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  name: string;
  role: string;
  permissions: string[];
  /** `session` for a user's login (ended by logging out), `token` for a pasted API token. */
  kind?: 'session' | 'token';
}

const SESSION_KEY = 'vigil.session';

export function loadSession(): Session | undefined {
  try {
    const text = sessionStorage.getItem(SESSION_KEY);
    return text ? (JSON.parse(text) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** Whether the logged-in role grants a permission (the server checks again; this only shapes the UI). */
export function hasPermission(permission: string): boolean {
  return loadSession()?.permissions.includes(permission) ?? false;
}

let token: string | undefined = loadSession()?.token;
let onUnauthorized: () => void = () => {};

export function setToken(value: string | undefined): void {
  token = value;
}

/** Called when the server answers 401: the token expired or was revoked. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

type Params = Record<string, string | number | undefined>;

function url(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request(method: string, path: string, params?: Params, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url(path, params), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const parsed = (await response.json()) as { message?: string; error?: string };
      message = parsed.message ?? parsed.error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401 && token) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function getJson<T>(path: string, params?: Params): Promise<T> {
  return (await (await request('GET', path, params)).json()) as T;
}

export async function getText(path: string, params?: Params): Promise<string> {
  return (await request('GET', path, params)).text();
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await request('POST', path, undefined, body);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export type VigilEvent = Record<string, unknown> & { source?: string; raw_data?: string };

export type SearchResult =
  | { kind: 'events'; events: VigilEvent[]; fields?: string[]; elapsedMs: number }
  | { kind: 'table'; columns: string[]; rows: unknown[][]; elapsedMs: number };

export interface Window {
  from?: string;
  to?: string;
}

export function search(q: string, window: Window = {}, limit?: number): Promise<SearchResult> {
  return getJson<SearchResult>('/api/v1/search', { q, from: window.from, to: window.to, limit });
}

/** A table search (stats/timechart); throws if the query returned events. */
export async function searchTable(
  q: string,
  window: Window = {},
): Promise<{ columns: string[]; rows: unknown[][] }> {
  const result = await search(q, window);
  if (result.kind !== 'table') throw new Error('expected a table result');
  return result;
}

/** An event's store id (metadata.uid). */
export function eventId(event: VigilEvent): string {
  const metadata = event.metadata as { uid?: unknown } | undefined;
  return String(metadata?.uid ?? '');
}

/** An event's time in epoch ms (OCSF `time`). */
export function eventTime(event: VigilEvent): number {
  const t = event.time;
  return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : NaN;
}
