/**
 * Network map: who talked to whom for a host, an address or a subnet over the window. A force
 * layout (d3-force, run to rest before drawing) rendered as SVG: nodes sized by traffic, colored
 * internal/external, ringed when first seen (no traffic in the week before the window); edges per
 * protocol/port. A table below lists the same edges for keyboard and screen reader users.
 */
import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceCenter,
  type SimulationNodeDatum,
} from 'd3-force';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { searchTable } from './api';
import { Notice, Scroll, TimePicker } from './components';
import { useAsync } from './hooks';
import {
  buildGraph,
  focusFilter,
  pairKey,
  radius,
  type FlowRow,
  type NetEdge,
  type NetNode,
} from './netmodel';
import { href, navigate, type Route } from './router';
import { isoMs, resolveBound } from './timerange';

const WIDTH = 900;
const HEIGHT = 560;
const WEEK = 7 * 86_400_000;

function rowsToFlows(columns: string[], rows: unknown[][]): FlowRow[] {
  const at = (name: string) => columns.indexOf(name);
  const [s, d, p, pr, b, c] = ['src_ip', 'dst_ip', 'dst_port', 'protocol', 'bytes', 'conns'].map(
    at,
  ) as number[];
  return rows.map((r) => ({
    src: String(r[s!]),
    dst: String(r[d!]),
    port: p! >= 0 && r[p!] !== null ? Number(r[p!]) : null,
    protocol: pr! >= 0 && r[pr!] !== null ? String(r[pr!]) : '',
    bytes: Number(r[b!] ?? 0) || 0,
    connections: Number(r[c!] ?? 0) || 0,
  }));
}

async function loadGraph(focus: string, from: string, to: string) {
  const now = Date.now();
  const fromMs = resolveBound(from, now) ?? now - 86_400_000;
  const toMs = to ? (resolveBound(to, now) ?? now) : now;
  const filter = `${focusFilter(focus)} dst_ip=*`;
  const window = { from: isoMs(fromMs), to: isoMs(toMs) };
  const flows = async (by: string) => {
    const t = await searchTable(
      `${filter} | stats sum(bytes) as bytes, count() as conns by ${by} | sort -conns | head 300`,
      window,
    );
    return rowsToFlows(t.columns, t.rows);
  };
  // Stats leave out events lacking a group field: without a protocol, group without it.
  let rows = await flows('src_ip, dst_ip, dst_port, protocol');
  if (rows.length === 0) rows = await flows('src_ip, dst_ip, dst_port');
  if (rows.length === 0) rows = await flows('src_ip, dst_ip');
  const before = await searchTable(`${filter} | stats count() by src_ip, dst_ip | head 10000`, {
    from: isoMs(fromMs - WEEK),
    to: isoMs(fromMs),
  });
  const seen = new Set(before.rows.map((r) => pairKey(String(r[0]), String(r[1]))));
  return buildGraph(rows, seen);
}

type LaidNode = NetNode & SimulationNodeDatum & { r: number };

function layout(
  nodes: NetNode[],
  edges: NetEdge[],
): { nodes: LaidNode[]; edges: { e: NetEdge; s: LaidNode; t: LaidNode }[] } {
  const maxBytes = Math.max(0, ...nodes.map((n) => n.bytes));
  const maxConns = Math.max(0, ...nodes.map((n) => n.connections));
  // Without byte counts (e.g. Sysmon), size by connections.
  const laid: LaidNode[] = nodes.map((n, i) => ({
    ...n,
    r: maxBytes > 0 ? radius(n.bytes, maxBytes) : radius(n.connections, maxConns),
    // A deterministic start (a circle) makes the same data give the same picture.
    x: WIDTH / 2 + 200 * Math.cos((2 * Math.PI * i) / nodes.length),
    y: HEIGHT / 2 + 200 * Math.sin((2 * Math.PI * i) / nodes.length),
  }));
  const byId = new Map(laid.map((n) => [n.id, n]));
  const links = edges.map((e) => ({ source: e.source, target: e.target }));
  const sim = forceSimulation<LaidNode>(laid)
    .force(
      'link',
      forceLink<LaidNode, { source: string; target: string }>(links)
        .id((d) => d.id)
        .distance(110),
    )
    .force('charge', forceManyBody().strength(-260))
    .force('center', forceCenter(WIDTH / 2, HEIGHT / 2))
    .force(
      'collide',
      forceCollide<LaidNode>((d) => d.r + 6),
    )
    .stop();
  sim.tick(300);
  for (const n of laid) {
    n.x = Math.max(n.r + 4, Math.min(WIDTH - n.r - 4, n.x ?? 0));
    n.y = Math.max(n.r + 4, Math.min(HEIGHT - n.r - 4, n.y ?? 0));
  }
  return { nodes: laid, edges: edges.map((e) => ({ e, s: byId.get(e.source)!, t: byId.get(e.target)! })) };
}

