/**
 * The `file` source: follows files matched by globs, line by line, and loses or repeats nothing
 * across restarts, rename rotation, copytruncate and truncation.
 *
 * How it stays correct:
 * - A file is known by device + inode + a fingerprint of its first bytes (see file/identity.ts).
 *   Files are read through an open descriptor, so after `app.log` is renamed to `app.log.1` (or
 *   deleted) the old file is still read to its end, while the new `app.log` is read from 0.
 * - Discovery (every `glob_interval_ms`) finds new files; polling (every `poll_interval_ms`) reads
 *   them. Polling alone guarantees correctness; there is no reliance on fs events.
 * - Each file has at most one batch in flight. Its checkpoint (first unconsumed byte, line number,
 *   identity) advances only once the sink acknowledged the batch, and is saved atomically right
 *   after. The at-least-once window is that gap: a crash between an acknowledgement and the
 *   checkpoint rename repeats that one batch of that file after a restart. Nothing is skipped.
 * - A file no longer found by the globs (rotated away, deleted) is kept open and read until it has
 *   not changed for `finish_idle_ms`, then closed. A live file's unterminated last line is never
 *   emitted: it is still being written. A rotated file's (renamed, or no longer found) is emitted
 *   once the file has been quiet for `finish_idle_ms`, so that a writer still holding the old
 *   descriptor had time to finish it; this is the safe choice: the alternative loses it forever.
 *   Should the writer add to that line later, the rest arrives as a record of its own.
 * - Truncation (size below what was read) or a rewrite (first bytes no longer match the
 *   fingerprint, or the last bytes read are no longer there) ends the file's content: what was read of it is emitted, then it is read again
 *   from 0. With copytruncate, lines written between the last read and the truncation exist only
 *   in the copy; exclude the copies (e.g. `exclude: ['*.1']`) or they are read as new files.
 * - `start_at: end` applies only to files found when the source starts that have no checkpoint,
 *   did not replace a file we were following at the same path, and were not created while the
 *   source was stopped (birth time after the checkpoints were last saved). Files that appear
 *   later, or were created or rotated in while Vigil was stopped, are read from their beginning.
 * - Files rotated while Vigil was stopped are found again next to their old path (same inode and
 *   fingerprint) and read to their end from their checkpoint.
 * - Limits: a file must exist for about one `glob_interval_ms` to be seen at all (created and
 *   rotated away faster than that, it is missed); every followed file holds a descriptor; a file
 *   truncated and rewritten between two polls with the same first `fingerprint_bytes` bytes and
 *   the same 256 bytes before our read offset, or an inode reused by a file starting with the very
 *   bytes already read, cannot be told apart.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { z } from 'zod';
import type { Logger } from '../telemetry/log.js';
import { CheckpointStore, checkpointKey, type FileCheckpoint } from './file/checkpoint.js';
import { fileKey, fingerprintOf, readPrefix, resolveCheckpoint } from './file/identity.js';
import type { Position } from './file/lines.js';
import { endOfLastLine, Tailer, type TailerOptions } from './file/tailer.js';
import {
  OverloadedError,
  type RawRecord,
  type Source,
  type SourceContext,
  type SourceType,
} from './source.js';

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const fileSourceSchema = z.strictObject({
  type: z.literal('file'),
  name: z.string().optional(),
  include: z
    .array(z.string().min(1))
    .min(1)
    .describe('Globs of the files to follow, absolute or relative to the working directory.'),
  exclude: z
    .array(z.string().min(1))
    .default([])
    .describe('Globs of files to leave out; a glob without "/" matches file names in any directory.'),
  format: z
    .string()
    .min(1)
    .optional()
    .describe('Parser for the lines (e.g. syslog, json); absent: detected per record.'),
  start_at: z
    .enum(['beginning', 'end'])
    .default('beginning')
    .describe('Where to start in files found at startup without a checkpoint.'),
  poll_interval_ms: z.number().int().min(1).default(250).describe('How often followed files are checked.'),
  glob_interval_ms: z.number().int().min(1).default(2000).describe('How often the globs are expanded again.'),
  max_line_bytes: z
    .number()
    .int()
    .min(1)
    .default(1 << 20)
    .describe('Longer lines are dropped and counted (reason line_too_long).'),
  batch_max_lines: z.number().int().min(1).default(2000).describe('Most records per batch.'),
  batch_max_bytes: z
    .number()
    .int()
    .min(1)
    .default(4 << 20)
    .describe('A batch ends once this many bytes of lines were read.'),
  fingerprint_bytes: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(1024)
    .describe('Leading bytes hashed to tell files apart.'),
  encoding: z
    .enum(['utf8', 'latin1'])
    .default('utf8')
    .describe('Text encoding; invalid UTF-8 becomes U+FFFD.'),
  finish_idle_ms: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe('A rotated-away or deleted file is read until it has not changed for this long.'),
  retry_initial_ms: z
    .number()
    .int()
    .min(1)
    .default(100)
    .describe('First delay before a failed batch is retried.'),
  retry_max_ms: z.number().int().min(1).default(30_000).describe('Longest delay between retries.'),
  multiline: z
    .strictObject({
      start_pattern: z
        .string()
        .min(1)
        .refine(isRegExp, 'not a valid regular expression')
        .describe('A line matching this regular expression starts a record; other lines continue it.'),
      max_lines: z.number().int().min(1).default(500).describe('Most lines per record.'),
      timeout_ms: z
        .number()
        .int()
        .min(0)
        .default(1000)
        .describe('The last record is emitted once no line followed it for this long.'),
    })
    .optional()
    .describe('Join continuation lines (stack traces) to the line that starts the record.'),
});

export type FileSourceConfig = z.infer<typeof fileSourceSchema>;

/** Files read at the same time (each holds at most one batch). */
const MAX_CONCURRENT_FILES = 16;
/** Batches a file may submit before others get their turn. */
const MAX_BATCHES_PER_TURN = 16;
const READ_CHUNK_BYTES = 64 * 1024;
/** Bound on directory entries examined when looking for a rotated file's new name. */
const MAX_SIBLINGS = 10_000;

