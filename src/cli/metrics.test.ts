import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { MetricStore } from '../metrics/store.js';
import { CliError } from './exit.js';
import { metricsNames, metricsQuery } from './metrics.js';

test('vigil metrics query/names on a data directory no server serves (store opened read-only)', async () => {
  const dataDir = tempDir();
  const t = Date.UTC(2026, 0, 1);
  const store = await MetricStore.open(dataDir);
  await store.writeMetrics(
    [0, 1, 2].map((i) => ({
      name: 'up',
      kind: 'gauge' as const,
      labels: { job: 'node', i: String(i) },
      time: t,
      value: i % 2,
    })),
  );
  await store.close();
  const json = JSON.parse(
    await metricsQuery('sum(up) by (job)', {
      dataDir,
      format: 'json',
      from: String(t),
      to: String(t),
      step: '1m',
    }),
  ) as { series: { labels: Record<string, string>; points: [number, number][] }[] };
  assert.deepEqual(json.series, [{ labels: { job: 'node' }, points: [[t, 1]] }]);
  const table = await metricsQuery('up{i="1"}', {
    dataDir,
    format: 'csv',
    from: String(t),
    to: String(t),
    step: '60',
  });
  assert.equal(table, `time,series,value\n2026-01-01T00:00:00.000Z,"{i=""1"", job=""node""}",1\n`);
  assert.match(await metricsNames({ dataDir, format: 'table' }), /up\s+gauge\s+3/);
  assert.match(await metricsNames({ dataDir, format: 'csv', name: 'up' }), /i,"0, 1, 2"/);
  await assert.rejects(
    metricsQuery('rate(up)', { dataDir, format: 'table' }),
    (error: unknown) => error instanceof CliError && error.exitCode === 2 && /position 8/.test(error.message),
  );
});
