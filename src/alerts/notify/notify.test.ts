/**
 * Notification channels against real receivers on loopback: a node:http server verifying the
 * webhook HMAC, the Slack payload shape, an smtp-server receiving mail over STARTTLS with AUTH,
 * UDP and TCP syslog sockets receiving RFC 5424 + CEF; and the dispatcher's routing, rate limit
 * (held-back counts summarized, never lost) and retries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer } from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../../telemetry/log.js';
import { newAlert, type Alert } from '../model.js';
import { testSignal } from '../testing.js';
import { DeliveryError, deliverySchema, type Channel, type Notification } from './channel.js';
import { Dispatcher } from './dispatcher.js';
import { emailOptionsSchema, EmailChannel } from './email.js';
import { slackOptionsSchema, SlackChannel, slackPayload } from './slack.js';
import { cefUnescape, cefValue, syslogOptionsSchema, SyslogChannel } from './syslog.js';
import { verifyWebhook, webhookOptionsSchema, WebhookChannel } from './webhook.js';
import { matchSchema } from '../match.js';

const SECRET = 'a-very-secret-webhook-key';

function alert(overrides: Parameters<typeof testSignal>[0] = {}, id = '01HZZZZZZZZZZZZZZZZZZZZZZZ'): Alert {
  return newAlert(id, testSignal(overrides), 1_700_000_000_000, 100);
}

async function httpReceiver(
  answer: (req: IncomingMessage, body: Buffer, n: number) => number = () => 200,
): Promise<{
  url: string;
  requests: { headers: IncomingMessage['headers']; body: Buffer }[];
  close: () => Promise<void>;
}> {
  const requests: { headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ headers: req.headers, body });
      res.statusCode = answer(req, body, requests.length);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('signed webhook: a real HTTP receiver verifies the HMAC over timestamp and body', async () => {
  const rx = await httpReceiver();
  try {
    const options = webhookOptionsSchema.parse({ type: 'webhook', url: rx.url, secret: SECRET });
    const channel = new WebhookChannel('soc', options);
    await channel.send({ event: 'created', alert: alert() });
    assert.equal(rx.requests.length, 1);
    const { headers, body } = rx.requests[0]!;
    assert.deepEqual(verifyWebhook(SECRET, headers, body, Date.now()), { ok: true });
    assert.match(String(headers['x-vigil-signature']), /^sha256=[0-9a-f]{64}$/);
    const parsed = JSON.parse(body.toString()) as { type: string; alert: Alert };
    assert.equal(parsed.type, 'vigil.alert.created');
    assert.equal(parsed.alert.rule.id, 'rule-1');
    // Tampering with the body, the timestamp or the key fails verification.
    const tampered = Buffer.from(body.toString().replace('WS01', 'WS02'));
    assert.equal(verifyWebhook(SECRET, headers, tampered, Date.now()).ok, false);
    const shifted = { ...headers, 'x-vigil-timestamp': String(Number(headers['x-vigil-timestamp']) + 1) };
    assert.equal(verifyWebhook(SECRET, shifted, body, Date.now()).ok, false);
    assert.equal(verifyWebhook('another-secret-key-123', headers, body, Date.now()).ok, false);
    assert.deepEqual(verifyWebhook(SECRET, headers, body, Date.now() + 3_600_000), {
      ok: false,
      reason: 'timestamp outside the tolerance (replay?)',
    });
  } finally {
    await rx.close();
  }
});

test('webhook failures: 5xx transient, 4xx permanent, refused connection transient; no URL in errors', async () => {
  const rx = await httpReceiver((_req, _body, n) => (n === 1 ? 503 : 400));
  try {
    const channel = new WebhookChannel(
      'soc',
      webhookOptionsSchema.parse({ type: 'webhook', url: `${rx.url}?token=s3cr3t`, secret: SECRET }),
    );
    const first = await channel.send({ event: 'created', alert: alert() }).catch((e: unknown) => e);
    assert.ok(first instanceof DeliveryError && first.transient && /HTTP 503/.test(first.message));
    const second = await channel.send({ event: 'created', alert: alert() }).catch((e: unknown) => e);
    assert.ok(second instanceof DeliveryError && !second.transient);
    assert.ok(!/s3cr3t|127\.0\.0\.1/.test((second as Error).message));
  } finally {
    await rx.close();
  }
  const dead = new WebhookChannel(
    'soc',
    webhookOptionsSchema.parse({ type: 'webhook', url: 'http://127.0.0.1:1/x', secret: SECRET }),
  );
  const error = await dead.send({ event: 'created', alert: alert() }).catch((e: unknown) => e);
  assert.ok(error instanceof DeliveryError && error.transient, String(error));
});

test('Slack payload: text fallback and blocks, with mrkdwn escaped', async () => {
  const a = alert({ summary: 'cmd <script> & "x"', entities: { host: 'WS<1>' } });
  const payload = slackPayload(
    { event: 'created', alert: a, suppressed: { count: 3, since: 0, rules: { r: 3 } } },
    'https://v/alerts/',
  );
  assert.equal(payload.text, '[MEDIUM] Suspicious PowerShell (host=WS<1>)');
  assert.deepEqual(
    payload.blocks.map((b) => b.type),
    ['header', 'section', 'section', 'context', 'context'],
  );
  const summary = payload.blocks[1] as unknown as { text: { text: string } };
  assert.equal(summary.text.text, 'cmd &lt;script&gt; &amp; "x"');
  const fields = (payload.blocks[2] as unknown as { fields: { type: string; text: string }[] }).fields;
  assert.ok(fields.every((f) => f.type === 'mrkdwn'));
  assert.ok(fields.some((f) => f.text === '*Entities*\nhost=WS&lt;1&gt;'));
  assert.match(JSON.stringify(payload.blocks[3]), /<https:\/\/v\/alerts\/01HZ/);
  assert.match(JSON.stringify(payload.blocks[4]), /3 more notification\(s\) held back/);
  // And it is what goes over the wire.
  const rx = await httpReceiver();
  try {
    await new SlackChannel('chat', slackOptionsSchema.parse({ type: 'slack', url: rx.url })).send({
      event: 'created',
      alert: a,
    });
    const sent = JSON.parse(rx.requests[0]!.body.toString()) as { text: string; blocks: unknown[] };
    assert.equal(sent.text, payload.text);
    assert.equal(sent.blocks.length, 4);
  } finally {
    await rx.close();
  }
});

test('email: a real SMTP server receives the alert over STARTTLS with AUTH; the password is never in errors', async () => {
  const mails: { from: string; to: string[]; data: string; secure: boolean; user: string }[] = [];
  const server = new SMTPServer({
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'vigil' && auth.password === 'p4ssw0rd-secret')
        return callback(null, { user: 'vigil' });
      return callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString(),
          secure: session.secure,
          user: String(session.user),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const base = {
    type: 'email',
    host: '127.0.0.1',
    port,
    require_tls: true,
    tls: { reject_unauthorized: false },
    user: 'vigil',
    from: 'vigil@example.org',
    to: ['soc@example.org'],
    timeout_ms: 5000,
  };
  try {
    const channel = new EmailChannel(
      'mail',
      emailOptionsSchema.parse({ ...base, password: 'p4ssw0rd-secret' }),
    );
    await channel.send({ event: 'created', alert: alert() });
    await channel.close();
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.equal(mail.secure, true, 'STARTTLS was used');
    assert.equal(mail.user, 'vigil');
    assert.equal(mail.from, 'vigil@example.org');
    assert.deepEqual(mail.to, ['soc@example.org']);
    assert.match(mail.data, /Subject: \[Vigil\] \[MEDIUM\] Suspicious PowerShell \(host=WS01 user=alice\)/);
    assert.match(mail.data, /X-Vigil-Alert-Id: 01HZZZZZZZZZZZZZZZZZZZZZZZ/i);
    assert.match(mail.data, /Techniques: T1059\.001/);
    const wrong = new EmailChannel(
      'mail',
      emailOptionsSchema.parse({ ...base, password: 'wrong-secret-pw' }),
    );
    const error = await wrong.send({ event: 'created', alert: alert() }).catch((e: unknown) => e);
    await wrong.close();
    assert.ok(error instanceof DeliveryError, String(error));
    assert.ok(!/wrong-secret-pw/.test(error.message), error.message);
    assert.equal(error.transient, false, '535 is permanent');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

const nasty = alert({
  summary: 'a=b | c\\d\nnext\rline',
  entities: { src_ip: '10.1.2.3', dst_ip: 'not-an-ip', host: 'WS|01', user: 'dom\\al=ice' },
  rule: { id: 'rule|x\\y', title: 'Title | pipe', level: 'high', tags: [] },
});

/** The CEF extension as key → unescaped value. */
function extension(cef: string): Record<string, string> {
  const ext = cef
    .split(/(?<!\\)\|/)
    .slice(7)
    .join('|');
  const out: Record<string, string> = {};
  for (const m of ext.matchAll(/(\w+)=((?:[^\\=]|\\.)*?)(?= \w+=|$)/g)) out[m[1]!] = cefUnescape(m[2]!);
  return out;
}

