import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { tempDir } from '../e2e/harness.js';
import { CONSOLE_CSP, negotiateEncoding, registerConsole } from './console.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function builtConsole(): string {
  const dir = tempDir('vigil-console-');
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  const files: Record<string, string> = {
    'index.html':
      '<!doctype html><title>Vigil</title><script type="module" src="/assets/main-ABC.js"></script>',
    'assets/main-ABC.js': 'console.log("hello");'.repeat(50),
    'assets/main-ABC.css': 'body{color:red}',
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(text));
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(text));
  }
  return dir;
}

async function app(webDir: string) {
  const fastify = Fastify();
  fastify.get('/api/v1/search', async () => ({ ok: true }));
  registerConsole(fastify, { webDir });
  await fastify.ready();
  return fastify;
}

test('Accept-Encoding negotiation prefers br, then gzip, honours q=0 and *', () => {
  const all = ['br', 'gzip', 'identity'] as const;
  assert.equal(negotiateEncoding('gzip, deflate, br', all), 'br');
  assert.equal(negotiateEncoding('gzip', all), 'gzip');
  assert.equal(negotiateEncoding('br;q=0, gzip;q=0.5', all), 'gzip');
  assert.equal(negotiateEncoding(undefined, all), 'identity');
  assert.equal(negotiateEncoding('', all), 'identity');
  assert.equal(negotiateEncoding('*', all), 'br');
  assert.equal(negotiateEncoding('*;q=0', all), undefined);
  assert.equal(negotiateEncoding('identity;q=0, gzip', ['identity']), undefined);
  assert.equal(negotiateEncoding('br', ['gzip', 'identity']), 'identity');
});

test('hashed assets: precompressed by Accept-Encoding, immutable, right content type', async () => {
  const fastify = await app(builtConsole());
  const br = await fastify.inject({ url: '/assets/main-ABC.js', headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(br.statusCode, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(br.headers.vary, 'accept-encoding');
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), 'console.log("hello");'.repeat(50));
  const gz = await fastify.inject({ url: '/assets/main-ABC.css', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(gunzipSync(gz.rawPayload).toString(), 'body{color:red}');
  const plain = await fastify.inject({
    url: '/assets/main-ABC.css',
    headers: { 'accept-encoding': 'identity' },
  });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body, 'body{color:red}');
  const again = await fastify.inject({
    url: '/assets/main-ABC.css',
    headers: { 'if-none-match': plain.headers.etag! },
  });
  assert.equal(again.statusCode, 304);
  const missing = await fastify.inject({ url: '/assets/main-OLD.js' });
  assert.equal(missing.statusCode, 404, 'a stale hashed asset is not answered with the page');
  await fastify.close();
});

test('index.html for the root and any app path, with CSP and no-cache; API paths stay 404', async () => {
  const fastify = await app(builtConsole());
  for (const url of ['/', '/index.html', '/search', '/alerts/123?x=1']) {
    const r = await fastify.inject({ url });
    assert.equal(r.statusCode, 200, url);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', url);
    assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.body, /<title>Vigil<\/title>/);
  }
  assert.doesNotMatch(CONSOLE_CSP, /unsafe/);
  assert.equal((await fastify.inject({ url: '/api/v1/search' })).json().ok, true, 'real routes win');
  for (const url of ['/api/v1/nope', '/api', '/metrics', '/healthz']) {
    const r = await fastify.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.equal(r.json().error, 'not_found');
  }
  assert.equal((await fastify.inject({ url: '/%E0%A4%A' })).statusCode, 400);
  assert.equal((await fastify.inject({ method: 'POST', url: '/search' })).statusCode, 404, 'only GET');
  await fastify.close();
});

test('an unbuilt console answers 503 with how to build it', async () => {
  const dir = tempDir('vigil-console-');
  dirs.push(dir);
  const fastify = await app(join(dir, 'missing'));
  const r = await fastify.inject({ url: '/' });
  assert.equal(r.statusCode, 503);
  assert.match(r.body, /build-web/);
  await fastify.close();
});
