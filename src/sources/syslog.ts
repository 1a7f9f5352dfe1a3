/**
 * The syslog receiver: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425). Each frame becomes a
 * RawRecord in format `syslog`, handed to the pipeline in batches.
 *
 * TCP and TLS read only as fast as batches are stored: a connection submits with `wait: true`
 * and pauses its socket while its window of unacknowledged batches is full, so a slow store slows
 * the senders (through TCP flow control) instead of growing memory. UDP cannot push back: when the
 * pipeline is full its batches are dropped and counted (`overloaded`).
 *
 * Framing is a pure class (SyslogFramer: bytes in, frames out, state kept across chunks), tested
 * and fuzzed on its own; the sockets around it are a thin shell.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { z } from 'zod';
import { CertReloader } from '../api/tls.js';
import {
  OverloadedError,
  UnavailableError,
  type RawRecord,
  type Source,
  type SourceContext,
  type SourceType,
} from './source.js';

// ---------------------------------------------------------------------------------------------
// Framing

export type FramerEvent =
  | { type: 'frame'; bytes: Buffer }
  | { type: 'error'; reason: 'oversized' | 'bad_framing' | 'truncated'; detail: string };

/** RFC 6587: octet counting (`LEN SP MSG`) or non-transparent framing (a terminator after each MSG). */
export type Framing = 'octet-counting' | 'non-transparent';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
/** More digits than any accepted length has: the prefix is garbage, not a length. */
const MAX_LENGTH_DIGITS = 10;

/**
 * Splits a TCP/TLS byte stream into syslog frames. The framing is chosen once per connection from
 * its first byte: a digit means octet counting, anything else non-transparent framing with LF
 * (also CRLF and NUL) as terminator. A frame may straddle any number of chunks.
 *
 * Frames longer than `maxFrameBytes` are reported (`oversized`) and skipped: exactly, by their
 * length, under octet counting; up to the next terminator otherwise. A malformed length prefix
 * (`bad_framing`) is skipped up to the next place that looks like a frame start (`LEN SP <`).
 */
export class SyslogFramer {
  framing: Framing | undefined;
  // octet counting
  private state: 'length' | 'body' | 'skip' | 'resync' = 'length';
  private digits = '';
  private need = 0;
  /** resync: a run of digits seen, and whether a space followed it. */
  private resyncDigits = '';
  private resyncSpace = false;
  // shared: the bytes of the frame being assembled
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** non-transparent: discarding the rest of an oversized frame until the next terminator. */
  private discarding = false;

  constructor(readonly maxFrameBytes: number) {}

  push(chunk: Buffer): FramerEvent[] {
    const out: FramerEvent[] = [];
    if (chunk.length === 0) return out;
    this.framing ??= isDigit(chunk[0]!) ? 'octet-counting' : 'non-transparent';
    if (this.framing === 'octet-counting') this.pushCounted(chunk, out);
    else this.pushDelimited(chunk, out);
    return out;
  }

  /** The stream ended: a last unterminated frame is delivered, an incomplete counted one reported. */
  end(): FramerEvent[] {
    const out: FramerEvent[] = [];
    if (this.framing === 'non-transparent') {
      if (!this.discarding && this.partBytes > 0)
        this.emitDelimited(Buffer.concat(this.parts, this.partBytes), out);
    } else if (this.framing === 'octet-counting') {
      if (this.state === 'body')
        out.push({
          type: 'error',
          reason: 'truncated',
          detail: `stream ended ${this.need} bytes short of a ${this.need + this.partBytes}-byte frame`,
        });
      else if (this.state === 'length' && this.digits !== '')
        out.push({
          type: 'error',
          reason: 'truncated',
          detail: `stream ended inside the length prefix "${this.digits}"`,
        });
    }
    this.parts = [];
    this.partBytes = 0;
    this.digits = '';
    this.state = 'length';
    this.discarding = false;
    return out;
  }

