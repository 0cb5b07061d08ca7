import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pingArgs, pingDeadlineS, PING_DEADLINE_MARGIN_S } from '../../runners/ping-cmd.js';

test('the fixture capture commands (ok-20, partial-loss, dup)', () => {
  assert.equal(pingArgs({ target: '10.251.0.2', count: 20, intervalS: 0.01 }), ['ping', '-n', '-c', '20', '-i', '0.01', '-W', '2', '10.251.0.2']);
  assert.is(pingArgs({ target: '10.251.0.2', count: 60, intervalS: 0.01 }).join(' '), 'ping -n -c 60 -i 0.01 -W 2 10.251.0.2');
  assert.is(pingArgs({ target: '10.251.1.2', count: 10, intervalS: 0.01 }).join(' '), 'ping -n -c 10 -i 0.01 -W 2 10.251.1.2');
});

test('per-reply timeout and payload size; the target comes last', () => {
  const argv = pingArgs({ target: 'fd00::2', count: 100, intervalS: 0.2, timeoutS: 2, size: 1400 });
  assert.equal(argv, ['ping', '-n', '-c', '100', '-i', '0.2', '-W', '2', '-s', '1400', 'fd00::2']);
  assert.ok(argv.every((a) => typeof a === 'string'));
});

test('deadline: whole seconds, always beyond count * interval (+ timeout)', () => {
  assert.is(pingDeadlineS({ count: 20, intervalS: 0.01 }), Math.ceil(0.2 + 2 + PING_DEADLINE_MARGIN_S));
  assert.is(pingDeadlineS({ count: 100, intervalS: 0.2, timeoutS: 2 }), 25);
  for (const [count, intervalS, timeoutS] of [
    [1, 0.002, undefined],
    [1000, 0.01, 1],
    [7, 1.5, 0.5],
  ] as const) {
    const d = pingDeadlineS({ count, intervalS, timeoutS });
    assert.ok(Number.isInteger(d));
    assert.ok(d > count * intervalS + (timeoutS ?? 0), `${d} > ${count} * ${intervalS}`);
  }
});

// count and intervalS limits are checked once, in ping-options (test/runners/ping-options.test.ts).
test('validation names the field, what was expected and what was given', () => {
  const base = { target: '10.251.0.2', count: 20, intervalS: 0.01 };
  const bad = (o: object, re: RegExp) => assert.throws(() => pingArgs({ ...base, ...o } as Parameters<typeof pingArgs>[0]), re);
  bad({ timeoutS: 0 }, /^ping\.timeoutS: expected a positive number of seconds.*got 0$/);
  bad({ size: 8 }, /^ping\.size: expected a payload size in bytes, a whole number from 16 to 65507, got 8$/);
  bad({ target: '-f' }, /^ping\.target: expected a host name or IP address.*got "-f"$/);
  bad({ target: '10.0.0.1 -f' }, /ping\.target: /);
});

test.run();
