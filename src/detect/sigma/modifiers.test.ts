import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base64OffsetVariants } from './modifiers.js';
import { compileError, matches, ruleYaml } from './testkit.js';

/** A rule with one selection `key: value` (YAML, value as written). */
const one = (key: string, value: string) =>
  ruleYaml(`    selection:\n        ${key}: ${value}\n    condition: selection`);

describe('plain values', () => {
  test('strings match whole values, case-insensitively', () => {
    assert.equal(
      matches(one('Image', "'C:\\Windows\\System32\\whoami.exe'"), {
        Image: 'c:\\windows\\system32\\WHOAMI.EXE',
      }),
      true,
    );
    assert.equal(matches(one('Image', "'whoami.exe'"), { Image: 'C:\\whoami.exe' }), false);
    assert.equal(matches(one('Image', "'whoami.exe'"), {}), false);
  });

  test('wildcards and escaped wildcards in values', () => {
    assert.equal(matches(one('Image', "'*\\whoami.exe'"), { Image: 'C:\\x\\whoami.exe' }), true);
    assert.equal(matches(one('Image', "'who?mi.exe'"), { Image: 'whoAmi.exe' }), true);
    assert.equal(matches(one('Name', "'what\\?'"), { Name: 'what?' }), true);
    assert.equal(matches(one('Name', "'what\\?'"), { Name: 'whatx' }), false);
    assert.equal(matches(one('Name', "'a\\*'"), { Name: 'a*' }), true);
    assert.equal(matches(one('Name', "'a\\*'"), { Name: 'ab' }), false);
    assert.equal(matches(one('Path', "'C:\\\\*'"), { Path: 'C:\\x' }), true); // \\ then wildcard
  });

  test('lists are OR-ed, maps AND-ed', () => {
    const rule = ruleYaml(`    selection:\n        A: [x, y]\n        B: z\n    condition: selection`);
    assert.equal(matches(rule, { A: 'y', B: 'z' }), true);
    assert.equal(matches(rule, { A: 'y', B: 'q' }), false);
    const listOfMaps = ruleYaml(`    selection:\n        - A: x\n        - B: y\n    condition: selection`);
    assert.equal(matches(listOfMaps, { B: 'y' }), true);
    assert.equal(matches(listOfMaps, { A: 'y' }), false);
  });

  test('numbers match numbers and their text, not other spellings', () => {
    assert.equal(matches(one('EventID', '4688'), { EventID: 4688 }), true);
    assert.equal(matches(one('EventID', '4688'), { EventID: '4688' }), true);
    assert.equal(matches(one('EventID', "'4688'"), { EventID: 4688 }), true);
    assert.equal(matches(one('EventID', '4688'), { EventID: '04688' }), false);
    assert.equal(matches(one('EventID', '4688'), { EventID: 46880 }), false);
    assert.equal(matches(one('Big', '9007199254740993'), { Big: 9007199254740993n }), false); // YAML reads it as a double
    assert.equal(matches(one('Big', "'9007199254740993'"), { Big: 9007199254740993n }), true);
    assert.equal(matches(one('Flag', 'true'), { Flag: true }), true);
    assert.equal(matches(one('Flag', 'true'), { Flag: 'True' }), true);
    assert.equal(matches(one('Flag', 'false'), { Flag: true }), false);
  });

  test("null means the field is absent or null; '' means empty", () => {
    assert.equal(matches(one('PasswordLastSet', 'null'), {}), true);
    assert.equal(matches(one('PasswordLastSet', 'null'), { PasswordLastSet: null }), true);
    assert.equal(matches(one('PasswordLastSet', 'null'), { PasswordLastSet: '' }), false);
    assert.equal(matches(one('PasswordLastSet', "''"), { PasswordLastSet: '' }), true);
    assert.equal(matches(one('PasswordLastSet', "''"), {}), false);
    const notNull = ruleYaml(
      `    selection:\n        A: x\n    filter:\n        B: null\n    condition: selection and not filter`,
    );
    assert.equal(matches(notNull, { A: 'x', B: 'set' }), true);
    assert.equal(matches(notNull, { A: 'x' }), false);
  });

  test('array values match when any element does; nested fields by dotted names', () => {
    assert.equal(matches(one('Data', "'b'"), { Data: ['a', 'b'] }), true);
    assert.equal(matches(one('actor.user.name', "'root'"), { actor: { user: { name: 'root' } } }), true);
    assert.equal(matches(one('items.name', "'x'"), { items: [{ name: 'y' }, { name: 'x' }] }), true);
    assert.equal(matches(one('a.b', "'flat'"), { 'a.b': 'flat' }), true);
  });

  test('field names from Object.prototype are not fields', () => {
    assert.equal(matches(one('constructor', "'*'"), {}), false);
    assert.equal(matches(one('__proto__|exists', 'true'), {}), false);
  });
});

