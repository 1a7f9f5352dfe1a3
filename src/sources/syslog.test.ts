import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { parseSyslog } from '../parsers/syslog.js';
import { silentLogger } from '../telemetry/log.js';
import { Metrics } from '../telemetry/metrics.js';
import { OverloadedError, type BatchResult, type RawRecord, type Sink, type SourceBatch } from './source.js';
import {
  CONNECTION_WINDOW_BATCHES,
  splitDatagram,
  SyslogFramer,
  syslogConfigSchema,
  SyslogSource,
  syslogSource,
  type FramerEvent,
} from './syslog.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A pipeline stand-in: records every batch, acknowledges after `delayMs`, can fail on demand. */
class FakeSink implements Sink {
  readonly batches: { batch: SourceBatch; wait: boolean }[] = [];
  inflight = 0;
  maxInflight = 0;
  acked = 0;
  /** Called before acknowledging; throw (or return a rejected promise) to fail the submit. */
  failWith: ((batch: SourceBatch, wait: boolean) => void) | undefined;

  constructor(public delayMs = 0) {}

  submit(batch: SourceBatch, options?: { wait?: boolean }): Promise<BatchResult> {
    const wait = options?.wait ?? true;
    this.batches.push({ batch, wait });
    this.failWith?.(batch, wait); // synchronous throws reach the caller, as the contract allows
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    return (async () => {
      try {
        if (this.delayMs > 0) await sleep(this.delayMs);
      } finally {
        this.inflight--;
      }
      this.acked += batch.records.length;
      return { accepted: batch.records.length, rejected: 0, errors: [] };
    })();
  }

  get records(): RawRecord[] {
    return this.batches.flatMap((b) => b.batch.records);
  }
}

interface Harness {
  source: SyslogSource;
  sink: FakeSink;
  metrics: Metrics;
}

const running: SyslogSource[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function startSource(options: Record<string, unknown> = {}, sink = new FakeSink()): Promise<Harness> {
  const metrics = new Metrics();
  const config = syslogConfigSchema.parse({ type: 'syslog', udp_port: 0, tcp_port: 0, ...options });
  const source = new SyslogSource('syslog_test', config, {
    sink,
    metrics,
    log: silentLogger,
    dataDir: tmpdir(),
  });
  await source.start();
  running.push(source);
  return { source, sink, metrics };
}

async function counter(metrics: Metrics, name: 'received' | 'rejected', reason?: string): Promise<number> {
  const { values } = await metrics[name].get();
  return values
    .filter((v) => {
      const labels = v.labels as Record<string, string | number | undefined>;
      return labels.source === 'syslog_test' && (reason === undefined || labels.reason === reason);
    })
    .reduce((sum, v) => sum + v.value, 0);
}

function tcpClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

function endSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.end(() => resolve()));
}

async function sendTcp(port: number, ...chunks: (string | Buffer)[]): Promise<void> {
  const socket = await tcpClient(port);
  for (const chunk of chunks) {
    socket.write(chunk);
    if (chunks.length > 1) await sleep(15); // separate reads on the server side
  }
  await endSocket(socket);
}

function sendUdp(port: number, ...datagrams: (string | Buffer)[]): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let pending = datagrams.length;
    for (const d of datagrams)
      socket.send(d, port, '127.0.0.1', (error) => {
        if (error) reject(error);
        if (--pending === 0) socket.close(() => resolve());
      });
  });
}

const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

// ---------------------------------------------------------------------------------------------

