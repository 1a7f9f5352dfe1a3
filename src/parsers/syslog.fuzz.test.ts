import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { SyslogFramer } from '../sources/syslog.js';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { sharedPath } from '../testing/shared.js';
import { ParseError } from './record.js';
import { bsdTimestampToMs, parseSyslog, type SyslogFields } from './syslog.js';

const SAMPLES = [
  "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] msg',
  '<13>1 - - - - - [x@1 a="say \\"hi\\"" b="C:\\\\dir" c="[1\\]"] m',
  "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
  '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!',
  '<38>2026-11-22T02:49:11 localhost prg00000[1234]: seq: 0000000000',
  '<85>Nov 22 02:49:10 sudo: alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
  '<189>Nov 22 2025 02:49:10.250 core-sw1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down',
];

/** The real captures' frames, when ../shared is present: mutations of what senders really send. */
function captureFrames(): string[] {
  const files = [
    'captures/logger-udp-rfc5424.bin',
    'captures/logger-udp-rfc3164.bin',
    'captures/logger-tcp-rfc5424-octet-file.bin',
    'captures/loggen-tcp-rfc5424.bin',
    'captures/loggen-udp-bsd.bin',
    'rsyslog-forwarder/forwarded.bin',
  ].map((f) => sharedPath(`clients/syslog/${f}`));
  return files.filter(existsSync).flatMap((file) => {
    const framer = new SyslogFramer(64 * 1024);
    const events = [...framer.push(readFileSync(file)), ...framer.end()];
    return events.flatMap((e) => (e.type === 'frame' ? [e.bytes.toString('utf8')] : []));
  });
}

/** Parse, and check what comes back: a ParseError with a sane offset, or well-formed fields. */
function parseChecked(text: string): void {
  let fields: SyslogFields;
  try {
    const record = parseSyslog(text, { referenceTime: Date.UTC(2026, 10, 22) });
    assert.equal(record.raw, text);
    assert.equal(record.format, 'syslog');
    fields = record.fields as unknown as SyslogFields;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    assert.ok(error.reason.length > 0);
    if (error.offset !== undefined)
      assert.ok(error.offset >= 0 && error.offset <= text.length, error.message);
    return;
  }
  assert.ok(fields.rfc === '5424' || fields.rfc === '3164');
  assert.ok(Number.isInteger(fields.facility) && fields.facility >= 0 && fields.facility <= 23);
  assert.ok(Number.isInteger(fields.severity) && fields.severity >= 0 && fields.severity <= 7);
  assert.equal(typeof fields.msg, 'string');
  if (fields.time !== undefined) assert.ok(Number.isFinite(fields.time));
  assert.doesNotThrow(() => JSON.stringify(fields));
}

test('parser: hostile text gives fields or a ParseError, nothing else', () => {
  fc.assert(fc.property(hostileText, parseChecked), fuzzOptions());
});

test('parser: hostile text after a valid PRI and header start', () => {
  const prefixes = fc.constantFrom(
    '<13>',
    '<13>1 ',
    '<13>1 - - - - - ',
    '<13>1 - - - - - [',
    '<13>Nov 22 02:49:10 ',
  );
  fc.assert(
    fc.property(prefixes, hostileText, (prefix, rest) => parseChecked(prefix + rest)),
    fuzzOptions(),
  );
});

test('parser: mutated real samples', () => {
  fc.assert(fc.property(mutatedText([...SAMPLES, ...captureFrames()]), parseChecked), fuzzOptions());
});

// Round trips: a message built from random parts parses back to those parts.

const printUsAscii = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 33, max: 126 }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength,
  });
const nilOr = (arb: fc.Arbitrary<string>) =>
  fc.option(
    arb.filter((s) => s !== '-'),
    { nil: undefined },
  );
const sdName = fc.string({
  unit: fc
    .integer({ min: 33, max: 126 })
    .filter((c) => c !== 61 && c !== 93 && c !== 34)
    .map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 32,
});
const escapeValue = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

