import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cubicRegion,
  cubicWindow,
  frameBytes,
  frameTimeMs,
  loadedP99AllowanceMs,
  lossLimit,
  lossLimitedBps,
  mssBytes,
  renoWindow,
  slowStartCostS,
  tcpCeilingBps,
  tcpRunSeconds,
} from '../../../infra/wan/fidelity.js';

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

test("CUBIC's response function reproduces RFC 8312 section 5.1 Table 1 (RTT 0.1 s, C = 0.4): its own region and the Reno-friendly one", () => {
  // Table 1: loss rate -> average window in segments, Standard TCP and CUBIC (C=0.4)
  const table: [number, number, number][] = [
    [1e-2, 12, 12],
    [1e-3, 38, 38],
    [1e-4, 120, 187],
    [1e-5, 379, 1054],
    [1e-6, 1200, 5926],
    [1e-7, 3795, 33325],
    [1e-8, 12000, 187400],
  ];
  for (const [p, tcp, cubic] of table) {
    assert.ok(Math.abs(renoWindow(p) / tcp - 1) < 0.03, `Reno at ${p}: ${renoWindow(p)} vs ${tcp}`); // the RFC rounds sqrt(3/2) to 1.2
    assert.ok(Math.abs(cubicWindow(0.1, p) / cubic - 1) < 0.03, `CUBIC at ${p}: ${cubicWindow(0.1, p)} vs ${cubic}`);
  }
  assert.is(cubicRegion(0.1, 1e-2), 'reno-friendly');
  assert.is(cubicRegion(0.1, 1e-5), 'cubic');
});

test('the loss limit follows the congestion control: reno Mathis, cubic its response function, bbr none', () => {
  // 25 ms, 0.5%: the profile. Reno: 1448 x 8 / 25 ms x 1.2247 / sqrt(0.005) = 8.03 Mbit/s
  const reno = lossLimit('reno', 1500, 25, 0.5);
  assert.ok(Math.abs(reno.bps / 1e6 - 8.025) < 0.01, String(reno.bps));
  assert.is(reno.bps, lossLimitedBps(1500, 25, 0.5));
  assert.is(reno.model, 'Mathis');
  // CUBIC at 25 ms / 0.5% is in its Reno-friendly region: the same limit, said so
  const cubicShort = lossLimit('cubic', 1500, 25, 0.5);
  assert.is(cubicShort.bps, reno.bps);
  assert.match(cubicShort.model, /Reno-friendly region, RFC 9438 section 5\.1/);
  // a long, lightly lossy path: CUBIC's own function, well above Reno's
  const cubicLong = lossLimit('cubic', 1500, 200, 0.001);
  assert.match(cubicLong.model, /^CUBIC's response function, RFC 9438 section 5\.1$/);
  assert.ok(cubicLong.bps > 2 * lossLimit('reno', 1500, 200, 0.001).bps);
  const bbr = lossLimit('bbr', 1500, 25, 0.5);
  assert.is(bbr.bps, Number.POSITIVE_INFINITY);
  assert.is(bbr.lossBased, false);
  // unknown: Reno's limit as a floor, and it says so
  assert.is(lossLimit(null, 1500, 25, 0.5).bps, reno.bps);
  assert.match(lossLimit('htcp', 1500, 25, 0.5).model, /no model for htcp/);
  assert.is(lossLimit('cubic', 1500, 25, 0).bps, Number.POSITIVE_INFINITY);
});

test.run();