class FileSource implements Source {
  private readonly log: Logger;
  private readonly include: string[];
  private readonly exclude: string[];
  private readonly tailerOptions: TailerOptions;
  private readonly checkpointFile: string;
  private store: CheckpointStore | null = null;
  private readonly tailers = new Map<string, Tailer>();
  private readonly pumps = new Map<Tailer, Promise<void>>();
  private readonly failureLoggedAt = new WeakMap<Tailer, number>();
  private readonly sleepers = new Set<() => void>();
  /** Paths that could not be opened, warned about once. */
  private readonly unreadable = new Set<string>();
  /** Checkpoints by path as the source started: successors of these files are read from 0. */
  private checkpointsAtStart = new Map<string, FileCheckpoint[]>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private turn = 0;

  constructor(
    readonly name: string,
    private readonly config: FileSourceConfig,
    private readonly ctx: SourceContext,
  ) {
    this.log = ctx.log.child({ source: name });
    this.include = config.include.map((p) => resolve(p));
    this.exclude = config.exclude.map((p) => (p.includes('/') ? resolve(p) : `/**/${p}`));
    this.tailerOptions = {
      maxLineBytes: config.max_line_bytes,
      encoding: config.encoding,
      fingerprintBytes: config.fingerprint_bytes,
      readChunkBytes: READ_CHUNK_BYTES,
      ...(config.multiline
        ? {
            multiline: {
              startPattern: new RegExp(config.multiline.start_pattern),
              maxLines: config.multiline.max_lines,
              maxBytes: config.max_line_bytes,
              timeoutMs: config.multiline.timeout_ms,
            },
          }
        : {}),
    };
    this.checkpointFile = join(ctx.dataDir, 'sources', `${encodeURIComponent(name)}.checkpoints.json`);
  }

  describe(): string {
    const excluded = this.config.exclude.length > 0 ? ` excluding ${this.config.exclude.join(', ')}` : '';
    return `files ${this.config.include.join(', ')}${excluded}`;
  }

  async start(): Promise<void> {
    if (this.loop) throw new Error(`file source ${this.name} already started`);
    this.store = await CheckpointStore.load(this.checkpointFile);
    for (const cp of this.store.all()) {
      this.checkpointsAtStart.set(cp.path, [...(this.checkpointsAtStart.get(cp.path) ?? []), cp]);
    }
    await this.discover(true);
    await this.findRotatedWhileStopped();
    await this.persist();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.loop;
    await Promise.all([...this.pumps.values()]);
    const now = Date.now();
    for (const t of this.tailers.values()) this.store?.touch(t.key, now);
    if (this.store) await this.persist();
    await Promise.all([...this.tailers.values()].map((t) => t.close().catch(() => undefined)));
    this.tailers.clear();
  }

  private async run(): Promise<void> {
    let nextDiscovery = Date.now() + this.config.glob_interval_ms;
    while (!this.stopping) {
      try {
        if (Date.now() >= nextDiscovery) {
          if (await this.discover(false)) await this.persist();
          nextDiscovery = Date.now() + this.config.glob_interval_ms;
        }
        this.schedule();
      } catch (err) {
        this.log.error({ err }, 'file source poll failed');
      }
      await this.sleep(this.config.poll_interval_ms);
    }
  }

