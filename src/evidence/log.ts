/**
 * The persistent append-only Merkle tree of stored events (one directory, `<dataDir>/merkle/`).
 *
 * Files:
 *  - `leaves.bin`  — the 32-byte leaf hashes in ingest order (the source of truth with the store).
 *  - `nodes.bin`   — a rebuildable cache: the hash of every perfect subtree of 2^L leaves for
 *                    L ≥ `cacheMinLevel`, in the order they complete, so any proof costs O(log n)
 *                    reads. Lower levels are hashed from at most 2^cacheMinLevel leaves on demand.
 *  - `state.json`  — the last commit: `{ version, size, root, cacheMinLevel }`, replaced atomically.
 *
 * The right edge of the tree (the frontier) is held in memory, so appends and the current root
 * cost O(log n) hashes per leaf at worst and O(1) amortised.
 *
 * Durability: `commit()` fsyncs both files, then records size and root. On open, anything after the
 * last commit (a torn or unacknowledged tail) is cut off and the cache is repaired. The store keeps
 * its own committed size; the caller commits the log first, records the size in the store, and after
 * a crash calls `truncateTo(storeSize)` (and re-appends from the store if the log is shorter).
 * One writer per directory.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  EMPTY_ROOT,
  Frontier,
  HASH_SIZE,
  consistencyProof,
  inclusionProof,
  nodeHash,
  sameHash,
  subtreeRoot,
  type SubtreeReader,
} from './merkle.js';

const fsyncAsync = promisify(fsync);

/** Default lowest cached level: nodes.bin holds n/8 hashes; a proof hashes ≤ 11 nodes below it. */
export const DEFAULT_CACHE_MIN_LEVEL = 4;
const STATE_VERSION = 1;
/** Leaves read per chunk when streaming the whole file. */
const CHUNK_LEAVES = 65536;

/** A misuse of the log or an unreadable log directory. */
export class MerkleLogError extends Error {
  override name = 'MerkleLogError';
}

/** Options of `MerkleLog.open`. */
export interface MerkleLogOptions {
  /** Lowest perfect-subtree level kept in nodes.bin (1..16). Changing it rebuilds the cache. */
  cacheMinLevel?: number;
}

/** What `open` found and repaired. */
export interface OpenReport {
  /** Leaves in the log after opening. */
  leaves: number;
  /** Bytes of a partial last leaf cut off. */
  tornBytes: number;
  /** Whole leaves after the last commit, cut off. */
  uncommittedLeaves: number;
  /** Leaves the last commit recorded but the file no longer has (lost or truncated outside). */
  missingCommittedLeaves: number;
  /** Whether nodes.bin had to be extended, rebuilt or cut. */
  cacheRepaired: boolean;
  /** Whether the root of the leaves equals the root recorded at the last commit (null: no commit). */
  rootMatchesCommit: boolean | null;
}

/** A commit point: the tree size and its root. */
export interface TreeState {
  size: number;
  root: Buffer;
}

interface StateFile {
  version: number;
  size: number;
  root: string;
  cacheMinLevel: number;
}

/** Number of cached nodes (levels ≥ minLevel) once `size` leaves are in. */
export function cachedNodeCount(size: number, minLevel: number): number {
  let total = 0;
  for (let k = 2 ** minLevel; k <= size; k *= 2) total += Math.floor(size / k);
  return total;
}

/**
 * Position in nodes.bin of the perfect subtree (level, index), level ≥ minLevel: the nodes complete
 * in leaf order, lower levels first when several complete with the same leaf.
 */
export function cachedNodePosition(level: number, index: number, minLevel: number): number {
  const t = (index + 1) * 2 ** level; // leaf count at which the node completes
  let before = 0;
  for (let l = minLevel; l <= level; l++) before += Math.floor(t / 2 ** l);
  for (let k = 2 ** (level + 1); k <= t - 1; k *= 2) before += Math.floor((t - 1) / k);
  return before - 1;
}

function readExact(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new MerkleLogError(`short read: wanted ${length} bytes at ${position}, got ${done}`);
    done += n;
  }
  return buf;
}

function writeExact(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readState(path: string): StateFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MerkleLogError(`${path}: not JSON (${(err as Error).message})`);
  }
  const s = parsed as Partial<StateFile>;
  const ok =
    s.version === STATE_VERSION &&
    Number.isSafeInteger(s.size) &&
    s.size! >= 0 &&
    typeof s.root === 'string' &&
    /^[0-9a-f]{64}$/.test(s.root) &&
    Number.isSafeInteger(s.cacheMinLevel);
  if (!ok) throw new MerkleLogError(`${path}: not a version ${STATE_VERSION} log state`);
  return s as StateFile;
}

