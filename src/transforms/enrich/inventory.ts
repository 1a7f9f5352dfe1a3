/**
 * The asset inventory: rows that name a host (a host name, an IP address or a CIDR block) and
 * say what it is (owner, criticality, zone, tags, and any other columns). Read from YAML or CSV
 * (`parseInventory`, pure) and indexed for lookups by host name (exact, or by the short name before
 * the first dot) and by address (longest-prefix match, so a host's own address beats its subnet).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseCidr, PrefixTable, type IpBytes } from './ip.js';

/** One inventory row as the transform attaches it: the row's own columns, tags as a list. */
export interface Asset {
  /** The row's `host` as written (name, address or block). */
  host: string;
  owner?: string;
  criticality?: string;
  zone?: string;
  tags?: string[];
  /** Any other columns, by their names. */
  [column: string]: unknown;
}

/** A bad inventory: names the file, the row and the column. */
export class InventoryError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`asset inventory ${file}: ${issues.join('; ')}`);
    this.name = 'InventoryError';
  }
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const rowSchema = z
  .object({
    host: z.union([z.string().trim().min(1), z.number()]).transform(String),
    owner: scalar.transform(String).optional(),
    criticality: scalar.transform(String).optional(),
    zone: scalar.transform(String).optional(),
    tags: z.union([z.array(scalar.transform(String)), z.string()]).optional(),
  })
  .catchall(z.union([scalar, z.null(), z.array(scalar)]));

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/** Parse inventory text. `format` from the file name: `.csv` is CSV, anything else YAML (JSON is YAML). */
export function parseInventory(text: string, format: 'yaml' | 'csv', file = 'inventory'): Asset[] {
  const rows = format === 'csv' ? csvRows(text, file) : yamlRows(text, file);
  const issues: string[] = [];
  const assets: Asset[] = [];
  rows.forEach((row, i) => {
    const where = format === 'csv' ? `line ${i + 2}` : `row ${i + 1}`;
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        issues.push(`${where}: ${issue.path.join('.') || '(row)'}: ${issue.message}`);
      return;
    }
    const { tags, ...rest } = parsed.data;
    const host = rest.host.trim();
    if (!parseCidr(host) && !HOSTNAME.test(host)) {
      issues.push(`${where}: host: '${host}' is not a host name, an IP address or a CIDR block`);
      return;
    }
    const asset: Asset = { ...rest, host };
    const list = typeof tags === 'string' ? splitTags(tags) : tags;
    if (list && list.length > 0) asset.tags = list;
    for (const [k, v] of Object.entries(asset)) if (v === null || v === '') delete asset[k];
    assets.push(asset);
  });
  if (issues.length > 0) throw new InventoryError(file, issues);
  return assets;
}

function splitTags(text: string): string[] {
  return text
    .split(/[;|,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** YAML: a list of rows, `{ assets: [rows] }`, or a map of host → columns. */
function yamlRows(text: string, file: string): unknown[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new InventoryError(file, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (doc === null || doc === undefined) return [];
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object') {
    const map = doc as Record<string, unknown>;
    if (Array.isArray(map.assets)) return map.assets;
    return Object.entries(map).map(([host, columns]) =>
      columns !== null && typeof columns === 'object' && !Array.isArray(columns)
        ? { host, ...columns }
        : { host },
    );
  }
  throw new InventoryError(file, ['expected a list of assets, `assets: [...]`, or a map of host → columns']);
}

/** CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF): a header row naming the columns, `host` among them. */
function csvRows(text: string, file: string): Record<string, string>[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.shift()?.map((h) => h.trim());
  if (!header || !header.includes('host'))
    throw new InventoryError(file, ['line 1: the header has no `host` column']);
  return records
    .filter((r) => r.some((c) => c.trim() !== ''))
    .map((r) => {
      const row: Record<string, string> = {};
      header.forEach((name, i) => {
        if (name !== '' && r[i] !== undefined && r[i]!.trim() !== '') row[name] = r[i]!.trim();
      });
      return row;
    });
}

function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

/** Assets indexed by host name and by address block. */
export class AssetIndex {
  private readonly byName = new Map<string, Asset>();
  private readonly byShortName = new Map<string, Asset | null>();
  private readonly byAddress = new PrefixTable<Asset>();

  constructor(
    assets: readonly Asset[],
    /** For error messages. */
    file = 'inventory',
  ) {
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    assets.forEach((asset, i) => {
      const key = normalizeHost(asset.host);
      const before = seen.get(key);
      if (before !== undefined)
        duplicates.push(`row ${i + 1}: host '${asset.host}' is also row ${before + 1}`);
      seen.set(key, i);
      const cidr = parseCidr(asset.host);
      if (cidr) {
        this.byAddress.insert(cidr, asset);
        return;
      }
      this.byName.set(key, asset);
      // A short name matches only when one asset has it (`web01` for `web01.example.com`).
      const short = key.split('.')[0]!;
      if (short !== key) this.byShortName.set(short, this.byShortName.has(short) ? null : asset);
    });
    if (duplicates.length > 0) throw new InventoryError(file, duplicates);
  }

  /** Number of assets. */
  get size(): number {
    return this.byName.size + this.byAddress.size;
  }

  /** The asset a host name names: exact, else by short name when one side is a short name. */
  byHost(name: string): Asset | undefined {
    const key = normalizeHost(name);
    const exact = this.byName.get(key);
    if (exact) return exact;
    const dot = key.indexOf('.');
    // `web01.example.com` matches an asset listed as `web01`; `web01` one listed as `web01.example.com`.
    if (dot !== -1) return this.byName.get(key.slice(0, dot));
    return this.byShortName.get(key) ?? undefined;
  }

  /** The asset whose address or block (the most specific) contains `address`. */
  byIp(address: IpBytes): Asset | undefined {
    return this.byAddress.lookup(address)?.value;
  }
}

function normalizeHost(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
