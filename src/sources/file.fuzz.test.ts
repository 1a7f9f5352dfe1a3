/**
 * Property tests of the file source: framing is independent of how bytes arrive and of where a
 * checkpoint cut the stream; and a live source, under random writes (cut anywhere), rename
 * rotations (in and out of the glob, with late writes to the old descriptor), copytruncate,
 * deletion and restarts, emits every line exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, renameSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FUZZ_RUNS, fuzzOptions } from '../testing/fuzz.js';
import { LineSplitter, type SplitItem } from './file/lines.js';
import { harness, sleep, waitFor, type FileSourceInput, type Harness } from './file/testkit.js';
import type { Source } from './source.js';

/** Reference framing: split on LF, strip one CR, long lines dropped, a final fragment kept. */
function reference(bytes: Buffer, max: number): (string | null)[] {
  const out: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    if (nl < 0 && start === bytes.length) break;
    let line = bytes.subarray(start, end);
    if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
    if (line.length > max) out.push(null);
    else {
      const bom = start === 0 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf;
      out.push(line.toString('utf8', bom ? 3 : 0));
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

const lineBytes = fc
  .array(
    fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\r', '\n', ' ', '\t'), maxLength: 30 }),
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('latin1')),
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.from(parts.join('\n'), 'utf8'));

test('framing does not depend on chunking, and resuming at any resume point loses and repeats nothing', () => {
  fc.assert(
    fc.property(
      lineBytes,
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.integer({ min: 1, max: 40 }),
      fc.nat(),
      (bytes, points, max, stopAfter) => {
        const chunks = cut(bytes, points);
        const whole: SplitItem[] = [];
        const s = new LineSplitter({ maxLineBytes: max, encoding: 'utf8' });
        let resumed: { offset: number; line: number } | null = null;
        let itemsAtResume = 0;
        chunks.forEach((c, i) => {
          s.push(c);
          for (let item = s.next(); item; item = s.next()) whole.push(item);
          if (i === stopAfter % chunks.length) {
            resumed = s.resumePoint;
            itemsAtResume = whole.length;
          }
        });
        const last = s.finish();
        if (last) whole.push(last);
        assert.deepEqual(
          whole.map((i) => (i.kind === 'line' ? i.text : null)),
          reference(bytes, max),
        );
        // Items tile the input: each starts where the previous ended, numbered consecutively.
        whole.forEach((item, i) => {
          assert.equal(item.start, i === 0 ? 0 : whole[i - 1]!.end);
          assert.equal(item.line, i + 1);
        });
        assert.equal(whole.at(-1)?.end ?? 0, bytes.length);
        // A new splitter started at a checkpoint yields exactly the remaining items.
        const from = resumed ?? { offset: 0, line: 0 };
        const again = new LineSplitter({ maxLineBytes: max, encoding: 'utf8' }, from);
        again.push(bytes.subarray(from.offset));
        const rest: SplitItem[] = [];
        for (let item = again.next(); item; item = again.next()) rest.push(item);
        const tail = again.finish();
        if (tail) rest.push(tail);
        // A BOM is only recognised at offset 0, which a resumed splitter also sees when from is 0.
        assert.deepEqual(rest, whole.slice(itemsAtResume));
      },
    ),
    fuzzOptions(),
  );
});

type Op =
  | { kind: 'write'; lines: number; fragment: number; pieces: number[]; pause: boolean }
  | { kind: 'rotate'; inGlob: boolean; late: number }
  | { kind: 'copytruncate' }
  | { kind: 'delete' }
  | { kind: 'restart'; writeWhileStopped: number; rotateWhileStopped: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      lines: fc.integer({ min: 0, max: 40 }),
      fragment: fc.nat({ max: 30 }),
      pieces: fc.array(fc.nat(), { maxLength: 6 }),
      pause: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rotate' as const),
      inGlob: fc.boolean(),
      late: fc.integer({ min: 0, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'copytruncate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('restart' as const),
      writeWhileStopped: fc.integer({ min: 0, max: 10 }),
      rotateWhileStopped: fc.boolean(),
    }),
  },
);

/**
 * The writer and its model. Every line is unique (`<segment>#<n> payload`); each physical file
 * content (a segment) is kept, so the expected records are its lines, plus the unterminated
 * fragment of a file that was rotated away or deleted.
 */
class Writer {
  private segment = 0;
  private counter = 0;
  private fd: number;
  private bytes: Buffer[] = [];
  private pending: Buffer | null = null;
  private readonly finished: Buffer[] = [];
  rotations = 0;

  constructor(
    private readonly path: string,
    private readonly dir: string,
  ) {
    this.fd = openSync(path, 'a');
  }

  private nextLine(): Buffer {
    this.counter += 1;
    const payload = ['', ' é€', ' 😀\r', ' x'.repeat(this.counter % 7)][this.counter % 4];
    return Buffer.from(`s${this.segment}#${this.counter}${payload}\n`);
  }

  private put(fd: number, data: Buffer): void {
    if (data.length === 0) return;
    writeSync(fd, data);
    this.bytes.push(data);
  }