  private pushCounted(chunk: Buffer, out: FramerEvent[]): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'length': {
          const b = chunk[i]!;
          if (this.digits === '' && (b === LF || b === CR || b === NUL)) {
            i++; // a terminator after a counted frame (some senders add one): not part of anything
          } else if (
            isDigit(b) &&
            !(this.digits === '' && b === 0x30) &&
            this.digits.length < MAX_LENGTH_DIGITS
          ) {
            this.digits += String.fromCharCode(b);
            i++;
          } else if (b === SP && this.digits !== '') {
            i++;
            const length = Number(this.digits);
            this.digits = '';
            this.startBody(length, out);
          } else {
            out.push({
              type: 'error',
              reason: 'bad_framing',
              detail: `expected an octet count, found ${JSON.stringify(this.digits + String.fromCharCode(b))}; skipping to the next frame`,
            });
            this.digits = '';
            this.resyncDigits = '';
            this.resyncSpace = false;
            this.state = 'resync';
            // the offending byte is examined again by the resync scanner
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.need, chunk.length - i);
          this.parts.push(chunk.subarray(i, i + take));
          this.partBytes += take;
          this.need -= take;
          i += take;
          if (this.need === 0) {
            out.push({ type: 'frame', bytes: Buffer.concat(this.parts, this.partBytes) });
            this.parts = [];
            this.partBytes = 0;
            this.state = 'length';
          }
          break;
        }
        case 'skip': {
          const take = Math.min(this.need, chunk.length - i);
          this.need -= take;
          i += take;
          if (this.need === 0) this.state = 'length';
          break;
        }
        case 'resync': {
          const b = chunk[i]!;
          i++;
          if (this.resyncSpace && b === LT) {
            // `LEN SP <`: a frame starts here; its `<` is the first byte of the body.
            const length = Number(this.resyncDigits);
            this.resyncDigits = '';
            this.resyncSpace = false;
            this.startBody(length, out);
            i--;
          } else if (b === SP && this.resyncDigits !== '' && !this.resyncSpace) {
            this.resyncSpace = true;
          } else if (isDigit(b)) {
            // A digit continues the run, or starts a new one after `digits SP` not followed by `<`.
            if (this.resyncSpace) this.resyncDigits = '';
            this.resyncSpace = false;
            if (this.resyncDigits === '' && b === 0x30) continue; // no length starts with 0
            this.resyncDigits =
              this.resyncDigits.length < MAX_LENGTH_DIGITS ? this.resyncDigits + String.fromCharCode(b) : '';
          } else {
            this.resyncDigits = '';
            this.resyncSpace = false;
          }
          break;
        }
      }
    }
  }

  private startBody(length: number, out: FramerEvent[]): void {
    if (length > this.maxFrameBytes) {
      out.push({
        type: 'error',
        reason: 'oversized',
        detail: `frame of ${length} bytes exceeds ${this.maxFrameBytes}`,
      });
      this.need = length;
      this.state = 'skip';
    } else {
      this.need = length;
      this.state = 'body';
    }
  }

  private pushDelimited(chunk: Buffer, out: FramerEvent[]): void {
    let i = 0;
    while (i < chunk.length) {
      const end = nextTerminator(chunk, i);
      if (end === -1) {
        const rest = chunk.length - i;
        if (this.discarding) return;
        if (this.partBytes + rest > this.maxFrameBytes) {
          out.push({
            type: 'error',
            reason: 'oversized',
            detail: `line longer than ${this.maxFrameBytes} bytes; discarding to the next line`,
          });
          this.parts = [];
          this.partBytes = 0;
          this.discarding = true;
          return;
        }
        // Copied, so that a short partial line does not keep the whole chunk alive.
        this.parts.push(Buffer.from(chunk.subarray(i)));
        this.partBytes += rest;
        return;
      }
      if (this.discarding) {
        this.discarding = false; // the oversized line ends here
      } else if (this.partBytes + (end - i) > this.maxFrameBytes) {
        out.push({
          type: 'error',
          reason: 'oversized',
          detail: `line longer than ${this.maxFrameBytes} bytes`,
        });
      } else {
        const piece = chunk.subarray(i, end);
        this.emitDelimited(
          this.partBytes === 0 ? Buffer.from(piece) : Buffer.concat([...this.parts, piece]),
          out,
        );
      }
      this.parts = [];
      this.partBytes = 0;
      i = end + 1;
    }
  }

  private emitDelimited(line: Buffer, out: FramerEvent[]): void {
    const bytes = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
    if (bytes.length > 0) out.push({ type: 'frame', bytes }); // empty lines (LF LF, CRLF after NUL) carry nothing
  }
}

