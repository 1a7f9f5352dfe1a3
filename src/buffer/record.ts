/**
 * The on-disk framing of one log entry. Pure: bytes in, bytes out.
 *
 *   offset  size  field
 *        0     3  magic F7 56 57 (0xF7 never occurs in UTF-8 text, which makes false resyncs rare)
 *        3     1  format version (1)
 *        4     4  payload length, u32 LE
 *        8     8  sequence number, u64 LE (at most 2^53 - 1)
 *       16     4  CRC-32 of the payload
 *       20     4  CRC-32 of bytes 0..20 (the header check: a frame boundary can be validated
 *                 without reading its payload, so resync and skipping are cheap)
 *       24     n  payload
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 24;
export const FRAME_VERSION = 1;
/** The first bytes of every frame. */
export const FRAME_MAGIC = Buffer.from([0xf7, 0x56, 0x57, FRAME_VERSION]);

const TWO_32 = 2 ** 32;

/** Bytes a frame with a payload of `payloadBytes` occupies. */
export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + payloadBytes;
}

/** Writes one frame into `target` at `offset`; returns the offset just past it. */
export function writeFrame(target: Buffer, offset: number, seq: number, payload: Uint8Array): number {
  FRAME_MAGIC.copy(target, offset);
  target.writeUInt32LE(payload.length, offset + 4);
  target.writeUInt32LE(seq % TWO_32, offset + 8);
  target.writeUInt32LE(Math.floor(seq / TWO_32), offset + 12);
  target.writeUInt32LE(crc32(payload), offset + 16);
  target.writeUInt32LE(crc32(target.subarray(offset, offset + 20)), offset + 20);
  target.set(payload, offset + FRAME_HEADER_BYTES);
  return offset + FRAME_HEADER_BYTES + payload.length;
}

/** One frame as a buffer of its own. */
export function encodeFrame(seq: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frameBytes(payload.length));
  writeFrame(out, 0, seq, payload);
  return out;
}

/** A frame header that passed its checks. */
export interface FrameHeader {
  seq: number;
  payloadBytes: number;
  payloadCrc: number;
}

/**
 * Validates the header at `offset` (24 bytes must be available). Returns the header, or the
 * reason it is not one: bad magic, unknown version, header checksum, impossible length or seq.
 */
export function readFrameHeader(buf: Buffer, offset: number, maxPayloadBytes: number): FrameHeader | string {
  if (buf[offset] !== 0xf7 || buf[offset + 1] !== 0x56 || buf[offset + 2] !== 0x57) return 'bad magic';
  if (buf[offset + 3] !== FRAME_VERSION) return `unknown frame version ${buf[offset + 3]}`;
  if (crc32(buf.subarray(offset, offset + 20)) !== buf.readUInt32LE(offset + 20))
    return 'header checksum mismatch';
  const payloadBytes = buf.readUInt32LE(offset + 4);
  if (payloadBytes > maxPayloadBytes) return `payload length ${payloadBytes} exceeds ${maxPayloadBytes}`;
  const high = buf.readUInt32LE(offset + 12);
  if (high >= 2 ** 21) return 'sequence number beyond 2^53';
  const seq = high * TWO_32 + buf.readUInt32LE(offset + 8);
  if (seq < 1) return 'sequence number 0';
  return { seq, payloadBytes, payloadCrc: buf.readUInt32LE(offset + 16) };
}

/** True when `payload` matches the checksum its header recorded. */
export function payloadMatches(payload: Uint8Array, header: FrameHeader): boolean {
  return crc32(payload) === header.payloadCrc;
}
