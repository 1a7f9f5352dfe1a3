/**
 * Signed tree heads: key creation and reuse, the documented signed bytes, verification against
 * tampering and wrong keys, the heads file, and the file and webhook publishers.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileHeadPublisher,
  HEAD_DOMAIN,
  HeadError,
  HeadLog,
  HeadSigner,
  KEY_FILES,
  WebhookHeadPublisher,
  headSigningBytes,
  publicKeyFingerprint,
  verifyHead,
  type SignedHead,
} from './heads.js';
import { leafHash } from './merkle.js';

const base = mkdtempSync(join(tmpdir(), 'vigil-heads-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(base, `d${n++}`);
const ROOT = leafHash(Buffer.from('root')).toString('hex');

describe('HeadSigner: the installation key', () => {
  test('created on first use (private 0600 in a 0700 folder), reused afterwards', () => {
    const dataDir = fresh();
    const signer = HeadSigner.open(dataDir);
    const keyPath = join(dataDir, 'keys', KEY_FILES.privateKey);
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'keys')).mode & 0o777, 0o700);
    assert.match(signer.exportPublicKey(), /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(readFileSync(join(dataDir, 'keys', KEY_FILES.publicKey), 'utf8'), signer.exportPublicKey());
    assert.match(signer.keyId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(signer.keyId, publicKeyFingerprint(signer.exportPublicKey()));
    const again = HeadSigner.open(dataDir);
    assert.equal(again.keyId, signer.keyId);
    assert.notEqual(HeadSigner.open(fresh()).keyId, signer.keyId);
  });

  test('a key file readable by others is tightened; an unreadable one fails without echoing it', () => {
    const dataDir = fresh();
    HeadSigner.open(dataDir);
    const keyPath = join(dataDir, 'keys', KEY_FILES.privateKey);
    chmodSync(keyPath, 0o644);
    HeadSigner.open(dataDir);
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    writeFileSync(keyPath, 'SECRET-GARBAGE');
    assert.throws(
      () => HeadSigner.open(dataDir),
      (err: unknown) =>
        err instanceof HeadError && !err.message.includes('SECRET') && /not a readable PEM/.test(err.message),
    );
  });
});

describe('signing and verifying heads', () => {
  const signer = HeadSigner.open(fresh());
  const pub = signer.exportPublicKey();

  test('the signature covers exactly the documented bytes', () => {
    const head = signer.signHead({ size: 42, root: ROOT, time: 1_718_000_000_123 });
    const bytes = headSigningBytes(head).toString('utf8');
    assert.equal(bytes, `vigil-tree-head-v1\n42\n${ROOT}\n1718000000123\n`);
    assert.equal(HEAD_DOMAIN, 'vigil-tree-head-v1');
    assert.ok(verify(null, Buffer.from(bytes), createPublicKey(pub), Buffer.from(head.signature, 'base64')));
    assert.deepEqual(Object.keys(head).sort(), ['keyId', 'root', 'signature', 'size', 'time', 'version']);
  });

  test('verifies; root as bytes or hex, time as Date, number or now', () => {
    const a = signer.signHead({ size: 1, root: Buffer.from(ROOT, 'hex'), time: new Date(5) });
    assert.equal(a.root, ROOT);
    assert.equal(a.time, 5);
    assert.deepEqual(verifyHead(a, pub), { ok: true });
    const before = Date.now();
    const b = signer.signHead({ size: 0, root: ROOT.toUpperCase() });
    assert.ok(b.time >= before);
    assert.equal(b.root, ROOT);
    assert.deepEqual(verifyHead(JSON.parse(JSON.stringify(b)), pub), { ok: true });
  });

  test('any altered field, another key, or a malformed head fails', () => {
    const head = signer.signHead({ size: 100, root: ROOT, time: 1000 });
    const other = HeadSigner.open(fresh());
    const flipped = Buffer.from(head.signature, 'base64');
    flipped[0]! ^= 1;
    const cases: [unknown, RegExp][] = [
      [{ ...head, size: 101 }, /bad signature/],
      [{ ...head, root: leafHash(Buffer.from('x')).toString('hex') }, /bad signature/],
      [{ ...head, time: 1001 }, /bad signature/],
      [{ ...head, signature: flipped.toString('base64') }, /bad signature/],
      [{ ...head, keyId: other.keyId }, /names key sha256:.*not the trusted/],
      [other.signHead({ size: 100, root: ROOT, time: 1000 }), /not the trusted/],
      [{ ...other.signHead({ size: 100, root: ROOT, time: 1000 }), keyId: signer.keyId }, /bad signature/],
      [{ ...head, version: 2 }, /malformed head: unknown head version 2/],
      [{ ...head, size: -1 }, /malformed head: size -1/],
      [{ ...head, root: ROOT.slice(2) }, /malformed head: root/],
      [{ ...head, signature: 'abc' }, /malformed head: signature/],
      [null, /malformed head: not an object/],
      [[head], /malformed head: not an object/],
    ];
    for (const [value, reason] of cases) {
      const got = verifyHead(value, pub);
      assert.equal(got.ok, false, JSON.stringify(value));
      assert.match((got as { reason: string }).reason, reason);
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.match((verifyHead(head, rsa.toString()) as { reason: string }).reason, /not Ed25519/);
    assert.match((verifyHead(head, 'not a key') as { reason: string }).reason, /not a valid PEM/);
  });

  test('refuses to sign a malformed head', () => {
    assert.throws(() => signer.signHead({ size: -1, root: ROOT }), /cannot sign: size -1/);
    assert.throws(() => signer.signHead({ size: 1, root: 'xyz' }), /cannot sign: root/);
    assert.throws(() => signer.signHead({ size: 1, root: ROOT, time: NaN }), /cannot sign: time/);
  });
});

describe('HeadLog: the heads file', () => {
  const signer = HeadSigner.open(fresh());
  const head = (size: number): SignedHead => signer.signHead({ size, root: ROOT, time: size * 10 });

  test('append, latest, list, headAtOrAfter; reopen reads the same', () => {
    const path = join(fresh(), 'merkle', 'heads.ndjson');
    const log = HeadLog.open(path);
    assert.equal(log.latest(), undefined);
    assert.equal(log.headAtOrAfter(0), undefined);
    for (const s of [0, 5, 5, 9, 20]) log.append(head(s));
    assert.equal(log.latest()!.size, 20);
    assert.deepEqual(
      log.list().map((h) => h.size),
      [0, 5, 5, 9, 20],
    );
    assert.equal(log.headAtOrAfter(0)!.size, 0);
    assert.equal(log.headAtOrAfter(1)!.size, 5);
    assert.equal(log.headAtOrAfter(5)!.time, 50);
    assert.equal(log.headAtOrAfter(10)!.size, 20);
    assert.equal(log.headAtOrAfter(21), undefined);
    const again = HeadLog.open(path);
    assert.deepEqual(again.list(), log.list());
    assert.deepEqual(again.badLines, []);
  });

  test('the log only grows; malformed heads are refused', () => {
    const log = HeadLog.open(join(fresh(), 'heads.ndjson'));
    log.append(head(10));
    assert.throws(() => log.append(head(9)), /below the latest head's 10/);
    assert.throws(() => log.append({ ...head(11), root: 'nope' }), /not a signed head: root/);
    assert.equal(log.list().length, 1);
  });

  test('a torn last line is cut; unreadable lines are reported and skipped', () => {
    const path = join(fresh(), 'heads.ndjson');
    const log = HeadLog.open(path);
    log.append(head(1));
    appendFileSync(path, 'this is not json\n');
    appendFileSync(path, JSON.stringify({ ...head(2), size: 'two' }) + '\n');
    log.append(head(3));
    appendFileSync(path, JSON.stringify(head(4)).slice(0, 40));
    const again = HeadLog.open(path);
    assert.deepEqual(
      again.list().map((h) => h.size),
      [1, 3],
    );
    assert.deepEqual(again.badLines, [
      { line: 2, reason: 'not JSON' },
      { line: 3, reason: 'size "two" is not a non-negative integer' },
    ]);
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'));
    again.append(head(5));
    assert.deepEqual(
      HeadLog.open(path)
        .list()
        .map((h) => h.size),
      [1, 3, 5],
    );
  });
});

describe('publishing heads', () => {
  const signer = HeadSigner.open(fresh());
  const head = signer.signHead({ size: 7, root: ROOT, time: 70 });

  test('file sink: latest replaces, append adds lines', async () => {
    const dir = fresh();
    const latest = new FileHeadPublisher(join(base, `${n++}-latest.json`));
    await latest.publish(signer.signHead({ size: 1, root: ROOT, time: 1 }));
    await latest.publish(head);
    assert.deepEqual(JSON.parse(readFileSync(latest.path, 'utf8')), head);
    const appending = new FileHeadPublisher(join(base, `${n++}-heads.ndjson`), 'append');
    await appending.publish(head);
    await appending.publish(head);
    assert.equal(readFileSync(appending.path, 'utf8'), `${JSON.stringify(head)}\n`.repeat(2));
    await assert.rejects(new FileHeadPublisher(join(dir, 'missing', 'x.json')).publish(head));
  });

  test('webhook sink: POSTs the head as JSON to a local server; non-2xx and timeouts reject', async () => {
    const received: { method?: string; type?: string; auth?: string; body: string }[] = [];
    let status = 204;
    let hang = false;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          method: req.method,
          type: req.headers['content-type'],
          auth: req.headers.authorization,
          body,
        });
        if (hang) return;
        res.statusCode = status;
        res.end(status === 204 ? undefined : 'nope');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/heads`;
    try {
      const hook = new WebhookHeadPublisher({
        url,
        headers: { authorization: 'Bearer t0k' },
        timeoutMs: 2000,
      });
      await hook.publish(head);
      assert.equal(received.length, 1);
      assert.deepEqual(JSON.parse(received[0]!.body), head);
      assert.equal(received[0]!.method, 'POST');
      assert.equal(received[0]!.type, 'application/json');
      assert.equal(received[0]!.auth, 'Bearer t0k');
      status = 500;
      await assert.rejects(hook.publish(head), /answered 500/);
      hang = true;
      await assert.rejects(new WebhookHeadPublisher({ url, timeoutMs: 200 }).publish(head), /abort|timeout/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await assert.rejects(new WebhookHeadPublisher({ url }).publish(head));
  });
});
