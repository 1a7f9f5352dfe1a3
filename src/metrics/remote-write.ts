/**
 * Prometheus remote-write (v1) receiver: POST /api/v1/prom/write with a snappy-compressed (block
 * format) protobuf WriteRequest. Decoding is pure (`decodeWriteRequest`: bytes → MetricPoints,
 * with a reason on bad input); the route is a thin shell that stores the points and answers 204
 * once they are durable, 400 with the reason for a bad payload, 429/503 with Retry-After when the
 * store pushes back (OverloadedError / UnavailableError, as HTTP ingest maps them).
 *
 * Conversion: the `__name__` label names the series, the other labels stay. A family the request's
 * metadata calls a counter, or named `*_total`, becomes `sum` points (monotonic, cumulative);
 * other plain samples `gauge`. Classic histograms (`*_bucket{le}` with `_sum`/`_count`) and
 * summaries (`{quantile}` of a family the metadata calls a summary) with the same labels and
 * timestamp are assembled into one histogram / summary point, as the scrape parser does. Native
 * histograms become exponential histograms (Prometheus bucket i is (base^(i-1), base^i], OTLP's
 * (base^i, base^(i+1)], hence offset − 1).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import protobuf from 'protobufjs';
import snappy from 'snappy';
import { OverloadedError, UnavailableError } from '../sources/source.js';
import type { MetricPoint, MetricSink } from './model.js';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
}
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3; sint32 schema = 4; double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9; repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
  int32 reset_hint = 14; int64 timestamp = 15;
}
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
message Label { string name = 1; string value = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
/** The protobuf WriteRequest type (also used by tests and the bench to encode requests). */
export const WriteRequestType = root.lookupType('prometheus.WriteRequest');

interface PbLabel {
  name: string;
  value: string;
}
interface PbSpan {
  offset: number;
  length: number;
}
interface PbHistogram {
  count_int?: number | Long;
  count_float?: number;
  sum: number;
  schema: number;
  zero_threshold: number;
  zero_count_int?: number | Long;
  zero_count_float?: number;
  negative_spans: PbSpan[];
  negative_deltas: (number | Long)[];
  negative_counts: number[];
  positive_spans: PbSpan[];
  positive_deltas: (number | Long)[];
  positive_counts: number[];
  reset_hint: number;
  timestamp: number | Long;
}
interface PbTimeSeries {
  labels: PbLabel[];
  samples: { value: number; timestamp: number | Long }[];
  histograms: PbHistogram[];
}
interface PbWriteRequest {
  timeseries: PbTimeSeries[];
  metadata: { type: number; metric_family_name: string; help: string; unit: string }[];
}
type Long = { toNumber(): number };

/** A remote-write body that cannot be read; `message` says why. */
export class RemoteWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteWriteError';
  }
}

const num = (v: number | Long | undefined): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

/** The uncompressed length a snappy block declares (its varint preamble). */
export function snappyDeclaredLength(body: Uint8Array): number {
  let length = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    const b = body[i];
    if (b === undefined) throw new RemoteWriteError('snappy: truncated length preamble');
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return length;
  }
  throw new RemoteWriteError('snappy: bad length preamble');
}

/** Decompress and decode a WriteRequest. Throws RemoteWriteError with the reason. */
export function decodeWriteRequestBody(body: Uint8Array, maxBytes: number): PbWriteRequest {
  const declared = snappyDeclaredLength(body);
  if (declared > maxBytes)
    throw new RemoteWriteError(
      `snappy: uncompressed size ${declared} is over the limit of ${maxBytes} bytes`,
    );
  let raw: Buffer;
  try {
    raw = snappy.uncompressSync(Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as Buffer;
  } catch (error) {
    throw new RemoteWriteError(`snappy: ${(error as Error).message}`);
  }
  try {
    return WriteRequestType.toObject(WriteRequestType.decode(raw), {
      defaults: true,
      arrays: true,
      longs: Number,
    }) as PbWriteRequest;
  } catch (error) {
    throw new RemoteWriteError(`protobuf: ${(error as Error).message}`);
  }
}

/** Most buckets a native histogram may span (gaps included). */
const MAX_NATIVE_BUCKETS = 100_000;

/** Native histogram buckets (spans + deltas or counts) → OTLP exponential buckets. */
function nativeBuckets(
  spans: PbSpan[],
  deltas: (number | Long)[],
  counts: number[],
): { offset: number; bucketCounts: number[] } {
  const values = counts.length > 0 ? counts : [];
  if (counts.length === 0) {
    let running = 0;
    for (const d of deltas) values.push((running += num(d)));
  }
  if (spans.length === 0) return { offset: 0, bucketCounts: [] };
  const first = spans[0]!.offset;
  const out: number[] = [];
  let v = 0;
  spans.forEach((span, s) => {
    if (s > 0) {
      if (span.offset < 0) throw new RemoteWriteError('native histogram: a bucket span goes backwards');
      if (out.length + span.offset > MAX_NATIVE_BUCKETS)
        throw new RemoteWriteError('native histogram: too many buckets');
      for (let gap = 0; gap < span.offset; gap++) out.push(0);
    }
    for (let j = 0; j < span.length; j++) {
      if (v >= values.length)
        throw new RemoteWriteError('native histogram: spans cover more buckets than it has counts');
      out.push(values[v++]!);
    }
  });
  // Prometheus index i is (base^(i-1), base^i]; OTLP's offset o is (base^o, base^(o+1)].
  return { offset: first - 1, bucketCounts: out };
}

const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());

