/**
 * "Why was it dropped?": a bounded sample of the records Vigil rejected or dropped, each with its
 * source, reason, position and error, so an operator can see the actual bad input behind a
 * counter. The newest `perSource` records are kept per source (raw text cut at `maxRawBytes`),
 * for at most `maxSources` sources; memory stays bounded whatever the input. Counters (all of them,
 * not a sample) are in Metrics.
 */

export interface DroppedRecord {
  /** When it was dropped (epoch ms). */
  time: number;
  source: string;
  reason: string;
  /** Where in the input: `line 3`, `tcp 127.0.0.1:5000 frame 12`. */
  position?: string;
  message?: string;
  /** The record's text as received (cut at the size limit; `truncated` says so). */
  raw?: string;
  truncated?: boolean;
  /** How many records this entry stands for (a whole overloaded batch is one entry). */
  count: number;
}

export interface DroppedSample {
  position?: string;
  message?: string;
  raw?: string;
}

export class DroppedRecords {
  private readonly bySource = new Map<string, DroppedRecord[]>();

  constructor(
    private readonly perSource = 100,
    private readonly maxSources = 200,
    private readonly maxRawBytes = 4096,
    private readonly now: () => number = Date.now,
  ) {}

  record(source: string, reason: string, sample: DroppedSample = {}, count = 1): void {
    let list = this.bySource.get(source);
    if (!list) {
      if (this.bySource.size >= this.maxSources) {
        // Forget the source dropped from longest ago: a bounded map, never a growing one.
        let oldest: string | undefined;
        let oldestTime = Infinity;
        for (const [name, entries] of this.bySource) {
          const last = entries[entries.length - 1]?.time ?? 0;
          if (last < oldestTime) [oldest, oldestTime] = [name, last];
        }
        if (oldest !== undefined) this.bySource.delete(oldest);
      }
      list = [];
      this.bySource.set(source, list);
    }
    const entry: DroppedRecord = { time: this.now(), source, reason, count };
    if (sample.position !== undefined) entry.position = sample.position;
    if (sample.message !== undefined) entry.message = sample.message.slice(0, 1000);
    if (sample.raw !== undefined) {
      const cut = sample.raw.length > this.maxRawBytes;
      entry.raw = cut ? sample.raw.slice(0, this.maxRawBytes) : sample.raw;
      if (cut) entry.truncated = true;
    }
    list.push(entry);
    if (list.length > this.perSource) list.splice(0, list.length - this.perSource);
  }

  /** Newest first, optionally of one source and/or one reason. */
  list(filter: { source?: string; reason?: string; limit?: number } = {}): DroppedRecord[] {
    const lists =
      filter.source !== undefined ? [this.bySource.get(filter.source) ?? []] : [...this.bySource.values()];
    const all = lists.flat().filter((e) => filter.reason === undefined || e.reason === filter.reason);
    all.sort((a, b) => b.time - a.time);
    return all.slice(0, filter.limit ?? 100);
  }
}