describe('SyslogFramer', () => {
  const frames = (events: FramerEvent[]) =>
    events.flatMap((e) => (e.type === 'frame' ? [e.bytes.toString('latin1')] : []));
  const errors = (events: FramerEvent[]) => events.flatMap((e) => (e.type === 'error' ? [e.reason] : []));
  const run = (max: number, ...chunks: (string | Buffer)[]) => {
    const framer = new SyslogFramer(max);
    const events = chunks.flatMap((c) => framer.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
    return { framer, events: [...events, ...framer.end()] };
  };

  test('a leading digit selects octet counting, anything else LF framing', () => {
    const counted = new SyslogFramer(100);
    counted.push(Buffer.from('5 <1>a'));
    assert.equal(counted.framing, 'octet-counting');
    const delimited = new SyslogFramer(100);
    delimited.push(Buffer.from('<1>a\n'));
    assert.equal(delimited.framing, 'non-transparent');
  });

  test('octet counting: frames may contain LF and straddle any chunk boundary', () => {
    const stream = octet('<13>1 - - - - - - one\nline') + octet('<13>1 - - - - - - two\n') + octet('<13>x');
    const expected = ['<13>1 - - - - - - one\nline', '<13>1 - - - - - - two\n', '<13>x'];
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 7) {
        const { events } = run(100, stream.slice(0, cut), stream.slice(cut, cut2), stream.slice(cut2));
        assert.deepEqual(frames(events), expected, `cuts ${cut}/${cut2}`);
        assert.deepEqual(errors(events), []);
      }
    }
  });

  test('octet counting tolerates a terminator after each frame (senders that add LF)', () => {
    const { events } = run(100, `${octet('<1>a')}\n${octet('<1>b')}\r\n\0${octet('<1>c')}`);
    assert.deepEqual(frames(events), ['<1>a', '<1>b', '<1>c']);
  });

  test('octet counting: an oversized frame is skipped exactly, the next one delivered', () => {
    const big = `<13>${'x'.repeat(600)}`;
    const stream = octet(big) + octet('<13>next');
    for (const cut of [0, 3, 4, 100, 604, stream.length - 3]) {
      const { events } = run(480, stream.slice(0, cut), stream.slice(cut));
      assert.deepEqual(errors(events), ['oversized'], `cut ${cut}`);
      assert.deepEqual(frames(events), ['<13>next'], `cut ${cut}`);
    }
    // exactly the limit is accepted
    const fits = `<13>${'y'.repeat(476)}`;
    assert.deepEqual(frames(run(480, octet(fits)).events), [fits]);
  });

  test('octet counting: a bad length prefix resynchronizes at the next `LEN SP <`', () => {
    const { events } = run(100, `12x4 junk 77 99 ${octet('<13>good')}`);
    assert.deepEqual(errors(events), ['bad_framing']);
    assert.deepEqual(frames(events), ['<13>good']);
    // a leading zero is not a length
    assert.deepEqual(errors(run(100, `05 <13>a`).events), ['bad_framing']);
    // the resync pattern itself may straddle chunks
    const split = run(100, '9x 1', '2 ', '<13>abcdefgh');
    assert.deepEqual(errors(split.events), ['bad_framing']);
    assert.deepEqual(frames(split.events), ['<13>abcdefgh']);
  });

  test('octet counting: a stream that ends mid-frame reports truncated', () => {
    assert.deepEqual(errors(run(100, '10 <13>ab').events), ['truncated']);
    assert.deepEqual(errors(run(100, `${octet('<1>a')}12`).events), ['truncated']);
    assert.deepEqual(errors(run(100, octet('<1>a')).events), []);
  });

  test('LF framing: LF, CRLF and NUL terminate; empty lines are skipped; the last line needs no LF', () => {
    const stream = '<13>a\n<13>b\r\n\n\0<13>c\0<13>d\r\n<13>e';
    for (let cut = 0; cut <= stream.length; cut++) {
      const { events } = run(100, stream.slice(0, cut), stream.slice(cut));
      assert.deepEqual(frames(events), ['<13>a', '<13>b', '<13>c', '<13>d', '<13>e'], `cut ${cut}`);
    }
  });

  test('LF framing: an oversized line is discarded up to its LF, across chunks', () => {
    const { events } = run(480, '<13>', 'z'.repeat(300), 'z'.repeat(300), 'z\n<13>ok\n');
    assert.deepEqual(errors(events), ['oversized']);
    assert.deepEqual(frames(events), ['<13>ok']);
    const inOne = run(480, `<13>${'z'.repeat(600)}\n<13>ok\n`);
    assert.deepEqual(errors(inOne.events), ['oversized']);
    assert.deepEqual(frames(inOne.events), ['<13>ok']);
    // an oversized last line without LF is not delivered at the end either
    assert.deepEqual(frames(run(480, `<13>${'z'.repeat(600)}`).events), []);
  });

  test('frames are copies: later chunks cannot change delivered bytes', () => {
    const framer = new SyslogFramer(100);
    const chunk = Buffer.from('<13>abc\n<13>de');
    const [first] = framer.push(chunk);
    chunk.fill(0x41);
    assert.equal(first?.type === 'frame' && first.bytes.toString(), '<13>abc');
    const [second] = framer.push(Buffer.from('f\n'));
    assert.equal(second?.type === 'frame' && second.bytes.toString(), '<13>def');
  });
});

