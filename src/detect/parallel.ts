/**
 * Offline detection on every core: the main thread reads and decompresses the file and cuts it
 * into chunks of records; worker threads (parallel-worker.ts), each with its own compiled rule
 * set, parse and match them. Results are applied in file order, so matches, statistics and
 * output are exactly those of `detectFile` on one thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { importFile } from '../sources/import.js';
import type { RawRecord, RecordError } from '../sources/source.js';
import type { OfflineMatch, OfflineOptions, OfflineStats } from './offline.js';
import type { RuleInfo } from './sigma/compile.js';
import { SigmaError } from './sigma/errors.js';
import { LEVELS, type Level, type SigmaDocument } from './sigma/rule.js';
import type { MatchedEvent } from './sigma/finding.js';

/** Where the workers load their rules from (each builds its own rule set). */
export interface RuleSource {
  rules: readonly string[];
  placeholders?: string;
  /** Only rules of this level or above. */
  minLevel?: Level;
}

/** The documents without the rules below `minLevel` (filters and correlations stay). */
export function atLeastLevel(
  documents: (SigmaDocument | SigmaError)[],
  minLevel: Level | undefined,
): (SigmaDocument | SigmaError)[] {
  if (!minLevel) return documents;
  const floor = LEVELS.indexOf(minLevel);
  return documents.filter(
    (d) =>
      d instanceof SigmaError || d.kind !== 'rule' || LEVELS.indexOf(d.level ?? 'informational') >= floor,
  );
}

export interface WorkerInit extends RuleSource {
  format?: string;
}

export interface ChunkRequest {
  seq: number;
  /** 1-based index of the chunk's first record in the file. */
  startIndex: number;
  records: Pick<RawRecord, 'text' | 'position' | 'format'>[];
}

export interface WorkerMatch {
  rule: RuleInfo;
  index: number;
  position: string;
  time?: number;
  product?: string;
  logName?: string;
  computer?: string;
  eventId?: string;
}

export interface ChunkResult {
  seq: number;
  records: number;
  rejected: RecordError[];
  matches: WorkerMatch[];
  /** The worker's rule evaluation errors so far. */
  errors?: number;
}

/** Workers to use by default: one per core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

const CHUNK_RECORDS = 512;

/** A pool of detection workers with their rule sets built; reusable across files. */
export class DetectionPool {
  private constructor(
    private readonly workers: Worker[],
    readonly rules: number,
  ) {}

  static async start(source: RuleSource, count: number, format?: string): Promise<DetectionPool> {
    const init: WorkerInit = { ...source, ...(format ? { format } : {}) };
    const url = new URL('./parallel-worker.js', import.meta.url);
    const workers = Array.from({ length: Math.max(1, count) }, () => new Worker(url, { workerData: init }));
    try {
      const ready = await Promise.all(
        workers.map(
          (w) =>
            new Promise<number>((resolve, reject) => {
              const onExit = (code: number) => reject(new Error(`detection worker exited with code ${code}`));
              const onMessage = (m: { rules: number }) => {
                w.off('error', reject);
                w.off('exit', onExit);
                resolve(m.rules);
              };
              w.once('message', onMessage);
              w.once('error', reject);
              w.once('exit', onExit);
            }),
        ),
      );
      return new DetectionPool(workers, ready[0] ?? 0);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  private readonly workerErrors = new Map<Worker, number>();

  /** Rule evaluation errors summed over the workers (as of their last answers). */
  get errors(): number {
    let n = 0;
    for (const e of this.workerErrors.values()) n += e;
    return n;
  }

  /** Run the rules over one file, adding to `stats`; like detectFile. */
  async detectFile(path: string, stats: OfflineStats, options: OfflineOptions = {}): Promise<void> {
    const limit = options.limit ?? Infinity;
    const results = new Map<number, ChunkResult>();
    let nextToApply = 0;
    let seq = 0;
    let index = 0;
    let inFlight = 0;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const idle: Worker[] = [...this.workers];
    const pendingIssues = new Map<number, RecordError[]>();

    const apply = () => {
      for (let r = results.get(nextToApply); r; r = results.get(nextToApply)) {
        results.delete(nextToApply);
        for (const issue of pendingIssues.get(nextToApply) ?? []) reject(stats, issue);
        pendingIssues.delete(nextToApply);
        stats.records += r.records;
        for (const e of r.rejected) reject(stats, e);
        for (const m of r.matches) record(stats, path, m, options);
        nextToApply++;
      }
    };
    const onMessage = (worker: Worker) => (result: ChunkResult) => {
      inFlight--;
      idle.push(worker);
      if (result.errors !== undefined) this.workerErrors.set(worker, result.errors);
      results.set(result.seq, result);
      apply();
      wake?.();
    };
    const onError = (error: Error) => {
      failure = error;
      wake?.();
    };
    const handlers = this.workers.map((w) => {
      const message = onMessage(w);
      w.on('message', message);
      w.on('error', onError);
      return { w, message };
    });
    const waitForWorker = async () => {
      while (idle.length === 0 && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
    };
    try {
      outer: for await (const chunk of importFile(path, { format: options.format })) {
        if (chunk.issues?.length) {
          // Unreadable stretches count in order with the records around them.
          stats.records += chunk.issues.length;
          const list = pendingIssues.get(seq) ?? [];
          list.push(...chunk.issues);
          pendingIssues.set(seq, list);
        }
        for (let start = 0; start < chunk.records.length; start += CHUNK_RECORDS) {
          if (index >= limit) break outer;
          const slice = chunk.records.slice(start, Math.min(chunk.records.length, start + CHUNK_RECORDS));
          const take = slice.slice(0, Math.min(slice.length, limit - index));
          await waitForWorker();
          const worker = idle.pop()!;
          const request: ChunkRequest = {
            seq: seq++,
            startIndex: index + 1,
            records: take.map((r) =>
              r.format
                ? { text: r.text, position: r.position, format: r.format }
                : { text: r.text, position: r.position },
            ),
          };
          index += take.length;
          inFlight++;
          worker.postMessage(request);
        }
        options.onProgress?.(stats.records, chunk.bytesRead);
      }
      while (inFlight > 0 && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
      // Issues after the last chunk of records.
      for (const [s, list] of pendingIssues)
        if (s >= nextToApply) for (const issue of list) reject(stats, issue);
    } finally {
      for (const { w, message } of handlers) {
        w.off('message', message);
        w.off('error', onError);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function record(stats: OfflineStats, path: string, m: WorkerMatch, options: OfflineOptions): void {
  stats.matches++;
  const key = m.rule.id ?? m.rule.title;
  const entry = stats.byRule.get(key);
  if (entry) entry.count++;
  else stats.byRule.set(key, { rule: m.rule, count: 1 });
  if (!options.onMatch) return;
  const line = positionNumber(m.position) ?? m.index;
  const event: MatchedEvent = { path, line };
  if (m.time !== undefined) event.time = m.time;
  if (m.product) event.product = m.product;
  if (m.logName) event.logName = m.logName;
  const match: OfflineMatch = { rule: m.rule, path, line, event };
  if (m.computer) match.computer = m.computer;
  if (m.eventId) match.eventId = m.eventId;
  options.onMatch(match);
}

function reject(stats: OfflineStats, error: RecordError): void {
  stats.rejected++;
  if (stats.rejections.length < 5) stats.rejections.push(error);
}

/** `app.ndjson line 42` / `doc.json record 7` → 42 / 7. */
function positionNumber(position: string): number | undefined {
  const m = / (?:line|record) (\d+)$/.exec(position);
  return m ? Number(m[1]) : undefined;
}
