/**
 * OCSF 1.8 validation for tests: `validateOcsf(event)` checks an event against the strict JSON
 * Schema of its class from ../shared/ocsf/generated-json-schema-1.8.0/ and returns the errors
 * (empty when valid). Never used at runtime: the normalizers are tested against it instead.
 *
 * - Profiles: an event that uses attributes a profile adds (e.g. `device` and `actor` in Network
 *   Activity, Authentication or Base Event come from the `host` profile) must name the profile in
 *   `metadata.profiles`, as OCSF requires. The profile's attributes are then allowed, with their
 *   definitions taken from the class's all-profiles schema.
 * - Base Event (class 0) has no generated schema: it is derived from the base_event attributes
 *   of the OCSF source, with the shared object definitions of the Process Activity schema.
 *
 * Tests that use it should skip with `sharedSkip(OCSF_SCHEMA_DIR)` when ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import { sharedPath } from './shared.js';

/** Relative to ../shared/, for `sharedSkip`. */
export const OCSF_SCHEMA_DIR = 'ocsf/generated-json-schema-1.8.0';
const OCSF_SOURCE_DIR = 'ocsf/schema-1.8.0';

/** class_uid → schema file (without `.schema.json`). */
const SCHEMA_FILES: Readonly<Record<number, string>> = {
  1001: 'file_activity',
  1007: 'process_activity',
  2004: 'detection_finding',
  3002: 'authentication',
  4001: 'network_activity',
  4002: 'http_activity',
  4003: 'dns_activity',
  6003: 'api_activity',
};

type JsonSchema = {
  $id?: string;
  properties: Record<string, unknown>;
  required?: string[];
  $defs: Record<string, unknown>;
  [key: string]: unknown;
};

// ajv is CommonJS: under NodeNext its class is the module's `default` export.
const Ajv2020 = Ajv2020Module.default;

const validators = new Map<string, ValidateFunction>();
const files = new Map<string, unknown>();

/** The schema errors of an OCSF event, as `path: message` lines; empty when it is valid. */
export function validateOcsf(event: unknown): string[] {
  if (event === null || typeof event !== 'object') return ['event is not an object'];
  const e = event as { class_uid?: unknown; metadata?: { profiles?: unknown } };
  const classUid = e.class_uid;
  if (typeof classUid !== 'number') return ['class_uid is missing or not a number'];
  if (classUid !== 0 && SCHEMA_FILES[classUid] === undefined) return [`no schema for class_uid ${classUid}`];
  const declared = e.metadata?.profiles;
  const profiles = Array.isArray(declared) ? declared.filter((p): p is string => typeof p === 'string') : [];
  let validate: ValidateFunction;
  try {
    validate = validatorFor(classUid, profiles);
  } catch (err) {
    return [`cannot build the schema: ${(err as Error).message}`];
  }
  if (validate(event)) return [];
  return (validate.errors ?? []).map((err) => {
    const where = err.instancePath || '/';
    const extra = err.params as { additionalProperty?: string; allowedValues?: unknown };
    // Patterns (the IP address one is 2 kB) are named, not quoted.
    let text =
      err.keyword === 'pattern'
        ? `${where}: does not match its pattern`
        : `${where}: ${err.message ?? 'invalid'}`;
    if (err.keyword === 'pattern' || err.keyword === 'enum' || err.keyword === 'const') {
      text += ` (value ${JSON.stringify(valueAt(event, err.instancePath))})`;
    }
    if (extra.additionalProperty !== undefined) {
      text += ` (${extra.additionalProperty})`;
      if (where === '/' && (extra.additionalProperty === 'device' || extra.additionalProperty === 'actor')) {
        text += " - add 'host' to metadata.profiles";
      }
    }
    if (extra.allowedValues !== undefined) text += ` ${JSON.stringify(extra.allowedValues)}`;
    return text;
  });
}

function valueAt(event: unknown, pointer: string): unknown {
  let node = event;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return typeof node === 'bigint' ? `${node}n` : node;
}

function validatorFor(classUid: number, profiles: string[]): ValidateFunction {
  const key = `${classUid}|${[...new Set(profiles)].sort().join(',')}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const schema = classUid === 0 ? baseEventSchema() : classSchema(SCHEMA_FILES[classUid]!);
    const fullName = classUid === 0 ? 'process_activity' : SCHEMA_FILES[classUid]!;
    for (const profile of new Set(profiles)) applyProfile(schema, fullName, profile);
    delete schema.$id; // each variant is compiled on its own
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

function readJson(relative: string): unknown {
  let value = files.get(relative);
  if (value === undefined) {
    value = JSON.parse(readFileSync(sharedPath(relative), 'utf8'));
    files.set(relative, value);
  }
  return value;
}

/** A private copy of a class schema (it is edited for profiles). */
function classSchema(name: string): JsonSchema {
  return structuredClone(readJson(`${OCSF_SCHEMA_DIR}/${name}.schema.json`)) as JsonSchema;
}

/** Add the attributes a profile brings to this class, with their definitions. */
function applyProfile(schema: JsonSchema, className: string, profile: string): void {
  if (!/^[a-z_]+$/.test(profile) || !existsSync(sharedPath(`${OCSF_SOURCE_DIR}/profiles/${profile}.json`))) {
    throw new Error(`unknown OCSF profile '${profile}'`);
  }
  const source = readJson(`${OCSF_SOURCE_DIR}/profiles/${profile}.json`) as {
    attributes?: Record<string, { requirement?: string }>;
  };
  const full = readJson(`${OCSF_SCHEMA_DIR}/all-profiles/${className}.schema.json`) as JsonSchema;
  for (const [name, attr] of Object.entries(source.attributes ?? {})) {
    if (name in schema.properties || !(name in full.properties)) continue;
    schema.properties[name] = structuredClone(full.properties[name]);
    if (attr.requirement === 'required') (schema.required ??= []).push(name);
  }
  // Definitions the added attributes refer to; the class's own definitions are kept as they are.
  for (const [name, def] of Object.entries(full.$defs)) {
    if (!(name in schema.$defs)) schema.$defs[name] = structuredClone(def);
  }
}

/** Base Event: the base_event attributes, typed as every class types them. */
function baseEventSchema(): JsonSchema {
  const donor = classSchema('process_activity');
  const base = readJson(`${OCSF_SOURCE_DIR}/events/base_event.json`) as {
    attributes: Record<string, unknown>;
  };
  const properties: Record<string, unknown> = {};
  for (const name of Object.keys(base.attributes)) {
    if (name !== '$include' && name in donor.properties) properties[name] = donor.properties[name];
  }
  properties.class_uid = { type: 'integer', const: 0 };
  properties.category_uid = { type: 'integer', const: 0 };
  properties.activity_id = { type: 'integer', enum: [0, 99] };
  properties.type_uid = { type: 'integer', enum: [0, 99] };
  const required = [
    'activity_id',
    'category_uid',
    'class_uid',
    'metadata',
    'severity_id',
    'time',
    'type_uid',
  ];
  return { ...donor, title: 'Base Event', properties, required, additionalProperties: false };
}