describe('string modifiers', () => {
  test('contains, startswith, endswith', () => {
    assert.equal(
      matches(one('CommandLine|contains', "'-enc'"), { CommandLine: 'powershell -ENC abc' }),
      true,
    );
    assert.equal(matches(one('CommandLine|startswith', "'power'"), { CommandLine: 'powershell' }), true);
    assert.equal(matches(one('CommandLine|startswith', "'shell'"), { CommandLine: 'powershell' }), false);
    assert.equal(matches(one('Image|endswith', "'\\cmd.exe'"), { Image: 'C:\\CMD.EXE' }), true);
    assert.equal(matches(one('Image|endswith', "'\\cmd.exe'"), { Image: 'C:\\cmd.exe.bak' }), false);
  });

  test('all: every value; on keywords too', () => {
    const rule = one('CommandLine|contains|all', "['-a', '-b']");
    assert.equal(matches(rule, { CommandLine: 'x -b -a' }), true);
    assert.equal(matches(rule, { CommandLine: 'x -a' }), false);
    const kw = ruleYaml(
      `    keywords:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: keywords`,
    );
    assert.equal(matches(kw, { a: 'Set-OabVirtualDirectory', b: 'x -externalurl y' }), true);
    assert.equal(matches(kw, { a: 'Set-OabVirtualDirectory' }), false);
  });

  test('cased', () => {
    assert.equal(matches(one('A|cased', "'Abc'"), { A: 'Abc' }), true);
    assert.equal(matches(one('A|cased', "'Abc'"), { A: 'abc' }), false);
    assert.equal(matches(one('A|contains|cased', "'Bc'"), { A: 'aBcd' }), true);
    assert.equal(matches(one('A|contains|cased', "'Bc'"), { A: 'abcd' }), false);
  });

  test('windash: -, /, en dash, em dash, horizontal bar at the start of flags', () => {
    const rule = one('CommandLine|windash|contains', "' -enc '");
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) {
      assert.equal(matches(rule, { CommandLine: `powershell ${dash}enc abc` }), true, `dash ${dash}`);
    }
    assert.equal(matches(rule, { CommandLine: 'powershell +enc abc' }), false);
    // Only flag-starting dashes vary: the second dash of -param-name stays as it is.
    const inner = one('CommandLine|windash', "'-param-name'");
    assert.equal(matches(inner, { CommandLine: '/param-name' }), true);
    assert.equal(matches(inner, { CommandLine: '/param/name' }), false);
    const two = one('CommandLine|windash|contains|all', "['-a', '-b']");
    assert.equal(matches(two, { CommandLine: 'x \u2014b /a' }), true);
  });

  test('base64 of the whole value', () => {
    // "cmd" → "Y21k"
    assert.equal(matches(one('Payload|base64', "'cmd'"), { Payload: 'Y21k' }), true);
    assert.equal(matches(one('Payload|base64|contains', "'cmd'"), { Payload: 'xxY21kxx' }), true);
    assert.equal(matches(one('Payload|base64', "'cmd'"), { Payload: 'y21k' }), false); // base64 is case-sensitive
  });

  test('base64offset: the value at each alignment inside encoded text', () => {
    const rule = one('CommandLine|base64offset|contains', "'/bin/bash'");
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const encoded = Buffer.from(`${prefix}/bin/bash -i`).toString('base64');
      assert.equal(
        matches(rule, { CommandLine: `echo ${encoded} | base64 -d` }),
        true,
        `offset ${prefix.length}`,
      );
    }
    assert.equal(matches(rule, { CommandLine: Buffer.from('/bin/sh').toString('base64') }), false);
    assert.deepEqual(base64OffsetVariants(Buffer.from('http')), ['aHR0c', 'h0dH', 'odHRw']);
  });

  test('wide / utf16le / utf16be / utf16, with base64offset', () => {
    const rule = one('CommandLine|wide|base64offset|contains', "'ping'");
    const encoded = Buffer.from('x ping y', 'utf16le').toString('base64');
    assert.equal(matches(rule, { CommandLine: `powershell -enc ${encoded}` }), true);
    assert.equal(
      matches(one('CommandLine|utf16le|base64', "'ab'"), {
        CommandLine: Buffer.from('ab', 'utf16le').toString('base64'),
      }),
      true,
    );
    const be = Buffer.from('ab', 'utf16le').swap16().toString('base64');
    assert.equal(matches(one('CommandLine|utf16be|base64', "'ab'"), { CommandLine: be }), true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab', 'utf16le')]).toString('base64');
    assert.equal(matches(one('CommandLine|utf16|base64', "'ab'"), { CommandLine: bom }), true);
    assert.equal(matches(one('Raw|wide|contains', "'ab'"), { Raw: 'xa\u0000b\u0000y' }), true);
  });

  test('expand: placeholders from configuration', () => {
    const rule = one('User|expand', "'%Administrators%'");
    const placeholders = { Administrators: ['adm_*', 'root'] };
    assert.equal(matches(rule, { User: 'ADM_joe' }, { placeholders }), true);
    assert.equal(matches(rule, { User: 'root' }, { placeholders }), true);
    assert.equal(matches(rule, { User: 'joe' }, { placeholders }), false);
    const mixed = one('Path|expand', "'\\%plain%name%'");
    assert.equal(matches(mixed, { Path: '%plainX' }, { placeholders: { name: ['X'] } }), true);
    assert.equal(matches(one('Path', "'%name%'"), { Path: '%name%' }), true); // without expand: literal
    const error = compileError(rule);
    assert.equal(error.reason, 'placeholder_without_values');
    assert.match(error.message, /%Administrators%/);
    assert.match(error.message, /detection\.selection\.User\|expand/);
  });
});

