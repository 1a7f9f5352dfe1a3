import type { TransformType } from './transform.js';
import { addFieldsTransform } from './add_fields.js';
import { enrichTransform } from './enrich.js';
import { redactTransform } from './redact.js';

/** Transform types by `type`. Adding a transform: one file, one line here. */
export const TRANSFORM_TYPES: ReadonlyMap<string, TransformType> = new Map<string, TransformType>([
  [addFieldsTransform.type, addFieldsTransform],
  [redactTransform.type, redactTransform],
  [enrichTransform.type, enrichTransform],
]);
