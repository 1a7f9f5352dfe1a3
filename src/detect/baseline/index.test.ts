import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { baselineConfigSchema, parseDuration } from './config.js';
import { createAnalyzers } from './index.js';
import { baselineConfig } from './testkit.js';

describe('learned detectors: configuration', () => {
  test('defaults: the built-in series and pairs, k = 3, seven days of learning', () => {
    const config = baselineConfig();
    assert.equal(config.sensitivity, 3);
    assert.equal(config.learning_period, 7 * 86_400_000);
    assert.deepEqual(
      createAnalyzers(config).map((a) => a.name),
      [
        'baseline.failed_logins',
        'baseline.bytes_out',
        'baseline.dns_queries',
        'first_seen.host_external_ip',
        'first_seen.user_country',
        'first_seen.agent_domain',
        'first_seen.process_destination',
      ],
    );
  });

  test('configured lists replace the built-ins; [] means none', () => {
    const config = baselineConfig({
      baselines: [
        { name: 'api_calls', entity: ['actor.user.name'], filter: { class_uid: [6003] }, bucket: '1h' },
      ],
      first_seen: [],
    });
    assert.equal(config.baselines?.[0]?.bucket, 3_600_000);
    assert.equal(config.baselines?.[0]?.history, 48);
    assert.deepEqual(
      createAnalyzers(config).map((a) => a.name),
      ['baseline.api_calls'],
    );
  });

  test('invalid options are refused with the path and the reason', () => {
    const bad = (input: unknown, pattern: RegExp) => {
      const result = baselineConfigSchema.safeParse(input);
      assert.equal(result.success, false);
      assert.match(JSON.stringify(result.error?.issues), pattern);
    };
    bad({ baselines: [{ name: 'x', entity: ['a'], bucket: '5 minutes' }] }, /expected a duration like/);
    bad({ baselines: [{ name: 'Bad-Name', entity: ['a'] }] }, /lower-case/);
    bad({ baselines: [{ name: 'x', entity: [] }] }, /entity/);
    bad(
      { first_seen: [{ name: 'x', left: ['a'], right: ['b'], filter: { match: { a: '(' } } }] },
      /regular expression/,
    );
    bad({ sensitivity: 0 }, /sensitivity/);
    bad({ baselines: [{ name: 'x', entity: ['a'], extra: 1 }] }, /extra/);
    assert.throws(
      () =>
        createAnalyzers(
          baselineConfig({
            first_seen: [
              { name: 'a', left: ['x'], right: ['y'] },
              { name: 'a', left: ['x'], right: ['z'] },
            ],
          }),
        ),
      /two learned detectors are named a/,
    );
  });

  test('durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration(1500), 1500);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseDuration(-1), undefined);
  });

  test('the schema converts to JSON Schema (vigil config schema)', () => {
    const schema = z.toJSONSchema(baselineConfigSchema, { io: 'input' }) as {
      properties: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(schema.properties).sort(), [
      'baselines',
      'first_seen',
      'learning_period',
      'sensitivity',
    ]);
  });
});
