import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BufferFullError, EntryTooLargeError, StorageError, WalClosedError } from './errors.js';
import { FRAME_HEADER_BYTES, frameBytes } from './record.js';
import { TestFs } from './testing-fs.js';
import { Wal, type WalEntry, type WalOptions } from './wal.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-wal-test-'));
  dirs.push(dir);
  return join(dir, 'buffer');
}

/** A payload whose content says which entry it is, of a chosen size. */
function payload(i: number, size = 64): Buffer {
  const text = `entry ${i} `;
  return Buffer.from(text.repeat(Math.ceil(size / text.length)).slice(0, size));
}

async function all(wal: Wal, afterSeq = 0): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const entry of wal.replay(afterSeq)) out.push(entry);
  return out;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort();
}

async function filled(count: number, options: Partial<WalOptions> = {}): Promise<{ dir: string; wal: Wal }> {
  const dir = options.dir ?? tempDir();
  const wal = await Wal.open({ dir, ...options });
  for (let i = 1; i <= count; i++) await wal.append(payload(i));
  return { dir, wal };
}

describe('WAL append and replay', () => {
  test('entries come back in order with their sequence numbers, after reopening', async () => {
    const { dir, wal } = await filled(50);
    assert.equal(wal.lastSeq, 50);
    await wal.close();
    const reopened = await Wal.open({ dir });
    assert.equal(reopened.recovery.entries, 50);
    assert.equal(reopened.recovery.tornTails.length, 0);
    assert.equal(reopened.recovery.corruptions.length, 0);
    const entries = await all(reopened);
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    entries.forEach((e) => assert.deepEqual(e.payload, payload(e.seq)));
    assert.deepEqual((await reopened.append(payload(51))).firstSeq, 51);
    await reopened.close();
  });

  test('an array append takes consecutive sequence numbers, all in one write', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs });
    await wal.append(payload(0));
    const writes = fs.writes;
    const result = await wal.append([payload(1), payload(2), payload(3)]);
    assert.deepEqual(result, { firstSeq: 2, lastSeq: 4 });
    assert.equal(fs.writes, writes + 1);
    assert.deepEqual(
      (await all(wal, 1)).map((e) => e.payload.toString()),
      [1, 2, 3].map((i) => payload(i).toString()),
    );
    await wal.close();
  });

  test('replay(afterSeq) starts after afterSeq, across segments, skipping whole segments', async () => {
    const fs = new TestFs();
    const { wal } = await filled(60, { segmentBytes: 1024, maxBytes: 1 << 20, fs });
    assert.ok(wal.stats().segments > 5, `${wal.stats().segments} segments`);
    assert.deepEqual(
      (await all(wal, 37)).map((e) => e.seq),
      Array.from({ length: 23 }, (_, i) => i + 38),
    );
    assert.deepEqual(await all(wal, 60), []);
    await wal.close();
  });

  test('segments roll at segmentBytes and are named by their first sequence number', async () => {
    const { dir, wal } = await filled(20, { segmentBytes: 512, maxBytes: 1 << 20 });
    await wal.close();
    const files = segmentFiles(dir);
    assert.ok(files.length >= 4);
    assert.equal(files[0], '00000000000000000001.wal');
    for (const name of files) assert.ok(statSync(join(dir, name)).size <= 512, name);
    const firstSeqs = files.map((n) => Number(n.slice(0, 20)));
    const reopened = await Wal.open({ dir });
    const entries = await all(reopened);
    for (let i = 0; i < firstSeqs.length; i++) {
      assert.ok(
        entries.some((e) => e.seq === firstSeqs[i]),
        `segment ${files[i]} starts with its seq`,
      );
    }
    await reopened.close();
  });

  test('appends after close are refused, and close writes what was queued', async () => {
    const dir = tempDir();
    const wal = await Wal.open({ dir });
    const pending = wal.append(payload(1));
    await wal.close();
    assert.deepEqual(await pending, { firstSeq: 1, lastSeq: 1 });
    await assert.rejects(wal.append(payload(2)), WalClosedError);
    const reopened = await Wal.open({ dir });
    assert.equal((await all(reopened)).length, 1);
    await reopened.close();
  });

  test('an entry larger than a segment is refused with EntryTooLargeError', async () => {
    const wal = await Wal.open({ dir: tempDir(), segmentBytes: 4096, maxBytes: 1 << 20 });
    await assert.rejects(wal.append(Buffer.alloc(4096)), EntryTooLargeError);
    await assert.rejects(wal.append([Buffer.alloc(2048), Buffer.alloc(2048)]), EntryTooLargeError);
    assert.deepEqual(await wal.append(Buffer.alloc(4096 - FRAME_HEADER_BYTES)), { firstSeq: 1, lastSeq: 1 });
    await wal.close();
  });
});

