import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { parseExposition, type ExpositionFormat } from './exposition.js';

const SAMPLES = [
  '# HELP a_total Requests.\n# TYPE a_total counter\na_total{code="200",path="/x\\"y"} 1027 1395066363000\n',
  '# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 3\nh_sum 2.5\nh_count 3\n',
  '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 4\ns_count 2\n# EOF\n',
  'g{a="b\\n\\\\"} -Inf\nuntyped 1e-3\n{"utf8.name",x="y"} 2\n',
  '# TYPE c counter\nc_total 1 1605281325.5 # {id="e"} 1\nc_created 1605281325\n# EOF\n',
];

const text = fc.oneof(mutatedText(SAMPLES), hostileText);
const format = fc.constantFrom<ExpositionFormat>('prometheus', 'openmetrics');

test('exposition parser: never throws; every error names a real line; every point is well formed', () => {
  fc.assert(
    fc.property(text, format, (input, f) => {
      const lines = input.split('\n').length;
      const { points, errors, samples } = parseExposition(input, { now: 1, format: f, labels: { job: 'j' } });
      assert.ok(samples >= 0);
      for (const e of errors) {
        assert.ok(e.line >= 1 && e.line <= lines, `line ${e.line} of ${lines}`);
        assert.ok(e.message.startsWith(`line ${e.line}: `));
      }
      for (const p of points) {
        assert.ok(p.name.length > 0);
        assert.ok(Number.isFinite(p.time));
        assert.equal(p.labels.job !== undefined, true);
        if (p.kind === 'histogram') assert.equal(p.bucketCounts!.length, p.bounds!.length + 1);
        if (p.kind === 'gauge' || p.kind === 'sum') assert.equal(typeof p.value, 'number');
      }
    }),
    fuzzOptions(),
  );
});
