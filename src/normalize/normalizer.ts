import type { ParsedRecord } from '../parsers/record.js';
import type { OcsfEvent } from './ocsf.js';

/** Facts about a record that come from where it was received, not from its content. */
export interface NormalizeContext {
  /** The configured source name. */
  source: string;
  /** When Vigil received the record (epoch ms); the fallback event time. */
  receivedAt: number;
  /**
   * IANA zone (e.g. `Europe/Berlin`) for timestamps that carry none (syslog 3164, auditd-free
   * formats, firewall logs). Absent: UTC.
   */
  timezone?: string;
}

/**
 * Maps parsed records of one family to OCSF. Pure: no I/O, no clock (time comes from the record
 * or the context). Registered in src/normalize/registry.ts; the first normalizer whose `accepts`
 * is true wins, so specific ones are listed before generic ones.
 */
export interface Normalizer {
  readonly name: string;
  accepts(record: ParsedRecord): boolean;
  /** Never throws on odd content: what it cannot map it keeps in `unmapped`. */
  normalize(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent;
}
