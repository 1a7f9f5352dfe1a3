import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { freePort, startVigil, vigil, waitFor, type ServerHandle } from './harness.js';

/**
 * The whole path with real parts: `vigil serve` as a process, syslog sent by the system's
 * `logger` over UDP and TCP in both RFC formats, NDJSON over HTTP, then `vigil search` finds each.
 */
describe('vigil serve end to end', () => {
  let server: ServerHandle;
  let syslogPort: number;
  let token: string;
  const run = `e2e${process.pid}x${Date.now().toString(36)}`;

  before(async () => {
    syslogPort = await freePort();
    const apiPort = await freePort();
    server = await startVigil(
      [
        `api: { address: 127.0.0.1, port: ${apiPort} }`,
        'pipeline: { flush_interval_ms: 5 }',
        'sources:',
        `  - { type: syslog, name: syslog, address: 127.0.0.1, udp_port: ${syslogPort}, tcp_port: ${syslogPort} }`,
      ].join('\n'),
    );
    const created = vigil([
      'token',
      'create',
      '--role',
      'ingest',
      '--name',
      'e2e',
      '--data-dir',
      server.dataDir,
    ]);
    assert.equal(created.status, 0, created.stderr);
    token = created.stdout.trim();
  });

  after(async () => {
    const code = await server?.stop();
    assert.equal(code, 0, `vigil serve should exit 0 on SIGTERM; stderr: ${server?.stderr()}`);
  });

  const search = (query: string, format = 'json') => {
    const result = vigil([
      'search',
      query,
      '--format',
      format,
      '--limit',
      '1000',
      '--data-dir',
      server.dataDir,
    ]);
    assert.equal(result.status, 0, result.stderr);
    return format === 'json'
      ? (JSON.parse(result.stdout) as { events: Record<string, unknown>[] })
      : result.stdout;
  };

  test('syslog from logger over UDP and TCP, RFC 5424 and 3164, octet counting and LF framing', async () => {
    const variants = [
      ['udp5424', ['--udp', '--rfc5424']],
      ['udp3164', ['--udp', '--rfc3164']],
      ['tcp5424oc', ['--tcp', '--rfc5424', '--octet-count']],
      ['tcp5424lf', ['--tcp', '--rfc5424']],
      ['tcp3164', ['--tcp', '--rfc3164']],
    ] as const;
    for (const [name, flags] of variants) {
      const sent = spawnSync(
        'logger',
        [
          '--server',
          '127.0.0.1',
          '--port',
          String(syslogPort),
          ...flags,
          '-t',
          'e2eapp',
          `${run} ${name} hello`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(sent.status, 0, `logger ${flags.join(' ')}: ${sent.stderr}`);
    }
    const found = await waitFor('all syslog messages to be searchable', () => {
      const { events } = search(`${run} e2eapp`) as { events: Record<string, unknown>[] };
      return events.length >= variants.length ? events : undefined;
    });
    for (const [name] of variants) {
      const matches = found.filter((e) => String(e.message ?? e.raw_data).includes(`${run} ${name} hello`));
      assert.equal(matches.length, 1, `${name} stored exactly once`);
      assert.equal(matches[0]!.source, 'syslog');
    }
  });

  test('NDJSON over HTTP with gzip, acknowledged only when stored, then searchable', async () => {
    const lines = [1, 2, 3].map((i) =>
      JSON.stringify({
        '@timestamp': new Date().toISOString(),
        message: `${run} http event ${i}`,
        host: 'web-1',
        n: i,
      }),
    );
    const response = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-ndjson',
        'content-encoding': 'gzip',
      },
      body: gzipSync(lines.join('\n')),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { accepted: 3, rejected: 0, errors: [] });
    // Acknowledged means stored: the search sees them at once, no waiting.
    const { events } = search(`"${run} http event"`) as { events: Record<string, unknown>[] };
    assert.equal(events.length, 3);
    assert.deepEqual(
      events.map((e) => (e.device as { hostname: string }).hostname),
      ['web-1', 'web-1', 'web-1'],
    );
  });

  test('the API refuses requests without a valid token, and the wrong role', async () => {
    const noToken = await fetch(`${server.url}/api/v1/search?q=*`);
    assert.equal(noToken.status, 401);
    const bad = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: 'Bearer vgl_nope' },
      body: '{}',
    });
    assert.equal(bad.status, 401);
    const wrongRole = await fetch(`${server.url}/api/v1/search?q=*`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(wrongRole.status, 403);
  });

  test('bad input gets a clear error and the server keeps running', async () => {
    const response = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '[{"ok": 1}, {"broken": ',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { message: string };
    assert.match(body.message, /offset|position|JSON/i);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });

  test('/metrics reports received, stored and rejected by reason', async () => {
    const admin = vigil([
      'token',
      'create',
      '--role',
      'monitor',
      '--name',
      'prom',
      '--data-dir',
      server.dataDir,
    ]).stdout.trim();
    const text = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    assert.match(text, /vigil_events_received_total\{source="http"\} \d+/);
    assert.match(text, /vigil_events_stored_total \d+/);
    assert.match(text, /vigil_events_rejected_total\{source="http",reason="invalid_json"\} 1/);
    assert.match(text, /vigil_batch_latency_seconds_bucket/);
  });

  test('vigil dropped lists rejections by source and reason, with the bad records and their errors', async () => {
    const response = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: '{"message":"fine"}\n{"user": "bob", "oops\n',
    });
    assert.equal(response.status, 200);
    const out = vigil(['dropped', '--source', 'http', '--format', 'json', '--data-dir', server.dataDir]);
    assert.equal(out.status, 0, out.stderr);
    const body = JSON.parse(out.stdout) as {
      counts: { source: string; reason: string; count: number }[];
      samples: { source: string; reason: string; position: string; message: string; raw: string }[];
    };
    assert.ok(body.counts.some((c) => c.source === 'http' && c.reason === 'invalid_json' && c.count >= 1));
    const sample = body.samples.find((s) => s.raw === '{"user": "bob", "oops');
    assert.ok(sample, 'the rejected record is in the sample as received');
    assert.equal(sample.reason, 'invalid_json');
    assert.match(sample.position, /line 2/);
    assert.match(sample.message, /JSON|offset/i);
    const table = vigil(['dropped', '--data-dir', server.dataDir]);
    assert.match(table.stdout, /invalid_json/);
    // Raw records are data: a monitor token may read counters, not this.
    const monitor = vigil([
      'token',
      'create',
      '--role',
      'monitor',
      '--name',
      'm2',
      '--data-dir',
      server.dataDir,
    ]).stdout.trim();
    const denied = await fetch(`${server.url}/api/v1/dropped`, {
      headers: { authorization: `Bearer ${monitor}` },
    });
    assert.equal(denied.status, 403);
  });
});
