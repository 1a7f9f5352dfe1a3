/**
 * The network map's model (pure): from "who talked to whom" rows (src, dst, port, protocol, bytes,
 * connections) to nodes sized by traffic and edges per protocol/port, addresses classed internal
 * (RFC 1918, loopback, link-local, CGNAT, IPv6 ULA) or external, and pairs first seen in the window.
 */

export interface FlowRow {
  src: string;
  dst: string;
  port: number | null;
  protocol: string;
  bytes: number;
  connections: number;
}

export interface NetNode {
  id: string;
  internal: boolean;
  bytes: number;
  connections: number;
  /** Node is a peer of the focus whose pair with it was not seen before the window. */
  firstSeen: boolean;
}

export interface NetEdge {
  source: string;
  target: string;
  label: string;
  protocol: string;
  bytes: number;
  connections: number;
  firstSeen: boolean;
}

function ipv4(text: string): number[] | undefined {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(text);
  return m ? m.slice(1).map(Number) : undefined;
}

export function isInternal(ip: string): boolean {
  const v4 = ipv4(ip);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || /^f[cd]/.test(lower) || lower.startsWith('fe80');
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function buildGraph(
  rows: readonly FlowRow[],
  seenBefore: ReadonlySet<string>,
): { nodes: NetNode[]; edges: NetEdge[] } {
  const nodes = new Map<string, NetNode>();
  const edges = new Map<string, NetEdge>();
  const node = (id: string) => {
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, internal: isInternal(id), bytes: 0, connections: 0, firstSeen: false }));
    return n;
  };
  for (const row of rows) {
    const first = !seenBefore.has(pairKey(row.src, row.dst));
    for (const n of [node(row.src), node(row.dst)]) {
      n.bytes += row.bytes;
      n.connections += row.connections;
    }
    if (first) node(row.dst).firstSeen = true;
    const label = `${row.protocol || '?'}/${row.port ?? '*'}`;
    const key = `${row.src}|${row.dst}|${label}`;
    const edge = edges.get(key);
    if (edge) {
      edge.bytes += row.bytes;
      edge.connections += row.connections;
    } else
      edges.set(key, {
        source: row.src,
        target: row.dst,
        label,
        protocol: row.protocol,
        bytes: row.bytes,
        connections: row.connections,
        firstSeen: first,
      });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Node radius: area grows with traffic (sqrt), bounded so one giant does not hide the rest. */
export function radius(bytes: number, maxBytes: number): number {
  return 6 + 22 * Math.sqrt(maxBytes > 0 ? bytes / maxBytes : 0);
}

/** The filter for a focus: an address, a CIDR block or a host name. */
export function focusFilter(focus: string): string {
  const text = focus.trim();
  if (/^[\d.]+(\/\d+)?$/.test(text) || /^[\da-f:]+(\/\d+)?$/i.test(text))
    return `(src_ip=${text} OR dst_ip=${text})`;
  return `host=${JSON.stringify(text)}`;
}
