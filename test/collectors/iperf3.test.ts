import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIperf3, type Iperf3Result } from '../../collectors/iperf3.js';
import { fixture } from '../helpers/fixtures.js';

const value = (r: Iperf3Result, metric: string) => {
  const s = r.samples.find((x) => x.metric === metric);
  assert.ok(s, `sample ${metric} present`);
  assert.is(s.status, 'ok', `${metric} ok`);
  return s.value;
};

/** Every failure: no ok sample, throughput rows failed with a null value and the given reason. */
function assertFailed(r: Iperf3Result, reason: RegExp) {
  assert.is(r.ok, false);
  assert.match(r.reason ?? '', reason);
  assert.equal(
    r.samples.map((s) => s.metric),
    ['throughput', 'throughput_sender'],
  );
  for (const s of r.samples) {
    assert.is(s.status, 'failed');
    assert.is(s.value, null);
    assert.is(s.reason, r.reason);
  }
}

test('-P 1: receiver/sender Mbit/s, retransmits, mean RTT (us -> ms), CPU', () => {
  const r = parseIperf3(fixture('iperf3/ok-p1.json'));
  assert.is(r.ok, true);
  assert.is(r.version, 'iperf 3.12');
  assert.is(r.streams, 1);
  assert.is(r.reverse, false);
  assert.is(r.durationS, 2.000358);
  assert.is(value(r, 'throughput'), 27935111833.823647 / 1e6);
  assert.is(value(r, 'throughput_sender'), 27945839550.720425 / 1e6);
  assert.is(value(r, 'retransmits'), 265);
  assert.is(value(r, 'rtt_mean'), 0.039);
  assert.is(value(r, 'cpu_host'), 98.192859850859364);
  assert.is(value(r, 'cpu_remote'), 66.806655289676);
  assert.equal(
    r.samples.map((s) => s.unit),
    ['Mbit/s', 'Mbit/s', 'count', 'ms', '%', '%'],
  );
});

test("the congestion control iperf3 reports the sender used becomes each ok sample's tcp_cc (-C cubic in namespaces defaulting to bbr)", () => {
  const cubic = parseIperf3(fixture('iperf3/ok-p1-cubic.json'));
  assert.is(cubic.senderCongestion, 'cubic');
  assert.is(cubic.receiverCongestion, 'cubic');
  for (const s of cubic.samples) assert.equal(s.params, { tcp_cc: 'cubic' }, s.metric);
  const plain = parseIperf3(fixture('iperf3/ok-p1.json'));
  assert.is(plain.senderCongestion, 'bbr', "without -C: the namespace's default");
  assert.ok((value(plain, 'throughput') ?? 0) > 0);
  // a failed test names no algorithm
  const refused = parseIperf3(fixture('iperf3/refused.json'));
  assert.is(refused.senderCongestion, undefined);
  for (const s of refused.samples) assert.is(s.params, undefined);
});

test('-P 4: sums over all streams; rtt_mean is the mean of the 4 streams', () => {
  const r = parseIperf3(fixture('iperf3/ok-p4.json'));
  assert.is(r.streams, 4);
  assert.is(value(r, 'throughput'), 30921376234.371464 / 1e6);
  assert.is(value(r, 'throughput_sender'), 30922365697.137516 / 1e6);
  assert.is(value(r, 'retransmits'), 212); // 93 + 58 + 50 + 11
  assert.is(value(r, 'rtt_mean'), (15 + 16 + 15 + 14) / 4 / 1000);
});

test('-R: reverse detected; no rtt_mean sample (the report holds mean_rtt 0, never shown as a value)', () => {
  const r = parseIperf3(fixture('iperf3/reverse-p1.json'));
  assert.is(r.ok, true);
  assert.is(r.reverse, true);
  assert.is(value(r, 'throughput'), 26216599408.20769 / 1e6);
  assert.is(value(r, 'retransmits'), 404);
  assert.is(r.rttMeanMs, undefined);
  assert.not.ok(r.samples.some((s) => s.metric === 'rtt_mean'));
});

test('-b 500M: throughput close to the limit, 0 retransmits is a real count', () => {
  const r = parseIperf3(fixture('iperf3/bitrate-500m.json'));
  assert.is(value(r, 'throughput'), 500120739.9260074 / 1e6);
  assert.ok(Math.abs((value(r, 'throughput') as number) - 500) < 1);
  assert.is(value(r, 'retransmits'), 0);
});