describe('regular expressions', () => {
  test('re, re|i, re|m, re|s', () => {
    assert.equal(matches(one('CommandLine|re', "'\\s-e(nc)?\\s'"), { CommandLine: 'x -enc y' }), true);
    assert.equal(matches(one('CommandLine|re', "'CMD'"), { CommandLine: 'cmd' }), false);
    assert.equal(matches(one('CommandLine|re|i', "'CMD'"), { CommandLine: 'cmd' }), true);
    assert.equal(matches(one('Text|re|m', "'^b$'"), { Text: 'a\nb\nc' }), true);
    assert.equal(matches(one('Text|re', "'^b$'"), { Text: 'a\nb\nc' }), false);
    assert.equal(matches(one('Text|re|s', "'a.c'"), { Text: 'a\nc' }), true);
    assert.equal(matches(one('Text|re', "'a.c'"), { Text: 'a\nc' }), false);
  });

  test('a regex that is not in the subset is refused with the reason', () => {
    const error = compileError(one('A|re', "'(?<=x)y'"));
    assert.equal(error.reason, 'invalid_regex');
    assert.match(error.message, /lookaround/);
  });
});

describe('cidr', () => {
  test('IPv4 and IPv6 networks', () => {
    const rule = one('DestinationIp|cidr', "['10.0.0.0/8', '192.168.1.0/24', 'fe80::/10', '2001:db8::/32']");
    assert.equal(matches(rule, { DestinationIp: '10.20.30.40' }), true);
    assert.equal(matches(rule, { DestinationIp: '11.0.0.1' }), false);
    assert.equal(matches(rule, { DestinationIp: '192.168.1.255' }), true);
    assert.equal(matches(rule, { DestinationIp: '192.168.2.1' }), false);
    assert.equal(matches(rule, { DestinationIp: 'fe80::1' }), true);
    assert.equal(matches(rule, { DestinationIp: 'FE80::abcd:1' }), true);
    assert.equal(matches(rule, { DestinationIp: '2001:db8:1::5' }), true);
    assert.equal(matches(rule, { DestinationIp: '2001:db9::5' }), false);
    assert.equal(matches(rule, { DestinationIp: 'not an ip' }), false);
    assert.equal(matches(rule, { DestinationIp: '::ffff:10.1.2.3' }), true); // IPv4-mapped
    assert.equal(matches(one('Ip|cidr', "'127.0.0.1/32'"), { Ip: '127.0.0.1' }), true);
    assert.equal(compileError(one('Ip|cidr', "'10.0.0.0/33'")).reason, 'invalid_value');
  });
});

