/**
 * Which spans and log records are security-relevant: authentication, authorization and policy
 * decisions, recognized by their name (span name, log event name) and attribute keys and values.
 * Sampling never drops them, and the OTLP normalizer labels such log records `security`. Pure.
 */
import type { Attributes } from './model.js';

export interface SecurityPatterns {
  /** Matched against span names and log event names / bodies. */
  names: RegExp[];
  /** An attribute whose key matches is a security attribute (e.g. `enduser.id`, `auth.method`). */
  attributeKeys: RegExp[];
  /** Attribute values that make a record security-relevant, by key (e.g. HTTP status 401/403). */
  attributeValues: { key: string; values: readonly (string | number)[] }[];
}

/** Words of authentication, authorization and policy. */
const SECURITY_WORDS =
  /(^|[^a-z])(auth[a-z]*|login|logon|logoff|logout|sign[-_. ]?in|sign[-_. ]?out|password|passwd|credential[s]?|mfa|2fa|otp|sudo|privilege[s]?|permission[s]?|forbidden|unauthori[sz]ed|access[-_. ]?denied|policy|rbac|acl|session[-_. ]?(start|end|revoked)|token[-_. ]?(issued|revoked|refresh))([^a-z]|$)/i;

export const DEFAULT_SECURITY_PATTERNS: SecurityPatterns = {
  names: [SECURITY_WORDS],
  attributeKeys: [
    /^(auth|authn|authz|authorization|authentication|policy|security|permission|rbac)\./i,
    /^enduser\.role/i,
  ],
  attributeValues: [
    { key: 'http.response.status_code', values: [401, 403] },
    { key: 'http.status_code', values: [401, 403] },
  ],
};

/** Patterns from configuration (regex sources, case-insensitive), added to the defaults. */
export function securityPatterns(config?: {
  names?: readonly string[];
  attribute_keys?: readonly string[];
  attribute_values?: Record<string, readonly (string | number)[]>;
}): SecurityPatterns {
  if (!config) return DEFAULT_SECURITY_PATTERNS;
  return {
    names: [...DEFAULT_SECURITY_PATTERNS.names, ...(config.names ?? []).map((s) => new RegExp(s, 'i'))],
    attributeKeys: [
      ...DEFAULT_SECURITY_PATTERNS.attributeKeys,
      ...(config.attribute_keys ?? []).map((s) => new RegExp(s, 'i')),
    ],
    attributeValues: [
      ...DEFAULT_SECURITY_PATTERNS.attributeValues,
      ...Object.entries(config.attribute_values ?? {}).map(([key, values]) => ({ key, values })),
    ],
  };
}

function matchesAttributes(attributes: Attributes, patterns: SecurityPatterns): boolean {
  for (const key of Object.keys(attributes)) if (patterns.attributeKeys.some((p) => p.test(key))) return true;
  for (const { key, values } of patterns.attributeValues) {
    const v = attributes[key];
    if (v === undefined || v === null) continue;
    if (values.some((w) => w === v || String(w) === String(v))) return true;
  }
  return false;
}

/**
 * A record is security-relevant when one of its names (span name, event names, log event name,
 * a string body) or its attributes match.
 */
export function isSecurityRelevant(
  names: readonly string[],
  attributeSets: readonly Attributes[],
  patterns: SecurityPatterns = DEFAULT_SECURITY_PATTERNS,
): boolean {
  for (const name of names) if (name && patterns.names.some((p) => p.test(name))) return true;
  for (const attributes of attributeSets) if (matchesAttributes(attributes, patterns)) return true;
  return false;
}
