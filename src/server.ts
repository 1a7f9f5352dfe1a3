import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { RoleSet, TokenStore } from './api/auth.js';
import { SessionStore } from './api/sessions.js';
import { UserStore } from './api/users.js';
import { AuditLog } from './audit/audit.js';
import { buildApi } from './api/server.js';
import type { VigilConfig } from './config/load.js';
import { defaultBudgetMb, MemoryGuard, storeMemoryLimit } from './pipeline/memory.js';
import { Pipeline } from './pipeline/pipeline.js';
import type { Source } from './sources/source.js';
import { WalJournal } from './buffer/journal.js';
import { Ledger } from './evidence/ledger.js';
import { Wal } from './buffer/wal.js';
import { StreamDetector, type StreamDetectOptions } from './detect/stream.js';
import type { Signal } from './detect/signal.js';
import { createAnalyzers } from './detect/baseline/index.js';
import { EventStore, type Derive, type StoreInput } from './store/duckdb.js';
import type { Logger } from './telemetry/log.js';
import { Metrics } from './telemetry/metrics.js';
import { AlertManager } from './alerts/manager.js';
import { MetricStore, metricStoreOptions } from './metrics/store.js';
import { SpanStore } from './traces/store.js';

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
  alerts: AlertManager;
  spans: SpanStore;
  metricStore: MetricStore;
  stop(): Promise<void>;
  /**
   * Apply a new configuration without losing in-flight data (SIGHUP): sources whose settings
   * changed are stopped (their in-flight batches are acknowledged first) and started anew, removed
   * ones stopped, new ones started; transforms apply to the next batches. API and store settings
   * need a restart and are reported as such.
   */
  reload(next: VigilConfig): Promise<ReloadReport>;
}

export interface ReloadReport {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: string[];
  /** Settings that changed but only take effect after a restart. */
  needRestart: string[];
}

export function bufferDir(dataDir: string): string {
  return join(dataDir, 'buffer');
}

/**
 * The store and the pipeline in front of it, as configured; `vigil serve` and `vigil ingest` share
 * this. With `buffered` (serve, unless `buffer.enabled: false`), the write-ahead buffer sits in
 * between: what it holds from before a crash is stored first (replay), then senders are
 * acknowledged once their batch is in it. `vigil ingest` waits for the store itself.
 */
