/**
 * Small OCSF event builders for the learned detectors' tests and bench: failed logins, DNS
 * queries, network connections, sign-ins with a country. Every event gets a store id
 * (`metadata.uid`) from a counter, as the store would.
 */
import { ocsfEvent, OcsfClass, type OcsfEvent } from '../../normalize/ocsf.js';
import {
  baselineConfigSchema,
  pairSchema,
  seriesSchema,
  type PairConfig,
  type SeriesConfig,
} from './config.js';

let nextUid = 1;

/** Restart event ids at 1 (tests that compare ids across runs). */
export function resetUids(): void {
  nextUid = 1;
}

function base(cls: (typeof OcsfClass)[keyof typeof OcsfClass], activity: number, time: number): OcsfEvent {
  return ocsfEvent(
    cls,
    { id: activity },
    { time, metadata: { product: { name: 'test' }, uid: String(nextUid++) } },
  );
}

export function failedLogin(time: number, user: string, ip = '10.0.0.5'): OcsfEvent {
  const e = base(OcsfClass.Authentication, 1, time);
  e.status_id = 2;
  e.user = { name: user };
  e.src_endpoint = { ip };
  return e;
}

export function login(time: number, user: string, country: string): OcsfEvent {
  const e = base(OcsfClass.Authentication, 1, time);
  e.status_id = 1;
  e.user = { name: user };
  e.src_endpoint = { ip: '198.51.100.7', location: { country } };
  return e;
}

export function dnsQuery(time: number, host: string, domain: string, ip = '10.0.0.9'): OcsfEvent {
  const e = base(OcsfClass.DnsActivity, 1, time);
  e.device = { hostname: host };
  e.src_endpoint = { ip };
  e.query = { hostname: domain };
  return e;
}

export function connection(
  time: number,
  from: { host?: string; ip: string; process?: string },
  to: string,
  bytesOut = 0,
): OcsfEvent {
  const e = base(OcsfClass.NetworkActivity, 1, time);
  if (from.host) e.device = { hostname: from.host };
  e.src_endpoint = { ip: from.ip };
  e.dst_endpoint = { ip: to };
  if (from.process) e.process = { name: from.process };
  e.traffic = { bytes_out: bytesOut };
  return e;
}

/** A series config from partial input (schema defaults filled in). */
export function series(input: Partial<Record<keyof SeriesConfig, unknown>> & { name: string }): SeriesConfig {
  return seriesSchema.parse(input);
}

export function pair(input: Partial<Record<keyof PairConfig, unknown>> & { name: string }): PairConfig {
  return pairSchema.parse(input);
}

export function baselineConfig(input: Record<string, unknown> = {}) {
  return baselineConfigSchema.parse(input);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2024-01-01T00:00:00Z: streams start here. */
export const T0 = Date.UTC(2024, 0, 1);
