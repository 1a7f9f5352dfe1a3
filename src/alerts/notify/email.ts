/**
 * Email over SMTP (nodemailer). TLS: `secure` for implicit TLS (port 465), otherwise STARTTLS when
 * the server offers it, enforced with `require_tls`; certificates are verified unless
 * `tls.reject_unauthorized: false`. The password is never logged, and SMTP errors are reported by
 * their code and response only.
 */
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';
import {
  deliverySchema,
  DeliveryError,
  plainText,
  titleOf,
  type Channel,
  type Notification,
} from './channel.js';

export const emailOptionsSchema = deliverySchema
  .extend({
    type: z.literal('email'),
    host: z.string().min(1).describe('SMTP server.'),
    port: z.number().int().min(1).max(65535).default(587).describe('SMTP port (465 with secure: true).'),
    secure: z.boolean().default(false).describe('Implicit TLS from the first byte (port 465).'),
    require_tls: z
      .boolean()
      .default(true)
      .describe('Refuse to send unless STARTTLS succeeds (ignored with secure: true).'),
    tls: z
      .object({
        reject_unauthorized: z.boolean().default(true).describe('Verify the server certificate.'),
        ca: z.string().optional().describe('PEM file of the CA to trust for the server certificate.'),
        servername: z.string().optional().describe('Name to verify the certificate against (SNI).'),
      })
      .strict()
      .default({ reject_unauthorized: true })
      .describe('TLS settings.'),
    user: z.string().optional().describe('SMTP user (AUTH).'),
    password: z.string().optional().describe('SMTP password (never logged).'),
    from: z.string().min(3).describe('Sender address.'),
    to: z.array(z.string().min(3)).min(1).describe('Recipients.'),
    subject_prefix: z.string().default('[Vigil]').describe('Put before every subject.'),
  })
  .strict();

export type EmailOptions = z.infer<typeof emailOptionsSchema>;

/** SMTP reply codes worth retrying: 4xx are temporary by definition; connection failures too. */
function transient(error: Error & { responseCode?: number; code?: string }): boolean {
  if (error.responseCode !== undefined) return error.responseCode >= 400 && error.responseCode < 500;
  return true;
}

export class EmailChannel implements Channel {
  readonly type = 'email';
  private readonly transport: Transporter;

  constructor(
    readonly name: string,
    private readonly options: EmailOptions,
  ) {
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: !options.secure && options.require_tls,
      ...(options.user !== undefined ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
      tls: {
        rejectUnauthorized: options.tls.reject_unauthorized,
        ...(options.tls.ca !== undefined ? { ca: readFileSync(options.tls.ca, 'utf8') } : {}),
        ...(options.tls.servername !== undefined ? { servername: options.tls.servername } : {}),
      },
      connectionTimeout: options.timeout_ms,
      greetingTimeout: options.timeout_ms,
      socketTimeout: options.timeout_ms,
      logger: false,
      debug: false,
    });
  }

  async send(message: Notification): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: this.options.to,
        subject: `${this.options.subject_prefix} ${titleOf(message)}`.trim().replace(/[\r\n]+/g, ' '),
        text: plainText(message),
        headers: message.alert ? { 'X-Vigil-Alert-Id': message.alert.id } : {},
      });
    } catch (error) {
      const e = error as Error & { responseCode?: number; code?: string };
      const what = e.responseCode !== undefined ? `SMTP ${e.responseCode}` : (e.code ?? e.name);
      throw new DeliveryError(this.name, `send failed: ${what}`, transient(e));
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
