import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { can, TokenStore } from './auth.js';

test('tokens: only hashes are stored, the file is private, roles limit permissions', () => {
  const dir = tempDir();
  const store = new TokenStore(dir);
  const { token, record } = store.create('ci', 'ingest');
  assert.match(token, /^vgl_[A-Za-z0-9_-]{43}$/);
  const file = join(dir, 'auth', 'tokens.json');
  assert.ok(!readFileSync(file, 'utf8').includes(token), 'the secret is not stored');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const principal = store.verify(token);
  assert.deepEqual(principal, { tokenId: record.id, name: 'ci', role: 'ingest' });
  assert.ok(can(principal!, 'ingest'));
  assert.ok(!can(principal!, 'search'));
  assert.equal(store.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), undefined);
  assert.equal(store.verify(undefined), undefined);
  assert.equal(store.verify('Bearer ' + token), undefined);
  assert.ok(store.revoke('ci'));
  assert.equal(store.verify(token), undefined);
});
