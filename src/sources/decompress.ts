import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { Decompress as ZstdDecompress } from 'fzstd';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** The decompressed body would exceed the limit. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes once decompressed`);
    this.name = 'TooLargeError';
  }
}

/** The body is not valid for its declared encoding. */
export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}

/** Files and request bodies compressed with gzip or zstd, detected by magic bytes. */
export function sniffEncoding(data: Uint8Array): 'gzip' | 'zstd' | 'identity' {
  if (data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  if (data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd) return 'zstd';
  return 'identity';
}

/** zstd with an output cap, chunk by chunk, so a decompression bomb stops at the limit. */
export function zstdDecompress(data: Uint8Array, limit: number): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  let tooLarge = false;
  const stream = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > limit) tooLarge = true;
    else parts.push(chunk);
  });
  const step = 64 * 1024;
  try {
    for (let i = 0; i < data.length && !tooLarge; i += step) {
      const end = Math.min(data.length, i + step);
      stream.push(data.subarray(i, end), end === data.length);
    }
  } catch (error) {
    throw new EncodingError(`invalid zstd data: ${(error as Error).message}`);
  }
  if (tooLarge) throw new TooLargeError(limit);
  return Buffer.concat(parts);
}

/** Decode a body by its Content-Encoding, never producing more than `limit` bytes. */
export async function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  try {
    switch (enc) {
      case '':
      case 'identity':
        if (body.length > limit) throw new TooLargeError(limit);
        return body;
      case 'gzip':
      case 'x-gzip':
        return await gunzipAsync(body, { maxOutputLength: limit });
      case 'deflate':
        return await inflateAsync(body, { maxOutputLength: limit });
      case 'zstd':
        return zstdDecompress(body, limit);
      default:
        throw new EncodingError(`unsupported Content-Encoding '${encoding}' (use gzip, zstd or identity)`);
    }
  } catch (error) {
    if (error instanceof TooLargeError || error instanceof EncodingError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLargeError(limit);
    throw new EncodingError(`invalid ${enc} data: ${(error as Error).message}`);
  }
}
