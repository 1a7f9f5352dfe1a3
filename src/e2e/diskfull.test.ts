/**
 * Disk full: with the data directory on a small tmpfs that fills up, Vigil refuses new data with a
 * clear error (503/429 with Retry-After), keeps running, loses nothing it acknowledged, and resumes
 * by itself once space returns; the store and buffer are intact afterwards. The scenario runs in
 * its own mount namespace (`unshare -rm`, no privileges needed); skipped where that is not allowed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const probe = spawnSync('unshare', ['-rm', 'true']);
const skip = probe.status === 0 ? false : 'user and mount namespaces are not available here (unshare -rm)';

test(
  'disk full: clear refusal, no crash, nothing acknowledged lost, resumes when space returns',
  { skip, timeout: 120_000 },
  (t) => {
    const child = spawnSync(
      'unshare',
      ['-rm', process.execPath, new URL('./diskfull-child.js', import.meta.url).pathname],
      {
        encoding: 'utf8',
        timeout: 110_000,
      },
    );
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      skip?: string;
      before: number;
      refusals: { status: number; body: string }[];
      aliveWhenFull: number;
      resumed: boolean;
      exit: number;
      searchStatus: number;
      acked: number;
      missing: number;
      stderr: string;
    };
    if (result.skip) return t.skip(result.skip);
    t.diagnostic(JSON.stringify({ ...result, stderr: undefined }));
    assert.ok(result.before > 0);
    assert.ok(result.refusals.length > 0, 'a full disk is refused');
    for (const r of result.refusals) {
      assert.ok(r.status === 503 || r.status === 429, `status ${r.status}`);
      assert.match(r.body, /ENOSPC|no space|full/i, 'the error says why');
    }
    assert.equal(result.aliveWhenFull, 200);
    assert.equal(result.resumed, true, 'ingest resumes by itself');
    assert.equal(result.exit, 0, result.stderr);
    assert.equal(result.searchStatus, 0, 'the store opens and answers afterwards');
    assert.equal(result.missing, 0, `${result.missing} of ${result.acked} acknowledged events missing`);
  },
);
