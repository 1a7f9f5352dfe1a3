/**
 * Serves the web console (built by scripts/build-web.js into dist/web/) on the API's port. The
 * files are read once at startup: hashed assets are cached forever (`immutable`), index.html is
 * revalidated; each is sent precompressed (brotli or gzip, as the client accepts, never compressed
 * per request). Any other GET path outside the API answers index.html so routes of the single-page
 * app survive a reload. Static files need no token: the data behind the API does. A strict CSP
 * (self only, no inline script or style) limits what an injected string could ever do.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ConsoleOptions {
  /** The built console: index.html, assets/, each with .gz and .br beside it. */
  webDir: string;
}

/** dist/web beside the compiled server (this file is dist/src/api/console.js once built). */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

type Encoding = 'br' | 'gzip' | 'identity';

interface Asset {
  type: string;
  etag: string;
  immutable: boolean;
  bodies: Partial<Record<Encoding, Buffer>>;
}

/**
 * The encoding to send, from an Accept-Encoding header and what exists: br before gzip, each only
 * if acceptable (q > 0, by name or `*`); identity unless refused.
 */
export function negotiateEncoding(
  header: string | undefined,
  available: readonly Encoding[],
): Encoding | undefined {
  const q = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepts = (name: string) => (q.get(name) ?? q.get('*') ?? (name === 'identity' ? 1 : 0)) > 0;
  for (const e of ['br', 'gzip'] as const) if (available.includes(e) && accepts(e)) return e;
  if (available.includes('identity') && accepts('identity')) return 'identity';
  return undefined;
}

/** Every file of the built console, by URL path (`/index.html`, `/assets/main-X.js`). */
export function loadAssets(webDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  for (const path of walk(webDir)) {
    if (path.endsWith('.gz') || path.endsWith('.br')) continue;
    const url = '/' + relative(webDir, path).split('\\').join('/');
    const identity = readFileSync(path);
    const bodies: Asset['bodies'] = { identity };
    if (existsSync(`${path}.br`)) bodies.br = readFileSync(`${path}.br`);
    if (existsSync(`${path}.gz`)) bodies.gzip = readFileSync(`${path}.gz`);
    assets.set(url, {
      type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
      immutable: url.startsWith('/assets/'),
      bodies,
    });
  }
  return assets;
}

/** Paths the console must never answer with index.html: the API and the server's own endpoints. */
function isServerPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/api' || path === '/metrics' || path === '/healthz';
}

export function registerConsole(app: FastifyInstance, opts: ConsoleOptions): void {
  const built = existsSync(join(opts.webDir, 'index.html'));
  const assets = built ? loadAssets(opts.webDir) : new Map<string, Asset>();

  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    const available = (Object.keys(asset.bodies) as Encoding[]).filter((e) => asset.bodies[e]);
    const encoding = negotiateEncoding(request.headers['accept-encoding'], available);
    if (!encoding)
      return reply.code(406).send({ error: 'not_acceptable', message: 'no acceptable encoding' });
    void reply
      .header('content-type', asset.type)
      .header('vary', 'accept-encoding')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (asset.type.startsWith('text/html')) void reply.header('content-security-policy', CONSOLE_CSP);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    if (encoding !== 'identity') void reply.header('content-encoding', encoding);
    return reply.send(asset.bodies[encoding]);
  };

  const index = assets.get('/index.html');
  app.get('/*', async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0]!);
    } catch {
      return reply.code(400).send({ error: 'bad_request', message: 'malformed URL' });
    }
    if (isServerPath(path))
      return reply.code(404).send({ error: 'not_found', message: `no route GET ${path}` });
    const asset = assets.get(path);
    if (asset && path !== '/index.html') return send(request, reply, asset);
    // A missing hashed asset is a 404, not the page: a stale tab must not parse HTML as script.
    if (path.startsWith('/assets/'))
      return reply.code(404).send({ error: 'not_found', message: `no console asset ${path}` });
    if (!index)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          `The web console is not built: run \`node scripts/build-web.js\` (looked in ${opts.webDir}).\n`,
        );
    return send(request, reply, index);
  });
}
