/**
 * The `enrich` transform: adds what Vigil knows about the hosts an event names.
 * - Asset context from an inventory file (YAML or CSV: host name, IP or CIDR → owner,
 *   criticality, zone, tags, other columns), matched on `device`, `src_endpoint` and `dst_endpoint`
 *   by host name, then by address (most specific block first).
 * - Internal or external: every address is classified against configured networks (default:
 *   RFC 1918, loopback, link-local, IPv6 ULA and link-local). Endpoints get OCSF's
 *   `network_scope_id` (1 Internal, 2 External) and `network_scope`.
 * - Geolocation and AS of external addresses from MaxMind DB files (`.mmdb`), when configured.
 *
 * OCSF homes are used where they exist (`owner.name`, `zone`, `network_scope`, `location`,
 * `autonomous_system`); every match is also an OCSF `enrichments[]` entry, and a queryable summary
 * goes to `unmapped.enrich.<attribute>` (`enrich.dst_endpoint.criticality=high`). Values the event
 * already has are kept unless `overwrite` is set.
 *
 * The files are read once, when the transform is created, and again on `reload()`; `apply` is pure
 * and does no I/O (address lookups are trie walks, not scans).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { OcsfEvent } from '../normalize/ocsf.js';
import { geoFacts } from './enrich/geo.js';
import { AssetIndex, parseInventory, type Asset } from './enrich/inventory.js';
import { parseCidr, parseIp, PrefixTable, type IpBytes } from './enrich/ip.js';
import { MmdbReader } from './enrich/mmdb.js';
import type { Transform, TransformType } from './transform.js';

/** Private, loopback and link-local networks: what `internal_networks` is unless configured. */
export const DEFAULT_INTERNAL_NETWORKS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '::1/128',
  'fe80::/10',
  'fc00::/7',
];

