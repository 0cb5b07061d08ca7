import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Duration, Rate } from '../../infra/units.js';
import { scenarioParams, scriptArgs, usage, type ParamDefs } from '../../session/params.js';

const defs: ParamDefs = {
  'wan-rate': { type: 'rate', default: '1Gbit', help: 'L2VPN rate' },
  'wan-rtt': { type: 'duration', default: '20ms', help: 'RTT' },
  'repetitions': { type: 'int', default: 2, help: 'reps' },
  'duration': { type: 'number', default: 5, help: 'seconds' },
  'pairs': { type: 'pairs', default: '2', help: 'pairs' },
  'wan-emulator': { type: 'choice', default: 'auto', choices: ['auto', 'wanem', 'netem'], help: 'emulator' },
};
const URL = 'file:///opt/x/scenarios/s.mjs';

test('defaults apply and overrides are parsed and typed', () => {
  const p = scenarioParams(URL, 'd', defs, ['--wan-rtt', '50ms', '--repetitions', '3', '--duration', '1.5']);
  // Durations and rates are typed values; JSON (run.json) and String (labels) give the text as given.
  assert.equal(JSON.parse(JSON.stringify(p)), {
    'wan-rate': '1Gbit',
    'wan-rtt': '50ms',
    repetitions: 3,
    duration: 1.5,
    pairs: { perGroup: 2 },
    'wan-emulator': 'auto',
  });
  assert.instance(p['wan-rtt'], Duration);
  assert.is((p['wan-rtt'] as Duration).ms, 50);
  assert.is(String(p['wan-rtt']), '50ms');
  assert.instance(p['wan-rate'], Rate);
  assert.is((p['wan-rate'] as Rate).bps, 1e9);
});

test('bad values name the option and what was expected', () => {
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--wan-rate', '1 gigabit']), /--wan-rate: expected a rate such as '1Gbit'/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--wan-rtt', '20']), /--wan-rtt: expected a duration/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--repetitions', '0']), /--repetitions: expected a whole number, 1 or more, got 0$/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--repetitions', '-1']), /--repetitions/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--duration', 'abc']), /--duration: expected a number greater than 0/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--wan-emulator', 'tc']), /--wan-emulator: expected one of auto, wanem, netem/);
  assert.throws(() => scenarioParams(URL, 'd', defs, ['--wan-rtts', '5ms']), /command line: expected options from --help.*wan-rtts/);
});

test('script arguments start after the script path, whatever zx put before it', () => {
  assert.equal(scriptArgs(URL, ['node', '/usr/bin/zx', '--quiet', '/opt/x/scenarios/s.mjs', '--a', '1']), ['--a', '1']);
});

test('list parameters: every element checked, the option named', () => {
  const d = { sizes: { type: 'ints' as const, default: '3,6,12', help: 'sizes' }, rtts: { type: 'durations' as const, default: '0ms,20ms', help: 'rtts' } };
  const dflt = scenarioParams(URL, 'd', d, []);
  assert.equal(dflt.sizes, [3, 6, 12]);
  assert.equal(
    dflt.rtts.map((x) => x.ms),
    [0, 20],
  );
  assert.equal(JSON.parse(JSON.stringify(dflt)), { sizes: [3, 6, 12], rtts: ['0ms', '20ms'] });
  assert.equal(scenarioParams(URL, 'd', d, ['--sizes', '4, 8']).sizes, [4, 8]);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--sizes', '3,,6']), /--sizes.*comma-separated list of positive integers/);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--sizes', '3,0']), /--sizes/);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--rtts', '5ms,fast']), /--rtts/);
  const b = { run: { type: 'set' as const, default: 'ping,iperf3', choices: ['iperf3', 'ping', 'pgbench'], help: 'which' } };
  assert.equal(scenarioParams(URL, 'd', b, []).run, ['ping', 'iperf3']);
  assert.throws(() => scenarioParams(URL, 'd', b, ['--run', 'ping,hadoop']), /--run: expected a comma-separated subset of iperf3, ping, pgbench.*hadoop/);
});

test('rates and zero-allowed numbers', () => {
  const d = { rates: { type: 'rates', default: '1Gbit,500Mbit', help: 'r' }, dirty: { type: 'number', zero: true, default: 0, help: 'd' } } as const;
  const p = scenarioParams(URL, 'd', d, []);
  assert.equal(
    p.rates.map((r) => [r.bps, String(r)]),
    [
      [1e9, '1Gbit'],
      [5e8, '500Mbit'],
    ],
  );
  assert.is(p.dirty, 0);
  assert.is(scenarioParams(URL, 'd', d, ['--dirty', '2.5']).dirty, 2.5);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--rates', '1Gbit,fast']), /--rates: expected a rate such as '1Gbit'.*"fast"/);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--rates', '1Gbit,,2Gbit']), /--rates: expected a comma-separated list of rates/);
  assert.throws(() => scenarioParams(URL, 'd', d, ['--dirty', '-1']), /--dirty/);
});

test('the value object travels: the same Duration reaches the config and withWanRtt, never re-parsed', () => {
  const p = scenarioParams(URL, 'd', defs, []);
  assert.is(p['wan-rtt'], p['wan-rtt']);
  assert.is(Duration.of(p['wan-rtt'], 'x'), p['wan-rtt']); // a Duration is taken as it is
  assert.ok(Object.isFrozen(p['wan-rtt']));
});

test('usage lists every option with its default', () => {
  const u = usage('scenarios/s.mjs', 'desc', defs);
  for (const k of Object.keys(defs)) assert.match(u, `--${k}`);
  assert.match(u, /default: 20ms/);
  assert.match(u, /one of auto, wanem, netem/);
});

test.run();
