/**
 * Saving detector state so it survives a restart (even SIGKILL): atomic JSON snapshot files.
 * `saveStateFile` writes a temporary file beside the target, fsyncs it, renames it over the target
 * and fsyncs the directory, so the path always holds either the previous complete snapshot or the
 * new one, never a torn mix. `loadStateFile` reads it back (undefined when there is none yet).
 * Reusable by any component; `saveAnalyzers`/`restoreAnalyzers` do it for a set of stream
 * analyzers, keyed by name (an analyzer that is no longer configured is dropped, a new one starts
 * empty, a snapshot one analyzer refuses leaves that one empty and is reported).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { StreamAnalyzer } from './analyzer.js';

const FORMAT = 'vigil-state';
const VERSION = 1;

export class StateFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Write `state` as JSON to `path` atomically and durably (tmp + fsync + rename + fsync dir). */
export function saveStateFile(path: string, state: unknown): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const body = Buffer.from(JSON.stringify({ format: FORMAT, version: VERSION, state }) + '\n');
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let at = 0;
    while (at < body.length) at += writeSync(fd, body, at, body.length - at);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDirectory(dir);
}

/** The state saved at `path`, or undefined if there is no file. Throws StateFileError if it is not one. */
export function loadStateFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(path, `not JSON (${(error as Error).message})`);
  }
  const d = doc as { format?: unknown; version?: unknown; state?: unknown };
  if (!d || typeof d !== 'object' || d.format !== FORMAT)
    throw new StateFileError(path, 'not a Vigil state file');
  if (d.version !== VERSION) throw new StateFileError(path, `unsupported version ${String(d.version)}`);
  return d.state;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every analyzer's snapshot, by name. */
export function snapshotAnalyzers(analyzers: readonly StreamAnalyzer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of analyzers) out[a.name] = a.snapshot();
  return out;
}

export interface RestoreReport {
  restored: string[];
  /** Analyzers with no saved state (new ones). */
  fresh: string[];
  /** Saved states that were refused (the analyzer starts empty). */
  failed: { name: string; error: string }[];
}

/** Restore each analyzer from the saved snapshots by name. */
export function restoreAnalyzerStates(analyzers: readonly StreamAnalyzer[], saved: unknown): RestoreReport {
  const report: RestoreReport = { restored: [], fresh: [], failed: [] };
  const byName = saved && typeof saved === 'object' ? (saved as Record<string, unknown>) : {};
  for (const a of analyzers) {
    if (!Object.hasOwn(byName, a.name)) {
      report.fresh.push(a.name);
      continue;
    }
    try {
      a.restore(byName[a.name]);
      report.restored.push(a.name);
    } catch (error) {
      report.failed.push({ name: a.name, error: (error as Error).message });
    }
  }
  return report;
}

/** Save the analyzers' state to `path` (atomic). */
export function saveAnalyzers(path: string, analyzers: readonly StreamAnalyzer[]): void {
  saveStateFile(path, snapshotAnalyzers(analyzers));
}

/** Restore the analyzers from `path`; all fresh when there is no file. Throws StateFileError on a bad file. */
export function restoreAnalyzers(path: string, analyzers: readonly StreamAnalyzer[]): RestoreReport {
  const saved = loadStateFile(path);
  if (saved === undefined) return { restored: [], fresh: analyzers.map((a) => a.name), failed: [] };
  return restoreAnalyzerStates(analyzers, saved);
}
