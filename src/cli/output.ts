import { getPath } from '../normalize/ocsf.js';
import type { SearchResult } from '../query/search.js';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv';

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One-line summary of an event for the table view. */
function summary(event: Record<string, unknown>): string {
  const candidates = ['message', 'process.cmd_line', 'query.hostname', 'raw_data'];
  for (const path of candidates) {
    const v = getPath(event, path);
    if (typeof v === 'string' && v !== '') return v.replace(/\s+/g, ' ');
  }
  return '';
}

/** Rows and headers of a result, whatever its kind. */
export function tabulate(result: SearchResult): { headers: string[]; rows: string[][] } {
  if (result.kind === 'table') {
    return { headers: result.columns, rows: result.rows.map((r) => r.map(text)) };
  }
  if (result.fields && result.fields.length > 0) {
    const fields = result.fields.includes('time') ? result.fields : ['time', ...result.fields];
    return {
      headers: fields,
      rows: result.events.map((e) =>
        fields.map((f) =>
          f === 'time'
            ? new Date(Number(e.time)).toISOString()
            : text((e._fields as Record<string, unknown> | undefined)?.[f] ?? getPath(e, f)),
        ),
      ),
    };
  }
  return {
    headers: ['time', 'id', 'class', 'host', 'user', 'summary'],
    rows: result.events.map((e) => [
      new Date(Number(e.time)).toISOString(),
      text(getPath(e, 'metadata.uid')),
      text(e.class_name ?? e.class_uid),
      text(getPath(e, 'device.hostname')),
      text(getPath(e, 'actor.user.name') ?? getPath(e, 'user.name')),
      summary(e),
    ]),
  };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || /^[=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Render a search result for the terminal or a pipe. */
export function formatResult(
  result: SearchResult,
  format: OutputFormat,
  width = process.stdout.columns ?? 160,
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'ndjson': {
      const items =
        result.kind === 'events'
          ? result.events
          : result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]])));
      return items.map((item) => JSON.stringify(item)).join('\n') + (items.length ? '\n' : '');
    }
    case 'csv': {
      const { headers, rows } = tabulate(result);
      return [headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
    }
    case 'table': {
      const { headers, rows } = tabulate(result);
      const widths = headers.map((h, i) =>
        Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))),
      );
      const line = (cells: string[]) =>
        cells
          .map((c, i) => (i === cells.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]!)))
          .join('  ')
          .slice(0, Math.max(40, width));
      const out = [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
      const count = result.kind === 'events' ? result.events.length : result.rows.length;
      out.push(`(${count} ${result.kind === 'events' ? 'events' : 'rows'}, ${result.elapsedMs} ms)`);
      return out.join('\n') + '\n';
    }
  }
}
