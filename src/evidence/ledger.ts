/**
 * The store's evidence: every committed event becomes a leaf of the Merkle log, in id order (ids
 * are gapless, so event id N is leaf N-1), hashed from its canonical bytes: the RFC 8785 JSON of
 * its stored row (every column but the derived IP numbers). Signed tree heads are made
 * periodically and on demand. `vigil verify` reads the rows back and recomputes everything.
 */
import { join } from 'node:path';
import type { EventStore, StoredRows } from '../store/duckdb.js';
import { EVENT_COLUMNS } from '../store/schema.js';
import { COLUMN_KINDS } from '../store/worker.js';
import type { Logger } from '../telemetry/log.js';
import { canonicalBytes } from './canonical.js';
import { HeadLog, HeadSigner, FileHeadPublisher, type SignedHead } from './heads.js';
import { MerkleLog } from './log.js';
import { leafHash } from './merkle.js';
import type { EvidenceParts } from './service.js';
import { verifyStore, type StoredEvent, type VerifyReport } from './verify.js';

/** The columns a leaf covers, in table order. */
export const LEAF_COLUMNS: readonly string[] = EVENT_COLUMNS.map((c) => c.name);

/** Row positions (in the appender's row, which has IP twins) of the leaf columns. */
const ROW_INDEXES: readonly number[] = (() => {
  const names = EVENT_COLUMNS.flatMap((c) => (c.ip ? [c.name, `${c.name}_num`] : [c.name]));
  if (names.length !== COLUMN_KINDS.length) throw new Error('column kinds and names disagree');
  return LEAF_COLUMNS.map((n) => names.indexOf(n));
})();

/** An event's canonical bytes, from its values in LEAF_COLUMNS order (as written or read back). */
export function leafBytes(values: readonly unknown[]): Uint8Array {
  const object: Record<string, unknown> = {};
  LEAF_COLUMNS.forEach((name, i) => (object[name] = values[i] ?? null));
  return canonicalBytes(object);
}

export function merkleDir(dataDir: string): string {
  return join(dataDir, 'merkle');
}

export interface LedgerOptions {
  /** Sign a tree head this often when the log has grown (ms; 0: only on demand and at stop). */
  headIntervalMs?: number;
  /** Also write the latest signed head to this file (publishing). */
  publishFile?: string;
}

export class Ledger {
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly log: MerkleLog,
    readonly signer: HeadSigner,
    readonly heads: HeadLog,
    private readonly logger: Logger,
    private readonly publisher: FileHeadPublisher | undefined,
  ) {}

  /**
   * Open the log beside the store and catch up with it: events committed before a crash whose
   * leaves were not yet written are hashed from the store. A log longer than the store is not cut:
   * that is evidence of deleted events, for `vigil verify` to report.
   */
  static async open(
    dataDir: string,
    store: EventStore,
    logger: Logger,
    options: LedgerOptions = {},
  ): Promise<Ledger> {
    const log = MerkleLog.open(merkleDir(dataDir));
    const ledger = new Ledger(
      log,
      HeadSigner.open(dataDir),
      HeadLog.open(join(merkleDir(dataDir), 'heads.ndjson')),
      logger,
      options.publishFile ? new FileHeadPublisher(options.publishFile, 'latest') : undefined,
    );
    if (log.report.rootMatchesCommit === false)
      logger.error('the Merkle log does not match its last commit: run `vigil verify`');
    const stored = await store.maxId();
    if (log.size < stored) {
      let caught = 0;
      for await (const rows of store.rowsFrom(log.size + 1, LEAF_COLUMNS)) {
        log.append(rows.map((r) => leafHash(leafBytes(r))));
        caught += rows.length;
      }
      await log.commit();
      logger.info({ leaves: caught }, 'Merkle log caught up with the store');
    } else if (log.size > stored) {
      logger.error(
        { log: log.size, store: stored },
        'the Merkle log covers events the store no longer has: run `vigil verify`',
      );
    }
    if (options.headIntervalMs) {
      ledger.timer = setInterval(() => void ledger.signHead().catch(() => undefined), options.headIntervalMs);
      ledger.timer.unref();
    }
    return ledger;
  }

  /** The store committed these rows (appender rows, in id order, right after the previous ones). */
  committed(rows: StoredRows): void {
    const leaves = rows.map((row) => leafHash(leafBytes(ROW_INDEXES.map((i) => row[i]))));
    this.log.append(leaves);
  }

  /** Commit the log and sign a head for its current size (if it grew since the last head). */
  signHead(): Promise<SignedHead | undefined> {
    const run = this.committing.then(async () => {
      const state = await this.log.commit();
      const latest = this.heads.latest();
      if (latest && latest.size === state.size) return latest;
      const head = this.signer.signHead({ size: state.size, root: state.root });
      this.heads.append(head);
      await this.publisher
        ?.publish(head)
        .catch((error: unknown) => this.logger.warn({ err: String(error) }, 'tree head not published'));
      return head;
    });
    this.committing = run.catch(() => undefined);
    return run;
  }

  /** The parts `vigil verify` and evidence export work on, with heads signed under this ledger's lock. */
  parts(): EvidenceParts {
    return {
      log: this.log,
      heads: this.heads,
      signer: this.signer,
      freshHead: async () => (await this.signHead())!,
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.signHead().catch((error: unknown) =>
      this.logger.error({ err: String(error) }, 'no final tree head'),
    );
    this.log.close();
  }
}

/** Recompute the tree from the store and check it against the log and the signed heads. */
export async function verifyLedger(
  store: EventStore,
  log: MerkleLog,
  heads: HeadLog,
  publicKeyPem: string,
  range?: { from: number; to: number },
): Promise<VerifyReport> {
  async function* rows(): AsyncGenerator<StoredEvent> {
    for await (const chunk of store.rowsFrom((range?.from ?? 0) + 1, LEAF_COLUMNS, range?.to)) {
      for (const values of chunk) {
        const id = Number(values[0]);
        yield { position: id - 1, id: String(id), bytes: leafBytes(values) };
      }
    }
  }
  return verifyStore({
    rows: rows(),
    leaves: log,
    heads: heads.list(),
    badHeadLines: heads.badLines,
    publicKeyPem,
    ...(range ? { range } : {}),
  });
}