/** The persistent append-only Merkle tree. Open with `MerkleLog.open(dir)`. */
export class MerkleLog implements SubtreeReader {
  private frontier: Frontier;
  /** Whole leaves in leaves.bin (equals frontier.size except while rebuilding). */
  private count: number;
  private nodesCount: number;
  private committed: TreeState;
  private pendingCommit: Promise<TreeState> | undefined;
  private closed = false;

  private constructor(
    /** The log directory. */
    readonly dir: string,
    private readonly leavesFd: number,
    private nodesFd: number,
    /** Lowest cached level in nodes.bin. */
    readonly cacheMinLevel: number,
    /** What opening found and repaired. */
    readonly report: OpenReport,
    committed: TreeState,
  ) {
    this.committed = committed;
    this.frontier = new Frontier();
    this.count = report.leaves;
    this.nodesCount = 0;
  }

  /** Open (creating if needed) the log in `dir`, cutting a torn or uncommitted tail and repairing the cache. */
  static open(dir: string, options: MerkleLogOptions = {}): MerkleLog {
    const minLevel = options.cacheMinLevel ?? DEFAULT_CACHE_MIN_LEVEL;
    if (!Number.isInteger(minLevel) || minLevel < 1 || minLevel > 16) {
      throw new MerkleLogError(`cacheMinLevel must be an integer 1..16 (got ${minLevel})`);
    }
    const created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    const state = readState(join(dir, 'state.json'));
    const leavesFd = openSync(join(dir, 'leaves.bin'), existsSync(join(dir, 'leaves.bin')) ? 'r+' : 'w+');
    const nodesFd = openSync(join(dir, 'nodes.bin'), existsSync(join(dir, 'nodes.bin')) ? 'r+' : 'w+');
    if (created) fsyncDir(dir);

    const bytes = fstatSync(leavesFd).size;
    const whole = Math.floor(bytes / HASH_SIZE);
    const size = state ? Math.min(whole, state.size) : whole;
    if (bytes !== size * HASH_SIZE) ftruncateSync(leavesFd, size * HASH_SIZE);
    const report: OpenReport = {
      leaves: size,
      tornBytes: bytes - whole * HASH_SIZE,
      uncommittedLeaves: whole - size,
      missingCommittedLeaves: state ? Math.max(0, state.size - whole) : 0,
      cacheRepaired: false,
      rootMatchesCommit: null,
    };
    const committed: TreeState = state
      ? { size: state.size, root: Buffer.from(state.root, 'hex') }
      : { size: 0, root: EMPTY_ROOT };
    const log = new MerkleLog(dir, leavesFd, nodesFd, minLevel, report, committed);
    try {
      log.recover(size, state);
    } catch (err) {
      closeSync(leavesFd);
      closeSync(nodesFd);
      throw err;
    }
    return log;
  }

  /** Bring the cache and frontier to `size` leaves and compare the root with the last commit. */
  private recover(size: number, state: StateFile | undefined): void {
    // Without a commit record, the cache's level is unknown: only an empty cache is trusted.
    const cacheUsable = state
      ? state.cacheMinLevel === this.cacheMinLevel
      : fstatSync(this.nodesFd).size === 0;
    this.loadFrontier(size, cacheUsable);
    if (state && state.size === size) {
      this.report.rootMatchesCommit = sameHash(this.root(), this.committed.root);
      if (!this.report.rootMatchesCommit) {
        // The cache may be what is wrong; rebuild it from the leaves before believing a mismatch.
        this.rebuildCache();
        this.report.cacheRepaired = true;
        this.report.rootMatchesCommit = sameHash(this.root(), this.committed.root);
      }
    }
    if (state && state.size > size) this.committed = { size, root: this.root() };
  }

