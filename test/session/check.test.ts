/**
 * The check pass names the command-line option a benchmark option's error came from, found from
 * the scenario's body (no table of fields per option): the parameter whose default gets the check
 * pass past the failure, else the one whose value the failing field holds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { ConfigError } from '../../infra/units.js';
import { checkScenario, optionFor, type CheckSession } from '../../session/check.js';
import { scenarioParams } from '../../session/params.js';

const spec = resolveConfig({
  scenario: 'chk',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
  ],
  wan: { rate: '1Gbit', rtt: '20ms' },
});
const URL = 'file:///x/scenarios/s.mjs';

async function failure(params: Record<string, unknown>, body: (s: CheckSession) => Promise<void>): Promise<string> {
  try {
    await checkScenario(spec, params, body);
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as Error).message;
  }
  return 'no error';
}

test('two options with the same bad value: the one the failing field is fed from is named', async () => {
  const p = scenarioParams(URL, 'd', { a: { type: 'int', default: 5, help: 'a' }, b: { type: 'int', default: 5, help: 'b' } }, [
    '--a',
    '100000',
    '--b',
    '100000',
  ]);
  const msg = await failure(p, async (s) => {
    await s.ping({ pairs: { perGroup: 1 }, count: p.b, intervalS: 0.01 });
    await s.iperf3({ pairs: 'all', durationS: p.a });
  });
  // ping's count 100000 is allowed; iperf3's 100000 s are not: --a, although --b has the same value.
  assert.match(msg, /^--a: expected seconds/);
});

test('a value computed from an option (rows = 2 x --n) is traced to the option', async () => {
  const p = scenarioParams(URL, 'd', { n: { type: 'int', default: 1000, help: 'n' } }, ['--n', String(2 ** 40)]);
  const msg = await failure(p, (s) => s.terasort({ cluster: { kind: 'all' }, rows: 2 * p.n }).then(() => {}));
  assert.match(msg, /^--n: expected a whole number from 1 to 1099511627776, got 2199023255552$/);
});

test('a typed value (Duration) is traced by identity, also when it is the default', async () => {
  const p = scenarioParams(URL, 'd', { rtts: { type: 'durations', default: '20ms,99s', help: 'r' } }, []);
  const msg = await failure(p, async (s) => {
    for (const rtt of p.rtts) await s.withWanRtt(rtt, async () => {});
  });
  assert.match(msg, /^--rtts: expected a round trip of at most 10 s, got "99s"$/);
});

test('a value written in the body, not a parameter, keeps the benchmark field', async () => {
  const p = scenarioParams(URL, 'd', { d: { type: 'int', default: 5, help: 'd' } }, ['--d', '100000']);
  const msg = await failure(p, (s) => s.iperf3({ pairs: 'all', durationS: 100000 }).then(() => {}));
  assert.match(msg, /^iperf3\.durationS: expected seconds/);
});

test('the check pass reads the given values (the defaults only while it traces a failure)', async () => {
  const p = scenarioParams(URL, 'd', { d: { type: 'int', default: 5, help: 'd' } }, ['--d', '7']);
  const plan = await checkScenario(spec, p, (s: CheckSession) => s.iperf3({ pairs: 'all', durationS: p.d }).then(() => {}));
  assert.match(plan.benchmarks[0].detail, /7 s/);
  assert.is(p.d, 7);
});

test('config errors: the option whose value the field holds, else the given options whose defaults get past it', () => {
  const defs = {
    hosts: { type: 'int', default: 2, help: 'h' },
    'nodes-per-host': { type: 'int', default: 2, help: 'n' },
    count: { type: 'int', default: 100, help: 'c' },
    rtt: { type: 'duration', default: '20ms', help: 'r' },
  } as const;
  const config = (p: ReturnType<typeof scenarioParams<typeof defs>>) => ({
    scenario: 'chk',
    sites: ['A', 'B'].map((name) => ({ name, lan: '1Gbit', hosts: p.hosts, nodesPerHost: p['nodes-per-host'] })),
    wan: { rate: '1Gbit' },
  });
  const err = (c: unknown) => {
    try {
      resolveConfig(c);
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error('no error');
  };
  // 100 hosts: --count has the same value, but only --hosts was given.
  let p = scenarioParams(URL, 'd', defs, ['--hosts', '100']);
  assert.is(optionFor(p, err(config(p)), config(p), resolveConfig), '--hosts');
  // Too many nodes for the subnet: no option holds the failing field's value; both given options are causes.
  p = scenarioParams(URL, 'd', defs, ['--hosts', '64', '--nodes-per-host', '1000', '--count', '7']);
  const e = err(config(p));
  assert.is(e.field, 'clusterSubnet');
  assert.is(optionFor(p, e, config(p), resolveConfig), '--hosts and --nodes-per-host');
  // A Duration by identity.
  p = scenarioParams(URL, 'd', defs, ['--rtt', '11s']);
  const c2 = {
    scenario: 'chk',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit', rtt: p.rtt },
  };
  assert.is(optionFor(p, err(c2), c2, resolveConfig), '--rtt');
});

test.run();
