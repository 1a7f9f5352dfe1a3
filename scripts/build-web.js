#!/usr/bin/env node
// Builds the web console (web/) into dist/web/: one minified ES module bundle and one stylesheet
// with content-hashed names under assets/, index.html pointing at them, a .gz and a .br beside
// every file (the server picks by Accept-Encoding and never compresses at request time), and
// manifest.json listing each file with its sizes. Usage: node scripts/build-web.js [--out DIR]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outFlag = process.argv.indexOf('--out');
const outDir = resolve(outFlag >= 0 ? process.argv[outFlag + 1] : join(root, 'dist', 'web'));
const assetsDir = join(outDir, 'assets');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'web', 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  outdir: assetsDir,
  metafile: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(root, p));
const script = outputs.find((p) => p.endsWith('.js'));
const style = outputs.find((p) => p.endsWith('.css'));
if (!script || !style)
  throw new Error(`build-web: expected one .js and one .css output, got ${outputs.join(', ')}`);

const template = readFileSync(join(root, 'web', 'index.html'), 'utf8');
const html = template
  .replace('%SCRIPT%', `/assets/${basename(script)}`)
  .replace('%STYLE%', `/assets/${basename(style)}`);
if (html.includes('%')) throw new Error('build-web: web/index.html has an unreplaced %PLACEHOLDER%');
writeFileSync(join(outDir, 'index.html'), html);

/** Every file under dir, relative to it. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = {};
for (const path of walk(outDir)) {
  const body = readFileSync(path);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  writeFileSync(`${path}.gz`, gz);
  writeFileSync(`${path}.br`, br);
  files[relative(outDir, path).split('\\').join('/')] = {
    bytes: body.length,
    gzip: gz.length,
    br: br.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}
const manifest = {
  script: `assets/${basename(script)}`,
  style: `assets/${basename(style)}`,
  files,
};
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const total = Object.values(files).reduce((sum, f) => sum + f.gzip, 0);
process.stdout.write(
  `build-web: ${Object.keys(files).length} files in ${relative(root, outDir) || outDir}, ${(total / 1024).toFixed(1)} kB gzip\n`,
);
