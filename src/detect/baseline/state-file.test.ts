import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createAnalyzers } from './index.js';
import {
  loadStateFile,
  restoreAnalyzers,
  saveAnalyzers,
  saveStateFile,
  StateFileError,
} from './state-file.js';
import { baselineConfig, connection, DAY, failedLogin, MINUTE, T0 } from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-baseline-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('state file', () => {
  test('save and load round-trip; no file is undefined; the temporary file is gone', () => {
    const path = join(dir, 'nested', 'state.json');
    assert.equal(loadStateFile(path), undefined);
    saveStateFile(path, { a: [1, 2, 3], b: 'x' });
    assert.deepEqual(loadStateFile(path), { a: [1, 2, 3], b: 'x' });
    saveStateFile(path, { a: [] });
    assert.deepEqual(loadStateFile(path), { a: [] });
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['state.json']);
  });

  test('a damaged or foreign file is an error naming the path and the reason', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"format":"vigil-state","version":1,"state":');
    assert.throws(
      () => loadStateFile(path),
      (e: unknown) => e instanceof StateFileError && /bad\.json: not JSON/.test(e.message),
    );
    writeFileSync(path, '{"hello":1}');
    assert.throws(() => loadStateFile(path), /not a Vigil state file/);
    writeFileSync(path, '{"format":"vigil-state","version":9}');
    assert.throws(() => loadStateFile(path), /unsupported version 9/);
  });

  test('analyzers survive a restart: a learned pair stays known, a baseline fires after restore', () => {
    const config = baselineConfig({ learning_period: '1d' });
    const path = join(dir, 'analyzers.json');
    const first = createAnalyzers(config);
    const feed = (analyzers: typeof first, e: ReturnType<typeof connection>) =>
      analyzers.flatMap((a) => a.observe(e, e.time));
    feed(first, connection(T0, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8'));
    for (let b = 0; b < 30; b++)
      for (let i = 0; i < 2; i++) feed(first, failedLogin(T0 + b * 5 * MINUTE + i * 1000, 'alice'));
    saveAnalyzers(path, first);
    assert.ok(readFileSync(path, 'utf8').length < 20_000);

    const second = createAnalyzers(config);
    const report = restoreAnalyzers(path, second);
    assert.equal(report.restored.length, second.length);
    assert.deepEqual(report.failed, []);
    const later = T0 + 2 * DAY;
    assert.deepEqual(feed(second, connection(later, { host: 'ws01', ip: '10.0.0.5' }, '8.8.8.8')), []);
    const fresh = feed(second, connection(later, { host: 'ws01', ip: '10.0.0.5' }, '1.1.1.1'));
    // (No process on these events: process → destination does not take part.)
    assert.deepEqual(
      fresh.map((s) => s.rule.id),
      ['vigil.first_seen.host_external_ip'],
    );
    const burst = T0 + 30 * 5 * MINUTE;
    const fired = Array.from({ length: 20 }, (_, i) => failedLogin(burst + i * 1000, 'alice')).flatMap((e) =>
      feed(second, e),
    );
    assert.deepEqual(
      fired.map((s) => [s.rule.id, s.entities['user.name']]),
      [['vigil.baseline.failed_logins', 'alice']],
    );
  });

  test('restore: new analyzers start fresh, refused snapshots are reported', () => {
    const path = join(dir, 'partial.json');
    saveStateFile(path, { 'baseline.failed_logins': { v: 2 } });
    const analyzers = createAnalyzers(baselineConfig());
    const report = restoreAnalyzers(path, analyzers);
    assert.deepEqual(report.restored, []);
    assert.deepEqual(
      report.failed.map((f) => f.name),
      ['baseline.failed_logins'],
    );
    assert.equal(report.fresh.length, analyzers.length - 1);
    assert.deepEqual(restoreAnalyzers(join(dir, 'none.json'), analyzers).fresh.length, analyzers.length);
  });
});
