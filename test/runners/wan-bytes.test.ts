/** WAN bytes of a job from the emulator's counters: site pairs of the cluster, both directions, after minus before. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sitePairs, wanCounters, wanDelta } from '../../runners/wan-bytes.js';
import { WANEM_COUNTERS, type WanemStats } from '../../infra/wan/wanem-stats.js';

const dir = (tx: number) => Object.fromEntries(WANEM_COUNTERS.map((k) => [k, k === 'tx_bytes' ? tx : 0])) as WanemStats['ab'];
const stats = (ab: number, ba: number): WanemStats => ({ tag: 't', pid: 1, time_ns: 0, uptime_s: 0, config: {}, ab: dir(ab), ba: dir(ba) });

test('site pairs: none inside one site, one per pair of distinct sites', () => {
  assert.equal(sitePairs([{ site: 'A' }, { site: 'A' }]), []);
  assert.equal(sitePairs([{ site: 'A' }, { site: 'B' }, { site: 'A' }]), [['A', 'B']]);
});

test('spanning cluster: both directions summed, after minus before; key found either way round', () => {
  let now: Record<string, WanemStats> = { 'B-A': stats(100, 50) };
  const ctx = { emulatorStats: () => now };
  const cluster = [{ site: 'A' }, { site: 'B' }];
  const before = wanCounters(ctx, cluster);
  now = { 'B-A': stats(1100, 2050) };
  assert.equal(wanDelta(before, wanCounters(ctx, cluster)), { kind: 'ok', bytes: 3000 });
});

test('one-site cluster: 0 bytes, even without an emulator', () => {
  const one = [{ site: 'A' }, { site: 'A' }];
  assert.equal(wanDelta(wanCounters({}, one), wanCounters({}, one)), { kind: 'ok', bytes: 0 });
});

test('no emulator counters (real sites): unavailable, not a number; counters going backwards: no figure', () => {
  const two = [{ site: 'A' }, { site: 'B' }];
  assert.is(wanDelta(wanCounters({}, two), wanCounters({}, two)).kind, 'unavailable');
  let now: Record<string, WanemStats> = { 'A-B': stats(500, 500) };
  const ctx = { emulatorStats: () => now };
  const before = wanCounters(ctx, two);
  now = { 'A-B': stats(10, 10) };
  const d = wanDelta(before, wanCounters(ctx, two));
  assert.is(d.kind, 'none');
  now = {};
  assert.match(JSON.stringify(wanCounters(ctx, two)), /no WAN emulator counters for A-B/);
});

test.run();
