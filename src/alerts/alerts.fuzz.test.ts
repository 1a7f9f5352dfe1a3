/**
 * Fuzzing the alerts journal reader and the API's input validation: on anything at all the reader
 * answers (records + warnings, never throws) and whatever it accepts replays without crashing;
 * bodies and query strings are accepted or refused with a message, never an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzOptions, hostileText, mutatedText } from '../testing/fuzz.js';
import { readJournal } from './journal.js';
import { applyRecord, AlertStateError, newAlert, type AlertState, type JournalRecord } from './model.js';
import { alertFilter, alertQuerySchema } from './query.js';
import { bodySchemas, parseBody } from './routes.js';
import { testSignal } from './testing.js';

const alert = newAlert('01J0000000000000000000000A', testSignal(), 1_700_000_000_000, 100);
const sample: JournalRecord[] = [
  { op: 'created', at: 1, alert, key: 'k' },
  {
    op: 'joined',
    at: 2,
    id: alert.id,
    signal: {
      level: 'high',
      firstTime: 1,
      time: 3,
      eventIds: ['7'],
      summary: 's',
      tactics: [],
      techniques: [],
    },
  },
  { op: 'acked', at: 3, id: alert.id, by: 'bob' },
  { op: 'commented', at: 4, id: alert.id, by: 'bob', text: 'x = "y"\n' },
  { op: 'closed', at: 5, id: alert.id, by: 'bob', reason: 'benign', note: '' },
  { op: 'keys', keys: ['a', 'b'] },
];
const journalText = sample.map((r) => JSON.stringify(r) + '\n').join('');

function replay(records: JournalRecord[]): void {
  const state: AlertState = { alerts: new Map(), keys: new Set() };
  for (const r of records)
    try {
      applyRecord(state, structuredClone(r), 100);
    } catch (error) {
      if (!(error instanceof AlertStateError)) throw error;
    }
}

test('journal reader: mutated journals and hostile bytes never throw; accepted records replay', () => {
  fc.assert(
    fc.property(fc.oneof(mutatedText([journalText]), hostileText), (text) => {
      const bytes = Buffer.from(text);
      const { records, warnings, completeBytes } = readJournal(bytes);
      assert.ok(completeBytes >= 0 && completeBytes <= bytes.length);
      assert.ok(completeBytes === bytes.length || warnings.some((w) => /torn last line/.test(w)));
      assert.ok(records.length <= text.split('\n').length);
      replay(records);
    }),
    fuzzOptions(),
  );
});

test('journal reader: the unmodified journal reads back whole, and any cut drops only the torn record', () => {
  const bytes = Buffer.from(journalText);
  assert.deepEqual(readJournal(bytes).records, sample);
  fc.assert(
    fc.property(fc.nat({ max: bytes.length }), (cut) => {
      const { records } = readJournal(bytes.subarray(0, cut));
      const whole = bytes.subarray(0, cut).toString().split('\n').length - 1;
      assert.deepEqual(records, sample.slice(0, whole));
    }),
    fuzzOptions(),
  );
});

const bodyArb = fc.oneof(
  hostileText,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ reason: fc.string(), note: fc.anything() }).map((v) => JSON.stringify(v)),
  fc.record({ assignee: fc.anything(), text: fc.string() }).map((v) => JSON.stringify(v)),
);

test('API bodies: every action accepts or refuses with a message, never throws', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...(Object.keys(bodySchemas) as (keyof typeof bodySchemas)[])),
      bodyArb,
      (action, text) => {
        const result = parseBody(bodySchemas[action], Buffer.from(text));
        if (!result.ok) assert.ok(result.message.length > 0);
      },
    ),
    fuzzOptions(),
  );
});

test('API query strings: accepted queries compile to a filter (or a RangeError for times), else refused', () => {
  const keys = [
    'status',
    'severity',
    'min_severity',
    'rule',
    'entity',
    'q',
    'from',
    'to',
    'sort',
    'limit',
    'offset',
    'group_by',
    'junk',
  ];
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom(...keys),
        fc.oneof(hostileText, fc.constantFrom('new', 'high', '-severity', '10', '-1h', 'rule')),
      ),
      (query) => {
        const parsed = alertQuerySchema.safeParse(query);
        if (!parsed.success) return;
        try {
          const keep = alertFilter(parsed.data, 1_700_000_000_000);
          assert.equal(typeof keep(alert), 'boolean');
        } catch (error) {
          assert.ok(error instanceof RangeError, String(error));
        }
      },
    ),
    fuzzOptions(),
  );
});