describe('numeric comparison and neq', () => {
  test('gt, gte, lt, lte on numbers and numeric strings', () => {
    assert.equal(matches(one('Size|gt', '100'), { Size: 101 }), true);
    assert.equal(matches(one('Size|gt', '100'), { Size: 100 }), false);
    assert.equal(matches(one('Size|gte', '100'), { Size: '100' }), true);
    assert.equal(matches(one('Size|lt', '100'), { Size: 99.5 }), true);
    assert.equal(matches(one('Size|lte', '100'), { Size: 101 }), false);
    assert.equal(matches(one('Size|gt', '100'), { Size: 'big' }), false);
    assert.equal(matches(one('Size|gt', '100'), {}), false);
    assert.equal(matches(one('Size|gt', '1'), { Size: 12345678901234567890n }), true);
    assert.equal(compileError(one('Size|gt', "'x'")).reason, 'invalid_value');
  });

  test('neq: present and none of the values', () => {
    const rule = one('LogonType|neq', '3');
    assert.equal(matches(rule, { LogonType: 2 }), true);
    assert.equal(matches(rule, { LogonType: 3 }), false);
    assert.equal(matches(rule, {}), false);
    const list = one('User|neq', "['SYSTEM', 'LOCAL SERVICE']");
    assert.equal(matches(list, { User: 'joe' }), true);
    assert.equal(matches(list, { User: 'system' }), false);
    assert.equal(matches(list, { User: 'local service' }), false);
  });
});

describe('time modifiers', () => {
  test('parts of the event timestamp (UTC), alone or compared', () => {
    const t = { TimeCreated: '2024-03-10T23:45:12.000Z' };
    assert.equal(matches(one('TimeCreated|hour', '23'), t), true);
    assert.equal(matches(one('TimeCreated|minute', '45'), t), true);
    assert.equal(matches(one('TimeCreated|day', '10'), t), true);
    assert.equal(matches(one('TimeCreated|month', '3'), t), true);
    assert.equal(matches(one('TimeCreated|year', '2024'), t), true);
    assert.equal(matches(one('TimeCreated|week', '10'), t), true); // ISO week of 2024-03-10
    assert.equal(matches(one('TimeCreated|hour|gte', '22'), t), true);
    assert.equal(matches(one('TimeCreated|hour|lt', '6'), t), false);
    assert.equal(matches(one('TimeCreated|hour|neq', '23'), t), false);
    assert.equal(matches(one('TimeCreated|hour', '23'), { TimeCreated: 'yesterday-ish' }), false);
  });
});

