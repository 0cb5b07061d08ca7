import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iperf3ClientArgs, iperf3ServerArgs } from '../../runners/iperf3-cmd.js';

const base = { server: '10.251.0.2', port: 5201, durationS: 2 };

test('server: one-off, JSON, bound (the command used to capture test/fixtures/iperf3)', () => {
  assert.equal(iperf3ServerArgs({ bind: '10.251.0.2', port: 5201 }), ['iperf3', '-s', '-B', '10.251.0.2', '-p', '5201', '-1', '--json']);
  assert.equal(iperf3ServerArgs({ bind: '::1', port: 5300, oneOff: false }), ['iperf3', '-s', '-B', '::1', '-p', '5300', '--json']);
  assert.equal(iperf3ServerArgs({ bind: '10.251.0.2', port: 5201, idleTimeoutS: 30 }), [
    'iperf3',
    '-s',
    '-B',
    '10.251.0.2',
    '-p',
    '5201',
    '-1',
    '--idle-timeout',
    '30',
    '--json',
  ]);
});

test('client: the fixture capture commands', () => {
  const cmd = (o: Parameters<typeof iperf3ClientArgs>[0]) => iperf3ClientArgs(o).join(' ');
  assert.is(cmd(base), 'iperf3 --json -c 10.251.0.2 -p 5201 -t 2 -P 1');
  assert.is(cmd({ ...base, parallel: 4 }), 'iperf3 --json -c 10.251.0.2 -p 5201 -t 2 -P 4');
  assert.is(cmd({ ...base, reverse: true }), 'iperf3 --json -c 10.251.0.2 -p 5201 -t 2 -P 1 -R');
  assert.is(cmd({ ...base, bitrate: '500M' }), 'iperf3 --json -c 10.251.0.2 -p 5201 -t 2 -P 1 -b 500M');
  assert.is(cmd({ ...base, congestion: 'cubic' }), 'iperf3 --json -c 10.251.0.2 -p 5201 -t 2 -P 1 -C cubic');
  assert.is(cmd({ ...base, server: '10.251.0.77', connectTimeoutMs: 1000 }), 'iperf3 --json -c 10.251.0.77 -p 5201 -t 2 -P 1 --connect-timeout 1000');
});

test('client: every option, each value its own argv element', () => {
  const argv = iperf3ClientArgs({
    ...base,
    parallel: 8,
    reverse: true,
    bitrate: '1.5G/10',
    omitS: 1,
    connectTimeoutMs: 3000,
    bind: '10.251.0.1',
    lengthBytes: 8192,
    pacingTimerUs: 100,
    fqRate: '150M',
  });
  assert.equal(argv, [
    'iperf3',
    '--json',
    '-c',
    '10.251.0.2',
    '-p',
    '5201',
    '-t',
    '2',
    '-P',
    '8',
    '-R',
    '-b',
    '1.5G/10',
    '-O',
    '1',
    '--connect-timeout',
    '3000',
    '-B',
    '10.251.0.1',
    '-l',
    '8192',
    '--pacing-timer',
    '100',
    '--fq-rate',
    '150M',
  ]);
  assert.ok(argv.every((a) => typeof a === 'string'));
  assert.not.ok(iperf3ClientArgs({ ...base, reverse: false }).includes('-R'));
});

// Benchmark limits (duration, streams, bitrate...) are checked once, in iperf3-options (test/runners/iperf3-options.test.ts).
test('validation of addresses and ports names the field, what was expected and what was given', () => {
  const bad = (o: object, re: RegExp) => assert.throws(() => iperf3ClientArgs({ ...base, ...o } as Parameters<typeof iperf3ClientArgs>[0]), re);
  bad({ port: 0 }, /^iperf3\.port: expected a TCP port, a whole number from 1 to 65535, got 0$/);
  bad({ port: 70000 }, /iperf3\.port: .*got 70000$/);
  bad({ server: '-oops' }, /^iperf3\.server: expected a host name or IP address.*got "-oops"$/);
  bad({ server: '10.0.0.1; rm -rf /' }, /iperf3\.server: /);
  bad({ server: '' }, /iperf3\.server: /);
  bad({ bind: 'a b' }, /iperf3\.bind: /);
  assert.throws(() => iperf3ServerArgs({ bind: '10.251.0.2', port: 5201, idleTimeoutS: 0 }), /iperf3\.idleTimeoutS: .*got 0$/);
  assert.throws(() => iperf3ServerArgs({ bind: '', port: 5201 }), /iperf3\.bind: /);
});

test('client: -C takes a plain congestion control name, nothing else', () => {
  assert.throws(() => iperf3ClientArgs({ ...base, congestion: 'cubic -R' }), /iperf3\.congestion: expected a congestion control name/);
  assert.throws(() => iperf3ClientArgs({ ...base, congestion: '' }), /iperf3\.congestion/);
});

test.run();
