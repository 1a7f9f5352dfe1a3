import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DroppedRecords } from './dropped.js';

test('the dropped sample keeps the newest records per source, cut to size, and a bounded set of sources', () => {
  let clock = 0;
  const dropped = new DroppedRecords(3, 2, 10, () => ++clock);
  for (let i = 0; i < 5; i++)
    dropped.record('a', 'invalid_json', { position: `line ${i}`, raw: 'x'.repeat(i * 5) });
  const a = dropped.list({ source: 'a' });
  assert.deepEqual(
    a.map((e) => e.position),
    ['line 4', 'line 3', 'line 2'],
  );
  assert.equal(a[0]!.raw, 'x'.repeat(10));
  assert.equal(a[0]!.truncated, true);
  assert.equal(a[2]!.truncated, undefined);
  dropped.record('b', 'overloaded', {}, 500);
  dropped.record('c', 'too_large');
  // Three sources, room for two: the one that dropped longest ago is forgotten.
  assert.deepEqual(dropped.list({ source: 'a' }), []);
  assert.equal(dropped.list().length, 2);
  assert.equal(dropped.list({ reason: 'overloaded' })[0]!.count, 500);
  assert.equal(dropped.list({ limit: 1 })[0]!.source, 'c');
});
