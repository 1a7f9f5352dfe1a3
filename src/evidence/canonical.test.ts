/**
 * canonicalJson against RFC 8785's examples (§3.2.2 serialization, §3.2.3 sorting, Appendix B
 * numbers), the bigint extension, and the refusals of non-JSON values.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CanonicalJsonError, canonicalBytes, canonicalJson } from './canonical.js';

describe('RFC 8785 examples', () => {
  test('§3.2.2: literals, numbers and string escaping (and its UTF-8 bytes, §3.2.4)', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const want = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    assert.equal(canonicalJson(JSON.parse(input)), want);
    const hex = [
      '7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a5b3333333333333333',
      '332e333333333333332c31652b33302c342e352c302e3030322c31652d32375d2c22737472696e67223a22e282ac245c75',
      '303030665c6e4127425c225c5c5c5c5c222f227d',
    ].join('');
    assert.equal(canonicalBytes(JSON.parse(input)).toString('hex'), hex);
  });

  test('§3.2.3: members sorted by UTF-16 code units', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    const want =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(canonicalJson(JSON.parse(input)), want);
  });

  test('Appendix B: IEEE 754 values and their serialization; NaN and Infinity refused', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, want] of table) {
      const n = Buffer.from(bits, 'hex').readDoubleBE(0);
      assert.equal(canonicalJson(n), want, bits);
      assert.equal(canonicalJson([n]), `[${want}]`, bits);
    }
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      const n = Buffer.from(bits, 'hex').readDoubleBE(0);
      assert.throws(() => canonicalJson({ n }), /\$\.n: (NaN|-?Infinity) is not a JSON number/);
    }
  });
});

describe('extensions and edge cases', () => {
  test('bigint is written as its exact digits', () => {
    assert.equal(
      canonicalJson({ big: 9223372036854775807n, neg: -18446744073709551615n }),
      '{"big":9223372036854775807,"neg":-18446744073709551615}',
    );
  });

  test('nesting, empty containers, undefined members left out, null prototype objects', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 1, a: [] });
    assert.equal(
      canonicalJson({ z: { y: [{}, [], ''] }, a: undefined, bare }),
      '{"bare":{"a":[],"b":1},"z":{"y":[{},[],""]}}',
    );
    assert.equal(canonicalJson('é\u2028'), '"é\u2028"');
    assert.equal(canonicalJson('\u0000\u001f\u007f'), '"\\u0000\\u001f\u007f"');
  });

  test('the same value in any member order gives the same text', () => {
    assert.equal(canonicalJson({ b: 2, a: { d: 4, c: 3 } }), canonicalJson({ a: { c: 3, d: 4 }, b: 2 }));
    assert.equal(canonicalJson({ 10: 'x', 9: 'y', a: 'z' }), '{"10":"x","9":"y","a":"z"}');
  });

  test('non-JSON values are refused with their path', () => {
    const cases: [unknown, RegExp][] = [
      [[1, undefined], /^\$\[1\]: undefined is not a JSON value$/],
      [undefined, /^\$: undefined is not a JSON value$/],
      [{ a: { 'b c': NaN } }, /^\$\.a\["b c"\]: NaN is not a JSON number$/],
      [{ f: () => 1 }, /^\$\.f: function is not a JSON value$/],
      [[Symbol('s')], /^\$\[0\]: symbol/],
      [{ when: new Date(0) }, /^\$\.when: a Date is not a plain JSON object/],
      [{ bytes: Buffer.of(1) }, /^\$\.bytes: a Buffer is not a plain JSON object/],
      [new Map(), /^\$: a Map is not a plain JSON object/],
      [{ s: 'a\ud800b' }, /^\$\.s: string has a lone surrogate at index 1/],
      [{ ['\udc00']: 1 }, /lone surrogate at index 0/],
      [{ [Symbol('k')]: 1 }, /symbol keys/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => canonicalJson(value),
        (err: unknown) => {
          assert.ok(err instanceof CanonicalJsonError, String(err));
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  test('cycles are refused; shared (acyclic) references are fine', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    assert.throws(() => canonicalJson(loop), /\$\.self\.back: cycle/);
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: [shared] }), '{"a":{"x":1},"b":[{"x":1}]}');
  });
});
