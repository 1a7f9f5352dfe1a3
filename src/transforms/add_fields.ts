import { z } from 'zod';
import { getPath, type OcsfEvent } from '../normalize/ocsf.js';
import { setPath, type TransformType } from './transform.js';

const schema = z
  .object({
    type: z.literal('add_fields'),
    name: z.string().optional(),
    fields: z
      .record(z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/, 'a dotted field path'), z.unknown())
      .describe('Field path → value, set on every event (e.g. metadata.labels, unmapped.site).'),
    overwrite: z.boolean().default(false).describe('Replace values the event already has.'),
  })
  .strict();

/** Adds fixed fields to every event: site names, environment labels, tenant ids. */
export const addFieldsTransform: TransformType<typeof schema> = {
  type: 'add_fields',
  description: 'Set fixed fields on every event.',
  schema,
  create(name, config) {
    const entries = Object.entries(config.fields);
    return {
      name,
      apply(event: OcsfEvent) {
        for (const [path, value] of entries) {
          if (!config.overwrite && getPath(event, path) !== undefined) continue;
          setPath(event, path, value);
        }
      },
    };
  },
};
