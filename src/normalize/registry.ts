import { auditNormalizer } from '../audit/normalize.js';
import { asaNormalizer } from './asa.js';
import { auditdNormalizer } from './auditd.js';
import { azureNormalizer } from './azure.js';
import { cloudtrailNormalizer } from './cloudtrail.js';
import { genericJsonNormalizer } from './generic.js';
import { githubNormalizer } from './github.js';
import { oktaNormalizer } from './okta.js';
import { otlpNormalizer } from './otlp.js';
import { sbomNormalizer } from './sbom.js';
import { suricataNormalizer } from './suricata.js';
import type { Normalizer } from './normalizer.js';
import { syslogNormalizer } from './syslog.js';
import { textNormalizer } from './text.js';
import { windowsNormalizer } from './windows.js';
import { zeekNormalizer } from './zeek.js';

/**
 * Normalizers in order: the first that accepts a record maps it, so specific ones come before
 * generic ones. Adding a format: one file, one line here.
 */
export const NORMALIZERS: readonly Normalizer[] = [
  auditNormalizer,
  windowsNormalizer,
  asaNormalizer,
  syslogNormalizer,
  auditdNormalizer,
  cloudtrailNormalizer,
  oktaNormalizer,
  azureNormalizer,
  githubNormalizer,
  sbomNormalizer,
  zeekNormalizer,
  suricataNormalizer,
  otlpNormalizer,
  genericJsonNormalizer,
  textNormalizer,
];
