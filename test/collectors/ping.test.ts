import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePing, percentile, PING_RTT_METRICS, type PingResult } from '../../collectors/ping.js';
import { fixture } from '../helpers/fixtures.js';

const value = (r: PingResult, metric: string) => {
  const s = r.samples.find((x) => x.metric === metric);
  assert.ok(s, `sample ${metric} present`);
  assert.is(s.status, 'ok', `${metric} ok`);
  return s.value as number;
};
const near = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);

function assertRttFailed(r: PingResult, reason: RegExp) {
  assert.is(r.ok, false);
  assert.match(r.reason ?? '', reason);
  for (const m of PING_RTT_METRICS) {
    const s = r.samples.find((x) => x.metric === m);
    assert.ok(s, `${m} present`);
    assert.is(s.status, 'failed');
    assert.is(s.value, null);
    assert.is(s.reason, r.reason);
    assert.is(s.unit, 'ms');
  }
}

test('percentile: linear interpolation between closest ranks (type 7)', () => {
  assert.is(percentile([3, 1, 2], 50), 2);
  assert.is(percentile([1, 2, 3, 4], 50), 2.5);
  assert.is(percentile([10, 20, 30, 40, 50], 90), 46);
  assert.is(percentile([1, 2, 3, 4], 0), 1);
  assert.is(percentile([1, 2, 3, 4], 100), 4);
  assert.is(percentile([7], 99), 7);
  assert.throws(() => percentile([], 50), /at least one value/);
  assert.throws(() => percentile([1], 101), /p from 0 to 100, got 101/);
});

