/**
 * What `vigil verify` and `vigil evidence export` do, over an open store and evidence log: the same
 * code runs in the server (API) and in the CLI when no server holds the data directory.
 */
import { join } from 'node:path';
import { runSearch } from '../query/search.js';
import type { EventStore } from '../store/duckdb.js';
import { BundleWriter } from './bundle.js';
import { HeadLog, HeadSigner, type SignedHead } from './heads.js';
import { LEAF_COLUMNS, leafBytes, merkleDir, verifyLedger } from './ledger.js';
import { MerkleLog } from './log.js';
import type { VerifyReport } from './verify.js';

/** The evidence parts of an installation: its log, its heads, its key. */
export interface EvidenceParts {
  log: MerkleLog;
  heads: HeadLog;
  signer: HeadSigner;
  /** Sign a head covering everything stored now (the server's ledger does it under its lock). */
  freshHead(): Promise<SignedHead>;
}

/** Open the evidence parts of a data directory no server holds. */
export function openEvidence(dataDir: string): EvidenceParts & { close(): void } {
  const log = MerkleLog.open(merkleDir(dataDir));
  const heads = HeadLog.open(join(merkleDir(dataDir), 'heads.ndjson'));
  const signer = HeadSigner.open(dataDir);
  return {
    log,
    heads,
    signer,
    async freshHead() {
      const state = await log.commit();
      const latest = heads.latest();
      if (latest && latest.size === state.size) return latest;
      const head = signer.signHead({ size: state.size, root: state.root });
      heads.append(head);
      return head;
    },
    close: () => log.close(),
  };
}

/** The position range [from, to) of the events ingested in a time window (all when none given). */
export async function positionsOf(
  store: EventStore,
  window: { from?: number; to?: number },
): Promise<{ from: number; to: number } | undefined> {
  if (window.from === undefined && window.to === undefined) return undefined;
  const result = await store.query(
    'SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM events WHERE ingest_time >= to_timestamp($1 / 1000) AND ingest_time < to_timestamp($2 / 1000)',
    [window.from ?? 0, window.to ?? 8.64e15],
  );
  const [min, max] = result.rows[0] as [number, number];
  return { from: Number(min) - 1, to: Number(max) };
}

/** Recompute the tree from the store and check the log and every signed head. */
export async function verifyInstallation(
  store: EventStore,
  parts: EvidenceParts,
  window: { from?: number; to?: number } = {},
): Promise<VerifyReport> {
  const range = await positionsOf(store, window);
  return verifyLedger(store, parts.log, parts.heads, parts.signer.exportPublicKey(), range);
}

/**
 * The events a query selects, with their inclusion proofs under a freshly signed tree head, as an
 * evidence bundle (NDJSON lines, see bundle.ts), verifiable offline with the public key alone.
 */
export async function* exportEvidence(
  store: EventStore,
  parts: EvidenceParts,
  query: string,
  options: { from?: number; to?: number; limit?: number } = {},
): AsyncGenerator<string> {
  const result = await runSearch(store, query, { ...options, limit: options.limit ?? 100_000 });
  if (result.kind !== 'events')
    throw new RangeError('evidence export needs a search for events (no stats or timechart)');
  const ids = result.events.map((e) => Number((e.metadata as { uid: string }).uid)).sort((a, b) => a - b);
  const head = await parts.freshHead();
  const writer = new BundleWriter({
    head,
    publicKeyPem: parts.signer.exportPublicKey(),
    signer: parts.signer,
    query,
  });
  yield writer.header();
  const select = LEAF_COLUMNS.map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const placeholders = chunk.map((_, k) => `$${k + 1}`).join(', ');
    const rows = await store.query(
      `SELECT ${select} FROM events WHERE id IN (${placeholders}) ORDER BY id`,
      chunk.map((id) => BigInt(id)),
    );
    for (const values of rows.rows) {
      const id = Number(values[0]);
      const leafIndex = id - 1;
      if (leafIndex >= head.size) continue; // stored after the head was signed
      yield writer.event({
        id: String(id),
        leafIndex,
        bytes: leafBytes(values),
        proof: parts.log.inclusionProof(leafIndex, head.size),
      });
    }
  }
  yield writer.end();
}
