/**
 * Evidence bundles: events exported with everything needed to prove, offline, that they are exactly
 * what the installation stored — verifiable with the installation's public key and nothing else.
 *
 * Format: NDJSON (UTF-8), one JSON object per line, every line ending in "\n":
 *
 *   1. header
 *      { "type": "vigil-evidence", "version": 1, "createdAt": <epoch ms>, "query": "<what was exported>",
 *        "hashing": "rfc6962-sha256", "idField": "<dotted path of the id inside an event>" | null,
 *        "publicKey": { "algorithm": "Ed25519", "pem": "<SPKI PEM>", "fingerprint": "sha256:<hex>" },
 *        "treeHead": <signed tree head, see heads.ts> }
 *   2. one line per event, n = 0, 1, 2...
 *      { "type": "event", "n": <ordinal>, "id": "<event id>", "leafIndex": <position in the log>,
 *        "canonical": "<the event's canonical bytes as text>"   (or "canonicalBase64" when not UTF-8),
 *        "proof": ["<64 hex>", ...] }            RFC 9162 inclusion proof of leafIndex in treeHead
 *   3. end
 *      { "type": "end", "events": <count>, "digest": "sha256:<hex of every byte before this line>",
 *        "signature": "<base64 Ed25519 over 'vigil-evidence-bundle-v1\n' + digest + '\n' + count + '\n'>" }
 *
 * An event is proven when SHA-256(0x00 || canonical bytes) with its proof leads to the signed root.
 * The end record, signed with the same key, makes removing, adding or reordering lines evident.
 * `id` is a label: when `idField` is set, it must equal that field of the event.
 * NDJSON so that exports of any size stream in and out with constant memory.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle.js';
import { publicKeyFingerprint, verifyHead, type SignedHead } from './heads.js';

/** Format identifiers. */
export const BUNDLE_TYPE = 'vigil-evidence';
/** Format version written in the header. */
export const BUNDLE_VERSION = 1;
/** Domain tag of the end record's signature. */
export const BUNDLE_SIGNATURE_DOMAIN = 'vigil-evidence-bundle-v1';

/** One event to export: its id, its log position, its canonical bytes and its inclusion proof. */
export interface BundleEvent {
  id: string;
  leafIndex: number;
  bytes: Uint8Array;
  proof: readonly Uint8Array[];
}

/** Signs tagged messages with the installation key (HeadSigner does). */
export interface TaggedSigner {
  signTagged(domain: string, message: Uint8Array): Buffer;
}

/** What a bundle is built from. */
export interface BundleOptions {
  /** The signed head every proof leads to (its size must exceed every exported leafIndex). */
  head: SignedHead;
  /** The public key (SPKI PEM) that signed the head. */
  publicKeyPem: string;
  /** The installation key, to sign the end record. */
  signer: TaggedSigner;
  /** The query that selected the events (informational). */
  query?: string;
  /** Dotted path of the id inside an event (e.g. "metadata.uid"), checked by verifiers. */
  idField?: string;
  /** Export time (default now). */
  createdAt?: number;
}

/** A bundle that cannot be written (an unprovable event, a head that does not verify). */
export class BundleError extends Error {
  override name = 'BundleError';
}

interface Header {
  type: string;
  version: number;
  createdAt: number;
  query: string;
  hashing: string;
  idField: string | null;
  publicKey: { algorithm: string; pem: string; fingerprint: string };
  treeHead: SignedHead;
}

interface EventRecord {
  type: 'event';
  n: number;
  id: string;
  leafIndex: number;
  canonical?: string;
  canonicalBase64?: string;
  proof: string[];
}

interface EndRecord {
  type: 'end';
  events: number;
  digest: string;
  signature: string;
}

function endSigningBytes(digest: string, events: number): Buffer {
  return Buffer.from(`${digest}\n${events}\n`, 'utf8');
}