test('20 replies: per-packet RTTs in order and stats from them, consistent with the summary', () => {
  const r = parsePing(fixture('ping/ok-20.txt'));
  assert.is(r.ok, true);
  assert.is(r.rtts.length, 20);
  assert.equal(r.rtts[0], { seq: 1, ms: 0.044 });
  assert.equal(r.rtts[19], { seq: 20, ms: 0.04 });
  assert.equal(
    r.rtts.map((x) => x.seq),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.is(r.transmitted, 20);
  assert.is(r.received, 20);
  assert.is(r.lossPct, 0);
  assert.is(value(r, 'loss'), 0);
  const ms = r.rtts.map((x) => x.ms);
  near(value(r, 'rtt_median'), 0.0395); // sorted values 10 and 11: 0.039 and 0.040
  near(value(r, 'rtt_p99'), percentile(ms, 99));
  near(value(r, 'rtt_p99'), 0.04743); // h = 18.81 between 0.045 and 0.048
  assert.is(value(r, 'rtt_min'), 0.019); // summary: 0.019/0.036/0.048/0.008
  assert.is(value(r, 'rtt_max'), 0.048);
  near(value(r, 'rtt_mean'), 0.0362);
  near(value(r, 'rtt_mdev'), 0.008, 0.0005);
  assert.equal(
    r.samples.map((s) => s.unit),
    ['%', 'ms', 'ms', 'ms', 'ms', 'ms', 'ms'],
  );
});

test('partial loss (echo replies switched off for 0.2 s): loss from the counts, RTTs from the 60 replies', () => {
  const r = parsePing(fixture('ping/partial-loss.txt'));
  assert.is(r.ok, true);
  assert.is(r.transmitted, 73);
  assert.is(r.received, 60);
  near(value(r, 'loss'), (13 / 73) * 100); // printed as 17.8082%
  assert.is(r.rtts.length, 60);
  assert.is(value(r, 'rtt_min'), 0.014);
  assert.is(value(r, 'rtt_max'), 0.051);
});

test('ping -O: "no answer yet" lines are recorded, not mistaken for replies', () => {
  const r = parsePing(fixture('ping/no-answer-O.txt'));
  assert.equal(r.noAnswer, [10, 11, 12, 13]);
  assert.is(r.rtts.length, 30);
  assert.not.ok(r.rtts.some((x) => x.seq >= 10 && x.seq <= 13));
  near(value(r, 'loss'), (4 / 34) * 100);
});

test('duplicates (DUP!): counted, only the first reply of a seq is timed', () => {
  const r = parsePing(fixture('ping/dup.txt'));
  assert.is(r.ok, true);
  assert.is(r.duplicates, 9);
  assert.is(r.rtts.length, 10);
  assert.equal(r.rtts[1], { seq: 2, ms: 0.078 }); // its DUP! came at 0.080
  assert.is(value(r, 'rtt_max'), 0.078);
  assert.is(value(r, 'loss'), 0);
});

test('100% loss: loss 100 (measured, flagged no-reply); RTT samples failed with a reason', () => {
  const r = parsePing(fixture('ping/loss-100.txt'));
  assertRttFailed(r, /^no reply: 100% packet loss \(12 sent; From 10\.251\.0\.1 icmp_seq=1 Destination Host Unreachable\)$/);
  assert.is(r.transmitted, 12);
  assert.is(r.received, 0);
  assert.is(r.errors, 12);
  assert.equal(r.rtts, []);
  const loss = r.samples.find((s) => s.metric === 'loss');
  assert.equal(loss, { metric: 'loss', value: 100, unit: '%', status: 'ok', flags: ['no-reply'] });
});

test("unreachable network: every sample failed with ping's own error text", () => {
  const r = parsePing(fixture('ping/unreachable.txt'));
  assertRttFailed(r, /^ping: connect: Network is unreachable$/);
  const loss = r.samples.find((s) => s.metric === 'loss');
  assert.equal(loss, { metric: 'loss', value: null, unit: '%', status: 'failed', reason: 'ping: connect: Network is unreachable' });
  assert.is(r.transmitted, null);
  assert.is(r.lossPct, null);
});

test('cut short (SIGKILL, no summary): replies kept in rtts, samples failed', () => {
  const r = parsePing(fixture('ping/killed.txt'));
  assertRttFailed(r, /^ping was cut short: no summary line \(6 replies seen\)$/);
  assert.is(r.rtts.length, 6);
  assert.equal(r.rtts[3], { seq: 4, ms: 0.144 });
  const loss = r.samples.find((s) => s.metric === 'loss');
  assert.is(loss?.status, 'failed');
  assert.is(loss?.value, null);
});

test('empty and unparsable output', () => {
  assertRttFailed(parsePing(''), /^ping produced no output$/);
  assertRttFailed(parsePing('Usage: ping [options] <destination>\n'), /^ping output not understood: Usage: ping/);
  assert.is(parsePing('').samples.find((s) => s.metric === 'loss')?.value, null);
});

test('DUP! replies are not replies: not timed, not in received, loss from the summary', () => {
  const text = fixture('ping/dup.txt');
  const r = parsePing(text);
  assert.is(r.received, 10);
  assert.equal(
    r.rtts.map((x) => x.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  // Drop the first reply of seq 3 (keep its DUP!) and say so in the summary: seq 3 is then lost, not timed from its DUP!.
  const lines = text
    .split('\n')
    .filter((l) => !/icmp_seq=3 .*time=0\.060 ms$/.test(l))
    .map((l) => l.replace(/^10 packets transmitted, 10 received/, '10 packets transmitted, 9 received'));
  const m = parsePing(lines.join('\n'));
  assert.is(
    m.rtts.some((x) => x.seq === 3),
    false,
  );
  assert.is(m.rtts.length, 9);
  assert.is(m.samples.find((s) => s.metric === 'loss')?.value, 10);
});

test('100% loss: an ok loss=100 row and every RTT summary row failed with the reason', () => {
  const r = parsePing(fixture('ping/loss-100.txt'));
  const loss = r.samples.filter((s) => s.metric === 'loss');
  assert.equal(
    loss.map((s) => [s.status, s.value]),
    [['ok', 100]],
  );
  for (const m of PING_RTT_METRICS) {
    const s = r.samples.find((x) => x.metric === m);
    assert.ok(s, m);
    assert.is(s.status, 'failed');
    assert.is(s.value, null);
    assert.match(s.reason ?? '', /100% packet loss/);
  }
});

test.run();
