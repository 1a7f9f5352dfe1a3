/**
 * The writer side of the crash test (wal.crash.test.ts): appends to the WAL in `argv[2]` as fast
 * as it can from several concurrent loops and prints `ack <seq> <crc32> <bytes>` for every
 * acknowledged entry, and `release <seq>` before each release, until it is killed. stdout is a
 * pipe, which Node writes synchronously on Linux, so a printed line was acknowledged before it
 * left the process.
 */
import { crc32 } from 'node:zlib';
import { Wal } from './wal.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-child.js <dir>');
const wal = await Wal.open({ dir, segmentBytes: 64 * 1024, maxBytes: 64 * 1024 * 1024 });
process.stdout.write(`ready ${wal.lastSeq}\n`);

let state = (process.pid * 2654435761) >>> 0;
function random(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}

function makePayload(): Buffer {
  const bytes = Buffer.allocUnsafe(50 + Math.floor(random() * 3000));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

let acked = 0;
let maxSeq = 0;
async function loop(): Promise<void> {
  for (;;) {
    const payloads = random() < 0.2 ? [makePayload(), makePayload(), makePayload()] : [makePayload()];
    const { firstSeq } = await wal.append(payloads);
    payloads.forEach((p, i) => process.stdout.write(`ack ${firstSeq + i} ${crc32(p)} ${p.length}\n`));
    maxSeq = Math.max(maxSeq, firstSeq + payloads.length - 1);
    if (++acked % 200 === 0 && maxSeq > 300) {
      process.stdout.write(`release ${maxSeq - 300}\n`);
      await wal.release(maxSeq - 300);
    }
  }
}

await Promise.all(Array.from({ length: 8 }, loop));
