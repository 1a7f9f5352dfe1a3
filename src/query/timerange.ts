/**
 * Time bounds as people type them (`--from -15m`, `to=now`, `2024-05-01T12:00:00Z`) → epoch ms.
 * Used by the CLI's --from/--to, the API, and time comparisons inside queries. Pure: `now` is passed in.
 */
import { epochToMs } from '../normalize/time.js';

/**
 * A time bound that could not be read. `input` is the offending text. A RangeError, so callers that
 * answer bad input (the API's 400) treat it like a bad `limit`.
 */
export class TimeBoundError extends RangeError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid time ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}: ${reason}`);
    this.name = 'TimeBoundError';
  }
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** JavaScript's Date range; DuckDB's TIMESTAMP covers it, so any accepted bound is storable. */
const MAX_ABS_MS = 8.64e15;

const EXPECTED =
  'expected ISO 8601 (2024-05-01, 2024-05-01T12:00:00Z, 2024-05-01 12:00:00+02:00), epoch seconds or ' +
  'milliseconds, now, or a relative time such as -15m, -2h, -7d, now-1h, now-1d@d';

/**
 * A duration such as `15m`, `2h`, `7d`, `1h30m`, `500ms` → milliseconds; undefined when it is not one.
 * Units: ms, s, m, h, d, w.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d{1,9}(ms|s|m|h|d|w))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total <= MAX_ABS_MS ? total : undefined;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseIso(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0–99 to 1900–1999
  date.setUTCHours(hour, minute, second, ms);
  let t = date.getTime();
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (zh > 23 || zm > 59) return undefined;
    t -= sign * (zh * 60 + zm) * 60_000;
  }
  return t;
}

/** Round down to the start of the UTC second, minute, hour or day (`@d` in `now-1d@d`). */
function snap(t: number, unit: string): number {
  const size = UNIT_MS[unit]!;
  return Math.floor(t / size) * size;
}

/**
 * One time bound → epoch milliseconds. Accepts:
 * - ISO 8601 dates and date-times; without a zone they are UTC (`2024-05-01`, `2024-05-01T12:00`,
 *   `2024-05-01 12:00:00.5+02:00`);
 * - epoch seconds, milliseconds, microseconds or nanoseconds (by magnitude, as the normalizers read them);
 * - `now`, and relative times: `-15m`, `-2h`, `-7d`, `+1h`, `now-1h`, `now-1h30m`, with an optional
 *   snap to the start of a UTC unit: `now-1d@d` (yesterday 00:00 UTC), `@h` (this hour).
 * Anything else throws TimeBoundError naming the accepted forms.
 */
export function parseTimeBound(text: string, now: number): number {
  if (typeof text !== 'string') throw new TimeBoundError(String(text), EXPECTED);
  if (!Number.isFinite(now)) throw new TimeBoundError(text, '`now` is not a finite time');
  const s = text.trim();
  if (s === '') throw new TimeBoundError(text, `empty; ${EXPECTED}`);
  let result: number | undefined;
  const relative = /^(now)?\s*(?:([+-])\s*([0-9a-z]+))?\s*(?:@(s|m|h|d))?$/i.exec(s);
  if (relative && (relative[1] || relative[2] || relative[4])) {
    const [, , sign, amount, snapUnit] = relative;
    let t = now;
    if (sign) {
      const duration = parseDuration(amount!.toLowerCase());
      if (duration === undefined) {
        throw new TimeBoundError(
          text,
          `"${amount}" is not a duration (use units ms, s, m, h, d, w: 15m, 2h, 7d)`,
        );
      }
      t += sign === '-' ? -duration : duration;
    }
    result = snapUnit ? snap(t, snapUnit.toLowerCase()) : t;
  } else if (/^\d{1,20}(\.\d+)?$/.test(s)) {
    result = epochToMs(Number(s));
  } else {
    result = parseIso(s);
  }
  if (result === undefined || !Number.isFinite(result)) throw new TimeBoundError(text, EXPECTED);
  if (Math.abs(result) > MAX_ABS_MS) throw new TimeBoundError(text, 'out of the supported range of dates');
  return Math.floor(result);
}

/**
 * Both ends of a search window, each optional; checks that `from` is before `to`.
 * `to` is exclusive, as in the query compiler (`time >= from AND time < to`).
 */
export function parseTimeRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from?: number; to?: number } {
  const range: { from?: number; to?: number } = {};
  if (from !== undefined && from.trim() !== '') range.from = parseTimeBound(from, now);
  if (to !== undefined && to.trim() !== '') range.to = parseTimeBound(to, now);
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    throw new TimeBoundError(
      `${from} .. ${to}`,
      `the start (${new Date(range.from).toISOString()}) is not before the end (${new Date(range.to).toISOString()})`,
    );
  }
  return range;
}
