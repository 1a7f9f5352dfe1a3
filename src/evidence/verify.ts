/**
 * The pure core of `vigil verify`: compare what the store holds with the leaf-hash log, and the
 * leaf-hash log with the signed tree heads, and name every discrepancy.
 *
 * Two checks, both streaming:
 *  1. heads ↔ log (`checkHeads`): recompute the tree over every leaf and compare its root at each
 *     signed head's size; check each head's signature and that sizes never shrink. A log rewritten
 *     to hide a change fails here (localised between the last good and first bad head).
 *  2. store ↔ log (`compareStore`): each stored event (in ingest order, with the leaf position the
 *     store recorded for it) must hash to the log's leaf at that position. Discrepancies are
 *     classified:
 *       altered   — the event's bytes hash to something no leaf holds, and its position's leaf
 *                   is not found elsewhere in the store;
 *       reordered — the event's bytes are the leaf of another position (moved or swapped), or the
 *                   store yields it out of position order;
 *       inserted  — an event at a position beyond the log, a second event claiming a position, or
 *                   new content placed where the original leaf moved elsewhere;
 *       deleted   — positions of the log no stored event claims (reported as runs, with the ids of
 *                   the events either side).
 *
 * I/O-free: the caller supplies the rows (an async or sync iterable) and a leaf reader (MerkleLog).
 */
import { EMPTY_ROOT, Frontier, HASH_SIZE, leafHash, sameHash } from './merkle.js';
import { verifyHead, type BadHeadLine, type SignedHead } from './heads.js';

/** One stored event as read back from the store. */
export interface StoredEvent {
  /** The leaf index the store recorded for this event when it was ingested. */
  position: number;
  id: string;
  /** The event's canonical bytes (what its leaf hash was computed from). */
  bytes: Uint8Array;
}

/** Read access to the leaf-hash log (MerkleLog satisfies it). */
export interface LeafSource {
  readonly size: number;
  /** `count` leaf hashes from `start`, concatenated (32 bytes each). */
  readLeaves(start: number, count: number): Uint8Array;
}

/** Kinds of discrepancy. `head`: a bad signed head; `log`: the leaf log disagrees with a good head. */
export type FindingKind = 'altered' | 'deleted' | 'inserted' | 'reordered' | 'head' | 'log';

/** One discrepancy. `count` > 1 for a run of deleted positions starting at `position`. */
export interface Finding {
  kind: FindingKind;
  position?: number;
  id?: string;
  count?: number;
  detail: string;
}

/** Options for `verifyStore`. */
export interface VerifyInput {
  rows: AsyncIterable<StoredEvent> | Iterable<StoredEvent>;
  leaves: LeafSource;
  heads: readonly SignedHead[];
  /** Lines of the heads file that could not be read (HeadLog.badLines). */
  badHeadLines?: readonly BadHeadLine[];
  /** The installation's public key (PEM). */
  publicKeyPem: string;
  /** Positions the rows cover, [from, to) (default: the whole log). */
  range?: { from: number; to: number };
  /** Stop recording findings beyond this many (default 10,000); counts stay exact where possible. */
  maxFindings?: number;
  /** Skip the heads ↔ log check (e.g. a quick range check). Default false. */
  skipHeads?: boolean;
}

/** The result of a verification. */
export interface VerifyReport {
  ok: boolean;
  /** Stored events read. */
  events: number;
  range: { from: number; to: number };
  logSize: number;
  heads: { checked: number; valid: number; latestValidSize: number | null; unsignedTail: number };
  findings: Finding[];
  counts: Record<FindingKind, number>;
  /** True when findings were dropped after maxFindings (or candidates after the internal cap). */
  truncated: boolean;
}

const CHUNK = 65536;
/** Most mismatching events remembered for move/swap classification. */
const MAX_CANDIDATES = 200_000;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Collects findings up to a limit while keeping exact counts. */
class Findings {
  readonly list: Finding[] = [];
  readonly counts: Record<FindingKind, number> = {
    altered: 0,
    deleted: 0,
    inserted: 0,
    reordered: 0,
    head: 0,
    log: 0,
  };
  truncated = false;

  constructor(private readonly max: number) {}

