import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { fuzzOptions } from '../testing/fuzz.js';
import { decodeBody, EncodingError, TooLargeError } from './decompress.js';

const zstd = (data: Buffer) => execFileSync('zstd', ['-q', '-c'], { input: data });

describe('request body decoding', () => {
  const text = Buffer.from('{"a":1}\n'.repeat(1000));

  test('gzip, zstd, identity', async () => {
    assert.deepEqual(await decodeBody(gzipSync(text), 'gzip', 1e6), text);
    assert.deepEqual(await decodeBody(zstd(text), 'zstd', 1e6), text);
    assert.deepEqual(await decodeBody(text, undefined, 1e6), text);
  });

  test('a decompression bomb stops at the limit', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024);
    await assert.rejects(decodeBody(gzipSync(bomb), 'gzip', 1024 * 1024), TooLargeError);
    await assert.rejects(decodeBody(zstd(bomb), 'zstd', 1024 * 1024), TooLargeError);
  });

  test('corrupt data and unknown encodings are EncodingErrors', async () => {
    await assert.rejects(decodeBody(Buffer.from('not gzip'), 'gzip', 1e6), EncodingError);
    await assert.rejects(decodeBody(Buffer.from('not zstd'), 'zstd', 1e6), EncodingError);
    await assert.rejects(decodeBody(text, 'br', 1e6), /unsupported Content-Encoding 'br'/);
  });

  test('fuzz: mutated compressed bodies decode or fail with a typed error', async () => {
    const samples = [gzipSync(text), zstd(text)];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }),
        async (which, flips) => {
          const body = Buffer.from(samples[which]!);
          for (const [at, v] of flips) body[at % body.length] = v;
          try {
            await decodeBody(body, which === 0 ? 'gzip' : 'zstd', 1e6);
          } catch (error) {
            if (!(error instanceof EncodingError || error instanceof TooLargeError)) throw error;
          }
        },
      ),
      { ...fuzzOptions(), numRuns: Math.min(300, fuzzOptions().numRuns ?? 300) },
    );
  });
});