  /** Finish the pending line, write `n` lines, then part of one more; in `pieces` writes. */
  async write(n: number, fragment: number, pieces: number[], pause: boolean): Promise<void> {
    const parts: Buffer[] = [];
    if (this.pending) parts.push(this.pending);
    this.pending = null;
    for (let i = 0; i < n; i++) parts.push(this.nextLine());
    if (fragment > 0) {
      const line = this.nextLine();
      const k = fragment % line.length;
      parts.push(line.subarray(0, k));
      this.pending = k > 0 ? line.subarray(k) : null;
      if (k === 0) this.counter -= 1;
    }
    for (const chunk of cut(Buffer.concat(parts), pieces)) {
      this.put(this.fd, chunk);
      if (pause) await sleep(1);
    }
  }

  async completeLine(): Promise<void> {
    await this.write(0, 0, [], false);
  }

  /** Close the current file's segment (its content is final) and start a new one. */
  private newSegment(): void {
    this.finished.push(Buffer.concat(this.bytes));
    this.bytes = [];
    this.pending = null;
    this.segment += 1;
  }

  /** Rename away; the old descriptor gets `late` more lines; a new file takes the name. */
  async rotate(inGlob: boolean, late: number): Promise<void> {
    this.rotations += 1;
    const target = join(this.dir, inGlob ? `app.log.${this.rotations}` : `old.${this.rotations}`);
    renameSync(this.path, target);
    await this.write(late, late, [late * 7], false);
    closeSync(this.fd);
    this.newSegment();
    this.fd = openSync(this.path, 'a');
  }

  /** Unlink the file (everything in it was read already) and start a new one. */
  delete(): void {
    unlinkSync(this.path);
    closeSync(this.fd);
    this.newSegment();
    this.fd = openSync(this.path, 'a');
  }

  /** copytruncate without the copy: lines end first, and were all read already. */
  truncate(): void {
    truncateSync(this.path, 0);
    this.newSegment();
  }

  /** A fresh complete line, to see that the source follows the current file. */
  async marker(): Promise<string> {
    await this.completeLine();
    await this.write(1, 0, [], false);
    return `s${this.segment}#${this.counter}`;
  }

  expected(): string[] {
    const out: string[] = [];
    for (const seg of [...this.finished, Buffer.concat(this.bytes)]) {
      for (const text of reference(seg, Number.MAX_SAFE_INTEGER)) out.push(text!);
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

const INTEGRATION_RUNS = Math.min(300, Math.max(5, Math.round(FUZZ_RUNS / 150)));

test(
  'a live source under random writes, rotations, truncations and restarts emits each line once',
  { timeout: 600_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 8 }),
        fc.record({
          start_at: fc.constantFrom('beginning' as const, 'end' as const),
          batch_max_lines: fc.integer({ min: 1, max: 50 }),
          fingerprint_bytes: fc.integer({ min: 1, max: 64 }),
        }),
        async (ops, options) => {
          const h: Harness = await harness();
          const a = join(h.dir, 'app.log');
          const w = new Writer(a, h.dir);
          const config: Omit<Partial<FileSourceInput>, 'type'> & Pick<FileSourceInput, 'include'> = {
            include: [join(h.dir, 'app.log*')],
            ...options,
            poll_interval_ms: 5,
            glob_interval_ms: 10,
            finish_idle_ms: 80,
          };
          const seen = (m: string): boolean => h.sink.texts().some((t) => t === m || t.startsWith(`${m} `));
          const caughtUp = (what: string): Promise<void> =>
            waitFor(() => h.sink.records.length >= w.expected().length, what, 10_000);
          const follow = async (): Promise<void> => {
            const m = await w.marker();
            await waitFor(() => seen(m), `marker ${m}`, 10_000);
          };
          try {
            let source: Source = await h.start(config);
            await follow();
            for (const op of ops) {
              switch (op.kind) {
                case 'write':
                  await w.write(op.lines, op.fragment, op.pieces, op.pause);
                  break;
                case 'rotate':
                  await w.rotate(op.inGlob, op.late);
                  await follow();
                  break;
                case 'copytruncate':
                  await w.completeLine();
                  await caughtUp('lines before the truncation');
                  w.truncate();
                  await follow();
                  break;
                case 'delete':
                  await w.completeLine();
                  await caughtUp('lines before the deletion');
                  w.delete();
                  await follow();
                  break;
                case 'restart':
                  await source.stop();
                  await w.write(op.writeWhileStopped, 3, [5], false);
                  if (op.rotateWhileStopped) await w.rotate(false, 2);
                  source = await h.start(config);
                  await follow();
                  break;
              }
            }
            await w.completeLine();
            const expected = w.expected();
            await caughtUp(`${expected.length} records`);
            await sleep(config.finish_idle_ms! + 40); // room for a duplicate to show up
            assert.deepEqual(h.sink.texts().sort(), expected.sort());
          } finally {
            w.close();
            await h.close();
          }
        },
      ),
      { ...fuzzOptions(), numRuns: INTEGRATION_RUNS },
    );
  },
);