/** The points of a decoded WriteRequest. Throws RemoteWriteError on a malformed series. */
export function writeRequestPoints(request: PbWriteRequest): MetricPoint[] {
  const types = new Map<string, number>();
  const units = new Map<string, { help?: string; unit?: string }>();
  for (const m of request.metadata) {
    types.set(m.metric_family_name, m.type);
    units.set(m.metric_family_name, { help: m.help || undefined, unit: m.unit || undefined });
  }
  // Without metadata, a family with `_bucket{le}` series is a classic histogram (its _sum/_count too).
  const bucketFamilies = new Set<string>();
  for (const ts of request.timeseries) {
    const name = ts.labels.find((l) => l.name === '__name__')?.value;
    if (name?.endsWith('_bucket') && ts.labels.some((l) => l.name === 'le'))
      bucketFamilies.add(name.slice(0, -7));
  }
  const points: MetricPoint[] = [];
  const groups = new Map<string, MetricPoint & { buckets: { le: number; count: number }[] }>();
  const describe = (p: MetricPoint, family: string) => {
    const meta = units.get(family);
    if (meta?.unit) p.unit = meta.unit;
    if (meta?.help) p.description = meta.help;
    return p;
  };
  request.timeseries.forEach((ts, i) => {
    const labels: Record<string, string> = {};
    let name: string | undefined;
    for (const l of ts.labels) {
      if (l.name === '__name__') name = l.value;
      else labels[l.name] = l.value;
    }
    if (!name) throw new RemoteWriteError(`timeseries ${i}: no __name__ label`);
    for (const h of ts.histograms) {
      const isFloat = h.count_float !== undefined && h.count_int === undefined;
      points.push(
        describe(
          {
            name,
            kind: 'exponential_histogram',
            temporality: h.reset_hint === 3 ? 'delta' : 'cumulative',
            labels,
            time: num(h.timestamp),
            count: isFloat ? h.count_float! : num(h.count_int),
            sum: h.sum,
            exponential: {
              scale: h.schema,
              zeroCount: h.zero_count_float ?? num(h.zero_count_int),
              zeroThreshold: h.zero_threshold,
              positive: nativeBuckets(h.positive_spans, h.positive_deltas, h.positive_counts),
              negative: nativeBuckets(h.negative_spans, h.negative_deltas, h.negative_counts),
            },
          } as MetricPoint,
          name,
        ),
      );
    }
    const family = (suffix: string) => (name!.endsWith(suffix) ? name!.slice(0, -suffix.length) : undefined);
    const histFamily = family('_bucket') ?? family('_sum') ?? family('_count');
    const histType = histFamily !== undefined ? types.get(histFamily) : undefined;
    for (const s of ts.samples) {
      const time = num(s.timestamp);
      const isHistogramPart: boolean =
        histFamily !== undefined &&
        (histType === 3 || histType === 4 || (histType === undefined && bucketFamilies.has(histFamily)));
      const isSummaryPart: boolean =
        (types.get(name) === 5 && 'quantile' in labels) || (histFamily !== undefined && histType === 5);
      if (isHistogramPart || isSummaryPart) {
        const base: string = isSummaryPart && types.get(name) === 5 ? name : histFamily!;
        const { le, quantile, ...rest } = labels;
        const own = isSummaryPart
          ? { ...rest, ...(le !== undefined ? { le } : {}) }
          : { ...rest, ...(quantile !== undefined ? { quantile } : {}) };
        const k = `${base}\u0000${key(own)}\u0000${time}`;
        let g = groups.get(k);
        if (!g) {
          g = { name: base, kind: isSummaryPart ? 'summary' : 'histogram', labels: own, time, buckets: [] };
          groups.set(k, g);
        }
        if (isSummaryPart && name === base) {
          (g.quantiles ??= []).push({ quantile: Number(quantile), value: s.value });
        } else if (name.endsWith('_bucket') && le !== undefined) {
          g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: s.value });
        } else if (name.endsWith('_sum')) g.sum = s.value;
        else if (name.endsWith('_count')) g.count = s.value;
        continue;
      }
      const counter = types.get(name) === 1 || (types.get(name) === undefined && name.endsWith('_total'));
      points.push(
        describe(
          counter
            ? { name, kind: 'sum', monotonic: true, temporality: 'cumulative', labels, time, value: s.value }
            : { name, kind: 'gauge', labels, time, value: s.value },
          name,
        ),
      );
    }
  });
  for (const g of groups.values()) {
    const { buckets, ...point } = g;
    if (point.kind === 'summary') {
      point.quantiles?.sort((a, b) => a.quantile - b.quantile);
      points.push(describe(point, point.name));
      continue;
    }
    buckets.sort((a, b) => a.le - b.le);
    if (buckets.some((b) => Number.isNaN(b.le)))
      throw new RemoteWriteError(`${point.name}: a bucket's le is not a number`);
    const finite = buckets.filter((b) => b.le !== Infinity);
    const total =
      buckets.find((b) => b.le === Infinity)?.count ?? point.count ?? finite[finite.length - 1]?.count ?? 0;
    const counts: number[] = [];
    let previous = 0;
    for (const b of finite) {
      counts.push(Math.max(0, b.count - previous));
      previous = b.count;
    }
    counts.push(Math.max(0, total - previous));
    points.push(
      describe(
        {
          ...point,
          temporality: 'cumulative',
          bounds: finite.map((b) => b.le),
          bucketCounts: counts,
          count: point.count ?? total,
        },
        point.name,
      ),
    );
  }
  return points;
}

