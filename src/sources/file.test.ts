import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileSource } from './file.js';
import type { FileCheckpoint } from './file/checkpoint.js';
import { harness, numbered, sleep, waitFor, type Harness } from './file/testkit.js';

const T = { timeout: 20_000 };

async function withHarness(fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function checkpoints(h: Harness, name = 'files'): FileCheckpoint[] {
  const text = readFileSync(join(h.dataDir, 'sources', `${name}.checkpoints.json`), 'utf8');
  return (JSON.parse(text) as { files: FileCheckpoint[] }).files;
}

function lineNumbers(h: Harness, prefix: string): number[] {
  return h.sink
    .texts()
    .filter((t) => t.startsWith(prefix + ' '))
    .map((t) => Number(t.slice(prefix.length + 1)));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function rejectedCount(h: Harness, reason: string): Promise<number> {
  const m = await h.metrics.rejected.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('file source config', () => {
  test('defaults are applied and bad options fail fast', () => {
    const c = fileSource.schema.parse({ type: 'file', include: ['/var/log/*.log'] });
    assert.equal(c.start_at, 'beginning');
    assert.equal(c.poll_interval_ms, 250);
    assert.equal(c.glob_interval_ms, 2000);
    assert.equal(c.max_line_bytes, 1 << 20);
    assert.equal(c.batch_max_lines, 2000);
    assert.equal(c.fingerprint_bytes, 1024);
    assert.equal(c.encoding, 'utf8');
    assert.deepEqual(c.exclude, []);
    assert.equal(c.format, undefined);
    assert.equal(c.multiline, undefined);
    assert.equal(fileSource.schema.safeParse({ type: 'file', include: [] }).success, false);
    assert.equal(fileSource.schema.safeParse({ type: 'file' }).success, false);
    assert.equal(fileSource.schema.safeParse({ type: 'syslog', include: ['x'] }).success, false);
    assert.equal(
      fileSource.schema.safeParse({ type: 'file', include: ['x'], start_at: 'middle' }).success,
      false,
    );
    assert.equal(
      fileSource.schema.safeParse({ type: 'file', include: ['x'], includ: ['typo'] }).success,
      false,
    );
    const badRegex = fileSource.schema.safeParse({
      type: 'file',
      include: ['x'],
      multiline: { start_pattern: '(' },
    });
    assert.equal(badRegex.success, false);
    assert.match(JSON.stringify(badRegex.error?.issues), /not a valid regular expression/);
    const ml = fileSource.schema.parse({
      type: 'file',
      include: ['x'],
      multiline: { start_pattern: '^\\S' },
    });
    assert.deepEqual(ml.multiline, { start_pattern: '^\\S', max_lines: 500, timeout_ms: 1000 });
  });

  test('describe() lists the globs', () =>
    withHarness(async (h) => {
      const s = await h.start({ include: [join(h.dir, '*.log'), join(h.dir, '*.txt')], exclude: ['*.gz'] });
      assert.equal(s.describe(), `files ${join(h.dir, '*.log')}, ${join(h.dir, '*.txt')} excluding *.gz`);
      assert.equal(s.name, 'files');
    }));
});

describe('file source reading', () => {
  test('reads existing files from the beginning, with positions, format and counts', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 5));
      await h.start({ include: [join(h.dir, '*.log')], format: 'syslog' });
      await waitFor(() => h.sink.records.length === 5, '5 records');
      assert.deepEqual(h.sink.records[0], { text: 'a 1', position: `${a} line 1`, format: 'syslog' });
      assert.deepEqual(
        h.sink.records.map((r) => r.position),
        range(1, 5).map((n) => `${a} line ${n}`),
      );
      assert.ok(h.sink.batches.every((b) => b.source === 'files'));
      const received = await h.metrics.received.get();
      assert.equal(received.values.find((v) => v.labels.source === 'files')?.value, 5);
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file discovered: ${a}`)));
    }),
  );

  test('records carry no format when none is configured', T, () =>
    withHarness(async (h) => {
      writeFileSync(join(h.dir, 'a.log'), 'x\n');
      await h.start({ include: [join(h.dir, 'a.log')] });
      await waitFor(() => h.sink.records.length === 1, '1 record');
      assert.equal('format' in h.sink.records[0]!, false);
    }),
  );

  test('appends and newly created files are picked up', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('n', 1, 2));
      await h.start({ include: [join(h.dir, '*.log')] });
      await waitFor(() => h.sink.records.length === 2, 'first lines');
      appendFileSync(a, numbered('n', 3, 4));
      await waitFor(() => h.sink.records.length === 4, 'appended lines');
      writeFileSync(join(h.dir, 'b.log'), numbered('b', 1, 3));
      await waitFor(() => h.sink.records.length === 7, 'lines of a new file');
      assert.deepEqual(lineNumbers(h, 'n'), [1, 2, 3, 4]);
      assert.deepEqual(lineNumbers(h, 'b'), [1, 2, 3]);
    }),
  );

  test('start_at end skips existing lines of files found at startup, not of later files', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, 'old 1\nold 2\npartial');
      await h.start({ include: [join(h.dir, '*.log')], start_at: 'end' });
      appendFileSync(a, 'ly written\nnew 4\n');
      await waitFor(() => h.sink.records.length === 2, 'appended lines');
      assert.deepEqual(h.sink.records, [
        { text: 'partially written', position: `${a} line 3` },
        { text: 'new 4', position: `${a} line 4` },
      ]);
      writeFileSync(join(h.dir, 'b.log'), numbered('b', 1, 2));
      await waitFor(() => h.sink.records.length === 4, 'lines of a file created later');
      assert.deepEqual(lineNumbers(h, 'b'), [1, 2]);
    }),
  );

  test('start_at end: files created while the source was stopped are read from the start', T, () =>
    withHarness(async (h) => {
      writeFileSync(join(h.dir, 'old.log'), numbered('old', 1, 3));
      const first = await h.start({ include: [join(h.dir, '*.log')], start_at: 'end' });
      await sleep(30);
      await first.stop();
      writeFileSync(join(h.dir, 'app-2.log'), numbered('day2', 1, 4)); // e.g. date-named rotation
      await h.start({ include: [join(h.dir, '*.log')], start_at: 'end' });
      await waitFor(() => h.sink.records.length === 4, '4 records');
      assert.deepEqual(lineNumbers(h, 'day2'), [1, 2, 3, 4]);
      await sleep(60);
      assert.deepEqual(lineNumbers(h, 'old'), []);
    }),
  );

  test('a partial last line waits for its LF', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      const b = join(h.dir, 'b.log');
      writeFileSync(a, 'complete\nparti');
      await h.start({ include: [join(h.dir, '*.log')] });
      await waitFor(() => h.sink.records.length === 1, 'the complete line');
      appendFileSync(a, 'al');
      writeFileSync(b, 'clock\n'); // proves polling went on meanwhile
      await waitFor(() => h.sink.texts().includes('clock'), 'the other file');
      await sleep(80); // a few more polls of a.log
      assert.deepEqual(h.sink.texts(), ['complete', 'clock']);
      appendFileSync(a, ' line\r\n');
      await waitFor(() => h.sink.records.length === 3, 'the completed line');
      assert.deepEqual(h.sink.records[2], { text: 'partial line', position: `${a} line 2` });
    }),
  );

  test('CRLF line endings are stripped; invalid UTF-8 is replaced; a BOM is dropped', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(
        a,
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from('one\r\ntwo\r\n'),
          Buffer.from([0x62, 0x61, 0x64, 0xc3, 0x28, 0x0d, 0x0a]),
        ]),
      );
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 3, '3 records');
      assert.deepEqual(h.sink.texts(), ['one', 'two', 'bad\ufffd(']);
    }),
  );

  test('a line over max_line_bytes is dropped, counted and logged with file and line', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, `short\n${'x'.repeat(300)}\nafter\n`);
      await h.start({ include: [a], max_line_bytes: 50 });
      await waitFor(() => h.sink.records.length === 2, '2 records');
      assert.deepEqual(
        h.sink.records.map((r) => [r.text, r.position]),
        [
          ['short', `${a} line 1`],
          ['after', `${a} line 3`],
        ],
      );
      assert.equal(await rejectedCount(h, 'line_too_long'), 1);
      const warn = h.logs.find((l) => l.msg.includes('max_line_bytes'));
      assert.ok(warn, 'a warning was logged');
      assert.match(warn.msg, new RegExp(`^${a} line 2 is 300 bytes`));
      assert.equal(warn.path, a);
      assert.equal(warn.line, 2);
    }),
  );

  test('many files via a glob, with excludes by file name and by path', T, () =>
    withHarness(async (h) => {
      mkdirSync(join(h.dir, 'sub'));
      mkdirSync(join(h.dir, 'deep', 'er'), { recursive: true });
      for (let i = 0; i < 30; i++) writeFileSync(join(h.dir, `f${i}.log`), numbered(`f${i}`, 1, 20));
      writeFileSync(join(h.dir, 'deep', 'er', 'd.log'), numbered('d', 1, 3));
      writeFileSync(join(h.dir, 'skip-me.log'), numbered('skip', 1, 3));
      writeFileSync(join(h.dir, 'sub', 'hidden.log'), numbered('hidden', 1, 3));
      writeFileSync(join(h.dir, 'notes.txt'), numbered('txt', 1, 3));
      await h.start({
        include: [join(h.dir, '**/*.log')],
        exclude: ['skip-*', join(h.dir, 'sub/**')],
        batch_max_lines: 7,
      });
      await waitFor(() => h.sink.records.length === 603, '603 records');
      await sleep(100);
      // Counted per file, so a failure names the file that was read twice or not excluded.
      const perFile = new Map<string, number>();
      for (const r of h.sink.records) {
        const file = r.position.replace(/ line \d+$/, '');
        perFile.set(file, (perFile.get(file) ?? 0) + 1);
      }
      assert.deepEqual(
        [...perFile].filter(([, n]) => n !== 20 && n !== 3),
        [],
      );
      assert.equal(perFile.size, 31, [...perFile.keys()].join(', '));
      for (let i = 0; i < 30; i++) assert.deepEqual(lineNumbers(h, `f${i}`), range(1, 20));
      assert.deepEqual(lineNumbers(h, 'd'), [1, 2, 3]);
      assert.ok(h.sink.batches.every((b) => b.records.length <= 7));
    }),
  );

  test('multiline records are joined; the last one is emitted after the quiet period', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, '2024-05-01 boom\n  at f()\n  at g()\n2024-05-01 ok\n');
      await h.start({ include: [a], multiline: { start_pattern: '^\\d{4}-', timeout_ms: 100 } });
      await waitFor(() => h.sink.records.length === 2, '2 records');
      assert.deepEqual(h.sink.records, [
        { text: '2024-05-01 boom\n  at f()\n  at g()', position: `${a} line 1` },
        { text: '2024-05-01 ok', position: `${a} line 4` },
      ]);
    }),
  );
});

describe('file source backpressure and failures', () => {
  test('one batch in flight per file; batches bounded by batch_max_lines', T, () =>
    withHarness(async (h) => {
      writeFileSync(join(h.dir, 'a.log'), numbered('a', 1, 100));
      writeFileSync(join(h.dir, 'b.log'), numbered('b', 1, 50));
      h.sink.delayMs = 15;
      await h.start({ include: [join(h.dir, '*.log')], batch_max_lines: 10 });
      await waitFor(() => h.sink.records.length === 150, '150 records');
      assert.equal(h.sink.maxInFlightPerFile, 1);
      assert.equal(h.sink.batches.length, 15);
      assert.deepEqual(lineNumbers(h, 'a'), range(1, 100));
      assert.deepEqual(lineNumbers(h, 'b'), range(1, 50));
    }),
  );

  test('a failing sink is retried with backoff until it succeeds; nothing lost or repeated', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 30));
      h.sink.failures = 4;
      await h.start({ include: [a], batch_max_lines: 10 });
      await waitFor(() => h.sink.records.length === 30, '30 records');
      assert.deepEqual(lineNumbers(h, 'a'), range(1, 30));
      assert.equal(h.sink.calls, 3 + 4);
      assert.equal(h.logs.filter((l) => l.msg.includes('failed; retrying')).length, 4);
      await waitFor(() => checkpoints(h)[0]!.line === 30, 'the checkpoint to be saved'); // just after the ack
    }),
  );

  test('stop() waits for the in-flight batch and saves its checkpoint', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 5));
      h.sink.delayMs = 200;
      const s = await h.start({ include: [a] });
      await waitFor(() => h.sink.calls === 1, 'the submit to start');
      await s.stop();
      assert.equal(h.sink.records.length, 5);
      const [cp] = checkpoints(h);
      assert.equal(cp!.offset, statSync(a).size);
      assert.equal(cp!.line, 5);
      h.sink.delayMs = 0;
      await h.start({ include: [a] });
      appendFileSync(a, 'sentinel\n');
      await waitFor(() => h.sink.records.length === 6, 'the sentinel');
      assert.deepEqual(h.sink.records[5], { text: 'sentinel', position: `${a} line 6` });
    }),
  );

  test('stop() with a failing sink returns; the unacknowledged lines are read again later', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 3));
      h.sink.failures = Number.POSITIVE_INFINITY;
      const s = await h.start({ include: [a] });
      await waitFor(() => h.sink.calls >= 2, 'retries');
      await s.stop();
      assert.equal(h.sink.records.length, 0);
      assert.deepEqual(
        checkpoints(h).map((c) => [c.offset, c.line]),
        [[0, 0]],
      );
      h.sink.failures = 0;
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 3, '3 records');
      assert.deepEqual(lineNumbers(h, 'a'), [1, 2, 3]);
    }),
  );
});

describe('file source restarts', () => {
  test('a new instance resumes exactly after the last acknowledged line', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 10));
      const first = await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 10, '10 records');
      await first.stop();
      assert.deepEqual(
        checkpoints(h).map((c) => [c.path, c.offset, c.line]),
        [[a, statSync(a).size, 10]],
      );
      appendFileSync(a, numbered('a', 11, 15) + 'a 1');
      await h.start({ include: [a], start_at: 'end' });
      await waitFor(() => h.sink.records.length === 15, '15 records');
      appendFileSync(a, '6\n');
      await waitFor(() => h.sink.records.length === 16, '16 records');
      assert.deepEqual(lineNumbers(h, 'a'), range(1, 16));
      assert.equal(h.sink.records[15]!.position, `${a} line 16`);
    }),
  );

  test('a held multiline record is not committed: after a restart it is emitted once', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, 'S one\n c\nS two\n c2\n');
      const first = await h.start({ include: [a], multiline: { start_pattern: '^S', timeout_ms: 60_000 } });
      await waitFor(() => h.sink.records.length === 1, 'the first record');
      await first.stop();
      assert.deepEqual(
        checkpoints(h).map((c) => [c.offset, c.line]),
        [[9, 2]],
      );
      await h.start({ include: [a], multiline: { start_pattern: '^S', timeout_ms: 50 } });
      await waitFor(() => h.sink.records.length === 2, 'the second record');
      assert.deepEqual(h.sink.records[1], { text: 'S two\n c2', position: `${a} line 3` });
    }),
  );

  test('a file rotated while stopped is read to its end; its successor from the start', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, numbered('a', 1, 10));
      const first = await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 10, '10 records');
      await first.stop();
      appendFileSync(a, numbered('a', 11, 15) + 'last words');
      renameSync(a, `${a}.1`);
      writeFileSync(a, numbered('a', 16, 18));
      // start_at end must not skip the successor of a file we were following.
      await h.start({ include: [a], start_at: 'end' });
      await waitFor(() => h.sink.records.length === 19, '19 records');
      assert.deepEqual(
        lineNumbers(h, 'a').sort((x, y) => x - y),
        range(1, 18),
      );
      assert.ok(h.sink.records.some((r) => r.text === 'last words' && r.position === `${a}.1 line 16`));
      assert.ok(h.sink.records.some((r) => r.text === 'a 16' && r.position === `${a} line 1`));
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file rotated while stopped: ${a} -> ${a}.1`)));
    }),
  );

  test('inode reuse: same device and inode with other content is a new file', T, (t) =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('old', 1, 3));
      const first = await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 3, '3 records');
      await first.stop();
      const before = statSync(a).ino;
      unlinkSync(a);
      writeFileSync(a, numbered('fresh', 1, 20)); // longer than the checkpoint's offset
      const reused = statSync(a).ino === before;
      await h.start({ include: [a], start_at: 'end' });
      await waitFor(() => h.sink.records.length === 23, '23 records');
      assert.deepEqual(lineNumbers(h, 'fresh'), range(1, 20));
      const how = h.logs.filter((l) => l.msg.startsWith(`file discovered: ${a}`)).at(-1)!.msg;
      if (reused) {
        assert.match(how, /reused inode/);
      } else {
        t.diagnostic('the OS gave the new file another inode; resolveCheckpoint covers reuse directly');
        assert.match(how, /from the start/);
      }
    }),
  );

  test('a file truncated and rewritten while stopped is read again from 0', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('one', 1, 5));
      const first = await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 5, '5 records');
      await first.stop();
      writeFileSync(a, numbered('two', 1, 2)); // same inode, shorter
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 7, '7 records');
      assert.deepEqual(lineNumbers(h, 'two'), [1, 2]);
      assert.ok(h.logs.some((l) => /truncated since its checkpoint/.test(l.msg)));
    }),
  );

  test('a changed device number (reboot, remount) does not make a file new', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('a', 1, 10));
      const first = await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 10, '10 records');
      await first.stop();
      const file = join(h.dataDir, 'sources', 'files.checkpoints.json');
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { files: FileCheckpoint[] };
      saved.files[0]!.dev = String(BigInt(saved.files[0]!.dev) + 7n);
      writeFileSync(file, JSON.stringify(saved));
      appendFileSync(a, numbered('a', 11, 12));
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 12, '12 records');
      assert.deepEqual(lineNumbers(h, 'a'), range(1, 12));
      assert.ok(h.logs.some((l) => l.msg === `device number of ${a} changed`));
      await waitFor(() => checkpoints(h).length === 1 && checkpoints(h)[0]!.line === 12, 'one checkpoint');
    }),
  );

  test('a corrupt checkpoint file makes start() fail, naming the file', T, () =>
    withHarness(async (h) => {
      mkdirSync(join(h.dataDir, 'sources'), { recursive: true });
      const file = join(h.dataDir, 'sources', 'files.checkpoints.json');
      writeFileSync(file, '{"version":1,"files":[{');
      await assert.rejects(h.start({ include: [join(h.dir, '*.log')] }), (err: Error) =>
        err.message.includes(file),
      );
    }),
  );
});

