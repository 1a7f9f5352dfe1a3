/**
 * Access to `../shared/` (real data and specifications, beside the repository; never copied in).
 * Tests that need it pass `sharedSkip(...)` as the `skip` option, so they say why they skipped.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/src/testing/shared.js once built). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

export const SHARED_DIR = process.env.VIGIL_SHARED_DIR ?? resolve(REPO_ROOT, '../shared');

/** Absolute path of a file under ../shared/. */
export function sharedPath(relative: string): string {
  return resolve(SHARED_DIR, relative);
}

/** `false` when the files exist, else the skip message for node:test. */
export function sharedSkip(...relatives: string[]): false | string {
  const missing = relatives.find((r) => !existsSync(sharedPath(r)));
  return missing === undefined ? false : `needs ../shared/${missing} (absent)`;
}
