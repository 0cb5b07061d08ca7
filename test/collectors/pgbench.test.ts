import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { latencyPercentileSamples, parsePgbench, parsePgbenchInit, parsePgbenchLog, type PgbenchResult } from '../../collectors/pgbench.js';
import { percentile } from '../../collectors/ping.js';
import { fixture, fixturePath } from '../helpers/fixtures.js';

/** A captured run: stdout, stderr and the exit code noted in test/fixtures/pgbench/README.md. */
const captured = (name: string, exitCode: number) => parsePgbench(fixture(`pgbench/${name}.out`), fixture(`pgbench/${name}.err`), exitCode);
const value = (r: PgbenchResult, metric: string) => {
  const s = r.samples.find((x) => x.metric === metric);
  assert.ok(s, `sample ${metric} present`);
  assert.is(s.status, 'ok', `${metric} ok`);
  return s.value;
};
function assertFailed(r: PgbenchResult, reason: RegExp) {
  assert.is(r.ok, false);
  assert.match(r.reason ?? '', reason);
  assert.equal(
    r.samples.map((s) => [s.metric, s.unit]),
    [
      ['tps', 'tx/s'],
      ['latency_avg', 'ms'],
    ],
  );
  for (const s of r.samples) {
    assert.is(s.status, 'failed');
    assert.is(s.value, null);
    assert.is(s.reason, r.reason);
  }
}
const logText = (dir: string) =>
  readdirSync(fixturePath(`pgbench/${dir}`))
    .sort()
    .map((f) => fixture(`pgbench/${dir}/${f}`))
    .join('');

test('tpcb-like with -P and -r: tps, latency avg/stddev, failed 0, connection time, statements', () => {
  const r = captured('tpcb', 0);
  assert.is(r.ok, true);
  assert.is(r.version, '15.18 (Debian 15.18-0+deb12u1)');
  assert.is(r.transactionType, '<builtin: TPC-B (sort of)>');
  assert.equal([r.scale, r.clients, r.threads, r.durationS], [1, 4, 2, 3]);
  assert.is(value(r, 'tps'), 1903.973427);
  assert.is(value(r, 'latency_avg'), 2.089);
  assert.is(value(r, 'latency_stddev'), 0.897);
  assert.is(value(r, 'failed_tx'), 0, 'a reported 0 failed transactions is a real count');
  assert.is(value(r, 'connection_time'), 6.823);
  assert.is(value(r, 'transactions'), 5708);
  assert.is(r.statements.length, 11);
  assert.equal(r.statements[8], { latencyMs: 0.874, failures: 0, command: 'UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;' });
  assert.equal(
    r.samples.map((s) => s.unit),
    ['tx/s', 'ms', 'ms', 'count', 'ms', 'count'],
  );
});

test('select-only without -P: no stddev line, so no stddev sample (never a made-up one)', () => {
  const r = captured('select', 0);
  assert.is(r.transactionType, '<builtin: select only>');
  assert.is(value(r, 'tps'), 11947.790292);
  assert.is(value(r, 'latency_avg'), 0.335);
  assert.is(r.latencyStddevMs, undefined);
  assert.not.ok(r.samples.some((s) => s.metric === 'latency_stddev'));
  assert.equal(r.statements, []);
});

test("connection refused / no route: failed with pgbench's own error text", () => {
  assertFailed(captured('refused', 1), /^pgbench: connection to server at "10\.252\.0\.1", port 55433 failed: Connection refused$/);
  assertFailed(captured('unreach', 1), /^pgbench: connection to server at "10\.252\.0\.99", port 55432 failed: No route to host$/);
});

test('clients aborted mid-run: "Run was aborted" wins over the numbers pgbench still printed', () => {
  const out = fixture('pgbench/aborted.out');
  assert.match(out, /^tps = 1569\.177659/m, 'the fixture holds a tps that must not leak');
  const r = captured('aborted', 2);
  assertFailed(
    r,
    /^pgbench: Run was aborted; the above results are incomplete\. \(first error: client 1 script 0 aborted in command 8 query 0: FATAL: {2}terminating connection due to administrator command\)$/,
  );
  assert.is(r.tps, undefined);
  // Even with a zero exit code (it is not: 2), the error lines alone fail the run.
  assertFailed(parsePgbench(out, fixture('pgbench/aborted.err'), 0), /Run was aborted/);
});

