import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, MultilineGrouper, type LineItem, type SplitItem } from './lines.js';

function splitAll(chunks: (string | Buffer)[], max = 100, from = { offset: 0, line: 0 }): SplitItem[] {
  const s = new LineSplitter({ maxLineBytes: max, encoding: 'utf8' }, from);
  const out: SplitItem[] = [];
  for (const c of chunks) {
    s.push(typeof c === 'string' ? Buffer.from(c) : c);
    for (let item = s.next(); item; item = s.next()) out.push(item);
  }
  return out;
}

const texts = (items: SplitItem[]): (string | null)[] =>
  items.map((i) => (i.kind === 'line' ? i.text : null));

describe('LineSplitter', () => {
  test('splits on LF with offsets and 1-based line numbers', () => {
    const items = splitAll(['ab\ncd', 'e\n\nf']);
    assert.deepEqual(items, [
      { kind: 'line', text: 'ab', line: 1, start: 0, end: 3 },
      { kind: 'line', text: 'cde', line: 2, start: 3, end: 7 },
      { kind: 'line', text: '', line: 3, start: 7, end: 8 },
    ]);
  });

  test('holds a partial line until its LF arrives, and resumePoint stays at its start', () => {
    const s = new LineSplitter({ maxLineBytes: 100, encoding: 'utf8' });
    s.push(Buffer.from('one\ntw'));
    assert.equal((s.next() as LineItem).text, 'one');
    assert.equal(s.next(), null);
    assert.deepEqual(s.resumePoint, { offset: 4, line: 1 });
    assert.equal(s.readOffset, 6);
    s.push(Buffer.from('o\n'));
    assert.deepEqual(s.next(), { kind: 'line', text: 'two', line: 2, start: 4, end: 8 });
    assert.deepEqual(s.resumePoint, { offset: 8, line: 2 });
  });

  test('strips one CR before LF, even when CR and LF arrive in different chunks', () => {
    assert.deepEqual(texts(splitAll(['a\r\nb\r', '\nc\r\r\n'])), ['a', 'b', 'c\r']);
  });

  test('resumes numbering and offsets from a checkpoint', () => {
    const items = splitAll(['x\n'], 100, { offset: 50, line: 7 });
    assert.deepEqual(items, [{ kind: 'line', text: 'x', line: 8, start: 50, end: 52 }]);
  });

  test('drops a line over maxLineBytes without buffering it, in any chunking', () => {
    const long = 'y'.repeat(25);
    const content = `ok\n${long}\r\nafter\n`;
    for (let size = 1; size <= content.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < content.length; i += size) chunks.push(content.slice(i, i + size));
      const items = splitAll(chunks, 10);
      assert.equal(items.length, 3, `chunk size ${size}`);
      assert.deepEqual(items[1], { kind: 'too_long', line: 2, start: 3, end: 30, bytes: 25 });
      assert.deepEqual(items[2], { kind: 'line', text: 'after', line: 3, start: 30, end: 36 });
    }
  });

  test('a line of exactly maxLineBytes (plus CR) is kept', () => {
    assert.deepEqual(texts(splitAll(['0123456789\r\n'], 10)), ['0123456789']);
    assert.deepEqual(texts(splitAll(['01234567890\n'], 10)), [null]);
  });

  test('while a too-long line is incomplete, resumePoint stays at its start', () => {
    const s = new LineSplitter({ maxLineBytes: 4, encoding: 'utf8' });
    s.push(Buffer.from('a\nbbbbbbbbbb'));
    assert.equal((s.next() as LineItem).text, 'a');
    assert.equal(s.next(), null);
    assert.deepEqual(s.resumePoint, { offset: 2, line: 1 });
    assert.equal(s.bufferedBytes, 10);
  });

  test('finish() emits the unterminated last line (CR stripped) and then nothing', () => {
    const s = new LineSplitter({ maxLineBytes: 100, encoding: 'utf8' });
    s.push(Buffer.from('a\nlast\r'));
    assert.equal((s.next() as LineItem).text, 'a');
    assert.equal(s.next(), null);
    assert.deepEqual(s.finish(), { kind: 'line', text: 'last', line: 2, start: 2, end: 7 });
    assert.equal(s.finish(), null);
    assert.deepEqual(s.resumePoint, { offset: 7, line: 2 });
  });

  test('finish() reports an unterminated over-long line as too long', () => {
    const s = new LineSplitter({ maxLineBytes: 3, encoding: 'utf8' });
    s.push(Buffer.from('abcdefgh'));
    assert.equal(s.next(), null);
    assert.deepEqual(s.finish(), { kind: 'too_long', line: 1, start: 0, end: 8, bytes: 8 });
  });

  test('replaces invalid UTF-8 and strips a BOM at offset 0 only', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const items = splitAll([
      Buffer.concat([
        bom,
        Buffer.from('first\n'),
        Buffer.from([0x61, 0xff, 0x62, 0x0a]),
        bom,
        Buffer.from('x\n'),
      ]),
    ]);
    assert.deepEqual(texts(items), ['first', 'a\ufffdb', '\ufeffx']);
    // Not at offset 0 (resumed mid-file): kept.
    assert.deepEqual(
      texts(splitAll([Buffer.concat([bom, Buffer.from('y\n')])], 100, { offset: 9, line: 1 })),
      ['\ufeffy'],
    );
  });

  test('a multi-byte character split across chunks is decoded whole', () => {
    const bytes = Buffer.from('é€😀\n');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(texts(splitAll(chunks)), ['é€😀']);
  });

  test('latin1 decodes every byte', () => {
    const s = new LineSplitter({ maxLineBytes: 100, encoding: 'latin1' });
    s.push(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    assert.equal((s.next() as LineItem).text, 'café');
  });

  test('reset() drops buffered bytes and restarts numbering', () => {
    const s = new LineSplitter({ maxLineBytes: 100, encoding: 'utf8' });
    s.push(Buffer.from('abc\ndef'));
    s.reset({ offset: 0, line: 0 });
    assert.equal(s.readOffset, 0);
    s.push(Buffer.from('new\n'));
    assert.deepEqual(s.next(), { kind: 'line', text: 'new', line: 1, start: 0, end: 4 });
  });
});