describe('splitDatagram', () => {
  const split = (s: string) => splitDatagram(Buffer.from(s)).map((b) => b.toString());

  test('one datagram, one message; trailing terminators dropped', () => {
    assert.deepEqual(split('<13>1 - - - - - - hi\n'), ['<13>1 - - - - - - hi']);
    assert.deepEqual(split('<13>a\r\n\0'), ['<13>a']);
    assert.deepEqual(split('\n'), []);
  });

  test('several messages, one per line, split only where a PRI follows the LF', () => {
    assert.deepEqual(split('<13>a: one\n<14>b: two\n<15>c: three'), [
      '<13>a: one',
      '<14>b: two',
      '<15>c: three',
    ]);
    assert.deepEqual(split('<13>a: trace\n  at x()\n  at y()\n'), ['<13>a: trace\n  at x()\n  at y()']);
    assert.deepEqual(split('<13>a: x\n<b>not a pri'), ['<13>a: x\n<b>not a pri']);
  });
});

describe('config schema', () => {
  test('defaults', () => {
    const config = syslogConfigSchema.parse({ type: 'syslog' });
    assert.deepEqual(config, {
      type: 'syslog',
      address: '127.0.0.1',
      udp_port: 5514,
      tcp_port: 5514,
      max_message_bytes: 65536,
      batch_max_events: 1000,
      batch_max_wait_ms: 50,
      max_connections: 1000,
    });
    assert.equal(syslogSource.type, 'syslog');
    assert.equal(syslogSource.schema, syslogConfigSchema);
  });

  test('TLS defaults its port; null turns a listener off', () => {
    const config = syslogConfigSchema.parse({
      type: 'syslog',
      udp_port: null,
      tcp_port: null,
      tls: { cert: 'c.pem', key: 'k.pem' },
    });
    assert.deepEqual(config.tls, {
      port: 6514,
      cert: 'c.pem',
      key: 'k.pem',
      client_auth: false,
      reload_interval_ms: 5000,
    });
    assert.equal(config.udp_port, null);
  });

  test('invalid configurations fail with the path of the bad key', () => {
    const issues = (input: unknown) => {
      const result = syslogConfigSchema.safeParse(input);
      assert.equal(result.success, false, JSON.stringify(input));
      return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    assert.match(issues({ type: 'syslog', udp_port: null, tcp_port: null }), /no listener/);
    assert.match(
      issues({ type: 'syslog', tls: { cert: 'c', key: 'k', client_auth: true } }),
      /^tls\.ca: .*client_auth/m,
    );
    assert.match(issues({ type: 'syslog', udp_port: 70000 }), /^udp_port:/m);
    assert.match(issues({ type: 'syslog', max_message_bytes: 100 }), /^max_message_bytes:/m);
    assert.match(issues({ type: 'syslog', prot: 1 }), /prot/);
    assert.match(issues({ type: 'syslog', tls: { cert: 'c' } }), /^tls\.key:/m);
  });
});

describe('UDP', () => {
  test('a datagram is a record: text, position, format; submitted without waiting', async () => {
    const { source, sink, metrics } = await startSource();
    const port = source.ports().udp!;
    await sendUdp(
      port,
      '<34>1 2026-11-22T02:49:08Z vm sshd 1234 - - Failed password for root from 203.0.113.7 port 52344 ssh2',
    );
    await waitFor('the record', () => sink.records.length === 1);
    const [record] = sink.records;
    assert.equal(
      record!.text,
      '<34>1 2026-11-22T02:49:08Z vm sshd 1234 - - Failed password for root from 203.0.113.7 port 52344 ssh2',
    );
    assert.match(record!.position, /^udp 127\.0\.0\.1:\d+ datagram 1$/);
    assert.equal(record!.format, 'syslog');
    assert.equal(sink.batches[0]!.wait, false);
    assert.equal(sink.batches[0]!.batch.source, 'syslog_test');
    assert.equal(await counter(metrics, 'received'), 1);
  });

  test('several LF-separated messages in one datagram; oversized datagrams rejected', async () => {
    const { source, sink, metrics } = await startSource({ max_message_bytes: 480 });
    const port = source.ports().udp!;
    await sendUdp(port, '<13>a: one\n<13>b: two\n', `<13>big: ${'x'.repeat(500)}`);
    await waitFor('two records', () => sink.records.length === 2);
    await waitFor('the oversized count', async () => (await counter(metrics, 'rejected', 'oversized')) === 1);
    assert.deepEqual(
      sink.records.map((r) => [r.text, r.position.replace(/:\d+ /, ':P ')]),
      [
        ['<13>a: one', 'udp 127.0.0.1:P datagram 1 message 1'],
        ['<13>b: two', 'udp 127.0.0.1:P datagram 1 message 2'],
      ],
    );
  });

  test('when the pipeline is full, datagrams are dropped and counted as overloaded', async () => {
    const sink = new FakeSink();
    let calls = 0;
    sink.failWith = () => {
      // first synchronously, then as a rejected promise: both forms are handled
      if (calls++ === 0) throw new OverloadedError(1);
      throw new OverloadedError(1);
    };
    const { source, metrics } = await startSource({ batch_max_events: 1 }, sink);
    await sendUdp(source.ports().udp!, '<13>a: 1', '<13>a: 2', '<13>a: 3');
    await waitFor('3 overloaded', async () => (await counter(metrics, 'rejected', 'overloaded')) === 3);
    assert.equal(await counter(metrics, 'received'), 3);
  });

  test('batches: up to batch_max_events, a partial one after batch_max_wait_ms', async () => {
    const { source, sink } = await startSource({ batch_max_events: 3, batch_max_wait_ms: 40 });
    const port = source.ports().udp!;
    await sendUdp(port, ...Array.from({ length: 7 }, (_, i) => `<13>a: ${i}`));
    await waitFor('7 records', () => sink.records.length === 7);
    assert.ok(sink.batches.every((b) => b.batch.records.length <= 3));
    assert.deepEqual(
      sink.records.map((r) => r.text).sort(),
      Array.from({ length: 7 }, (_, i) => `<13>a: ${i}`),
    );
  });
});

describe('TCP', () => {
  test('octet counting: several frames in one write, in order, with frame positions', async () => {
    const { source, sink, metrics } = await startSource();
    const port = source.ports().tcp!;
    const msgs = ['<13>1 - h a - - - one', '<13>1 - h a - - - two\nwith LF', '<13>1 - h a - - - three'];
    await sendTcp(port, msgs.map(octet).join(''));
    await waitFor('3 records', () => sink.records.length === 3);
    assert.deepEqual(
      sink.records.map((r) => r.text),
      msgs,
    );
    assert.deepEqual(
      sink.records.map((r) => r.position.replace(/:\d+ /, ':P ')),
      ['tcp 127.0.0.1:P frame 1', 'tcp 127.0.0.1:P frame 2', 'tcp 127.0.0.1:P frame 3'],
    );
    assert.ok(sink.batches.every((b) => b.wait));
    assert.equal(await counter(metrics, 'received'), 3);
  });

  test('LF framing: LF, CRLF, NUL; the last line without LF is delivered at close', async () => {
    const { source, sink } = await startSource();
    await sendTcp(source.ports().tcp!, '<13>a: 1\n<13>a: 2\r\n<13>a: 3\0<13>a: 4');
    await waitFor('4 records', () => sink.records.length === 4);
    assert.deepEqual(
      sink.records.map((r) => r.text),
      ['<13>a: 1', '<13>a: 2', '<13>a: 3', '<13>a: 4'],
    );
  });

  test('frames split across TCP segments are reassembled', async () => {
    const { source, sink } = await startSource();
    const stream = octet('<13>1 - h a - - - first') + octet('<13>1 - h a - - - second');
    await sendTcp(
      source.ports().tcp!,
      stream.slice(0, 2),
      stream.slice(2, 15),
      stream.slice(15, 30),
      stream.slice(30),
    );
    await sendTcp(source.ports().tcp!, '<13>a: li', 'ne one\n<13>a', ': line two\n');
    await waitFor('4 records', () => sink.records.length === 4);
    assert.deepEqual(sink.records.map((r) => r.text).sort(), [
      '<13>1 - h a - - - first',
      '<13>1 - h a - - - second',
      '<13>a: line one',
      '<13>a: line two',
    ]);
  });

  test('oversized frames are rejected and counted; the connection carries on', async () => {
    const { source, sink, metrics } = await startSource({ max_message_bytes: 480 });
    const port = source.ports().tcp!;
    await sendTcp(port, octet(`<13>${'x'.repeat(1000)}`) + octet('<13>after counted'));
    await sendTcp(port, `<13>${'y'.repeat(1000)}\n<13>after line\n`);
    await waitFor('2 records', () => sink.records.length === 2);
    assert.deepEqual(sink.records.map((r) => r.text).sort(), ['<13>after counted', '<13>after line']);
    await waitFor('2 oversized', async () => (await counter(metrics, 'rejected', 'oversized')) === 2);
    assert.equal(await counter(metrics, 'received'), 4, 'rejected frames count as received');
  });

  test('invalid UTF-8 is decoded with replacement characters and still delivered', async () => {
    const { source, sink } = await startSource();
    await sendTcp(
      source.ports().tcp!,
      Buffer.concat([Buffer.from('<13>a: bad '), Buffer.from([0xff, 0xc3]), Buffer.from('\n')]),
    );
    await waitFor('1 record', () => sink.records.length === 1);
    assert.equal(sink.records[0]!.text, '<13>a: bad \uFFFD\uFFFD');
  });

  test('a malformed frame (loggen -s 120) is counted and the stream resynchronizes', async () => {
    const { source, sink, metrics } = await startSource();
    // 20 bytes more than announced: the excess is junk before the next `LEN SP <`
    const msg = (seq: number) =>
      `<38>1 2026-11-22T02:56:39+00:00 localhost prg00000 1234 - - seq: ${seq} ${'P'.repeat(40)}`;
    const lying = (seq: number) => `${Buffer.byteLength(msg(seq)) - 20} ${msg(seq)}`;
    await sendTcp(source.ports().tcp!, lying(0) + lying(1));
    await waitFor('2 records', () => sink.records.length === 2);
    await waitFor('2 bad_framing', async () => (await counter(metrics, 'rejected', 'bad_framing')) === 2);
    assert.ok(sink.records.every((r, i) => r.text === msg(i).slice(0, -20)));
  });

  test('a slow pipeline pauses reading: bounded frames between socket and acknowledgement', async () => {
    const sink = new FakeSink(3);
    const batch = 20;
    const { source, metrics } = await startSource({ batch_max_events: batch, batch_max_wait_ms: 5 }, sink);
    const total = 6000;
    const frameText = (i: number) => `<13>1 - h a - - - ${String(i).padStart(6, '0')} ${'p'.repeat(170)}`;
    const frameBytes = Buffer.byteLength(octet(frameText(0)));
    const client = await tcpClient(source.ports().tcp!);
    let maxUnacked = 0;
    const sampler = setInterval(() => {
      void counter(metrics, 'received').then((received) => {
        maxUnacked = Math.max(maxUnacked, received - sink.acked);
      });
    }, 2);
    const payload = Array.from({ length: total }, (_, i) => octet(frameText(i))).join('');
    const written = new Promise<void>((resolve) => client.write(payload, () => resolve()));
    await written;
    const ackedWhenWritten = sink.acked;
    await endSocket(client);
    await waitFor('all frames', () => sink.acked === total, 20_000);
    clearInterval(sampler);
    const texts = sink.records.map((r) => r.text);
    assert.equal(texts.length, total);
    assert.ok(
      texts.every((t, i) => t === frameText(i)),
      'every frame once, in order',
    );
    assert.ok(sink.maxInflight <= CONNECTION_WINDOW_BATCHES, `max in flight ${sink.maxInflight} batches`);
    // Held at most: the window, one batch being filled, and what one read chunk (64 KiB) holds.
    const bound = (CONNECTION_WINDOW_BATCHES + 1) * batch + Math.ceil(65536 / frameBytes) + batch;
    assert.ok(
      maxUnacked <= bound,
      `frames received but unacknowledged reached ${maxUnacked} (bound ${bound})`,
    );
    assert.ok(maxUnacked > 0, 'the sampler saw frames in flight');
    // The sender got ahead of the pipeline: its bytes waited in socket buffers, not in Vigil.
    assert.ok(
      ackedWhenWritten < total,
      `acked ${ackedWhenWritten} of ${total} when the client finished writing`,
    );
  });

  test('a failed batch is counted (sink_error) and the connection goes on', async () => {
    const sink = new FakeSink();
    let fail = true;
    sink.failWith = () => {
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
    };
    const { source, metrics } = await startSource({ batch_max_events: 1 }, sink);
    const client = await tcpClient(source.ports().tcp!);
    client.write('<13>a: lost\n');
    await waitFor('the failure', async () => (await counter(metrics, 'rejected', 'sink_error')) === 1);
    client.write('<13>a: kept\n');
    await waitFor('the second batch', () => sink.batches.length === 2);
    assert.equal(sink.batches[1]!.batch.records[0]!.text, '<13>a: kept');
    await endSocket(client);
  });

  test('max_connections: one more is refused, the open one keeps working', async () => {
    const { source, sink } = await startSource({ max_connections: 1 });
    const port = source.ports().tcp!;
    const first = await tcpClient(port);
    first.write('<13>a: first\n');
    await waitFor('the first record', () => sink.records.length === 1);
    const second = await tcpClient(port);
    await new Promise((resolve) => second.on('close', resolve));
    first.write('<13>a: still here\n');
    await waitFor('the second record', () => sink.records.length === 2);
    await endSocket(first);
  });
});

describe('TLS (RFC 5425)', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  before(() => {
    // A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all throwaway.
    dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=vigil test CA',
    );
    writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    for (const who of ['server', 'client']) {
      openssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=vigil test ${who}`);
      openssl(
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.crt`,
        '-days',
        '2',
        ...(who === 'server' ? ['-extfile', 'server.ext'] : []),
      );
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function tlsSend(port: number, data: string, client?: { cert: Buffer; key: Buffer }): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        ca: readFileSync(file('ca.crt')),
        ...(client ?? {}),
      });
      socket.once('secureConnect', () => socket.end(data));
      socket.once('error', reject);
      socket.once('close', () => resolve());
    });
  }

  test('octet-counted frames over TLS with a certificate checked by the client', async () => {
    const { source, sink } = await startSource({
      udp_port: null,
      tcp_port: null,
      tls: { port: 0, cert: file('server.crt'), key: file('server.key') },
    });
    assert.deepEqual(Object.keys(source.ports()), ['tls']);
    assert.match(source.describe(), /^syslog tls 127\.0\.0\.1:\d+$/);
    await tlsSend(
      source.ports().tls!,
      octet('<13>1 - h a - - - over tls') + octet('<13>1 - h a - - - again'),
    );
    await waitFor('2 records', () => sink.records.length === 2);
    assert.deepEqual(
      sink.records.map((r) => r.text),
      ['<13>1 - h a - - - over tls', '<13>1 - h a - - - again'],
    );
    assert.match(sink.records[0]!.position, /^tls 127\.0\.0\.1:\d+ frame 1$/);
  });

  test('client_auth: a client without a certificate is refused, one signed by the CA accepted', async () => {
    const { source, sink } = await startSource({
      udp_port: null,
      tcp_port: null,
      tls: {
        port: 0,
        cert: file('server.crt'),
        key: file('server.key'),
        ca: file('ca.crt'),
        client_auth: true,
      },
    });
    const port = source.ports().tls!;
    await tlsSend(port, '<13>a: anonymous\n').catch(() => undefined); // TLS 1.3 reports the refusal after the handshake
    const read = (name: string) => readFileSync(file(name));
    await tlsSend(port, '<13>a: authenticated\n', { cert: read('client.crt'), key: read('client.key') });
    await waitFor('the authenticated record', () => sink.records.length >= 1);
    await sleep(50);
    assert.deepEqual(
      sink.records.map((r) => r.text),
      ['<13>a: authenticated'],
    );
  });

  test('a missing certificate file fails start() and leaves nothing listening', async () => {
    const metrics = new Metrics();
    const config = syslogConfigSchema.parse({
      type: 'syslog',
      udp_port: 0,
      tcp_port: 0,
      tls: { port: 0, cert: file('absent.crt'), key: file('server.key') },
    });
    const source = new SyslogSource('syslog_test', config, {
      sink: new FakeSink(),
      metrics,
      log: silentLogger,
      dataDir: dir,
    });
    await assert.rejects(source.start(), /ENOENT/);
  });
});

