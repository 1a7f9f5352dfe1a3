/**
 * Spans as Vigil keeps them, whatever the transport (OTLP/HTTP protobuf or JSON, OTLP/gRPC): ids in
 * lowercase hex, times in nanoseconds since the epoch, attributes as plain JSON values. The span
 * store and the samplers work on these; the OTLP receiver produces them.
 */

/** An attribute value: OTLP AnyValue as JSON (int64 beyond 2^53 as a decimal string, bytes as base64). */
export type AttributeValue =
  string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface Scope {
  name: string;
  version?: string;
  attributes?: Attributes;
}

export interface SpanEventRecord {
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  name: string;
  attributes: Attributes;
}

export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Attributes;
}

/** OTLP span kinds (0 unspecified ... 5 consumer). */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
/** OTLP status codes. */
export const STATUS_CODES = ['unset', 'ok', 'error'] as const;
export const STATUS_ERROR = 2;

export interface SpanRecord {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  /** 0..5, see SPAN_KINDS. */
  kind: number;
  /** `service.name` of the resource ('' when the sender set none). */
  service: string;
  startNs: bigint;
  endNs: bigint;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  resource: Attributes;
  scope: Scope;
  events: SpanEventRecord[];
  links: SpanLinkRecord[];
}

/** Where spans go: the span store (or a sampler in front of it). Resolves once they are committed. */
export interface SpanSink {
  writeSpans(spans: readonly SpanRecord[]): Promise<void>;
}
