/**
 * The engine's only I/O: rule files and placeholder values from disk. A directory is walked for
 * `*.yml` / `*.yaml`; below the paths given, folders named `deprecated` or `unsupported` and
 * folders starting with `_` or `.` are skipped (SigmaHQ's layout), so a whole repository can be
 * passed. A path given explicitly is always read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SigmaError } from './errors.js';
import type { Placeholders } from './modifiers.js';
import { parseSigmaYaml, type SigmaDocument } from './rule.js';

const SKIPPED_DIRS = new Set(['deprecated', 'unsupported']);

function skipped(name: string): boolean {
  return SKIPPED_DIRS.has(name) || name.startsWith('_') || name.startsWith('.');
}

/** Rule files under the paths, sorted within each directory. Throws if a path does not exist. */
export function findRuleFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipped(entry.name)) walk(full);
      } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(full);
    }
  };
  for (const path of paths) {
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  }
  return files;
}

/** Every document of every rule file under the paths; unreadable files become SigmaErrors. */
export function loadRuleDocuments(paths: readonly string[]): (SigmaDocument | SigmaError)[] {
  const out: (SigmaDocument | SigmaError)[] = [];
  for (const file of findRuleFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      out.push(new SigmaError('invalid_rule', `cannot read: ${(error as Error).message}`, undefined, file));
      continue;
    }
    out.push(...parseSigmaYaml(text, file));
  }
  return out;
}

/**
 * Placeholder values from a YAML (or JSON) file: a map of name → value or list of values, e.g.
 * `Administrators: ['adm_*', 'admin']`. Names are given without the `%`.
 */
export function loadPlaceholders(file: string): Placeholders {
  const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SigmaError('invalid_value', 'placeholders must be a map of name → values', undefined, file);
  }
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(doc)) {
    const list = Array.isArray(value) ? value : [value];
    out[name.replace(/^%|%$/g, '')] = list.map((v) => String(v));
  }
  return out;
}
