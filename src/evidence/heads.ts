/**
 * Signed tree heads: the installation's Ed25519 key, signing and verifying heads, the append-only
 * heads file, and publishing heads outside the installation (a file, a webhook).
 *
 * A signed head is JSON:
 *   { "version": 1, "size": 1234, "root": "<64 hex>", "time": 1718000000000,
 *     "keyId": "sha256:<64 hex>", "signature": "<base64, 64 bytes>" }
 * `time` is milliseconds since the Unix epoch. The signature is Ed25519 over these exact bytes
 * (UTF-8, each line ending in "\n"):
 *   vigil-tree-head-v1
 *   <size, decimal>
 *   <root, 64 lowercase hex>
 *   <time, decimal ms>
 * The first line is the version/domain tag: a signature over one kind of message can never be
 * replayed as another. `keyId` (SHA-256 of the public key's SPKI DER) is not signed; it only names
 * the key — verification always uses the key the verifier trusts.
 *
 * Keys live in `<dataDir>/keys/`: `tree-head.ed25519.key` (PKCS#8 PEM, mode 0600, created on first
 * use, never logged) and `tree-head.ed25519.pub` (SPKI PEM, shareable).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { appendFile, open as openFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Verdict } from './merkle.js';

/** Domain tag and version of the signed head bytes. */
export const HEAD_DOMAIN = 'vigil-tree-head-v1';
const PRIVATE_KEY_FILE = 'tree-head.ed25519.key';
const PUBLIC_KEY_FILE = 'tree-head.ed25519.pub';

/** What a head commits to: the tree size, its root (hex), and when it was signed (ms). */
export interface TreeHead {
  size: number;
  root: string;
  time: number;
}

/** A tree head with its Ed25519 signature (the JSON form stored and published). */
export interface SignedHead extends TreeHead {
  version: 1;
  keyId: string;
  signature: string;
}

/** A head that cannot be stored, or a key that cannot be loaded. */
export class HeadError extends Error {
  override name = 'HeadError';
}

/** The exact bytes a head's signature covers (see the file comment). */
export function headSigningBytes(head: TreeHead): Buffer {
  return Buffer.from(`${HEAD_DOMAIN}\n${head.size}\n${head.root}\n${head.time}\n`, 'utf8');
}

