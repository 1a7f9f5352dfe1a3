/**
 * Search: the query language with field completion, the result count, a histogram over the window
 * (brush it to zoom), events as a table with expandable rows (or a stats table), saved searches in
 * localStorage, and export of what is shown to CSV or NDJSON.
 */
import { useEffect, useState } from 'preact/hooks';
import { search, searchTable, type SearchResult } from './api';
import { TimeChart } from './chart';
import { DEFAULT_COLUMNS, EventTable, Notice, Scroll, TimePicker } from './components';
import { eventsToCsv, save, toCsv, toNdjson } from './export';
import { useAsync, useStored } from './hooks';
import { QueryBox } from './querybox';
import { href, navigate, type Route } from './router';
import { fillBuckets, isoMs, resolveBound, spanFor, spanText } from './timerange';

interface Saved {
  name: string;
  q: string;
}

export const RESULT_LIMIT = 200;

/** The count and histogram of an event search: the same filter piped into stats and timechart. */
async function overview(q: string, from: string, to: string) {
  const now = Date.now();
  const fromMs = resolveBound(from, now) ?? now - 86_400_000;
  const toMs = to ? (resolveBound(to, now) ?? now) : now;
  const span = spanFor(fromMs, toMs);
  const window = { from: isoMs(fromMs), to: isoMs(toMs) };
  const [count, chart] = await Promise.all([
    searchTable(`${q} | stats count()`, window),
    searchTable(`${q} | timechart span=${spanText(span)} count()`, window),
  ]);
  return { total: Number(count.rows[0]?.[0] ?? 0), ...fillBuckets(chart.rows, fromMs, toMs, span) };
}

export function SearchPage({ route }: { route: Route }) {
  const q = route.params.get('q') ?? '';
  const from = route.params.get('from') ?? '-24h';
  const to = route.params.get('to') ?? '';
  const [text, setText] = useState(q);
  const [saved, setSaved] = useStored<Saved[]>('vigil.saved-searches', []);
  const [saveName, setSaveName] = useState('');
  // A new route (link, back button, saved search) brings its query into the box.
  useEffect(() => setText(q), [q]);
  const ran = route.params.has('q');
  const result = useAsync<SearchResult | undefined>(
    async () => (ran ? search(q, { from, to: to || undefined }, RESULT_LIMIT) : undefined),
    [q, from, to, ran],
  );
  const events = result.data?.kind === 'events' ? result.data : undefined;
  const stats = useAsync(async () => (events ? overview(q, from, to) : undefined), [events]);
  const run = (nextQ = text, nextFrom = from, nextTo = to) =>
    navigate('search', { q: nextQ, from: nextFrom, to: nextTo || undefined });
  const columns = events?.fields?.length ? events.fields : DEFAULT_COLUMNS;

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <QueryBox id="search-q" value={text} onInput={setText} onSubmit={() => run()} />
        <TimePicker idPrefix="search" from={from} to={to} onChange={(f, t) => run(text, f, t)} />
        <button type="submit">Search</button>
      </form>
      <details class="saved">
        <summary>Saved searches ({saved.length})</summary>
        <ul>
          {saved.map((s) => (
            <li key={s.name}>
              <a href={href('search', { q: s.q, from, to: to || undefined })}>{s.name}</a>{' '}
              <button
                type="button"
                class="link"
                aria-label={`Delete saved search ${s.name}`}
                onClick={() => setSaved(saved.filter((x) => x.name !== s.name))}
              >
                delete
              </button>
            </li>
          ))}
        </ul>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const name = saveName.trim();
            if (name && text.trim()) {
              setSaved([...saved.filter((s) => s.name !== name), { name, q: text }]);
              setSaveName('');
            }
          }}
        >
          <label for="save-name">Name</label>
          <input
            id="save-name"
            value={saveName}
            onInput={(e) => setSaveName((e.target as HTMLInputElement).value)}
          />
          <button type="submit" disabled={!text.trim() || !saveName.trim()}>
            Save current search
          </button>
        </form>
      </details>
      <Notice error={result.error} />
      {result.loading && ran && <p role="status">Searching…</p>}
      {events && (
        <>
          <div class="result-head">
            <p role="status" data-testid="result-count">
              {stats.data ? (
                <>
                  <strong data-testid="total">{stats.data.total.toLocaleString('en-US')}</strong> events
                  {stats.data.total > events.events.length ? `, newest ${events.events.length} shown` : ''}
                </>
              ) : (
                `${events.events.length} events`
              )}{' '}
              ({events.elapsedMs} ms)
            </p>
            <div class="buttons">
              <button
                type="button"
                onClick={() =>
                  save(
                    'vigil-search.csv',
                    'text/csv',
                    eventsToCsv(events.events, ['time', 'source', ...columns, 'message']),
                  )
                }
              >
                Export CSV
              </button>
              <button
                type="button"
                onClick={() => save('vigil-search.ndjson', 'application/x-ndjson', toNdjson(events.events))}
              >
                Export NDJSON
              </button>
            </div>
          </div>
          <Notice error={stats.error} />
          {stats.data && (
            <div data-testid="histogram">
              <TimeChart
                times={stats.data.times}
                series={[{ label: 'events', values: stats.data.counts }]}
                bars
                label="Events over time"
                onBrush={(f, t) => run(q, isoMs(f), isoMs(t))}
              />
            </div>
          )}
          <EventTable events={events.events} columns={columns} label="Search results" />
        </>
      )}
      {result.data?.kind === 'table' && <TableResult columns={result.data.columns} rows={result.data.rows} />}
    </section>
  );
}

export function TableResult({ columns, rows }: { columns: string[]; rows: unknown[][] }) {
  return (
    <>
      <div class="result-head">
        <p role="status">{rows.length} rows</p>
        <button type="button" onClick={() => save('vigil-table.csv', 'text/csv', toCsv(columns, rows))}>
          Export CSV
        </button>
        <button
          type="button"
          onClick={() =>
            save(
              'vigil-table.ndjson',
              'application/x-ndjson',
              toNdjson(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])))),
            )
          }
        >
          Export NDJSON
        </button>
      </div>
      <Scroll label="Result table">
        <table>
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j}>{v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}
