/**
 * Vigil's built-in detection content: the YAML rules in this folder (Sigma rules, Sigma
 * correlations, Vigil sequences), loaded besides the configured rule paths unless
 * `detect.builtin: false`. The files ship with the source tree; this finds the folder from the
 * compiled module, wherever the build output lives.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding the built-in rule files. Throws when it cannot be found. */
export function builtinRulesDir(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    for (const candidate of [dir, join(dir, 'src', 'detect', 'rules')]) {
      if (existsSync(candidate) && readdirSync(candidate).some((f) => f.endsWith('.yml'))) {
        cached = candidate;
        return candidate;
      }
    }
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new Error('built-in rules not found (src/detect/rules/*.yml beside the build output)');
}
