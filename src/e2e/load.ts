/** Load generators for the end-to-end crash and overload tests. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { vigil } from './harness.js';

/** How many times each `message` starting with `prefix` is stored. */
export function storedCounts(dataDir: string, prefix: string): Map<string, number> {
  const out = vigil([
    'search',
    `message=${prefix}* | stats count() as n by message`,
    '--format',
    'ndjson',
    '--limit',
    '1000000',
    '--data-dir',
    dataDir,
  ]);
  assert.equal(out.status, 0, out.stderr);
  const map = new Map<string, number>();
  for (const line of out.stdout.split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { message: string; n: number };
    map.set(row.message, row.n);
  }
  return map;
}

export interface HttpLoad {
  url: string;
  token: string;
  prefix: string;
  batch: number;
  clients: number;
}

export interface HttpStats {
  requests: number;
  pushedBack: number;
}

/**
 * HTTP senders: new events on every request (never a resend), recording each acknowledged event;
 * a 429/503 waits 20 ms; they stop when `stop.now` or when the server is gone.
 */
export function httpSenders(
  load: HttpLoad,
  acked: Set<string>,
  stop: { now: boolean },
  stats?: HttpStats,
): Promise<void>[] {
  return Array.from({ length: load.clients }, async (_, client) => {
    for (let n = 0; !stop.now; n++) {
      const ids = Array.from({ length: load.batch }, (_, i) => `${load.prefix}-${client}-${n}-${i}`);
      const body = ids.map((id) => JSON.stringify({ message: id, host: 'load-test' })).join('\n');
      let response: Response;
      try {
        response = await fetch(`${load.url}/api/v1/ingest`, {
          method: 'POST',
          headers: { authorization: `Bearer ${load.token}`, 'content-type': 'application/x-ndjson' },
          body,
        });
        await response.arrayBuffer();
      } catch {
        return; // the server is gone
      }
      if (stats) stats.requests++;
      if (response.status === 200) for (const id of ids) acked.add(id);
      else if (response.status === 429 || response.status === 503) {
        if (stats) stats.pushedBack++;
        await new Promise((r) => setTimeout(r, 20));
      } else throw new Error(`unexpected HTTP ${response.status}`);
    }
  });
}

/**
 * A TCP syslog sender writing as fast as the server reads; resolves when stopped or cut off.
 * `paused` counts the times the server stopped reading (the socket buffer filled).
 */
export function tcpSender(
  port: number,
  prefix: string,
  stop: { now: boolean },
  stats?: { paused: number; sent: number },
): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let n = 0;
    const pump = () => {
      while (!stop.now) {
        const line = `<13>1 2026-03-02T10:00:00Z load-host app - - - ${prefix}-${n++}\n`;
        if (stats) stats.sent++;
        if (!socket.write(line)) {
          if (stats) stats.paused++;
          return; // wait for drain: the server stopped reading
        }
      }
      socket.end();
    };
    socket.on('connect', pump);
    socket.on('drain', pump);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}