describe('file source rotation and truncation', () => {
  /**
   * Write numbered lines, rotating by rename every `per` lines; the writer keeps writing a few
   * lines to the old descriptor after each rename, like an application before it reopens. A file
   * must live for at least one glob interval to be seen at all, so the next rotation waits until
   * the new file was discovered (real rotations are minutes apart).
   */
  async function writeWithRenames(h: Harness, path: string, rotations: number, per: number): Promise<number> {
    const discovered = (): number =>
      h.logs.filter((l) => l.msg.startsWith(`file discovered: ${path};`)).length;
    let fd = openSync(path, 'a');
    let n = 0;
    for (let r = 1; r <= rotations; r++) {
      await waitFor(() => discovered() === r, `generation ${r} to be discovered`);
      for (let i = 0; i < per; i++) {
        writeSync(fd, `line ${++n}\n`);
        if (i % 25 === 0) await sleep(3); // let the source poll mid-stream
      }
      renameSync(path, `${path}.${r}`);
      for (let i = 0; i < 7; i++) writeSync(fd, `line ${++n}\n`);
      closeSync(fd);
      fd = openSync(path, 'a');
    }
    for (let i = 0; i < per; i++) writeSync(fd, `line ${++n}\n`);
    closeSync(fd);
    return n;
  }

  test('rename rotation while writing: no line lost or repeated (rotated files outside the glob)', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, '');
      await h.start({ include: [a] });
      const total = await writeWithRenames(h, a, 4, 120);
      await waitFor(() => h.sink.records.length >= total, `${total} records`);
      await waitFor(
        () => h.logs.filter((l) => l.msg.startsWith('finished reading')).length === 4,
        'rotated files to be finished',
      );
      assert.deepEqual(
        lineNumbers(h, 'line').sort((x, y) => x - y),
        range(1, total),
      );
      assert.equal(h.sink.records.length, total);
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file rotated: ${a} -> ${a}.`)));
      // A batch comes from one file, whose lines are a contiguous run: it must ascend by one.
      for (const b of h.sink.batches) {
        const ns = b.records.map((r) => Number(r.text.slice(5)));
        assert.deepEqual(ns, range(ns[0]!, ns[0]! + ns.length - 1));
      }
      // The live file's checkpoint is at its end.
      await waitFor(
        () => checkpoints(h).some((c) => c.path === a && c.offset === statSync(a).size),
        'the live file checkpoint',
      );
    }),
  );

  test('rename rotation where the rotated names still match the glob', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, '');
      await h.start({ include: [join(h.dir, 'app.log*')] });
      const total = await writeWithRenames(h, a, 3, 100);
      await waitFor(() => h.sink.records.length >= total, `${total} records`);
      await sleep(150);
      assert.deepEqual(
        lineNumbers(h, 'line').sort((x, y) => x - y),
        range(1, total),
      );
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file renamed: ${a} -> ${a}.`)));
    }),
  );

  test('the unterminated last line of a rotated file is emitted once the file is quiet', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, 'first\ncut off');
      await h.start({ include: [join(h.dir, 'app.log*')] });
      await waitFor(() => h.sink.records.length === 1, 'the first line');
      renameSync(a, `${a}.1`); // still matched by the glob: followed on, but finished
      await waitFor(() => h.sink.records.length === 2, 'the unterminated line');
      assert.deepEqual(h.sink.records[1], { text: 'cut off', position: `${a}.1 line 2` });
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file renamed: ${a} -> ${a}.1`)));
      // A live file's unterminated line is still held meanwhile.
      writeFileSync(a, 'live\nhalf');
      await waitFor(() => h.sink.texts().includes('live'), 'the new file');
      await sleep(250); // well past finish_idle_ms
      assert.equal(h.sink.texts().includes('half'), false);
    }),
  );

  test('a deleted file is still read to its end, then forgotten', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('d', 1, 3));
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 3, '3 records');
      const fd = openSync(a, 'a');
      unlinkSync(a);
      writeSync(fd, numbered('d', 4, 6) + 'unterminated');
      closeSync(fd);
      await waitFor(() => h.sink.records.length === 7, '7 records');
      assert.deepEqual(h.sink.texts().slice(3), ['d 4', 'd 5', 'd 6', 'unterminated']);
      await waitFor(() => h.logs.some((l) => l.msg.startsWith('finished reading')), 'the file to be closed');
      await waitFor(() => checkpoints(h).length === 0, 'its checkpoint to be dropped');
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file deleted: ${a}`)));
    }),
  );

  test('copytruncate: the file is read again from 0 after it shrinks', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'app.log');
      writeFileSync(a, numbered('before', 1, 50));
      await h.start({ include: [join(h.dir, '*.log')] });
      await waitFor(() => h.sink.records.length === 50, '50 records');
      copyFileSync(a, join(h.dir, 'app.log.1'));
      truncateSync(a, 0);
      appendFileSync(a, numbered('after', 1, 10));
      await waitFor(() => h.sink.records.length === 60, '60 records');
      appendFileSync(a, numbered('after', 11, 12));
      await waitFor(() => h.sink.records.length === 62, '62 records');
      assert.deepEqual(lineNumbers(h, 'before'), range(1, 50));
      assert.deepEqual(lineNumbers(h, 'after'), range(1, 12));
      assert.deepEqual(
        h.sink.records.slice(50).map((r) => r.position),
        range(1, 12).map((n) => `${a} line ${n}`),
      );
      assert.ok(h.logs.some((l) => l.msg.startsWith(`file truncated: ${a}`)));
    }),
  );

  test('truncated and rewritten longer before a poll: the changed first bytes reveal it', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, numbered('v1', 1, 3));
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 3, '3 records');
      writeFileSync(a, numbered('v2', 1, 40)); // O_TRUNC + one write, far past the old offset
      await waitFor(() => h.sink.records.length === 43, '43 records');
      assert.deepEqual(lineNumbers(h, 'v2'), range(1, 40));
      await sleep(80);
      assert.equal(h.sink.records.length, 43);
    }),
  );

  test(
    'truncated and rewritten to its old size with the same first bytes: the last bytes read reveal it',
    T,
    () =>
      withHarness(async (h) => {
        const a = join(h.dir, 'a.log');
        writeFileSync(a, 'x1 first\n');
        await h.start({ include: [a], fingerprint_bytes: 3 });
        await waitFor(() => h.sink.records.length === 1, 'the first line');
        await sleep(60); // several polls: the tailer has seen this size and mtime
        writeFileSync(a, 'x1 other\n'); // same size, same fingerprint, between two polls
        await waitFor(() => h.sink.records.length === 2, 'the rewritten line');
        assert.deepEqual(h.sink.records[1], { text: 'x1 other', position: `${a} line 1` });
        appendFileSync(a, 'x1 more\n');
        await waitFor(() => h.sink.records.length === 3, 'the appended line');
        assert.deepEqual(h.sink.records[2], { text: 'x1 more', position: `${a} line 2` });
        assert.ok(h.logs.some((l) => l.msg.startsWith(`file rewritten from its start: ${a}`)));
      }),
  );

  test('a partial line left in a truncated file is emitted, not lost', T, () =>
    withHarness(async (h) => {
      const a = join(h.dir, 'a.log');
      writeFileSync(a, 'full\nhalf a li');
      await h.start({ include: [a] });
      await waitFor(() => h.sink.records.length === 1, 'the full line');
      await sleep(60); // the partial line has been read by now
      truncateSync(a, 0);
      await waitFor(() => h.sink.records.length === 2, 'the partial line');
      assert.deepEqual(h.sink.records[1], { text: 'half a li', position: `${a} line 2` });
      appendFileSync(a, 'new\n');
      await waitFor(() => h.sink.records.length === 3, 'the new line');
      assert.deepEqual(h.sink.records[2], { text: 'new', position: `${a} line 1` });
    }),
  );
});