  add(f: Finding): void {
    this.counts[f.kind] += f.count ?? 1;
    if (this.list.length < this.max) this.list.push(f);
    else this.truncated = true;
  }
}

/** Random access to leaves through a one-chunk cache (rows mostly arrive in position order). */
class LeafCursor {
  private start = -1;
  private chunk: Uint8Array = new Uint8Array(0);

  constructor(private readonly source: LeafSource) {}

  at(position: number): Uint8Array {
    if (this.start < 0 || position < this.start || position >= this.start + this.chunk.length / HASH_SIZE) {
      this.start = Math.floor(position / CHUNK) * CHUNK;
      this.chunk = this.source.readLeaves(this.start, Math.min(CHUNK, this.source.size - this.start));
    }
    const at = (position - this.start) * HASH_SIZE;
    return this.chunk.subarray(at, at + HASH_SIZE);
  }
}

/**
 * Check the signed heads against the leaf log: signatures, sizes never shrinking, and the log's
 * root at every head's size. Adds `head` and `log` findings; returns the heads summary.
 */
function checkHeads(
  leaves: LeafSource,
  heads: readonly SignedHead[],
  publicKeyPem: string,
  findings: Findings,
  badHeadLines: readonly BadHeadLine[] = [],
): VerifyReport['heads'] {
  for (const bad of badHeadLines) {
    findings.add({ kind: 'head', detail: `heads file line ${bad.line} is not a signed head: ${bad.reason}` });
  }
  const valid: { index: number; head: SignedHead }[] = [];
  let largest = -1;
  heads.forEach((head, index) => {
    const v = verifyHead(head, publicKeyPem);
    if (!v.ok) {
      findings.add({ kind: 'head', detail: `head #${index} (size ${head?.size}): ${v.reason}` });
      return;
    }
    if (head.size < largest) {
      findings.add({
        kind: 'head',
        detail: `head #${index} (size ${head.size}) is smaller than an earlier head (size ${largest}): heads out of order`,
      });
    }
    largest = Math.max(largest, head.size);
    valid.push({ index, head });
  });
  const roots = rootsAtSizes(
    leaves,
    valid.map((v) => v.head.size).filter((s) => s <= leaves.size),
  );
  let lastGood = 0;
  for (const { index, head } of [...valid].sort((a, b) => a.head.size - b.head.size)) {
    if (head.size > leaves.size) {
      findings.add({
        kind: 'log',
        position: leaves.size,
        detail: `signed head #${index} covers ${head.size} leaves but the log has ${leaves.size}: leaves were removed`,
      });
      continue;
    }
    if (sameHash(roots.get(head.size)!, Buffer.from(head.root, 'hex'))) {
      lastGood = Math.max(lastGood, head.size);
      continue;
    }
    findings.add({
      kind: 'log',
      position: lastGood,
      detail: `the leaf log does not match signed head #${index} (size ${head.size}); the first changed leaf is in positions ${lastGood}..${head.size - 1}`,
    });
  }
  const latest = valid.reduce<number | null>(
    (m, v) => (m === null || v.head.size > m ? v.head.size : m),
    null,
  );
  return {
    checked: heads.length,
    valid: valid.length,
    latestValidSize: latest,
    unsignedTail: Math.max(0, leaves.size - (latest ?? 0)),
  };
}