export async function openPipeline(
  config: VigilConfig,
  metrics: Metrics,
  log: Logger,
  options: {
    buffered?: boolean;
    derive?: Derive;
    /** Before the buffer is replayed into the store (detection catches up with the store). */
    beforeReplay?: (store: EventStore) => Promise<void>;
    /** After every committed append (detection hands its signals on). */
    onCommit?: () => void;
  } = {},
): Promise<{ store: EventStore; pipeline: Pipeline; ledger: Ledger | undefined; close(): Promise<void> }> {
  const store = await EventStore.open(config.dataDir, {
    memoryLimit: config.store.memory_limit ?? storeMemoryLimit(config.memory.budget_mb ?? defaultBudgetMb()),
    threads: config.store.threads,
    checkpointThreshold: config.store.checkpoint_threshold,
  });
  let journal: WalJournal | undefined;
  try {
    if (options.buffered && config.buffer.enabled) {
      const storedSeq = await store.storedWalSeq();
      const wal = await Wal.open({
        dir: bufferDir(config.dataDir),
        storedSeq,
        fsync: config.buffer.fsync,
        maxBytes: config.buffer.max_bytes,
        segmentBytes: config.buffer.segment_bytes,
      });
      const r = wal.recovery;
      if (r.tornBytes > 0 || r.corruptBytes > 0)
        log.warn(
          { tornBytes: r.tornBytes, corruptBytes: r.corruptBytes, corruptions: r.corruptions.slice(0, 5) },
          'buffer recovered: incomplete or damaged writes skipped (none of them acknowledged)',
        );
      journal = new WalJournal(wal, log.child({ component: 'buffer' }));
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const pipeline = new Pipeline(
    store,
    {
      batchMaxEvents: config.pipeline.batch_max_events,
      flushIntervalMs: config.pipeline.flush_interval_ms,
      maxQueueEvents: config.pipeline.max_queue_events,
      ...(journal ? { journal } : {}),
      ...(options.derive ? { derive: options.derive } : {}),
    },
    config.transforms.map((t) => t.kind.create(t.name, t.options)),
    metrics,
    log.child({ component: 'pipeline' }),
  );
  if (options.beforeReplay) await options.beforeReplay(store);
  if (options.onCommit) store.onCommit = options.onCommit;
  if (journal) {
    const afterSeq = await store.storedWalSeq();
    const replayed = await pipeline.replay(journal.pending(afterSeq));
    if (replayed > 0) log.info({ events: replayed }, 'stored what the buffer held from before the last stop');
  }
  // The evidence log catches up with whatever the store committed without it, then follows it.
  let ledger: Ledger | undefined;
  if (config.evidence.enabled) {
    ledger = await Ledger.open(config.dataDir, store, log.child({ component: 'evidence' }), {
      headIntervalMs: config.evidence.head_interval_ms,
      ...(config.evidence.publish_file ? { publishFile: config.evidence.publish_file } : {}),
    });
    store.onCommit = (rows) => {
      ledger!.committed(rows);
      options.onCommit?.();
    };
  }
  return {
    store,
    pipeline,
    ledger,
    close: async () => {
      await pipeline.close();
      await journal?.wal.close();
      await ledger?.close();
      await store.close();
    },
  };
}

/** Start Vigil: store, pipeline, API (with HTTP ingest) and the configured sources. */
export async function startServer(config: VigilConfig, log: Logger): Promise<RunningServer> {
  const { dataDir } = config;
  mkdirSync(dataDir, { recursive: true });
  const metrics = new Metrics({ processMetrics: true });
  // Alerts and detection first: what the buffer replays at start is evaluated like everything
  // else, and the signals of stored events the detection state had not seen reach the alerts.
  const alerts = await AlertManager.open({
    dataDir,
    config: config.alerts,
    log: log.child({ component: 'alerts' }),
  });
  const toAlerts = (signals: Signal[]) => {
    alerts
      .ingest(signals)
      .catch((error: unknown) => log.error({ err: error }, 'signals not turned into alerts'));
  };
  let detector: StreamDetector | undefined;
  const detectOptions = (c: VigilConfig): StreamDetectOptions => ({
    rules: c.detect.rules,
    reloadIntervalMs: c.detect.reload_interval_ms,
    ...(c.detect.placeholders ? { placeholders: c.detect.placeholders } : {}),
    builtin: c.detect.builtin,
    latenessMs: c.detect.lateness_ms,
    maxGroups: c.detect.max_groups,
    stateIntervalMs: c.detect.state_interval_ms,
    dataDir: c.dataDir,
  });
  const detecting = (c: VigilConfig) => c.detect.rules.length > 0 || c.detect.builtin;
  const newDetector = (c: VigilConfig) => {
    const d = new StreamDetector(detectOptions(c), metrics, log.child({ component: 'detect' }));
    for (const analyzer of createAnalyzers(c.detect)) d.addAnalyzer(analyzer);
    d.onSignals(toAlerts);
    d.start();
    return d;
  };
  if (detecting(config)) detector = newDetector(config);
  const derive = (stored: readonly StoreInput[]) => detector?.findings(stored) ?? [];
  let opened;
  try {
    opened = await openPipeline(config, metrics, log, {
      buffered: true,
      ...(detector ? { derive } : {}),
      beforeReplay: async (store) => {
        const replayed = await detector?.recover(store);
        if (replayed) log.info({ events: replayed }, 'detection state caught up with the store');
      },
      onCommit: () => detector?.committed(),
    });
  } catch (error) {
    detector?.stop();
    await alerts.close();
    throw error;
  }
  const { store, pipeline } = opened;
  const budgetMb = config.memory.budget_mb ?? defaultBudgetMb();
  const guard = new MemoryGuard(budgetMb * 2 ** 20, pipeline, (over, rss) =>
    over
      ? log.warn(
          { rssMb: Math.round(rss / 2 ** 20), budgetMb },
          'over the memory budget: pushing receivers back',
        )
      : log.info({ rssMb: Math.round(rss / 2 ** 20), budgetMb }, 'back under the memory budget'),
  );
  guard.start();
  // Spans and metric points have their own stores (OTLP, Prometheus); alerts their own journal.
  const metricOptions = metricStoreOptions(config.metrics);
  const spans = await SpanStore.open(dataDir);
  const metricStore = await MetricStore.open(dataDir, metricOptions);
  metricStore.startDownsampling(metricOptions.downsampleIntervalMs, (error) =>
    log.error({ err: error }, 'metric downsampling failed; raw points are kept'),
  );
  const tokens = new TokenStore(dataDir);
  const roles = new RoleSet(config.auth.roles);
  // The audit trail goes through the pipeline like any event: stored, searchable, in the Merkle log.
  const audit = config.auth.audit
    ? new AuditLog(pipeline, { log: log.child({ component: 'audit' }) })
    : undefined;
  const api = buildApi(
    {
      address: config.api.address,
      port: config.api.port,
      maxBodyBytes: config.api.max_body_bytes,
      tls: config.api.tls,
      queryTimeoutMs: config.store.query_timeout_ms,
      loginMaxFailures: config.auth.login_max_failures,
    },
    {
      store,
      sink: pipeline,
      metrics,
      tokens,
      log,
      ...(opened.ledger ? { evidence: opened.ledger.parts() } : {}),
      roles,
      users: new UserStore(dataDir),
      sessions: new SessionStore(dataDir, config.auth.session_ttl_ms),
      audit,
      alerts,
      spans,
      metricStore,
    },
  );
  const sources: Source[] = [];
  /** The configured options of each running source, to tell on reload what changed. */
  const sourceOptions = new Map<string, string>();
  const startSource = async (entry: VigilConfig['sources'][number]) => {
    const source = entry.kind.create(entry.name, entry.options, {
      sink: pipeline,
      metrics,
      log: log.child({ source: entry.name }),
      dataDir,
      signals: { spans, metrics: metricStore },
    });
    await source.start();
    sources.push(source);
    sourceOptions.set(entry.name, JSON.stringify([entry.type, entry.options]));
  };
  const stopSource = async (name: string) => {
    const index = sources.findIndex((s) => s.name === name);
    if (index === -1) return;
    const [source] = sources.splice(index, 1);
    sourceOptions.delete(name);
    await source!.stop();
  };
  const stopAll = async () => {
    // Pressure off first: sources drain what they hold before they stop.
    guard.stop();
    for (const source of sources) {
      try {
        await source.stop();
      } catch (error) {
        log.error({ err: error, source: source.name }, 'source did not stop cleanly');
      }
    }
    await api.close();
    await audit?.close();
    await opened.close();
    detector?.stop();
    await alerts.close();
    await spans.close();
    await metricStore.close();
    rmSync(serverInfoPath(dataDir), { force: true });
  };
  try {
    await api.listen({ host: config.api.address, port: config.api.port });
    for (const entry of config.sources) await startSource(entry);
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
  let current = config;
  const reload = async (next: VigilConfig): Promise<ReloadReport> => {
    // Built first: a transform that cannot start (a bad inventory file) fails the reload before
    // anything changed.
    const nextTransforms = next.transforms.map((t) => t.kind.create(t.name, t.options));
    const report: ReloadReport = { started: [], stopped: [], restarted: [], unchanged: [], needRestart: [] };
    for (const key of ['api', 'store', 'pipeline'] as const)
      if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) report.needRestart.push(key);
    if (next.dataDir !== current.dataDir) report.needRestart.push('data_dir');
    const wanted = new Map(next.sources.map((e) => [e.name, e]));
    for (const source of [...sources]) {
      if (!wanted.has(source.name)) {
        await stopSource(source.name);
        report.stopped.push(source.name);
      }
    }
    for (const entry of next.sources) {
      const options = JSON.stringify([entry.type, entry.options]);
      if (sourceOptions.get(entry.name) === options) {
        report.unchanged.push(entry.name);
        continue;
      }
      const restart = sourceOptions.has(entry.name);
      if (restart) await stopSource(entry.name);
      try {
        await startSource(entry);
        (restart ? report.restarted : report.started).push(entry.name);
      } catch (error) {
        log.error({ err: error, source: entry.name }, 'source did not start after reload');
      }
    }
    pipeline.setTransforms(nextTransforms);
    await alerts.reconfigure(next.alerts);
    if (!detecting(next)) {
      detector?.stop();
      detector = undefined;
      pipeline.setDerive(undefined);
    } else if (detector) detector.configure(detectOptions(next));
    else {
      detector = newDetector(next);
      pipeline.setDerive(derive);
    }
    info.sources = Object.fromEntries(sources.map((s) => [s.name, s.describe()]));
    writeFileSync(serverInfoPath(dataDir), JSON.stringify(info, null, 2) + '\n');
    current = next;
    audit?.record({
      action: 'config.reload',
      actor: { name: 'system', kind: 'system' },
      target: next.file,
      result: 'ok',
      details: { ...report },
    });
    log.info(report, 'configuration reloaded');
    return report;
  };
  return {
    url,
    info,
    store,
    pipeline,
    metrics,
    sources,
    alerts,
    spans,
    metricStore,
    stop: () => (stopping ??= stopAll()),
    reload,
  };
}

function writePrivate(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
