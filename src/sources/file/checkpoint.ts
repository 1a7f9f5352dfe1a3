/**
 * Checkpoints of the file source: for each file, the identity and the position of the first byte
 * not yet acknowledged by the pipeline. Saved atomically (temp file, fsync, rename, fsync of the
 * directory), so after a crash the file holds either the previous or the new state, never a mix.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

const fingerprintSchema = z.object({
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const checkpointSchema = z.object({
  path: z.string(),
  dev: z.string().regex(/^\d+$/),
  ino: z.string().regex(/^\d+$/),
  fingerprint: fingerprintSchema,
  offset: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
  /** When the file was last found (ms since the epoch); entries unseen for long are forgotten. */
  seen: z.number(),
  /** Renamed or moved away since it was first followed: its unterminated last line is final. */
  rotated: z.boolean().optional(),
  /** Read to its end after it was rotated away; not searched for again at startup. */
  finished: z.boolean().optional(),
});

const checkpointFileSchema = z.object({
  version: z.literal(1),
  /** When this file was written (ms since the epoch): files born later appeared while stopped. */
  saved_at: z.number().optional(),
  files: z.array(checkpointSchema),
});

export type FileCheckpoint = z.infer<typeof checkpointSchema>;

/** Entries of files not found for this long are dropped (a week covers long outages of a mount). */
export const CHECKPOINT_TTL_MS = 7 * 24 * 3600 * 1000;

export function checkpointKey(cp: Pick<FileCheckpoint, 'dev' | 'ino'>): string {
  return `${cp.dev}:${cp.ino}`;
}

export class CheckpointStore {
  private readonly entries = new Map<string, FileCheckpoint>();
  /** The save waiting to start; callers arriving meanwhile share it (their state is included). */
  private queued: Promise<void> | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** When the loaded file was last saved; null for a first start. */
  savedAt: number | null = null;

  private constructor(readonly file: string) {}

  /** Load the checkpoints; a missing file is an empty store, an unreadable one an error. */
  static async load(file: string): Promise<CheckpointStore> {
    const store = new CheckpointStore(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw err;
    }
    let parsed: z.infer<typeof checkpointFileSchema>;
    try {
      parsed = checkpointFileSchema.parse(JSON.parse(text));
    } catch (err) {
      throw new Error(
        `checkpoint file ${file} is not valid (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ` +
          'move it away to start over (files would be read again)',
        { cause: err },
      );
    }
    for (const cp of parsed.files) store.entries.set(checkpointKey(cp), cp);
    store.savedAt = parsed.saved_at ?? null;
    return store;
  }

  get(key: string): FileCheckpoint | undefined {
    return this.entries.get(key);
  }

  set(cp: FileCheckpoint): void {
    this.entries.set(checkpointKey(cp), cp);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Mark a file as still present, so its entry is not forgotten. */
  touch(key: string, now: number): void {
    const cp = this.entries.get(key);
    if (cp) cp.seen = now;
  }

  all(): FileCheckpoint[] {
    return [...this.entries.values()];
  }

  /**
   * Persist the current state. Resolves once a write that includes every change made before the
   * call is on disk. Concurrent calls are coalesced into one write.
   */
  save(now = Date.now()): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.writing
      .catch(() => undefined) // an earlier failure was reported to its callers
      .then(() => {
        this.queued = null;
        return this.writeNow(now);
      });
    this.queued = run;
    this.writing = run;
    return run;
  }

  private async writeNow(now: number): Promise<void> {
    for (const [key, cp] of this.entries) if (now - cp.seen > CHECKPOINT_TTL_MS) this.entries.delete(key);
    const body = JSON.stringify({ version: 1, saved_at: now, files: this.all() }, null, 1) + '\n';
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(body, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncDirectory(dir);
  }
}

/** Make a rename durable. Not every platform can fsync a directory; there it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync: the rename is still atomic.
  } finally {
    await handle?.close();
  }
}
