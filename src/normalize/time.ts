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
