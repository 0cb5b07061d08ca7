import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { outage, pingReplies } from '../../collectors/ping-gaps.js';
import { fixture } from '../helpers/fixtures.js';

test('ping -D output (captured here): receive times and sequence numbers of every reply', () => {
  const r = pingReplies(fixture('ping-D-loopback.txt'));
  assert.is(r.length, 6);
  assert.equal(
    r.map((x) => x.seq),
    [1, 2, 3, 4, 5, 6],
  );
  assert.ok(r.every((x, i) => i === 0 || x.at > r[i - 1].at));
  assert.ok(r[0].at > 1.7e9, 'epoch seconds');
});

test('outage: the longest gap between consecutive replies overlapping the window; replies after it; lost in it', () => {
  // Replies every 10 ms, none between 1.00 and 1.25 s (seq 101..124 lost), then again.
  const replies = [
    ...Array.from({ length: 100 }, (_, i) => ({ at: 0.01 * (i + 1), seq: i + 1 })),
    ...Array.from({ length: 50 }, (_, i) => ({ at: 1.25 + 0.01 * i, seq: 125 + i })),
  ];
  const o = outage(replies, 0.5, 1.3);
  assert.ok(Math.abs(o.longestGapMs - 250) < 1e-6, `${o.longestGapMs}`);
  assert.is(o.lostInWindow, 24);
  assert.is(o.repliesAfter, replies.filter((r) => r.at > 1.3).length);
  // A gap wholly before the window does not count.
  assert.ok(outage(replies, 1.3, 1.5).longestGapMs < 11);
  // No reply after the window: the caller is told (the target did not come back).
  assert.is(outage(replies.slice(0, 100), 0.5, 1.3).repliesAfter, 0);
});

test.run();
