/**
 * Live tail: polls the search API for events stored after the newest one seen (`id>N`, ids are a
 * sequence), filtered by the query; pause keeps the list still, resume catches up.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { eventId, search, searchTable, type VigilEvent } from './api';
import { EventTable, Notice } from './components';
import { QueryBox } from './querybox';
import type { Route } from './router';
import { navigate } from './router';

const KEEP = 500;
const POLL_MS = 2000;

/** The tail query for a filter: only events with ids above `afterId`, newest ids first. */
export function tailQuery(filter: string, afterId: number): string {
  const f = filter.trim();
  return `${f ? `(${f}) ` : ''}id>${afterId} | sort -id | head 200`;
}

export function TailPage({ route }: { route: Route }) {
  const q = route.params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [paused, setPaused] = useState(false);
  const [events, setEvents] = useState<VigilEvent[]>([]);
  const [error, setError] = useState<unknown>();
  const lastId = useRef<number | undefined>(undefined);

  useEffect(() => {
    setText(q);
    setEvents([]);
    lastId.current = undefined;
  }, [q]);

  useEffect(() => {
    if (paused) return;
    if (q.includes('|')) {
      setError(new Error('live tail takes a filter only, without | commands'));
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        if (lastId.current === undefined) {
          // Start from the newest stored event, showing the last few for context.
          const max = await searchTable('| stats max(id)');
          lastId.current = Math.max(0, Number(max.rows[0]?.[0] ?? 0) - 20);
        }
        const result = await search(tailQuery(q, lastId.current), {}, 200);
        if (stopped) return;
        if (result.kind === 'events' && result.events.length > 0) {
          const ids = result.events.map((e) => Number(eventId(e)));
          lastId.current = Math.max(lastId.current, ...ids);
          setEvents((prev) => [...result.events, ...prev].slice(0, KEEP));
        }
        setError(undefined);
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [q, paused]);

  return (
    <section aria-labelledby="tail-title">
      <h1 id="tail-title">Live tail</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('tail', { q: text });
        }}
      >
        <QueryBox
          id="tail-q"
          label="Filter"
          value={text}
          onInput={setText}
          onSubmit={() => navigate('tail', { q: text })}
        />
        <button type="submit">Apply</button>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setEvents([])}>
          Clear
        </button>
      </form>
      <p role="status" data-testid="tail-status">
        {paused ? 'Paused' : 'Live'}: {events.length} events (newest first, up to {KEEP})
      </p>
      <Notice error={error} />
      <EventTable events={events} label="Live events" />
    </section>
  );
}