/** `sha256:<hex>` of a public key's SPKI DER: a stable name for the key. */
export function publicKeyFingerprint(publicKeyPem: string | KeyObject): string {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  const der = key.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** Why size/root/time are not a valid tree head body (or undefined). */
function bodyProblem(h: Partial<TreeHead>): string | undefined {
  if (!Number.isSafeInteger(h.size) || h.size! < 0) {
    return `size ${JSON.stringify(h.size)} is not a non-negative integer`;
  }
  if (typeof h.root !== 'string' || !/^[0-9a-f]{64}$/.test(h.root)) {
    return 'root is not 64 lowercase hex digits';
  }
  if (!Number.isSafeInteger(h.time) || h.time! < 0) {
    return `time ${JSON.stringify(h.time)} is not epoch milliseconds`;
  }
  return undefined;
}

/** Why a value is not a well-formed signed tree head (or undefined when it is). */
function headShapeProblem(h: Partial<SignedHead>): string | undefined {
  if (h === null || typeof h !== 'object' || Array.isArray(h)) return 'not an object';
  if (h.version !== 1) return `unknown head version ${JSON.stringify(h.version)}`;
  const body = bodyProblem(h);
  if (body) return body;
  if (typeof h.keyId !== 'string') return 'keyId is missing';
  const sig = typeof h.signature === 'string' ? Buffer.from(h.signature, 'base64') : undefined;
  if (sig?.length !== 64 || sig.toString('base64') !== h.signature) {
    return 'signature is not 64 bytes of base64';
  }
  return undefined;
}

/**
 * Verify a signed head (any parsed JSON) against the trusted public key (PEM). Checks the shape,
 * that it names the trusted key, and the Ed25519 signature.
 */
export function verifyHead(head: unknown, publicKeyPem: string | KeyObject): Verdict {
  const problem = headShapeProblem(head as Partial<SignedHead>);
  if (problem) return { ok: false, reason: `malformed head: ${problem}` };
  const h = head as SignedHead;
  let key: KeyObject;
  try {
    key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  } catch {
    return { ok: false, reason: 'the trusted public key is not a valid PEM key' };
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return { ok: false, reason: 'the trusted public key is not Ed25519' };
  }
  const trusted = publicKeyFingerprint(key);
  if (h.keyId !== trusted) {
    return { ok: false, reason: `head names key ${h.keyId}, not the trusted ${trusted}` };
  }
  const ok = verify(null, headSigningBytes(h), key, Buffer.from(h.signature, 'base64'));
  return ok ? { ok: true } : { ok: false, reason: 'bad signature' };
}

/** The installation's head-signing key. Create or load with `HeadSigner.open(dataDir)`. */
export class HeadSigner {
  /** The public key's fingerprint (`keyId` of every head it signs). */
  readonly keyId: string;
  private readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = publicKeyFingerprint(this.publicKey);
  }

  /** Load `<dataDir>/keys/`'s key, generating it (mode 0600) on first use. */
  static open(dataDir: string): HeadSigner {
    const dir = join(dataDir, 'keys');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dir, PRIVATE_KEY_FILE);
    if (!existsSync(keyPath)) createKeyFile(keyPath);
    if ((statSync(keyPath).mode & 0o077) !== 0) chmodSync(keyPath, 0o600);
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(keyPath, 'utf8'));
    } catch {
      throw new HeadError(`${keyPath} is not a readable PEM private key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new HeadError(`${keyPath} is not an Ed25519 key`);
    const signer = new HeadSigner(key);
    const pubPath = join(dir, PUBLIC_KEY_FILE);
    if (!existsSync(pubPath) || readFileSync(pubPath, 'utf8') !== signer.exportPublicKey()) {
      writeFileSync(pubPath, signer.exportPublicKey(), { mode: 0o644 });
    }
    return signer;
  }

  /** The public key, SPKI PEM: what verifiers trust. */
  exportPublicKey(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Sign a head. `root` may be bytes or hex; `time` a Date or epoch ms (default: now). */
  signHead(head: { size: number; root: Uint8Array | string; time?: number | Date }): SignedHead {
    const root =
      typeof head.root === 'string' ? head.root.toLowerCase() : Buffer.from(head.root).toString('hex');
    const time =
      head.time === undefined ? Date.now() : typeof head.time === 'number' ? head.time : head.time.getTime();
    const body: TreeHead = { size: head.size, root, time };
    const problem = bodyProblem(body);
    if (problem) throw new HeadError(`cannot sign: ${problem}`);
    const signature = sign(null, headSigningBytes(body), this.privateKey).toString('base64');
    return { version: 1, ...body, keyId: this.keyId, signature };
  }

  /** Ed25519 signature over `domain + "\n" + message` (for other signed artefacts, e.g. bundles). */
  signTagged(domain: string, message: Uint8Array): Buffer {
    return sign(null, Buffer.concat([Buffer.from(`${domain}\n`), message]), this.privateKey);
  }
}

/** Write a fresh private key to `path` with mode 0600, without ever exposing a partial file. */
function createKeyFile(path: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path); // fails if another process created the key first: theirs wins
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  fsyncDirectory(dirname(path));
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A line of the heads file that could not be read. */
export interface BadHeadLine {
  line: number;
  reason: string;
}

/**
 * The append-only heads file (NDJSON, one signed head per line, sizes never decreasing).
 * A torn last line (no newline) is cut on open; unreadable lines are kept in `badLines` and skipped.
 */
export class HeadLog {
  private readonly heads: SignedHead[] = [];
  /** Lines that are not well-formed heads (reported by verification). */
  readonly badLines: BadHeadLine[] = [];

  private constructor(readonly path: string) {}

  /** Open (creating the folder if needed) the heads file at `path`. */
  static open(path: string): HeadLog {
    mkdirSync(dirname(path), { recursive: true });
    const log = new HeadLog(path);
    if (!existsSync(path)) return log;
    const text = readFileSync(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    text
      .slice(0, end)
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          log.badLines.push({ line: i + 1, reason: 'not JSON' });
          return;
        }
        const problem = headShapeProblem(parsed as Partial<SignedHead>);
        if (problem) log.badLines.push({ line: i + 1, reason: problem });
        else log.heads.push(parsed as SignedHead);
      });
    return log;
  }

  /** Append a signed head (durably). Its size may not be below the latest head's. */
  append(head: SignedHead): void {
    const problem = headShapeProblem(head);
    if (problem) throw new HeadError(`not a signed head: ${problem}`);
    const last = this.latest();
    if (last && head.size < last.size) {
      throw new HeadError(
        `head size ${head.size} is below the latest head's ${last.size}: the log only grows`,
      );
    }
    const fd = openSync(this.path, 'a', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(head)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.heads.push({ ...head });
  }

  /** The most recent head, if any. */
  latest(): SignedHead | undefined {
    const h = this.heads[this.heads.length - 1];
    return h && { ...h };
  }

  /** All heads in file order. */
  list(): SignedHead[] {
    return this.heads.map((h) => ({ ...h }));
  }

  /** The earliest head whose size is ≥ `size` (for leaf index i, ask for i + 1). */
  headAtOrAfter(size: number): SignedHead | undefined {
    let lo = 0;
    let hi = this.heads.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.heads[mid]!.size >= size) hi = mid;
      else lo = mid + 1;
    }
    const h = this.heads[lo];
    return h && { ...h };
  }
}

/** Somewhere heads are published, outside the installation's control. */
export interface HeadPublisher {
  /** Publish one head; rejects when it could not be delivered. */
  publish(head: SignedHead): Promise<void>;
}

/**
 * Publishes heads to a file: `latest` replaces it atomically with the newest head (for a web server
 * or a sync tool to pick up); `append` adds an NDJSON line per head.
 */
export class FileHeadPublisher implements HeadPublisher {
  constructor(
    readonly path: string,
    readonly mode: 'latest' | 'append' = 'latest',
  ) {}

  async publish(head: SignedHead): Promise<void> {
    const line = `${JSON.stringify(head)}\n`;
    if (this.mode === 'append') {
      await appendFile(this.path, line);
      return;
    }
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fh = await openFile(tmp, 'w', 0o644);
    try {
      await fh.writeFile(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }
}

/** Options of a webhook publisher. */
export interface WebhookOptions {
  url: string;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** Publishes each head as a JSON POST; any non-2xx answer or network error rejects. */
export class WebhookHeadPublisher implements HeadPublisher {
  constructor(private readonly options: WebhookOptions) {}

  async publish(head: SignedHead): Promise<void> {
    const doFetch = this.options.fetch ?? fetch;
    const response = await doFetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.options.headers },
      body: JSON.stringify(head),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer().catch(() => undefined); // drain so the connection is reusable
    if (!response.ok) {
      throw new HeadError(
        `webhook ${new URL(this.options.url).origin} answered ${response.status} ${response.statusText}`,
      );
    }
  }
}

/** File names of the key pair under `<dataDir>/keys/`. */
export const KEY_FILES = { privateKey: PRIVATE_KEY_FILE, publicKey: PUBLIC_KEY_FILE } as const;
