/**
 * Fuzzing the OTLP decoders: whatever bytes arrive over OTLP/HTTP (protobuf or JSON) or OTLP/gRPC
 * (protobuf: the gRPC handler hands its message bytes to the same `handleExport`), the answer is
 * an outcome (ok with a partial-success count, or invalid with a message naming the request),
 * never an exception, and never a record that breaks the stores' expectations.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions, mutatedText } from '../testing/fuzz.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { Sampler } from '../traces/sampling.js';
import type { Signal } from './otlp/proto.js';
import { OTLP_TYPES } from './otlp/proto.js';
import { handleExport, type ExportOutcome, type OtlpTargets } from './otlp.js';

const CAPTURES = 'clients/otlp/captures';
const FILES: [string, Signal][] = [
  ['05-http-protobuf_v1_logs', 'logs'],
  ['06-http-protobuf_v1_traces', 'traces'],
  ['07-http-protobuf_v1_metrics', 'metrics'],
];
const JSON_FILES: [string, Signal][] = [
  ['01-http-json_v1_logs', 'logs'],
  ['02-http-json_v1_traces', 'traces'],
  ['03-http-json_v1_metrics', 'metrics'],
];

/** Own fixtures, so the fuzzers run without ../shared too. */
const OWN: [Uint8Array, Signal][] = [
  [
    OTLP_TYPES.traces.request
      .encode(
        OTLP_TYPES.traces.request.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: Buffer.alloc(16, 7),
                      spanId: Buffer.alloc(8, 9),
                      name: 's',
                      startTimeUnixNano: 1,
                      endTimeUnixNano: 2,
                      attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 3 }] } } }],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish(),
    'traces',
  ],
];

function targets(): OtlpTargets {
  return {
    sink: {
      submit: async (batch) => {
        for (const r of batch.records) JSON.parse(r.text);
        return { accepted: batch.records.length, rejected: 0, errors: [] };
      },
    },
    spans: new Sampler(
      {
        writeSpans: async (spans) => {
          for (const s of spans) {
            assert.match(s.traceId, /^[0-9a-f]{32}$/);
            assert.match(s.spanId, /^[0-9a-f]{16}$/);
            assert.ok(s.endNs >= s.startNs);
            JSON.stringify(s.attributes);
          }
        },
      },
      { head_ratio: 1 },
    ),
    metrics: { writeMetrics: async (points) => void JSON.stringify(points) },
  };
}

function checkOutcome(outcome: ExportOutcome): void {
  assert.ok(outcome.kind === 'ok' || outcome.kind === 'invalid', JSON.stringify(outcome));
  if (outcome.kind === 'invalid') assert.match(outcome.message, /^fuzz: /);
  else assert.ok(outcome.rejected >= 0);
}

function samples(files: [string, Signal][], skip: boolean): [Uint8Array, Signal][] {
  return skip ? [] : files.map(([f, s]) => [readFileSync(sharedPath(`${CAPTURES}/${f}.body.bin`)), s]);
}

const noShared = sharedSkip(CAPTURES) !== false;

test('protobuf (HTTP and gRPC): mutated export requests never throw', async () => {
  const all = [...samples(FILES, noShared), ...OWN];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...all),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 6,
      }),
      async ([bytes, signal], edits) => {
        let b = Buffer.from(bytes);
        for (const [at, value, kind] of edits) {
          const i = b.length === 0 ? 0 : at % b.length;
          if (kind === 0) b[i] = value;
          else if (kind === 1) b = b.subarray(0, i);
          else if (kind === 2) b = Buffer.concat([b.subarray(0, i), Buffer.from([value]), b.subarray(i)]);
          else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + (value % 8))]);
        }
        checkOutcome(await handleExport(signal, 'protobuf', b, targets(), 'otel', 'fuzz'));
      },
    ),
    fuzzOptions(),
  );
});

test('protobuf: random bytes never throw', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 400 }),
      fc.constantFrom<Signal>('logs', 'traces', 'metrics'),
      async (b, s) => checkOutcome(await handleExport(s, 'protobuf', b, targets(), 'otel', 'fuzz')),
    ),
    fuzzOptions(),
  );
});

test('OTLP/JSON: mutated export requests never throw', { skip: sharedSkip(CAPTURES) }, async () => {
  const all = samples(JSON_FILES, noShared);
  const texts = all.map(([b]) => Buffer.from(b).toString('utf8'));
  await fc.assert(
    fc.asyncProperty(mutatedText(texts), fc.nat(), async (text, i) => {
      const signal = all[i % all.length]![1];
      checkOutcome(await handleExport(signal, 'json', Buffer.from(text), targets(), 'otel', 'fuzz'));
    }),
    fuzzOptions(),
  );
});

test('OTLP/JSON: structurally odd documents never throw', async () => {
  const small = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const anyJson = fc.oneof(
    small,
    fc.array(small, { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom('stringValue', 'intValue', 'kvlistValue', 'values', 'key', 'value'),
      small,
      { maxKeys: 3 },
    ),
  );
  const few = { maxLength: 3 };
  const fields = fc.constantFrom('body', 'traceId', 'timeUnixNano', 'severityNumber', 'attributes', 'spanId');
  const keyed = fc.record({
    resourceLogs: fc.array(
      fc.record({
        scopeLogs: fc.array(fc.record({ logRecords: fc.array(fc.dictionary(fields, anyJson), few) }), few),
      }),
      few,
    ),
  });
  await fc.assert(
    fc.asyncProperty(fc.oneof(anyJson, keyed), async (doc) =>
      checkOutcome(
        await handleExport(
          'logs',
          'json',
          Buffer.from(JSON.stringify(doc) ?? 'null'),
          targets(),
          'otel',
          'fuzz',
        ),
      ),
    ),
    fuzzOptions(),
  );
});
