import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDuration, parseTimeBound, parseTimeRange, TimeBoundError } from './timerange.js';
import { fuzzOptions, hostileText } from '../testing/fuzz.js';

const NOW = Date.UTC(2024, 4, 1, 12, 34, 56, 789);

describe('parseTimeBound', () => {
  test('ISO 8601 dates and date-times, UTC unless a zone is given', () => {
    assert.equal(parseTimeBound('2024-05-01', NOW), Date.UTC(2024, 4, 1));
    assert.equal(parseTimeBound('2024-05-01T12:00', NOW), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseTimeBound('2024-05-01T12:00:30Z', NOW), Date.UTC(2024, 4, 1, 12, 0, 30));
    assert.equal(parseTimeBound('2024-05-01 12:00:30.25', NOW), Date.UTC(2024, 4, 1, 12, 0, 30, 250));
    assert.equal(parseTimeBound('2024-05-01T12:00:30.123456789Z', NOW), Date.UTC(2024, 4, 1, 12, 0, 30, 123));
    assert.equal(parseTimeBound('2024-05-01T14:00:00+02:00', NOW), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseTimeBound('2024-05-01T07:00:00-0500', NOW), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseTimeBound('2024-05-01T12:00:00+05', NOW), Date.UTC(2024, 4, 1, 7));
    assert.equal(parseTimeBound(' 2024-02-29 ', NOW), Date.UTC(2024, 1, 29));
  });

  test('epoch seconds, milliseconds, microseconds, nanoseconds', () => {
    assert.equal(parseTimeBound('1714564800', NOW), 1714564800000);
    assert.equal(parseTimeBound('1714564800.5', NOW), 1714564800500);
    assert.equal(parseTimeBound('1714564800123', NOW), 1714564800123);
    assert.equal(parseTimeBound('1714564800123456', NOW), 1714564800123);
    assert.equal(parseTimeBound('1714564800123456789', NOW), 1714564800123);
    assert.equal(parseTimeBound('0', NOW), 0);
  });

  test('now and relative times', () => {
    assert.equal(parseTimeBound('now', NOW), NOW);
    assert.equal(parseTimeBound('NOW', NOW), NOW);
    assert.equal(parseTimeBound('-15m', NOW), NOW - 15 * 60_000);
    assert.equal(parseTimeBound('-2h', NOW), NOW - 2 * 3_600_000);
    assert.equal(parseTimeBound('-7d', NOW), NOW - 7 * 86_400_000);
    assert.equal(parseTimeBound('-1w', NOW), NOW - 7 * 86_400_000);
    assert.equal(parseTimeBound('-30s', NOW), NOW - 30_000);
    assert.equal(parseTimeBound('+1h', NOW), NOW + 3_600_000);
    assert.equal(parseTimeBound('now-1h', NOW), NOW - 3_600_000);
    assert.equal(parseTimeBound('now - 1h', NOW), NOW - 3_600_000);
    assert.equal(parseTimeBound('now-1h30m', NOW), NOW - 90 * 60_000);
    assert.equal(parseTimeBound('now+500ms', NOW), NOW + 500);
  });

  test('snapping to the start of a UTC unit', () => {
    assert.equal(parseTimeBound('@d', NOW), Date.UTC(2024, 4, 1));
    assert.equal(parseTimeBound('now@h', NOW), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseTimeBound('now-1d@d', NOW), Date.UTC(2024, 3, 30));
    assert.equal(parseTimeBound('-1h@m', NOW), Date.UTC(2024, 4, 1, 11, 34));
  });

  test('anything else is a TimeBoundError naming the accepted forms', () => {
    for (const text of [
      '',
      'yesterday',
      '15m',
      '-15',
      '-15x',
      '-m',
      'now-',
      'now-1y',
      '2024-13-01',
      '2024-02-30',
      '2023-02-29',
      '2024-05-01T25:00',
      '2024-05-01T12:60',
      '2024-05-01T12:00:00+25:00',
      '2024/05/01',
      'May 1 2024',
      '1e9',
      '-1714564800',
      '@y',
      'now@',
    ]) {
      assert.throws(
        () => parseTimeBound(text, NOW),
        (e: unknown) => e instanceof TimeBoundError && /invalid time/.test(e.message),
        JSON.stringify(text),
      );
    }
    assert.throws(() => parseTimeBound('garbage', NOW), /ISO 8601.*relative time such as -15m/);
  });

  test('a TimeBoundError is a RangeError (the API answers both with 400)', () => {
    assert.throws(() => parseTimeBound('soon', NOW), RangeError);
  });

  test('out-of-range results are refused', () => {
    assert.throws(() => parseTimeBound('-999999999w', NOW), TimeBoundError);
    assert.throws(() => parseTimeBound('now', Number.NaN), TimeBoundError);
  });

  test('never throws anything but TimeBoundError, always returns an integer', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.constantFrom('now', '-', '@', '2024-', '+', 'now-1')), (text) => {
        try {
          const t = parseTimeBound(text, NOW);
          assert.ok(Number.isSafeInteger(t));
        } catch (error) {
          assert.ok(error instanceof TimeBoundError, String(error));
        }
      }),
      fuzzOptions(),
    );
  });
});

describe('parseDuration', () => {
  test('units and compounds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('1w'), 604_800_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    for (const bad of ['', '5', 'm', '5x', '1.5h', '-5m', '5 m', '5M'])
      assert.equal(parseDuration(bad), undefined, bad);
  });
});

describe('parseTimeRange', () => {
  test('both ends, either end, and the order check', () => {
    assert.deepEqual(parseTimeRange('-1h', 'now', NOW), { from: NOW - 3_600_000, to: NOW });
    assert.deepEqual(parseTimeRange(undefined, '2024-05-01', NOW), { to: Date.UTC(2024, 4, 1) });
    assert.deepEqual(parseTimeRange('', undefined, NOW), {});
    assert.throws(() => parseTimeRange('now', '-1h', NOW), /is not before the end/);
    assert.throws(() => parseTimeRange('now', 'now', NOW), TimeBoundError);
  });
});
