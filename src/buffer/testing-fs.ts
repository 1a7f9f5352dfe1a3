/**
 * A WalFs for tests and the benchmark: wraps another WalFs, counts writes and syncs, simulates a
 * disk of limited capacity (writes past it are short, then fail with ENOSPC, as write(2) does),
 * and fails chosen operations on demand. Not used in production.
 */
import { nodeWalFs, type WalFile, type WalFs, type WalOpenMode } from './fs.js';

/** A Node-style fs error. */
export function fsError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: simulated failure, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

/** Operations that can be made to fail. */
export type FaultOp = 'write' | 'datasync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'syncDir';

export class TestFs implements WalFs {
  writes = 0;
  datasyncs = 0;
  dirSyncs = 0;
  /** Total bytes the simulated disk holds across files opened through this layer. */
  capacity = Infinity;
  /** Current size of each file this layer has seen. */
  readonly sizes = new Map<string, number>();
  private readonly faults = new Map<FaultOp, { code: string; count: number }>();

  constructor(private readonly inner: WalFs = nodeWalFs) {}

  /** The next `count` calls of `op` fail with `code` (e.g. EIO). */
  fail(op: FaultOp, code: string, count = 1): void {
    this.faults.set(op, { code, count });
  }

  /** Bytes in use on the simulated disk. */
  get used(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** Throws the planned fault for `op`, if any. */
  check(op: FaultOp, path: string): void {
    const fault = this.faults.get(op);
    if (!fault || fault.count <= 0) return;
    fault.count--;
    throw fsError(fault.code, op, path);
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }

  async open(path: string, mode: WalOpenMode): Promise<WalFile> {
    this.check('open', path);
    const file = await this.inner.open(path, mode);
    this.sizes.set(path, await file.size());
    return new TestFile(this, file, path);
  }

  async unlink(path: string): Promise<void> {
    this.check('unlink', path);
    await this.inner.unlink(path);
    this.sizes.delete(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.check('rename', from);
    await this.inner.rename(from, to);
    const size = this.sizes.get(from);
    this.sizes.delete(from);
    if (size !== undefined) this.sizes.set(to, size);
  }

  async syncDir(path: string): Promise<void> {
    this.check('syncDir', path);
    this.dirSyncs++;
    await this.inner.syncDir(path);
  }
}

class TestFile implements WalFile {
  constructor(
    private readonly fs: TestFs,
    private readonly inner: WalFile,
    private readonly path: string,
  ) {}

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.inner.read(buffer, offset, length, position);
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.fs.check('write', this.path);
    this.fs.writes++;
    const size = this.fs.sizes.get(this.path) ?? 0;
    const growth = Math.max(0, position + length - size);
    const free = this.fs.capacity - this.fs.used;
    let n = length;
    if (growth > free) {
      n = Math.max(0, size + free - position);
      if (n <= 0) throw fsError('ENOSPC', 'write', this.path);
    }
    const written = await this.inner.write(buffer, offset, n, position);
    this.fs.sizes.set(this.path, Math.max(size, position + written));
    return written;
  }

  async datasync(): Promise<void> {
    this.fs.check('datasync', this.path);
    this.fs.datasyncs++;
    await this.inner.datasync();
  }

  async truncate(length: number): Promise<void> {
    this.fs.check('truncate', this.path);
    await this.inner.truncate(length);
    this.fs.sizes.set(this.path, length);
  }

  size(): Promise<number> {
    return this.inner.size();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An in-memory WalFs (fast fuzzing). Paths are plain strings; a directory lists the files directly in it. */
export class MemFs implements WalFs {
  readonly files = new Map<string, Buffer>();
  private readonly dirs = new Set<string>();

  async mkdir(path: string): Promise<void> {
    this.dirs.add(path);
  }

  async readdir(path: string): Promise<string[]> {
    if (!this.dirs.has(path)) throw fsError('ENOENT', 'scandir', path);
    const prefix = `${path}/`;
    return [...this.files.keys()]
      .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map((p) => p.slice(prefix.length));
  }

  async open(path: string, mode: WalOpenMode): Promise<WalFile> {
    if (!this.files.has(path)) {
      if (mode === 'read') throw fsError('ENOENT', 'open', path);
      this.files.set(path, Buffer.alloc(0));
    }
    return new MemFile(this.files, path);
  }

  async unlink(path: string): Promise<void> {
    if (!this.files.delete(path)) throw fsError('ENOENT', 'unlink', path);
  }

  async rename(from: string, to: string): Promise<void> {
    const data = this.files.get(from);
    if (!data) throw fsError('ENOENT', 'rename', from);
    this.files.delete(from);
    this.files.set(to, data);
  }

  async syncDir(): Promise<void> {}
}

class MemFile implements WalFile {
  constructor(
    private readonly files: Map<string, Buffer>,
    private readonly path: string,
  ) {}

  private get data(): Buffer {
    return this.files.get(this.path) ?? Buffer.alloc(0);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.data.copy(buffer, offset, position, Math.min(this.data.length, position + length));
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    let data = this.data;
    if (position + length > data.length) {
      const grown = Buffer.alloc(position + length);
      data.copy(grown);
      data = grown;
    }
    buffer.copy(data, position, offset, offset + length);
    this.files.set(this.path, data);
    return length;
  }

  async datasync(): Promise<void> {}

  async truncate(length: number): Promise<void> {
    const data = Buffer.alloc(length);
    this.data.copy(data, 0, 0, length);
    this.files.set(this.path, data);
  }

  async size(): Promise<number> {
    return this.data.length;
  }

  async close(): Promise<void> {}
}
