/**
 * The disk-full scenario, run by diskfull.test.ts inside its own mount namespace (`unshare -rm`)
 * so it can mount a small tmpfs as the data directory without privileges. Prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startVigil, vigil, waitFor } from './harness.js';

async function post(url: string, token: string, ids: string[]): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: ids.map((id) => JSON.stringify({ message: id, pad: 'x'.repeat(400) })).join('\n'),
  });
  return { status: response.status, body: await response.text() };
}

/** Fill the file system with one file until it refuses; returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return path;
}

const dir = mkdtempSync('/tmp/vigil-diskfull-');
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'none', dir], { encoding: 'utf8' });
if (mounted.status !== 0) {
  process.stdout.write(JSON.stringify({ skip: `cannot mount a tmpfs: ${mounted.stderr.trim()}` }) + '\n');
  process.exit(0);
}
const result: Record<string, unknown> = {};
const api = await freePort();
const server = await startVigil(
  [
    `api: { address: 127.0.0.1, port: ${api} }`,
    'pipeline: { flush_interval_ms: 5 }',
    'buffer: { segment_bytes: 1048576 }',
    'store: { checkpoint_threshold: 4MB }',
    'sources: []',
  ].join('\n'),
  dir,
);
const token = vigil([
  'token',
  'create',
  '--role',
  'ingest',
  '--name',
  'full',
  '--data-dir',
  dir,
]).stdout.trim();
const acked: string[] = [];
let n = 0;
const batch = () => Array.from({ length: 100 }, () => `diskfull-${n++}`);
for (let i = 0; i < 5; i++) {
  const ids = batch();
  if ((await post(server.url, token, ids)).status === 200) acked.push(...ids);
}
result.before = acked.length;
const filler = fill(dir);
// Keep sending: the buffer's writes fail; Vigil must answer with a clear error, not crash.
const refusals: { status: number; body: string }[] = [];
for (let i = 0; i < 40 && refusals.length < 3; i++) {
  const ids = batch();
  const answer = await post(server.url, token, ids);
  if (answer.status === 200) acked.push(...ids);
  else refusals.push(answer);
}
result.refusals = refusals.map((r) => ({ status: r.status, body: r.body.slice(0, 300) }));
result.aliveWhenFull = (await fetch(`${server.url}/healthz`)).status;
rmSync(filler);
// Space is back: it resumes by itself.
result.resumed = await waitFor(
  'ingest to resume',
  async () => {
    const ids = batch();
    const answer = await post(server.url, token, ids);
    if (answer.status !== 200) return undefined;
    acked.push(...ids);
    return true;
  },
  30_000,
).catch(() => false);
result.exit = await server.stop();
const found = vigil([
  'search',
  'message=diskfull-* | stats count() as n by message',
  '--format',
  'ndjson',
  '--limit',
  '100000',
  '--data-dir',
  dir,
]);
result.searchStatus = found.status;
const stored = new Map<string, number>();
for (const line of found.stdout.split('\n'))
  if (line) {
    const row = JSON.parse(line) as { message: string; n: number };
    stored.set(row.message, row.n);
  }
result.acked = acked.length;
result.missing = acked.filter((id) => stored.get(id) !== 1).length;
result.stderr = server.stderr().slice(-2000);
writeFileSync(join('/tmp', 'vigil-diskfull-last.json'), JSON.stringify(result));
spawnSync('umount', [dir]);
process.stdout.write(JSON.stringify(result) + '\n');