/** Bytes → points (snappy, protobuf, conversion). Throws RemoteWriteError. */
export function decodeWriteRequest(body: Uint8Array, maxBytes = 64 * 1024 * 1024): MetricPoint[] {
  return writeRequestPoints(decodeWriteRequestBody(body, maxBytes));
}

export interface RemoteWriteOptions {
  metrics: MetricSink;
  /** Check the caller may ingest (permission `ingest`); answers 401/403 itself and returns false. */
  authorize: (request: FastifyRequest, reply: FastifyReply) => boolean;
  /** Largest uncompressed WriteRequest (default 64 MiB). */
  maxBytes?: number;
}

/** POST /api/v1/prom/write (the API's content-type parser must hand bodies over as Buffers). */
export function registerRemoteWrite(app: FastifyInstance, options: RemoteWriteOptions): void {
  app.post('/api/v1/prom/write', async (request, reply) => {
    if (!options.authorize(request, reply)) return reply;
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0)
      return reply
        .code(400)
        .send({ error: 'bad_payload', message: 'expected a snappy-compressed protobuf WriteRequest body' });
    let points: MetricPoint[];
    try {
      points = decodeWriteRequest(body, options.maxBytes);
    } catch (error) {
      if (error instanceof RemoteWriteError)
        return reply.code(400).send({ error: 'bad_payload', message: error.message });
      throw error;
    }
    try {
      await options.metrics.writeMetrics(points);
    } catch (error) {
      if (error instanceof OverloadedError)
        return reply
          .code(429)
          .header('retry-after', String(error.retryAfterSeconds))
          .send({ error: 'overloaded', message: error.message });
      if (error instanceof UnavailableError)
        return reply
          .code(503)
          .header('retry-after', String(error.retryAfterSeconds))
          .send({ error: 'unavailable', message: error.message });
      if (error instanceof RangeError)
        return reply.code(400).send({ error: 'bad_payload', message: error.message });
      request.log.error({ err: error }, 'remote-write points could not be stored');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'unavailable', message: (error as Error).message });
    }
    return reply.code(204).send();
  });
}