describe('WAL group commit and fsync policies', () => {
  test('always: 200 concurrent appends share a handful of writes and fsyncs', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs });
    const syncsBefore = fs.datasyncs;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => wal.append(payload(i))));
    const syncs = fs.datasyncs - syncsBefore;
    assert.ok(syncs >= 1 && syncs <= 5, `${syncs} fsyncs for 200 appends`);
    assert.deepEqual(
      results.map((r) => r.firstSeq),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.equal(wal.stats().fsyncs, syncs);
    await wal.close();
  });

  test('always: an append resolves only after its fsync', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs });
    const before = fs.datasyncs;
    await wal.append(payload(1));
    assert.equal(fs.datasyncs, before + 1);
    await wal.close();
  });

  test('appends arriving during an fsync form the next group', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs });
    const first = wal.append(payload(0));
    const writesBefore = fs.writes;
    await new Promise((resolve) => setImmediate(resolve)); // the first group is now being written
    const later = Array.from({ length: 50 }, (_, i) => wal.append(payload(i + 1)));
    await Promise.all([first, ...later]);
    assert.ok(fs.writes - writesBefore <= 3, `${fs.writes - writesBefore} writes`);
    await wal.close();
  });

  test('never: appends resolve without any fsync', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs, fsync: 'never' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(payload(i))));
    assert.equal(fs.datasyncs, 0);
    await wal.close();
  });

  test('interval: appends resolve after the write; a timer syncs later', async () => {
    const fs = new TestFs();
    const wal = await Wal.open({ dir: tempDir(), fs, fsync: 'interval', fsyncIntervalMs: 5 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(payload(i))));
    for (let i = 0; i < 400 && fs.datasyncs === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(fs.datasyncs >= 1, 'the interval timer synced');
    await wal.close();
  });
});

describe('WAL release', () => {
  test('fully released segments are deleted; the active one stays until worth rolling', async () => {
    const { dir, wal } = await filled(40, { segmentBytes: 1024, maxBytes: 1 << 20 });
    const before = segmentFiles(dir);
    await wal.release(20);
    const afterRelease = segmentFiles(dir);
    assert.ok(afterRelease.length < before.length);
    assert.ok(Number(afterRelease[0]!.slice(0, 20)) <= 21, 'the segment holding 21 is kept');
    assert.deepEqual(
      (await all(wal, 20)).map((e) => e.seq),
      Array.from({ length: 20 }, (_, i) => i + 21),
    );
    const watermark = JSON.parse(readFileSync(join(dir, 'released.json'), 'utf8')) as { releasedSeq: number };
    assert.equal(watermark.releasedSeq, 20);
    await wal.release(40);
    assert.equal(wal.usedBytes(), 0);
    await wal.close();
  });

  test('sequence numbers continue above the watermark even when every segment was deleted', async () => {
    const { dir, wal } = await filled(30, { segmentBytes: 256, maxBytes: 1 << 20 });
    await wal.release(30);
    await wal.close();
    assert.deepEqual(segmentFiles(dir), []);
    const reopened = await Wal.open({ dir, segmentBytes: 256, maxBytes: 1 << 20 });
    assert.equal(reopened.releasedSeq, 30);
    assert.deepEqual(await reopened.append(payload(31)), { firstSeq: 31, lastSeq: 31 });
    await reopened.close();
  });

  test('storedSeq: what the store holds is dropped at open and never reissued, even from an empty directory', async () => {
    const { dir, wal } = await filled(30, { segmentBytes: 512, maxBytes: 1 << 20 });
    await wal.close();
    const reopened = await Wal.open({ dir, segmentBytes: 512, maxBytes: 1 << 20, storedSeq: 25 });
    assert.equal(reopened.recovery.entries, 5);
    assert.ok(reopened.recovery.deletedSegments > 0);
    assert.deepEqual(
      (await all(reopened, 25)).map((e) => e.seq),
      [26, 27, 28, 29, 30],
    );
    await reopened.close();
    const fresh = await Wal.open({ dir: tempDir(), storedSeq: 1000 });
    assert.deepEqual(await fresh.append(payload(1)), { firstSeq: 1001, lastSeq: 1001 });
    await fresh.close();
  });

  test('releasing beyond the last entry moves the next sequence number past it', async () => {
    const { wal } = await filled(3);
    await wal.release(100);
    assert.equal((await wal.append(payload(4))).firstSeq, 101);
    await wal.close();
  });
});

