/** Pieces the pages share: time window picker, error notice, event table with expandable rows. */
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, eventId, eventTime, type VigilEvent } from './api';
import { pick } from './export';
import { PRESETS, formatTime } from './timerange';

export function Notice({ error, kind = 'error' }: { error: unknown; kind?: 'error' | 'info' }) {
  if (!error) return null;
  const text =
    error instanceof ApiError && error.status === 404
      ? `Not available on this server yet (${error.message}).`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {text}
    </p>
  );
}

export function TimePicker({
  from,
  to,
  onChange,
  idPrefix,
}: {
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
  idPrefix: string;
}) {
  const preset = PRESETS.find((p) => p.from === from && (to === '' || to === 'now'));
  return (
    <div class="timepicker">
      <label for={`${idPrefix}-range`}>Time range</label>
      <select
        id={`${idPrefix}-range`}
        value={preset ? preset.from : 'custom'}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          if (v !== 'custom') onChange(v, '');
        }}
      >
        {PRESETS.map((p) => (
          <option value={p.from} key={p.from}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom</option>
      </select>
      {!preset && (
        <span class="custom-range">
          <label for={`${idPrefix}-from`}>From</label>
          <input
            id={`${idPrefix}-from`}
            value={from}
            size={24}
            onChange={(e) => onChange((e.target as HTMLInputElement).value, to)}
          />
          <label for={`${idPrefix}-to`}>To</label>
          <input
            id={`${idPrefix}-to`}
            value={to}
            size={24}
            onChange={(e) => onChange(from, (e.target as HTMLInputElement).value)}
          />
        </span>
      )}
    </div>
  );
}

/** A horizontally scrollable region that keyboard users can reach (axe: scrollable-region-focusable). */
export function Scroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

export const DEFAULT_COLUMNS = ['host', 'user', 'process', 'src_ip', 'dst_ip'];

/** The one-line text of an event: message, finding title, else the start of the raw record. */
export function summary(event: VigilEvent): string {
  const title = pick(event, 'finding_info.title');
  // Without a message (e.g. Sysmon), the activity and what it was about say more than raw JSON.
  const dst = pick(event, 'dst_endpoint.ip');
  const described = [
    pick(event, 'activity_name') ?? pick(event, 'class_name'),
    pick(event, 'process.cmd_line') ?? pick(event, 'process.file.path'),
    pick(event, 'file.path'),
    pick(event, 'query.hostname'),
    dst !== undefined ? `→ ${String(dst)}:${String(pick(event, 'dst_endpoint.port') ?? '')}` : undefined,
  ]
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .join(' ');
  const text = event.message ?? title ?? (described || event.raw_data) ?? '';
  const line = typeof text === 'string' ? text : JSON.stringify(text);
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

const COLUMN_PATHS: Record<string, string> = {
  host: 'device.hostname',
  user: 'actor.user.name',
  process: 'process.name',
  src_ip: 'src_endpoint.ip',
  dst_ip: 'dst_endpoint.ip',
};

export function columnValue(event: VigilEvent, column: string): unknown {
  const fields = event._fields as Record<string, unknown> | undefined;
  if (fields && Object.hasOwn(fields, column)) return fields[column];
  return pick(event, COLUMN_PATHS[column] ?? column);
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function EventTable({
  events,
  columns = DEFAULT_COLUMNS,
  label,
  renderPivot,
}: {
  events: readonly VigilEvent[];
  columns?: readonly string[];
  label: string;
  renderPivot?: (event: VigilEvent) => ComponentChildren;
}) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <Scroll label={label}>
      <table class="events">
        <caption class="sr-only">{label}</caption>
        <thead>
          <tr>
            <th scope="col">
              <span class="sr-only">Details</span>
            </th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Source</th>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            <th scope="col">Event</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, i) => {
            const id = eventId(event) || String(i);
            const expanded = open.has(id);
            const finding = event.class_uid === 2004;
            return [
              <tr key={id} class={finding ? 'finding' : undefined} data-event-id={id}>
                <td>
                  <button
                    type="button"
                    class="expand"
                    aria-expanded={expanded}
                    aria-label={`${expanded ? 'Hide' : 'Show'} event ${id}`}
                    onClick={() => toggle(id)}
                  >
                    {expanded ? '−' : '+'}
                  </button>
                </td>
                <td class="nowrap">{formatTime(eventTime(event))}</td>
                <td>{show(event.source)}</td>
                {columns.map((c) => (
                  <td key={c}>{show(columnValue(event, c))}</td>
                ))}
                <td class="summary">{summary(event)}</td>
              </tr>,
              expanded && (
                <tr key={`${id}-detail`} class="detail">
                  <td colSpan={columns.length + 4}>
                    <EventDetail event={event} />
                    {renderPivot?.(event)}
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </Scroll>
  );
}

export function EventDetail({ event }: { event: VigilEvent }) {
  const { raw_data: raw, _fields: _f, ...ocsf } = event;
  return (
    <div class="event-detail">
      <section aria-label="OCSF fields">
        <h3>OCSF</h3>
        <pre>{JSON.stringify(ocsf, null, 2)}</pre>
      </section>
      <section aria-label="Raw record">
        <h3>Raw record</h3>
        <pre>{typeof raw === 'string' ? raw : JSON.stringify(raw)}</pre>
      </section>
    </div>
  );
}
