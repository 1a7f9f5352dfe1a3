/**
 * Is an address public? For first-seen pairs that only care about external destinations
 * (host → external IP). The enrich transform's verdict (`network_scope_id` on the endpoint:
 * 1 internal, 2 external) wins when present; otherwise the address is checked against the
 * internal networks the enrich transform and the sequence rules' `!private` use (private,
 * loopback, link-local, ULA) plus blocks no external peer can have (this network, shared CGNAT
 * space, multicast, reserved, broadcast, unspecified). Documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as public: they stand in for public
 * addresses in examples, demos and tests, as everywhere else in Vigil. Pure.
 */
import { getPath } from '../../normalize/ocsf.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../../transforms/enrich.js';
import { parseCidr, parseIp, PrefixTable } from '../../transforms/enrich/ip.js';

export const NON_PUBLIC_NETWORKS: readonly string[] = [
  ...DEFAULT_INTERNAL_NETWORKS,
  '0.0.0.0/8',
  '100.64.0.0/10',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  'ff00::/8',
];

const nonPublic = new PrefixTable<true>();
for (const block of NON_PUBLIC_NETWORKS) nonPublic.insert(parseCidr(block)!, true);

/** Whether the text is an IP address outside every special-purpose block. */
export function isPublicIp(text: string): boolean {
  const bytes = parseIp(text);
  return bytes !== undefined && nonPublic.lookup(bytes) === undefined;
}

/**
 * Whether the address read from `field` (e.g. `dst_endpoint.ip`) is external: the endpoint's
 * `network_scope_id` when enrichment set it, else the address itself.
 */
export function isExternalAddress(event: unknown, field: string, text: string): boolean {
  const dot = field.lastIndexOf('.');
  if (dot !== -1) {
    const scope = getPath(event, `${field.slice(0, dot)}.network_scope_id`);
    if (scope === 2) return parseIp(text) !== undefined;
    if (scope === 1) return false;
  }
  return isPublicIp(text);
}
