import type { z } from 'zod';
import type { OcsfEvent } from '../normalize/ocsf.js';

/** A transform changes events in place after normalization. Pure: no I/O. */
export interface Transform {
  readonly name: string;
  apply(event: OcsfEvent): void;
}

/** A transform type: its config schema and a factory. Registered in src/transforms/registry.ts. */
export interface TransformType<S extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  schema: S;
  create(name: string, config: z.infer<S>): Transform;
}

/** Set a dotted path in an event, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
