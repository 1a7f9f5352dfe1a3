/**
 * TLS reload without restart and mutual TLS, with throwaway openssl certificates: the API (HTTPS)
 * and syslog over TLS serve a rotated certificate to new connections; a half-written rotation is
 * not applied; with require_client_cert a client without a certificate is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type PeerCertificate } from 'node:tls';
import { SyslogSource, syslogConfigSchema } from '../sources/syslog.js';
import type { BatchResult, SourceBatch } from '../sources/source.js';
import { EventStore } from '../store/duckdb.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { buildTestApi } from './access.testing.js';
import { CertReloader, TlsConfigError } from './tls.js';

let dir: string;
const file = (name: string) => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=vigil test CA',
  );
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const who of ['first', 'second', 'client']) {
    openssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=vigil ${who}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.crt`,
      '-days',
      '2',
      ...(who === 'client' ? [] : ['-extfile', 'server.ext']),
    );
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Install `who`'s certificate and key as the served pair (by copy, as a rotation would). */
function install(prefix: string, who: string, parts: ('crt' | 'key')[] = ['crt', 'key']): void {
  for (const part of parts) copyFileSync(file(`${who}.${part}`), file(`${prefix}.${part}`));
}

/** The certificate a new connection gets (and whether the handshake worked). */
function handshake(
  port: number,
  client?: { cert: Buffer; key: Buffer },
  http = true,
): Promise<{ cn?: string; error?: string; authorized: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(file('ca.crt')),
      servername: 'localhost',
      ...(client ?? {}),
    });
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      if (!http) {
        // Not HTTP (syslog): the server never answers; the certificate is what we came for.
        socket.destroy();
        resolve({ cn: String(cert.subject?.CN), authorized: socket.authorized });
        return;
      }
      // TLS 1.3: a refused client certificate shows up after the handshake, as the first read.
      socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.once('error', (error) =>
        resolve({ cn: String(cert.subject?.CN), error: error.message, authorized: false }),
      );
      socket.once('close', () =>
        resolve(
          data.startsWith('HTTP/1.1 200') || data === ''
            ? { cn: String(cert.subject?.CN), authorized: data !== '' }
            : { cn: String(cert.subject?.CN), authorized: false },
        ),
      );
    });
    socket.once('error', (error) => resolve({ error: error.message, authorized: false }));
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('the reloader refuses bad files up front, and names them', () => {
  install('bad', 'first', ['crt']);
  install('bad', 'second', ['key']);
  assert.throws(
    () => new CertReloader({ cert: file('bad.crt'), key: file('bad.key') }, { intervalMs: 0 }),
    (e: Error) => e instanceof TlsConfigError && e.message.includes('bad.crt') && /key/i.test(e.message),
  );
  assert.throws(
    () => new CertReloader({ cert: file('missing.crt'), key: file('bad.key') }, { intervalMs: 0 }),
    /missing\.crt/,
  );
  assert.throws(
    () => new CertReloader({ cert: file('first.crt'), key: file('first.key'), require_client_cert: true }),
    /client_ca/,
  );
});

test('API over HTTPS: a rotated certificate reaches new connections without a restart', async () => {
  install('api', 'first');
  const store = await EventStore.open(mkdtempSync(join(tmpdir(), 'vigil-tls-store-')));
  const { app } = buildTestApi(store, {
    tls: { cert: file('api.crt'), key: file('api.key'), reload_interval_ms: 30 },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const first = await handshake(port);
    assert.equal(first.cn, 'vigil first');
    assert.ok(first.authorized, JSON.stringify(first));

    // Half a rotation (new certificate, old key) is not applied.
    install('api', 'second', ['crt']);
    await sleep(200);
    assert.equal((await handshake(port)).cn, 'vigil first');
    install('api', 'second', ['key']);
    await until('the new certificate', async () => (await handshake(port)).cn === 'vigil second');
  } finally {
    await app.close();
    await store.close();
  }
});

test('API with mutual TLS: a client without a certificate is refused, one with it gets in', async () => {
  install('mtls', 'first');
  const store = await EventStore.open(mkdtempSync(join(tmpdir(), 'vigil-tls-store-')));
  const { app } = buildTestApi(store, {
    tls: {
      cert: file('mtls.crt'),
      key: file('mtls.key'),
      client_ca: file('ca.crt'),
      require_client_cert: true,
      reload_interval_ms: 0,
    },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const refused = await handshake(port);
    assert.ok(!refused.authorized, JSON.stringify(refused));
    assert.ok(refused.error, 'the handshake fails');
    const client = { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) };
    const welcome = await handshake(port, client);
    assert.ok(welcome.authorized, JSON.stringify(welcome));
  } finally {
    await app.close();
    await store.close();
  }
});

test('syslog over TLS: rotation without restart', async () => {
  install('syslog', 'first');
  const batches: SourceBatch[] = [];
  const sink = {
    submit: (batch: SourceBatch): Promise<BatchResult> => {
      batches.push(batch);
      return Promise.resolve({ accepted: batch.records.length, rejected: 0, errors: [] });
    },
  };
  const config = syslogConfigSchema.parse({
    type: 'syslog',
    udp_port: null,
    tcp_port: null,
    tls: { port: 0, cert: file('syslog.crt'), key: file('syslog.key'), reload_interval_ms: 30 },
  });
  const source = new SyslogSource('syslog_tls', config, {
    sink,
    metrics: new Metrics(),
    log: silentLogger,
    dataDir: dir,
  });
  await source.start();
  try {
    const port = source.ports().tls!;
    assert.equal((await handshake(port, undefined, false)).cn, 'vigil first');
    install('syslog', 'second');
    await until(
      'the new certificate',
      async () => (await handshake(port, undefined, false)).cn === 'vigil second',
    );
  } finally {
    await source.stop();
  }
});
