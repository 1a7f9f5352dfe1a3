/**
 * Learned detectors (rate baselines and first-seen pairs) as stream analyzers for the detection
 * engine: `createAnalyzers(config.detect)` builds one per configured series and pair (the
 * built-ins where a list is absent). Their state is saved with state-file.ts.
 */
import type { StreamAnalyzer } from './analyzer.js';
import { BUILTIN_PAIRS, BUILTIN_SERIES } from './builtins.js';
import { pairSchema, seriesSchema, type BaselineConfig } from './config.js';
import { FirstSeenDetector } from './first-seen.js';
import { RateBaseline } from './rate.js';

export { baselineConfigSchema, type BaselineConfig } from './config.js';
export type { StreamAnalyzer } from './analyzer.js';
export { RateBaseline } from './rate.js';
export { FirstSeenDetector } from './first-seen.js';
export {
  loadStateFile,
  restoreAnalyzers,
  saveAnalyzers,
  saveStateFile,
  StateFileError,
  type RestoreReport,
} from './state-file.js';

/** One analyzer per rate series and first-seen pair; names are unique (`baseline.x`, `first_seen.y`). */
export function createAnalyzers(config: BaselineConfig): StreamAnalyzer[] {
  const series = config.baselines ?? BUILTIN_SERIES.map((s) => seriesSchema.parse(s));
  const pairs = config.first_seen ?? BUILTIN_PAIRS.map((p) => pairSchema.parse(p));
  const analyzers: StreamAnalyzer[] = [
    ...series.map((s) => new RateBaseline(s, config.sensitivity)),
    ...pairs.map((p) => new FirstSeenDetector(p, config.learning_period)),
  ];
  const seen = new Set<string>();
  for (const a of analyzers) {
    if (seen.has(a.name))
      throw new Error(`detect: two learned detectors are named ${a.name.replace(/^.*?\./, '')}`);
    seen.add(a.name);
  }
  return analyzers;
}
