/**
 * Traces (from OTLP): recent traces filtered by service, minimum duration and status; a trace as
 * a waterfall of its spans (indented by parent, bars placed on the trace's time axis) and its logs.
 */
import { useState } from 'preact/hooks';
import { getJson } from './api';
import { Notice, Scroll } from './components';
import { useAsync } from './hooks';
import { href, navigate, type Route } from './router';
import { formatTime } from './timerange';
import { normalizeSpan, normalizeTrace, startMs, waterfall } from './waterfall';

export function TracesPage({ route }: { route: Route }) {
  const id = route.path[1];
  return id ? <TraceView id={id} /> : <TraceList route={route} />;
}

function TraceList({ route }: { route: Route }) {
  const p = route.params;
  const filters = {
    service: p.get('service') ?? '',
    min_duration_ms: p.get('min_duration_ms') ?? '',
    status: p.get('status') ?? '',
  };
  const [draft, setDraft] = useState(filters);
  const list = useAsync(async () => {
    const { traces } = await getJson<{ traces: Record<string, unknown>[] }>('/api/v1/traces', {
      service: filters.service,
      status: filters.status,
      // The API's name, and the first specified one.
      min_duration: filters.min_duration_ms,
      min_duration_ms: filters.min_duration_ms,
      from: p.get('from') ?? '-1h',
    });
    return traces.map(normalizeTrace);
  }, [JSON.stringify(filters)]);
  return (
    <section aria-labelledby="traces-title">
      <h1 id="traces-title">Traces</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('traces', draft);
        }}
      >
        <label for="traces-service">Service</label>
        <input
          id="traces-service"
          value={draft.service}
          onInput={(e) => setDraft({ ...draft, service: (e.target as HTMLInputElement).value })}
        />
        <label for="traces-min">Min duration (ms)</label>
        <input
          id="traces-min"
          inputMode="numeric"
          value={draft.min_duration_ms}
          onInput={(e) => setDraft({ ...draft, min_duration_ms: (e.target as HTMLInputElement).value })}
        />
        <label for="traces-status">Status</label>
        <select
          id="traces-status"
          value={draft.status}
          onChange={(e) => setDraft({ ...draft, status: (e.target as HTMLSelectElement).value })}
        >
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
        <button type="submit">Find traces</button>
      </form>
      <Notice error={list.error} />
      {list.data && (
        <Scroll label="Traces">
          <table>
            <thead>
              <tr>
                <th scope="col">Trace</th>
                <th scope="col">Service</th>
                <th scope="col">Start (UTC)</th>
                <th scope="col">Duration</th>
                <th scope="col">Spans</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <tr key={t.traceId}>
                  <td>
                    <a href={href(`traces/${t.traceId}`)}>{t.root || t.traceId}</a>
                  </td>
                  <td>{t.service}</td>
                  <td>{t.start !== undefined ? formatTime(t.start) : ''}</td>
                  <td>{t.durationMs !== undefined ? `${t.durationMs.toFixed(1)} ms` : ''}</td>
                  <td>{t.spanCount}</td>
                  <td>{t.error ? 'error' : 'ok'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </section>
  );
}

function TraceView({ id }: { id: string }) {
  const trace = useAsync(async () => {
    const t = await getJson<{ spans: Record<string, unknown>[]; logs: Record<string, unknown>[] }>(
      `/api/v1/traces/${encodeURIComponent(id)}`,
    );
    return { spans: t.spans.map(normalizeSpan), logs: t.logs };
  }, [id]);
  const spans = trace.data?.spans ?? [];
  const t0 = Math.min(...spans.map((s) => startMs(s.start)));
  const t1 = Math.max(...spans.map((s) => startMs(s.start) + s.duration_ns / 1e6));
  const total = Math.max(1e-3, t1 - t0);
  return (
    <section aria-labelledby="trace-title">
      <p>
        <a href={href('traces')}>← All traces</a>
      </p>
      <h1 id="trace-title">Trace {id}</h1>
      <Notice error={trace.error} />
      {trace.data && (
        <>
          <ol class="waterfall" aria-label="Spans">
            {waterfall(spans).map(({ span, depth }) => (
              <li key={span.span_id} class={span.status_code === 'error' ? 'error' : undefined}>
                <span class="span-name" style={{ paddingLeft: `${depth * 12}px` }}>
                  {span.service ? `${span.service}: ` : ''}
                  {span.name}
                </span>
                <span class="span-track">
                  <span
                    class="span-bar"
                    style={{
                      left: `${(100 * (startMs(span.start) - t0)) / total}%`,
                      width: `${Math.max(0.5, (100 * span.duration_ns) / 1e6 / total)}%`,
                    }}
                  />
                </span>
                <span class="span-dur">{(span.duration_ns / 1e6).toFixed(2)} ms</span>
              </li>
            ))}
          </ol>
          <h2>Logs</h2>
          <Scroll label="Trace logs">
            <pre>{trace.data.logs.map((l) => JSON.stringify(l)).join('\n')}</pre>
          </Scroll>
        </>
      )}
    </section>
  );
}
