import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SyslogFramer } from '../sources/syslog.js';
import { sharedPath, sharedSkip } from '../testing/shared.js';
import { ParseError } from './record.js';
import { bsdTimestampToMs, parseSyslog, syslogParser, type SyslogFields } from './syslog.js';

const fieldsOf = (text: string, referenceTime?: number) =>
  parseSyslog(text, referenceTime === undefined ? {} : { referenceTime }).fields as unknown as SyslogFields;

function assertParseError(text: string, reason: string, offset?: number): ParseError {
  let caught: unknown;
  try {
    parseSyslog(text);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ParseError,
    `expected a ParseError for ${JSON.stringify(text)}, got ${String(caught)}`,
  );
  assert.equal(caught.reason, reason, caught.message);
  if (offset !== undefined) assert.equal(caught.offset, offset, caught.message);
  return caught;
}

describe('RFC 5424 examples (§6.5)', () => {
  test('example 1: no structured data, BOM before MSG', () => {
    const text =
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8";
    const record = parseSyslog(text);
    assert.equal(record.format, 'syslog');
    assert.equal(record.raw, text);
    assert.deepEqual(record.fields, {
      rfc: '5424',
      facility: 4,
      severity: 2,
      facility_name: 'auth',
      severity_name: 'crit',
      version: 1,
      timestamp: '2003-10-11T22:14:15.003Z',
      time: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      hostname: 'mymachine.example.com',
      app_name: 'su',
      msgid: 'ID47',
      msg: "'su root' failed for lonvick on /dev/pts/8",
    });
  });

  test('example 2: microseconds and a negative offset, NIL MSGID', () => {
    const f = fieldsOf(
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    );
    assert.equal(f.facility_name, 'local4');
    assert.equal(f.severity_name, 'notice');
    assert.equal(f.time, Date.UTC(2003, 7, 24, 12, 14, 15, 0));
    assert.equal(f.timestamp, '2003-08-24T05:14:15.000003-07:00');
    assert.equal(f.hostname, '192.0.2.1');
    assert.equal(f.app_name, 'myproc');
    assert.equal(f.procid, '8710');
    assert.equal(f.msgid, undefined);
    assert.equal(f.structured_data, undefined);
    assert.equal(f.msg, "%% It's time to make the do-nuts.");
  });

  test('example 3: structured data and MSG', () => {
    const f = fieldsOf(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
    );
    assert.deepEqual(f.structured_data, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
    });
    assert.equal(f.msg, 'An application event log entry...');
  });

  test('example 4: two SD elements and no MSG', () => {
    const f = fieldsOf(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    );
    assert.deepEqual(f.structured_data, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
    assert.equal(f.msg, '');
  });
});