describe('WAL recovery from damage', () => {
  test('a torn last record is truncated at every byte offset; earlier entries are intact', async () => {
    const source = await filled(5);
    await source.wal.close();
    const name = segmentFiles(source.dir)[0]!;
    const bytes = readFileSync(join(source.dir, name));
    const lastStart = bytes.length - frameBytes(payload(5).length);
    for (let cut = lastStart; cut < bytes.length; cut++) {
      const dir = tempDir();
      await new TestFs().mkdir(dir);
      writeFileSync(join(dir, name), bytes.subarray(0, cut));
      const wal = await Wal.open({ dir });
      const torn = cut - lastStart;
      assert.equal(wal.recovery.tornBytes, torn, `cut ${cut}`);
      assert.equal(wal.recovery.tornTails.length, torn > 0 ? 1 : 0);
      if (torn > 0) assert.equal(wal.recovery.tornTails[0]!.offset, lastStart);
      assert.deepEqual(wal.recovery.corruptions, []);
      const entries = await all(wal);
      assert.deepEqual(
        entries.map((e) => e.seq),
        [1, 2, 3, 4],
      );
      entries.forEach((e) => assert.deepEqual(e.payload, payload(e.seq)));
      assert.equal(statSync(join(dir, name)).size, lastStart);
      assert.equal((await wal.append(payload(5))).firstSeq, 5);
      await wal.close();
      const again = await Wal.open({ dir });
      assert.equal((await all(again)).length, 5);
      assert.equal(again.recovery.tornBytes, 0);
      await again.close();
    }
  });

  test('zeros after the last record (a preallocated or half-written tail) are truncated', async () => {
    const { dir, wal } = await filled(3);
    await wal.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const size = statSync(path).size;
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.alloc(4096)]));
    const reopened = await Wal.open({ dir });
    assert.equal(reopened.recovery.tornBytes, 4096);
    assert.equal(statSync(path).size, size);
    assert.equal((await all(reopened)).length, 3);
    await reopened.close();
  });

  test('a corrupt payload in the middle is reported by segment and offset and skipped; later entries survive', async () => {
    const { dir, wal } = await filled(10);
    await wal.close();
    const name = segmentFiles(dir)[0]!;
    const path = join(dir, name);
    const bytes = readFileSync(path);
    const frame = frameBytes(payload(1).length);
    const offset4 = 3 * frame; // seq 4
    bytes[offset4 + FRAME_HEADER_BYTES + 10]! ^= 0xff;
    writeFileSync(path, bytes);
    const reopened = await Wal.open({ dir });
    assert.deepEqual(reopened.recovery.corruptions, [
      { segment: name, offset: offset4, bytes: frame, reason: 'payload checksum mismatch' },
    ]);
    assert.equal(reopened.recovery.tornBytes, 0);
    const entries = await all(reopened);
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 5, 6, 7, 8, 9, 10],
    );
    entries.forEach((e) => assert.deepEqual(e.payload, payload(e.seq)));
    assert.equal(reopened.stats().replayDamage, 0, 'known damage is not reported twice');
    assert.equal((await reopened.append(payload(11))).firstSeq, 11);
    await reopened.close();
  });

  test('a corrupt length field is resynchronized past by magic and checksum', async () => {
    const { dir, wal } = await filled(10);
    await wal.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const bytes = readFileSync(path);
    const frame = frameBytes(payload(1).length);
    bytes.writeUInt32LE(1_000_000, 2 * frame + 4); // seq 3 claims a huge payload
    bytes.fill(0x55, 5 * frame, 5 * frame + 30); // seq 6: header and some payload overwritten
    writeFileSync(path, bytes);
    const reopened = await Wal.open({ dir });
    assert.deepEqual(
      reopened.recovery.corruptions.map((c) => [c.offset, c.bytes]),
      [
        [2 * frame, frame],
        [5 * frame, frame],
      ],
    );
    assert.deepEqual(
      (await all(reopened)).map((e) => e.seq),
      [1, 2, 4, 5, 7, 8, 9, 10],
    );
    await reopened.close();
  });

  test('damage in an earlier segment is skipped without touching later segments', async () => {
    const { dir, wal } = await filled(30, { segmentBytes: 1024, maxBytes: 1 << 20 });
    await wal.close();
    const files = segmentFiles(dir);
    const first = join(dir, files[0]!);
    const size = statSync(first).size;
    truncateSync(first, size - 10); // the end of a sealed segment is lost
    const reopened = await Wal.open({ dir, segmentBytes: 1024, maxBytes: 1 << 20 });
    assert.equal(reopened.recovery.corruptions.length, 1);
    assert.equal(reopened.recovery.corruptions[0]!.segment, files[0]);
    assert.equal(reopened.recovery.tornBytes, 0);
    const seqs = (await all(reopened)).map((e) => e.seq);
    assert.equal(seqs.length, 29);
    assert.equal(seqs.at(-1), 30);
    await reopened.close();
  });

  test('a duplicated valid frame (sequence out of order) is skipped, never replayed twice', async () => {
    const { dir, wal } = await filled(6);
    await wal.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const bytes = readFileSync(path);
    const frame = frameBytes(payload(1).length);
    const copy = bytes.subarray(frame, 2 * frame); // seq 2
    writeFileSync(path, Buffer.concat([bytes.subarray(0, 4 * frame), copy, bytes.subarray(4 * frame)]));
    const reopened = await Wal.open({ dir });
    assert.equal(reopened.recovery.corruptions.length, 1);
    assert.match(reopened.recovery.corruptions[0]!.reason, /sequence 2 not after 4/);
    assert.deepEqual(
      (await all(reopened)).map((e) => e.seq),
      [1, 2, 3, 4, 5, 6],
    );
    await reopened.close();
  });

  test('files that are not segments are ignored', async () => {
    const dir = tempDir();
    await new TestFs().mkdir(dir);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, '123.wal'), 'not a segment name');
    const wal = await Wal.open({ dir });
    assert.equal(wal.recovery.segments, 0);
    assert.equal((await wal.append(payload(1))).firstSeq, 1);
    await wal.close();
    assert.ok(existsSync(join(dir, 'notes.txt')));
  });
});