test('CEF escaping: header pipes and backslashes, extension equals and line breaks', () => {
  assert.equal(cefValue('a=b\\c\nd\re'), 'a\\=b\\\\c\\nd\\re');
  assert.equal(cefUnescape(cefValue('a=b\\c\nd\re|')), 'a=b\\c\nd\re|');
});

test('syslog over UDP: RFC 5424 header and a CEF payload that parses back', async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const received = new Promise<string>((r) => socket.once('message', (m) => r(m.toString())));
  const options = syslogOptionsSchema.parse({
    type: 'syslog',
    host: '127.0.0.1',
    port: socket.address().port,
    facility: 'local4',
  });
  const channel = new SyslogChannel('siem', options, () => Date.UTC(2024, 4, 1, 12));
  try {
    await channel.send({ event: 'created', alert: nasty });
    const text = await received;
    // <PRI> = local4 (20) * 8 + err (3) = 163
    assert.match(text, /^<163>1 2024-05-01T12:00:00\.000Z \S+ vigil \d+ alert - CEF:0\|Vigil\|Vigil\|/);
    const cef = text.slice(text.indexOf('CEF:0'));
    const header = cef.split(/(?<!\\)\|/);
    assert.equal(header[4], 'rule\\|x\\\\y');
    assert.equal(
      header[5],
      String.raw`[HIGH] Title \| pipe (src_ip=10.1.2.3 dst_ip=not-an-ip host=WS\|01 user=dom\\al=ice)`,
    );
    assert.equal(header[6], '8');
    const ext = extension(cef);
    assert.equal(ext.src, '10.1.2.3');
    assert.equal(ext.dst, undefined, 'not an IP: not put in dst');
    assert.equal(ext.dhost, 'WS|01');
    assert.equal(ext.duser, 'dom\\al=ice');
    assert.equal(ext.msg, 'a=b | c\\d\nnext\rline');
    assert.equal(ext.cs1, 'rule|x\\y');
    assert.ok(!/[\r\n]/.test(text), 'one line');
  } finally {
    await channel.close();
    socket.close();
  }
});

