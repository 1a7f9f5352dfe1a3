/**
 * Signed webhook: POSTs the notification as JSON. The receiver checks that it came from this Vigil
 * and was not replayed: `X-Vigil-Timestamp` is the send time in Unix seconds, and
 * `X-Vigil-Signature: sha256=<hex>` is HMAC-SHA256 with the shared secret over the bytes
 * `<timestamp>.<body>` (docs/alerts.md shows a receiver). `verifyWebhook` is that check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { deliverySchema, post, type Channel, type Notification } from './channel.js';

export const webhookOptionsSchema = deliverySchema
  .extend({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }).describe('Where to POST (http or https).'),
    secret: z
      .string()
      .min(16)
      .describe('HMAC-SHA256 key for X-Vigil-Signature (at least 16 characters; never logged).'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers.'),
  })
  .strict();

export type WebhookOptions = z.infer<typeof webhookOptionsSchema>;

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** Headers for a signed body sent at `nowMs`. */
export function signedHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'x-vigil-timestamp': timestamp,
    'x-vigil-signature': `sha256=${signWebhook(secret, timestamp, body)}`,
  };
}

/**
 * A receiver's check: the signature matches the raw body and the timestamp is within
 * `toleranceSeconds` of `nowMs`. Returns the reason when it fails.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
  nowMs: number,
  toleranceSeconds = 300,
): { ok: true } | { ok: false; reason: string } {
  const timestamp = headers['x-vigil-timestamp'];
  const signature = headers['x-vigil-signature'];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing or malformed X-Vigil-Timestamp' };
  if (typeof signature !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'missing or malformed X-Vigil-Signature' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds)
    return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature.slice(7), 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/** The JSON body of an alert webhook. */
export function webhookBody(message: Notification): string {
  return JSON.stringify({
    type: `vigil.alert.${message.event}`,
    alert: message.alert ?? null,
    suppressed: message.suppressed ?? null,
  });
}

export class WebhookChannel implements Channel {
  readonly type = 'webhook';

  constructor(
    readonly name: string,
    private readonly options: WebhookOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async send(message: Notification): Promise<void> {
    const body = webhookBody(message);
    const headers = { ...this.options.headers, ...signedHeaders(this.options.secret, body, this.now()) };
    await post(this.name, this.options.url, body, headers, this.options.timeout_ms);
  }

  async close(): Promise<void> {}
}
