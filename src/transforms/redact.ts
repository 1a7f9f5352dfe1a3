import { z } from 'zod';
import type { OcsfEvent } from '../normalize/ocsf.js';
import type { TransformType } from './transform.js';

const BUILTIN_PATTERNS: Record<string, RegExp> = {
  email: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
  credit_card: /\b(?:\d[ -]?){13,19}\b/g,
  us_ssn: /\b\d{3}-\d{2}-\d{4}\b/g,
  bearer_token: /\b(?:Bearer|token)[ =:]+[A-Za-z0-9._~+/-]{16,}=*/gi,
  password_kv: /\b(password|passwd|pwd|secret)=([^\s&;,]+)/gi,
};

const schema = z
  .object({
    type: z.literal('redact'),
    name: z.string().optional(),
    patterns: z
      .array(z.enum(Object.keys(BUILTIN_PATTERNS) as [string, ...string[]]))
      .default(['email', 'credit_card', 'us_ssn', 'bearer_token', 'password_kv'])
      .describe('Built-in patterns to redact.'),
    custom: z
      .array(
        z.string().refine((s) => {
          try {
            new RegExp(s);
            return true;
          } catch {
            return false;
          }
        }, 'a valid regular expression'),
      )
      .default([])
      .describe('Extra regular expressions to redact.'),
    replacement: z.string().default('[REDACTED]'),
  })
  .strict();

/**
 * Redacts personal data and secrets from every string in the event (message, raw_data and all
 * nested fields), so they never reach the store.
 */
export const redactTransform: TransformType<typeof schema> = {
  type: 'redact',
  description: 'Replace personal data and secrets in every string field.',
  schema,
  create(name, config) {
    const patterns = [
      ...config.patterns.map((p) => BUILTIN_PATTERNS[p]!),
      ...config.custom.map((s) => new RegExp(s, 'g')),
    ];
    // Key=value patterns keep the key so the event still says what was there.
    const replacement = (re: RegExp) =>
      re === BUILTIN_PATTERNS.password_kv ? `$1=${config.replacement}` : config.replacement;
    const redact = (text: string): string =>
      patterns.reduce((out, re) => out.replace(re, replacement(re)), text);
    const walk = (node: Record<string, unknown> | unknown[]): void => {
      for (const [k, v] of Object.entries(node)) {
        if (typeof v === 'string') (node as Record<string, unknown>)[k] = redact(v);
        else if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>);
      }
    };
    return {
      name,
      apply(event: OcsfEvent) {
        walk(event);
      },
    };
  },
};