describe('lifecycle', () => {
  test('describe() and ports() name the bound addresses', async () => {
    const { source } = await startSource();
    const { udp, tcp } = source.ports();
    assert.ok(udp! > 0 && tcp! > 0);
    assert.equal(source.describe(), `syslog udp 127.0.0.1:${udp}, tcp 127.0.0.1:${tcp}`);
  });

  test('a port in use fails start()', async () => {
    const { source } = await startSource({ udp_port: null });
    const second = new SyslogSource(
      'syslog_test',
      syslogConfigSchema.parse({ type: 'syslog', udp_port: null, tcp_port: source.ports().tcp }),
      { sink: new FakeSink(), metrics: new Metrics(), log: silentLogger, dataDir: tmpdir() },
    );
    await assert.rejects(second.start(), /EADDRINUSE/);
  });

  test('stop() closes the listeners and waits for in-flight batches', async () => {
    const sink = new FakeSink(200);
    const { source } = await startSource({ batch_max_wait_ms: 0 }, sink);
    const port = source.ports().tcp!;
    const idle = await tcpClient(port); // an open connection must not hold stop() up
    const client = await tcpClient(port);
    client.write('<13>a: 1\n<13>a: 2\n');
    await waitFor('a batch in flight', () => sink.inflight > 0);
    const started = Date.now();
    await source.stop();
    assert.equal(sink.inflight, 0, 'stop() returned before the pipeline acknowledged');
    assert.equal(sink.acked, 2);
    assert.ok(Date.now() - started >= 100, 'stop() waited for the slow acknowledgement');
    await assert.rejects(tcpClient(port), /ECONNREFUSED/);
    idle.destroy();
    client.destroy();
  });
});

