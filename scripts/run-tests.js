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
const args = ['--test', '--test-concurrency=2', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