describe('MultilineGrouper', () => {
  const lines = (...t: string[]): LineItem[] => {
    let at = 0;
    return t.map((text, i) => {
      const item: LineItem = { kind: 'line', text, line: i + 1, start: at, end: at + text.length + 1 };
      at = item.end;
      return item;
    });
  };

  test('joins continuation lines to the line that starts the record', () => {
    const g = new MultilineGrouper({ startPattern: /^\d{4}-/, maxLines: 100, maxBytes: 1000 });
    const out = lines('2024-01 boom', '  at a()', '  at b()', '2024-02 next', 'tail').map((l) => g.push(l));
    assert.deepEqual(out[3], { text: '2024-01 boom\n  at a()\n  at b()', line: 1, start: 0, end: 31 });
    assert.deepEqual(
      out.filter((r) => r !== null),
      [out[3]],
    );
    assert.deepEqual(g.held, { offset: 31, line: 3 });
    assert.deepEqual(g.flush(), { text: '2024-02 next\ntail', line: 4, start: 31, end: 49 });
    assert.equal(g.held, null);
  });

  test('leading continuation lines form a record of their own', () => {
    const g = new MultilineGrouper({ startPattern: /^START/, maxLines: 100, maxBytes: 1000 });
    const [a, b, c] = lines('  orphan', '  more', 'START x');
    assert.equal(g.push(a!), null);
    assert.equal(g.push(b!), null);
    assert.equal(g.push(c!)?.text, '  orphan\n  more');
  });

  test('max_lines and maxBytes bound a record; the excess starts a new one', () => {
    const g = new MultilineGrouper({ startPattern: /^S/, maxLines: 2, maxBytes: 1000 });
    const out = lines('S', 'c1', 'c2', 'c3').map((l) => g.push(l));
    assert.deepEqual(
      out.map((r) => r?.text ?? null),
      [null, null, 'S\nc1', null],
    );
    assert.equal(g.flush()?.text, 'c2\nc3');
    const h = new MultilineGrouper({ startPattern: /^S/, maxLines: 100, maxBytes: 6 });
    const out2 = lines('S1', 'c1', 'c2').map((l) => h.push(l));
    assert.equal(out2[2]?.text, 'S1\nc1');
  });
});