  /** Build the frontier for `size` leaves, first bringing nodes.bin to exactly the nodes of that size. */
  private loadFrontier(size: number, cacheUsable: boolean): void {
    const want = cachedNodeCount(size, this.cacheMinLevel);
    const have = Math.floor(fstatSync(this.nodesFd).size / HASH_SIZE);
    if (!cacheUsable) {
      this.rebuildCache();
      this.report.cacheRepaired = true;
      return;
    }
    if (have >= want) {
      if (fstatSync(this.nodesFd).size !== want * HASH_SIZE) {
        ftruncateSync(this.nodesFd, want * HASH_SIZE);
        this.report.cacheRepaired = true;
      }
      this.nodesCount = want;
      this.frontier = Frontier.fromReader(size, this);
      return;
    }
    // The cache lags: restart from the largest size whose nodes are all present and replay.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (cachedNodeCount(mid, this.cacheMinLevel) <= have) lo = mid;
      else hi = mid - 1;
    }
    const from = lo;
    this.nodesCount = cachedNodeCount(from, this.cacheMinLevel);
    ftruncateSync(this.nodesFd, this.nodesCount * HASH_SIZE);
    this.frontier = Frontier.fromReader(from, this);
    this.replayLeaves(from, size);
    this.report.cacheRepaired = true;
  }

  /** Push leaves [from, to) from leaves.bin into the frontier, writing the nodes they complete. */
  private replayLeaves(from: number, to: number): void {
    for (let start = from; start < to; start += CHUNK_LEAVES) {
      const count = Math.min(CHUNK_LEAVES, to - start);
      const chunk = readExact(this.leavesFd, count * HASH_SIZE, start * HASH_SIZE);
      const nodes: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        this.frontier.push(chunk.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), (level, _index, hash) => {
          if (level >= this.cacheMinLevel) nodes.push(hash);
        });
      }
      this.writeNodes(nodes);
    }
  }

  private writeNodes(nodes: Buffer[]): void {
    if (nodes.length === 0) return;
    writeExact(this.nodesFd, Buffer.concat(nodes), this.nodesCount * HASH_SIZE);
    this.nodesCount += nodes.length;
  }

  private assertOpen(): void {
    if (this.closed) throw new MerkleLogError('the log is closed');
  }

  /** Leaves appended so far (committed or not). */
  get size(): number {
    return this.count;
  }

  /** Size and root at the last commit (size 0 and an empty root before the first). */
  get lastCommit(): TreeState {
    return { size: this.committed.size, root: Buffer.from(this.committed.root) };
  }

  /** Append leaf hashes (32 bytes each) in order; returns the index of the first. Durable after `commit()`. */
  append(leafHashes: readonly Uint8Array[]): number {
    this.assertOpen();
    const first = this.size;
    leafHashes.forEach((h, i) => {
      if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
        throw new MerkleLogError(`leaf hash #${i} must be ${HASH_SIZE} bytes (got ${h?.length})`);
      }
    });
    if (leafHashes.length === 0) return first;
    const nodes: Buffer[] = [];
    try {
      writeExact(this.leavesFd, Buffer.concat(leafHashes), first * HASH_SIZE);
      this.count = first + leafHashes.length;
      for (const h of leafHashes) {
        this.frontier.push(h, (level, _index, hash) => {
          if (level >= this.cacheMinLevel) nodes.push(hash);
        });
      }
      this.writeNodes(nodes);
    } catch (err) {
      // Put files and frontier back to the state before this call (best effort), then report.
      try {
        this.cutTo(first);
      } catch {
        // the original error is the one worth reporting
      }
      throw err;
    }
    return first;
  }

  /** Hash of leaf `index`. */
  leaf(index: number): Buffer {
    this.checkIndex(index, this.size);
    return readExact(this.leavesFd, HASH_SIZE, index * HASH_SIZE);
  }

  /** `count` leaf hashes from `start`, concatenated (32 bytes each). */
  readLeaves(start: number, count: number): Buffer {
    this.assertOpen();
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0) {
      throw new MerkleLogError(`bad leaf range ${start} + ${count}`);
    }
    if (start + count > this.size) {
      throw new MerkleLogError(`leaves ${start}..${start + count} beyond size ${this.size}`);
    }
    return count === 0 ? Buffer.alloc(0) : readExact(this.leavesFd, count * HASH_SIZE, start * HASH_SIZE);
  }

  /** Stream all leaf hashes [start, end) in chunks (for verification). */
  *leafChunks(
    start = 0,
    end = this.size,
    chunkLeaves = CHUNK_LEAVES,
  ): Generator<{ start: number; hashes: Buffer }> {
    for (let at = start; at < end; at += chunkLeaves) {
      yield { start: at, hashes: this.readLeaves(at, Math.min(chunkLeaves, end - at)) };
    }
  }

  /** Perfect-subtree hash (SubtreeReader): leaves, cached nodes, or hashed from ≤ 2^cacheMinLevel leaves. */
  perfect(level: number, index: number): Uint8Array {
    this.assertOpen();
    const width = 2 ** level;
    if ((index + 1) * width > this.size) {
      throw new MerkleLogError(`no complete subtree ${level}/${index} in ${this.size}`);
    }
    if (level === 0) return readExact(this.leavesFd, HASH_SIZE, index * HASH_SIZE);
    if (level >= this.cacheMinLevel) {
      const pos = cachedNodePosition(level, index, this.cacheMinLevel);
      return readExact(this.nodesFd, HASH_SIZE, pos * HASH_SIZE);
    }
    const block = readExact(this.leavesFd, width * HASH_SIZE, index * width * HASH_SIZE);
    let row: Uint8Array[] = [];
    for (let i = 0; i < width; i++) row.push(block.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    while (row.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i]!, row[i + 1]!));
      row = next;
    }
    return row[0]!;
  }

  /** Root of the first `size` leaves (default: all; O(log n) either way). */
  root(size = this.size): Buffer {
    this.assertOpen();
    if (size === this.size) return this.frontier.root();
    this.checkSize(size);
    return subtreeRoot(this, 0, size);
  }

  /** Inclusion proof of leaf `index` in the tree of `size` leaves (default: all). */
  inclusionProof(index: number, size = this.size): Buffer[] {
    this.checkSize(size);
    return inclusionProof(index, size, this);
  }

  /** Consistency proof between the trees of m and n leaves (n default: all). */
  consistencyProof(m: number, n = this.size): Buffer[] {
    this.checkSize(n);
    return consistencyProof(m, n, this);
  }

  /**
   * Make everything appended so far durable: fsync leaves and cache, then record size and root in
   * state.json (atomically). Commits run one at a time; resolves to the committed state.
   */
  commit(): Promise<TreeState> {
    this.assertOpen();
    const run = async (): Promise<TreeState> => {
      const target: TreeState = { size: this.size, root: this.root() };
      await fsyncAsync(this.leavesFd);
      await fsyncAsync(this.nodesFd);
      this.writeState(target);
      this.committed = target;
      return { size: target.size, root: Buffer.from(target.root) };
    };
    const next = (this.pendingCommit ?? Promise.resolve()).then(run, run);
    const tracked = next.finally(() => {
      if (this.pendingCommit === tracked) this.pendingCommit = undefined;
    });
    this.pendingCommit = tracked;
    return next;
  }

  /** `commit()` without leaving the thread (for synchronous shells and shutdown). */
  commitSync(): TreeState {
    this.assertOpen();
    if (this.pendingCommit) throw new MerkleLogError('an asynchronous commit is in flight');
    const target: TreeState = { size: this.size, root: this.root() };
    fsyncSync(this.leavesFd);
    fsyncSync(this.nodesFd);
    this.writeState(target);
    this.committed = target;
    return { size: target.size, root: Buffer.from(target.root) };
  }

  private writeState(state: TreeState): void {
    const body: StateFile = {
      version: STATE_VERSION,
      size: state.size,
      root: state.root.toString('hex'),
      cacheMinLevel: this.cacheMinLevel,
    };
    const tmp = join(this.dir, 'state.json.tmp');
    const fd = openSync(tmp, 'w');
    try {
      writeExact(fd, Buffer.from(JSON.stringify(body) + '\n'), 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, 'state.json'));
    fsyncDir(this.dir);
  }

  /**
   * Cut the log back to `size` leaves (e.g. the store's last committed size after a crash) and
   * commit that. Refused while an asynchronous commit is in flight.
   */
  truncateTo(size: number): void {
    this.assertOpen();
    this.checkSize(size);
    if (this.pendingCommit) throw new MerkleLogError('cannot truncate while a commit is in flight');
    if (size === this.size && size === this.committed.size) return;
    this.cutTo(size);
    this.commitSync();
  }

  private cutTo(size: number): void {
    ftruncateSync(this.leavesFd, size * HASH_SIZE);
    this.count = size;
    this.nodesCount = cachedNodeCount(size, this.cacheMinLevel);
    ftruncateSync(this.nodesFd, this.nodesCount * HASH_SIZE);
    this.frontier = Frontier.fromReader(size, this);
  }

  /** Recompute nodes.bin from leaves.bin (O(n)); for a damaged cache or a new cacheMinLevel. */
  rebuildCache(): void {
    this.assertOpen();
    const tmp = join(this.dir, 'nodes.bin.tmp');
    const fd = openSync(tmp, 'w+');
    const oldFd = this.nodesFd;
    this.nodesFd = fd;
    this.nodesCount = 0;
    this.frontier = new Frontier();
    try {
      this.replayLeaves(0, this.count);
      fsyncSync(fd);
    } catch (err) {
      this.nodesFd = oldFd;
      closeSync(fd);
      this.nodesCount = cachedNodeCount(this.count, this.cacheMinLevel);
      this.frontier = Frontier.fromReader(this.count, this);
      throw err;
    }
    renameSync(tmp, join(this.dir, 'nodes.bin'));
    closeSync(oldFd);
    fsyncDir(this.dir);
  }

  /** Wait for a pending commit, then close the files. Further calls throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.pendingCommit?.catch(() => undefined);
    this.closed = true;
    closeSync(this.leavesFd);
    closeSync(this.nodesFd);
  }

  private checkIndex(index: number, size: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new MerkleLogError(`leaf index ${index} out of range (size ${size})`);
    }
  }

  private checkSize(size: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new MerkleLogError(`tree size ${size} out of range (log has ${this.size})`);
    }
  }
}