function nextTerminator(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  // NUL is rare; search for it only up to the LF found.
  const nul = chunk.subarray(from, lf === -1 ? chunk.length : lf).indexOf(NUL);
  return nul === -1 ? lf : from + nul;
}

/**
 * One UDP datagram → its messages. A datagram is one message (RFC 5426), but some senders pack
 * several, one per line; a line break followed by a PRI (`<digits>`) starts a new message, any
 * other line break belongs to a multi-line MSG.
 */
export function splitDatagram(datagram: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let at = datagram.indexOf(LF);
  while (at !== -1) {
    if (datagram[at + 1] === LT && isDigit(datagram[at + 2] ?? 0)) {
      pushMessage(datagram.subarray(start, at), out);
      start = at + 1;
    }
    at = datagram.indexOf(LF, at + 1);
  }
  pushMessage(datagram.subarray(start), out);
  return out;
}

function pushMessage(bytes: Buffer, out: Buffer[]): void {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === LF || bytes[end - 1] === CR || bytes[end - 1] === NUL)) end--;
  if (end > 0) out.push(bytes.subarray(0, end));
}

// ---------------------------------------------------------------------------------------------
// Configuration

const port = z.number().int().min(0).max(65535);

export const syslogConfigSchema = z
  .object({
    type: z.literal('syslog'),
    name: z.string().optional(),
    address: z.string().min(1).default('127.0.0.1').describe('Address to listen on (0.0.0.0 or :: for all).'),
    udp_port: port.nullable().default(5514).describe('UDP port (0 = any free port); null turns UDP off.'),
    tcp_port: port
      .nullable()
      .default(5514)
      .describe('TCP port, plain text (0 = any free port); null turns plain TCP off.'),
    tls: z
      .object({
        port: port.default(6514).describe('TLS port (RFC 5425; 0 = any free port).'),
        cert: z.string().min(1).describe('Server certificate chain, PEM file.'),
        key: z.string().min(1).describe('Private key of the certificate, PEM file.'),
        ca: z
          .string()
          .min(1)
          .optional()
          .describe('CA certificates (PEM file) that client certificates must chain to.'),
        client_auth: z.boolean().default(false).describe('Require a client certificate signed by `ca`.'),
        reload_interval_ms: z
          .number()
          .int()
          .nonnegative()
          .default(5000)
          .describe('How often cert, key and ca are checked for a rotation (0: never; a restart reloads).'),
      })
      .strict()
      .optional()
      .describe('Also listen for syslog over TLS; absent = no TLS listener.'),
    max_message_bytes: z
      .number()
      .int()
      .min(480) // RFC 5424 §6.1: receivers must accept 480 octets
      .max(16 * 1024 * 1024)
      .default(64 * 1024)
      .describe('Largest message accepted; longer frames and datagrams are rejected (`oversized`).'),
    batch_max_events: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Records per batch handed to the pipeline, at most.'),
    batch_max_wait_ms: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(50)
      .describe('How long a partial batch waits for more records before it is handed over.'),
    max_connections: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Open TCP and TLS connections, at most; more are refused.'),
  })
  .strict()
  .refine((c) => c.udp_port !== null || c.tcp_port !== null || c.tls !== undefined, {
    message: 'no listener: set udp_port, tcp_port or tls',
  })
  .refine((c) => !c.tls?.client_auth || c.tls.ca !== undefined, {
    message: 'tls.client_auth needs tls.ca (the CA that signs client certificates)',
    path: ['tls', 'ca'],
  });

export type SyslogConfig = z.infer<typeof syslogConfigSchema>;

