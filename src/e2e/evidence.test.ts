/**
 * Evidence you can trust, end to end: events ingested into the real `vigil serve` are covered by
 * the Merkle log; `vigil verify` passes, then catches an altered and a deleted event made behind
 * Vigil's back; an exported evidence file verifies offline with the public key alone and fails
 * once edited.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { freePort, startVigil, tempDir, vigil, waitFor } from './harness.js';

test('verify, export with proofs, offline check, and tampering caught', { timeout: 120_000 }, async () => {
  const dir = tempDir('vigil-evidence-');
  const server = await startVigil(
    `api: { address: 127.0.0.1, port: ${await freePort()} }\nsources: []\n`,
    dir,
  );
  const token = vigil([
    'token',
    'create',
    '--role',
    'ingest',
    '--name',
    'e',
    '--data-dir',
    dir,
  ]).stdout.trim();
  for (let batch = 0; batch < 3; batch++) {
    const body = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({ message: `evidence-${batch * 100 + i}`, host: 'h1', user: 'alice' }),
    ).join('\n');
    const response = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    assert.equal(response.status, 200);
  }
  await waitFor('all stored', () => {
    const out = vigil([
      'search',
      'NOT source=audit | stats count() as n',
      '--format',
      'ndjson',
      '--data-dir',
      dir,
    ]);
    return (JSON.parse(out.stdout) as { n: number }).n === 300 || undefined;
  });

  const verified = vigil(['verify', '--data-dir', dir]);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  // The 300 events and the audit entries of the calls so far (also in the Merkle log).
  const checked = Number(/^OK: (\d+) events/.exec(verified.stdout)?.[1]);
  assert.ok(checked >= 300, verified.stdout);

  const key = join(dir, 'vigil.pub.pem');
  writeFileSync(key, vigil(['evidence', 'key', '--data-dir', dir]).stdout);
  assert.match(readFileSync(key, 'utf8'), /BEGIN PUBLIC KEY/);
  const bundle = join(dir, 'evidence.ndjson');
  const exported = vigil([
    'evidence',
    'export',
    '-q',
    'message=evidence-1?',
    '-o',
    bundle,
    '--data-dir',
    dir,
  ]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^10 events with proofs/);
  const ok = vigil(['evidence', 'verify', bundle, '--key', key]);
  assert.equal(ok.status, 0, ok.stdout);
  // One character changed in one exported event: the file no longer proves anything.
  writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('evidence-12', 'evidence-99'));
  const edited = vigil(['evidence', 'verify', bundle, '--key', key]);
  assert.equal(edited.status, 4, edited.stdout);
  assert.match(edited.stdout, /FAILED/);

  assert.equal(await server.stop(), 0, server.stderr());
  // Behind Vigil's back: one event altered, one deleted.
  const db = await DuckDBInstance.create(join(dir, 'events.duckdb'));
  const con = await db.connect();
  await con.run("UPDATE events SET message = 'nothing to see' WHERE id = 5");
  await con.run('DELETE FROM events WHERE id = 7');
  con.closeSync();
  db.closeSync();
  const caught = vigil(['verify', '--format', 'json', '--data-dir', dir]);
  assert.equal(caught.status, 4, caught.stdout + caught.stderr);
  const report = JSON.parse(caught.stdout) as {
    ok: boolean;
    findings: { kind: string; position?: number; id?: string }[];
  };
  assert.equal(report.ok, false);
  assert.ok(
    report.findings.some((f) => f.kind === 'altered' && f.position === 4),
    JSON.stringify(report.findings),
  );
  assert.ok(
    report.findings.some((f) => f.kind === 'deleted' && f.position === 6),
    JSON.stringify(report.findings),
  );
});
