import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { SOURCE_TYPES } from '../sources/registry.js';
import type { SourceType } from '../sources/source.js';
import { TRANSFORM_TYPES } from '../transforms/registry.js';
import type { TransformType } from '../transforms/transform.js';
import { configSchema, type RawConfig } from './schema.js';

/** Invalid configuration: each issue names the path of the bad key and why. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`invalid configuration in ${file}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ComponentConfig<T> {
  name: string;
  type: string;
  kind: T;
  options: Record<string, unknown>;
}

export interface VigilConfig {
  file: string;
  dataDir: string;
  api: RawConfig['api'];
  pipeline: RawConfig['pipeline'];
  store: RawConfig['store'];
  buffer: RawConfig['buffer'];
  memory: RawConfig['memory'];
  detect: RawConfig['detect'];
  evidence: RawConfig['evidence'];
  auth: RawConfig['auth'];
  alerts: RawConfig['alerts'];
  metrics: RawConfig['metrics'];
  sources: ComponentConfig<SourceType>[];
  transforms: ComponentConfig<TransformType>[];
}

/** Syslog on loopback (UDP and TCP 5514), when the config names no sources. */
export const DEFAULT_SOURCES = [{ type: 'syslog', name: 'syslog' }];

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]) || '(top level)';
    return `${path}: ${issue.message}`;
  });
}

/** Validate a parsed config object (from YAML, or `{}` for the defaults). */
export function resolveConfig(raw: unknown, file: string, dataDirOverride?: string): VigilConfig {
  const top = configSchema.safeParse(raw ?? {});
  const issues: string[] = top.success ? [] : issuesOf(top.error);
  const names = new Set<string>();

  function component<T extends { schema: z.ZodType }>(
    list: readonly Record<string, unknown>[],
    registry: ReadonlyMap<string, T>,
    key: 'sources' | 'transforms',
  ): ComponentConfig<T>[] {
    const out: ComponentConfig<T>[] = [];
    list.forEach((entry, index) => {
      const type = String(entry.type);
      const kind = registry.get(type);
      if (!kind) {
        issues.push(
          `${key}[${index}].type: unknown ${key.slice(0, -1)} type '${type}' (known: ${[...registry.keys()].join(', ')})`,
        );
        return;
      }
      const parsed = kind.schema.safeParse(entry);
      if (!parsed.success) {
        issues.push(...issuesOf(parsed.error, [key, index]));
        return;
      }
      const name = typeof entry.name === 'string' ? entry.name : `${type}${index === 0 ? '' : `_${index}`}`;
      if (names.has(name)) issues.push(`${key}[${index}].name: duplicate component name '${name}'`);
      names.add(name);
      out.push({ name, type, kind, options: parsed.data as Record<string, unknown> });
    });
    return out;
  }

  // Components are checked even when the top level has problems, so one run reports every bad key.
  const rawObject = (raw ?? {}) as Record<string, unknown>;
  const list = (value: unknown, fallback: Record<string, unknown>[]) =>
    Array.isArray(value)
      ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      : fallback;
  const sources = component(list(rawObject.sources, DEFAULT_SOURCES), SOURCE_TYPES, 'sources');
  const transforms = component(list(rawObject.transforms, []), TRANSFORM_TYPES, 'transforms');
  if (issues.length > 0 || !top.success) throw new ConfigError(file, issues);
  const config = top.data;
  const dataDir = resolve(dataDirOverride ?? config.data_dir ?? process.env.VIGIL_DATA_DIR ?? 'vigil-data');
  return {
    file,
    dataDir,
    api: config.api,
    pipeline: config.pipeline,
    store: config.store,
    buffer: config.buffer,
    memory: config.memory,
    detect: config.detect,
    evidence: config.evidence,
    auth: config.auth,
    alerts: config.alerts,
    metrics: config.metrics,
    sources,
    transforms,
  };
}

/** Load and validate vigil.yaml; with no file, the defaults (loopback listeners). */
export function loadConfig(file: string | undefined, dataDirOverride?: string): VigilConfig {
  if (!file) return resolveConfig({}, '(defaults)', dataDirOverride);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : 'YAML';
    throw new ConfigError(file, [`${where}: ${(error as Error).message.split('\n')[0]}`]);
  }
  return resolveConfig(raw, file, dataDirOverride);
}
