/**
 * Fuzzing canonicalJson: it round-trips any JSON value, ignores member order, is idempotent,
 * and on anything at all either answers or throws CanonicalJsonError (never another error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CanonicalJsonError, canonicalJson } from './canonical.js';
import { fuzzOptions, hostileText } from '../testing/fuzz.js';

/** Rebuild every object of a JSON value with its members in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversed(v)]),
    );
  }
  return value;
}

test('any JSON value: parses back to the same value, idempotent, member order irrelevant', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      const parsed: unknown = JSON.parse(text);
      assert.deepEqual(parsed, JSON.parse(JSON.stringify(value)));
      assert.equal(canonicalJson(parsed), text);
      assert.equal(canonicalJson(reversed(value)), text);
      assert.ok(!/\s/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '')), 'no whitespace outside strings');
    }),
    fuzzOptions(),
  );
});

test('hostile strings: written exactly or refused as lone surrogates', () => {
  fc.assert(
    fc.property(hostileText, (s) => {
      let text: string;
      try {
        text = canonicalJson({ [s]: s });
      } catch (err) {
        assert.ok(err instanceof CanonicalJsonError && /lone surrogate/.test(err.message), String(err));
        return;
      }
      assert.deepEqual(JSON.parse(text), { [s]: s });
    }),
    fuzzOptions(),
  );
});

test('anything at all: a string or a CanonicalJsonError, nothing else', () => {
  fc.assert(
    fc.property(
      fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
      (value) => {
        try {
          assert.equal(typeof canonicalJson(value), 'string');
        } catch (err) {
          assert.ok(err instanceof CanonicalJsonError, String(err));
        }
      },
    ),
    fuzzOptions(),
  );
});
