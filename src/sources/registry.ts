import type { SourceType } from './source.js';
import { fileSource } from './file.js';
import { otlpSource } from './otlp.js';
import { prometheusSource } from './prometheus.js';
import { syslogSource } from './syslog.js';

/**
 * Source types by `type`. Adding a source: one file, one line here. HTTP ingest is not listed:
 * it lives on the API server (src/sources/http.ts) and is always on.
 */
export const SOURCE_TYPES: ReadonlyMap<string, SourceType> = new Map<string, SourceType>([
  [syslogSource.type, syslogSource],
  [fileSource.type, fileSource],
  [otlpSource.type, otlpSource],
  [prometheusSource.type, prometheusSource],
]);
