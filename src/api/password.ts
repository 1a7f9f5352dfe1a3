/**
 * Password hashing with scrypt (node:crypto): memory-hard, a random salt per password, and the
 * parameters stored beside the hash so they can be raised later (`needsRehash` says when a stored
 * hash is weaker than today's parameters; login rehashes it then). Verification compares in
 * constant time. No password is ever kept or logged.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  alg: 'scrypt';
  /** CPU/memory cost (a power of two), block size, parallelism. */
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** N=2^15, r=8, p=1: 32 MiB and ~50-100 ms per hash. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longest password accepted (scrypt would take any, but megabyte bodies should not). */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r bytes; node's default cap (32 MiB) is exactly N=2^15, r=8.
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return { alg: 'scrypt', ...params, salt: salt.toString('base64'), hash: key.toString('base64') };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  if (stored.alg !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash uses weaker parameters than `params` (then it is rehashed at login). */
export function needsRehash(stored: PasswordHash, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  return stored.N < params.N || stored.r < params.r || stored.p < params.p;
}

/** A hash of nothing, to spend the same time on unknown users as on known ones. */
let dummy: Promise<PasswordHash> | undefined;
export function dummyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<PasswordHash> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'), params);
  return dummy;
}
