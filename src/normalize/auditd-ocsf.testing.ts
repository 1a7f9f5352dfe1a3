/**
 * Test support: OCSF validation for every class the auditd normalizer emits. `validateOcsf` covers
 * the classes with a generated JSON Schema in ../shared; Account Change (3001) has none there, so
 * its schema is derived here the way src/testing/ocsf-schema.ts derives Base Event: the class's
 * attribute list and requirements from the compiled OCSF 1.8.0 export, each attribute typed as the
 * generated schema of its sibling IAM class (Authentication) types it. Attributes Authentication
 * does not have (`policies`, `user_result`) are left out, so emitting them fails validation
 * (they are never emitted). Not used at runtime.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import { sharedPath } from '../testing/shared.js';
import { validateOcsf } from '../testing/ocsf-schema.js';

/** Relative to ../shared/, for `sharedSkip`. */
export const OCSF_COMPILED = 'ocsf/compiled/ocsf-1.8.0-export-v2.json';
const AUTHENTICATION_ALL_PROFILES =
  'ocsf/generated-json-schema-1.8.0/all-profiles/authentication.schema.json';

const Ajv2020 = Ajv2020Module.default;
const validators = new Map<string, ValidateFunction>();

interface CompiledAttribute {
  requirement?: string;
  profiles?: string[] | null;
  enum?: Record<string, unknown>;
}

type JsonSchema = {
  properties: Record<string, unknown>;
  required?: string[];
  $defs: Record<string, unknown>;
  [key: string]: unknown;
};

/** Errors of an event against its class's OCSF 1.8 schema (3001 derived here; others via validateOcsf). */
export function validateAuditOcsf(event: unknown): string[] {
  const e = event as { class_uid?: unknown; metadata?: { profiles?: unknown } } | null;
  if (e === null || typeof e !== 'object' || e.class_uid !== 3001) return validateOcsf(event);
  const declared = Array.isArray(e.metadata?.profiles) ? (e.metadata.profiles as unknown[]) : [];
  const profiles = [...new Set(declared.filter((p): p is string => typeof p === 'string'))].sort();
  const key = profiles.join(',');
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = new Ajv2020({ strict: false, allErrors: true }).compile(accountChangeSchema(profiles));
    validators.set(key, validate);
  }
  if (validate(event)) return [];
  return (validate.errors ?? []).map((err) => {
    const extra = err.params as { additionalProperty?: string; allowedValues?: unknown };
    let text = `${err.instancePath || '/'}: ${err.message ?? 'invalid'}`;
    if (extra.additionalProperty !== undefined) text += ` (${extra.additionalProperty})`;
    if (extra.allowedValues !== undefined) text += ` ${JSON.stringify(extra.allowedValues)}`;
    return text;
  });
}

function accountChangeSchema(profiles: string[]): JsonSchema {
  const compiled = JSON.parse(readFileSync(sharedPath(OCSF_COMPILED), 'utf8')) as {
    classes: Record<string, { attributes: Record<string, CompiledAttribute> }>;
  };
  const donor = JSON.parse(readFileSync(sharedPath(AUTHENTICATION_ALL_PROFILES), 'utf8')) as JsonSchema;
  const attributes = compiled.classes.account_change!.attributes;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, attr] of Object.entries(attributes)) {
    const inProfile = !attr.profiles || attr.profiles.some((p) => profiles.includes(p));
    if (!inProfile || !(name in donor.properties)) continue;
    properties[name] = donor.properties[name];
    if (attr.requirement === 'required') required.push(name);
  }
  const activities = Object.keys(attributes.activity_id?.enum ?? {}).map(Number);
  properties.class_uid = { type: 'integer', const: 3001 };
  properties.category_uid = { type: 'integer', const: 3 };
  properties.activity_id = { type: 'integer', enum: activities };
  properties.type_uid = { type: 'integer', enum: activities.map((a) => 300100 + a) };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Account Change',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    $defs: donor.$defs,
  };
}
