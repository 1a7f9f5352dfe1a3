/**
 * Users who log in with a password (the web console): `<dataDir>/auth/users.json`, mode 0600, each
 * user with a role and a scrypt hash (password.ts). Like the token file, it is re-read when it
 * changes, so `vigil user add` works while a server runs; `changes()` tells the server what changed
 * since it last looked (for the audit log: a user added, removed, its role or password changed).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashPassword, MAX_PASSWORD_LENGTH, type PasswordHash, type ScryptParams } from './password.js';

export interface UserRecord {
  name: string;
  role: string;
  password: PasswordHash;
  created_at: string;
  updated_at: string;
}

/** What changed in the users file between two reads. */
export interface UserChange {
  action: 'user.add' | 'user.remove' | 'user.role' | 'user.password';
  user: string;
  role?: string;
}

export const USER_NAME = /^[\w.@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new UserError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new UserError(`a password has at most ${MAX_PASSWORD_LENGTH} characters`);
}

export class UserStore {
  readonly file: string;
  private cache: { mtimeMs: number; size: number; ino: number; byName: Map<string, UserRecord> } | undefined;
  private seen: Map<string, UserRecord> | undefined;

  constructor(
    dataDir: string,
    private readonly scrypt?: ScryptParams,
  ) {
    this.file = join(dataDir, 'auth', 'users.json');
  }

  private read(): UserRecord[] {
    if (!existsSync(this.file)) return [];
    let parsed: { users?: UserRecord[] };
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { users?: UserRecord[] };
    } catch (error) {
      throw new UserError(`${this.file}: not valid JSON (${(error as Error).message})`);
    }
    return Array.isArray(parsed.users) ? parsed.users : [];
  }

  private write(users: UserRecord[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ users }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.cache = undefined;
  }

  /** Users by name, re-read when the file changed. */
  private index(): Map<string, UserRecord> {
    // Writes replace the file by rename: a new inode even when size and mtime look the same.
    let stat: { mtimeMs: number; size: number; ino: number } | undefined;
    try {
      const s = statSync(this.file);
      stat = { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
    } catch {
      stat = undefined;
    }
    if (!stat) return new Map();
    if (
      !this.cache ||
      this.cache.mtimeMs !== stat.mtimeMs ||
      this.cache.size !== stat.size ||
      this.cache.ino !== stat.ino
    ) {
      this.cache = { ...stat, byName: new Map(this.read().map((u) => [u.name, u])) };
    }
    return this.cache.byName;
  }

  get(name: string): UserRecord | undefined {
    return this.index().get(name);
  }

  list(): Omit<UserRecord, 'password'>[] {
    return [...this.index().values()].map(({ password: _p, ...u }) => u);
  }

  async add(name: string, role: string, password: string): Promise<UserRecord> {
    if (!USER_NAME.test(name)) throw new UserError('a user name must match [A-Za-z0-9_.@-]{1,64}');
    checkPassword(password);
    if (this.get(name)) throw new UserError(`user ${name} exists`);
    const now = new Date().toISOString();
    const record: UserRecord = {
      name,
      role,
      password: await hashPassword(password, this.scrypt),
      created_at: now,
      updated_at: now,
    };
    this.write([...this.read().filter((u) => u.name !== name), record]);
    return record;
  }

  remove(name: string): boolean {
    const users = this.read();
    const kept = users.filter((u) => u.name !== name);
    if (kept.length === users.length) return false;
    this.write(kept);
    return true;
  }

  async setPassword(name: string, password: string, params?: ScryptParams): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password, params ?? this.scrypt);
    this.update(name, (u) => ({ ...u, password: hash }));
  }

  setRole(name: string, role: string): void {
    this.update(name, (u) => ({ ...u, role }));
  }

  private update(name: string, change: (u: UserRecord) => UserRecord): void {
    const users = this.read();
    const i = users.findIndex((u) => u.name === name);
    if (i < 0) throw new UserError(`no user ${name}`);
    users[i] = { ...change(users[i]!), updated_at: new Date().toISOString() };
    this.write(users);
  }

  /** What changed since the last call (the first call only takes a snapshot). */
  changes(): UserChange[] {
    const now = new Map(this.index());
    const before = this.seen;
    this.seen = now;
    if (!before) return [];
    const out: UserChange[] = [];
    for (const [name, u] of now) {
      const old = before.get(name);
      if (!old) out.push({ action: 'user.add', user: name, role: u.role });
      else {
        if (old.role !== u.role) out.push({ action: 'user.role', user: name, role: u.role });
        if (old.password.hash !== u.password.hash) out.push({ action: 'user.password', user: name });
      }
    }
    for (const name of before.keys()) if (!now.has(name)) out.push({ action: 'user.remove', user: name });
    return out;
  }
}
