/**
 * Nothing acknowledged is ever lost: the real `vigil serve` is killed with SIGKILL at random
 * moments while senders push events over HTTP and TCP syslog as fast as they can; after each kill
 * it is restarted on the same data directory. In the end every event whose HTTP request was
 * acknowledged (200) is stored exactly once, and no TCP syslog event is stored twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, startVigil, tempDir, vigil, type ServerHandle } from './harness.js';
import { httpSenders, storedCounts, tcpSender } from './load.js';

const ROUNDS = 4;
const BATCH = 200;

test(
  'SIGKILL at random moments loses no acknowledged event and stores none twice',
  { timeout: 180_000 },
  async () => {
    const dataDir = tempDir('vigil-crash-');
    const [api, syslog] = [await freePort(), await freePort()];
    const config = [
      `api: { address: 127.0.0.1, port: ${api} }`,
      'pipeline: { flush_interval_ms: 5 }',
      'sources:',
      `  - { type: syslog, name: syslog, address: 127.0.0.1, tcp_port: ${syslog}, udp_port: ${syslog} }`,
    ].join('\n');
    let server: ServerHandle = await startVigil(config, dataDir);
    const token = vigil([
      'token',
      'create',
      '--role',
      'ingest',
      '--name',
      'crash',
      '--data-dir',
      dataDir,
    ]).stdout.trim();
    const acked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const stop = { now: false };
      const senders = [
        ...httpSenders(
          { url: server.url, token, prefix: `crashhttp-${round}`, batch: BATCH, clients: 3 },
          acked,
          stop,
        ),
        tcpSender(syslog, `crashtcp-${round}`, stop),
      ];
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 1500));
      server.process.kill('SIGKILL');
      await server.stop();
      stop.now = true;
      await Promise.all(senders);
      server = await startVigil(config, dataDir);
    }
    // The last start replayed the buffer; a clean stop drains whatever is still queued.
    assert.equal(await server.stop(), 0, server.stderr());
    assert.ok(acked.size >= BATCH, `some requests were acknowledged (${acked.size})`);

    const http = storedCounts(dataDir, 'crashhttp-');
    const missing = [...acked].filter((id) => !http.has(id));
    assert.deepEqual(
      missing.slice(0, 5),
      [],
      `${missing.length} of ${acked.size} acknowledged events are missing`,
    );
    const twice = [...http].filter(([, n]) => n > 1);
    assert.deepEqual(twice.slice(0, 5), [], `${twice.length} HTTP events are stored more than once`);
    const tcp = storedCounts(dataDir, 'crashtcp-');
    const tcpTwice = [...tcp].filter(([, n]) => n > 1);
    assert.deepEqual(tcpTwice.slice(0, 5), [], `${tcpTwice.length} TCP events are stored more than once`);
    assert.ok(tcp.size > 0, 'TCP syslog events were stored');
    // The evidence log caught up after every kill: the store verifies against it.
    const verified = vigil(['verify', '--data-dir', dataDir]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  },
);
