/**
 * Who may do what: permissions, roles (built-in and configured) and data classes, and the API
 * tokens. Every API route names the permission it needs; a role grants permissions and the data
 * classes whose events its searches may return (a WHERE predicate of every compiled query, see
 * query/compile.ts `dataClasses`). Pure apart from TokenStore, which keeps token hashes on disk.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_CLASSES, type DataClass } from '../store/schema.js';

export { DATA_CLASSES, type DataClass } from '../store/schema.js';

/** Every permission a route can require. */
export const PERMISSIONS = [
  'ingest',
  'search',
  /** Vigil's own Prometheus metrics (`/metrics`). */
  'metrics',
  /** Metric queries over stored metrics (application data). */
  'metrics:read',
  'traces:read',
  'alerts:read',
  'alerts:write',
  'tokens',
  'users',
  'evidence',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RoleDef {
  permissions: readonly Permission[];
  /** The data classes this role's searches (and evidence exports) may return. */
  data_classes: readonly DataClass[];
}

/** The built-in roles (docs/security.md has the table). */
export const BUILTIN_ROLES = {
  admin: { permissions: PERMISSIONS, data_classes: DATA_CLASSES },
  /** Reads everything but the audit log and evidence. */
  analyst: {
    permissions: ['search', 'alerts:read', 'traces:read', 'metrics:read', 'metrics'],
    data_classes: ['security', 'application'],
  },
  /** Works alerts (and their playbook actions) over security data. */
  responder: {
    permissions: ['search', 'alerts:read', 'alerts:write'],
    data_classes: ['security'],
  },
  /** Application telemetry only: OTLP logs, traces, metrics; never security events. */
  developer: {
    permissions: ['search', 'traces:read', 'metrics:read'],
    data_classes: ['application'],
  },
  /** Evidence (verification, export with proofs) and the audit log, read-only. */
  auditor: { permissions: ['evidence', 'search', 'metrics'], data_classes: ['audit'] },
  ingest: { permissions: ['ingest'], data_classes: [] },
  monitor: { permissions: ['metrics'], data_classes: [] },
} as const satisfies Record<string, RoleDef>;

export type BuiltinRole = keyof typeof BUILTIN_ROLES;
/** A role name: built-in or configured (`auth.roles`). */
export type Role = string;

/** The permissions of each built-in role. */
export const ROLES: Readonly<Record<string, readonly Permission[]>> = Object.fromEntries(
  Object.entries(BUILTIN_ROLES).map(([name, def]) => [name, def.permissions]),
);

/** A built-in role name (what the CLI offers). */
export function isRole(value: string): value is BuiltinRole {
  return Object.hasOwn(BUILTIN_ROLES, value);
}

/** A configured role is invalid: unknown permission or data class, or a built-in name. */
export class RoleError extends Error {
  constructor(role: string, reason: string) {
    super(`auth.roles.${role}: ${reason}`);
    this.name = 'RoleError';
  }
}

/** The built-in roles plus the configured ones, validated once. */
export class RoleSet {
  private readonly roles: ReadonlyMap<string, RoleDef>;

  constructor(
    custom: Readonly<
      Record<string, { permissions: readonly string[]; data_classes: readonly string[] }>
    > = {},
  ) {
    const roles = new Map<string, RoleDef>(Object.entries(BUILTIN_ROLES));
    for (const [name, def] of Object.entries(custom)) {
      if (!/^[a-z][\w.-]{0,63}$/i.test(name))
        throw new RoleError(name, 'a role name is a word of up to 64 characters');
      if (roles.has(name)) throw new RoleError(name, 'a built-in role cannot be redefined');
      for (const p of def.permissions)
        if (!(PERMISSIONS as readonly string[]).includes(p))
          throw new RoleError(
            name,
            `unknown permission ${JSON.stringify(p)}; known: ${PERMISSIONS.join(', ')}`,
          );
      for (const c of def.data_classes)
        if (!(DATA_CLASSES as readonly string[]).includes(c))
          throw new RoleError(
            name,
            `unknown data class ${JSON.stringify(c)}; known: ${DATA_CLASSES.join(', ')}`,
          );
      roles.set(name, {
        permissions: [...new Set(def.permissions)] as Permission[],
        data_classes: [...new Set(def.data_classes)] as DataClass[],
      });
    }
    this.roles = roles;
  }

  has(role: string): boolean {
    return this.roles.has(role);
  }

  get(role: string): RoleDef | undefined {
    return this.roles.get(role);
  }

  names(): string[] {
    return [...this.roles.keys()];
  }

  /** Whether the role grants the permission (an unknown role grants nothing). */
  can(role: string, permission: Permission): boolean {
    return this.roles.get(role)?.permissions.includes(permission) ?? false;
  }

  /** The data classes the role's searches may return (an unknown role: none). */
  dataClasses(role: string): readonly DataClass[] {
    return this.roles.get(role)?.data_classes ?? [];
  }
}

/** The built-in roles alone. */
export const BUILTIN_ROLE_SET = new RoleSet();

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token, hex. The token itself is never stored. */
  sha256: string;
  created_at: string;
}

