import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { decodeBatch, encodeBatch, type BufferedBatch } from './batch.js';
import { BatchDecodeError } from './errors.js';
import { encodeFrame } from './record.js';
import { scanSegment } from './scan.js';
import { MemFs } from './testing-fs.js';
import { Wal } from './wal.js';

const DIR = '/wal';
const SEGMENT = `${DIR}/00000000000000000001.wal`;
const SECOND = `${DIR}/00000000000000000007.wal`;

/** Deterministic payloads, some of which contain frame-like bytes (the magic) to tempt resync. */
const originals = new Map<number, Buffer>();
for (let seq = 1; seq <= 10; seq++) {
  const body = Buffer.from(`payload ${seq} `.repeat(seq * 3));
  originals.set(seq, seq % 3 === 0 ? Buffer.concat([body, Buffer.from([0xf7, 0x56, 0x57, 1]), body]) : body);
}
const frames = (from: number, to: number): Buffer =>
  Buffer.concat(
    [...originals].filter(([seq]) => seq >= from && seq <= to).map(([seq, p]) => encodeFrame(seq, p)),
  );
const validSegment = frames(1, 6).toString('latin1');
/** Entry 1 carries whole valid frames (2 and 3) in its payload: a resync must never surface them. */
const nestedPayload = Buffer.concat([frames(2, 3), Buffer.from('tail')]);
const nestedSegment = Buffer.concat([encodeFrame(1, nestedPayload), frames(2, 6)]).toString('latin1');

/** True when `payload` is what was written under `seq` in one of the samples. */
const written = (seq: number, payload: Buffer): boolean =>
  originals.get(seq)?.equals(payload) === true || (seq === 1 && nestedPayload.equals(payload));

/** Opens a WAL over the given segment files and replays it; checks every entry is an original. */
async function openAndReplay(files: Record<string, Buffer>, maxSegment = 1 << 16): Promise<number> {
  const fs = new MemFs();
  await fs.mkdir(DIR);
  for (const [path, bytes] of Object.entries(files)) fs.files.set(path, bytes);
  const wal = await Wal.open({ dir: DIR, fs, segmentBytes: maxSegment, maxBytes: 1 << 20 });
  let last = 0;
  let count = 0;
  for await (const entry of wal.replay(0)) {
    assert.ok(entry.seq > last, `seq ${entry.seq} after ${last}`);
    last = entry.seq;
    assert.ok(written(entry.seq, entry.payload), `entry ${entry.seq} is not what was written`);
    count++;
  }
  // The recovered log still takes appends, above everything it holds.
  const { firstSeq } = await wal.append(Buffer.from('after'));
  assert.ok(firstSeq > last);
  await wal.close();
  return count;
}

const bytesOf = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('WAL fuzz', () => {
  test('random bytes as a segment: open and replay never throw and yield nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileText.map(bytesOf), fc.uint8Array({ maxLength: 2000 }).map(Buffer.from)),
        async (junk) => {
          assert.equal(await openAndReplay({ [SEGMENT]: junk }), 0);
        },
      ),
      fuzzOptions(),
    );
  });

  test('mutated segments: only intact original entries come out, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutatedText([validSegment, nestedSegment]),
        mutatedText([frames(7, 10).toString('latin1')]),
        async (first, second) => {
          await openAndReplay({ [SEGMENT]: bytesOf(first), [SECOND]: bytesOf(second) });
        },
      ),
      fuzzOptions(),
    );
  });

  test('the scan is the same whatever the read size (window boundaries)', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutatedText([validSegment]),
        fc.integer({ min: 1, max: 300 }),
        async (text, chunkBytes) => {
          const fs = new MemFs();
          await fs.mkdir(DIR);
          fs.files.set(SEGMENT, bytesOf(text));
          const file = await fs.open(SEGMENT, 'read');
          const scan = async (chunk?: number): Promise<unknown[]> => {
            const items: unknown[] = [];
            const options = {
              end: text.length,
              maxPayloadBytes: 1 << 16,
              withPayload: true,
              chunkBytes: chunk,
            };
            for await (const item of scanSegment(file, options)) items.push(item);
            return items;
          };
          assert.deepEqual(await scan(chunkBytes), await scan());
        },
      ),
      fuzzOptions(),
    );
  });

  test('decodeBatch on hostile bytes throws nothing but BatchDecodeError', () => {
    const valid = encodeBatch({
      source: 'src',
      receivedAt: 1,
      records: [
        { text: 'a', position: 'p', format: 'json' },
        { text: 'b\ud800', position: 'q' },
      ],
    }).toString('latin1');
    fc.assert(
      fc.property(fc.oneof(hostileText, mutatedText([valid])), (text) => {
        try {
          decodeBatch(bytesOf(text));
        } catch (error) {
          assert.ok(error instanceof BatchDecodeError, String(error));
        }
      }),
      fuzzOptions(),
    );
  });

  test('every batch round-trips exactly', () => {
    const record = fc.record(
      { text: hostileText, position: hostileText, format: hostileText },
      { requiredKeys: ['text', 'position'], noNullPrototype: true },
    );
    const batch: fc.Arbitrary<BufferedBatch> = fc.record(
      {
        source: hostileText,
        receivedAt: fc.double(),
        records: fc.array(record, { maxLength: 8 }),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(batch, (b) => {
        assert.deepEqual(decodeBatch(encodeBatch(b)), b);
      }),
      fuzzOptions(),
    );
  });
});
