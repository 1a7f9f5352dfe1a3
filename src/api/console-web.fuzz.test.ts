/**
 * Fuzzing the console's text handling: completion never throws and only offers names that start
 * with the typed word; Prometheus text never throws and yields only finite-named samples; CSV
 * written from any cells reads back as the same cells (formula-like cells with their guard quote).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions, hostileText } from '../testing/fuzz.js';
import { loadWebModules, type WebModules } from './console-web.testing.js';

let web: WebModules;
before(async () => {
  web = await loadWebModules();
});

/** A strict RFC 4180 reader, to check the writer against. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

test('completion: never throws, suggestions extend the typed word', () => {
  const complete = web.get<
    (
      t: string,
      c: number,
      f: string[],
    ) => { start: number; end: number; prefix: string; suggestions: string[] } | undefined
  >('complete', 'complete');
  const fields = ['src_ip', 'src_port', 'source', 'user', 'user.name', 'unmapped.CommandLine', 'CommandLine'];
  fc.assert(
    fc.property(hostileText, fc.nat(), (text, n) => {
      const caret = text.length === 0 ? 0 : n % (text.length + 1);
      const c = complete(text, caret, fields);
      if (!c) return;
      assert.ok(c.start <= caret && caret <= c.end);
      assert.equal(text.slice(c.start, caret), c.prefix);
      for (const s of c.suggestions) assert.ok(s.toLowerCase().startsWith(c.prefix.toLowerCase()));
    }),
    fuzzOptions(),
  );
});

test('Prometheus text: never throws; every sample has a metric name and a number', () => {
  const parse = web.get<(t: string) => { name: string; labels: Record<string, string>; value: number }[]>(
    'prometheus',
    'parsePrometheus',
  );
  fc.assert(
    fc.property(hostileText, (text) => {
      for (const s of parse(text)) {
        assert.match(s.name, /^[a-zA-Z_:][\w:]*$/);
        assert.equal(typeof s.value, 'number');
      }
    }),
    fuzzOptions(),
  );
});

test('CSV: any cells read back the same (formula-like ones behind a quote)', () => {
  const toCsv = web.get<(c: string[], r: unknown[][]) => string>('export', 'toCsv');
  fc.assert(
    fc.property(fc.array(fc.array(hostileText, { minLength: 2, maxLength: 2 }), { maxLength: 5 }), (rows) => {
      const back = readCsv(toCsv(['a', 'b'], rows));
      const guard = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      assert.deepEqual(back, [['a', 'b'], ...rows.map((r) => r.map(guard))]);
    }),
    fuzzOptions(),
  );
});
