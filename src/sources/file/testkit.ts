/**
 * Test support for the file source: a sink that records batches (and can be slow or fail), a
 * logger that keeps its lines, and a harness that starts sources over a temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { z } from 'zod';
import { Metrics } from '../../telemetry/metrics.js';
import { fileSource, type fileSourceSchema } from '../file.js';
import type { BatchResult, RawRecord, Sink, Source, SourceBatch } from '../source.js';

export class FakeSink implements Sink {
  readonly batches: SourceBatch[] = [];
  /** Submits started (including failed ones). */
  calls = 0;
  /** Delay before each submit settles. */
  delayMs = 0;
  /** How many of the next submits reject (as a store error would). */
  failures = 0;
  /** Largest number of submits in flight at once for one file. */
  maxInFlightPerFile = 0;
  private readonly inFlight = new Map<string, number>();

  async submit(batch: SourceBatch): Promise<BatchResult> {
    this.calls += 1;
    const file = batch.records[0]?.position.replace(/ line \d+$/, '') ?? '';
    const n = (this.inFlight.get(file) ?? 0) + 1;
    this.inFlight.set(file, n);
    this.maxInFlightPerFile = Math.max(this.maxInFlightPerFile, n);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failures > 0) {
        this.failures -= 1;
        throw new Error('store unavailable');
      }
      this.batches.push(batch);
      return { accepted: batch.records.length, rejected: 0, errors: [] };
    } finally {
      this.inFlight.set(file, (this.inFlight.get(file) ?? 1) - 1);
    }
  }

  get records(): RawRecord[] {
    return this.batches.flatMap((b) => b.records);
  }

  texts(): string[] {
    return this.records.map((r) => r.text);
  }
}

export interface LogLine {
  level: number;
  msg: string;
  path?: string;
  [k: string]: unknown;
}

export type FileSourceInput = z.input<typeof fileSourceSchema>;

export interface Harness {
  dir: string;
  dataDir: string;
  sink: FakeSink;
  metrics: Metrics;
  logs: LogLine[];
  /** Create and start a source (several may be created in turn, e.g. to test restarts). */
  start(
    config: Omit<Partial<FileSourceInput>, 'type'> & Pick<FileSourceInput, 'include'>,
    name?: string,
  ): Promise<Source>;
  /** Stop every source still running and delete the directory. */
  close(): Promise<void>;
}

/** Fast timings for tests: polls every 20 ms, globs every 40 ms, rotated files finished after 150 ms. */
export const FAST = {
  poll_interval_ms: 20,
  glob_interval_ms: 40,
  finish_idle_ms: 150,
  retry_initial_ms: 10,
  retry_max_ms: 50,
} as const;

export async function harness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-file-'));
  const dataDir = join(dir, '.data');
  const sink = new FakeSink();
  const metrics = new Metrics();
  const logs: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  const running: Source[] = [];
  return {
    dir,
    dataDir,
    sink,
    metrics,
    logs,
    async start(config, name = 'files') {
      const parsed = fileSource.schema.parse({ type: 'file', ...FAST, ...config });
      const source = fileSource.create(name, parsed, { sink, metrics, log, dataDir });
      await source.start();
      running.push(source);
      return source;
    },
    async close() {
      await Promise.all(running.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Wait until `cond()` holds, polling every 5 ms; fail with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `prefix 1\nprefix 2\n...` for lines from..to. */
export function numbered(prefix: string, from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
}
