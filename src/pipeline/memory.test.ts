import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OverloadedError } from '../sources/source.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { defaultBudgetMb, MemoryGuard, storeMemoryLimit } from './memory.js';
import { Pipeline } from './pipeline.js';

test('over the memory budget, receivers are pushed back until memory is under 90% of it', async () => {
  const stored: number[] = [];
  // The store holds the first batch until the end: under pressure a batch is admitted only into
  // an empty queue, so something must be queued for the push-back to show.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pipeline = new Pipeline(
    {
      append: async (inputs) => {
        await gate;
        stored.push(inputs.length);
      },
    },
    { batchMaxEvents: 100, flushIntervalMs: 0, maxQueueEvents: 1000 },
    [],
    new Metrics(),
    silentLogger,
  );
  let rss = 100;
  const changes: boolean[] = [];
  const guard = new MemoryGuard(
    1000,
    pipeline,
    (over) => changes.push(over),
    () => rss,
  );
  const batch = { source: 's', records: [{ text: '{"a":1}', position: 'line 1' }] };
  guard.check();
  const first = pipeline.submit(batch, { wait: false });
  await new Promise((r) => setTimeout(r, 5));
  rss = 1001;
  guard.check();
  await assert.rejects(pipeline.submit(batch, { wait: false }), OverloadedError, 'HTTP gets 429');
  let done = false;
  const waiting = pipeline.submit(batch, { wait: true }).then(() => (done = true));
  rss = 950; // under the budget but not under 90%: still pushing back
  guard.check();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'TCP waits');
  rss = 800;
  guard.check();
  release();
  assert.equal((await first).accepted, 1);
  await waiting;
  assert.deepEqual(changes, [true, false]);
  assert.equal(guard.trips, 1);
  await pipeline.close();
  assert.equal(
    stored.reduce((a, b) => a + b, 0),
    2,
  );
});

test('the default budget is a quarter of the machine within bounds, and the store gets 40%', () => {
  const budget = defaultBudgetMb();
  assert.ok(budget >= 512 && budget <= 4096);
  assert.equal(storeMemoryLimit(1000), '400MB');
});
