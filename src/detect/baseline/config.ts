/**
 * Configuration of the learned detectors (`detect.baselines`, `detect.first_seen`): one zod schema,
 * the single source of truth for their options, defaults and docs. The integrator spreads
 * `baselineConfigSchema.shape` into `detect` in src/config/schema.ts. A list left out means the
 * built-in defaults (builtins.ts); an empty list means none.
 *
 * Durations are written `30s`, `5m`, `1h`, `7d` (or a number of milliseconds) and parse to ms.
 */
import { z } from 'zod';
import { LEVELS } from '../sigma/rule.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5m` → 300000; a number is already ms. Undefined when not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration option: `5m`-style text or ms; parses to ms. */
function duration(min: number) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms < min) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like 30s, 5m, 1h, 7d (at least ${min} ms), got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

const NAME = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,63}$/,
    'a detector name is lower-case letters, digits and _ (it becomes a rule id)',
  );
const FIELD = z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/, 'a field is a dotted OCSF path');
const SCALAR = z.union([z.string(), z.number(), z.boolean()]);

export const eventFilterSchema = z
  .object({
    class_uid: z
      .array(z.number().int().nonnegative())
      .default([])
      .describe('OCSF classes the detector looks at (empty: all).'),
    where: z
      .record(FIELD, z.union([SCALAR, z.array(SCALAR).min(1)]))
      .default({})
      .describe('Field → value, or list of values (any of them): every entry must hold (compared as text).'),
    match: z
      .record(
        FIELD,
        z.string().refine(
          (s) => {
            try {
              new RegExp(s, 'i');
              return true;
            } catch {
              return false;
            }
          },
          { message: 'not a valid regular expression' },
        ),
      )
      .default({})
      .describe('Field → regular expression (case-insensitive) its text must match.'),
  })
  .strict();
export type EventFilterConfig = z.output<typeof eventFilterSchema>;

const ruleMeta = {
  title: z.string().min(1).optional().describe('Title of its signals (default from the name).'),
  level: z.enum(LEVELS).default('medium').describe('Level of its signals.'),
  tags: z.array(z.string()).default([]).describe('Sigma-style tags, e.g. attack.t1110 (ATT&CK mapping).'),
  filter: eventFilterSchema.default(eventFilterSchema.parse({})).describe('Which events it looks at.'),
};

export const seriesSchema = z
  .object({
    name: NAME.describe('Signals get rule id vigil.baseline.<name>.'),
    ...ruleMeta,
    entity: z
      .array(FIELD)
      .min(1)
      .describe('Field(s) whose values make the entity; an event lacking one is not counted.'),
    value: FIELD.optional().describe(
      'Numeric field summed per bucket (events without a non-negative number are not counted); absent: count events.',
    ),
    bucket: duration(1000).default(300_000).describe('Bucket size (5m, 1h).'),
    history: z
      .number()
      .int()
      .min(3)
      .max(2016)
      .default(48)
      .describe('Closed buckets per entity the median and MAD are computed over.'),
    min_history: z
      .number()
      .int()
      .min(1)
      .default(12)
      .describe('Closed buckets an entity needs before its own history is used (else the global fallback).'),
    sensitivity: z
      .number()
      .positive()
      .optional()
      .describe('k: anomaly when value > median + k·1.4826·MAD (default: detect.sensitivity).'),
    min_value: z
      .number()
      .nonnegative()
      .default(5)
      .describe('A bucket value below this never fires (guard against tiny absolute changes).'),
    min_spread: z
      .number()
      .nonnegative()
      .default(1)
      .describe('Floor of 1.4826·MAD, so a constant history does not fire on the smallest change.'),
    min_spread_ratio: z
      .number()
      .nonnegative()
      .default(0.1)
      .describe('Another floor of 1.4826·MAD, as a share of the median.'),
    lateness: duration(0)
      .default(60_000)
      .describe('How long after its end a bucket still accepts events (event time).'),
    max_entities: z
      .number()
      .int()
      .min(1)
      .default(20_000)
      .describe('Entities kept (least recently seen evicted, counted); about 1.3 KB each.'),
    max_event_ids: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Evidence event ids kept per bucket (the count is in details).'),
  })
  .strict();
export type SeriesConfig = z.output<typeof seriesSchema>;

export const pairSchema = z
  .object({
    name: NAME.describe('Signals get rule id vigil.first_seen.<name>.'),
    ...ruleMeta,
    left: z
      .array(FIELD)
      .min(1)
      .describe('Fields of the left side, first present wins (e.g. host name, then IP).'),
    right: z.array(FIELD).min(1).describe('Fields of the right side, first present wins.'),
    right_public_ip: z
      .boolean()
      .default(false)
      .describe('Only pairs whose right side is a public IP address (not private, loopback, link-local...).'),
    left_as: z.string().min(1).default('left').describe('Entity name of the left value in signals.'),
    right_as: z.string().min(1).default('right').describe('Entity name of the right value in signals.'),
    learning_period: duration(0)
      .optional()
      .describe(
        'Pairs are learned silently for this long after the first event (default: detect.learning_period).',
      ),
    max_pairs: z
      .number()
      .int()
      .min(1)
      .default(200_000)
      .describe('Known pairs kept (64-bit hashes, ~26 bytes each; least recently seen evicted, counted).'),
  })
  .strict();
export type PairConfig = z.output<typeof pairSchema>;

export const baselineConfigSchema = z
  .object({
    baselines: z
      .array(seriesSchema)
      .optional()
      .describe(
        'Per-entity rate baselines (median/MAD anomalies). Absent: failed logins per user per 5 minutes, ' +
          'bytes out per host per hour, DNS queries per host per 5 minutes. []: none.',
      ),
    first_seen: z
      .array(pairSchema)
      .optional()
      .describe(
        'First-seen pairs. Absent: host → external IP, user → country, build agent → domain, ' +
          'process → destination. []: none.',
      ),
    sensitivity: z
      .number()
      .positive()
      .default(3)
      .describe('Default k of the rate baselines (higher: fewer anomalies).'),
    learning_period: duration(0)
      .default(7 * 86_400_000)
      .describe('Default learning period of first-seen detectors (0: alert from the first event).'),
  })
  .strict();
export type BaselineConfig = z.output<typeof baselineConfigSchema>;
