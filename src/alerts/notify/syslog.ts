/**
 * Syslog forwarding with a CEF payload, for SIEMs: RFC 5424 messages over UDP (one datagram each)
 * or TCP (RFC 6587 octet-counting framing, or newline-terminated), the MSG an ArcSight CEF:0 record.
 * CEF escaping: in the header `\` and `|` are escaped; in extension values `\`, `=` and line breaks
 * (as `\n`, `\r`). Entities map to CEF keys (src_ip → src, dst_ip → dst, host → dhost,
 * user → duser); all entities also go into cs3.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP, createConnection, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Severity } from '../model.js';
import {
  deliverySchema,
  DeliveryError,
  entityText,
  suppressedText,
  titleOf,
  type Channel,
  type Notification,
} from './channel.js';

const FACILITIES = {
  kern: 0, user: 1, daemon: 3, auth: 4, syslog: 5, authpriv: 10,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const; // prettier-ignore

export const syslogOptionsSchema = deliverySchema
  .extend({
    type: z.literal('syslog'),
    host: z.string().min(1).describe('Syslog/SIEM receiver.'),
    port: z.number().int().min(1).max(65535).default(514).describe('Receiver port.'),
    protocol: z.enum(['udp', 'tcp']).default('udp').describe('Transport.'),
    framing: z
      .enum(['octet_counting', 'newline'])
      .default('octet_counting')
      .describe('TCP framing: RFC 6587 octet counting (`<len> <msg>`) or a trailing newline.'),
    facility: z
      .enum(Object.keys(FACILITIES) as [keyof typeof FACILITIES])
      .default('local0')
      .describe('Syslog facility.'),
    app_name: z
      .string()
      .regex(/^[!-~]{1,48}$/)
      .default('vigil')
      .describe('RFC 5424 APP-NAME.'),
  })
  .strict();

export type SyslogOptions = z.infer<typeof syslogOptionsSchema>;

/** Syslog severity (RFC 5424) of an alert severity. */
const SYSLOG_SEVERITY: Record<Severity, number> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  informational: 6,
};

/** CEF severity 0–10. */
const CEF_SEVERITY: Record<Severity, number> = { informational: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** A CEF header field: `\` and `|` escaped, line breaks folded to spaces. */
export function cefHeader(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

/** A CEF extension value: `\`, `=` escaped; CR and LF as `\r`, `\n`. */
export function cefValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Undo cefValue (for receivers and tests). */
export function cefUnescape(text: string): string {
  return text.replace(/\\(.)/gs, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** The CEF record of a notification. */
export function cefRecord(message: Notification, version = '0.1.0'): string {
  const a = message.alert;
  const severity = a?.severity ?? 'informational';
  const header = [
    'CEF:0',
    'Vigil',
    'Vigil',
    version,
    cefHeader(a?.rule.id ?? 'rate-limit-summary'),
    cefHeader(titleOf(message).slice(0, 512)),
    String(CEF_SEVERITY[severity]),
  ].join('|');
  const ext: [string, string][] = [];
  if (a) {
    ext.push(['rt', String(a.last_seen)], ['start', String(a.first_seen)], ['externalId', a.id]);
    ext.push(['act', message.event], ['cnt', String(a.signal_count)]);
    if (a.entities.src_ip && isIP(a.entities.src_ip)) ext.push(['src', a.entities.src_ip]);
    if (a.entities.dst_ip && isIP(a.entities.dst_ip)) ext.push(['dst', a.entities.dst_ip]);
    if (a.entities.host) ext.push(['dhost', a.entities.host]);
    if (a.entities.user) ext.push(['duser', a.entities.user]);
    if (a.attack.tactics.length > 0) ext.push(['cat', a.attack.tactics.join(',')]);
    ext.push(['cs1Label', 'rule_id'], ['cs1', a.rule.id]);
    if (a.attack.techniques.length > 0)
      ext.push(['cs2Label', 'techniques'], ['cs2', a.attack.techniques.join(',')]);
    ext.push(['cs3Label', 'entities'], ['cs3', entityText(a.entities)]);
    ext.push([
      'msg',
      [a.summary, suppressedText(message.suppressed)].filter(Boolean).join(' — ').slice(0, 1024),
    ]);
  } else {
    ext.push(['cnt', String(message.suppressed?.count ?? 0)], ['msg', suppressedText(message.suppressed)]);
  }
  return `${header}|${ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ')}`;
}

/** RFC 5424 header fields are printable ASCII without spaces; `-` when empty. */
function headerField(text: string, max: number): string {
  const cleaned = text.replace(/[^!-~]/g, '').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
}

/** One RFC 5424 message carrying the CEF record. */
export function syslogMessage(
  message: Notification,
  options: Pick<SyslogOptions, 'facility' | 'app_name'>,
  nowMs: number,
  host = hostname(),
  pid = process.pid,
): string {
  const pri = FACILITIES[options.facility] * 8 + SYSLOG_SEVERITY[message.alert?.severity ?? 'informational'];
  const ts = new Date(nowMs).toISOString();
  return `<${pri}>1 ${ts} ${headerField(host, 255)} ${headerField(options.app_name, 48)} ${pid} alert - ${cefRecord(message)}`;
}

export class SyslogChannel implements Channel {
  readonly type = 'syslog';
  private udp: UdpSocket | undefined;
  private tcp: Socket | undefined;

  constructor(
    readonly name: string,
    private readonly options: SyslogOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async send(message: Notification): Promise<void> {
    const text = syslogMessage(message, this.options, this.now());
    if (this.options.protocol === 'udp') return this.sendUdp(Buffer.from(text));
    const bytes = Buffer.from(text);
    const frame =
      this.options.framing === 'octet_counting'
        ? Buffer.concat([Buffer.from(`${bytes.length} `), bytes])
        : Buffer.concat([bytes, Buffer.from('\n')]);
    return this.sendTcp(frame);
  }

  private sendUdp(datagram: Buffer): Promise<void> {
    if (!this.udp) {
      const created = createSocket(isIP(this.options.host) === 6 ? 'udp6' : 'udp4');
      created.on('error', () => {
        created.close();
        if (this.udp === created) this.udp = undefined;
      });
      created.unref();
      this.udp = created;
    }
    const socket = this.udp;
    return new Promise((resolve, reject) =>
      socket.send(datagram, this.options.port, this.options.host, (error) =>
        error
          ? reject(
              new DeliveryError(
                this.name,
                `UDP send failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
                true,
              ),
            )
          : resolve(),
      ),
    );
  }

  private connect(): Promise<Socket> {
    if (this.tcp && !this.tcp.destroyed && !this.tcp.connecting) return Promise.resolve(this.tcp);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: this.options.host, port: this.options.port });
      const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), this.options.timeout_ms);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setKeepAlive(true);
        socket.on('error', () => socket.destroy());
        // A receiver that talks back or closes: drop the connection, reconnect on the next send.
        socket.on('close', () => {
          if (this.tcp === socket) this.tcp = undefined;
        });
        socket.on('data', () => undefined);
        this.tcp = socket;
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new DeliveryError(this.name, `TCP connect failed: ${error.code ?? error.message}`, true));
      });
    });
  }

  private async sendTcp(frame: Buffer): Promise<void> {
    const socket = await this.connect();
    await new Promise<void>((resolve, reject) =>
      socket.write(frame, (error) => {
        if (!error) return resolve();
        socket.destroy();
        reject(
          new DeliveryError(
            this.name,
            `TCP write failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
            true,
          ),
        );
      }),
    );
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    if (this.tcp) await new Promise<void>((resolve) => this.tcp!.end(resolve));
    this.tcp = undefined;
  }
}
