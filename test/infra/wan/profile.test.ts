import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../infra/units.js';
import {
  checkJitter,
  compensatedProfile,
  undelayedProfile,
  GATEWAY_UNDERLAY_DEV,
  netemAddLines,
  netemChangeLines,
  wanemArgv,
  withRtt,
  type WanProfile,
} from '../../../infra/wan/profile.js';
import { resolveConfig } from '../../../infra/config.js';
import { planLab, relayArgv } from '../../../infra/lab/plan.js';
import { tbfLines } from '../../../infra/wan/tbf.js';

const P: WanProfile = { a: 'NII', b: 'Hokudai', rateBps: 1e9, rttMs: 20, jitterMs: 2, lossPct: 0.1, mtu: 1500 };
const dir = (profile: WanProfile) => ({ dev: 's1', srcUnderlay: '198.18.1.2', classId: 10, profile });

test('withRtt returns a new profile and leaves the original alone', () => {
  const q = withRtt(P, 40);
  assert.is(q.rttMs, 40);
  assert.is(P.rttMs, 20);
  assert.is(q.jitterMs, 2);
});

test('base RTT compensation takes the path off the delay (never below 0); the undelayed profile keeps only the rate', () => {
  assert.equal(compensatedProfile(P, 0.42), { ...P, rttMs: 19.58 });
  assert.is(compensatedProfile({ ...P, rttMs: 0.3 }, 0.42).rttMs, 0);
  assert.is(P.rttMs, 20, 'the configured profile is left alone');
  assert.throws(() => compensatedProfile(P, Number.NaN), /base RTT of NII-Hokudai: expected 0 ms or more/);
  assert.equal(undelayedProfile(P), { ...P, rttMs: 0, jitterMs: 0, lossPct: 0 });
});

test('one jitter policy: a jitter above half the new RTT is an error, never clamped', () => {
  assert.throws(
    () => withRtt(P, 2, 'withWanRtt.rtt'),
    (e: Error) =>
      e instanceof ConfigError && /withWanRtt\.rtt: expected a jitter of at most half the RTT \(1ms/.test(e.message) && /2ms jitter/.test(e.message),
  );
  assert.is(withRtt(P, 4).jitterMs, 2);
  assert.throws(() => checkJitter(10, 6, 'wan.jitter', '6ms'), /wan\.jitter: expected a jitter of at most half the RTT \(5ms/);
  checkJitter(0, 0, 'wan.jitter');
  assert.throws(() => withRtt(P, -1), /expected a round-trip time of 0 ms or more/);
});

test('wanem argv is rebuilt from the profile: one-way delay, jitter and rate in base units', () => {
  const ends = { aBind: '198.19.1.2:4789', aPeer: '198.18.1.2:4789', bBind: '198.19.2.1:4789', bPeer: '198.18.2.2:4789' };
  const argv = wanemArgv(withRtt(P, 40), ends, '/s.json', 'tag');
  const flag = (f: string) => argv[argv.indexOf(f) + 1];
  assert.is(flag('--delay-us'), '20000');
  assert.is(flag('--jitter-us'), '2000');
  assert.is(flag('--rate-bps'), '1000000000');
  assert.is(flag('--loss-pct'), '0.1');
  assert.is(flag('--b-bind'), '198.19.2.1:4789');
  assert.is(flag('--stats'), '/s.json');
  assert.is(flag('--charge'), 'l2', 'the rate charges the inner Ethernet frame of the L2VPN service');
  assert.is(flag('--rt-napi'), GATEWAY_UNDERLAY_DEV);
});

test('--rt-napi names the device the lab plan switches to threaded NAPI', () => {
  const spec = resolveConfig({
    scenario: 's',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '300Mbit', rtt: '37ms' },
  });
  const plan = planLab(spec, 'r1', 'wanem', '/tmp/x');
  const threaded = plan.nsShell.map((e) => /\/sys\/class\/net\/([^/]+)\/threaded/.exec(e.script)?.[1]).filter(Boolean);
  assert.ok(threaded.length >= 2, JSON.stringify(plan.nsShell));
  for (const dev of threaded) assert.is(dev, GATEWAY_UNDERLAY_DEV);
  const argv = relayArgv(plan.relays[0]);
  assert.is(argv[argv.indexOf('--rt-napi') + 1], GATEWAY_UNDERLAY_DEV);
});

test('netem add builds HTB + netem leaf + filter; change touches only the leaf, with the new delay', () => {
  const add = netemAddLines('s1', [dir(P)]);
  assert.is(add[0], 'qdisc add dev s1 root handle 1: stab overhead -46 htb default 999');
  assert.ok(add.includes('class add dev s1 parent 1: classid 1:10 htb rate 1000000000bit ceil 1000000000bit'));
  assert.ok(
    add.some((l) => /^qdisc add dev s1 parent 1:10 handle 10: netem delay 10ms 2ms distribution normal loss random 0\.1% limit \d+$/.test(l)),
    add.join('\n'),
  );
  const change = netemChangeLines([dir(withRtt(P, 40))]);
  assert.is(change.length, 1);
  assert.match(change[0], /^qdisc change dev s1 parent 1:10 handle 10: netem delay 20ms 2ms distribution normal loss random 0\.1% limit \d+$/);
});

test('netem and tbf queues scale with the rate', () => {
  const l = netemAddLines('s0', [dir({ ...P, rateBps: 1e10, rttMs: 100 })]);
  const limit = Number(/limit (\d+)/.exec(l.join(' '))![1]);
  assert.ok(limit > 60000, `limit ${limit}`);
  assert.match(tbfLines('x', 1e10)[0], /burst 1250000 /);
  assert.match(tbfLines('x', 1e6)[0], /burst 196608 /);
});

test.run();
