import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { alertQuerySchema } from '../alerts/query.js';
import { resolveConfig } from '../config/load.js';
import { DEMO_QUERIES, DEMO_STORY } from '../demo/story.js';
import { generateDemo, type DemoRecord } from '../demo/generate.js';
import { runSearch } from '../query/search.js';
import { localTokenPath, startServer, type RunningServer } from '../server.js';
import { TokenStore } from '../api/auth.js';
import { createLogger } from '../telemetry/log.js';
import { waitForSignal } from './signals.js';

export interface DemoOptions {
  dataDir?: string;
  port?: number;
  minutes: number;
  exit?: boolean;
}

const DEFAULT_PORT = 8470;

/** Send JSON records to the HTTP ingest API in NDJSON batches; resolves when all are acknowledged. */
async function feedHttp(server: RunningServer, token: string, records: DemoRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 2000) {
    const body = records
      .slice(i, i + 2000)
      .map((r) => r.text)
      .join('\n');
    const response = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  }
}

/** Send syslog lines to the syslog TCP receiver with RFC 6587 octet counting. */
async function feedSyslog(port: number, records: DemoRecord[]): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      for (const r of records) {
        const frame = Buffer.from(r.text, 'utf8');
        socket.write(`${frame.length} `);
        socket.write(frame);
      }
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolvePromise());
  });
}

function syslogTcpPort(server: RunningServer): number | undefined {
  const described = server.info.sources.syslog ?? '';
  const match = /tcp[^\d]*(?:[\d.:[\]a-f]*?):(\d+)/i.exec(described);
  return match ? Number(match[1]) : undefined;
}

async function waitForCount(server: RunningServer, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  while (Date.now() < deadline) {
    await server.pipeline.flush();
    count = await server.store.count();
    if (count >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return count;
}

/** `vigil demo`: a real server, real receivers, generated telemetry with an attack story in it. */
export async function runDemo(options: DemoOptions): Promise<void> {
  const log = createLogger('vigil', process.env.VIGIL_LOG_LEVEL ?? 'warn');
  const dataDir = resolve(options.dataDir ?? mkdtempSync('vigil-demo-'));
  const makeConfig = (port: number) =>
    resolveConfig(
      { api: { port }, sources: [{ type: 'syslog', name: 'syslog', udp_port: 0, tcp_port: 0 }] },
      '(demo)',
      dataDir,
    );
  let server: RunningServer;
  try {
    server = await startServer(makeConfig(options.port ?? DEFAULT_PORT), log);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port) throw error;
    server = await startServer(makeConfig(0), log);
  }
  const out = (line = '') => process.stdout.write(line + '\n');
  out(`Vigil demo: serving ${server.url}, data in ${dataDir}`);
  const now = Date.now();
  const records = generateDemo({
    seed: 7,
    start: now - options.minutes * 60_000,
    durationMs: options.minutes * 60_000,
  });
  const json = records.filter((r) => r.format === 'json');
  const syslog = records.filter((r) => r.format === 'syslog');
  const token = readFileSync(localTokenPath(dataDir), 'utf8').trim();
  const started = performance.now();
  const port = syslogTcpPort(server);
  await Promise.all([
    feedHttp(server, token, json),
    port !== undefined ? feedSyslog(port, syslog) : feedHttp(server, token, syslog),
  ]);
  const stored = await waitForCount(server, records.length, 30_000);
  const seconds = (performance.now() - started) / 1000;
  out(
    `Fed ${records.length} events from ${new Set(records.map((r) => r.format)).size} formats ` +
      `(${json.length} Windows events over HTTP, ${syslog.length} syslog lines over TCP) in ${seconds.toFixed(1)} s; ${stored} stored.`,
  );
  out('');
  out('Hidden in it: an intrusion. Its steps, in order:');
  for (const step of DEMO_STORY) out(`  - ${step.technique.padEnd(10)} ${step.description}`);
  out('');
  out('Try these searches (results from this data):');
  for (const q of DEMO_QUERIES) {
    const result = await runSearch(server.store, q.query, { now: Date.now(), limit: 1000 });
    const n = result.kind === 'events' ? result.events.length : result.rows.length;
    out(`  ${q.title}  [${n} ${result.kind === 'events' ? 'events' : 'rows'}]`);
    out(`    npx vigil search --data-dir ${dataDir} '${q.query}'`);
  }
  const analyst = new TokenStore(dataDir).create(`demo-analyst-${Date.now()}`, 'analyst');
  out('');
  out('Or over the API with an analyst token created for you:');
  out(
    `  curl -s -H 'Authorization: Bearer ${analyst.token}' '${server.url}/api/v1/search?q=event_code%3D4624&limit=5'`,
  );
  out(`  curl -s -H 'Authorization: Bearer ${analyst.token}' ${server.url}/metrics | grep vigil_events`);
  const alerts = server.alerts.list(alertQuerySchema.parse({ limit: 1000 }));
  out('');
  out(`Alerts raised by the built-in rules: ${alerts.total}   (npx vigil alerts list --data-dir ${dataDir})`);
  out(`Web console: ${server.url}/   log in with the analyst token above.`);
  if (options.exit) {
    await server.stop();
    return;
  }
  out('');
  out('Serving until Ctrl-C.');
  await waitForSignal(log, server.stop);
}
