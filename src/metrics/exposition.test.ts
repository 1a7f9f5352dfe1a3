import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatOfContentType, parseExposition } from './exposition.js';

const NOW = Date.UTC(2026, 0, 1);

const TEXT = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE temperature gauge
temperature{room="a b, \\"c\\""} -3.5
`;

describe('exposition format', () => {
  test('parses the reference example: counters, escaping, untyped, histograms, summaries, timestamps', () => {
    const { points, errors, samples } = parseExposition(TEXT, { now: NOW });
    assert.deepEqual(errors, []);
    assert.equal(samples, 19);
    const by = (name: string) => points.filter((p) => p.name === name);
    assert.deepEqual(by('http_requests_total'), [
      {
        name: 'http_requests_total',
        kind: 'sum',
        labels: { method: 'post', code: '200' },
        time: 1395066363000,
        value: 1027,
        monotonic: true,
        temporality: 'cumulative',
        description: 'The total number of HTTP requests.',
      },
      {
        name: 'http_requests_total',
        kind: 'sum',
        labels: { method: 'post', code: '400' },
        time: 1395066363000,
        value: 3,
        monotonic: true,
        temporality: 'cumulative',
        description: 'The total number of HTTP requests.',
      },
    ]);
    assert.deepEqual(by('msdos_file_access_time_seconds')[0]!.labels, {
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    assert.deepEqual(by('metric_without_timestamp_and_labels'), [
      { name: 'metric_without_timestamp_and_labels', kind: 'gauge', labels: {}, time: NOW, value: 12.47 },
    ]);
    assert.equal(by('something_weird')[0]!.value, Infinity);
    assert.equal(by('something_weird')[0]!.time, -3982045);
    const [h] = by('http_request_duration_seconds');
    assert.equal(h!.kind, 'histogram');
    assert.deepEqual(h!.bounds, [0.05, 0.1, 0.2, 0.5, 1]);
    assert.deepEqual(h!.bucketCounts, [
      24054,
      33444 - 24054,
      100392 - 33444,
      129389 - 100392,
      133988 - 129389,
      144320 - 133988,
    ]);
    assert.equal(h!.count, 144320);
    assert.equal(h!.sum, 53423);
    assert.equal(h!.description, 'A histogram of the request duration.');
    const [s] = by('rpc_duration_seconds');
    assert.equal(s!.kind, 'summary');
    assert.deepEqual(s!.quantiles, [
      { quantile: 0.01, value: 3102 },
      { quantile: 0.5, value: 4773 },
      { quantile: 0.99, value: 76656 },
    ]);
    assert.equal(s!.count, 2693);
    assert.equal(s!.sum, 1.7560473e7);
    assert.deepEqual(by('temperature')[0]!.labels, { room: 'a b, "c"' });
  });

  test('OpenMetrics: counter families with _total/_created, seconds timestamps, exemplars, units, # EOF', () => {
    const text = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
      '# TYPE go_goroutines gauge',
      'go_goroutines 69 1605281326.5',
      '# TYPE process_cpu_seconds counter',
      '# UNIT process_cpu_seconds seconds',
      'process_cpu_seconds_total 4.20072246e+06',
      'process_cpu_seconds_created 1605281325.0',
      '# TYPE foo histogram',
      'foo_bucket{le="0.1"} 8 # {id="abc"} 0.05 1605281325.1',
      'foo_bucket{le="+Inf"} 10',
      'foo_count 10',
      'foo_sum 2.5',
      '# EOF',
      'after_eof 1',
    ].join('\n');
    assert.equal(
      formatOfContentType('application/openmetrics-text; version=1.0.0; charset=utf-8'),
      'openmetrics',
    );
    assert.equal(formatOfContentType('text/plain; version=0.0.4'), 'prometheus');
    const { points, errors } = parseExposition(text, { now: NOW, format: 'openmetrics' });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      points.map((p) => p.name),
      ['go_goroutines', 'process_cpu_seconds_total', 'acme_http_router_request_seconds', 'foo'],
    );
    assert.equal(points[0]!.time, 1605281326500);
    assert.equal(points[1]!.kind, 'sum');
    assert.equal(points[1]!.unit, 'seconds');
    const summary = points[2]!;
    assert.equal(summary.kind, 'summary');
    assert.equal(summary.count, 807283);
    assert.equal(summary.startTime, 1605281325000);
    assert.equal(summary.unit, 'seconds');
    assert.deepEqual(points[3]!.bucketCounts, [8, 2]);
  });

  test('bad lines are reported with line number and reason; the rest is kept', () => {
    const text = [
      'good 1',
      'bad{a="1" 2',
      'bad_value abc',
      '# TYPE x nonsense',
      'bad_ts 1 12.5',
      '{ 1',
      'dup{a="1",a="2"} 1',
      'trailing 1 2 3',
      '# TYPE h histogram',
      'h_bucket 3',
      'h_bucket{le="1"} 5',
      'h_bucket{le="2"} 4',
      'ok{a="x",} 2',
    ].join('\n');
    const { points, errors } = parseExposition(text, { now: NOW });
    assert.deepEqual(
      errors.map((e) => [e.line, e.reason]),
      [
        [2, 'bad_labels'],
        [3, 'bad_value'],
        [4, 'bad_metadata'],
        [5, 'bad_timestamp'],
        [6, 'bad_labels'],
        [7, 'bad_labels'],
        [8, 'bad_sample'],
        [10, 'bad_histogram'],
        [11, 'bad_histogram'],
      ],
    );
    assert.match(errors[0]!.message, /^line 2: expected "," or "}" at column 11/);
    assert.deepEqual(
      points.map((p) => [p.name, p.value]),
      [
        ['good', 1],
        ['ok', 2],
      ],
    );
  });

  test('target labels: added, and on a clash the scraped label becomes exported_* unless honor_labels', () => {
    const text = 'm{job="inner",x="1"} 1\n';
    const target = { job: 'scrape', instance: 'h:1' };
    assert.deepEqual(parseExposition(text, { now: NOW, labels: target }).points[0]!.labels, {
      job: 'scrape',
      exported_job: 'inner',
      x: '1',
      instance: 'h:1',
    });
    assert.deepEqual(
      parseExposition(text, { now: NOW, labels: target, honorLabels: true }).points[0]!.labels,
      {
        job: 'inner',
        x: '1',
        instance: 'h:1',
      },
    );
  });
});
