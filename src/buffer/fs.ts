/**
 * The small file interface the write-ahead log does all its I/O through. Production uses
 * `nodeWalFs` (node:fs/promises); tests inject a layer that counts syncs and fails writes on
 * demand (see testing-fs.ts), which is how disk-full and I/O errors are exercised.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';

/** An open file: positional reads and writes, a data sync, truncation. */
export interface WalFile {
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; resolves with the count read. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes up to `length` bytes; resolves with the count written (may be short, like write(2)). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync(2): the file's data (and size) reach stable storage. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** How a file is opened: read-only, or read-write creating it if absent. */
export type WalOpenMode = 'read' | 'write';

/** Directory and file operations. Every method rejects with Node-style errors carrying `code`. */
export interface WalFs {
  /** Creates the directory and its parents if absent. */
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  open(path: string, mode: WalOpenMode): Promise<WalFile>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsync(2) on a directory, so that created, renamed and deleted entries are durable. */
  syncDir(path: string): Promise<void>;
}

class NodeWalFile implements WalFile {
  constructor(private readonly handle: FileHandle) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.read(buffer, offset, length, position)).bytesRead;
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.write(buffer, offset, length, position)).bytesWritten;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeWalFs: WalFs = {
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  readdir(path) {
    return readdir(path);
  },
  async open(path, mode) {
    const flags = mode === 'read' ? constants.O_RDONLY : constants.O_RDWR | constants.O_CREAT;
    return new NodeWalFile(await open(path, flags, 0o600));
  },
  unlink(path) {
    return unlink(path);
  },
  rename(from, to) {
    return rename(from, to);
  },
  async syncDir(path) {
    const handle = await open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
