/**
 * The alerts journal, `<dataDir>/alerts/alerts.jsonl`: one JSON change record a line (model.ts
 * JournalRecord), appended and fdatasync'd before the change is acknowledged (the API answers, a
 * notification goes out). Appends that arrive together share one write and one sync (group
 * commit). At start the file is read back (`readJournal`, pure): a torn last line — a crash in
 * mid-write — is dropped with a warning and cut off; a damaged line elsewhere is skipped with a
 * warning naming its line and byte offset; nothing in the file can crash the reader. Compaction
 * writes the current state as snapshot records to a new file, syncs it and renames it over the
 * journal. A failed append marks the journal dirty: the next compaction rewrites the whole state,
 * which heals what the failed append left out.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CLOSE_REASONS, SEVERITIES, STATUSES, type JournalRecord } from './model.js';

const levels = z.enum(SEVERITIES);
const ms = z.number().finite();

const historySchema = z.object({
  at: ms,
  by: z.string(),
  action: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
});

export const alertSchema = z.object({
  id: z.string().min(1),
  rule: z.object({
    id: z.string(),
    title: z.string(),
    level: levels,
    kind: z.enum(['sigma', 'correlation', 'sequence', 'anomaly', 'first_seen']),
    tags: z.array(z.string()),
  }),
  severity: levels,
  status: z.enum(STATUSES),
  close_reason: z.object({ reason: z.enum(CLOSE_REASONS), note: z.string() }).optional(),
  assignee: z.string().optional(),
  comments: z.array(z.object({ by: z.string(), at: ms, text: z.string() })),
  entities: z.record(z.string(), z.string()),
  attack: z.object({ tactics: z.array(z.string()), techniques: z.array(z.string()) }),
  first_seen: ms,
  last_seen: ms,
  created_at: ms,
  updated_at: ms,
  signal_count: z.number().int().nonnegative(),
  event_ids: z.array(z.string()),
  event_count: z.number().int().nonnegative(),
  summary: z.string(),
  history: z.array(historySchema),
});

const signalPartSchema = z.object({
  level: levels,
  firstTime: ms,
  time: ms,
  eventIds: z.array(z.string()),
  summary: z.string(),
  tactics: z.array(z.string()),
  techniques: z.array(z.string()),
  key: z.string().optional(),
});

const change = { at: ms, id: z.string(), by: z.string() };

export const journalRecordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('created'), at: ms, alert: alertSchema, key: z.string().optional() }),
  z.object({ op: z.literal('joined'), at: ms, id: z.string(), signal: signalPartSchema }),
  z.object({ op: z.literal('acked'), ...change }),
  z.object({ op: z.literal('assigned'), ...change, assignee: z.string() }),
  z.object({ op: z.literal('commented'), ...change, text: z.string() }),
  z.object({ op: z.literal('closed'), ...change, reason: z.enum(CLOSE_REASONS), note: z.string() }),
  z.object({ op: z.literal('reopened'), ...change }),
  z.object({ op: z.literal('action'), ...change, action: z.string(), result: z.string() }),
  z.object({ op: z.literal('snapshot'), alert: alertSchema }),
  z.object({ op: z.literal('keys'), keys: z.array(z.string()) }),
]);

export interface JournalReadResult {
  records: JournalRecord[];
  /** One per skipped line: line number, byte offset, reason. */
  warnings: string[];
  /** Bytes up to the end of the last complete (newline-terminated) line; the rest is a torn tail. */
  completeBytes: number;
}

/** Parse a journal's bytes. Pure; never throws. */
export function readJournal(bytes: Buffer): JournalReadResult {
  const records: JournalRecord[] = [];
  const warnings: string[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    line++;
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) {
      warnings.push(
        `line ${line} (byte ${start}): torn last line of ${bytes.length - start} bytes without a newline, dropped`,
      );
      break;
    }
    const text = bytes.subarray(start, end).toString('utf8');
    const at = start;
    start = end + 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      warnings.push(`line ${line} (byte ${at}): not JSON (${(error as Error).message}), skipped`);
      continue;
    }
    const parsed = journalRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      warnings.push(
        `line ${line} (byte ${at}): not a journal record (${issue?.path.join('.') || 'record'}: ${issue?.message}), skipped`,
      );
      continue;
    }
    records.push(parsed.data as JournalRecord);
  }
  return { records, warnings, completeBytes: bytes.lastIndexOf(0x0a) + 1 };
}

