import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { tempDir, vigil } from '../e2e/harness.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';

const SAMPLE = 'bench/otrf_windows_events_sample20k.ndjson.gz';

describe('vigil ingest', () => {
  test(
    'stores all 19,997 events of the real Windows sample (needs ../shared)',
    { skip: sharedSkip(SAMPLE) },
    () => {
      const dataDir = tempDir();
      const result = vigil(['ingest', sharedPath(SAMPLE), '--data-dir', dataDir]);
      assert.equal(result.status, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /^19,997 events stored, 0 rejected/);
      const count = vigil(['search', '| stats count() as n', '--format', 'ndjson', '--data-dir', dataDir]);
      assert.equal(count.status, 0, count.stderr);
      assert.equal(JSON.parse(count.stdout).n, 19997);
      const byClass = vigil([
        'search',
        'class_uid=1007 | stats count() as n',
        '--format',
        'ndjson',
        '--data-dir',
        dataDir,
      ]);
      assert.ok(JSON.parse(byClass.stdout).n > 0, 'process activity events are mapped');
    },
  );

  test('reads plain, gzip and zstd files, JSON arrays and Records wrappers, and reports rejections', () => {
    const dir = tempDir();
    const ndjson =
      ['{"message":"one","host":"a"}', '{"message":"two","host":"b"}', '{"broken":'].join('\n') + '\n';
    writeFileSync(join(dir, 'plain.ndjson'), ndjson);
    writeFileSync(join(dir, 'packed.ndjson.gz'), gzipSync(ndjson));
    writeFileSync(join(dir, 'raw.ndjson'), ndjson);
    execFileSync('zstd', ['-q', '-f', join(dir, 'raw.ndjson'), '-o', join(dir, 'packed.ndjson.zst')]);
    writeFileSync(
      join(dir, 'array.json'),
      JSON.stringify([{ message: 'three' }, { message: 'four' }], null, 2),
    );
    writeFileSync(
      join(dir, 'records.json'),
      JSON.stringify({ Records: [{ eventName: 'StopLogging', eventTime: '2026-01-01T00:00:00Z' }] }, null, 2),
    );
    const dataDir = join(dir, 'data');
    const files = ['plain.ndjson', 'packed.ndjson.gz', 'packed.ndjson.zst', 'array.json', 'records.json'].map(
      (f) => join(dir, f),
    );
    const result = vigil(['ingest', ...files, '--data-dir', dataDir]);
    assert.equal(result.status, 3, 'exit 3: finished with rejections');
    assert.match(result.stdout, /^9 events stored, 3 rejected/);
    assert.match(result.stdout, /rejected invalid_json: 3/);
    assert.match(result.stdout, /plain\.ndjson line 3/);
    const found = vigil(['search', 'eventName=StopLogging', '--format', 'json', '--data-dir', dataDir]);
    assert.equal(JSON.parse(found.stdout).events.length, 1);
  });

  test('usage errors exit 2 with a clear message', () => {
    const result = vigil(['ingest', '/nonexistent/file.log', '--data-dir', tempDir()]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /no such file: \/nonexistent\/file\.log/);
  });
});
