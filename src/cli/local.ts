import { existsSync, readFileSync } from 'node:fs';
import { localTokenPath, serverInfoPath, type ServerInfo } from '../server.js';
import { runSearch, type SearchOptions, type SearchResult } from '../query/search.js';
import { EventStore, StoreLockedError } from '../store/duckdb.js';
import { CliError, Exit } from './exit.js';

/** A running `vigil serve` for this data directory, if there is one (its pid is alive). */
export function runningServer(dataDir: string): { info: ServerInfo; token: string } | undefined {
  const infoFile = serverInfoPath(dataDir);
  if (!existsSync(infoFile)) return undefined;
  try {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as ServerInfo;
    process.kill(info.pid, 0);
    const token = readFileSync(localTokenPath(dataDir), 'utf8').trim();
    return { info, token };
  } catch {
    return undefined;
  }
}

/** Call the local server's API with the local CLI token. */
export async function apiCall(
  server: { info: ServerInfo; token: string },
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await fetch(server.info.url + path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${server.token}` },
    });
  } catch (error) {
    throw new CliError(`cannot reach the Vigil server at ${server.info.url}: ${(error as Error).message}`);
  }
}

/**
 * Search a data directory: through the running server when there is one (DuckDB allows one
 * process per database file), else by opening the store read-only.
 */
export async function searchDataDir(
  dataDir: string,
  query: string,
  options: SearchOptions,
): Promise<SearchResult> {
  const server = runningServer(dataDir);
  if (server) {
    const params = new URLSearchParams({ q: query });
    if (options.from !== undefined) params.set('from', String(options.from));
    if (options.to !== undefined) params.set('to', String(options.to));
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    const response = await apiCall(server, `/api/v1/search?${params}`);
    const body = (await response.json()) as SearchResult & { message?: string };
    if (!response.ok)
      throw new CliError(
        body.message ?? `search failed (${response.status})`,
        response.status === 400 ? Exit.Usage : Exit.Failure,
      );
    return body;
  }
  if (!existsSync(`${dataDir}/events.duckdb`)) {
    throw new CliError(
      `no Vigil data in ${dataDir} (run \`vigil ingest\` or \`vigil serve\` first, or pass --data-dir)`,
      Exit.Usage,
    );
  }
  let store: EventStore;
  try {
    store = await EventStore.open(dataDir, { readOnly: true });
  } catch (error) {
    if (error instanceof StoreLockedError) throw new CliError(error.message);
    throw error;
  }
  try {
    return await runSearch(store, query, options);
  } finally {
    await store.close();
  }
}
