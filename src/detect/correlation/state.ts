/**
 * The stateful detectors' state on disk: `<dataDir>/state/correlation.json`, written atomically
 * (a temporary file, fsync, rename, fsync of the directory), so a SIGKILL at any moment leaves
 * either the previous snapshot or the new one, never a torn file. The thin I/O shell around the
 * engines' pure `snapshot()` / `restore()`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the state of a data directory lives. */
export function statePath(dataDir: string): string {
  return join(dataDir, 'state', 'correlation.json');
}

/** Write `state` as JSON, atomically and durably. Throws on I/O errors. */
export function writeStateFile(path: string, state: unknown): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The saved state, or undefined when there is none. Throws when the file is unreadable JSON. */
export function readStateFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
