import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { median, pingTimesMs } from '../../../infra/lab/base-rtt.js';
import { fixture } from '../../helpers/fixtures.js';

test('ping times are read from real iputils output, with and without -D timestamps; lost pings give none', () => {
  const ok = pingTimesMs(fixture('ping/ok-20.txt'));
  assert.ok(ok.length >= 10, `replies read: ${ok.length}`);
  assert.ok(ok.every((t) => t > 0 && Number.isFinite(t)));
  const d = pingTimesMs(fixture('ping-D-loopback.txt'));
  assert.is(d[0], 0.039);
  assert.equal(pingTimesMs(fixture('ping/loss-100.txt')), []);
});

test('median of odd and even trains', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

test.run();
