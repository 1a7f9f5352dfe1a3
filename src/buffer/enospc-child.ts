/**
 * The writer side of the real disk-full tests (wal.enospc.test.ts), run in a child process so the
 * limits apply to it alone. `efbig <dir>`: run under `ulimit -f`, appends until the file size
 * limit stops a write (a real short write, then EFBIG). `tmpfs <mountpoint>`: run on a small
 * tmpfs, fills it with a filler file and appends until ENOSPC, frees the filler, appends again,
 * then reopens the log (a tmpfs dies with its namespace, so the check happens here). Prints one
 * JSON line describing what happened.
 */
import { statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from './errors.js';
import { Wal } from './wal.js';

const [mode, root] = process.argv.slice(2);
if ((mode !== 'efbig' && mode !== 'tmpfs') || !root)
  throw new Error('usage: enospc-child.js efbig|tmpfs <dir>');
const dir = join(root, 'buffer');
const options = { dir, segmentBytes: 64 * 1024, maxBytes: 1 << 20 };
const payloadOf = (n: number): Buffer => Buffer.from(`entry ${n} `.repeat(80));
/** Acknowledged seq → the number its payload was made from. */
const written = new Map<number, number>();
let made = 0;

async function appendOne(wal: Wal): Promise<number> {
  const n = ++made;
  const { firstSeq } = await wal.append(payloadOf(n));
  written.set(firstSeq, n);
  return firstSeq;
}

/** Appends until a StorageError; returns the acknowledged seqs and the error. */
async function fillUntilError(wal: Wal, acked: number[]): Promise<StorageError> {
  for (let i = 0; i < 100_000; i++) {
    try {
      acked.push(await appendOne(wal));
    } catch (error) {
      if (error instanceof StorageError) return error;
      throw error;
    }
  }
  throw new Error('the disk never filled');
}

const wal = await Wal.open(options);
const acked: number[] = [];
if (mode === 'tmpfs') writeFileSync(join(root, 'filler'), Buffer.alloc(96 * 1024));
const error = await fillUntilError(wal, acked);
const segmentSizes = () => wal.stats().usedBytes;
const afterError = { usedBytes: segmentSizes(), onDisk: diskBytes() };
const secondError = await appendOne(wal).then(
  () => undefined,
  (e: unknown) => (e instanceof StorageError ? e.code : String(e)),
);
let resumed = 0;
let recoveredEvent = false;
if (mode === 'tmpfs') {
  wal.on('recovered', () => (recoveredEvent = true));
  unlinkSync(join(root, 'filler'));
  for (let i = 0; i < 10; i++) {
    acked.push(await appendOne(wal));
    resumed++;
  }
}
await wal.close();
const reopened = await Wal.open(options);
const replayed: number[] = [];
let intact = true;
for await (const entry of reopened.replay(0)) {
  replayed.push(entry.seq);
  const n = written.get(entry.seq);
  if (n === undefined || !entry.payload.equals(payloadOf(n))) intact = false;
}
await reopened.close();
process.stdout.write(
  JSON.stringify({
    code: error.code,
    operation: error.operation,
    path: error.path,
    secondError,
    afterError,
    resumed,
    recoveredEvent,
    acked,
    replayed,
    intact,
    tornBytes: reopened.recovery.tornBytes,
    corruptions: reopened.recovery.corruptions.length,
  }) + '\n',
);

/** Bytes of the segment files on disk. */
function diskBytes(): number {
  let total = 0;
  for (let seq = 1; seq <= wal.lastSeq + 1; seq++) {
    try {
      total += statSync(join(dir, `${String(seq).padStart(20, '0')}.wal`)).size;
    } catch {
      // not a segment's first seq
    }
  }
  return total;
}