function protocolClass(protocol: string): string {
  const p = protocol.toLowerCase();
  return p === 'tcp' || p === 'udp' ? `edge-${p}` : 'edge-other';
}

function human(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function NetworkPage({ route }: { route: Route }) {
  const p = route.params;
  const focus = p.get('focus') ?? '';
  const from = p.get('from') ?? '-24h';
  const to = p.get('to') ?? '';
  const [text, setText] = useState(focus);
  useEffect(() => setText(focus), [focus]);
  const go = (change: Record<string, string | undefined>) =>
    navigate('network', { focus, from, to: to || undefined, ...change });
  const graph = useAsync(async () => (focus ? loadGraph(focus, from, to) : undefined), [focus, from, to]);
  const drawn = useMemo(
    () => (graph.data ? layout(graph.data.nodes, graph.data.edges) : undefined),
    [graph.data],
  );

  return (
    <section aria-labelledby="network-title">
      <h1 id="network-title">Network map{focus ? `: ${focus}` : ''}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          go({ focus: text.trim() });
        }}
      >
        <label for="network-focus">Host, address or subnet</label>
        <input
          id="network-focus"
          value={text}
          placeholder="10.0.0.0/8"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <TimePicker
          idPrefix="network"
          from={from}
          to={to}
          onChange={(f, t) => go({ from: f, to: t || undefined })}
        />
        <button type="submit">Show map</button>
      </form>
      <Notice error={graph.error} />
      {graph.loading && focus && <p role="status">Loading…</p>}
      {drawn && (
        <>
          <p role="status" data-testid="network-summary">
            {drawn.nodes.length} addresses, {drawn.edges.length} flows,{' '}
            {drawn.nodes.filter((n) => n.firstSeen).length} first-seen peers
          </p>
          <ul class="legend" aria-label="Legend">
            <li>
              <span class="swatch internal" /> internal
            </li>
            <li>
              <span class="swatch external" /> external
            </li>
            <li>
              <span class="swatch first" /> first seen in this window
            </li>
            <li>
              <span class="swatch edge-tcp" /> tcp <span class="swatch edge-udp" /> udp{' '}
              <span class="swatch edge-other" /> other
            </li>
          </ul>
          <svg
            class="netmap"
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            role="group"
            aria-label={`Network map of ${focus}: ${drawn.nodes.length} addresses, ${drawn.edges.length} flows`}
            data-testid="netmap"
          >
            {drawn.edges.map(({ e, s, t }, i) => (
              <g key={i} class={`edge ${protocolClass(e.protocol)}${e.firstSeen ? ' first' : ''}`}>
                <line x1={s.x} y1={s.y} x2={t.x} y2={t.y} stroke-width={1 + Math.log10(1 + e.connections)}>
                  <title>
                    {e.source} → {e.target} {e.label}: {e.connections} connections, {human(e.bytes)}
                  </title>
                </line>
                {drawn.edges.length <= 40 && (
                  <text
                    x={((s.x ?? 0) + (t.x ?? 0)) / 2}
                    y={((s.y ?? 0) + (t.y ?? 0)) / 2}
                    class="edge-label"
                  >
                    {e.label}
                  </text>
                )}
              </g>
            ))}
            {drawn.nodes.map((n) => (
              <g
                key={n.id}
                class={`node ${n.internal ? 'internal' : 'external'}${n.firstSeen ? ' first' : ''}`}
              >
                <a href={href('network', { focus: n.id, from, to: to || undefined })}>
                  <circle cx={n.x} cy={n.y} r={n.r}>
                    <title>
                      {n.id} ({n.internal ? 'internal' : 'external'}): {n.connections} connections,{' '}
                      {human(n.bytes)}
                      {n.firstSeen ? ', first seen' : ''}
                    </title>
                  </circle>
                  <text x={n.x} y={(n.y ?? 0) + n.r + 12} class="node-label">
                    {n.id}
                  </text>
                </a>
              </g>
            ))}
          </svg>
          <h2>Flows</h2>
          <Scroll label="Flows">
            <table>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Protocol/port</th>
                  <th scope="col">Connections</th>
                  <th scope="col">Bytes</th>
                  <th scope="col">First seen</th>
                </tr>
              </thead>
              <tbody>
                {drawn.edges.map(({ e }, i) => (
                  <tr key={i}>
                    <td>
                      <a href={href('timeline', { kind: 'ip', value: e.source, from, to: to || undefined })}>
                        {e.source}
                      </a>
                    </td>
                    <td>
                      <a href={href('timeline', { kind: 'ip', value: e.target, from, to: to || undefined })}>
                        {e.target}
                      </a>
                    </td>
                    <td>{e.label}</td>
                    <td>{e.connections}</td>
                    <td>{human(e.bytes)}</td>
                    <td>{e.firstSeen ? 'yes' : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}
    </section>
  );
}