describe('RFC 5424 details', () => {
  test('escapes in PARAM-VALUE: \\" \\\\ \\] unescaped, other backslashes kept', () => {
    const f = fieldsOf('<13>1 - - - - - [x@1 a="say \\"hi\\"" b="C:\\\\dir" c="[1\\]" d="a\\nb" e="]"] m');
    assert.deepEqual(f.structured_data, {
      'x@1': { a: 'say "hi"', b: 'C:\\dir', c: '[1]', d: 'a\\nb', e: ']' },
    });
    assert.equal(f.msg, 'm');
  });

  test('a repeated PARAM-NAME becomes an array; a repeated SD-ID is merged', () => {
    const f = fieldsOf('<13>1 - - - - - [a x="1" x="2" x="3"][b y=""][a z="4"]');
    assert.deepEqual(f.structured_data, { a: { x: ['1', '2', '3'], z: '4' }, b: { y: '' } });
  });

  test('hostile SD names are own properties, not prototype changes', () => {
    const f = fieldsOf('<13>1 - - - - - [__proto__ polluted="yes" constructor="x"] m');
    const sd = f.structured_data!;
    assert.ok(Object.hasOwn(sd, '__proto__'));
    assert.equal(Object.getPrototypeOf(sd), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(JSON.parse(JSON.stringify(sd)).__proto__.polluted, 'yes');
  });

  test('all-NIL header: only what is there is set', () => {
    assert.deepEqual(fieldsOf('<0>1 - - - - - -'), {
      rfc: '5424',
      facility: 0,
      severity: 0,
      facility_name: 'kern',
      severity_name: 'emerg',
      version: 1,
      msg: '',
    });
  });

  test('timestamps: offsets, fractions, leap second, a missing offset read as UTC', () => {
    assert.equal(
      fieldsOf('<13>1 2026-11-22T02:49:09.7217+05:30 h a - - - x').time,
      Date.UTC(2026, 10, 21, 21, 19, 9, 721),
    );
    assert.equal(fieldsOf('<13>1 2026-11-22T02:49:09Z h a - - - x').time, Date.UTC(2026, 10, 22, 2, 49, 9));
    assert.equal(
      fieldsOf('<13>1 2016-12-31T23:59:60Z h a - - - x').time,
      Date.UTC(2016, 11, 31, 23, 59, 59, 999),
    );
    assert.equal(fieldsOf('<13>1 2026-11-22T02:49:09 h a - - - x').time, Date.UTC(2026, 10, 22, 2, 49, 9));
    // years below 100 are not shifted to the 1900s (a Date.UTC pitfall)
    assert.equal(fieldsOf('<13>1 0099-01-01T00:00:00Z h a - - - x').time, Date.parse('0099-01-01T00:00:00Z'));
  });

  test('impossible timestamps are bad_timestamp at the timestamp offset', () => {
    assertParseError('<13>1 2026-02-30T00:00:00Z h a - - - x', 'bad_timestamp', 6);
    assertParseError('<13>1 2026-11-22T24:00:00Z h a - - - x', 'bad_timestamp', 6);
    assertParseError('<13>1 2026-11-22T02:49:09+25:00 h a - - - x', 'bad_timestamp', 6);
    assertParseError('<13>1 2026-11-22 h a - - - x', 'bad_timestamp', 6);
  });

  test('an incomplete header is truncated', () => {
    assertParseError('<13>1 2026-11-22T02:49:09Z host', 'truncated', 31);
    assertParseError('<13>1 - - -\n', 'truncated');
  });

  test('bad structured data names the offset', () => {
    assertParseError('<13>1 - h a - - [id foo] m', 'bad_structured_data', 23);
    assertParseError('<13>1 - h a - - [id a=1] m', 'bad_structured_data', 22);
    assertParseError('<13>1 - h a - - [id a="1"x] m', 'bad_structured_data', 25);
    assertParseError('<13>1 - h a - - [=x] m', 'bad_structured_data', 17);
    assertParseError('<13>1 - h a - - [id a="unterminated', 'truncated', 22);
    assertParseError('<13>1 - h a - - [id a="1"', 'truncated');
  });

  test('lenient: a missing STRUCTURED-DATA, extra spaces, trailing CRLF', () => {
    const f = fieldsOf('<13>1  2026-11-22T02:49:09Z  vm  app  99  ID  free text here\r\n');
    assert.equal(f.hostname, 'vm');
    assert.equal(f.procid, '99');
    assert.equal(f.msgid, 'ID');
    assert.equal(f.structured_data, undefined);
    assert.equal(f.msg, 'free text here');
  });
});

describe('PRI', () => {
  test('facility and severity from the PRI, edges included', () => {
    assert.deepEqual(
      [0, 7, 8, 191].map((pri) => {
        const f = fieldsOf(`<${pri}>1 - - - - - -`);
        return [f.facility, f.severity, f.facility_name, f.severity_name];
      }),
      [
        [0, 0, 'kern', 'emerg'],
        [0, 7, 'kern', 'debug'],
        [1, 0, 'user', 'emerg'],
        [23, 7, 'local7', 'debug'],
      ],
    );
  });

  test('malformed PRIs are bad_pri with the offset', () => {
    assertParseError('<192>1 - - - - - -', 'bad_pri', 1);
    assertParseError('<999>x', 'bad_pri', 1);
    assertParseError('<013>x', 'bad_pri', 1);
    assertParseError('<1234>x', 'bad_pri', 1);
    assertParseError('<>x', 'bad_pri', 1);
    assertParseError('<1a>x', 'bad_pri', 2);
    assertParseError('13>x', 'bad_pri', 0);
    assertParseError('Nov 22 02:49:10 vm sshd: x', 'bad_pri', 0);
    assertParseError('', 'bad_pri', 0);
  });

  test('a message that ends in or right after the PRI is truncated', () => {
    assertParseError('<13', 'truncated', 3);
    assertParseError('<13>', 'truncated', 4);
  });

  test('leading whitespace and NULs left by framing are skipped', () => {
    assert.equal(fieldsOf('\n\0 <13>1 - - - - - - x').msg, 'x');
  });
});

describe('RFC 3164 and BSD-style senders', () => {
  const ref = Date.UTC(2026, 10, 22, 12, 0, 0);

  test('RFC 3164 §5.4 example 1', () => {
    assert.deepEqual(
      fieldsOf("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", ref),
      {
        rfc: '3164',
        facility: 4,
        severity: 2,
        facility_name: 'auth',
        severity_name: 'crit',
        timestamp: 'Oct 11 22:14:15',
        time: Date.UTC(2026, 9, 11, 22, 14, 15),
        hostname: 'mymachine',
        app_name: 'su',
        msg: "'su root' failed for lonvick on /dev/pts/8",
      },
    );
  });

  test('RFC 3164 §5.4 example 2: space-padded day, IP hostname, no TAG', () => {
    const f = fieldsOf('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', ref);
    assert.equal(f.timestamp, 'Feb  5 17:32:18');
    assert.equal(f.time, Date.UTC(2026, 1, 5, 17, 32, 18));
    assert.equal(f.hostname, '10.0.0.99');
    assert.equal(f.app_name, undefined);
    assert.equal(f.msg, 'Use the BFG!');
  });

  test('RFC 3164 §5.4 example 4: no recognizable timestamp, the rest is MSG', () => {
    const f = fieldsOf(
      "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    );
    assert.equal(f.rfc, '3164');
    assert.equal(f.timestamp, undefined);
    assert.equal(
      f.msg,
      "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
    );
  });

  test('without a reference time, a year-less timestamp gives no epoch time', () => {
    const f = fieldsOf('<38>Nov 22 02:49:08 vm sshd[1234]: x');
    assert.equal(f.timestamp, 'Nov 22 02:49:08');
    assert.equal(f.time, undefined);
  });

  test('no hostname: the TAG follows the timestamp', () => {
    const f = fieldsOf('<85>Nov 22 02:49:10 sudo: alice : TTY=pts/2 ; COMMAND=/bin/bash');
    assert.equal(f.hostname, undefined);
    assert.equal(f.app_name, 'sudo');
    assert.equal(f.msg, 'alice : TTY=pts/2 ; COMMAND=/bin/bash');
    const g = fieldsOf('<85>Nov 22 02:49:10 su[1550]: FAILED su for root by student');
    assert.equal(g.hostname, undefined);
    assert.equal(g.app_name, 'su');
    assert.equal(g.procid, '1550');
  });

  test('TAG forms: path-like, with PID, PID without colon, legacy pam tag', () => {
    assert.deepEqual(
      [
        '<22>Nov 22 02:49:10 mx postfix/smtpd[1234]: connect from unknown[203.0.113.9]',
        '<30>Nov 22 02:49:10 h systemd-logind[612]: New session 5 of user alice.',
        '<30>Nov 22 02:49:10 h CRON[99] (root) CMD (run-parts)',
        '<86>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4',
        '<30>Nov 22 02:49:10 h kernel: [ 1.234] usb 1-1: new device',
      ].map((line) => {
        const f = fieldsOf(line);
        return [f.hostname, f.app_name, f.procid, f.msg];
      }),
      [
        ['mx', 'postfix/smtpd', '1234', 'connect from unknown[203.0.113.9]'],
        ['h', 'systemd-logind', '612', 'New session 5 of user alice.'],
        ['h', 'CRON', '99', '(root) CMD (run-parts)'],
        ['combo', 'sshd(pam_unix)', '19939', 'authentication failure; rhost=218.188.2.4'],
        ['h', 'kernel', undefined, '[ 1.234] usb 1-1: new device'],
      ],
    );
  });

  test('a colon inside the message is not a TAG (URLs, IPv6 hostnames)', () => {
    const f = fieldsOf('<13>Nov 22 02:49:10 host http://x is down');
    assert.equal(f.hostname, 'host');
    assert.equal(f.app_name, undefined);
    assert.equal(f.msg, 'http://x is down');
    const g = fieldsOf('<13>Nov 22 02:49:10 fe80::1 ntpd[5]: sync');
    assert.equal(g.hostname, 'fe80::1');
    assert.equal(g.app_name, 'ntpd');
  });

  test('ISO timestamps after the PRI (loggen, rsyslog templates), with and without offset', () => {
    const f = fieldsOf('<38>2026-11-22T02:49:11 localhost prg00000[1234]: seq: 1');
    assert.equal(f.rfc, '3164');
    assert.equal(f.timestamp, '2026-11-22T02:49:11');
    assert.equal(f.time, Date.UTC(2026, 10, 22, 2, 49, 11));
    assert.equal(f.hostname, 'localhost');
    assert.equal(f.app_name, 'prg00000');
    assert.equal(f.procid, '1234');
    const g = fieldsOf('<86>2026-11-22T03:49:11.123456+01:00 vm sshd[7]: ok');
    assert.equal(g.time, Date.UTC(2026, 10, 22, 2, 49, 11, 123));
    assert.equal(g.hostname, 'vm');
  });

  test('a BSD timestamp with a year (network gear) has an epoch time without reference', () => {
    const f = fieldsOf(
      '<189>Nov 22 2025 02:49:10.250 core-sw1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down',
    );
    assert.equal(f.timestamp, 'Nov 22 2025 02:49:10.250');
    assert.equal(f.time, Date.UTC(2025, 10, 22, 2, 49, 10, 250));
    assert.equal(f.hostname, 'core-sw1');
    assert.equal(f.app_name, '%LINK-3-UPDOWN');
  });

  test('no timestamp at all: TAG straight after the PRI, or only a MSG', () => {
    const f = fieldsOf('<13>myapp[12]: started');
    assert.equal(f.timestamp, undefined);
    assert.equal(f.app_name, 'myapp');
    assert.equal(f.procid, '12');
    assert.equal(f.msg, 'started');
    assert.equal(fieldsOf('<13>just words').msg, 'just words');
  });

  test('something shaped like a BSD timestamp with impossible values is bad_timestamp', () => {
    assertParseError('<13>Nov 22 25:49:10 vm sshd: x', 'bad_timestamp', 4);
    assertParseError('<13>Nov 42 02:49:10 vm sshd: x', 'bad_timestamp', 4);
    assertParseError('<13>Nov 22 2:4', 'bad_timestamp', 4);
    assertParseError('<13>2026-13-01T00:00:00 vm x: y', 'bad_timestamp', 4);
  });
});

describe('bsdTimestampToMs: the year from the reference time', () => {
  test('same year when the date is not far ahead of the reference', () => {
    assert.equal(
      bsdTimestampToMs('Nov 22 02:49:10', Date.UTC(2026, 10, 22, 3)),
      Date.UTC(2026, 10, 22, 2, 49, 10),
    );
    // a sender clock a few days ahead, or in a zone ahead of UTC
    assert.equal(
      bsdTimestampToMs('Nov 25 02:49:10', Date.UTC(2026, 10, 22, 3)),
      Date.UTC(2026, 10, 25, 2, 49, 10),
    );
  });

  test('December received in January is last year; January received on December 31 is next year', () => {
    assert.equal(
      bsdTimestampToMs('Dec 31 23:59:59', Date.UTC(2027, 0, 1, 0, 0, 5)),
      Date.UTC(2026, 11, 31, 23, 59, 59),
    );
    assert.equal(
      bsdTimestampToMs('Jan  1 00:00:01', Date.UTC(2026, 11, 31, 23, 59, 58)),
      Date.UTC(2027, 0, 1, 0, 0, 1),
    );
    assert.equal(bsdTimestampToMs('Jun  1 00:00:00', Date.UTC(2026, 2, 1)), Date.UTC(2025, 5, 1));
  });

  test('Feb 29 only lands in a leap year; nonsense gives undefined', () => {
    assert.equal(bsdTimestampToMs('Feb 29 12:00:00', Date.UTC(2028, 2, 10)), Date.UTC(2028, 1, 29, 12));
    assert.equal(bsdTimestampToMs('Feb 29 12:00:00', Date.UTC(2026, 2, 10)), undefined);
    assert.equal(bsdTimestampToMs('not a time', Date.UTC(2026, 2, 10)), undefined);
    assert.equal(bsdTimestampToMs('Nov 22 02:49:10', NaN), undefined);
  });

  test('parseSyslog uses the reference time for BSD timestamps', () => {
    assert.equal(
      fieldsOf('<13>Dec 31 23:59:59 h a: x', Date.UTC(2027, 0, 1)).time,
      Date.UTC(2026, 11, 31, 23, 59, 59),
    );
  });
});

describe('sniff', () => {
  test('recognizes syslog lines of both RFCs', () => {
    for (const line of [
      '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - x',
      '<0>1 - - - - - -',
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
      '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!',
      '<38>2026-11-22T02:49:11 localhost prg00000[1234]: seq',
      '<13>myapp[12]: started',
    ])
      assert.equal(syslogParser.sniff(line), true, line);
  });

  test('rejects what is not syslog', () => {
    for (const line of [
      '{"msg":"<13>1 - - - - - -"}',
      'Nov 22 02:49:10 vm sshd: Failed password',
      '<192>1 - - - - - -',
      '<013>1 - - - - - -',
      '<html><body>',
      '2026-11-22T02:49:11Z INFO started',
      '',
    ])
      assert.equal(syslogParser.sniff(line), false, line);
  });
});

describe('real captures (../shared/clients/syslog)', () => {
  const CAPTURES = 'clients/syslog/captures';

  /** Frame a captured byte stream as the TCP receiver would, then parse each frame. */
  function framesOf(relative: string): { frames: string[]; errors: string[] } {
    const bytes = readFileSync(sharedPath(relative));
    const framer = new SyslogFramer(64 * 1024);
    const events = [...framer.push(bytes), ...framer.end()];
    return {
      frames: events.flatMap((e) => (e.type === 'frame' ? [e.bytes.toString('utf8')] : [])),
      errors: events.flatMap((e) => (e.type === 'error' ? [e.reason] : [])),
    };
  }

  /** Expected field values per frame; `seq` checks loggen's sequence number in MSG. */
  const expectations: Record<string, Record<string, unknown>[]> = {
    'captures/logger-udp-rfc5424.bin': [
      {
        rfc: '5424',
        facility_name: 'auth',
        severity_name: 'warning',
        time: Date.parse('2026-11-22T02:49:08.507Z'),
        hostname: 'vm',
        app_name: 'sshd',
        procid: '1234',
        msgid: 'SSHFAIL',
        structured_data: {
          timeQuality: { tzKnown: '1', isSynced: '0' },
          origin: { ip: '10.0.0.5' },
          'auth@32473': { user: 'root' },
        },
        msg: 'Failed password for root from 203.0.113.7 port 52344 ssh2',
      },
    ],
    'captures/logger-udp-rfc3164.bin': [
      {
        rfc: '3164',
        severity: 4,
        timestamp: 'Nov 22 02:49:08',
        hostname: 'vm',
        app_name: 'sshd',
        procid: '1234',
        msg: 'Failed password for root from 203.0.113.7 port 52344 ssh2',
      },
    ],
    'captures/logger-tcp-rfc3164.bin': [
      {
        rfc: '3164',
        hostname: 'vm',
        app_name: 'sshd',
        procid: undefined,
        msg: 'Failed password for root from 203.0.113.7 port 52344 ssh2',
      },
    ],
    'captures/logger-tcp-rfc5424-octet.bin': [
      { rfc: '5424', hostname: 'vm', app_name: 'sshd', time: Date.parse('2026-11-22T02:49:09.316Z') },
    ],
    'captures/logger-tcp-rfc5424-nooctet.bin': [{ rfc: '5424', hostname: 'vm', app_name: 'sshd' }],
    'captures/logger-tcp-rfc5424-octet-file.bin': [
      { app_name: 'auth', msg: 'line one: sudo: alice : TTY=pts/2 ; COMMAND=/bin/bash' },
      { app_name: 'auth', msg: 'line two: su[1550]: FAILED su for root by student' },
    ],
    'captures/loggen-tcp-rfc5424.bin': [0, 1, 2].map((seq) => ({
      rfc: '5424',
      hostname: 'localhost',
      app_name: 'prg00000',
      procid: '1234',
      msgid: undefined,
      structured_data: undefined,
      time: Date.parse('2026-11-22T02:49:10Z'),
      seq,
    })),
    'captures/loggen-udp-bsd.bin': [
      {
        rfc: '3164',
        timestamp: '2026-11-22T02:49:11',
        hostname: 'localhost',
        app_name: 'prg00000',
        procid: '1234',
      },
    ],
    'rsyslog-forwarder/forwarded.bin': [
      { rfc: '5424', app_name: 'sshd', procid: '1234', msgid: 'SSHFAIL' },
      {
        rfc: '5424',
        app_name: 'sudo',
        facility_name: 'authpriv',
        msg: ' alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
      },
    ],
    'syslog-ng-forwarder/forwarded.bin': [
      { rfc: '5424', app_name: 'sshd', procid: '1234', msgid: 'SSHFAIL' },
      {
        rfc: '5424',
        app_name: 'sudo',
        facility_name: 'authpriv',
        msg: 'alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
      },
    ],
  };

  for (const [file, expected] of Object.entries(expectations)) {
    test(file, { skip: sharedSkip(`clients/syslog/${file}`) }, () => {
      const { frames, errors } = framesOf(`clients/syslog/${file}`);
      assert.deepEqual(errors, []);
      assert.equal(frames.length, expected.length);
      frames.forEach((frame, i) => {
        assert.equal(syslogParser.sniff(frame), true, frame);
        const f = fieldsOf(frame);
        for (const [key, value] of Object.entries(expected[i]!)) {
          if (key === 'seq')
            assert.match(f.msg, new RegExp(`^\\uFEFF?seq: 000000000${String(value)}, thread`));
          else assert.deepEqual(f[key as keyof SyslogFields], value, `${file} #${i} ${key}`);
        }
        assert.ok(!f.msg.endsWith('\n'), 'trailing LF inside the counted frame is not part of MSG');
        assert.ok(!f.msg.startsWith('\uFEFF'), 'BOM stripped');
      });
    });
  }

  test(
    'the loggen -s 120 quirk: frames that lie about their length',
    { skip: sharedSkip(`${CAPTURES}/loggen-tcp-rfc5424-s120-quirk.bin`) },
    () => {
      // 140-byte messages behind a `120 ` prefix: each frame is cut 20 bytes short, the rest is junk
      // that the framer reports and skips, resynchronizing on the next `LEN SP <`.
      const { frames, errors } = framesOf(`${CAPTURES}/loggen-tcp-rfc5424-s120-quirk.bin`);
      assert.deepEqual(errors, ['bad_framing', 'bad_framing']);
      assert.equal(frames.length, 2);
      frames.forEach((frame, i) => {
        assert.equal(Buffer.byteLength(frame), 120);
        const f = fieldsOf(frame);
        assert.equal(f.hostname, 'localhost');
        assert.equal(f.app_name, 'prg00000');
        assert.equal(f.msg, `seq: 000000000${i}, thread: 0000, runid: 1795316199, stamp: `);
      });
    },
  );

  test(
    'every frame of every capture parses or fails with a ParseError',
    { skip: sharedSkip(CAPTURES) },
    () => {
      for (const file of Object.keys(expectations)) {
        for (const frame of framesOf(`clients/syslog/${file}`).frames) {
          // cut each frame at every length: truncation must give a ParseError or a result, nothing else
          for (let cut = 0; cut <= frame.length; cut++) {
            try {
              parseSyslog(frame.slice(0, cut));
            } catch (error) {
              assert.ok(error instanceof ParseError, `${file} cut at ${cut}: ${String(error)}`);
            }
          }
        }
      }
    },
  );
});
