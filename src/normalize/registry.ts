import { genericJsonNormalizer } from './generic.js';
import type { Normalizer } from './normalizer.js';
import { syslogNormalizer } from './syslog.js';
import { textNormalizer } from './text.js';
import { windowsNormalizer } from './windows.js';

/**
 * Normalizers in order: the first that accepts a record maps it, so specific ones come before
 * generic ones. Adding a format: one file, one line here.
 */
export const NORMALIZERS: readonly Normalizer[] = [
  windowsNormalizer,
  syslogNormalizer,
  genericJsonNormalizer,
  textNormalizer,
];
