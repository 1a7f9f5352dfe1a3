/**
 * Test support: the web console's pure modules (web/src/*.ts, written for the browser bundle)
 * bundled with esbuild into one ES module for Node, so node:test can exercise them.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { tempDir } from '../e2e/harness.js';
import { REPO_ROOT } from '../testing/shared.js';

export const WEB_MODULES = [
  'complete',
  'timerange',
  'netmodel',
  'prometheus',
  'panels',
  'export',
  'entities',
  'waterfall',
] as const;

export interface WebModules {
  /** A function exported by one of the modules, typed by the caller. */
  get<T>(module: (typeof WEB_MODULES)[number] | string, name: string): T;
}

export async function loadWebModules(): Promise<WebModules> {
  const dir = tempDir('vigil-web-');
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    WEB_MODULES.map((m) => `export * as ${m} from ${JSON.stringify(join(REPO_ROOT, 'web', 'src', m))};`).join(
      '\n',
    ),
  );
  const out = join(dir, 'web.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: out,
    logLevel: 'error',
  });
  const modules = (await import(pathToFileURL(out).href)) as Record<string, Record<string, unknown>>;
  rmSync(dir, { recursive: true, force: true });
  return {
    get<T>(module: string, name: string): T {
      const value = modules[module]?.[name];
      if (typeof value !== 'function') throw new Error(`web/src/${module}.ts exports no function ${name}`);
      return value as T;
    },
  };
}
