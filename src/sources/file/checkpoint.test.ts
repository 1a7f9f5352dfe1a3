import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore, CHECKPOINT_TTL_MS, type FileCheckpoint } from './checkpoint.js';
import { fingerprintMatches, fingerprintOf, resolveCheckpoint } from './identity.js';

function cp(over: Partial<FileCheckpoint> = {}): FileCheckpoint {
  return {
    path: '/var/log/app.log',
    dev: '2049',
    ino: '1234',
    fingerprint: fingerprintOf(Buffer.from('hello\n')),
    offset: 6,
    line: 1,
    seen: Date.now(),
    ...over,
  };
}

describe('CheckpointStore', () => {
  test('a missing file is an empty store; save then load round-trips, leaving no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cp-'));
    try {
      const file = join(dir, 'sources', 'x.checkpoints.json');
      const store = await CheckpointStore.load(file);
      assert.deepEqual(store.all(), []);
      store.set(cp());
      store.set(cp({ ino: '99', path: '/var/log/other.log' }));
      await store.save();
      assert.deepEqual(await readdir(join(dir, 'sources')), ['x.checkpoints.json']);
      const again = await CheckpointStore.load(file);
      assert.deepEqual(again.get('2049:1234'), cp({ seen: again.get('2049:1234')!.seen }));
      assert.deepEqual(
        again.all().map((c) => c.path),
        ['/var/log/app.log', '/var/log/other.log'],
      );
      again.delete('2049:99');
      await again.save();
      assert.deepEqual(
        (await CheckpointStore.load(file)).all().map((c) => c.ino),
        ['1234'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('concurrent saves are coalesced and each resolves with its change on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cp-'));
    try {
      const file = join(dir, 'c.json');
      const store = await CheckpointStore.load(file);
      const saves: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        store.set(cp({ offset: i }));
        saves.push(store.save());
      }
      await Promise.all(saves);
      const onDisk = JSON.parse(await readFile(file, 'utf8')) as { files: FileCheckpoint[] };
      assert.equal(onDisk.files[0]!.offset, 19);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('entries not seen for longer than the TTL are forgotten on save', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cp-'));
    try {
      const file = join(dir, 'c.json');
      const store = await CheckpointStore.load(file);
      const now = Date.now();
      store.set(cp({ ino: '1', seen: now - CHECKPOINT_TTL_MS - 1 }));
      store.set(cp({ ino: '2', seen: now - 1000 }));
      await store.save(now);
      assert.deepEqual(
        (await CheckpointStore.load(file)).all().map((c) => c.ino),
        ['2'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a corrupt file fails loudly, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cp-'));
    try {
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'bad.json');
      await writeFile(file, '{"version":1,"files":[{"path":3}]}');
      await assert.rejects(CheckpointStore.load(file), (err: Error) => err.message.includes(file));
      await writeFile(file, '{not json');
      await assert.rejects(CheckpointStore.load(file), /not valid/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('file identity', () => {
  test('a fingerprint taken of a short file still matches once the file grew', () => {
    const fp = fingerprintOf(Buffer.from('abc'));
    assert.equal(fp.bytes, 3);
    assert.equal(fingerprintMatches(fp, Buffer.from('abcdef')), true);
    assert.equal(fingerprintMatches(fp, Buffer.from('abd')), false);
    assert.equal(fingerprintMatches(fp, Buffer.from('ab')), false);
    assert.equal(fingerprintMatches(fingerprintOf(Buffer.alloc(0)), Buffer.from('x')), true);
  });

  test('resolveCheckpoint: resume, truncated, or a reused inode', () => {
    const c = { fingerprint: fingerprintOf(Buffer.from('line one\n')), offset: 18 };
    assert.deepEqual(resolveCheckpoint(c, 30, Buffer.from('line one\nline two\n')), { kind: 'resume' });
    // Same first bytes but shorter than the checkpoint: copytruncate then new writes.
    assert.deepEqual(resolveCheckpoint(c, 12, Buffer.from('line one\nabc')), { kind: 'truncated' });
    // Shorter than the fingerprint itself.
    assert.deepEqual(resolveCheckpoint(c, 4, Buffer.from('line')), { kind: 'truncated' });
    // Same device and inode, other content, longer than the checkpoint: a different file.
    assert.deepEqual(resolveCheckpoint(c, 40, Buffer.from('another file entirely\n')), { kind: 'replaced' });
  });
});
