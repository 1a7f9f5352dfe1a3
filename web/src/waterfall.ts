/** A trace's spans in waterfall order (pure): depth-first from the roots, siblings by start time. */

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id?: string | null;
  name: string;
  kind?: string | number;
  service?: string;
  start: number | string;
  duration_ns: number;
  status_code?: string | number;
  attributes?: Record<string, unknown>;
}

export function startMs(t: number | string): number {
  return typeof t === 'number' ? t : Date.parse(t);
}

/** Spans in waterfall order (depth-first from the roots, siblings by start) with their depth (pure). */
export function waterfall(spans: readonly Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parent_span_id && ids.has(s.parent_span_id)) {
      const list = children.get(s.parent_span_id) ?? [];
      list.push(s);
      children.set(s.parent_span_id, list);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span) => startMs(a.start) - startMs(b.start);
  const out: { span: Span; depth: number }[] = [];
  const visit = (s: Span, depth: number) => {
    out.push({ span: s, depth });
    if (depth > 256) return;
    for (const c of (children.get(s.span_id) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  // Spans whose parents form a cycle (bad data) are never reached from a root: list them flat.
  const placed = new Set(out.map((o) => o.span));
  for (const s of [...spans].sort(byStart)) if (!placed.has(s)) out.push({ span: s, depth: 0 });
  return out;
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A span as the traces API returns it (camelCase `spanId`, `durationNs`, numeric `statusCode` with
 * 2 = error) or as first specified (snake_case `span_id`, `duration_ns`, `status_code`), as one shape.
 */
export function normalizeSpan(raw: Raw): Span {
  const status = raw.statusCode ?? raw.status_code;
  return {
    trace_id: str(raw.traceId) ?? str(raw.trace_id) ?? '',
    span_id: str(raw.spanId) ?? str(raw.span_id) ?? '',
    parent_span_id: str(raw.parentSpanId) ?? str(raw.parent_span_id) ?? null,
    name: str(raw.name) ?? '',
    service: str(raw.service),
    start: num(raw.start) ?? str(raw.start) ?? 0,
    duration_ns: num(raw.durationNs) ?? num(raw.duration_ns) ?? 0,
    status_code: status === 2 ? 'error' : status === 1 ? 'ok' : typeof status === 'string' ? status : 'unset',
    attributes: (raw.attributes as Record<string, unknown> | undefined) ?? {},
  };
}

export interface TraceRow {
  traceId: string;
  root: string;
  service: string;
  start: number | undefined;
  durationMs: number | undefined;
  spanCount: number | undefined;
  error: boolean;
}

/** A trace summary in either shape (see normalizeSpan). */
export function normalizeTrace(raw: Raw): TraceRow {
  const durationNs = num(raw.duration_ns);
  const start = raw.start;
  return {
    traceId: str(raw.traceId) ?? str(raw.trace_id) ?? '',
    root: str(raw.rootName) ?? str(raw.root) ?? '',
    service: str(raw.rootService) ?? str(raw.service) ?? '',
    start: typeof start === 'number' ? start : typeof start === 'string' ? Date.parse(start) : undefined,
    durationMs: num(raw.durationMs) ?? (durationNs !== undefined ? durationNs / 1e6 : undefined),
    spanCount: num(raw.spanCount) ?? num(raw.span_count),
    error: raw.error === true || raw.status === 'error',
  };
}
