/**
 * Investigation timeline for a host, user, IP or process: every event from every source in time
 * order, detection findings and alerts on the entity highlighted, a histogram to brush into, and
 * the related entities seen in those events, each one click from its own timeline.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson, hasPermission, search, searchTable } from './api';
import type { Alert } from './alerts';
import { TimeChart } from './chart';
import { EventTable, Notice, TimePicker } from './components';
import { pick } from './export';
import { ENTITY_KINDS, entityFilter, relatedEntities, type EntityKind } from './entities';
import { useAsync } from './hooks';
import { href, navigate, type Route } from './router';
import { fillBuckets, formatTime, isoMs, resolveBound, spanFor, spanText } from './timerange';

export function TimelinePage({ route }: { route: Route }) {
  const p = route.params;
  const kind = (ENTITY_KINDS as readonly string[]).includes(p.get('kind') ?? '')
    ? (p.get('kind') as EntityKind)
    : 'host';
  const value = p.get('value') ?? '';
  const from = p.get('from') ?? '-24h';
  const to = p.get('to') ?? '';
  const [formKind, setFormKind] = useState<EntityKind>(kind);
  const [formValue, setFormValue] = useState(value);
  // A pivot or the back button changes the route: the form follows.
  useEffect(() => {
    setFormKind(kind);
    setFormValue(value);
  }, [kind, value]);
  const go = (change: Record<string, string | undefined>) =>
    navigate('timeline', { kind, value, from, to: to || undefined, ...change });

  const data = useAsync(async () => {
    if (!value) return undefined;
    const now = Date.now();
    const fromMs = resolveBound(from, now) ?? now - 86_400_000;
    const toMs = to ? (resolveBound(to, now) ?? now) : now;
    const window = { from: isoMs(fromMs), to: isoMs(toMs) };
    const filter = entityFilter(kind, value);
    const span = spanFor(fromMs, toMs);
    const [events, chart] = await Promise.all([
      search(`${filter} | sort time`, window, 1000),
      searchTable(`${filter} | timechart span=${spanText(span)} count()`, window),
    ]);
    return {
      events: events.kind === 'events' ? events.events : [],
      ...fillBuckets(chart.rows, fromMs, toMs, span),
    };
  }, [kind, value, from, to]);
  const alerts = useAsync(
    async () =>
      value && hasPermission('alerts:read')
        ? getJson<{ alerts: Alert[] }>('/api/v1/alerts', { entity: value, limit: 50 })
        : undefined,
    [value],
  );
  const findings = data.data?.events.filter((e) => e.class_uid === 2004) ?? [];
  const related = data.data ? relatedEntities(data.data.events, { kind, value }) : [];

  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">Timeline{value ? `: ${kind} ${value}` : ''}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          go({ kind: formKind, value: formValue.trim() });
        }}
      >
        <label for="timeline-kind">Entity</label>
        <select
          id="timeline-kind"
          value={formKind}
          onChange={(e) => setFormKind((e.target as HTMLSelectElement).value as EntityKind)}
        >
          {ENTITY_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <label for="timeline-value">Value</label>
        <input
          id="timeline-value"
          value={formValue}
          onInput={(e) => setFormValue((e.target as HTMLInputElement).value)}
        />
        <TimePicker
          idPrefix="timeline"
          from={from}
          to={to}
          onChange={(f, t) => go({ from: f, to: t || undefined })}
        />
        <button type="submit">Open timeline</button>
      </form>
      <Notice error={data.error} />
      {data.loading && value && <p role="status">Loading…</p>}
      {data.data && (
        <>
          <p role="status" data-testid="timeline-count">
            {data.data.events.length} events{data.data.events.length >= 1000 ? ' (first 1000)' : ''},{' '}
            {findings.length} detection findings
          </p>
          <TimeChart
            times={data.data.times}
            series={[{ label: 'events', values: data.data.counts }]}
            bars
            label={`Events of ${kind} ${value}`}
            onBrush={(f, t) => go({ from: isoMs(f), to: isoMs(t) })}
          />
          <div class="columns">
            <div>
              <h2>Alerts</h2>
              {alerts.error ? (
                <Notice error={alerts.error} kind="info" />
              ) : (
                <ul>
                  {(alerts.data?.alerts ?? []).map((a) => (
                    <li key={a.id}>
                      <a href={href(`alerts/${encodeURIComponent(a.id)}`)}>{a.rule.title}</a> ({a.severity},{' '}
                      {a.status})
                    </li>
                  ))}
                  {alerts.data?.alerts.length === 0 && <li>None</li>}
                </ul>
              )}
              {findings.length > 0 && (
                <>
                  <h3>Detection findings</h3>
                  <ul>
                    {findings.slice(0, 20).map((f, i) => (
                      <li key={i}>
                        {formatTime(Number(f.time))} {String(pick(f, 'finding_info.title') ?? '')}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
            <div>
              <h2>Related entities</h2>
              <ul class="chips" data-testid="related">
                {related.map((r) => (
                  <li key={`${r.kind}:${r.value}`}>
                    <a href={href('timeline', { kind: r.kind, value: r.value, from, to: to || undefined })}>
                      {r.kind}: {r.value} <span class="muted">({r.count})</span>
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          </div>
          <h2>Events</h2>
          <EventTable events={data.data.events} label={`Events of ${kind} ${value}`} />
        </>
      )}
    </section>
  );
}
