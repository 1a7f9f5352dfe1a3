import { z } from 'zod';
import { alertsConfigSchema } from '../alerts/config.js';
import { metricStoreSchema } from '../metrics/store.js';
import { baselineConfigSchema } from '../detect/baseline/index.js';

/**
 * Vigil's configuration file (vigil.yaml). This schema is the single source of truth for the
 * options, their types, defaults and documentation (`vigil config schema` prints it as JSON Schema).
 * Each source and transform type owns the schema of its own options (src/sources/registry.ts,
 * src/transforms/registry.ts); here they appear as objects with a `type`.
 */
export const apiSchema = z
  .object({
    address: z.string().default('127.0.0.1').describe('Address the API and ingest server listens on.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8470)
      .describe('TCP port of the API (0 = any free port).'),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024)
      .describe('Largest accepted request body after decompression; larger bodies get 413.'),
    tls: z
      .object({
        cert: z.string(),
        key: z.string(),
        client_ca: z
          .string()
          .optional()
          .describe('CA certificates (PEM file) that client certificates must chain to (mutual TLS).'),
        require_client_cert: z
          .boolean()
          .default(false)
          .describe('Refuse clients without a certificate signed by client_ca.'),
        reload_interval_ms: z
          .number()
          .int()
          .nonnegative()
          .default(5000)
          .describe('How often the certificate files are checked for a rotation (0: only on SIGHUP).'),
      })
      .strict()
      .refine((t) => !t.require_client_cert || t.client_ca !== undefined, {
        message: 'require_client_cert needs client_ca',
        path: ['client_ca'],
      })
      .optional()
      .describe('Serve HTTPS with this certificate and key (PEM files), reloaded when they change.'),
  })
  .strict();

export const pipelineSchema = z
  .object({
    batch_max_events: z
      .number()
      .int()
      .positive()
      .default(8192)
      .describe('Most events written to the store in one transaction.'),
    flush_interval_ms: z
      .number()
      .int()
      .nonnegative()
      .default(20)
      .describe('How long a partial batch may wait for more events before it is written.'),
    max_queue_events: z
      .number()
      .int()
      .positive()
      .default(32_768)
      .describe(
        'Events accepted but not yet stored, at most; beyond it senders are pushed back (429, paused reads).',
      ),
  })
  .strict();

export const storeSchema = z
  .object({
    memory_limit: z
      .string()
      .optional()
      .describe('Memory the embedded DuckDB store may use (default: 40% of memory.budget_mb).'),
    checkpoint_threshold: z
      .string()
      .default('256MB')
      .describe(
        'WAL size that triggers a checkpoint; larger means fewer, costlier checkpoints and more memory.',
      ),
    threads: z.number().int().positive().optional().describe('DuckDB worker threads (default: cores).'),
    query_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('Queries running longer are stopped.'),
  })
  .strict();

export const memorySchema = z
  .object({
    budget_mb: z
      .number()
      .int()
      .min(128)
      .optional()
      .describe(
        'Memory Vigil may use in all (default: a quarter of the machine, 512 to 4096 MB). The store gets 40%; ' +
          'above the budget, receivers are pushed back (HTTP 429, TCP reads paused) until memory is back under it.',
      ),
  })
  .strict();

export const bufferSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Write-ahead buffer between receivers and store: senders are acknowledged once a batch is in it; a crash replays it.',
      ),
    fsync: z
      .enum(['always', 'interval', 'never'])
      .default('always')
      .describe(
        'always: acknowledge after fdatasync (durable); interval: sync every 100 ms; never: leave it to the OS.',
      ),
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 ** 3)
      .describe('Disk the buffer may use for batches not yet stored; beyond it senders are pushed back.'),
    segment_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 ** 2)
      .describe('Size of one buffer file.'),
  })
  .strict();

