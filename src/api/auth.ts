import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What a role may do. Every API route names the permission it needs. */
export const ROLES = {
  admin: ['ingest', 'search', 'metrics', 'tokens', 'evidence'],
  analyst: ['search', 'metrics'],
  /** Evidence (verification, export with proofs), read-only. */
  auditor: ['evidence', 'metrics'],
  ingest: ['ingest'],
  monitor: ['metrics'],
} as const satisfies Record<string, readonly string[]>;

export type Role = keyof typeof ROLES;
export type Permission = (typeof ROLES)[Role][number];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token, hex. The token itself is never stored. */
  sha256: string;
  created_at: string;
}

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
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

export function can(principal: Principal, permission: Permission): boolean {
  return (ROLES[principal.role] as readonly string[]).includes(permission);
}