test('syslog over TCP: octet-counting frames, reconnect after the receiver drops the connection', async () => {
  const frames: string[] = [];
  let connections = 0;
  const server = createTcpServer((conn) => {
    connections++;
    let buf = Buffer.alloc(0);
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString());
        if (buf.length - sp - 1 < len) break;
        frames.push(buf.subarray(sp + 1, sp + 1 + len).toString());
        buf = buf.subarray(sp + 1 + len);
        if (frames.length === 2) conn.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const channel = new SyslogChannel(
    'siem',
    syslogOptionsSchema.parse({ type: 'syslog', host: '127.0.0.1', port, protocol: 'tcp' }),
  );
  try {
    await channel.send({ event: 'created', alert: nasty });
    await channel.send({ event: 'escalated', alert: alert() });
    await new Promise((r) => setTimeout(r, 50));
    await channel
      .send({ event: 'created', alert: alert() })
      .catch(() => channel.send({ event: 'created', alert: alert() }));
    const deadline = Date.now() + 3000;
    while (frames.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(frames.length, 3);
    assert.equal(connections, 2);
    assert.equal(extension(frames[0]!.slice(frames[0]!.indexOf('CEF:0'))).msg, 'a=b | c\\d\nnext\rline');
    assert.match(frames[1]!, /act=escalated/);
    // The frame length counts bytes, not characters.
    const multibyte = alert({ summary: 'ünïcödé ✓' });
    await channel.send({ event: 'created', alert: multibyte });
    while (frames.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(frames[3]!, /msg=ünïcödé ✓/);
  } finally {
    await channel.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** A channel recording what it is given, failing as told. */
class FakeChannel implements Channel {
  readonly type = 'fake';
  sent: Notification[] = [];
  attempts = 0;
  constructor(
    readonly name: string,
    private readonly fail: (attempt: number) => DeliveryError | undefined = () => undefined,
  ) {}
  async send(message: Notification): Promise<void> {
    this.attempts++;
    const error = this.fail(this.attempts);
    if (error) throw error;
    this.sent.push(structuredClone(message));
  }
  async close(): Promise<void> {}
}

const delivery = (raw: unknown = {}) => deliverySchema.parse(raw);
const route = (raw: Record<string, unknown>) => ({
  match: matchSchema.parse(raw.match ?? {}),
  channels: raw.channels as string[],
  events: ['created', 'escalated'] as ('created' | 'escalated')[],
});

test('routing: min severity, tactics, rule globs pick the channels', async () => {
  const high = new FakeChannel('high');
  const exec = new FakeChannel('exec');
  const d = new Dispatcher(
    new Map([
      ['high', { channel: high, delivery: delivery() }],
      ['exec', { channel: exec, delivery: delivery() }],
    ]),
    [
      route({ match: { min_severity: 'high' }, channels: ['high'] }),
      route({ match: { tactics: ['execution'], rules: ['rule-*'] }, channels: ['exec', 'high'] }),
    ],
    { log: silentLogger },
  );
  d.notify(alert(), 'created');
  d.notify(
    alert({
      rule: { id: 'zzz', title: 't', level: 'critical', tags: [] },
      attack: { tactics: [], techniques: [] },
    }),
    'created',
  );
  d.notify(alert({ rule: { id: 'zzz', title: 't', level: 'low', tags: [] } }), 'created');
  await d.drain();
  assert.deepEqual(
    high.sent.map((m) => m.alert!.rule.id),
    ['rule-1', 'zzz'],
  );
  assert.deepEqual(
    exec.sent.map((m) => m.alert!.rule.id),
    ['rule-1'],
  );
  assert.throws(
    () => new Dispatcher(new Map(), [route({ channels: ['nope'] })], { log: silentLogger }),
    /unknown channel 'nope'/,
  );
});

test('rate limit: the excess is counted and summarized in the next message', async () => {
  let now = 0;
  const fake = new FakeChannel('c');
  const d = new Dispatcher(
    new Map([['c', { channel: fake, delivery: delivery({ rate_limit: { per_minute: 6, burst: 2 } }) }]]),
    [route({ channels: ['c'] })],
    { log: silentLogger, now: () => now },
  );
  for (let i = 0; i < 7; i++)
    d.notify(alert({ rule: { id: i < 5 ? 'a' : 'b', title: 't', level: 'high', tags: [] } }), 'created');
  await d.drain();
  assert.equal(fake.sent.length, 2);
  assert.equal(d.stats().c!.rate_limited, 5);
  // Ten seconds later one token is back: the next message carries the summary.
  now += 10_000;
  d.notify(alert(), 'created');
  await d.drain();
  assert.equal(fake.sent.length, 3);
  assert.deepEqual(fake.sent[2]!.suppressed, { count: 5, since: 0, rules: { a: 3, b: 2 } });
  // Held back again, then no further alert: the periodic flush sends a summary on its own.
  d.notify(alert(), 'created');
  now += 10_000;
  d.flushHeldBack();
  await d.drain();
  assert.equal(fake.sent[3]!.event, 'summary');
  assert.equal(fake.sent[3]!.suppressed!.count, 1);
  d.flushHeldBack();
  await d.drain();
  assert.equal(fake.sent.length, 4, 'nothing held back, no summary');
});

test('retries: transient failures are retried with growing backoff, permanent ones are not; secrets never logged', async () => {
  const sleeps: number[] = [];
  const flaky = new FakeChannel('flaky', (n) =>
    n <= 2 ? new DeliveryError('flaky', 'HTTP 503', true) : undefined,
  );
  const broken = new FakeChannel('broken', () => new DeliveryError('broken', 'HTTP 401', false));
  const down = new FakeChannel('down', () => new DeliveryError('down', 'request failed: ECONNREFUSED', true));
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
  );
  const retry = { retry: { attempts: 4, initial_ms: 100, max_ms: 250 } };
  const d = new Dispatcher(
    new Map([
      ['flaky', { channel: flaky, delivery: delivery(retry) }],
      ['broken', { channel: broken, delivery: delivery(retry) }],
      ['down', { channel: down, delivery: delivery(retry) }],
    ]),
    [route({ channels: ['flaky', 'broken', 'down'] })],
    { log, sleep: async (ms) => void sleeps.push(ms), random: () => 0.999 },
  );
  d.notify(alert(), 'created');
  await d.drain();
  const stats = d.stats();
  assert.deepEqual([stats.flaky!.sent, stats.flaky!.retried, stats.flaky!.failed], [1, 2, 0]);
  assert.deepEqual([broken.attempts, stats.broken!.failed, stats.broken!.retried], [1, 1, 0]);
  assert.deepEqual([down.attempts, stats.down!.failed], [4, 1]);
  // 100·2^(n-1) capped at 250, times the jitter.
  assert.deepEqual(
    sleeps.sort((a, b) => a - b),
    [99, 99, 199, 199, 249],
  );
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => !l.includes(SECRET)));
});
