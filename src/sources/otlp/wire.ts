/**
 * OTLP wire encodings: request bodies (protobuf or OTLP/JSON) → plain objects for convert.ts, and
 * the answers: Export*ServiceResponse with partial success, google.rpc.Status for errors (with
 * RetryInfo under backpressure), each in the encoding of the request. Pure.
 */
import protobuf from 'protobufjs';
import { OTLP_TYPES, RETRY_INFO_TYPE, RETRY_INFO_TYPE_URL, STATUS_TYPE, type Signal } from './proto.js';

export type Encoding = 'protobuf' | 'json';

/** The body is not a decodable OTLP request (HTTP 400, gRPC INVALID_ARGUMENT). */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  defaults: false,
  arrays: false,
};

/** Decode a protobuf Export*ServiceRequest into a plain object (int64 as strings, bytes as Uint8Array). */
export function decodeProtobuf(signal: Signal, body: Uint8Array): Record<string, unknown> {
  const type = OTLP_TYPES[signal].request;
  let message: protobuf.Message;
  try {
    message = type.decode(body);
  } catch (error) {
    throw new OtlpDecodeError(`invalid protobuf ${type.name}: ${(error as Error).message}`);
  }
  return type.toObject(message, TO_OBJECT);
}

/** Parse an OTLP/JSON body (ids hex, int64 strings or numbers). */
export function decodeJson(body: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new OtlpDecodeError('invalid OTLP/JSON: the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function decodeRequest(signal: Signal, encoding: Encoding, body: Uint8Array): Record<string, unknown> {
  return encoding === 'json' ? decodeJson(body) : decodeProtobuf(signal, body);
}

const REJECTED_FIELD: Readonly<Record<Signal, string>> = {
  logs: 'rejectedLogRecords',
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
};

/**
 * The success answer. Partial success (some records rejected) carries the count and a message;
 * full success is an empty message, as the spec asks.
 */
export function encodeResponse(
  signal: Signal,
  encoding: Encoding,
  partial?: { rejected: number; message: string },
): Uint8Array {
  const body: Record<string, unknown> =
    partial && (partial.rejected > 0 || partial.message !== '')
      ? { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.message } }
      : {};
  if (encoding === 'json') {
    if (body.partialSuccess) {
      const p = body.partialSuccess as Record<string, unknown>;
      // int64 in OTLP/JSON: a decimal string.
      p[REJECTED_FIELD[signal]] = String(p[REJECTED_FIELD[signal]]);
    }
    return Buffer.from(JSON.stringify(body));
  }
  const type = OTLP_TYPES[signal].response;
  return type.encode(type.fromObject(body)).finish();
}

/** gRPC status codes used in Status bodies. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** RetryInfo{retry_delay} encoded, for a Status detail or the grpc-status-details-bin trailer. */
export function encodeRetryInfo(retryAfterSeconds: number): Uint8Array {
  return RETRY_INFO_TYPE.encode(
    RETRY_INFO_TYPE.fromObject({
      retryDelay: { seconds: Math.max(0, Math.round(retryAfterSeconds)), nanos: 0 },
    }),
  ).finish();
}

/** A google.rpc.Status, in the encoding of the request (OTLP/HTTP error bodies; gRPC status details). */
export function encodeStatus(
  encoding: Encoding,
  code: number,
  message: string,
  retryAfterSeconds?: number,
): Uint8Array {
  if (encoding === 'json') {
    return Buffer.from(
      JSON.stringify({
        code,
        message,
        ...(retryAfterSeconds !== undefined
          ? { details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${Math.round(retryAfterSeconds)}s` }] }
          : {}),
      }),
    );
  }
  const details =
    retryAfterSeconds !== undefined
      ? [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(retryAfterSeconds) }]
      : [];
  return STATUS_TYPE.encode(STATUS_TYPE.fromObject({ code, message, details })).finish();
}

/** Decode a Status (tests and clients). */
export function decodeStatus(body: Uint8Array): {
  code: number;
  message: string;
  retryDelaySeconds?: number;
} {
  const status = STATUS_TYPE.toObject(STATUS_TYPE.decode(body), { longs: Number }) as {
    code?: number;
    message?: string;
    details?: { typeUrl?: string; value?: Uint8Array }[];
  };
  const retry = status.details?.find((d) => d.typeUrl === RETRY_INFO_TYPE_URL);
  let retryDelaySeconds: number | undefined;
  if (retry?.value) {
    const info = RETRY_INFO_TYPE.toObject(RETRY_INFO_TYPE.decode(retry.value), { longs: Number }) as {
      retryDelay?: { seconds?: number };
    };
    retryDelaySeconds = info.retryDelay?.seconds ?? 0;
  }
  return {
    code: status.code ?? 0,
    message: status.message ?? '',
    ...(retryDelaySeconds !== undefined ? { retryDelaySeconds } : {}),
  };
}

/** Decode an Export*ServiceResponse (tests and clients): the rejected count and message. */
export function decodeResponse(signal: Signal, body: Uint8Array): { rejected: number; message: string } {
  const type = OTLP_TYPES[signal].response;
  const o = type.toObject(type.decode(body), { longs: Number }) as {
    partialSuccess?: Record<string, number | string | undefined>;
  };
  return {
    rejected: Number(o.partialSuccess?.[REJECTED_FIELD[signal]] ?? 0),
    message: String(o.partialSuccess?.errorMessage ?? ''),
  };
}
