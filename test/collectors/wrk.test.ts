import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytes, count, parseWrk, timeMs, type WrkResult } from '../../collectors/wrk.js';
import { fixture } from '../helpers/fixtures.js';

const sample = (r: WrkResult, metric: string) => {
  const s = r.samples.find((x) => x.metric === metric);
  assert.ok(s, `sample ${metric} present`);
  return s;
};
const value = (r: WrkResult, metric: string) => {
  const s = sample(r, metric);
  assert.is(s.status, 'ok', `${metric} ok`);
  return s.value as number;
};
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

/** A failed run: requests_per_s, transfer, p50, p99 all failed with a null value and the reason. */
function assertFailed(r: WrkResult, reason: RegExp) {
  assert.is(r.ok, false);
  assert.match(r.reason ?? '', reason);
  const main = r.samples.filter((s) => s.metric !== 'socket_errors');
  assert.equal(
    main.map((s) => s.metric),
    ['requests_per_s', 'transfer', 'latency_p50', 'latency_p99'],
  );
  for (const s of main) {
    assert.is(s.status, 'failed');
    assert.is(s.value, null);
    assert.is(s.reason, r.reason);
  }
}

test('units: wrk time (us/ms/s), binary sizes (KB = 1024 B), metric counts (k = 1000)', () => {
  assert.is(timeMs('119.55us'), 0.11955);
  assert.is(timeMs('2.09ms'), 2.09);
  assert.is(timeMs('1.21s'), 1210);
  assert.is(bytes('90.18MB'), 90.18 * 1024 * 1024);
  assert.is(bytes('332.69B'), 332.69);
  assert.is(bytes('2.86GB'), 2.86 * 1024 ** 3);
  assert.is(count('35.54k'), 35540);
  assert.is(count('246.39'), 246.39);
  assert.is(timeMs('-nan'), undefined);
  assert.is(bytes('12XB'), undefined);
});

test('nginx, 1 KiB file: req/s, transfer in MB/s (10^6 B), percentiles, thread stats, no flags', () => {
  const r = parseWrk(fixture('wrk/nginx-1k.txt'));
  assert.is(r.ok, true);
  assert.is(r.url, 'http://127.0.0.1:18080/file-1024.bin');
  assert.is(r.threads, 1);
  assert.is(r.connections, 4);
  assert.is(r.requests, 73989);
  near(r.elapsedS!, 2.1, 'elapsed');
  assert.is(r.bytesRead, 90.18 * 1024 ** 2);
  assert.is(value(r, 'requests_per_s'), 35231.31);
  near(value(r, 'transfer'), (42.94 * 1024 ** 2) / 1e6, 'transfer');
  near(value(r, 'latency_p50'), 0.1, 'p50');
  near(value(r, 'latency_p75'), 0.129, 'p75');
  near(value(r, 'latency_p90'), 0.162, 'p90');
  near(value(r, 'latency_p99'), 0.386, 'p99');
  near(value(r, 'latency_mean'), 0.11955, 'mean');
  assert.is(value(r, 'latency_max'), 2.15);
  assert.equal(r.reqPerThread, { avg: 35540, stdev: 7770, max: 44450, withinStdevPct: 85.71 });
  assert.is(value(r, 'requests'), 73989);
  assert.is(value(r, 'socket_errors'), 0);
  assert.is(value(r, 'non_2xx'), 0);
  assert.ok(
    r.samples.every((s) => !s.flags),
    'clean run: no flags',
  );
  assert.equal(r.samples.map((s) => s.unit).slice(0, 6), ['req/s', 'MB/s', 'ms', 'ms', 'ms', 'ms']);
});

test('nginx 1 MiB over 2 threads (GB units) and busybox httpd', () => {
  const m = parseWrk(fixture('wrk/nginx-1m.txt'));
  assert.is(m.threads, 2);
  assert.is(value(m, 'requests_per_s'), 2932.54);
  near(value(m, 'transfer'), (2.86 * 1024 ** 3) / 1e6, 'transfer');
  assert.is(value(m, 'latency_p99'), 10.04);
  const b = parseWrk(fixture('wrk/busybox-1k.txt'));
  assert.is(value(b, 'requests_per_s'), 4205.98);
  assert.is(value(b, 'latency_p75'), 0.97);
  near(value(b, 'latency_p50'), 0.738, 'p50');
});

test('latencies in seconds (slow server), trailing blanks', () => {
  const r = parseWrk(fixture('wrk/slow-seconds.txt'));
  assert.is(r.ok, true);
  assert.is(value(r, 'latency_p50'), 1210);
  assert.is(value(r, 'requests_per_s'), 2.66);
  near(value(r, 'transfer'), 332.69 / 1e6, 'transfer');
});

test('socket errors (server killed mid-run, timeouts): ok rows flagged, count summed', () => {
  const k = parseWrk(fixture('wrk/server-killed.txt'));
  assert.is(k.ok, true);
  assert.equal(k.socketErrors, { connect: 0, read: 2, write: 796, timeout: 0 });
  assert.is(value(k, 'socket_errors'), 798);
  assert.is(value(k, 'requests_per_s'), 2788.42);
  assert.ok(k.samples.every((s) => s.flags?.includes('socket-errors')));
  const t = parseWrk(fixture('wrk/timeouts.txt'));
  assert.is(value(t, 'socket_errors'), 4);
  assert.equal(t.socketErrors, { connect: 0, read: 0, write: 0, timeout: 4 });
  assert.equal(sample(t, 'requests_per_s').flags, ['socket-errors']);
});

test("unable to connect -> failed rows with wrk's words", () => {
  const r = parseWrk(fixture('wrk/refused.txt'));
  assertFailed(r, /^wrk: unable to connect to 127\.0\.0\.1:18099 Connection refused$/);
  assert.not.ok(r.samples.some((s) => s.metric === 'socket_errors'));
});

test('zero requests (every answer slower than --timeout) -> failed, never 0 req/s', () => {
  const r = parseWrk(fixture('wrk/all-timeout.txt'));
  assertFailed(r, /completed 0 requests in 2\.00s/);
  assert.is(r.requestsPerS, 0);
  assert.not.ok(r.samples.some((s) => s.status === 'ok' && s.metric === 'requests_per_s'));
});

test('every response non-2xx/3xx -> failed; some -> flagged', () => {
  const text = fixture('wrk/non2xx.txt');
  assertFailed(parseWrk(text), /all 112536 responses were non-2xx\/3xx/);
  // Derived in the test from the real capture: only part of the responses non-2xx.
  const some = parseWrk(text.replace('Non-2xx or 3xx responses: 112536', 'Non-2xx or 3xx responses: 10'));
  assert.is(some.ok, true);
  assert.is(value(some, 'non_2xx'), 10);
  assert.equal(sample(some, 'requests_per_s').flags, ['non-2xx']);
});

test('empty or cut output -> failed with a reason', () => {
  assertFailed(parseWrk(''), /no output/);
  const cut = fixture('wrk/nginx-1k.txt').split('\n').slice(0, 8).join('\n');
  assertFailed(parseWrk(cut), /no summary/);
  assertFailed(parseWrk('Usage: wrk <options> <url>\n  Options:\n'), /no summary.*Usage/);
});

test.run();
