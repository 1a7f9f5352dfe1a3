/**
 * Timestamps as sources write them → epoch milliseconds. Pure; returns undefined for text that
 * is not a timestamp, so the caller can fall back (to the receive time) and keep the original text.
 */
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$/;

export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value === 'bigint') return epochToMs(Number(value));
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = ISO_LIKE.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    let t = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, s ? +s : 0, ms);
    if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    }
    return Number.isFinite(t) && +mo! >= 1 && +mo! <= 12 && +d! >= 1 && +d! <= 31 ? t : undefined;
  }
  if (/^\d{9,19}(\.\d+)?$/.test(text)) return epochToMs(Number(text));
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Epoch seconds, milliseconds, microseconds or nanoseconds → milliseconds, by magnitude. */
export function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n < 1e11) return Math.round(n * 1000); // seconds (until year 5138)
  if (n < 1e14) return Math.round(n); // milliseconds
  if (n < 1e17) return Math.round(n / 1000); // microseconds
  return Math.round(n / 1e6); // nanoseconds
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at instant `utcMs`, in ms (positive east of Greenwich). */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let fmt = zoneFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(utcMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A wall-clock time with no zone (syslog 3164, firewall logs), read in the configured IANA zone
 * (`timeZone` absent or invalid: UTC). Arguments as Date.UTC takes them (month 0-based).
 */
export function wallClockToUtc(
  parts: {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    ms?: number;
  },
  timeZone?: string,
): number {
  const naive = Date.UTC(
    parts.year,
    parts.month,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
    parts.ms ?? 0,
  );
  if (!timeZone || timeZone === 'UTC') return naive;
  try {
    // Two passes settle the offset around DST changes.
    let t = naive - zoneOffsetMs(naive, timeZone);
    t = naive - zoneOffsetMs(t, timeZone);
    return t;
  } catch {
    return naive;
  }
}
