import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import snappy from 'snappy';
import { fuzzOptions } from '../testing/fuzz.js';
import { decodeWriteRequest, RemoteWriteError, WriteRequestType } from './remote-write.js';

const SAMPLE = Buffer.from(
  WriteRequestType.encode(
    WriteRequestType.fromObject({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'x_bucket' },
            { name: 'le', value: '1' },
          ],
          samples: [{ value: 1, timestamp: 1000 }],
        },
        {
          labels: [{ name: '__name__', value: 'n' }],
          histograms: [
            {
              count_int: 3,
              schema: 2,
              positive_spans: [{ offset: -2, length: 2 }],
              positive_deltas: [1, 1],
              timestamp: 5,
            },
          ],
        },
      ],
    }),
  ).finish(),
);

/** Mutate a byte string: flip, delete, insert, truncate. */
const mutated = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(3), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
  )
  .map(([edits, compressAfter]) => {
    let b = Buffer.from(SAMPLE);
    for (const [kind, at, byte] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (kind === 0) b[i] = byte;
      else if (kind === 1) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      else if (kind === 2) b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      else b = b.subarray(0, i);
    }
    return compressAfter ? snappy.compressSync(b) : b;
  });

test('remote-write decoder: any bytes give points or a RemoteWriteError, never a crash', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        mutated,
        fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      ),
      (body) => {
        try {
          const points = decodeWriteRequest(body, 1 << 20);
          for (const p of points) {
            assert.ok(p.name.length > 0);
            if (p.kind === 'histogram') assert.equal(p.bucketCounts!.length, p.bounds!.length + 1);
          }
        } catch (error) {
          assert.ok(error instanceof RemoteWriteError, String(error));
        }
      },
    ),
    fuzzOptions(),
  );
});