describe('WAL caps and backpressure', () => {
  test('over the disk cap appends are refused until a release makes room', async () => {
    const options = { segmentBytes: 1024, maxBytes: 4096 };
    const dir = tempDir();
    const wal = await Wal.open({ dir, ...options });
    let accepted = 0;
    let refusal: unknown;
    for (let i = 1; i <= 200 && refusal === undefined; i++) {
      try {
        await wal.append(payload(i, 100));
        accepted++;
      } catch (error) {
        refusal = error;
      }
    }
    assert.ok(refusal instanceof BufferFullError, String(refusal));
    assert.equal(refusal.cap, 'disk');
    assert.ok(refusal.retryAfterSeconds >= 1);
    assert.ok(wal.isFull());
    assert.ok(wal.usedBytes() <= 4096);
    let spaced = 0;
    wal.on('space', () => spaced++);
    let writable = false;
    const waiting = wal.whenWritable().then(() => (writable = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writable, false);
    await wal.release(accepted - 10);
    await waiting;
    assert.equal(spaced, 1);
    assert.equal(wal.isFull(), false);
    assert.equal((await wal.append(payload(999, 100))).firstSeq, accepted + 1);
    await wal.close();
  });

  test('over the memory cap appends are refused at once', async () => {
    const wal = await Wal.open({ dir: tempDir(), maxPendingBytes: 1000 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => wal.append(payload(i, 100))),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.ok(refused.length > 0);
    for (const r of refused) {
      assert.ok(r.reason instanceof BufferFullError && r.reason.cap === 'memory');
    }
    assert.ok(outcomes.filter((o) => o.status === 'fulfilled').length <= 1000 / frameBytes(100));
    assert.equal(wal.stats().pendingBytes, 0);
    await wal.whenWritable();
    await wal.append(payload(0));
    await wal.close();
  });

  test('retryAfter follows the measured drain rate', async () => {
    const wal = await Wal.open({ dir: tempDir(), segmentBytes: 1024, maxBytes: 4096 });
    let n = 0;
    const fill = async (): Promise<BufferFullError> => {
      for (;;) {
        try {
          await wal.append(payload(++n, 100));
        } catch (error) {
          if (error instanceof BufferFullError) return error;
          throw error;
        }
      }
    };
    assert.equal((await fill()).retryAfterSeconds, 5, 'no rate measured yet: the default');
    await wal.release(n - 1);
    await fill();
    await wal.release(n - 1);
    const estimate = (await fill()).retryAfterSeconds;
    assert.ok(estimate >= 1 && estimate <= 30);
    await wal.close();
  });
});

describe('WAL storage errors', () => {
  test('disk full: the short write is truncated back, appends fail with ENOSPC, and resume when space returns', async () => {
    const fs = new TestFs();
    const dir = tempDir();
    const wal = await Wal.open({ dir, fs });
    await wal.append(payload(1));
    const path = join(dir, segmentFiles(dir)[0]!);
    const committed = statSync(path).size;
    fs.capacity = fs.used + 50; // the next 88-byte frame is written halfway
    let errors = 0;
    wal.on('storage-error', () => errors++);
    const failure = await wal.append(payload(2)).catch((e: unknown) => e);
    assert.ok(failure instanceof StorageError, String(failure));
    assert.equal(failure.code, 'ENOSPC');
    assert.equal(failure.path, path);
    assert.equal(failure.operation, 'write');
    assert.ok(failure.isNoSpace);
    assert.match(failure.message, /ENOSPC/);
    assert.equal(statSync(path).size, committed, 'the partial frame was truncated');
    assert.equal(wal.storageError(), failure);
    await assert.rejects(wal.append(payload(3)), StorageError);
    assert.equal(errors, 2);
    let recovered = false;
    wal.on('recovered', () => (recovered = true));
    fs.capacity = Infinity;
    const ok = await wal.append(payload(4));
    assert.equal(recovered, true);
    assert.equal(wal.storageError(), undefined);
    assert.ok(ok.firstSeq > 1);
    await wal.close();
    const reopened = await Wal.open({ dir });
    assert.deepEqual(reopened.recovery.corruptions, []);
    assert.equal(reopened.recovery.tornBytes, 0);
    assert.deepEqual(
      (await all(reopened)).map((e) => e.payload.toString()),
      [payload(1).toString(), payload(4).toString()],
    );
    await reopened.close();
  });

  test('an EIO on fsync rejects the group and leaves the log as before it', async () => {
    const fs = new TestFs();
    const dir = tempDir();
    const wal = await Wal.open({ dir, fs });
    await wal.append(payload(1));
    fs.fail('datasync', 'EIO');
    const failure = await wal.append(payload(2)).catch((e: unknown) => e);
    assert.ok(failure instanceof StorageError);
    assert.equal(failure.code, 'EIO');
    assert.equal(failure.operation, 'sync');
    await wal.append(payload(3));
    await wal.close();
    const reopened = await Wal.open({ dir });
    assert.deepEqual(
      (await all(reopened)).map((e) => e.payload.toString()),
      [payload(1).toString(), payload(3).toString()],
    );
    await reopened.close();
  });

  test('when even the truncation fails, the next write truncates first', async () => {
    const fs = new TestFs();
    const dir = tempDir();
    const wal = await Wal.open({ dir, fs });
    await wal.append(payload(1, 500));
    fs.capacity = fs.used + 100;
    fs.fail('truncate', 'EIO');
    await assert.rejects(wal.append(payload(2, 500)), StorageError);
    fs.capacity = Infinity;
    await wal.append(payload(3, 10));
    await wal.close();
    const reopened = await Wal.open({ dir });
    assert.deepEqual(reopened.recovery.corruptions, []);
    assert.equal(reopened.recovery.tornBytes, 0);
    assert.deepEqual(
      (await all(reopened)).map((e) => e.payload.length),
      [500, 10],
    );
    await reopened.close();
  });

  test('a failure to create the next segment rejects the appends; a later append creates it', async () => {
    const fs = new TestFs();
    const dir = tempDir();
    const wal = await Wal.open({ dir, fs, segmentBytes: 256, maxBytes: 1 << 20 });
    await wal.append(payload(1, 200));
    fs.fail('open', 'ENOSPC');
    const failure = await wal.append(payload(2, 200)).catch((e: unknown) => e);
    assert.ok(failure instanceof StorageError);
    assert.equal(failure.operation, 'create');
    assert.equal(wal.stats().pendingBytes, 0);
    await wal.append(payload(3, 200));
    await wal.close();
    const reopened = await Wal.open({ dir, segmentBytes: 256, maxBytes: 1 << 20 });
    assert.equal((await all(reopened)).length, 2);
    await reopened.close();
  });

  test('a failing unlink keeps the segment and is retried on the next release', async () => {
    const fs = new TestFs();
    const { dir, wal } = await filled(20, { fs, segmentBytes: 256, maxBytes: 1 << 20 });
    const errors: StorageError[] = [];
    wal.on('storage-error', (e) => errors.push(e));
    fs.fail('unlink', 'EIO', 100);
    await wal.release(10);
    assert.ok(errors.length > 0 && errors[0]!.operation === 'unlink');
    const kept = segmentFiles(dir).length;
    fs.fail('unlink', 'EIO', 0);
    await wal.release(11);
    assert.ok(segmentFiles(dir).length < kept);
    await wal.close();
  });
});

describe('WAL configuration changes', () => {
  test('reopening with a smaller segment size still reads the larger entries written before', async () => {
    const dir = tempDir();
    const wal = await Wal.open({ dir, segmentBytes: 64 * 1024, maxBytes: 1 << 20 });
    await wal.append(payload(1, 30_000));
    await wal.close();
    const reopened = await Wal.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
    assert.deepEqual(reopened.recovery.corruptions, []);
    assert.equal(reopened.recovery.tornBytes, 0);
    assert.deepEqual(
      (await all(reopened)).map((e) => e.payload.length),
      [30_000],
    );
    assert.equal((await reopened.append(payload(2, 100))).firstSeq, 2);
    await reopened.close();
  });

  test('payloads that are not bytes are refused before anything is queued', async () => {
    const wal = await Wal.open({ dir: tempDir() });
    await assert.rejects(wal.append(['text' as unknown as Uint8Array]), TypeError);
    await assert.rejects(wal.append([]), RangeError);
    assert.equal(wal.stats().pendingBytes, 0);
    await wal.close();
  });
});