/** Write all of `bytes` at `position` (write(2) may write less than asked). */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

interface Pending {
  line: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class AlertJournal {
  private queue: Pending[] = [];
  private compaction:
    | { snapshot: () => JournalRecord[]; waiters: { resolve: () => void; reject: (e: Error) => void }[] }
    | undefined;
  private running: Promise<void> | undefined;
  /** Records appended since the last compaction. */
  appended = 0;
  /** A write failed: what is in memory is ahead of the file until the next compaction. */
  dirty = false;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private position: number,
  ) {}

  /** Open (creating) the journal in `dir`; returns the records to replay and the warnings. */
  static async open(
    dir: string,
  ): Promise<{ journal: AlertJournal; records: JournalRecord[]; warnings: string[] }> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'alerts.jsonl');
    const bytes = existsSync(file) ? await readFile(file) : Buffer.alloc(0);
    const { records, warnings, completeBytes } = readJournal(bytes);
    const handle = await open(file, existsSync(file) ? 'r+' : 'w+', 0o600);
    if (completeBytes < bytes.length) {
      await handle.truncate(completeBytes);
      await handle.datasync();
    }
    const journal = new AlertJournal(file, handle, completeBytes);
    journal.appended = records.length;
    return { journal, records, warnings };
  }

  /** Append one record; resolves once it is on disk. The record is serialized now. */
  append(record: JournalRecord): Promise<void> {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.kick();
    });
  }

  /**
   * Replace the journal by `snapshot()`'s records: the whole current state. Taken between writes,
   * so the records still queued are part of it (they are then not appended again).
   */
  compact(snapshot: () => JournalRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.compaction) this.compaction.waiters.push({ resolve, reject });
      else this.compaction = { snapshot, waiters: [{ resolve, reject }] };
      this.kick();
    });
  }

  private kick(): void {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 || this.compaction) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 || this.compaction) {
      if (this.compaction) {
        const { snapshot, waiters } = this.compaction;
        this.compaction = undefined;
        const included = this.queue.splice(0);
        try {
          await this.rewrite(snapshot());
          for (const p of [...included, ...waiters]) p.resolve();
        } catch (error) {
          this.dirty = true;
          for (const p of [...included, ...waiters]) p.reject(error as Error);
        }
        continue;
      }
      const batch = this.queue.splice(0);
      const bytes = Buffer.concat(batch.map((p) => p.line));
      try {
        await writeAll(this.handle, bytes, this.position);
        await this.handle.datasync();
        this.position += bytes.length;
        this.appended += batch.length;
        for (const p of batch) p.resolve();
      } catch (error) {
        // Cut off whatever part of the batch reached the file, so the next append starts a line.
        await this.handle.truncate(this.position).catch(() => undefined);
        this.dirty = true;
        for (const p of batch) p.reject(error as Error);
      }
    }
  }

  private async rewrite(records: JournalRecord[]): Promise<void> {
    const tmp = `${this.file}.compact`;
    const handle = await open(tmp, 'w', 0o600);
    let size = 0;
    try {
      const chunk: string[] = [];
      const flush = async () => {
        const buf = Buffer.from(chunk.join(''));
        chunk.length = 0;
        await writeAll(handle, buf, size);
        size += buf.length;
      };
      for (const r of records) {
        chunk.push(JSON.stringify(r) + '\n');
        if (chunk.length >= 512) await flush();
      }
      await flush();
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    await syncDir(join(this.file, '..'));
    const old = this.handle;
    this.handle = await open(this.file, 'r+');
    this.position = size;
    this.appended = records.length;
    this.dirty = false;
    await old.close().catch(() => undefined);
  }

  /** Wait for queued writes, then close the file. */
  async close(): Promise<void> {
    while (this.running) await this.running;
    await this.handle.close();
  }
}
