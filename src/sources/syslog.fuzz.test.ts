import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzOptions } from '../testing/fuzz.js';
import { splitDatagram, SyslogFramer, type FramerEvent } from './syslog.js';

/** Bytes that steer the framer: digits, space, `<`, terminators, plus anything else. */
const framingBytes = fc.uint8Array({ maxLength: 1500 }).chain((noise) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(0x30, 0x31, 0x32, 0x35, 0x39, 0x20, 0x3c, 0x0a, 0x0d, 0x00),
        fc.integer({ min: 0, max: 255 }),
      ),
      {
        maxLength: 600,
      },
    )
    .map((steer) => Buffer.concat([Buffer.from(steer), Buffer.from(noise)])),
);

/** Cut points into a buffer: each chunk boundary anywhere, including empty chunks. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function frameAll(max: number, chunks: Buffer[]): FramerEvent[] {
  const framer = new SyslogFramer(max);
  return [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];
}

const summary = (events: FramerEvent[]) =>
  events.map((e) => (e.type === 'frame' ? `frame:${e.bytes.toString('hex')}` : `error:${e.reason}`));

test('framer: any bytes, any chunking: the same frames and errors as in one piece', () => {
  fc.assert(
    fc.property(
      framingBytes,
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.integer({ min: 480, max: 700 }),
      (bytes, cuts, max) => {
        const whole = frameAll(max, [bytes]);
        const pieces = frameAll(max, chunked(bytes, cuts));
        assert.deepEqual(summary(pieces), summary(whole));
        for (const e of whole) if (e.type === 'frame') assert.ok(e.bytes.length > 0 && e.bytes.length <= max);
      },
    ),
    fuzzOptions(),
  );
});

test('framer: octet-counted messages come back exactly; oversized ones are reported in their place', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 900 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (messages, cuts) => {
        const max = 480;
        const stream = Buffer.concat(messages.flatMap((m) => [Buffer.from(`${m.length} `), Buffer.from(m)]));
        const events = frameAll(max, chunked(stream, cuts));
        assert.deepEqual(
          summary(events),
          messages.map((m) =>
            m.length <= max ? `frame:${Buffer.from(m).toString('hex')}` : 'error:oversized',
          ),
        );
      },
    ),
    fuzzOptions(),
  );
});

test('framer: LF-delimited lines come back exactly (CR before LF dropped); oversized ones are reported', () => {
  const line = fc
    .uint8Array({ minLength: 1, maxLength: 700 })
    .map((b) => Buffer.from(b.map((x) => (x === 0x0a || x === 0x00 ? 0x20 : x))))
    // not starting with a digit (that would select octet counting), not ending with CR
    .map((b) => Buffer.concat([Buffer.from('<'), b.at(-1) === 0x0d ? b.subarray(0, -1) : b]));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\0')), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (lines, cuts) => {
        const max = 480;
        const stream = Buffer.concat(lines.flatMap(([l, end]) => [l, Buffer.from(end)]));
        const events = frameAll(max, chunked(stream, cuts));
        assert.deepEqual(
          summary(events),
          lines.map(([l, end]) =>
            l.length + (end === '\r\n' ? 1 : 0) <= max ? `frame:${l.toString('hex')}` : 'error:oversized',
          ),
        );
      },
    ),
    fuzzOptions(),
  );
});

test('splitDatagram: pieces are non-empty, end without terminators, and keep every other byte', () => {
  fc.assert(
    fc.property(framingBytes, (bytes) => {
      const pieces = splitDatagram(bytes);
      for (const p of pieces) {
        assert.ok(p.length > 0);
        assert.ok(![0x0a, 0x0d, 0x00].includes(p[p.length - 1]!));
      }
      // Dropped are only the LF between pieces and terminators at each piece's end.
      const kept = pieces.reduce((n, p) => n + p.length, 0);
      assert.ok(kept <= bytes.length);
      const strip = (b: Buffer) => b.toString('latin1').replace(/[\r\n\0]/g, '');
      assert.equal(pieces.map(strip).join(''), strip(bytes));
    }),
    fuzzOptions(),
  );
});
