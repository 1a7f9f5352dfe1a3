/**
 * Which file is this? Device + inode say which file a path leads to now; a fingerprint of the
 * file's first bytes tells a file apart from a later one that reuses the inode, and shows when a
 * file was truncated and written again. The fingerprint covers fewer bytes while the file is
 * shorter than `fingerprintBytes` and is extended as it grows, always over bytes it already had.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export interface Fingerprint {
  /** How many leading bytes the hash covers. */
  bytes: number;
  /** sha256 of those bytes, hex. */
  sha256: string;
}

export function fingerprintOf(prefix: Buffer): Fingerprint {
  return { bytes: prefix.length, sha256: createHash('sha256').update(prefix).digest('hex') };
}

/** Whether a file whose first bytes are `prefix` can be the file `fp` was taken from. */
export function fingerprintMatches(fp: Fingerprint, prefix: Buffer): boolean {
  if (prefix.length < fp.bytes) return false; // shorter than what we hashed: truncated, or another file
  return fingerprintOf(prefix.subarray(0, fp.bytes)).sha256 === fp.sha256;
}

/** `dev:ino`, the key of a file while it exists. */
export function fileKey(stat: { dev: bigint; ino: bigint }): string {
  return `${stat.dev}:${stat.ino}`;
}

/** Read up to `n` bytes from the start of a file (fewer at EOF). */
export async function readPrefix(handle: FileHandle, n: number): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await handle.read(buf, got, n - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** What a stored checkpoint means for the file now found under its device and inode. */
export type Resolution =
  | { kind: 'resume' }
  /** Shorter than the checkpoint's offset: truncated (copytruncate) while we were not looking. */
  | { kind: 'truncated' }
  /** Same device and inode, other content: the inode was reused by a new file (or rewritten). */
  | { kind: 'replaced' };

/**
 * Decide whether a file may be resumed from a checkpoint taken with fingerprint `fp` at `offset`.
 * `prefix` is the file's first `min(size, fingerprintBytes)` bytes.
 */
export function resolveCheckpoint(
  checkpoint: { fingerprint: Fingerprint; offset: number },
  size: number,
  prefix: Buffer,
): Resolution {
  if (!fingerprintMatches(checkpoint.fingerprint, prefix)) {
    return size < checkpoint.fingerprint.bytes ? { kind: 'truncated' } : { kind: 'replaced' };
  }
  if (size < checkpoint.offset) return { kind: 'truncated' };
  return { kind: 'resume' };
}
