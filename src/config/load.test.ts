import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../e2e/harness.js';
import { ConfigError, loadConfig, resolveConfig } from './load.js';

describe('configuration', () => {
  test('no file: loopback defaults and a syslog source', () => {
    const config = resolveConfig({}, '(defaults)', '/tmp/x');
    assert.equal(config.api.address, '127.0.0.1');
    assert.equal(config.api.port, 8470);
    assert.deepEqual(
      config.sources.map((s) => [s.name, s.type]),
      [['syslog', 'syslog']],
    );
    assert.equal(config.dataDir, '/tmp/x');
  });

  test('every bad key is reported with its path and reason', () => {
    const dir = tempDir();
    const file = join(dir, 'vigil.yaml');
    writeFileSync(
      file,
      [
        'api: { port: "eighty", colour: blue }',
        'sources:',
        '  - { type: syslog, tcp_port: -3 }',
        '  - { type: kafka }',
        'transforms:',
        '  - { type: redact, custom: ["(unclosed"] }',
      ].join('\n'),
    );
    assert.throws(
      () => loadConfig(file),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.issues.join('\n');
        assert.match(text, /api\.port: .*number/i);
        assert.match(text, /colour/);
        assert.match(text, /sources\[0\]\.tcp_port/);
        assert.match(text, /sources\[1\]\.type: unknown source type 'kafka'/);
        assert.match(text, /transforms\[0\]\.custom\[0\]: a valid regular expression/);
        return true;
      },
    );
  });

  test('YAML syntax errors name the line', () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'api:\n  port: [1, 2\n');
    assert.throws(() => loadConfig(file), /line \d+/);
  });

  test('duplicate component names are refused', () => {
    assert.throws(
      () =>
        resolveConfig(
          {
            sources: [
              { type: 'syslog', name: 'a' },
              { type: 'syslog', name: 'a' },
            ],
          },
          'x',
        ),
      /duplicate component name 'a'/,
    );
  });
});