test('exit code without error text, killed, empty or cut-short output', () => {
  const out = fixture('pgbench/select.out');
  assertFailed(parsePgbench(out, '', 3), /^pgbench exited 3 with no error text$/);
  assertFailed(parsePgbench(out, 'something odd\n', 3), /^pgbench exited 3: something odd$/);
  assertFailed(parsePgbench(out, '', null), /killed/);
  assertFailed(parsePgbench('', '', 0), /no report/);
  assertFailed(
    parsePgbench(
      out
        .split('\n')
        .filter((l) => !l.startsWith('tps'))
        .join('\n'),
      '',
      0,
    ),
    /no "tps = \.\.\." line/,
  );
  assertFailed(parsePgbench(out.replace(/^latency average = .*$/m, ''), '', 0), /no "latency average/);
  assertFailed(parsePgbench(out.replace(/^tps = [\d.]+/m, 'tps = nan'), '', 0), /hold no number/);
});

test('per-transaction log (2 threads, 1% sampled): latencies in ms, type-7 percentiles', () => {
  const r = captured('logged', 0);
  assert.is(value(r, 'tps'), 12138.275449);
  const log = parsePgbenchLog(logText('logged'));
  assert.is(log.latenciesMs.length, 134, '74 + 60 lines in the two files');
  assert.equal([log.failed, log.skipped, log.malformed], [0, 0, 0]);
  assert.is(log.latenciesMs[0], 0.133, 'first line: time 133 us');
  const s = latencyPercentileSamples(log, ['sampling_rate=0.01']);
  assert.equal(
    s.map((x) => x.metric),
    ['latency_p50', 'latency_p95', 'latency_p99'],
  );
  const sorted = [...log.latenciesMs].sort((a, b) => a - b);
  // Type 7 by hand: h = (n - 1) p = 133 x 0.5 = 66.5 for the median of 134 values.
  assert.is(s[0].value, sorted[66] + 0.5 * (sorted[67] - sorted[66]));
  assert.is(s[2].value, percentile(log.latenciesMs, 99));
  assert.ok((s[0].value as number) <= (s[1].value as number) && (s[1].value as number) <= (s[2].value as number));
  assert.equal(s[0].flags, ['sampling_rate=0.01']);
});

test('log with --rate: the 7th column (schedule lag) is accepted; failed/skipped/malformed lines are counted, not timed', () => {
  const log = parsePgbenchLog(logText('rate'));
  assert.is(log.latenciesMs.length, 90);
  assert.is(log.latenciesMs[0], 1.543);
  const mixed = parsePgbenchLog('0 1 skipped 0 1795323787 131628 108\n0 2 failed 0 1795323787 131700\nnot a line\n0 3 1000 0 1795323787 131800\n');
  assert.equal([mixed.latenciesMs, mixed.failed, mixed.skipped, mixed.malformed], [[1], 1, 1, 1]);
  assert.equal(latencyPercentileSamples(mixed)[0].flags, ['log-malformed-lines=1']);
});

test('empty log: percentile rows failed with a reason', () => {
  const s = latencyPercentileSamples(parsePgbenchLog(''));
  assert.is(s.length, 3);
  for (const x of s) {
    assert.is(x.status, 'failed');
    assert.is(x.value, null);
    assert.match(x.reason ?? '', /no completed transaction/);
  }
});

test('pgbench -i: total seconds, or the connection error', () => {
  assert.equal(parsePgbenchInit(fixture('pgbench/init.txt')), { ok: true, seconds: 0.31 });
  const bad = parsePgbenchInit(fixture('pgbench/init-refused.txt'));
  assert.is(bad.ok, false);
  assert.match(bad.reason ?? '', /^pgbench -i: connection to server at "10\.252\.0\.1", port 55433 failed: Connection refused$/);
  assert.match(parsePgbenchInit('creating tables...\n').reason ?? '', /did not finish: creating tables\.\.\./);
});

test.run();
