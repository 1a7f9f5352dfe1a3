import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BufferedBatch } from '../buffer/batch.js';
import type { Journal } from '../buffer/journal.js';
import { OverloadedError, type RawRecord } from '../sources/source.js';
import type { StoreInput } from '../store/duckdb.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { Pipeline, type EventWriter } from './pipeline.js';

class FakeWriter implements EventWriter {
  batches: StoreInput[][] = [];
  failNext = 0;
  gate: Promise<void> = Promise.resolve();
  async append(inputs: readonly StoreInput[]): Promise<void> {
    await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk on fire');
    }
    this.batches.push([...inputs]);
  }
  get stored(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

const records = (n: number, prefix = 'r'): RawRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    text: JSON.stringify({ message: `${prefix}${i}` }),
    position: `line ${i + 1}`,
  }));

function pipeline(writer: EventWriter, options: Partial<ConstructorParameters<typeof Pipeline>[1]> = {}) {
  const metrics = new Metrics();
  const p = new Pipeline(
    writer,
    { batchMaxEvents: 100, flushIntervalMs: 1, maxQueueEvents: 1000, ...options },
    [],
    metrics,
    silentLogger,
  );
  return { p, metrics };
}

describe('pipeline', () => {
  test('a submission resolves only after its events are written', async () => {
    const writer = new FakeWriter();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const { p } = pipeline(writer);
    let acked = false;
    const done = p.submit({ source: 's', records: records(5) }).then((r) => {
      acked = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(acked, false, 'not acknowledged before the write');
    open();
    assert.deepEqual(await done, { accepted: 5, rejected: 0, errors: [] });
    assert.equal(writer.stored, 5);
  });

  test('bad records are rejected with source, position and reason; good ones in the same batch are kept', async () => {
    const writer = new FakeWriter();
    const { p, metrics } = pipeline(writer);
    const result = await p.submit({
      source: 'api',
      records: [
        { text: '{"message":"fine"}', position: 'line 1' },
        { text: '{"message":', position: 'line 2', format: 'json' },
        { text: '<999>bad pri', position: 'line 3', format: 'syslog' },
      ],
    });
    assert.equal(result.accepted, 1);
    assert.equal(result.rejected, 2);
    assert.equal(result.errors[0]!.position, 'api: line 2');
    assert.equal(result.errors[0]!.reason, 'invalid_json');
    const text = await metrics.registry.metrics();
    assert.match(text, /vigil_events_rejected_total\{source="api",reason="invalid_json"\} 1/);
  });

  test('concurrent submissions share transactions (group commit) up to batchMaxEvents', async () => {
    const writer = new FakeWriter();
    const { p } = pipeline(writer, { batchMaxEvents: 50, flushIntervalMs: 5 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.submit({ source: 's', records: records(10, `b${i}-`) })),
    );
    assert.equal(writer.stored, 100);
    assert.ok(writer.batches.length <= 4, `10 submissions in ${writer.batches.length} writes`);
    assert.ok(writer.batches.every((b) => b.length <= 50));
  });

  test('a full queue answers OverloadedError without waiting, or makes the caller wait', async () => {
    const writer = new FakeWriter();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const { p } = pipeline(writer, { maxQueueEvents: 10, batchMaxEvents: 10 });
    const first = p.submit({ source: 's', records: records(10) });
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(p.submit({ source: 's', records: records(1) }, { wait: false }), OverloadedError);
    let secondDone = false;
    const second = p
      .submit({ source: 's', records: records(5) }, { wait: true })
      .then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(secondDone, false, 'waits for room');
    open();
    await first;
    await second;
    assert.equal(writer.stored, 15);
  });

  test('over the memory budget: one batch at a time is admitted, the rest pushed back until it clears', async () => {
    const writer = new FakeWriter();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const { p } = pipeline(writer, { maxQueueEvents: 1000, batchMaxEvents: 10 });
    p.setMemoryPressure(true);
    // An empty queue admits a batch, so ingest never stalls for good.
    const first = p.submit({ source: 's', records: records(3) }, { wait: false });
    await new Promise((r) => setTimeout(r, 5));
    // With something queued, pressure pushes back although the queue has room.
    await assert.rejects(p.submit({ source: 's', records: records(1) }, { wait: false }), OverloadedError);
    let waitedDone = false;
    const waited = p.submit({ source: 's', records: records(2) }).then(() => (waitedDone = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(waitedDone, false, 'a waiting source waits');
    p.setMemoryPressure(false);
    open();
    await first;
    await waited;
    assert.equal(writer.stored, 5);
  });

  test('a failed write is retried, never dropped', async () => {
    const writer = new FakeWriter();
    writer.failNext = 2;
    const { p, metrics } = pipeline(writer);
    const result = await p.submit({ source: 's', records: records(3) });
    assert.equal(result.accepted, 3);
    assert.equal(writer.stored, 3);
    assert.match(await metrics.registry.metrics(), /vigil_store_errors_total 2/);
  });

  test('close() stores everything queued', async () => {
    const writer = new FakeWriter();
    const { p } = pipeline(writer, { flushIntervalMs: 10_000, batchMaxEvents: 1000 });
    const pending = p.submit({ source: 's', records: records(7) });
    await p.close();
    await pending;
    assert.equal(writer.stored, 7);
  });

  test('with a buffer: acknowledged once buffered, stored in buffer order with each seq, released after', async () => {
    const writer = new FakeWriter();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const released: number[] = [];
    let nextSeq = 0;
    const buffered: BufferedBatch[] = [];
    const journal: Journal = {
      // The second append finishes first: the store must still get seq 1 before seq 2.
      append: async (batch) => {
        const seq = ++nextSeq;
        buffered.push(batch);
        await new Promise((r) => setTimeout(r, seq === 1 ? 30 : 0));
        return seq;
      },
      release: (seq) => released.push(seq),
      whenWritable: async () => undefined,
    };
    const { p } = pipeline(writer, { journal, flushIntervalMs: 50 });
    const bad = { text: '{"broken', position: 'line 9' };
    const [a, b] = await Promise.all([
      p.submit({ source: 's', records: [...records(2, 'a'), bad] }),
      p.submit({ source: 's', records: records(2, 'b') }),
    ]);
    assert.equal(a.accepted, 2);
    assert.equal(a.rejected, 1);
    assert.equal(b.accepted, 2);
    assert.equal(writer.stored, 0, 'acknowledged before the store wrote anything');
    assert.deepEqual(
      buffered[0]!.records.map((r) => r.text),
      records(2, 'a').map((r) => r.text),
      'only accepted records are buffered',
    );
    open();
    await p.flush();
    const stored = writer.batches.flat();
    assert.deepEqual(
      stored.map((i) => [i.walSeq, i.event.message]),
      [
        [1, 'a0'],
        [1, 'a1'],
        [2, 'b0'],
        [2, 'b1'],
      ],
    );
    assert.deepEqual(released.at(-1), 2);
  });

  test('a full buffer pushes back: HTTP gets OverloadedError, a waiting source waits for room', async () => {
    const writer = new FakeWriter();
    let full = true;
    let room!: () => void;
    const journal: Journal = {
      append: async () => {
        if (full) throw new OverloadedError(2);
        return 7;
      },
      release: () => undefined,
      whenWritable: () => new Promise<void>((r) => (room = r)),
    };
    const { p } = pipeline(writer, { journal });
    await assert.rejects(p.submit({ source: 'http', records: records(1) }, { wait: false }), OverloadedError);
    assert.equal(p.depth, 0, 'a refused batch takes no room');
    let done = false;
    const waiting = p
      .submit({ source: 'tcp', records: records(1) }, { wait: true })
      .then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false);
    full = false;
    room();
    await waiting;
    await p.flush();
    assert.equal(writer.batches.flat()[0]!.walSeq, 7);
  });

  test('replay stores what the buffer held, in order, with its seqs', async () => {
    const writer = new FakeWriter();
    const { p } = pipeline(writer);
    async function* entries() {
      yield { seq: 4, batch: { source: 'syslog', receivedAt: 1000, records: records(2, 'x') } };
      yield { seq: 5, batch: { source: 'http', receivedAt: 2000, records: records(1, 'y') } };
    }
    assert.equal(await p.replay(entries()), 3);
    assert.deepEqual(
      writer.batches.flat().map((i) => [i.walSeq, i.source, i.event.message, i.event.metadata.logged_time]),
      [
        [4, 'syslog', 'x0', 1000],
        [4, 'syslog', 'x1', 1000],
        [5, 'http', 'y0', 2000],
      ],
    );
  });
});