const ATTRIBUTES = ['device', 'src_endpoint', 'dst_endpoint'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

const network = z
  .string()
  .refine((s) => parseCidr(s.trim()) !== undefined, 'a CIDR block or an IP address (10.0.0.0/8, fc00::/7)');

const schema = z
  .object({
    type: z.literal('enrich'),
    name: z.string().optional(),
    inventory: z
      .string()
      .min(1)
      .optional()
      .describe('Asset inventory file: YAML (a list of rows, or host → columns) or CSV (by the .csv name).'),
    internal_networks: z
      .array(network)
      .default([...DEFAULT_INTERNAL_NETWORKS])
      .describe('Networks that are internal; any other address is external.'),
    geoip: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .optional()
      .describe('MaxMind DB files (.mmdb: City/Country and ASN), looked up for external addresses.'),
    attributes: z
      .array(z.enum(ATTRIBUTES))
      .default([...ATTRIBUTES])
      .describe('The event attributes to enrich.'),
    overwrite: z
      .boolean()
      .default(false)
      .describe('Replace owner, zone, scope and location the event already has.'),
  })
  .strict();

export type EnrichConfig = z.infer<typeof schema>;

/** What the files say, loaded: the state `apply` reads. */
export interface EnrichState {
  assets?: AssetIndex;
  internal: PrefixTable<true>;
  geo: MmdbReader[];
}

/** An enrich transform; `reload()` reads the inventory and databases again. */
export interface EnrichTransform extends Transform {
  reload(): void;
}

export const enrichTransform: TransformType<typeof schema> = {
  type: 'enrich',
  description: 'Add asset context, internal/external scope and GeoIP to devices and endpoints.',
  schema,
  create(name, config): EnrichTransform {
    let state = loadEnrichState(config);
    return {
      name,
      apply(event: OcsfEvent) {
        enrichEvent(event, state, config);
      },
      reload() {
        state = loadEnrichState(config);
      },
    };
  },
};

/** Read the configured files. Errors name the config key and the file. */
export function loadEnrichState(
  config: Pick<EnrichConfig, 'inventory' | 'internal_networks' | 'geoip'>,
): EnrichState {
  const state: EnrichState = { internal: new PrefixTable<true>(), geo: [] };
  for (const text of config.internal_networks) {
    const cidr = parseCidr(text.trim());
    if (cidr) state.internal.insert(cidr, true);
  }
  if (config.inventory !== undefined) {
    const file = config.inventory;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`enrich: inventory: cannot read ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      state.assets = new AssetIndex(parseInventory(text, /\.csv$/i.test(file) ? 'csv' : 'yaml', file), file);
    } catch (error) {
      throw new Error(`enrich: inventory: ${(error as Error).message}`, { cause: error });
    }
  }
  const files = config.geoip === undefined ? [] : Array.isArray(config.geoip) ? config.geoip : [config.geoip];
  files.forEach((file, i) => {
    const key = Array.isArray(config.geoip) ? `geoip[${i}]` : 'geoip';
    try {
      state.geo.push(new MmdbReader(readFileSync(file)));
    } catch (error) {
      throw new Error(`enrich: ${key}: ${file}: ${(error as Error).message}`, { cause: error });
    }
  });
  return state;
}

const SCOPE = { internal: { id: 1, name: 'Internal' }, external: { id: 2, name: 'External' } } as const;

interface Enrichment {
  name: string;
  value: string;
  type: string;
  provider: string;
  data: Record<string, unknown>;
}

/** Enrich one event in place from loaded state. Pure. */
export function enrichEvent(
  event: OcsfEvent,
  state: EnrichState,
  options: { attributes: readonly Attribute[]; overwrite: boolean },
): void {
  const added: Enrichment[] = [];
  const summaries: Record<string, Record<string, unknown>> = {};
  for (const attr of options.attributes) {
    const target = event[attr];
    if (target === null || typeof target !== 'object' || Array.isArray(target)) continue;
    const summary = enrichTarget(attr, target as Record<string, unknown>, state, options.overwrite, added);
    if (summary) summaries[attr] = summary;
  }
  if (added.length > 0) {
    if (event.enrichments === undefined) event.enrichments = added;
    else if (Array.isArray(event.enrichments)) event.enrichments.push(...added);
  }
  if (Object.keys(summaries).length > 0) {
    const unmapped = (event.unmapped ??= {});
    if (unmapped === null || typeof unmapped !== 'object' || Array.isArray(unmapped)) return;
    const existing = unmapped.enrich;
    if (existing === undefined) unmapped.enrich = summaries;
    else if (existing !== null && typeof existing === 'object' && !Array.isArray(existing))
      Object.assign(existing, summaries);
  }
}

function enrichTarget(
  attr: Attribute,
  target: Record<string, unknown>,
  state: EnrichState,
  overwrite: boolean,
  added: Enrichment[],
): Record<string, unknown> | undefined {
  const summary: Record<string, unknown> = {};
  const setIf = (key: string, value: unknown) => {
    if (overwrite || target[key] === undefined) target[key] = value;
  };
  const ipText = typeof target.ip === 'string' ? target.ip.trim() : undefined;
  const ip = ipText ? parseIp(ipText) : undefined;
  if (ip && ipText && !isUnspecified(ip)) {
    const scope = state.internal.lookup(ip) ? SCOPE.internal : SCOPE.external;
    summary.network_scope = scope.name;
    if (attr === 'device') {
      // Devices have no network_scope attribute in OCSF: the enrichment entry carries it.
      added.push(
        entry(`${attr}.ip`, ipText, 'network_scope', 'Vigil', {
          network_scope_id: scope.id,
          network_scope: scope.name,
        }),
      );
    } else if (overwrite || target.network_scope_id === undefined) {
      target.network_scope_id = scope.id;
      target.network_scope = scope.name;
    }
    if (scope === SCOPE.external && state.geo.length > 0)
      addGeo(attr, ipText, ip, target, state, overwrite, added);
  }
  const match = findAsset(target, ip, ipText, state.assets);
  if (match) {
    const { asset } = match;
    if (asset.owner !== undefined) setIf('owner', { name: asset.owner });
    if (asset.zone !== undefined) setIf('zone', asset.zone);
    added.push(entry(`${attr}.${match.by}`, match.value, 'asset', 'inventory', { ...asset }));
    const { host, ...columns } = asset;
    Object.assign(summary, { asset: host, ...columns });
  }
  return Object.keys(summary).length > 0 ? summary : undefined;
}

function addGeo(
  attr: Attribute,
  ipText: string,
  ip: IpBytes,
  target: Record<string, unknown>,
  state: EnrichState,
  overwrite: boolean,
  added: Enrichment[],
): void {
  const facts = geoFacts(state.geo, ip);
  if (!facts) return;
  if (facts.location && (overwrite || target.location === undefined)) target.location = { ...facts.location };
  // Devices have no autonomous_system attribute; the enrichment entry keeps it.
  if (facts.autonomous_system && attr !== 'device' && (overwrite || target.autonomous_system === undefined))
    target.autonomous_system = { ...facts.autonomous_system };
  added.push(
    entry(`${attr}.ip`, ipText, 'location', 'MaxMind DB', {
      ...(facts.location ? { location: { ...facts.location } } : {}),
      ...(facts.autonomous_system ? { autonomous_system: { ...facts.autonomous_system } } : {}),
    }),
  );
}

/** The asset an object names: by hostname (or name), else by its address. */
function findAsset(
  target: Record<string, unknown>,
  ip: IpBytes | undefined,
  ipText: string | undefined,
  assets: AssetIndex | undefined,
): { asset: Asset; by: string; value: string } | undefined {
  if (!assets) return undefined;
  for (const key of ['hostname', 'name']) {
    const value = target[key];
    if (typeof value !== 'string' || value === '') continue;
    const asset = assets.byHost(value);
    if (asset) return { asset, by: key, value };
  }
  if (ip && ipText) {
    const asset = assets.byIp(ip);
    if (asset) return { asset, by: 'ip', value: ipText };
  }
  return undefined;
}

function entry(
  name: string,
  value: string,
  type: string,
  provider: string,
  data: Record<string, unknown>,
): Enrichment {
  return { name, value, type, provider, data };
}

/** 0.0.0.0 and :: (bind-any, "no address") are neither internal nor external. */
function isUnspecified(ip: IpBytes): boolean {
  return ip.every((b) => b === 0);
}
