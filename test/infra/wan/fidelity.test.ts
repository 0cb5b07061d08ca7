import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frameBytes, frameTimeMs, loadedP99AllowanceMs, mssBytes, slowStartCostS, tcpCeilingBps, tcpRunSeconds } from '../../../infra/wan/fidelity.js';

test('a 1500-byte MTU L2VPN charges 1518-byte frames for 1448-byte segments: ceiling = rate x 1448 / 1518', () => {
  assert.is(frameBytes(1500), 1518);
  assert.is(mssBytes(1500), 1448);
  assert.is(tcpCeilingBps(300e6, 1500), (300e6 * 1448) / 1518);
  assert.ok(Math.abs(tcpCeilingBps(1e9, 1500) / 1e6 - 953.89) < 0.01);
  // jumbo frames: the header share shrinks
  assert.ok(tcpCeilingBps(1e9, 9000) / 1e9 > 0.99);
});

test('frame time and the loaded p99 allowance (RTT + 1 ms + one frame)', () => {
  assert.ok(Math.abs(frameTimeMs(50e6, 1500) - 0.24288) < 1e-9);
  assert.ok(Math.abs(loadedP99AllowanceMs(3, 50e6, 1500) - 4.24288) < 1e-9);
  assert.ok(Math.abs(loadedP99AllowanceMs(20, 1e9, 1500) - 21.012144) < 1e-9);
});

test('slow start cost grows with RTT and with log2 of the BDP', () => {
  // 300 Mbit/s x 37 ms = 914 full frames: log2(91.4) = 6.5 rounds + 2 => 0.32 s (0.27 s measured)
  assert.ok(Math.abs(slowStartCostS(300e6, 37, 1500) - 0.315) < 0.005, String(slowStartCostS(300e6, 37, 1500)));
  assert.ok(slowStartCostS(1e9, 50, 1500) > slowStartCostS(300e6, 50, 1500));
  assert.ok(slowStartCostS(1e9, 50, 1500) > slowStartCostS(1e9, 20, 1500));
  // a BDP below the initial window: only the extra round trips
  assert.is(slowStartCostS(1e6, 3, 1500), 0.006);
});

test('run length: the smallest whole seconds where slow start costs at most the share, clamped', () => {
  const s = tcpRunSeconds(1e9, 50, 1500, 0.05, 3, 15);
  assert.ok(slowStartCostS(1e9, 50, 1500) / s <= 0.05);
  assert.ok(slowStartCostS(1e9, 50, 1500) / (s - 1) > 0.05);
  assert.is(tcpRunSeconds(50e6, 3, 1500, 0.05, 3, 15), 3);
  assert.is(tcpRunSeconds(1e9, 50, 1500, 0.001, 3, 15), 15);
  assert.throws(() => tcpRunSeconds(1e9, 50, 1500, 0, 3, 15), /maxShare: expected a share between 0 and 1, got 0/);
});

test.run();
