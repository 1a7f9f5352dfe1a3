import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const CHILD = fileURLToPath(new URL('./enospc-child.js', import.meta.url));
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-wal-enospc-'));
  roots.push(root);
  return root;
}

interface ChildResult {
  code: string;
  operation: string;
  path: string;
  secondError: string | undefined;
  afterError: { usedBytes: number; onDisk: number };
  resumed: number;
  recoveredEvent: boolean;
  acked: number[];
  replayed: number[];
  intact: boolean;
  tornBytes: number;
  corruptions: number;
}

function run(command: string, args: string[]): ChildResult {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, `child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

/** Whether this machine lets an unprivileged user mount a tmpfs in a user+mount namespace. */
function tmpfsSkip(): false | string {
  const probe = spawnSync(
    'unshare',
    ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', tmpdir()],
    {
      encoding: 'utf8',
    },
  );
  return probe.status === 0
    ? false
    : `cannot mount a tmpfs in a user namespace here: ${probe.stderr || probe.error}`;
}

function assertConsistent(result: ChildResult): void {
  assert.equal(result.afterError.onDisk, result.afterError.usedBytes, 'the partial write was truncated back');
  assert.deepEqual(result.replayed, result.acked, 'exactly the acknowledged entries are in the log');
  assert.ok(result.intact, 'their contents are intact');
  assert.equal(result.tornBytes, 0);
  assert.equal(result.corruptions, 0);
}

describe('WAL on a really full disk', () => {
  test('file size limit (ulimit -f): a real short write then EFBIG leaves the log consistent', () => {
    const root = tempRoot();
    // dash and bash count ulimit -f in 512- or 1024-byte blocks: either way well under a segment.
    const result = run('sh', [
      '-c',
      'ulimit -f 40 && exec "$0" "$1" efbig "$2"',
      process.execPath,
      CHILD,
      root,
    ]);
    assert.equal(result.code, 'EFBIG');
    assert.equal(result.operation, 'write');
    assert.match(result.path, /00000000000000000001\.wal$/);
    assert.equal(result.secondError, 'EFBIG');
    assert.ok(result.acked.length > 5);
    assertConsistent(result);
  });

  test(
    'tmpfs filled up: ENOSPC, then appends resume by themselves once space is freed',
    { skip: tmpfsSkip() },
    () => {
      const root = tempRoot();
      const script = 'mount -t tmpfs -o size=192k tmpfs "$2" && exec "$0" "$1" tmpfs "$2"';
      const result = run('unshare', ['-rm', 'sh', '-c', script, process.execPath, CHILD, root]);
      assert.equal(result.code, 'ENOSPC');
      assert.equal(result.secondError, 'ENOSPC');
      assert.equal(result.resumed, 10);
      assert.ok(result.recoveredEvent);
      assert.ok(result.acked.length > 20);
      assertConsistent(result);
    },
  );
});
