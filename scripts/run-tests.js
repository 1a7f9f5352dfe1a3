#!/usr/bin/env node
// Runs every compiled test file with Node's own test runner. Node 20's --test takes no glob,
// so the files are listed here. `--fuzz` runs only the fuzz tests (longer, see npm run fuzz).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const fuzzOnly = process.argv.includes('--fuzz');
const root = new URL('../dist/src', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && (!fuzzOnly || name.endsWith('.fuzz.test.js'))) files.push(path);
  }
})(root);
files.sort();
const args = ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
// The default run is reproducible: fuzz tests use a fixed seed unless VIGIL_FUZZ_SEED says otherwise.
// `npm run fuzz` draws new seeds each time (fast-check prints the seed of any failure).
const env = { ...process.env };
if (!fuzzOnly && env.VIGIL_FUZZ_SEED === undefined) env.VIGIL_FUZZ_SEED = '20261122';
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