export const detectSchema = z
  .object({
    rules: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Sigma rule files or folders, evaluated on every event as it is stored (SigmaHQ layout welcome).',
      ),
    placeholders: z.string().optional().describe('YAML file of values for %placeholders% used by |expand.'),
    reload_interval_ms: z
      .number()
      .int()
      .nonnegative()
      .default(5000)
      .describe('How often rule files are checked for changes (0: only on SIGHUP).'),
    builtin: z
      .boolean()
      .default(true)
      .describe(
        "Vigil's own rules (docs/detection.md): spraying and brute force, PowerShell then a new peer, ...",
      ),
    lateness_ms: z
      .number()
      .int()
      .nonnegative()
      .default(60_000)
      .describe('How late (event time) an event may arrive and still count in correlation windows.'),
    state_interval_ms: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Save correlation windows and baselines this often (and at stop); a crash replays the rest.'),
    max_groups: z
      .number()
      .int()
      .positive()
      .default(200_000)
      .describe('Most correlation and sequence groups kept in memory (least recently used go first).'),
    ...baselineConfigSchema.shape,
  })
  .strict();

export const evidenceSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Append every stored event to the tamper-evident Merkle log (RFC 6962) and sign tree heads.'),
    head_interval_ms: z
      .number()
      .int()
      .nonnegative()
      .default(60_000)
      .describe('Sign a tree head this often when events were added (0: only at stop and on export).'),
    publish_file: z.string().optional().describe('Also write the latest signed tree head to this file.'),
  })
  .strict();

const PERMISSION_NAMES = [
  'ingest',
  'search',
  'metrics',
  'metrics:read',
  'traces:read',
  'alerts:read',
  'alerts:write',
  'tokens',
  'users',
  'evidence',
] as const;
const BUILTIN_ROLE_NAMES = ['admin', 'analyst', 'responder', 'developer', 'auditor', 'ingest', 'monitor'];

export const authSchema = z
  .object({
    roles: z
      .record(
        z.string().regex(/^[a-z][\w.-]{0,63}$/i, 'a role name is a word of up to 64 characters'),
        z
          .object({
            permissions: z.array(z.enum(PERMISSION_NAMES)).describe('What the role may do.'),
            data_classes: z
              .array(z.enum(['security', 'application', 'audit']))
              .default([])
              .describe('Which events its searches may return.'),
          })
          .strict(),
      )
      .default({})
      .refine((roles) => !Object.keys(roles).some((r) => BUILTIN_ROLE_NAMES.includes(r)), {
        message: `a built-in role (${BUILTIN_ROLE_NAMES.join(', ')}) cannot be redefined`,
      })
      .describe('Roles besides the built-in ones (docs/security.md).'),
    session_ttl_ms: z
      .number()
      .int()
      .min(60_000)
      .default(8 * 3600_000)
      .describe('How long a login session lasts.'),
    login_max_failures: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Failed logins per user and address within 15 minutes before that pair is locked out.'),
    audit: z.boolean().default(true).describe('Record the audit log (logins, searches, changes, denials).'),
  })
  .strict();

const componentSchema = z.object({ type: z.string(), name: z.string().optional() }).passthrough();

export const configSchema = z
  .object({
    data_dir: z
      .string()
      .optional()
      .describe('Where Vigil keeps its data (default ./vigil-data or VIGIL_DATA_DIR).'),
    api: apiSchema.default(apiSchema.parse({})),
    pipeline: pipelineSchema.default(pipelineSchema.parse({})),
    store: storeSchema.default(storeSchema.parse({})),
    buffer: bufferSchema.default(bufferSchema.parse({})),
    memory: memorySchema.default(memorySchema.parse({})),
    detect: detectSchema.default(detectSchema.parse({})),
    evidence: evidenceSchema.default(evidenceSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    alerts: alertsConfigSchema.default(alertsConfigSchema.parse({})),
    metrics: metricStoreSchema.default(metricStoreSchema.parse({})),
    sources: z
      .array(componentSchema)
      .optional()
      .describe(
        'Receivers. Default: syslog on 127.0.0.1:5514 (UDP and TCP); HTTP ingest is always on the API.',
      ),
    transforms: z.array(componentSchema).default([]).describe('Transforms applied in order to every event.'),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