  /** Start reading files that are not being read, a bounded number at a time, in turn. */
  private schedule(): void {
    const all = [...this.tailers.values()];
    for (let i = 0; i < all.length && this.pumps.size < MAX_CONCURRENT_FILES; i++) {
      const t = all[(this.turn + i) % all.length]!;
      if (this.pumps.has(t)) continue;
      const pump = this.pump(t)
        .catch((err: unknown) => {
          this.readFailed(t, err);
          return false;
        })
        .then((yielded) => {
          this.pumps.delete(t);
          // Its turn ended with data left: let waiting files go first, then carry on at once.
          if (yielded && !this.stopping) this.schedule();
        });
      this.pumps.set(t, pump);
    }
    this.turn = all.length > 0 ? (this.turn + 1) % all.length : 0;
  }

  /** A read error (EIO, a vanished mount...) is retried at every poll; logged once a minute. */
  private readFailed(t: Tailer, err: unknown): void {
    const now = Date.now();
    if (now - (this.failureLoggedAt.get(t) ?? 0) < 60_000) return;
    this.failureLoggedAt.set(t, now);
    this.log.warn({ err, path: t.path }, `reading ${t.path} failed; retrying`);
  }

  /**
   * Read, submit and commit batches of one file until it is caught up. Returns true if its turn
   * ended with data possibly left.
   */
  private async pump(t: Tailer): Promise<boolean> {
    for (let turn = 0; turn < MAX_BATCHES_PER_TURN; turn++) {
      if (this.stopping) return false;
      const batch = await t.read(Date.now(), {
        maxLines: this.config.batch_max_lines,
        maxBytes: this.config.batch_max_bytes,
        finishIdleMs: this.config.finish_idle_ms,
      });
      if (!batch) return false;
      for (const item of batch.tooLong) {
        this.ctx.metrics.reject(this.name, 'line_too_long', 1, {
          position: `${t.path} line ${item.line}`,
          message: `${item.bytes} bytes, over max_line_bytes (${this.config.max_line_bytes})`,
        });
        this.log.warn(
          { path: t.path, line: item.line, bytes: item.bytes, max_line_bytes: this.config.max_line_bytes },
          `${t.path} line ${item.line} is ${item.bytes} bytes, over max_line_bytes (${this.config.max_line_bytes}); dropped`,
        );
      }
      if (batch.records.length > 0) {
        const records = batch.records.map((r): RawRecord => ({
          text: r.text,
          position: `${t.path} line ${r.line}`,
          ...(this.config.format !== undefined ? { format: this.config.format } : {}),
        }));
        this.ctx.metrics.received.inc({ source: this.name }, records.length);
        // Stopping before the acknowledgement: the batch stays uncommitted and is read again.
        if (!(await this.submit(records, t.path))) return false;
      }
      t.commit(batch);
      this.record(t);
      if (batch.after === 'restart') {
        await t.restart();
        this.record(t);
      } else if (batch.after === 'close') {
        await this.retire(t);
      }
      await this.persist();
      if (batch.after === 'close') return false;
    }
    return true;
  }