/** Roots of the log's prefixes at the given sizes, in one streaming pass. */
function rootsAtSizes(leaves: LeafSource, sizes: number[]): Map<number, Buffer> {
  const wanted = [...new Set(sizes)].sort((a, b) => a - b);
  const roots = new Map<number, Buffer>();
  if (wanted[0] === 0) roots.set(0, EMPTY_ROOT);
  const last = wanted[wanted.length - 1] ?? 0;
  const frontier = new Frontier();
  let next = wanted.findIndex((s) => s > 0);
  for (let start = 0; start < last && next >= 0 && next < wanted.length; start += CHUNK) {
    const count = Math.min(CHUNK, last - start);
    const chunk = leaves.readLeaves(start, count);
    for (let i = 0; i < count; i++) {
      frontier.push(chunk.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      while (next < wanted.length && wanted[next] === frontier.size) {
        roots.set(wanted[next++]!, frontier.root());
      }
    }
  }
  return roots;
}

interface Candidate {
  position: number;
  id: string;
  hash: Buffer;
  /** Why it is a candidate: its hash differs from its position's leaf, or its position is taken/out of the log. */
  why: 'mismatch' | 'duplicate' | 'beyond';
}

/** Fixed-size bit set over positions [from, to). */
class PositionSet {
  private readonly bits: Uint8Array;
  constructor(
    private readonly from: number,
    to: number,
  ) {
    this.bits = new Uint8Array(Math.ceil(Math.max(0, to - from) / 8));
  }
  has(p: number): boolean {
    const i = p - this.from;
    return (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }
  add(p: number): void {
    const i = p - this.from;
    this.bits[i >> 3]! |= 1 << (i & 7);
  }
}

/** State of the store ↔ log pass. */
interface StoreScan {
  seen: PositionSet;
  candidates: Candidate[];
  /** Ids either side of gaps noticed while streaming: position → id. */
  neighbours: Map<number, string>;
  events: number;
  candidatesDropped: boolean;
}

/** Compare stored events with the leaf log over `range`; adds altered/deleted/inserted/reordered findings. */
async function compareStore(
  rows: AsyncIterable<StoredEvent> | Iterable<StoredEvent>,
  leaves: LeafSource,
  range: { from: number; to: number },
  findings: Findings,
): Promise<number> {
  const scan = await scanRows(rows, leaves, range, findings);
  classify(scan, leaves, range, findings);
  return scan.events;
}

async function scanRows(
  rows: AsyncIterable<StoredEvent> | Iterable<StoredEvent>,
  leaves: LeafSource,
  range: { from: number; to: number },
  findings: Findings,
): Promise<StoreScan> {
  const cursor = new LeafCursor(leaves);
  const scan: StoreScan = {
    seen: new PositionSet(range.from, range.to),
    candidates: [],
    neighbours: new Map(),
    events: 0,
    candidatesDropped: false,
  };
  const remember = (c: Candidate): void => {
    if (scan.candidates.length < MAX_CANDIDATES) scan.candidates.push(c);
    else scan.candidatesDropped = true;
  };
  let previous: { position: number; id: string } | undefined;
  for await (const row of rows) {
    scan.events++;
    const p = row.position;
    const hash = leafHash(row.bytes);
    if (!Number.isSafeInteger(p) || p < 0 || p >= leaves.size) {
      remember({ position: p, id: row.id, hash, why: 'beyond' });
      continue;
    }
    if (p < range.from || p >= range.to) continue; // outside the range asked for
    if (scan.seen.has(p)) {
      remember({ position: p, id: row.id, hash, why: 'duplicate' });
      continue;
    }
    if (previous && p < previous.position) {
      findings.add({
        kind: 'reordered',
        position: p,
        id: row.id,
        detail: `event ${row.id} (position ${p}) comes after position ${previous.position} in ingest order`,
      });
    }
    if (previous && p > previous.position + 1) {
      scan.neighbours.set(previous.position, previous.id);
      scan.neighbours.set(p, row.id);
    }
    if (!previous && p > range.from) scan.neighbours.set(p, row.id);
    previous = { position: p, id: row.id };
    scan.seen.add(p);
    if (!sameHash(hash, cursor.at(p))) remember({ position: p, id: row.id, hash, why: 'mismatch' });
  }
  if (previous) scan.neighbours.set(previous.position, previous.id);
  if (scan.candidatesDropped) findings.truncated = true;
  return scan;
}

/** Positions in range no event claimed, as runs [start, end). */
function missingRuns(seen: PositionSet, from: number, to: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let p = from; p < to; p++) {
    const missing = !seen.has(p);
    if (missing && start < 0) start = p;
    if (!missing && start >= 0) {
      runs.push([start, p]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, to]);
  return runs;
}

/** Classify the candidates: moves and swaps first, then alterations, insertions and deletions. */
function classify(
  scan: StoreScan,
  leaves: LeafSource,
  range: { from: number; to: number },
  findings: Findings,
): void {
  const to = Math.min(range.to, leaves.size);
  const runs = missingRuns(scan.seen, range.from, to);
  // Leaves whose events are not where they should be: mismatched positions and missing positions.
  const homeless = new Map<string, number>();
  const addHomeless = (p: number): void => {
    if (homeless.size < MAX_CANDIDATES) homeless.set(hex(leaves.readLeaves(p, 1)), p);
    else findings.truncated = true;
  };
  for (const c of scan.candidates) if (c.why === 'mismatch') addHomeless(c.position);
  for (const [a, b] of runs) for (let p = a; p < b && homeless.size < MAX_CANDIDATES; p++) addHomeless(p);

  const found = new Set<number>(); // homeless leaves whose event turned up elsewhere
  const unmatched: Candidate[] = [];
  for (const c of scan.candidates) {
    const home = homeless.get(hex(c.hash));
    if (home === undefined) {
      unmatched.push(c);
      continue;
    }
    found.add(home);
    // A second claimant of a position that holds the genuine event: the first claimant is the intruder.
    if (home !== c.position) {
      const where = c.why === 'beyond' ? `position ${c.position}, beyond the log` : `position ${c.position}`;
      findings.add({
        kind: 'reordered',
        position: c.position,
        id: c.id,
        detail: `event ${c.id} is stored at ${where} but the log has it at position ${home}`,
      });
    }
  }
  for (const c of unmatched) findings.add(unmatchedFinding(c, found, leaves));
  reportDeleted(runs, found, scan.neighbours, findings);
}

function unmatchedFinding(c: Candidate, found: Set<number>, leaves: LeafSource): Finding {
  if (c.why === 'beyond') {
    return {
      kind: 'inserted',
      position: c.position,
      id: c.id,
      detail: `event ${c.id} claims position ${c.position}, beyond the log's ${leaves.size} leaves`,
    };
  }
  if (c.why === 'duplicate') {
    return {
      kind: 'inserted',
      position: c.position,
      id: c.id,
      detail: `event ${c.id} claims position ${c.position}, which another stored event already holds`,
    };
  }
  if (found.has(c.position)) {
    return {
      kind: 'inserted',
      position: c.position,
      id: c.id,
      detail: `event ${c.id} at position ${c.position} is not in the log; the log's event for that position is stored elsewhere`,
    };
  }
  return {
    kind: 'altered',
    position: c.position,
    id: c.id,
    detail: `event ${c.id} at position ${c.position} does not match its leaf hash`,
  };
}

function reportDeleted(
  runs: [number, number][],
  found: Set<number>,
  neighbours: Map<number, string>,
  findings: Findings,
): void {
  for (const [a, b] of runs) {
    let start = -1;
    for (let p = a; p <= b; p++) {
      const gone = p < b && !found.has(p);
      if (gone && start < 0) start = p;
      if (!gone && start >= 0) {
        const before = neighbours.get(start - 1);
        const after = neighbours.get(p);
        const around = [before && `after ${before}`, after && `before ${after}`].filter(Boolean).join(', ');
        const what = p - start === 1 ? `position ${start} is` : `positions ${start}..${p - 1} are`;
        findings.add({
          kind: 'deleted',
          position: start,
          count: p - start,
          detail: `${what} in the log but not in the store${around ? ` (${around})` : ''}`,
        });
        start = -1;
      }
    }
  }
}

/**
 * Verify the store against the leaf log and the leaf log against the signed heads.
 * `ok` is true only when nothing at all was found.
 */
export async function verifyStore(input: VerifyInput): Promise<VerifyReport> {
  const findings = new Findings(input.maxFindings ?? 10_000);
  const logSize = input.leaves.size;
  const from = Math.max(0, input.range?.from ?? 0);
  const to = Math.min(logSize, input.range?.to ?? logSize);
  const range = { from, to: Math.max(from, to) };
  const heads = input.skipHeads
    ? { checked: 0, valid: 0, latestValidSize: null, unsignedTail: logSize }
    : checkHeads(input.leaves, input.heads, input.publicKeyPem, findings, input.badHeadLines);
  const events = await compareStore(input.rows, input.leaves, range, findings);
  const total = Object.values(findings.counts).reduce((a, b) => a + b, 0);
  return {
    ok: total === 0,
    events,
    range,
    logSize,
    heads,
    findings: findings.list,
    counts: findings.counts,
    truncated: findings.truncated,
  };
}
