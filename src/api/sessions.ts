/**
 * Login sessions and login throttling. A successful login (POST /api/v1/login) gets a short-lived
 * bearer token (`vgs_...`); only its sha256 is kept, in `<dataDir>/auth/sessions.json` (0600), with
 * its expiry, so sessions survive a restart and a stolen file opens nothing. A session carries the
 * user, not the role: the role is read from the users file on every request, so removing a user or
 * changing its role applies at once. Failed logins are counted per user and client address; past
 * the limit that pair is locked out for a while, doubling with each further lockout.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SessionRecord {
  id: string;
  user: string;
  /** sha256 of the token, hex. */
  sha256: string;
  created_at: number;
  expires_at: number;
}

export const SESSION_PREFIX = 'vgs_';
/** Default session lifetime: 8 hours. */
export const DEFAULT_SESSION_TTL_MS = 8 * 3600_000;

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionStore {
  private readonly file: string;
  private readonly byHash = new Map<string, SessionRecord>();

  constructor(
    dataDir: string,
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {
    this.file = join(dataDir, 'auth', 'sessions.json');
    if (existsSync(this.file)) {
      try {
        const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { sessions?: SessionRecord[] };
        for (const s of parsed.sessions ?? []) if (s.expires_at > this.clock()) this.byHash.set(s.sha256, s);
      } catch {
        // A damaged sessions file only logs everybody out.
      }
    }
  }

  private save(): void {
    const now = this.clock();
    for (const [hash, s] of this.byHash) if (s.expires_at <= now) this.byHash.delete(hash);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ sessions: [...this.byHash.values()] }) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** Start a session; the token is returned once. */
  create(user: string): { token: string; session: SessionRecord } {
    const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock();
    const session: SessionRecord = {
      id: randomUUID(),
      user,
      sha256: sha256(token),
      created_at: now,
      expires_at: now + this.ttlMs,
    };
    this.byHash.set(session.sha256, session);
    this.save();
    return { token, session };
  }

  /** The live session of a token, or undefined (unknown, malformed or expired). */
  verify(token: string | undefined): SessionRecord | undefined {
    if (!token || !token.startsWith(SESSION_PREFIX) || token.length > 200) return undefined;
    const hash = sha256(token);
    const session = this.byHash.get(hash);
    if (!session || !timingSafeEqual(Buffer.from(session.sha256, 'hex'), Buffer.from(hash, 'hex')))
      return undefined;
    if (session.expires_at <= this.clock()) {
      this.byHash.delete(hash);
      return undefined;
    }
    return session;
  }

  /** End the session of a token; false when there was none. */
  revoke(token: string | undefined): boolean {
    const session = this.verify(token);
    if (!session) return false;
    this.byHash.delete(session.sha256);
    this.save();
    return true;
  }

  /** End every session of a user (removed, password changed). */
  revokeUser(user: string): number {
    let n = 0;
    for (const [hash, s] of this.byHash)
      if (s.user === user) {
        this.byHash.delete(hash);
        n++;
      }
    if (n > 0) this.save();
    return n;
  }
}

export interface ThrottleOptions {
  /** Failures within `windowMs` that lock the pair out. */
  maxFailures: number;
  windowMs: number;
  /** First lockout; each further one doubles, up to `maxLockMs`. */
  lockMs: number;
  maxLockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 60_000,
  maxLockMs: 30 * 60_000,
};

interface ThrottleState {
  failures: number[];
  lockouts: number;
  lockedUntil: number;
}

/** Most user+address pairs tracked; the stalest are forgotten beyond it (bounded memory). */
const MAX_TRACKED = 10_000;

/** Failed logins per user and client address (pure: the time is passed in). */
export class LoginThrottle {
  private readonly state = new Map<string, ThrottleState>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  private static key(user: string, ip: string): string {
    return `${user}\u0000${ip}`;
  }

  /** 0 when a login may be tried now, else the ms until it may. */
  retryAfterMs(user: string, ip: string, now: number): number {
    const s = this.state.get(LoginThrottle.key(user, ip));
    return s && s.lockedUntil > now ? s.lockedUntil - now : 0;
  }

  /** Count a failure; returns the failures in the window and whether the pair is now locked. */
  fail(user: string, ip: string, now: number): { failures: number; lockedForMs: number } {
    const key = LoginThrottle.key(user, ip);
    const s = this.state.get(key) ?? { failures: [], lockouts: 0, lockedUntil: 0 };
    this.state.delete(key);
    this.state.set(key, s); // most recently used last
    s.failures = [...s.failures.filter((t) => t > now - this.options.windowMs), now];
    const failures = s.failures.length;
    let lockedForMs = 0;
    if (failures >= this.options.maxFailures) {
      lockedForMs = Math.min(this.options.lockMs * 2 ** s.lockouts, this.options.maxLockMs);
      s.lockouts++;
      s.lockedUntil = now + lockedForMs;
      s.failures = [];
    }
    if (this.state.size > MAX_TRACKED) this.state.delete(this.state.keys().next().value!);
    return { failures, lockedForMs };
  }

  succeed(user: string, ip: string): void {
    this.state.delete(LoginThrottle.key(user, ip));
  }
}
