import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRAME_HEADER_BYTES, encodeFrame, frameBytes, payloadMatches, readFrameHeader } from './record.js';

describe('WAL frame', () => {
  test('round trip: header fields and payload checksum', () => {
    const payload = Buffer.from('hello, write-ahead log');
    const frame = encodeFrame(2 ** 40 + 7, payload);
    assert.equal(frame.length, frameBytes(payload.length));
    const header = readFrameHeader(frame, 0, 1 << 20);
    assert.ok(typeof header !== 'string', String(header));
    assert.equal(header.seq, 2 ** 40 + 7);
    assert.equal(header.payloadBytes, payload.length);
    assert.ok(payloadMatches(frame.subarray(FRAME_HEADER_BYTES), header));
    assert.deepEqual(frame.subarray(FRAME_HEADER_BYTES), payload);
  });

  test('the largest safe sequence number survives', () => {
    const header = readFrameHeader(encodeFrame(Number.MAX_SAFE_INTEGER, Buffer.alloc(0)), 0, 10);
    assert.ok(typeof header !== 'string');
    assert.equal(header.seq, Number.MAX_SAFE_INTEGER);
  });

  test('every single-bit flip of the header is rejected', () => {
    const frame = encodeFrame(42, Buffer.from('payload'));
    for (let byte = 0; byte < FRAME_HEADER_BYTES; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(frame);
        copy[byte]! ^= 1 << bit;
        assert.equal(typeof readFrameHeader(copy, 0, 1 << 20), 'string', `byte ${byte} bit ${bit}`);
      }
    }
  });

  test('a flipped payload bit fails the payload checksum', () => {
    const frame = encodeFrame(1, Buffer.from('payload bytes'));
    const header = readFrameHeader(frame, 0, 100);
    assert.ok(typeof header !== 'string');
    frame[FRAME_HEADER_BYTES + 3]! ^= 0x10;
    assert.equal(payloadMatches(frame.subarray(FRAME_HEADER_BYTES), header), false);
  });

  test('a length above the limit is refused by the header check', () => {
    const frame = encodeFrame(1, Buffer.alloc(100));
    assert.match(String(readFrameHeader(frame, 0, 99)), /exceeds/);
  });
});
