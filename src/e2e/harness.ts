/**
 * Runs the real `vigil` binary for end-to-end tests: a server on free loopback ports in a temp
 * data directory, and CLI commands against it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { REPO_ROOT } from '../testing/shared.js';

export const VIGIL_BIN = join(REPO_ROOT, 'bin', 'vigil.js');

/** Servers started and not yet exited: a failed test must not leave one holding its file open. */
const servers = new Set<ChildProcess>();
// Only in a test file run by `node --test` (not in its helper processes, which inherit the env).
if (process.env.NODE_TEST_CONTEXT !== undefined && process.argv[1]?.endsWith('.test.js'))
  after(() => {
    for (const child of servers) child.kill('SIGKILL');
  });

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function tempDir(prefix = 'vigil-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a vigil command to completion. */
export function vigil(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [VIGIL_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ServerHandle {
  dataDir: string;
  url: string;
  process: ChildProcess;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start `vigil serve` with a YAML config; resolves once server.json says it is up. */
export async function startVigil(configYaml: string, dataDir = tempDir()): Promise<ServerHandle> {
  const configFile = join(dataDir, 'vigil.yaml');
  writeFileSync(configFile, configYaml);
  rmSync(join(dataDir, 'server.json'), { force: true });
  // VIGIL_SERVE_NODE_ARGS: extra node flags for the server (e.g. `--cpu-prof` when profiling a bench).
  const nodeArgs = process.env.VIGIL_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, VIGIL_BIN, 'serve', '--config', configFile, '--data-dir', dataDir],
    {
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  servers.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      servers.delete(child);
      resolve(code);
    }),
  );
  const url = await Promise.race([
    waitFor('vigil serve to start', () => {
      const file = join(dataDir, 'server.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url : undefined;
    }),
    exited.then((code) => {
      throw new Error(`vigil serve exited with ${code}: ${stderr}`);
    }),
  ]);
  return {
    dataDir,
    url,
    process: child,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
