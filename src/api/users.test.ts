import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './password.js';
import { LoginThrottle, SessionStore } from './sessions.js';
import { UserError, UserStore } from './users.js';

test('passwords: scrypt with a salt per hash and its parameters, constant-time verified', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.equal(a.alg, 'scrypt');
  assert.deepEqual({ N: a.N, r: a.r, p: a.p }, DEFAULT_SCRYPT);
  assert.ok(a.N >= 2 ** 15 && a.r >= 8);
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.hash, b.hash);
  assert.ok(await verifyPassword('correct horse battery', a));
  assert.ok(!(await verifyPassword('correct horse batterY', a)));
  assert.ok(!(await verifyPassword('', a)));
  // Stored parameters are used, so raising the defaults keeps old hashes working, and flags them.
  const weak = await hashPassword('old password', { N: 2 ** 10, r: 8, p: 1 });
  assert.ok(await verifyPassword('old password', weak));
  assert.ok(needsRehash(weak));
  assert.ok(!needsRehash(a));
});

test('users file: private, hashes only, re-read on change, changes reported', async () => {
  const dir = tempDir('vigil-users-');
  const users = new UserStore(dir);
  assert.deepEqual(users.changes(), []);
  await users.add('alice', 'analyst', 'alice-password-1');
  const text = readFileSync(users.file, 'utf8');
  assert.ok(!text.includes('alice-password-1'));
  assert.equal(statSync(users.file).mode & 0o777, 0o600);
  await assert.rejects(users.add('alice', 'admin', 'another-password'), UserError);
  await assert.rejects(users.add('bad name', 'admin', 'another-password'), /user name/);
  await assert.rejects(users.add('bob', 'admin', 'short'), /at least 8/);
  assert.deepEqual(users.changes(), [{ action: 'user.add', user: 'alice', role: 'analyst' }]);

  // Another process (the CLI) changes the file: this store sees it.
  const cli = new UserStore(dir);
  cli.setRole('alice', 'developer');
  await cli.setPassword('alice', 'alice-password-2');
  assert.equal(users.get('alice')?.role, 'developer');
  assert.ok(await verifyPassword('alice-password-2', users.get('alice')!.password));
  assert.deepEqual(users.changes(), [
    { action: 'user.role', user: 'alice', role: 'developer' },
    { action: 'user.password', user: 'alice' },
  ]);
  assert.ok(cli.remove('alice'));
  assert.ok(!cli.remove('alice'));
  assert.equal(users.get('alice'), undefined);
  assert.deepEqual(users.changes(), [{ action: 'user.remove', user: 'alice' }]);
  assert.deepEqual(users.list(), []);
});

test('sessions: hashed at rest, expire, end at logout, survive a restart', () => {
  const dir = tempDir('vigil-sessions-');
  let now = 1_000_000;
  const sessions = new SessionStore(dir, 60_000, () => now);
  const { token, session } = sessions.create('alice');
  assert.match(token, /^vgs_[A-Za-z0-9_-]{43}$/);
  const file = `${dir}/auth/sessions.json`;
  assert.ok(!readFileSync(file, 'utf8').includes(token));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(sessions.verify(token)?.id, session.id);
  assert.equal(sessions.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), undefined);
  assert.equal(sessions.verify('vgl_' + token.slice(4)), undefined);
  // A restart keeps it; expiry ends it.
  const again = new SessionStore(dir, 60_000, () => now);
  assert.equal(again.verify(token)?.user, 'alice');
  now += 60_000;
  assert.equal(again.verify(token), undefined);
  now -= 60_000;
  assert.ok(sessions.revoke(token));
  assert.equal(sessions.verify(token), undefined);
  assert.equal(new SessionStore(dir, 60_000, () => now).verify(token), undefined);
  const second = sessions.create('bob');
  assert.equal(sessions.revokeUser('bob'), 1);
  assert.equal(sessions.verify(second.token), undefined);
});

test('login throttle: per user and address, lockouts double, success resets', () => {
  const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, lockMs: 1000, maxLockMs: 3000 });
  let t = 0;
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.1', t), 0);
  assert.deepEqual(throttle.fail('alice', '10.0.0.1', t), { failures: 1, lockedForMs: 0 });
  throttle.fail('alice', '10.0.0.1', t);
  assert.deepEqual(throttle.fail('alice', '10.0.0.1', t), { failures: 3, lockedForMs: 1000 });
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.1', t + 10), 990);
  // Another address, or another user, is not locked.
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.2', t), 0);
  assert.equal(throttle.retryAfterMs('bob', '10.0.0.1', t), 0);
  t += 1000;
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.1', t), 0);
  for (let i = 0; i < 3; i++) throttle.fail('alice', '10.0.0.1', t);
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.1', t), 2000);
  t += 2000;
  for (let i = 0; i < 3; i++) throttle.fail('alice', '10.0.0.1', t);
  assert.equal(throttle.retryAfterMs('alice', '10.0.0.1', t), 3000, 'capped');
  // Failures outside the window do not add up.
  throttle.succeed('alice', '10.0.0.1');
  throttle.fail('alice', '10.0.0.1', 0);
  throttle.fail('alice', '10.0.0.1', 0);
  assert.deepEqual(throttle.fail('alice', '10.0.0.1', 120_000), { failures: 1, lockedForMs: 0 });
});