  /** Submit until acknowledged, backing off exponentially with jitter. False if stopped first. */
  private async submit(records: RawRecord[], path: string): Promise<boolean> {
    let delay = this.config.retry_initial_ms;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.sink.submit({ source: this.name, records }, { wait: true });
        return true;
      } catch (err) {
        if (this.stopping) {
          this.log.warn({ path }, `stopping with an unacknowledged batch of ${path}; it will be read again`);
          return false;
        }
        const jittered = Math.round(delay / 2 + (Math.random() * delay) / 2);
        const wait =
          err instanceof OverloadedError ? Math.max(err.retryAfterSeconds * 1000, jittered) : jittered;
        this.log.warn(
          { err, path, attempt, retry_in_ms: wait },
          `submitting ${records.length} records of ${path} failed; retrying`,
        );
        await this.sleep(wait);
        if (this.stopping) return false;
        delay = Math.min(delay * 2, this.config.retry_max_ms);
      }
    }
  }

  /**
   * Expand the globs: follow new files, notice renames, and mark files no longer found.
   * Returns whether new files were added (their checkpoints should be saved).
   */
  private async discover(initial: boolean): Promise<boolean> {
    let paths: string[];
    try {
      paths = await glob(this.include, {
        ignore: this.exclude,
        absolute: true,
        expandDirectories: false,
        onlyFiles: true,
      });
    } catch (err) {
      this.log.warn({ err }, 'expanding the include globs failed');
      return false;
    }
    paths.sort();
    const now = Date.now();
    const found = new Map<string, string[]>();
    let added = false;
    for (const path of paths) {
      let key: string;
      try {
        const st = await stat(path, { bigint: true });
        if (!st.isFile()) continue;
        key = fileKey(st);
      } catch {
        continue; // gone since the glob ran
      }
      if (!this.tailers.has(key)) {
        const tracked = await this.track(path, initial, now);
        if (tracked === null) continue;
        added ||= tracked.added;
        key = tracked.key;
      }
      const list = found.get(key);
      if (list) list.push(path);
      else found.set(key, [path]);
    }
    for (const t of this.tailers.values()) {
      const where = found.get(t.key);
      if (where) {
        if (t.orphaned) {
          t.orphaned = false;
          this.log.info({ path: where[0] }, `file found again: ${where[0]}`);
        }
        if (!where.includes(t.path)) {
          this.log.info({ path: where[0], from: t.path }, `file renamed: ${t.path} -> ${where[0]}`);
          t.path = where[0]!;
          t.markRotated(now);
          this.record(t);
        }
        this.store!.touch(t.key, now);
      } else if (!t.orphaned) {
        t.orphaned = true;
        t.markRotated(now);
        await this.noteDeparture(t);
      }
    }
    return added;
  }

  /** Open a newly found file and decide where to start in it. */
  private async track(
    path: string,
    initial: boolean,
    now: number,
  ): Promise<{ key: string; added: boolean } | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (!this.unreadable.has(path)) {
        this.unreadable.add(path);
        this.log.warn({ err, path }, `cannot open ${path}; skipping it`);
      }
      return null;
    }
    try {
      const st = await handle.stat({ bigint: true });
      const key = fileKey(st);
      if (!st.isFile() || this.tailers.has(key)) {
        await handle.close();
        return st.isFile() ? { key, added: false } : null;
      }
      this.unreadable.delete(path);
      const size = Number(st.size);
      const prefix = await readPrefix(handle, Math.min(size, this.config.fingerprint_bytes));
      let cp = this.store!.get(key);
      let how = 'reading it from the start';
      if (!cp && initial) {
        // The device number can change across reboots and remounts (overlay, LVM, NFS): the same
        // path, inode and fingerprint are still the same file.
        const moved = this.checkpointsAtStart
          .get(path)
          ?.find((c) => c.ino === String(st.ino) && !this.tailers.has(checkpointKey(c)));
        if (
          moved &&
          checkpointKey(moved) !== key &&
          resolveCheckpoint(moved, size, prefix).kind === 'resume'
        ) {
          this.store!.delete(checkpointKey(moved));
          cp = moved;
          this.log.info({ path, from: moved.dev, to: String(st.dev) }, `device number of ${path} changed`);
        }
      }
      let start: Position = { offset: 0, line: 0 };
      let rotated = false;
      if (cp) {
        const verdict = resolveCheckpoint(cp, size, prefix);
        if (verdict.kind === 'resume') {
          start = { offset: cp.offset, line: cp.line };
          rotated = cp.rotated === true || cp.path !== path;
          how = `resuming at line ${cp.line + 1} (byte ${cp.offset})`;
        } else if (verdict.kind === 'truncated') {
          how = 'it was truncated since its checkpoint; reading it from the start';
        } else {
          how = 'a new file in a reused inode; reading it from the start';
        }
      } else if (initial && this.config.start_at === 'end' && !this.checkpointsAtStart.has(path)) {
        // Born while the source was stopped (or just before, undiscovered): all of it is new.
        const savedAt = this.store!.savedAt;
        if (savedAt !== null && Number(st.birthtimeMs) > savedAt - this.config.glob_interval_ms) {
          how = 'created while the source was stopped; reading it from the start';
        } else {
          start = await endOfLastLine(handle, size);
          how = `starting at its end (line ${start.line + 1})`;
        }
      }
      const t = new Tailer({
        key,
        dev: String(st.dev),
        ino: String(st.ino),
        path,
        handle,
        fingerprint: fingerprintOf(prefix),
        start,
        rotated,
        options: this.tailerOptions,
        log: this.log,
        now,
      });
      this.tailers.set(key, t);
      this.record(t);
      this.log.info({ path, offset: start.offset, line: start.line }, `file discovered: ${path}; ${how}`);
      return { key, added: true };
    } catch (err) {
      await handle.close().catch(() => undefined);
      this.log.warn({ err, path }, `cannot read ${path}; skipping it for now`);
      return null;
    }
  }

  /** Log why a followed file is no longer found, and learn its new name if it was renamed nearby. */
  private async noteDeparture(t: Tailer): Promise<void> {
    const linked = await t.isLinked().catch(() => true);
    if (!linked) {
      this.log.info({ path: t.path }, `file deleted: ${t.path}; reading what remains of it`);
      return;
    }
    const renamed = (await siblingsByKey(dirname(t.path))).get(t.key);
    if (renamed) {
      this.log.info(
        { path: renamed, from: t.path },
        `file rotated: ${t.path} -> ${renamed}; reading it to its end`,
      );
      t.path = renamed;
      this.record(t);
    } else {
      this.log.info({ path: t.path }, `file no longer matches the globs: ${t.path}; reading it to its end`);
    }
  }

  /**
   * Files rotated away while the source was stopped: look next to their old path for the same
   * inode with the same fingerprint, and read them from their checkpoint to their end.
   */
  private async findRotatedWhileStopped(): Promise<void> {
    const byDir = new Map<string, FileCheckpoint[]>();
    for (const cp of this.store!.all()) {
      if (cp.finished || this.tailers.has(checkpointKey(cp))) continue;
      const dir = dirname(cp.path);
      byDir.set(dir, [...(byDir.get(dir) ?? []), cp]);
    }
    const now = Date.now();
    for (const [dir, cps] of byDir) {
      const siblings = await siblingsByKey(dir);
      for (const cp of cps) {
        const path = siblings.get(checkpointKey(cp));
        if (path) await this.resumeRotated(path, cp, now);
      }
    }
  }

  private async resumeRotated(path: string, cp: FileCheckpoint, now: number): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch {
      return;
    }
    try {
      const st = await handle.stat({ bigint: true });
      const key = fileKey(st);
      const size = Number(st.size);
      const prefix = await readPrefix(handle, Math.min(size, this.config.fingerprint_bytes));
      if (
        key !== checkpointKey(cp) ||
        this.tailers.has(key) ||
        resolveCheckpoint(cp, size, prefix).kind !== 'resume'
      ) {
        await handle.close();
        return;
      }
      const t = new Tailer({
        key,
        dev: cp.dev,
        ino: cp.ino,
        path,
        handle,
        fingerprint: fingerprintOf(prefix),
        start: { offset: cp.offset, line: cp.line },
        rotated: true,
        options: this.tailerOptions,
        log: this.log,
        now,
      });
      t.orphaned = true;
      this.tailers.set(key, t);
      this.record(t);
      this.log.info(
        { path, from: cp.path, line: cp.line },
        `file rotated while stopped: ${cp.path} -> ${path}; reading it from line ${cp.line + 1} to its end`,
      );
    } catch (err) {
      await handle.close().catch(() => undefined);
      this.log.warn({ err, path }, `cannot read ${path}`);
    }
  }

  /** A finished file: forget it if deleted, else remember it is done; then close it. */
  private async retire(t: Tailer): Promise<void> {
    const linked = await t.isLinked().catch(() => false);
    this.tailers.delete(t.key);
    if (linked) this.store!.set({ ...t.checkpoint(), seen: Date.now(), finished: true });
    else this.store!.delete(t.key);
    await t.close();
    this.log.info({ path: t.path }, `finished reading ${t.path}; closed it`);
  }

  /** Update the stored checkpoint of a file from its committed state (saved by `persist`). */
  private record(t: Tailer): void {
    this.store!.set({ ...t.checkpoint(), seen: Date.now() });
  }

  private async persist(): Promise<void> {
    try {
      await this.store!.save();
    } catch (err) {
      this.log.error(
        { err, file: this.checkpointFile },
        `cannot save checkpoints to ${this.checkpointFile}; after a restart some lines may be read twice`,
      );
    }
  }

  /** A delay that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((done) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        done();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** Regular files in a directory by `dev:ino` (for finding where a rotated file went). */
async function siblingsByKey(dir: string): Promise<Map<string, string>> {
  const byKey = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return byKey;
  }
  for (const name of names.slice(0, MAX_SIBLINGS)) {
    const path = join(dir, name);
    try {
      const st = await stat(path, { bigint: true });
      if (st.isFile() && !byKey.has(fileKey(st))) byKey.set(fileKey(st), path);
    } catch {
      // vanished meanwhile
    }
  }
  return byKey;
}

export const fileSource: SourceType<typeof fileSourceSchema> = {
  type: 'file',
  description: 'Follows files matched by globs, line by line, across rotation and truncation.',
  schema: fileSourceSchema,
  create: (name, config, ctx) => new FileSource(name, config, ctx),
};
