/**
 * A plain-text blocklist that firewalls and DNS filters read: one indicator a line (an IP address,
 * a domain or a file hash), sorted, de-duplicated, nothing else in the file (pfSense/OPNsense URL
 * tables, `ipset restore` scripts, Pi-hole/AdGuard lists, nftables sets all take that). Expiry
 * times live beside it in `<file>.state.json`, so the list itself stays plain; expired indicators
 * are dropped at the next change or `prune()`. Every change rewrites the file atomically (temp file,
 * fsync, rename, directory fsync), so a reader never sees half a list. Indicators are validated:
 * a value with spaces or line breaks could inject entries, so it is refused.
 */
import { isIP } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Indicator → expiry (ms since the epoch), or null for no expiry. */
export type BlocklistEntries = Map<string, number | null>;

const DOMAIN = /^(?=.{1,253}$)(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;
const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * The indicator an entity value gives, normalized, or the reason it cannot be one. The kind follows
 * the entity's name: `ip`, `*_ip`, `ip_*`, `ipaddr` an IP address, `*domain*`/`*hostname*`/`*fqdn*` a domain,
 * `*hash*`/`md5`/`sha1`/`sha256` a hash; other names accept any of the three.
 */
export function indicatorOf(
  entity: string,
  value: string,
): { ok: true; indicator: string } | { ok: false; reason: string } {
  const key = entity.toLowerCase();
  const v = value.trim();
  const asIp = isIP(v) !== 0 ? v.toLowerCase() : undefined;
  const fqdn = v.replace(/\.$/, '');
  const asDomain = DOMAIN.test(fqdn) ? fqdn.toLowerCase() : undefined;
  const asHash = HASH.test(v) ? v.toLowerCase() : undefined;
  let indicator: string | undefined;
  let kind: string;
  if (/(^|[_.])ip($|[_.]|_?addr)/.test(key)) [indicator, kind] = [asIp, 'an IP address'];
  else if (/domain|hostname|fqdn/.test(key)) [indicator, kind] = [asDomain, 'a domain'];
  else if (/hash|md5|sha1|sha256/.test(key)) [indicator, kind] = [asHash, 'a hash'];
  else [indicator, kind] = [asIp ?? asHash ?? asDomain, 'an IP address, domain or hash'];
  if (indicator === undefined)
    return {
      ok: false,
      reason: `entity ${entity} value ${JSON.stringify(value.slice(0, 100))} is not ${kind}`,
    };
  return { ok: true, indicator };
}

/** The list's text: live indicators, sorted, one a line. */
export function renderBlocklist(entries: BlocklistEntries, now: number): string {
  const live = [...entries].filter(([, exp]) => exp === null || exp > now).map(([i]) => i);
  live.sort();
  return live.map((i) => `${i}\n`).join('');
}

/** Entries from the state file's text, or from the list alone (no expiries) when that is absent. */
export function parseBlocklistState(state: string | undefined, list: string | undefined): BlocklistEntries {
  const entries: BlocklistEntries = new Map();
  if (state !== undefined) {
    try {
      const parsed = JSON.parse(state) as { entries?: Record<string, unknown> };
      for (const [i, exp] of Object.entries(parsed.entries ?? {}))
        entries.set(i, typeof exp === 'number' && Number.isFinite(exp) ? exp : null);
      return entries;
    } catch {
      // an unreadable state file: fall back to the list itself
    }
  }
  for (const line of (list ?? '').split('\n')) {
    const i = line.trim();
    if (i !== '' && !i.startsWith('#')) entries.set(i, null);
  }
  return entries;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export class Blocklist {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  private get stateFile(): string {
    return `${this.file}.state.json`;
  }

  private async load(): Promise<BlocklistEntries> {
    const read = async (p: string) => (existsSync(p) ? readFile(p, 'utf8') : undefined);
    return parseBlocklistState(await read(this.stateFile), await read(this.file));
  }

  private async save(entries: BlocklistEntries, now: number): Promise<void> {
    for (const [i, exp] of entries) if (exp !== null && exp <= now) entries.delete(i);
    await mkdir(dirname(this.file), { recursive: true });
    await writeAtomic(this.stateFile, JSON.stringify({ entries: Object.fromEntries(entries) }) + '\n');
    await writeAtomic(this.file, renderBlocklist(entries, now));
  }

  /** One change at a time per list (read-modify-write). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Add an indicator (already validated by `indicatorOf`) for `ttlMs` (none: for good). Adding one
   * already listed extends its expiry, never shortens it.
   */
  add(indicator: string, ttlMs?: number): Promise<{ added: boolean; expires: number | null }> {
    return this.serial(async () => {
      const now = this.now();
      const entries = await this.load();
      const expires = ttlMs === undefined ? null : now + ttlMs;
      const had = entries.get(indicator);
      const live = had !== undefined && (had === null || had > now);
      const next = had === null || expires === null ? null : Math.max(had ?? 0, expires);
      entries.set(indicator, live ? next : expires);
      await this.save(entries, now);
      return { added: !live, expires: entries.get(indicator) ?? null };
    });
  }

  /** Drop expired indicators; returns how many. */
  prune(): Promise<number> {
    return this.serial(async () => {
      const now = this.now();
      const entries = await this.load();
      const before = entries.size;
      const expired = [...entries.values()].filter((e) => e !== null && e <= now).length;
      if (expired === 0 && existsSync(this.file)) return 0;
      await this.save(entries, now);
      return before - entries.size;
    });
  }

  /** The live indicators with their expiry. */
  async entries(): Promise<BlocklistEntries> {
    const now = this.now();
    const entries = await this.serial(() => this.load());
    for (const [i, exp] of entries) if (exp !== null && exp <= now) entries.delete(i);
    return entries;
  }
}