/** Batches of one TCP/TLS connection submitted and not yet acknowledged, at most, before it pauses. */
export const CONNECTION_WINDOW_BATCHES = 2;

// ---------------------------------------------------------------------------------------------
// The source

export interface SyslogPorts {
  udp?: number;
  tcp?: number;
  tls?: number;
}

export class SyslogSource implements Source {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private tlsServer: TlsServer | undefined;
  private certs: CertReloader | undefined;
  private readonly bound: SyslogPorts = {};
  private readonly connections = new Set<StreamConnection>();
  private readonly inflight = new Set<Promise<void>>();
  private udpPending: RawRecord[] = [];
  private udpTimer: NodeJS.Timeout | undefined;
  private datagrams = 0;
  private stopping = false;

  constructor(
    readonly name: string,
    readonly config: SyslogConfig,
    private readonly ctx: SourceContext,
  ) {}

  async start(): Promise<void> {
    const { config } = this;
    try {
      if (config.udp_port !== null) await this.startUdp(config.udp_port);
      if (config.tcp_port !== null) {
        this.tcp = createServer((socket) => this.accept(socket, 'tcp'));
        this.bound.tcp = await listen(this.tcp, config.tcp_port, config.address);
      }
      if (config.tls) {
        const tls = config.tls;
        // Certificates are watched and swapped without a restart (api/tls.ts).
        this.certs = new CertReloader(
          { cert: tls.cert, key: tls.key, client_ca: tls.ca, require_client_cert: tls.client_auth },
          { log: this.ctx.log, name: `syslog ${this.name}`, intervalMs: tls.reload_interval_ms },
        );
        this.tlsServer = createTlsServer({
          ...this.certs.serverOptions(),
          requestCert: tls.client_auth,
          rejectUnauthorized: tls.client_auth,
        });
        this.certs.attach(this.tlsServer);
        this.tlsServer.on('secureConnection', (socket) => this.accept(socket, 'tls'));
        this.tlsServer.on('tlsClientError', (error, socket) =>
          this.ctx.log.warn(
            { source: this.name, peer: peerOf(socket), err: error.message },
            'syslog TLS handshake failed',
          ),
        );
        this.bound.tls = await listen(this.tlsServer, tls.port, config.address);
      }
    } catch (error) {
      await this.closeListeners();
      throw error;
    }
    this.ctx.log.info({ source: this.name, listening: this.describe() }, 'syslog source receiving');
  }

