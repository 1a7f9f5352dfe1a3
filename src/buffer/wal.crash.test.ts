import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { Wal } from './wal.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ROUNDS = 5;

const root = mkdtempSync(join(tmpdir(), 'vigil-wal-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface ChildRun {
  acks: Map<number, { crc: number; bytes: number }>;
  maxRelease: number;
  killedAfterMs: number;
}

/** Runs the child until it has acknowledged something, lets it run a random while, then SIGKILLs it. */
function runAndKill(dir: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const killedAfterMs = 20 + Math.floor(Math.random() * 400);
    const guard = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!timer && out.includes('\nack ')) timer = setTimeout(() => child.kill('SIGKILL'), killedAfterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code} ${signal}: ${err}`));
      const acks = new Map<number, { crc: number; bytes: number }>();
      let maxRelease = 0;
      // Only complete lines count: a line cut by the kill was not fully printed.
      for (const line of out.slice(0, out.lastIndexOf('\n')).split('\n')) {
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'ack') acks.set(Number(a), { crc: Number(b), bytes: Number(c) });
        if (kind === 'release') maxRelease = Math.max(maxRelease, Number(a));
      }
      resolve({ acks, maxRelease, killedAfterMs });
    });
  });
}

test('SIGKILL at a random moment loses no acknowledged entry', { timeout: 60_000 }, async (t) => {
  const dir = join(root, 'buffer');
  let previousMax = 0;
  let totalAcks = 0;
  let announcedRelease = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const run = await runAndKill(dir);
    const context = `round ${round}, killed ${run.killedAfterMs} ms after the first ack`;
    assert.ok(run.acks.size > 0, context);
    totalAcks += run.acks.size;
    announcedRelease = Math.max(announcedRelease, run.maxRelease);
    const seqs = [...run.acks.keys()];
    assert.ok(Math.min(...seqs) > previousMax, `${context}: sequence numbers are never reused`);
    previousMax = Math.max(...seqs);

    const wal = await Wal.open({ dir, segmentBytes: 64 * 1024, maxBytes: 64 * 1024 * 1024 });
    assert.deepEqual(wal.recovery.corruptions, [], context);
    assert.ok(wal.releasedSeq <= announcedRelease, `${context}: released only what was announced`);
    const found = new Map<number, Buffer>();
    let last = 0;
    for await (const entry of wal.replay(0)) {
      assert.ok(entry.seq > last, `${context}: replay is in order`);
      last = entry.seq;
      found.set(entry.seq, entry.payload);
    }
    for (const [seq, ack] of run.acks) {
      if (seq <= wal.releasedSeq) continue;
      const payload = found.get(seq);
      assert.ok(
        payload,
        `${context}: acknowledged seq ${seq} is missing (released up to ${wal.releasedSeq})`,
      );
      assert.equal(payload.length, ack.bytes, `${context}: seq ${seq} length`);
      assert.equal(crc32(payload), ack.crc, `${context}: seq ${seq} content`);
    }
    t.diagnostic(
      `${context}: ${run.acks.size} acks, ${found.size} entries replayed, torn tail ${wal.recovery.tornBytes} bytes`,
    );
    await wal.close();
  }
  assert.ok(totalAcks > ROUNDS);
});
