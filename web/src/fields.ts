/** Field names for completion, from the console API (typed columns and keys seen in recent events). */
import { getJson } from './api';

let cached: Promise<string[]> | undefined;

export function fieldNames(): Promise<string[]> {
  cached ??= getJson<{ fields: { name: string }[] }>('/api/v1/console/fields')
    .then((r) => r.fields.map((f) => f.name))
    .catch(() => {
      cached = undefined;
      return [];
    });
  return cached;
}