  private startUdp(udpPort: number): Promise<void> {
    const socket = createSocket({ type: this.config.address.includes(':') ? 'udp6' : 'udp4' });
    this.udp = socket;
    socket.on('message', (datagram, rinfo) => this.onDatagram(datagram, rinfo));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(udpPort, this.config.address, () => {
        socket.off('error', reject);
        socket.on('error', (error) =>
          this.ctx.log.warn({ source: this.name, err: error.message }, 'syslog UDP error'),
        );
        this.bound.udp = socket.address().port;
        resolve();
      });
    });
  }

  /** The actual bound ports (port 0 in the config picks a free one). */
  ports(): SyslogPorts {
    return { ...this.bound };
  }

  describe(): string {
    const { address } = this.config;
    const host = address.includes(':') ? `[${address}]` : address;
    const parts = (['udp', 'tcp', 'tls'] as const)
      .filter((k) => this.bound[k] !== undefined)
      .map((k) => `${k} ${host}:${this.bound[k]}`);
    return parts.length > 0 ? `syslog ${parts.join(', ')}` : 'syslog (not listening)';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const closed = this.closeListeners();
    if (this.udpTimer) clearTimeout(this.udpTimer);
    this.udpTimer = undefined;
    this.flushUdp();
    // Connections stop reading, hand over what they have framed, then close.
    await Promise.all([...this.connections].map((c) => c.shutdown()));
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await closed;
    this.ctx.log.info({ source: this.name }, 'syslog source stopped');
  }

  private async closeListeners(): Promise<void> {
    this.certs?.close();
    this.certs = undefined;
    const waits: Promise<void>[] = [];
    for (const server of [this.tcp, this.tlsServer]) {
      if (server?.listening) waits.push(new Promise((resolve) => server.close(() => resolve())));
    }
    if (this.udp) {
      const udp = this.udp;
      this.udp = undefined;
      waits.push(
        new Promise<void>((resolve) => {
          try {
            udp.close(() => resolve());
          } catch {
            resolve(); // never bound: nothing to close
          }
        }),
      );
    }
    await Promise.all(waits);
    for (const kind of ['udp', 'tcp', 'tls'] as const) delete this.bound[kind];
  }

  private accept(socket: Socket, kind: 'tcp' | 'tls'): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.config.max_connections) {
      this.ctx.log.warn(
        { source: this.name, peer: peerOf(socket), max_connections: this.config.max_connections },
        'syslog connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    const connection = new StreamConnection(this, socket, kind);
    this.connections.add(connection);
    void connection.finished.then(() => this.connections.delete(connection));
  }

  private onDatagram(datagram: Buffer, rinfo: { address: string; port: number }): void {
    if (this.stopping) return;
    const number = ++this.datagrams;
    const peer = formatPeer(rinfo.address, rinfo.port);
    if (datagram.length > this.config.max_message_bytes) {
      this.countFramingError('oversized', `udp ${peer} datagram ${number}`, `${datagram.length} bytes`);
      return;
    }
    const messages = splitDatagram(datagram);
    messages.forEach((bytes, index) => {
      this.ctx.metrics.received.inc({ source: this.name });
      this.udpPending.push({
        text: bytes.toString('utf8'), // invalid UTF-8 becomes U+FFFD; the parser decides
        position: `udp ${peer} datagram ${number}${messages.length > 1 ? ` message ${index + 1}` : ''}`,
        format: 'syslog',
      });
    });
    if (this.udpPending.length >= this.config.batch_max_events) this.flushUdp();
    else if (!this.udpTimer && this.udpPending.length > 0)
      this.udpTimer = setTimeout(() => {
        this.udpTimer = undefined;
        this.flushUdp();
      }, this.config.batch_max_wait_ms);
  }

  private flushUdp(): void {
    while (this.udpPending.length > 0) {
      const records = this.udpPending.splice(0, this.config.batch_max_events);
      // UDP cannot slow its senders: a full pipeline means dropping, counted.
      void this.submit(records, false);
    }
  }

  /**
   * Hand a batch to the pipeline (used by the connections too); resolves when it is acknowledged
   * or has failed, never rejects: failures are counted (`overloaded`, `sink_error`) and logged.
   */
  submit(records: RawRecord[], wait: boolean): Promise<void> {
    let submitted: Promise<unknown>;
    try {
      submitted = this.ctx.sink.submit({ source: this.name, records }, { wait });
    } catch (error) {
      submitted = Promise.reject(error);
    }
    const done = submitted.then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof OverloadedError || error instanceof UnavailableError) {
          this.ctx.metrics.reject(
            this.name,
            error instanceof OverloadedError ? 'overloaded' : 'unavailable',
            records.length,
            {
              position: records[0]?.position,
              message: `${error.message}: ${records.length} UDP records dropped`,
              raw: records[0]?.text,
            },
          );
        } else {
          this.ctx.metrics.reject(this.name, 'sink_error', records.length, {
            position: records[0]?.position,
            message: String(error),
            raw: records[0]?.text,
          });
          this.ctx.log.error(
            { source: this.name, records: records.length, first: records[0]?.position, err: String(error) },
            'syslog batch not stored',
          );
        }
      },
    );
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return done;
  }

  /**
   * A frame that never became a record: counted as received and rejected with the reason. Logged
   * at warn only when `loud` (the first per connection), so a stream of garbage cannot flood the log;
   * the counter has them all.
   */
  countFramingError(reason: string, position: string, detail: string, loud = false): void {
    this.ctx.metrics.received.inc({ source: this.name });
    this.ctx.metrics.reject(this.name, reason, 1, { position, message: detail });
    this.ctx.log[loud ? 'warn' : 'debug'](
      { source: this.name, position, reason, detail },
      'syslog frame rejected',
    );
  }

  get metrics() {
    return this.ctx.metrics;
  }

  get log() {
    return this.ctx.log;
  }
}