describe('the system `logger` as client', () => {
  const hasLogger = (() => {
    try {
      execFileSync('logger', ['--help'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();
  const skip = hasLogger ? false : 'util-linux logger is not installed';
  const logger = promisify(execFile);

  test('TCP octet-counted RFC 5424, TCP LF RFC 3164 and UDP, parsed as sent', { skip }, async () => {
    const { source, sink } = await startSource();
    const { tcp, udp } = source.ports();
    const base = ['--server', '127.0.0.1', '-t', 'sshd', '-p', 'auth.warning'];
    const msg = 'Failed password for root from 203.0.113.7 port 52344 ssh2';
    await logger('logger', [
      ...base,
      '--port',
      String(tcp),
      '--tcp',
      '--rfc5424',
      '--octet-count',
      '--msgid',
      'SSHFAIL',
      msg,
    ]);
    await logger('logger', [...base, '--port', String(tcp), '--tcp', '--rfc3164', '--id=4242', msg]);
    await logger('logger', [
      ...base,
      '--port',
      String(udp),
      '--udp',
      '--rfc5424',
      '--sd-id',
      'origin',
      '--sd-param',
      'ip="10.0.0.5"',
      msg,
    ]);
    await waitFor('3 records', () => sink.records.length === 3);
    const byTransport = (prefix: string) => sink.records.filter((r) => r.position.startsWith(prefix));
    const [octetRecord, lfRecord] = byTransport('tcp ');
    const [udpRecord] = byTransport('udp ');
    const counted = parseSyslog(octetRecord!.text).fields;
    assert.equal(counted.rfc, '5424');
    assert.equal(counted.app_name, 'sshd');
    assert.equal(counted.msgid, 'SSHFAIL');
    assert.equal(counted.severity_name, 'warning');
    assert.equal(counted.msg, msg);
    const bsd = parseSyslog(lfRecord!.text).fields;
    assert.equal(bsd.rfc, '3164');
    assert.equal(bsd.procid, '4242');
    assert.equal(bsd.msg, msg);
    const dgram = parseSyslog(udpRecord!.text).fields;
    assert.deepEqual((dgram.structured_data as Record<string, unknown>).origin, { ip: '10.0.0.5' });
  });

  test('a file of lines over one TCP connection', { skip }, async () => {
    const { source, sink } = await startSource();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-logger-'));
    try {
      const lines = Array.from(
        { length: 50 },
        (_, i) => `line ${i}: sudo: alice : TTY=pts/2 ; COMMAND=/bin/true`,
      );
      writeFileSync(join(dir, 'lines.txt'), `${lines.join('\n')}\n`);
      await logger('logger', [
        '--server',
        '127.0.0.1',
        '--port',
        String(source.ports().tcp),
        '--tcp',
        '--octet-count',
        '-t',
        'auth',
        '-f',
        join(dir, 'lines.txt'),
      ]);
      await waitFor('50 records', () => sink.records.length === 50);
      assert.deepEqual(
        sink.records.map((r) => parseSyslog(r.text).fields.msg),
        lines,
      );
      assert.equal(
        new Set(sink.records.map((r) => r.position.replace(/ frame \d+$/, ''))).size,
        1,
        'one connection',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
