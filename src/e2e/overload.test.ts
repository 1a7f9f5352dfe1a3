/**
 * Overload: senders push faster than the store can write. Vigil answers 429 with Retry-After and
 * stops reading TCP instead of buffering without bound: its memory stays bounded, it does not
 * crash, and every accepted event is stored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freePort, startVigil, vigil } from './harness.js';
import { httpSenders, storedCounts, tcpSender, type HttpStats } from './load.js';

function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { now: kb('VmRSS'), peak: kb('VmHWM') };
}

test(
  'faster than the store: 429s and paused reads, bounded memory, every accepted event stored',
  { timeout: 120_000 },
  async (t) => {
    const [api, syslog] = [await freePort(), await freePort()];
    const server = await startVigil(
      [
        `api: { address: 127.0.0.1, port: ${api} }`,
        'pipeline: { max_queue_events: 4000, batch_max_events: 2000 }',
        'memory: { budget_mb: 300 }',
        'sources:',
        `  - { type: syslog, name: syslog, address: 127.0.0.1, tcp_port: ${syslog}, udp_port: ${syslog} }`,
      ].join('\n'),
    );
    const token = vigil([
      'token',
      'create',
      '--role',
      'ingest',
      '--name',
      'load',
      '--data-dir',
      server.dataDir,
    ]).stdout.trim();
    const acked = new Set<string>();
    const stop = { now: false };
    const stats: HttpStats = { requests: 0, pushedBack: 0 };
    const tcp = { paused: 0, sent: 0 };
    const senders = [
      ...httpSenders(
        { url: server.url, token, prefix: 'overload', batch: 2000, clients: 6 },
        acked,
        stop,
        stats,
      ),
      tcpSender(syslog, 'overtcp', stop, tcp),
    ];
    const baseline = rssMiB(server.process.pid!).now;
    await new Promise((r) => setTimeout(r, 8000));
    stop.now = true;
    await Promise.all(senders);
    const rss = rssMiB(server.process.pid!);
    assert.equal(await server.stop(), 0, server.stderr());
    assert.ok(
      stats.pushedBack > 0,
      `HTTP senders were pushed back (${stats.pushedBack} of ${stats.requests} requests)`,
    );
    assert.ok(tcp.paused > 0, 'the TCP sender was paused');
    // Bounded: the queue cap holds a few thousand events; far from the hundreds of MB the offered
    // load would take if buffered in memory.
    assert.ok(rss.peak - baseline < 400, `peak RSS grew by ${Math.round(rss.peak - baseline)} MiB`);
    t.diagnostic(
      `HTTP: ${acked.size} events accepted, ${stats.pushedBack} of ${stats.requests} requests pushed back; ` +
        `TCP: ${tcp.sent} lines offered, paused ${tcp.paused} times; RSS ${Math.round(baseline)} → peak ${Math.round(rss.peak)} MiB`,
    );
    const stored = storedCounts(server.dataDir, 'overload-');
    const missing = [...acked].filter((id) => stored.get(id) !== 1);
    assert.deepEqual(
      missing.slice(0, 3),
      [],
      `${missing.length} of ${acked.size} accepted events not stored once`,
    );
  },
);