/** Exact text of the bytes when they are valid UTF-8, else undefined. */
function utf8Text(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/**
 * Writes a bundle line by line (constant memory): `header()`, then `event(e)` per event, then `end()`.
 * Each returns the line to append to the output, newline included. Every proof is checked first.
 */
export class BundleWriter {
  private readonly digest = createHash('sha256');
  private count = 0;
  private stage: 'header' | 'events' | 'done' = 'header';
  private readonly root: Buffer;

  constructor(private readonly options: BundleOptions) {
    const check = verifyHead(options.head, options.publicKeyPem);
    if (!check.ok) throw new BundleError(`the tree head does not verify with the given key: ${check.reason}`);
    this.root = Buffer.from(options.head.root, 'hex');
  }

  private emit(record: object): string {
    const line = `${JSON.stringify(record)}\n`;
    this.digest.update(line, 'utf8');
    return line;
  }

  /** The header line. */
  header(): string {
    if (this.stage !== 'header') throw new BundleError('header already written');
    this.stage = 'events';
    const o = this.options;
    const header: Header = {
      type: BUNDLE_TYPE,
      version: BUNDLE_VERSION,
      createdAt: o.createdAt ?? Date.now(),
      query: o.query ?? '',
      hashing: 'rfc6962-sha256',
      idField: o.idField ?? null,
      publicKey: {
        algorithm: 'Ed25519',
        pem: o.publicKeyPem,
        fingerprint: publicKeyFingerprint(o.publicKeyPem),
      },
      treeHead: o.head,
    };
    return this.emit(header);
  }

  /** One event line; throws BundleError when its proof does not lead to the head's root. */
  event(e: BundleEvent): string {
    if (this.stage !== 'events') throw new BundleError('write the header first, and no event after the end');
    const check = verifyInclusion(e.leafIndex, this.options.head.size, leafHash(e.bytes), e.proof, this.root);
    if (!check.ok) {
      throw new BundleError(`event ${e.id} (leaf ${e.leafIndex}) is not provable: ${check.reason}`);
    }
    const text = utf8Text(e.bytes);
    const record: EventRecord = {
      type: 'event',
      n: this.count++,
      id: e.id,
      leafIndex: e.leafIndex,
      ...(text !== undefined
        ? { canonical: text }
        : { canonicalBase64: Buffer.from(e.bytes).toString('base64') }),
      proof: e.proof.map((p) => Buffer.from(p).toString('hex')),
    };
    return this.emit(record);
  }

  /** The signed end line. */
  end(): string {
    if (this.stage !== 'events') throw new BundleError('the end comes once, after the header');
    this.stage = 'done';
    const digest = `sha256:${this.digest.digest('hex')}`;
    const signature = this.options.signer.signTagged(
      BUNDLE_SIGNATURE_DOMAIN,
      endSigningBytes(digest, this.count),
    );
    const record: EndRecord = {
      type: 'end',
      events: this.count,
      digest,
      signature: signature.toString('base64'),
    };
    return `${JSON.stringify(record)}\n`;
  }
}

/** A whole bundle as one string (for small exports and tests). */
export function buildBundle(options: BundleOptions, events: Iterable<BundleEvent>): string {
  const w = new BundleWriter(options);
  const parts = [w.header()];
  for (const e of events) parts.push(w.event(e));
  parts.push(w.end());
  return parts.join('');
}

/** A problem found in a bundle: `index` is the event's ordinal, null for the bundle as a whole. */
export interface BundleProblem {
  index: number | null;
  reason: string;
}

/** The outcome of `verifyBundle`. */
export interface BundleVerdict {
  /** True when the head, the key, every event and the end record verified. */
  ok: boolean;
  /** Event records in the bundle. */
  events: number;
  /** Events whose inclusion proof verified. */
  verified: number;
  errors: BundleProblem[];
  /** The bundle's tree head, when it could be read. */
  head?: SignedHead;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Value at a dotted path of a JSON text, if it is an object with that path. */
function fieldOf(text: string, path: string): unknown {
  let v = parseLine(text) as unknown;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function decodeProof(proof: unknown): Buffer[] | string {
  if (!Array.isArray(proof)) return 'proof is not a list';
  const out: Buffer[] = [];
  for (const [i, p] of proof.entries()) {
    if (typeof p !== 'string' || !/^[0-9a-f]{64}$/i.test(p)) {
      return `proof[${i}] is not ${HASH_SIZE} bytes of hex`;
    }
    out.push(Buffer.from(p, 'hex'));
  }
  return out;
}

/** The event's bytes, or why they cannot be read. */
function eventBytes(rec: Record<string, unknown>): Buffer | string {
  if (typeof rec.canonical === 'string') return Buffer.from(rec.canonical, 'utf8');
  if (typeof rec.canonicalBase64 === 'string') return Buffer.from(rec.canonicalBase64, 'base64');
  return 'no canonical bytes';
}

/** Check one event record against the head; returns the reason it fails, or undefined. */
function checkEvent(
  rec: Record<string, unknown>,
  ordinal: number,
  head: SignedHead,
  idField: string | null,
): string | undefined {
  if (rec.n !== ordinal) return `event record out of order (n ${JSON.stringify(rec.n)}, expected ${ordinal})`;
  const index = rec.leafIndex;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    return 'leafIndex is not a non-negative integer';
  }
  if (index >= head.size) return `leaf ${index} is beyond the tree head (size ${head.size})`;
  const bytes = eventBytes(rec);
  if (typeof bytes === 'string') return bytes;
  const proof = decodeProof(rec.proof);
  if (typeof proof === 'string') return proof;
  const check = verifyInclusion(index, head.size, leafHash(bytes), proof, Buffer.from(head.root, 'hex'));
  if (!check.ok) {
    return `event ${JSON.stringify(rec.id)} at leaf ${index} is not in the signed tree: ${check.reason}`;
  }
  if (idField !== null) {
    const inner = typeof rec.canonical === 'string' ? fieldOf(rec.canonical, idField) : undefined;
    if (inner !== rec.id) {
      return `id ${JSON.stringify(rec.id)} is not the event's ${idField} (${JSON.stringify(inner)})`;
    }
  }
  return undefined;
}

function readHeader(line: string | undefined, errors: BundleProblem[]): Header | undefined {
  const h = line === undefined ? undefined : (parseLine(line) as Partial<Header> | undefined);
  if (!h || h.type !== BUNDLE_TYPE) {
    errors.push({ index: null, reason: 'not a Vigil evidence bundle (the first line is not its header)' });
    return undefined;
  }
  if (h.version !== BUNDLE_VERSION) {
    errors.push({ index: null, reason: `unsupported bundle version ${JSON.stringify(h.version)}` });
    return undefined;
  }
  if (h.idField !== null && typeof h.idField !== 'string') {
    errors.push({ index: null, reason: 'idField is neither a string nor null' });
    return undefined;
  }
  return h as Header;
}

/** Compare the bundle's declared key with the trusted one. */
function checkKey(header: Header, trusted: KeyObject, errors: BundleProblem[]): void {
  const trustedId = publicKeyFingerprint(trusted);
  let declared: string;
  try {
    declared = publicKeyFingerprint(String(header.publicKey?.pem));
  } catch {
    errors.push({ index: null, reason: 'the bundle’s public key is not a valid PEM key' });
    return;
  }
  if (declared !== trustedId) {
    errors.push({
      index: null,
      reason: `the bundle was made with key ${declared}, not the trusted key ${trustedId}`,
    });
  } else if (header.publicKey.fingerprint !== declared) {
    errors.push({ index: null, reason: 'the bundle’s key fingerprint does not match its key' });
  }
}

/** Bytes of a base64 string written exactly as Node writes it (no junk, no stray padding bits). */
function strictBase64(value: unknown): Buffer {
  if (typeof value !== 'string') return Buffer.alloc(0);
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : Buffer.alloc(0);
}

/** Ed25519 check that never throws (malformed signatures are simply invalid). */
function signatureValid(message: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return sig.length === 64 && verify(null, message, key, sig);
  } catch {
    return false;
  }
}

function checkEnd(
  line: string,
  digest: string,
  events: number,
  trusted: KeyObject,
  errors: BundleProblem[],
): void {
  const end = parseLine(line) as Partial<EndRecord> | undefined;
  if (!end || end.type !== 'end') {
    errors.push({ index: null, reason: 'the last line is not the end record' });
    return;
  }
  if (end.events !== events) {
    errors.push({
      index: null,
      reason: `the end record counts ${end.events} events, the bundle has ${events}`,
    });
  }
  if (end.digest !== digest) {
    const reason =
      'the bundle’s bytes do not match the end record’s digest (altered, added or removed lines)';
    errors.push({ index: null, reason });
  }
  const exact: EndRecord = {
    type: 'end',
    events: end.events as number,
    digest: end.digest as string,
    signature: end.signature as string,
  };
  if (line !== JSON.stringify(exact)) {
    errors.push({ index: null, reason: 'the end record is not in the exact form the exporter writes' });
  }
  const sig = strictBase64(end.signature);
  const signed = endSigningBytes(String(end.digest), Number(end.events));
  const message = Buffer.concat([Buffer.from(`${BUNDLE_SIGNATURE_DOMAIN}\n`), signed]);
  if (!signatureValid(message, trusted, sig)) {
    errors.push({ index: null, reason: 'the end record’s signature does not verify with the trusted key' });
  }
}

/**
 * Verify a bundle offline against the trusted public key (PEM): the header's key is the trusted one,
 * the tree head's signature, every event's inclusion proof (and id), and the signed end record.
 * Pure: needs nothing from the installation. Never throws on bad input.
 */
export function verifyBundle(text: string, trustedPublicKeyPem: string): BundleVerdict {
  const errors: BundleProblem[] = [];
  let trusted: KeyObject;
  try {
    trusted = createPublicKey(trustedPublicKeyPem);
    if (trusted.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
  } catch {
    return {
      ok: false,
      events: 0,
      verified: 0,
      errors: [{ index: null, reason: 'the trusted key is not an Ed25519 public key (PEM)' }],
    };
  }
  if (!text.endsWith('\n')) {
    errors.push({ index: null, reason: 'the bundle does not end with a newline (truncated?)' });
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = readHeader(lines[0], errors);
  if (!header) return { ok: false, events: 0, verified: 0, errors };
  checkKey(header, trusted, errors);
  const headCheck = verifyHead(header.treeHead, trusted);
  if (!headCheck.ok) errors.push({ index: null, reason: `tree head: ${headCheck.reason}` });

  const digest = createHash('sha256').update(`${lines[0]}\n`, 'utf8');
  let events = 0;
  let verified = 0;
  let endLine: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const rec = parseLine(line);
    if (rec?.type === 'end' && i === lines.length - 1) {
      endLine = line;
      break;
    }
    digest.update(`${line}\n`, 'utf8');
    if (!rec || rec.type !== 'event') {
      errors.push({ index: null, reason: `line ${i + 1} is not an event record` });
      continue;
    }
    const ordinal = events++;
    if (!headCheck.ok) continue; // nothing can be proven against an untrusted head (reported once above)
    const reason = checkEvent(rec, ordinal, header.treeHead, header.idField);
    if (reason) errors.push({ index: ordinal, reason });
    else verified++;
  }
  if (endLine === undefined) errors.push({ index: null, reason: 'no end record: the bundle is truncated' });
  else checkEnd(endLine, `sha256:${digest.digest('hex')}`, events, trusted, errors);
  return { ok: errors.length === 0, events, verified, errors, head: header.treeHead };
}
