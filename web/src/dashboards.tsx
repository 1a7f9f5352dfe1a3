/**
 * Dashboards: events per second by source, ingest health from /metrics (rejections by reason,
 * queue depth), top talkers, failed logins, detections by ATT&CK tactic as a heatmap, and panels
 * the user makes from queries (timechart, bar, table, single value), kept in localStorage.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { getText, hasPermission, search, searchTable } from './api';
import { TimeChart } from './chart';
import { Notice, Scroll, TimePicker } from './components';
import { useAsync, useStored } from './hooks';
import { barItems, pivotTimechart, tacticHeatmap } from './panels';
import { parsePrometheus } from './prometheus';
import { navigate, type Route } from './router';
import { formatTime, isoMs, resolveBound, spanFor, spanText } from './timerange';

export type Viz = 'timechart' | 'bar' | 'table' | 'single';
export interface PanelSpec {
  title: string;
  query: string;
  viz: Viz;
}

interface Window {
  fromMs: number;
  toMs: number;
}

function resolveWindow(from: string, to: string): Window {
  const now = Date.now();
  return {
    fromMs: resolveBound(from, now) ?? now - 86_400_000,
    toMs: to ? (resolveBound(to, now) ?? now) : now,
  };
}

function Bars({ items, label }: { items: { label: string; value: number }[]; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <table class="bars" aria-label={label}>
      <tbody>
        {items.map((i) => (
          <tr key={i.label}>
            <th scope="row">{i.label}</th>
            <td>
              <span class="bar" style={{ width: `${(100 * i.value) / max}%` }} />
              <span class="bar-value">{i.value.toLocaleString('en-US')}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Panel({ title, children, wide }: { title: string; children: ComponentChildren; wide?: boolean }) {
  const id = `panel-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class={`panel${wide ? ' wide' : ''}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A panel from a query: the viz decides how the table result is drawn. */
