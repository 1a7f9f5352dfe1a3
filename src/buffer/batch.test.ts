import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBatch, encodeBatch, type BufferedBatch } from './batch.js';
import { BatchDecodeError } from './errors.js';

const sample: BufferedBatch = {
  source: 'http-in',
  receivedAt: 1_763_800_000_123,
  records: [
    {
      text: '<34>Oct 11 22:14:15 mymachine su: failed for lonvick',
      position: 'tcp 10.0.0.1:5000 frame 1',
      format: 'syslog',
    },
    { text: '{"EventID":4625,"Computer":"dc01 – ünïcödé 🚀"}', position: 'body line 2' },
    { text: '', position: '' },
  ],
};

describe('buffered batch codec', () => {
  test('round trip', () => {
    assert.deepEqual(decodeBatch(encodeBatch(sample)), sample);
  });

  test('lone surrogates round-trip exactly (stored as UTF-16)', () => {
    const batch: BufferedBatch = {
      source: 'x\ud800',
      receivedAt: 0,
      records: [{ text: 'a\udc00b', position: '\ud83d', format: 'json\udfff' }],
    };
    assert.deepEqual(decodeBatch(encodeBatch(batch)), batch);
  });

  test('a JSON record travels as its text; a decoder-made value is kept, integers beyond 2^53 exactly', () => {
    const records = [
      { text: '{"a":1}', position: 'p', value: { a: 1 } },
      {
        text: '1.5\tC1\t10.0.0.1',
        position: 'conn.log line 9',
        format: 'zeek',
        value: { ts: 1.5, uid: 'C1', big: 2n ** 64n },
      },
    ];
    const decoded = decodeBatch(encodeBatch({ source: 's', receivedAt: 5, records }));
    assert.deepEqual(decoded.records, [{ text: '{"a":1}', position: 'p' }, records[1]]);
  });

  test('an empty batch round-trips', () => {
    const batch = { source: 's', receivedAt: -1, records: [] };
    assert.deepEqual(decodeBatch(encodeBatch(batch)), batch);
  });

  test('every truncation is a BatchDecodeError with an offset', () => {
    const bytes = encodeBatch(sample);
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(
        () => decodeBatch(bytes.subarray(0, cut)),
        (e: unknown) => e instanceof BatchDecodeError && e.offset >= 0 && e.offset <= cut,
        `cut at ${cut}`,
      );
    }
  });

  test('unknown version, trailing bytes and an impossible count are refused', () => {
    const bytes = encodeBatch(sample);
    const wrongVersion = Buffer.from(bytes);
    wrongVersion[0] = 9;
    assert.throws(() => decodeBatch(wrongVersion), /unknown batch version 9/);
    assert.throws(() => decodeBatch(Buffer.concat([bytes, Buffer.from([0])])), /1 trailing bytes/);
    const hugeCount = Buffer.from(bytes);
    hugeCount.writeUInt32LE(0xffffffff, 9);
    assert.throws(() => decodeBatch(hugeCount), BatchDecodeError);
  });

  test('a Uint8Array view decodes like a Buffer', () => {
    const bytes = encodeBatch(sample);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    assert.deepEqual(decodeBatch(padded.subarray(5, 5 + bytes.length)), sample);
  });
});