test('parser: RFC 5424 round trip (header, structured data with escapes, MSG)', () => {
  const message = fc.record({
    pri: fc.integer({ min: 0, max: 191 }),
    time: fc.option(
      fc.date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2199-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      {
        nil: undefined,
      },
    ),
    hostname: nilOr(printUsAscii(255)),
    app: nilOr(printUsAscii(48)),
    procid: nilOr(printUsAscii(128)),
    msgid: nilOr(printUsAscii(32)),
    sd: fc.uniqueArray(
      fc.tuple(
        sdName,
        fc.uniqueArray(fc.tuple(sdName, fc.string({ unit: 'grapheme', maxLength: 20 })), {
          selector: (p) => p[0],
          maxLength: 4,
        }),
      ),
      {
        selector: (e) => e[0],
        maxLength: 3,
      },
    ),
    msg: fc
      .string({ unit: 'grapheme', maxLength: 80 })
      .filter((m) => !/[\r\n\0]$/.test(m) && !m.startsWith('\uFEFF')),
  });
  fc.assert(
    fc.property(message, (m) => {
      const sdText =
        m.sd.length === 0
          ? '-'
          : m.sd
              .map(([id, params]) => `[${id}${params.map(([k, v]) => ` ${k}="${escapeValue(v)}"`).join('')}]`)
              .join('');
      const text = `<${m.pri}>1 ${m.time ? m.time.toISOString() : '-'} ${m.hostname ?? '-'} ${m.app ?? '-'} ${m.procid ?? '-'} ${m.msgid ?? '-'} ${sdText} \uFEFF${m.msg}`;
      const f = parseSyslog(text).fields as unknown as SyslogFields;
      assert.equal(f.facility, m.pri >> 3);
      assert.equal(f.severity, m.pri & 7);
      assert.equal(f.time, m.time?.getTime());
      assert.equal(f.hostname, m.hostname);
      assert.equal(f.app_name, m.app);
      assert.equal(f.procid, m.procid);
      assert.equal(f.msgid, m.msgid);
      if (m.sd.length === 0) assert.equal(f.structured_data, undefined);
      else
        assert.deepEqual(
          f.structured_data,
          Object.fromEntries(m.sd.map(([id, params]) => [id, Object.fromEntries(params)])),
        );
      assert.equal(f.msg, m.msg);
    }),
    fuzzOptions(),
  );
});

test('parser: RFC 3164 round trip (timestamp, hostname, TAG[PID], MSG)', () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const word = (chars: string, max: number) =>
    fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: max });
  const message = fc.record({
    pri: fc.integer({ min: 0, max: 191 }),
    time: fc.date({
      min: new Date('2026-01-01T00:00:00Z'),
      max: new Date('2026-11-22T00:00:00Z'),
      noInvalidDate: true,
    }),
    hostname: fc.option(
      word('abcdefghijklmnopqrstuvwxyz0123456789.-', 30).filter((h) => /^[a-z0-9]/.test(h)),
      { nil: undefined },
    ),
    tag: word('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.', 32),
    pid: fc.option(fc.integer({ min: 1, max: 4_194_304 }), { nil: undefined }),
    msg: fc.string({ unit: 'grapheme', maxLength: 80 }).filter((m) => !/^[\s\0]|[\r\n\0]$/.test(m)),
  });
  fc.assert(
    fc.property(message, (m) => {
      const t = new Date(Math.floor(m.time.getTime() / 1000) * 1000);
      const day = String(t.getUTCDate()).padStart(2, ' ');
      const clock = t.toISOString().slice(11, 19);
      const timestamp = `${months[t.getUTCMonth()]} ${day} ${clock}`;
      const text = `<${m.pri}>${timestamp} ${m.hostname ? `${m.hostname} ` : ''}${m.tag}${m.pid ? `[${m.pid}]` : ''}: ${m.msg}`;
      const f = parseSyslog(text, { referenceTime: Date.UTC(2026, 10, 22) })
        .fields as unknown as SyslogFields;
      assert.equal(f.rfc, '3164');
      assert.equal(f.timestamp, timestamp);
      assert.equal(f.time, t.getTime());
      assert.equal(f.hostname, m.hostname);
      assert.equal(f.app_name, m.tag);
      assert.equal(f.procid, m.pid === undefined ? undefined : String(m.pid));
      assert.equal(f.msg, m.msg);
    }),
    fuzzOptions(),
  );
});

test('bsdTimestampToMs: never more than a month after the reference, never a year before it', () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  fc.assert(
    fc.property(
      fc.constantFrom(...months),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 0, max: 86_399 }),
      fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2199, 0, 1) }),
      (month, day, seconds, reference) => {
        const clock = new Date(seconds * 1000).toISOString().slice(11, 19);
        const t = bsdTimestampToMs(`${month} ${String(day).padStart(2, ' ')} ${clock}`, reference);
        if (t === undefined) return; // a day the month does not have (in the candidate years)
        assert.ok(t <= reference + 31 * 864e5, 'too far ahead');
        assert.ok(t >= reference - 366 * 864e5, 'more than a year back');
      },
    ),
    fuzzOptions(),
  );
});