export function QueryPanel({ spec, window }: { spec: PanelSpec; window: Window }) {
  const span = spanFor(window.fromMs, window.toMs, 60);
  const query =
    spec.viz === 'timechart'
      ? spec.query.replace(/\btimechart\b(?!\s+span=)/i, `timechart span=${spanText(span)}`)
      : spec.query;
  const result = useAsync(
    () => searchTable(query, { from: isoMs(window.fromMs), to: isoMs(window.toMs) }),
    [query, window.fromMs, window.toMs],
  );
  if (result.error) return <Notice error={result.error} />;
  const t = result.data;
  if (!t) return <p role="status">Loading…</p>;
  if (t.rows.length === 0) return <p>No data in this window.</p>;
  switch (spec.viz) {
    case 'timechart': {
      const groups = Math.max(0, t.columns.length - 2);
      const p = pivotTimechart(t.columns, t.rows, window.fromMs, window.toMs, span, groups);
      return <TimeChart times={p.times} series={p.series} label={spec.title} height={180} />;
    }
    case 'bar':
      return <Bars items={barItems(t.rows.slice(0, 20))} label={spec.title} />;
    case 'single':
      return (
        <p class="single" data-testid="single-value">
          {Number(t.rows[0]![t.columns.length - 1]).toLocaleString('en-US')}
        </p>
      );
    case 'table':
      return (
        <Scroll label={spec.title}>
          <table>
            <thead>
              <tr>
                {t.columns.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {t.rows.slice(0, 50).map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j}>{v === null ? '' : String(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      );
  }
}

function EventsPerSecond({ window }: { window: Window }) {
  const span = spanFor(window.fromMs, window.toMs, 60);
  const result = useAsync(
    () =>
      searchTable(`| timechart span=${spanText(span)} count() by source`, {
        from: isoMs(window.fromMs),
        to: isoMs(window.toMs),
      }),
    [window.fromMs, window.toMs],
  );
  if (result.error) return <Notice error={result.error} />;
  if (!result.data) return <p role="status">Loading…</p>;
  const p = pivotTimechart(
    result.data.columns,
    result.data.rows,
    window.fromMs,
    window.toMs,
    span,
    1,
    1000 / span,
  );
  return <TimeChart times={p.times} series={p.series} label="Events per second by source" height={180} />;
}

function IngestHealth() {
  const metrics = useAsync(async () => parsePrometheus(await getText('/metrics')), []);
  if (metrics.error) return <Notice error={metrics.error} />;
  if (!metrics.data) return <p role="status">Loading…</p>;
  const sum = (name: string) => metrics.data!.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
  const reasons = new Map<string, number>();
  for (const s of metrics.data.filter((m) => m.name === 'vigil_events_rejected_total'))
    reasons.set(s.labels.reason ?? '?', (reasons.get(s.labels.reason ?? '?') ?? 0) + s.value);
  return (
    <>
      <dl class="facts">
        <dt>Stored</dt>
        <dd>{sum('vigil_events_stored_total').toLocaleString('en-US')}</dd>
        <dt>Rejected</dt>
        <dd>{sum('vigil_events_rejected_total').toLocaleString('en-US')}</dd>
        <dt>Queue depth</dt>
        <dd data-testid="queue-depth">{sum('vigil_queue_depth_events').toLocaleString('en-US')} events</dd>
      </dl>
      {reasons.size > 0 ? (
        <Bars items={[...reasons].map(([label, value]) => ({ label, value }))} label="Rejections by reason" />
      ) : (
        <p>No rejections.</p>
      )}
    </>
  );
}

function TacticHeatmap({ window }: { window: Window }) {
  const span = spanFor(window.fromMs, window.toMs, 24);
  const result = useAsync(
    () => search('class_uid=2004', { from: isoMs(window.fromMs), to: isoMs(window.toMs) }, 5000),
    [window.fromMs, window.toMs],
  );
  if (result.error) return <Notice error={result.error} />;
  if (!result.data) return <p role="status">Loading…</p>;
  const events = result.data.kind === 'events' ? result.data.events : [];
  const h = tacticHeatmap(events, window.fromMs, window.toMs, span);
  if (h.tactics.length === 0) return <p>No detections in this window.</p>;
  return (
    <Scroll label="Detections by ATT&CK tactic">
      <table class="heatmap">
        <thead>
          <tr>
            <th scope="col">Tactic</th>
            {h.buckets.map((b) => (
              <th scope="col" key={b} class="rot">
                {formatTime(b).slice(5, 16)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {h.tactics.map((t, i) => (
            <tr key={t}>
              <th scope="row">{t}</th>
              {h.cells[i]!.map((n, j) => (
                <td
                  key={j}
                  class={`heat heat-${n === 0 ? 0 : Math.ceil((4 * n) / h.max)}`}
                  title={`${t}: ${n}`}
                >
                  {n || ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export const BUILT_IN: readonly PanelSpec[] = [
  {
    title: 'Top talkers (connections)',
    query: 'dst_ip=* | stats count() as connections by src_ip | sort -connections | head 10',
    viz: 'bar',
  },
  {
    title: 'Top talkers (bytes sent)',
    query: 'bytes_out>0 | stats sum(bytes_out) as bytes by src_ip | sort -bytes | head 10',
    viz: 'bar',
  },
  {
    title: 'Failed logins by user',
    query:
      '(event_code=4625 OR "Failed password") user=* | stats count() as failures by user | sort -failures | head 10',
    viz: 'bar',
  },
  {
    title: 'Failed logins over time',
    query: 'event_code=4625 OR "Failed password" | timechart count()',
    viz: 'timechart',
  },
];

export function DashboardsPage({ route }: { route: Route }) {
  const from = route.params.get('from') ?? '-24h';
  const to = route.params.get('to') ?? '';
  const window = resolveWindow(from, to);
  const [panels, setPanels] = useStored<PanelSpec[]>('vigil.panels', []);
  const [draft, setDraft] = useState<PanelSpec>({ title: '', query: '', viz: 'timechart' });
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboards</h1>
      <div class="toolbar">
        <TimePicker
          idPrefix="dash"
          from={from}
          to={to}
          onChange={(f, t) => navigate('dashboards', { from: f, to: t || undefined })}
        />
      </div>
      <div class="grid">
        <Panel title="Events per second by source" wide>
          <EventsPerSecond window={window} />
        </Panel>
        {hasPermission('metrics') && (
          <Panel title="Ingest health">
            <IngestHealth />
          </Panel>
        )}
        {BUILT_IN.map((spec) => (
          <Panel key={spec.title} title={spec.title}>
            <QueryPanel spec={spec} window={window} />
          </Panel>
        ))}
        <Panel title="Detections by ATT&CK tactic" wide>
          <TacticHeatmap window={window} />
        </Panel>
        {panels.map((spec, i) => (
          <Panel key={`${i}-${spec.title}`} title={spec.title}>
            <QueryPanel spec={spec} window={window} />
            <button type="button" class="link" onClick={() => setPanels(panels.filter((_, j) => j !== i))}>
              Remove panel
            </button>
          </Panel>
        ))}
      </div>
      <form
        class="panel-form"
        aria-labelledby="new-panel"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.title.trim() && draft.query.trim()) {
            setPanels([...panels, draft]);
            setDraft({ title: '', query: '', viz: draft.viz });
          }
        }}
      >
        <h2 id="new-panel">New panel</h2>
        <label for="panel-title">Title</label>
        <input
          id="panel-title"
          value={draft.title}
          onInput={(e) => setDraft({ ...draft, title: (e.target as HTMLInputElement).value })}
        />
        <label for="panel-query">Query (stats or timechart)</label>
        <input
          id="panel-query"
          value={draft.query}
          placeholder="| timechart count() by source"
          onInput={(e) => setDraft({ ...draft, query: (e.target as HTMLInputElement).value })}
        />
        <label for="panel-viz">Chart</label>
        <select
          id="panel-viz"
          value={draft.viz}
          onChange={(e) => setDraft({ ...draft, viz: (e.target as HTMLSelectElement).value as Viz })}
        >
          <option value="timechart">Time chart</option>
          <option value="bar">Bar</option>
          <option value="table">Table</option>
          <option value="single">Single value</option>
        </select>
        <button type="submit">Add panel</button>
      </form>
    </section>
  );
}