describe('exists and fieldref', () => {
  test('exists: true and false', () => {
    assert.equal(matches(one('PasswordLastSet|exists', 'true'), { PasswordLastSet: '' }), true);
    assert.equal(matches(one('PasswordLastSet|exists', 'true'), { PasswordLastSet: null }), true);
    assert.equal(matches(one('PasswordLastSet|exists', 'true'), {}), false);
    assert.equal(matches(one('PasswordLastSet|exists', 'false'), {}), true);
    assert.equal(matches(one('PasswordLastSet|exists', 'false'), { PasswordLastSet: 'x' }), false);
    assert.equal(compileError(one('A|exists', "'maybe'")).reason, 'invalid_value');
    assert.equal(compileError(one('A|exists|contains', 'true')).reason, 'invalid_modifier');
  });

  test('fieldref compares two fields; with startswith/endswith/contains and cased', () => {
    assert.equal(matches(one('User|fieldref', 'ParentUser'), { User: 'A\\b', ParentUser: 'a\\B' }), true);
    assert.equal(matches(one('User|fieldref', 'ParentUser'), { User: 'a', ParentUser: 'b' }), false);
    assert.equal(matches(one('User|fieldref', 'ParentUser'), { User: 'a' }), false);
    assert.equal(
      matches(one('Image|fieldref|endswith', 'Name'), { Image: 'C:\\x\\cmd.exe', Name: 'CMD.exe' }),
      true,
    );
    assert.equal(
      matches(one('Image|fieldref|startswith', 'Dir'), { Image: 'C:\\x\\cmd.exe', Dir: 'c:\\x' }),
      true,
    );
    assert.equal(
      matches(one('Image|fieldref|contains', 'Part'), { Image: 'C:\\x\\cmd.exe', Part: '\\X\\' }),
      true,
    );
    assert.equal(matches(one('User|fieldref|cased', 'ParentUser'), { User: 'A', ParentUser: 'a' }), false);
    const rule = ruleYaml(
      `    selection:\n        TargetFilename|fieldref: Image\n    condition: not selection`,
    );
    assert.equal(matches(rule, { TargetFilename: 'a', Image: 'b' }), true);
    assert.equal(compileError(one('A|fieldref', "'B*'")).reason, 'invalid_value');
  });
});

describe('keywords', () => {
  test('a list of strings searches every value of the event', () => {
    const rule = ruleYaml(
      `    keywords:\n        - 'event::clear'\n        - 'sekurlsa::'\n    condition: keywords`,
    );
    assert.equal(matches(rule, { Message: 'mimikatz # SEKURLSA::logonpasswords' }), true);
    assert.equal(matches(rule, { deep: { nested: ['event::clear'] } }), true);
    assert.equal(matches(rule, { Message: 'nothing here' }), false);
  });

  test('keyword numbers, single keywords, modifiers on keywords', () => {
    assert.equal(
      matches(ruleYaml(`    keywords: 4625\n    condition: keywords`), { Message: 'event 4625 failed' }),
      true,
    );
    assert.equal(
      matches(ruleYaml(`    keywords: 'Failed'\n    condition: keywords`), { a: 'login failed' }),
      true,
    );
    const cased = ruleYaml(`    keywords:\n        '|cased': 'Failed'\n    condition: keywords`);
    assert.equal(matches(cased, { a: 'login failed' }), false);
    const re = ruleYaml(`    keywords:\n        '|re': 'user=\\w+ failed'\n    condition: keywords`);
    assert.equal(matches(re, { a: 'x user=root failed' }), true);
  });
});

describe('invalid modifiers and values', () => {
  const reasons: [string, string, string][] = [
    ['A|nosuch', "'x'", 'unknown_modifier'],
    ['A|i', "'x'", 'invalid_modifier'],
    ['A|contains|re', "'x'", 'invalid_modifier'],
    ['A|base64|contains', "'a*b'", 'invalid_value'],
    ['A|gt|neq', '3', 'invalid_modifier'],
    ['A', '[]', 'invalid_value'],
  ];
  for (const [key, value, reason] of reasons) {
    test(`${key}: ${value} → ${reason}`, () => assert.equal(compileError(one(key, value)).reason, reason));
  }
});