export interface Principal {
  /** The token's or the login session's id. */
  tokenId: string;
  /** The token's name or the user's name. */
  name: string;
  role: Role;
  /** How the caller authenticated (absent: an API token). */
  kind?: 'token' | 'session';
  /** Set by the API once authorized: what the role grants. */
  permissions?: readonly Permission[];
  /** Set by the API once authorized: the data classes the caller's searches may return. */
  dataClasses?: readonly DataClass[];
}

const TOKEN_PREFIX = 'vgl_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * API tokens, kept as hashes in `<dataDir>/auth/tokens.json` (mode 0600). The file is re-read when
 * it changes, so `vigil token create` works while a server runs.
 */
export class TokenStore {
  private readonly file: string;
  private cache: { mtimeMs: number; size: number; byHash: Map<string, TokenRecord> } | undefined;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'auth', 'tokens.json');
  }

  private read(): TokenRecord[] {
    if (!existsSync(this.file)) return [];
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { tokens?: TokenRecord[] };
    return parsed.tokens ?? [];
  }

  private write(tokens: TokenRecord[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ tokens }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.cache = undefined;
  }

  /** Create a token; returns the secret once (only its hash is kept). */
  create(name: string, role: Role): { token: string; record: TokenRecord } {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record: TokenRecord = {
      id: randomUUID(),
      name,
      role,
      sha256: hashToken(token),
      created_at: new Date().toISOString(),
    };
    this.write([...this.read().filter((t) => !(name.startsWith('local-') && t.name === name)), record]);
    return { token, record };
  }

  list(): TokenRecord[] {
    return this.read();
  }

  revoke(idOrName: string): boolean {
    const tokens = this.read();
    const kept = tokens.filter((t) => t.id !== idOrName && t.name !== idOrName);
    if (kept.length === tokens.length) return false;
    this.write(kept);
    return true;
  }

  /** The principal a bearer token belongs to, or undefined. */
  verify(token: string | undefined): Principal | undefined {
    if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const hash = hashToken(token);
    const record = this.index().get(hash);
    if (!record) return undefined;
    // The map lookup is by hash; compare again in constant time for good measure.
    if (!timingSafeEqual(Buffer.from(record.sha256, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { tokenId: record.id, name: record.name, role: record.role };
  }

  private index(): Map<string, TokenRecord> {
    let stat: { mtimeMs: number; size: number } | undefined;
    try {
      stat = statSync(this.file);
    } catch {
      stat = undefined;
    }
    if (!stat) return new Map();
    if (!this.cache || this.cache.mtimeMs !== stat.mtimeMs || this.cache.size !== stat.size) {
      this.cache = { ...stat, byHash: new Map(this.read().map((t) => [t.sha256, t])) };
    }
    return this.cache.byHash;
  }
}

export function can(
  principal: Principal,
  permission: Permission,
  roles: RoleSet = BUILTIN_ROLE_SET,
): boolean {
  return roles.can(principal.role, permission);
}