/** One TCP or TLS connection: frames its bytes, batches the frames, pauses while its window is full. */
class StreamConnection {
  private readonly framer: SyslogFramer;
  private readonly peer: string;
  private pending: RawRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The partial batch has waited batch_max_wait_ms: hand it over as soon as the window allows. */
  private due = false;
  private inflightBatches = 0;
  private frames = 0;
  private framingErrors = 0;
  private ended = false;
  private paused = false;
  private resolveFinished!: () => void;
  /** Resolves once the connection is closed and all its batches are acknowledged. */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));
  private closed = false;

  constructor(
    private readonly source: SyslogSource,
    private readonly socket: Socket,
    private readonly kind: 'tcp' | 'tls',
  ) {
    this.framer = new SyslogFramer(source.config.max_message_bytes);
    this.peer = peerOf(socket);
    socket.setKeepAlive(true, 60_000); // senders keep connections open for days: notice dead ones
    socket.on('data', (chunk: Buffer) => this.onFrames(this.framer.push(chunk)));
    socket.on('end', () => this.finish());
    socket.on('error', (error) => {
      source.log.debug(
        { source: source.name, peer: this.peer, err: error.message },
        'syslog connection error',
      );
      this.finish();
    });
    socket.on('close', () => {
      this.closed = true;
      this.finish();
    });
  }

  private onFrames(events: FramerEvent[]): void {
    const { config } = this.source;
    for (const event of events) {
      const position = `${this.kind} ${this.peer} frame ${++this.frames}`;
      if (event.type === 'error') {
        this.source.countFramingError(event.reason, position, event.detail, this.framingErrors++ === 0);
        continue;
      }
      this.source.metrics.received.inc({ source: this.source.name });
      this.pending.push({ text: event.bytes.toString('utf8'), position, format: 'syslog' });
    }
    if (this.pending.length > 0 && !this.timer && !this.due && config.batch_max_wait_ms > 0)
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, config.batch_max_wait_ms);
    if (config.batch_max_wait_ms === 0) this.due = true;
    this.pump();
  }

  /** Submit what may be submitted, then pause or resume reading to match. */
  private pump(): void {
    const { batch_max_events: max } = this.source.config;
    while (
      this.pending.length > 0 &&
      this.inflightBatches < CONNECTION_WINDOW_BATCHES &&
      (this.pending.length >= max || this.due || this.ended)
    ) {
      const records = this.pending.splice(0, max);
      if (this.pending.length === 0) {
        this.due = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.inflightBatches++;
      void this.source.submit(records, true).then(() => {
        this.inflightBatches--;
        this.pump();
      });
    }
    if (this.ended) {
      if (this.pending.length === 0 && this.inflightBatches === 0) {
        if (!this.closed) this.socket.destroy();
        this.resolveFinished();
      }
      return;
    }
    const full = this.inflightBatches >= CONNECTION_WINDOW_BATCHES || this.pending.length >= max;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The peer closed (or the connection failed): deliver the last frame, then drain. */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onFrames(this.framer.end());
  }

  /** Stop reading now (Vigil is stopping): hand over what was framed, wait for it, close. */
  shutdown(): Promise<void> {
    this.socket.pause();
    this.socket.removeAllListeners('data');
    this.finish();
    return this.finished;
  }
}

function listen(server: Server, listenPort: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, address, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function peerOf(socket: Socket): string {
  return formatPeer(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0);
}

function formatPeer(address: string, peerPort: number): string {
  return address.includes(':') ? `[${address}]:${peerPort}` : `${address}:${peerPort}`;
}

export const syslogSource: SourceType<typeof syslogConfigSchema> = {
  type: 'syslog',
  description: 'Receives syslog (RFC 5424 and RFC 3164) over UDP, TCP (RFC 6587 framing) and TLS (RFC 5425).',
  schema: syslogConfigSchema,
  create: (name, config, ctx) => new SyslogSource(name, config, ctx),
};