test('error key: connection refused / no route / connect timeout / server busy', () => {
  assertFailed(parseIperf3(fixture('iperf3/refused.json')), /^unable to connect to server: Connection refused$/);
  assertFailed(parseIperf3(fixture('iperf3/no-route.json')), /^unable to connect to server: Network is unreachable$/);
  assertFailed(parseIperf3(fixture('iperf3/connect-timeout.json')), /^unable to connect to server: Connection timed out$/);
  const busy = parseIperf3(fixture('iperf3/busy.json'));
  assertFailed(busy, /^the server is busy running a test\. try again later$/);
  assert.is(busy.version, 'iperf 3.12');
});

test('error key with partial intervals and end sums (receiver 0): failed, never the partial numbers', () => {
  const raw = fixture('iperf3/server-killed.json');
  assert.ok(JSON.parse(raw).end.sum_received.bits_per_second === 0, 'fixture holds a zero that must not leak');
  const r = parseIperf3(raw);
  assertFailed(r, /^the server has terminated \(after 3 intervals; partial results discarded\)$/);
  assert.is(r.receiverMbps, undefined);
  assert.is(r.senderMbps, undefined);
});

test('plain-text errors (no --json, or a parameter error printed before JSON starts)', () => {
  assertFailed(parseIperf3(fixture('iperf3/refused.txt')), /^iperf3: error - unable to connect to server: Connection refused$/);
  assertFailed(parseIperf3(fixture('iperf3/bad-parallel.txt')), /^iperf3: parameter error - number of parallel streams too large \(maximum = 128\)$/);
  assertFailed(parseIperf3('something else entirely\n'), /^iperf3 printed text, not JSON: something else entirely$/);
});

test('empty output (client killed with SIGKILL) and truncated JSON', () => {
  assertFailed(parseIperf3(fixture('iperf3/client-killed.json')), /no output/);
  assertFailed(parseIperf3(''), /no output/);
  assertFailed(parseIperf3(fixture('iperf3/truncated.json')), /^iperf3 JSON is truncated or invalid/);
});

test('JSON missing end.sum_received or end.sum_sent (cut out of a real report)', () => {
  const doc = JSON.parse(fixture('iperf3/ok-p1.json'));
  delete doc.end.sum_received;
  assertFailed(parseIperf3(JSON.stringify(doc)), /no end\.sum_received\.bits_per_second/);
  const doc2 = JSON.parse(fixture('iperf3/ok-p1.json'));
  delete doc2.end.sum_sent;
  assertFailed(parseIperf3(JSON.stringify(doc2)), /no end\.sum_sent\.bits_per_second/);
  assertFailed(parseIperf3('{"start": {}, "intervals": [], "end": {}}'), /no end\.sum_received/);
});

test('a warning line before the JSON report does not hide the result', () => {
  const r = parseIperf3('warning: something\n' + fixture('iperf3/ok-p1.json'));
  assert.is(value(r, 'throughput'), 27935111833.823647 / 1e6);
});

/** ok-p1.json with end.<side>.bits_per_second replaced (undefined = removed). */
function withRate(side: 'sum_sent' | 'sum_received', v: unknown): string {
  const doc = JSON.parse(fixture('iperf3/ok-p1.json'));
  if (v === undefined) delete doc.end[side].bits_per_second;
  else doc.end[side].bits_per_second = v;
  // NaN has no JSON form: write it the way a broken producer would (a bare NaN is invalid JSON), or as a string.
  return JSON.stringify(doc);
}

for (const side of ['sum_sent', 'sum_received'] as const) {
  for (const [label, v] of [
    ['0', 0],
    ['negative', -5e6],
    ['missing', undefined],
    ['a string', 'NaN'],
    ['null (NaN serialised)', Number.NaN],
  ] as const) {
    test(`${side} rate ${label}: failed rows with a reason, never an ok throughput`, () => {
      const r = parseIperf3(withRate(side, v));
      assertFailed(r, side === 'sum_sent' ? /sender|sum_sent/ : /receiver|sum_received/);
      assert.not.ok(r.samples.some((s) => s.status === 'ok'));
    });
  }
}

test('a positive sender and receiver rate is still ok after the checks', () => {
  const r = parseIperf3(withRate('sum_sent', 1e6));
  assert.is(value(r, 'throughput_sender'), 1);
});

test.run();
