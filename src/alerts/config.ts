/**
 * The `alerts:` section of vigil.yaml: grouping window, suppressions, notification channels and
 * routes, playbooks, journal compaction. The single source of truth for these options (types,
 * validation, defaults, docs); channel options come from each channel's own schema (notify/).
 */
import { z } from 'zod';
import { parseDuration } from '../query/timerange.js';
import { matchSchema } from './match.js';
import { channelOptionsSchema } from './notify/registry.js';

/** A duration such as `30m`, `1h`, `7d` (units ms, s, m, h, d, w). */
export const durationSchema = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: 'expected a duration such as 30s, 15m, 1h, 7d (units ms, s, m, h, d, w)',
});

/** Milliseconds of a duration already validated by durationSchema. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
  return ms;
}

export const suppressionSchema = z
  .object({
    rule: z.string().min(1).default('*').describe('Rule id glob (`*`, `?`).'),
    entities: z
      .record(z.string(), z.string())
      .default({})
      .describe('Entity values that must all match (globs allowed), e.g. `{ host: "BUILD*" }`.'),
    until: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 time' })
      .optional()
      .describe('Expiry (ISO 8601); absent: until removed.'),
    reason: z.string().default('').describe('Why (shown in counts).'),
  })
  .strict();

export type Suppression = z.infer<typeof suppressionSchema>;

export const routeSchema = z
  .object({
    name: z.string().optional().describe('For logs and errors.'),
    match: matchSchema.default(matchSchema.parse({})).describe('Which alerts this route sends.'),
    channels: z.array(z.string().min(1)).min(1).describe('Channel names (keys of `alerts.channels`).'),
    events: z
      .array(z.enum(['created', 'escalated']))
      .default(['created', 'escalated'])
      .describe('Send on a new alert, on a severity escalation, or both.'),
  })
  .strict();

export const playbookActionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/ }).describe('Where to POST the alert JSON.'),
      secret: z.string().min(16).describe('HMAC-SHA256 key (X-Vigil-Signature, as for webhook channels).'),
      timeout_ms: z.number().int().positive().default(10_000),
      attempts: z.number().int().min(1).max(10).default(3).describe('Tries for transient failures.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('blocklist'),
      file: z.string().min(1).describe('The plain-text list (one indicator a line).'),
      entities: z
        .array(z.string().min(1))
        .min(1)
        .describe('Entity names whose values to list, e.g. [src_ip] or [domain]; each present one is added.'),
      ttl: durationSchema.optional().describe('How long an indicator stays listed; absent: for good.'),
      exclude: z
        .array(z.string())
        .default([])
        .describe('Indicators never to list (globs), e.g. your own gateways and resolvers.'),
    })
    .strict(),
]);

export type PlaybookAction = z.infer<typeof playbookActionSchema>;

export const playbookSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .describe('Names the playbook in alert history.'),
    match: matchSchema.default(matchSchema.parse({})).describe('Which alerts it acts on.'),
    actions: z.array(playbookActionSchema).min(1).describe('Run in order, once per alert.'),
  })
  .strict();

export type PlaybookOptions = z.infer<typeof playbookSchema>;

export const alertsConfigSchema = z
  .object({
    group_window: durationSchema
      .default('1h')
      .describe('A signal joins the open alert of its rule and entities if that saw a signal this recently.'),
    event_ids_cap: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Evidence event ids kept per alert; beyond, only counted (event_count).'),
    compact_every: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Rewrite the journal as current state after this many appended changes.'),
    closed_retention: durationSchema
      .default('90d')
      .describe('Closed alerts older than this are dropped at compaction.'),
    suppress: z.array(suppressionSchema).default([]).describe('Signals to swallow (counted, not alerted).'),
    channels: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), channelOptionsSchema)
      .default({})
      .describe('Notification channels by name: webhook, slack, email, syslog.'),
    routes: z.array(routeSchema).default([]).describe('Which alerts go to which channels.'),
    playbooks: z.array(playbookSchema).default([]).describe('Automated responses.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.routes.forEach((r, i) =>
      r.channels.forEach((c, j) => {
        if (!Object.hasOwn(config.channels, c))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'channels', j],
            message: `unknown channel '${c}' (defined: ${Object.keys(config.channels).join(', ') || 'none'})`,
          });
      }),
    );
    const names = new Set<string>();
    config.playbooks.forEach((p, i) => {
      if (names.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['playbooks', i, 'name'],
          message: `duplicate playbook '${p.name}'`,
        });
      names.add(p.name);
    });
  });

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
