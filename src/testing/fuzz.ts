/**
 * Fuzzing support: fast-check arbitraries for hostile input and mutated real samples.
 * The number of runs comes from VIGIL_FUZZ_ITERATIONS (`npm run fuzz` sets a large one);
 * the default keeps `npm test` quick. Seeds are printed by fast-check on failure, so a
 * failure is reproducible.
 */
import fc from 'fast-check';

export const FUZZ_RUNS = Number(process.env.VIGIL_FUZZ_ITERATIONS ?? 1500);

/** Options for fc.assert: the run count, and a fixed seed when VIGIL_FUZZ_SEED is set. */
export function fuzzOptions(): fc.Parameters<unknown> {
  const seed = process.env.VIGIL_FUZZ_SEED;
  return { numRuns: FUZZ_RUNS, ...(seed ? { seed: Number(seed) } : {}) };
}

/** One mutation of a text: flip, delete, insert or duplicate bytes, truncate, or splice in junk. */
export function mutatedText(samples: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.string({ unit: 'binary', maxLength: 8 })),
        { minLength: 1, maxLength: 6 },
      ),
    )
    .map(([sample, edits]) => {
      let s = sample;
      for (const [kind, at, junk] of edits) {
        const i = s.length === 0 ? 0 : at % s.length;
        switch (kind) {
          case 0: // flip one character
            s =
              s.slice(0, i) +
              String.fromCharCode((s.charCodeAt(i) ^ (1 << (at % 7))) & 0xffff) +
              s.slice(i + 1);
            break;
          case 1: // delete a run
            s = s.slice(0, i) + s.slice(i + 1 + (at % 5));
            break;
          case 2: // insert junk
            s = s.slice(0, i) + junk + s.slice(i);
            break;
          case 3: // duplicate a run
            s = s.slice(0, i) + s.slice(i, i + 1 + (at % 16)) + s.slice(i);
            break;
          case 4: // truncate
            s = s.slice(0, i);
            break;
          default: // replace a run with junk
            s = s.slice(0, i) + junk + s.slice(i + junk.length);
        }
      }
      return s;
    });
}

/** Anything at all: random strings of any code points, including lone surrogates and control bytes. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);
