import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionActivity,
  addressEndpoint,
  ci,
  emailOf,
  identifiedActor,
  identifiedEndpoint,
  osOf,
  testCaseLog,
  testCaseOfType,
  testCaseTags,
  timeOf,
  verbActivity,
} from './cloud-common.js';

const CTX = { source: 't', receivedAt: 0 };

describe('timeOf', () => {
  test('zoned text, epoch numbers and zone-less wall clocks in the configured zone', () => {
    assert.deepEqual(timeOf('2024-03-01T10:00:00Z', CTX), {
      time: Date.UTC(2024, 2, 1, 10),
      original: '2024-03-01T10:00:00Z',
    });
    assert.equal(
      timeOf('2019-10-18T09:45:48.0729893+00:00', CTX)?.time,
      Date.UTC(2019, 9, 18, 9, 45, 48, 72),
    );
    assert.deepEqual(timeOf(1729176166108, CTX), { time: 1729176166108, original: '1729176166108' });
    assert.equal(timeOf(1557178806, CTX)?.time, 1557178806000);
    assert.equal(timeOf('2022-06-22 18:18:29.015', CTX)?.time, Date.UTC(2022, 5, 22, 18, 18, 29, 15));
    const ny = { ...CTX, timezone: 'America/New_York' };
    assert.equal(timeOf('2022-01-10 12:00:00', ny)?.time, Date.UTC(2022, 0, 10, 17), 'EST');
    assert.equal(timeOf('2022-07-10 12:00:00', ny)?.time, Date.UTC(2022, 6, 10, 16), 'EDT');
  });

  test('what is no time is undefined', () => {
    for (const v of [
      undefined,
      null,
      '',
      'yesterday',
      '2024-13-01 00:00:00',
      '2024-01-01 25:00:00',
      1e300,
      -5,
      {},
      true,
    ]) {
      assert.equal(timeOf(v, CTX), undefined, String(v));
    }
  });
});

describe('fields', () => {
  test('ci reads the key or its lower-cased form', () => {
    assert.equal(ci({ eventName: 'a', eventname: 'b' }, 'eventName'), 'a');
    assert.equal(ci({ eventname: 'b' }, 'eventName'), 'b');
    assert.equal(ci({}, 'eventName'), undefined);
  });

  test('addresses: IPs, host names, and the rest kept as a name', () => {
    assert.deepEqual(addressEndpoint('10.0.0.1'), { ip: '10.0.0.1' });
    assert.deepEqual(addressEndpoint('2001:db8::1'), { ip: '2001:db8::1' });
    assert.deepEqual(addressEndpoint('ec2.amazonaws.com'), { domain: 'ec2.amazonaws.com' });
    assert.equal(addressEndpoint('10.01.0.7'), undefined);
    assert.equal(addressEndpoint('AWS Internal'), undefined);
    assert.deepEqual(identifiedEndpoint({}, 'AWS Internal'), { name: 'AWS Internal' });
    assert.deepEqual(identifiedEndpoint({}), { name: 'unknown' });
    assert.deepEqual(identifiedEndpoint({ ip: '10.0.0.1' }, 'x'), { ip: '10.0.0.1' });
    assert.deepEqual(identifiedActor({}), { user: { name: 'unknown' } });
    assert.deepEqual(identifiedActor({ app_name: 'a' }), { app_name: 'a' });
  });

  test('e-mail and OS', () => {
    assert.equal(emailOf('a.b@example.com'), 'a.b@example.com');
    assert.equal(emailOf('not an address'), undefined);
    assert.deepEqual(osOf('Mac OS X'), { name: 'Mac OS X', type_id: 300, type: 'macOS' });
    assert.equal(osOf('Android 11')?.type_id, 201);
    assert.equal(osOf('Plan 9')?.type_id, 0);
  });

  test('activities from verbs and dotted actions', () => {
    assert.equal(verbActivity('Delete'), 4);
    assert.equal(verbActivity('frobnicate'), undefined);
    assert.equal(actionActivity('org.add_member'), 1);
    assert.equal(actionActivity('protected_branch.destroy'), 4);
    assert.equal(actionActivity('user.mfa.factor.reset_all'), 3);
    assert.equal(actionActivity('application.user_membership.show_password'), 2);
    assert.equal(actionActivity('system.agent.ad.agent_instance_added'), 1);
    assert.equal(actionActivity('workflows.completed_workflow_run'), 3);
    assert.equal(actionActivity('git.push'), 99);
    assert.equal(actionActivity('constructor'), 99, 'no prototype lookups');
  });
});

describe('test cases', () => {
  const wrapped = {
    rule_id: 'R',
    log_types: ['A', 'B'],
    test_name: 'T',
    expected_result: false,
    mitre: null,
    log: { x: 1 },
  };

  test('the log of a test case, its types and its tags', () => {
    assert.deepEqual(testCaseLog(wrapped), { x: 1 });
    assert.equal(
      testCaseLog({ rule_id: 'R', log: { x: 1 } }),
      undefined,
      'no expected_result: not a test case',
    );
    assert.equal(testCaseLog({ log: 'text', rule_id: 'R', expected_result: true }), undefined);
    assert.ok(testCaseOfType(wrapped, 'B'));
    assert.equal(testCaseOfType(wrapped, 'C'), false);
    assert.equal(testCaseOfType({ log_types: null }, 'A'), false);
    assert.deepEqual(testCaseTags(wrapped), [
      { name: 'test_case.rule_id', value: 'R' },
      { name: 'test_case.test_name', value: 'T' },
      { name: 'test_case.expected_result', value: 'false' },
      { name: 'test_case.log_types', value: 'A,B' },
    ]);
  });
});
