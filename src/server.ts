import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TokenStore } from './api/auth.js';
import { buildApi } from './api/server.js';
import type { VigilConfig } from './config/load.js';
import { Pipeline } from './pipeline/pipeline.js';
import type { Source } from './sources/source.js';
import { EventStore } from './store/duckdb.js';
import type { Logger } from './telemetry/log.js';
import { Metrics } from './telemetry/metrics.js';

/** How local CLI commands find a running server for a data directory. */
export interface ServerInfo {
  url: string;
  pid: number;
  started_at: string;
  sources: Record<string, string>;
}

export function serverInfoPath(dataDir: string): string {
  return join(dataDir, 'server.json');
}

/** A token for CLI commands run by the same user on the same machine (mode 0600). */
export function localTokenPath(dataDir: string): string {
  return join(dataDir, 'auth', 'local-token');
}

export interface RunningServer {
  url: string;
  info: ServerInfo;
  store: EventStore;
  pipeline: Pipeline;
  metrics: Metrics;
  sources: Source[];
  stop(): Promise<void>;
}

/** The store and the pipeline in front of it, as configured; `vigil serve` and `vigil ingest` share this. */
export async function openPipeline(
  config: VigilConfig,
  metrics: Metrics,
  log: Logger,
): Promise<{ store: EventStore; pipeline: Pipeline }> {
  const store = await EventStore.open(config.dataDir, {
    memoryLimit: config.store.memory_limit,
    threads: config.store.threads,
    checkpointThreshold: config.store.checkpoint_threshold,
  });
  const pipeline = new Pipeline(
    store,
    {
      batchMaxEvents: config.pipeline.batch_max_events,
      flushIntervalMs: config.pipeline.flush_interval_ms,
      maxQueueEvents: config.pipeline.max_queue_events,
    },
    config.transforms.map((t) => t.kind.create(t.name, t.options)),
    metrics,
    log.child({ component: 'pipeline' }),
  );
  return { store, pipeline };
}

/** Start Vigil: store, pipeline, API (with HTTP ingest) and the configured sources. */
export async function startServer(config: VigilConfig, log: Logger): Promise<RunningServer> {
  const { dataDir } = config;
  mkdirSync(dataDir, { recursive: true });
  const metrics = new Metrics({ processMetrics: true });
  const { store, pipeline } = await openPipeline(config, metrics, log);
  const tokens = new TokenStore(dataDir);
  const api = buildApi(
    {
      address: config.api.address,
      port: config.api.port,
      maxBodyBytes: config.api.max_body_bytes,
      tls: config.api.tls,
      queryTimeoutMs: config.store.query_timeout_ms,
    },
    { store, sink: pipeline, metrics, tokens, log },
  );
  const sources: Source[] = [];
  const stopAll = async () => {
    for (const source of sources) {
      try {
        await source.stop();
      } catch (error) {
        log.error({ err: error, source: source.name }, 'source did not stop cleanly');
      }
    }
    await api.close();
    await pipeline.close();
    await store.close();
    rmSync(serverInfoPath(dataDir), { force: true });
  };
  try {
    await api.listen({ host: config.api.address, port: config.api.port });
    for (const entry of config.sources) {
      const source = entry.kind.create(entry.name, entry.options, {
        sink: pipeline,
        metrics,
        log: log.child({ source: entry.name }),
        dataDir,
      });
      await source.start();
      sources.push(source);
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  const address = api.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${config.api.tls ? 'https' : 'http'}://${host}:${address.port}`;
  const local = tokens.create('local-cli', 'admin');
  writePrivate(localTokenPath(dataDir), local.token + '\n');
  const info: ServerInfo = {
    url,
    pid: process.pid,
    started_at: new Date().toISOString(),
    sources: Object.fromEntries(sources.map((s) => [s.name, s.describe()])),
  };
  writeFileSync(serverInfoPath(dataDir), JSON.stringify(info, null, 2) + '\n');
  log.info({ url, sources: info.sources, dataDir }, 'vigil is running');
  let stopping: Promise<void> | undefined;
  return {
    url,
    info,
    store,
    pipeline,
    metrics,
    sources,
    stop: () => (stopping ??= stopAll()),
  };
}

function writePrivate(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
