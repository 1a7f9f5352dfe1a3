/**
 * The web console's pure logic (web/src/*.ts: completion, time windows, charts' data, network
 * model, CSV, Prometheus text, entities, trace waterfall), bundled with esbuild for Node and tested
 * here so it runs with the rest of the suite.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadWebModules, type WebModules } from './console-web.testing.js';

let web: WebModules;

before(async () => {
  web = await loadWebModules();
});

// Typed views of the bundled functions.
const fn = <T>(mod: string, name: string) => web.get<T>(mod, name);

test('completion: field names for the word at the caret, not for values or inside quotes', () => {
  const complete = fn<
    (t: string, c: number, f: string[]) => { start: number; end: number; suggestions: string[] } | undefined
  >('complete', 'complete');
  const apply = fn<(t: string, c: object, n: string) => { text: string; caret: number }>(
    'complete',
    'applyCompletion',
  );
  const fields = ['src_ip', 'src_port', 'source', 'user', 'user.name', 'dst_ip'];
  const c = complete('event_code=4625 sr', 18, fields)!;
  assert.deepEqual(c.suggestions, ['src_ip', 'src_port']);
  assert.deepEqual(apply('event_code=4625 sr', c, 'src_ip'), { text: 'event_code=4625 src_ip', caret: 22 });
  assert.equal(complete('user=sr', 7, fields), undefined, 'after = it is a value');
  assert.equal(complete('"sr', 3, fields), undefined, 'inside a phrase');
  assert.equal(complete('x | stats count() by ', 21, fields), undefined, 'nothing typed yet');
  assert.deepEqual(
    complete('| stats count() by US', 21, fields)!.suggestions,
    ['user', 'user.name'],
    'case-insensitive',
  );
  assert.equal(complete('user', 4, fields)!.suggestions[0], 'user.name', 'the word itself is not offered');
});

test('time windows: relative and ISO bounds, nice spans, zero-filled buckets', () => {
  const resolve = fn<(b: string, now: number) => number | undefined>('timerange', 'resolveBound');
  const spanFor = fn<(f: number, t: number, n?: number) => number>('timerange', 'spanFor');
  const spanText = fn<(ms: number) => string>('timerange', 'spanText');
  const fill = fn<
    (rows: unknown[][], f: number, t: number, s: number) => { times: number[]; counts: number[] }
  >('timerange', 'fillBuckets');
  const now = Date.UTC(2026, 0, 5, 12, 0, 0);
  assert.equal(resolve('-1h', now), now - 3_600_000);
  assert.equal(resolve('now-15m', now), now - 900_000);
  assert.equal(resolve('now', now), now);
  assert.equal(resolve('2026-01-05T10:00:00Z', now), Date.UTC(2026, 0, 5, 10));
  assert.equal(resolve('2026-01-05T10:00', now), Date.UTC(2026, 0, 5, 10), 'no zone means UTC');
  assert.equal(resolve('1767607200000', now), 1767607200000);
  assert.equal(resolve('yesterday-ish', now), undefined);
  assert.equal(spanFor(0, 86_400_000), 1_800_000, '24 h in at most 90 buckets: 30 min');
  assert.equal(spanFor(0, 3_600_000), 60_000);
  assert.equal(spanText(1_800_000), '30m');
  assert.equal(spanText(86_400_000), '1d');
  assert.equal(spanText(1500), '1500ms');
  const b = fill(
    [
      [120_000, 4],
      [240_000, 2],
    ],
    60_000,
    300_000,
    60_000,
  );
  assert.deepEqual(b.times, [60_000, 120_000, 180_000, 240_000]);
  assert.deepEqual(b.counts, [0, 4, 0, 2]);
});

test('network model: internal ranges, traffic per node, edges per protocol/port, first-seen pairs', () => {
  const isInternal = fn<(ip: string) => boolean>('netmodel', 'isInternal');
  for (const ip of [
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '::ffff:10.0.0.1',
    'fd00::1',
    'fe80::1',
    '100.64.0.1',
  ])
    assert.ok(isInternal(ip), ip);
  for (const ip of ['172.32.0.1', '8.8.8.8', '203.0.113.77', '2001:db8::1', '11.0.0.1'])
    assert.ok(!isInternal(ip), ip);
  const buildGraph = fn<
    (
      rows: object[],
      seen: Set<string>,
    ) => {
      nodes: { id: string; bytes: number; connections: number; internal: boolean; firstSeen: boolean }[];
      edges: { source: string; target: string; label: string; connections: number; firstSeen: boolean }[];
    }
  >('netmodel', 'buildGraph');
  const pairKey = fn<(a: string, b: string) => string>('netmodel', 'pairKey');
  const g = buildGraph(
    [
      { src: '10.0.0.5', dst: '203.0.113.77', port: 443, protocol: 'tcp', bytes: 1000, connections: 3 },
      { src: '10.0.0.5', dst: '203.0.113.77', port: 8443, protocol: 'tcp', bytes: 500, connections: 1 },
      { src: '10.0.0.5', dst: '10.0.0.1', port: 53, protocol: 'udp', bytes: 10, connections: 2 },
      { src: '10.0.0.5', dst: '10.0.0.1', port: 53, protocol: 'udp', bytes: 5, connections: 1 },
    ],
    new Set([pairKey('10.0.0.1', '10.0.0.5')]),
  );
  const node = (id: string) => g.nodes.find((n) => n.id === id)!;
  assert.deepEqual(
    { bytes: node('10.0.0.5').bytes, connections: node('10.0.0.5').connections },
    { bytes: 1515, connections: 7 },
  );
  assert.equal(node('203.0.113.77').internal, false);
  assert.equal(node('203.0.113.77').firstSeen, true);
  assert.equal(node('10.0.0.1').firstSeen, false, 'talked to before the window');
  assert.deepEqual(
    g.edges.map((e) => [e.label, e.connections, e.firstSeen]),
    [
      ['tcp/443', 3, true],
      ['tcp/8443', 1, true],
      ['udp/53', 3, false],
    ],
  );
  const focusFilter = fn<(f: string) => string>('netmodel', 'focusFilter');
  assert.equal(focusFilter('10.0.0.0/8'), '(src_ip=10.0.0.0/8 OR dst_ip=10.0.0.0/8)');
  assert.equal(focusFilter('2001:db8::/32'), '(src_ip=2001:db8::/32 OR dst_ip=2001:db8::/32)');
  assert.equal(focusFilter('WS "1"'), 'host="WS \\"1\\""');
});

test('Prometheus text: samples with labels and escapes; comments skipped', () => {
  const parse = fn<(t: string) => { name: string; labels: Record<string, string>; value: number }[]>(
    'prometheus',
    'parsePrometheus',
  );
  const samples = parse(
    [
      '# HELP vigil_events_rejected_total x',
      '# TYPE vigil_events_rejected_total counter',
      'vigil_events_rejected_total{source="http",reason="parse_error"} 7',
      'vigil_events_rejected_total{source="a\\"b",reason="too_large"} 2',
      'vigil_queue_depth_events 12',
      'garbage line',
      'vigil_up +Inf',
      'vigil_ratio 1.5e-3 1767607200000',
    ].join('\n'),
  );
  assert.deepEqual(samples, [
    { name: 'vigil_events_rejected_total', labels: { source: 'http', reason: 'parse_error' }, value: 7 },
    { name: 'vigil_events_rejected_total', labels: { source: 'a"b', reason: 'too_large' }, value: 2 },
    { name: 'vigil_queue_depth_events', labels: {}, value: 12 },
    { name: 'vigil_up', labels: {}, value: Infinity },
    { name: 'vigil_ratio', labels: {}, value: 0.0015 },
  ]);
});

test('panels: timechart pivot per group with scale, bar items, ATT&CK heatmap', () => {
  const pivot = fn<
    (
      c: string[],
      r: unknown[][],
      f: number,
      t: number,
      s: number,
      g: number,
      k?: number,
    ) => {
      times: number[];
      series: { label: string; values: number[] }[];
    }
  >('panels', 'pivotTimechart');
  const p = pivot(
    ['_time', 'source', 'count'],
    [
      [0, 'http', 60],
      [60_000, 'http', 120],
      [60_000, 'syslog', 6],
    ],
    0,
    180_000,
    60_000,
    1,
    1 / 60,
  );
  assert.deepEqual(p.times, [0, 60_000, 120_000]);
  assert.deepEqual(p.series, [
    { label: 'http', values: [1, 2, 0] },
    { label: 'syslog', values: [0, 0.1, 0] },
  ]);
  const single = pivot(['_time', 'count'], [[60_000, 5]], 0, 120_000, 60_000, 0);
  assert.deepEqual(single.series, [{ label: 'count', values: [0, 5] }]);
  const bars = fn<(r: unknown[][]) => { label: string; value: number }[]>('panels', 'barItems');
  assert.deepEqual(
    bars([
      ['10.0.0.1', 443, 9],
      [null, 3],
    ]),
    [
      { label: '10.0.0.1 443', value: 9 },
      { label: '(none)', value: 3 },
    ],
  );
  const heat = fn<
    (
      f: object[],
      from: number,
      to: number,
      s: number,
    ) => { tactics: string[]; cells: number[][]; max: number }
  >('panels', 'tacticHeatmap');
  const finding = (time: number, ...tactics: string[]) => ({
    time,
    finding_info: { attacks: tactics.map((name) => ({ tactic: { name } })) },
  });
  const h = heat(
    [
      finding(10, 'Execution'),
      finding(20, 'Execution', 'Persistence'),
      finding(70, 'Execution'),
      finding(500),
    ],
    0,
    120,
    60,
  );
  assert.deepEqual(h.tactics, ['Execution', 'Persistence']);
  assert.deepEqual(h.cells, [
    [2, 1],
    [1, 0],
  ]);
  assert.equal(h.max, 2);
});

test('CSV: quoting, embedded newlines, formula injection neutralised; NDJSON one line each', () => {
  const toCsv = fn<(c: string[], r: unknown[][]) => string>('export', 'toCsv');
  assert.equal(
    toCsv(
      ['a', 'b'],
      [
        ['x,y', 'say "hi"'],
        ['=cmd|calc', { k: 1 }],
        [null, 'line\nbreak'],
      ],
    ),
    'a,b\r\n"x,y","say ""hi"""\r\n\'=cmd|calc,"{""k"":1}"\r\n,"line\nbreak"\r\n',
  );
  const eventsToCsv = fn<(e: object[], c: string[]) => string>('export', 'eventsToCsv');
  assert.equal(
    eventsToCsv([{ device: { hostname: 'WS1' }, source: 'x' }], ['device.hostname', 'source']),
    'device.hostname,source\r\nWS1,x\r\n',
  );
  const toNdjson = fn<(i: unknown[]) => string>('export', 'toNdjson');
  assert.equal(toNdjson([{ a: 1 }, { b: 'x\ny' }]), '{"a":1}\n{"b":"x\\ny"}\n');
  assert.equal(toNdjson([]), '');
});

test('entities: filters per kind and related entities by frequency', () => {
  const filter = fn<(k: string, v: string) => string>('entities', 'entityFilter');
  assert.equal(filter('host', 'WS-1'), 'host="WS-1"');
  assert.equal(filter('ip', '10.0.0.1'), '(src_ip=10.0.0.1 OR dst_ip=10.0.0.1)');
  assert.equal(filter('user', 'CORP\\dave'), 'user="CORP\\\\dave"');
  const related = fn<(e: object[], s: object) => { kind: string; value: string; count: number }[]>(
    'entities',
    'relatedEntities',
  );
  const events = [
    { device: { hostname: 'WS1' }, actor: { user: { name: 'dave' } }, dst_endpoint: { ip: '10.0.0.9' } },
    { device: { hostname: 'ws1' }, actor: { user: { name: 'dave' } } },
    { device: { hostname: 'WS1' }, actor: { user: { name: 'eve' } } },
  ];
  assert.deepEqual(related(events, { kind: 'host', value: 'WS1' }), [
    { kind: 'user', value: 'dave', count: 2 },
    { kind: 'ip', value: '10.0.0.9', count: 1 },
    { kind: 'user', value: 'eve', count: 1 },
  ]);
});

test('trace waterfall: depth-first from the roots, children by start, orphans and cycles kept', () => {
  const waterfall = fn<(s: object[]) => { span: { span_id: string }; depth: number }[]>(
    'waterfall',
    'waterfall',
  );
  const span = (span_id: string, parent_span_id: string | null, start: number) => ({
    trace_id: 't',
    span_id,
    parent_span_id,
    name: span_id,
    start,
    duration_ns: 1,
  });
  const order = waterfall([
    span('c2', 'root', 30),
    span('root', null, 0),
    span('c1', 'root', 10),
    span('g1', 'c1', 15),
    span('orphan', 'missing', 5),
    span('x', 'y', 50),
    span('y', 'x', 40),
  ]).map((o) => `${o.span.span_id}:${o.depth}`);
  assert.deepEqual(order, ['root:0', 'c1:1', 'g1:2', 'c2:1', 'orphan:0', 'y:0', 'x:0']);
});

test('traces: spans and summaries in the API shape and the first specified one read alike', () => {
  const span = fn<(r: object) => Record<string, unknown>>('waterfall', 'normalizeSpan');
  const expected = {
    trace_id: 't1',
    span_id: 's1',
    parent_span_id: 'p1',
    name: 'GET /',
    service: 'web',
    start: 1000,
    duration_ns: 5e6,
    status_code: 'error',
    attributes: { a: 1 },
  };
  assert.deepEqual(
    span({
      traceId: 't1',
      spanId: 's1',
      parentSpanId: 'p1',
      name: 'GET /',
      service: 'web',
      start: 1000,
      durationNs: 5e6,
      statusCode: 2,
      attributes: { a: 1 },
    }),
    expected,
  );
  assert.deepEqual(
    span({
      trace_id: 't1',
      span_id: 's1',
      parent_span_id: 'p1',
      name: 'GET /',
      service: 'web',
      start: 1000,
      duration_ns: 5e6,
      status_code: 'error',
      attributes: { a: 1 },
    }),
    expected,
  );
  assert.equal(span({ spanId: 'x', statusCode: 1 }).status_code, 'ok');
  assert.equal(span({ spanId: 'x', parentSpanId: null }).parent_span_id, null);
  const trace = fn<(r: object) => Record<string, unknown>>('waterfall', 'normalizeTrace');
  assert.deepEqual(
    trace({
      traceId: 't1',
      rootName: 'GET /',
      rootService: 'web',
      spanCount: 3,
      start: 5,
      durationMs: 12,
      error: false,
    }),
    { traceId: 't1', root: 'GET /', service: 'web', start: 5, durationMs: 12, spanCount: 3, error: false },
  );
  assert.deepEqual(
    trace({
      trace_id: 't1',
      root: 'GET /',
      service: 'web',
      span_count: 3,
      start: '1970-01-01T00:00:00.005Z',
      duration_ns: 12e6,
      status: 'error',
    }),
    { traceId: 't1', root: 'GET /', service: 'web', start: 5, durationMs: 12, spanCount: 3, error: true },
  );
});
