import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROBE_MAX_S, PROBE_MIN_S, PROBE_SLOW_START_SHARE, rttCheck, throughputNote, wanProbePlan } from '../../runners/validate.js';
import { slowStartCostS } from '../../infra/wan/fidelity.js';
import type { WanProfile } from '../../infra/wan/profile.js';

const W = (rateBps: number, rttMs: number): WanProfile => ({ a: 'A', b: 'B', rateBps, rttMs, jitterMs: 0, lossPct: 0, mtu: 1500 });

test('the WAN probe lasts long enough for the profile: slow start at most 5% of it, within bounds', () => {
  const cases: [number, number][] = [
    [50e6, 3],
    [300e6, 37],
    [1e9, 20],
    [1e9, 50],
    [200e6, 25],
  ];
  for (const [rate, rtt] of cases) {
    const p = wanProbePlan(W(rate, rtt), 10e9);
    assert.ok(p.seconds >= PROBE_MIN_S && p.seconds <= PROBE_MAX_S, `${rate}/${rtt}: ${p.seconds}`);
    assert.ok(p.slowStartShare <= PROBE_SLOW_START_SHARE, `${rate}/${rtt}: ${p.slowStartShare}`);
    assert.is(p.slowStartShare, slowStartCostS(rate, rtt, 1500) / p.seconds);
  }
  // the issue's case: 37 ms / 300 Mbit/s was probed for 3 s, slow start took ~10% of it
  assert.ok(wanProbePlan(W(300e6, 37), 10e9).seconds >= 7);
  assert.is(wanProbePlan(W(50e6, 3), 10e9).seconds, PROBE_MIN_S);
  assert.ok(wanProbePlan(W(1e9, 50), 10e9).seconds > wanProbePlan(W(1e9, 20), 10e9).seconds);
  assert.is(wanProbePlan(W(1e9, 50), 10e9, 4).seconds, 4, 'an explicit probe length wins');
});

test('the probe target is the goodput ceiling, or the LANs when they are slower', () => {
  assert.ok(Math.abs(wanProbePlan(W(300e6, 37), 10e9).ceilingMbit - (300 * 1448) / 1518) < 1e-9);
  assert.ok(Math.abs(wanProbePlan(W(1e9, 20), 100e6).ceilingMbit - (100 * 1448) / 1514) < 1e-9);
});

test('a probe that misses says by how much and why; one that passes says what it was judged against', () => {
  const p = wanProbePlan(W(300e6, 37), 10e9);
  const ok = throughputNote(p, 0.9, 280, '');
  assert.match(ok, /^\d+ s TCP probe, 1 stream; 280\.0 Mbit\/s = 97\.8% of the goodput ceiling 286\.2 Mbit\/s \(rate x MSS \/ frame\); target >= 90\.0%$/);
  const miss = throughputNote(p, 0.9, 240, '');
  assert.match(miss, /short by 17\.5 Mbit\/s \(6\.1 points\)/);
  assert.match(miss, /slow start accounts for at most \d+\.\d% of the probe/);
  assert.match(miss, /not emulator-limited/);
  const sat = throughputNote(p, 0.9, 240, '3.0% of packets sent > 200 us late');
  assert.match(sat, /emulator-limited: 3\.0% of packets sent > 200 us late/);
  // Met the target but emulator-limited: not counted as passed, and the note says why.
  const metSat = throughputNote(p, 0.9, 280, '3.0% of packets sent > 200 us late');
  assert.match(metSat, /target was met, but the emulator fell behind its schedule/);
  assert.not.match(metSat, /short by/);
  assert.not.match(sat, /target was met/);
});

test('a lossy profile is judged against what one TCP flow can carry through the loss, and says so', () => {
  const lossy = { ...W(300e6, 37), lossPct: 1 };
  const p = wanProbePlan(lossy, 10e9);
  // Mathis: 1448 x 8 / 37 ms x 1.2247 / 0.1 = 3.83 Mbit/s (the congestion control not known: Reno's limit as a floor)
  assert.ok(Math.abs(p.expectedMbit - 3.834) < 0.01, String(p.expectedMbit));
  assert.match(
    throughputNote(p, 0.9, 4, ''),
    /random loss limits one TCP flow to about 3\.8 Mbit\/s \(Mathis: no model for an unknown congestion control, Reno's limit as a floor\); target >= 90\.0% of that$/,
  );
  assert.match(throughputNote(p, 0.9, 2, ''), /short by 1\.5 Mbit\/s/);
  // the issue's 3 ms / 50 Mbit/s / 1%: loss barely binds
  const q = wanProbePlan({ ...W(50e6, 3), lossPct: 1 }, 10e9);
  assert.ok(q.expectedMbit > 0.95 * q.ceilingMbit && q.expectedMbit <= q.ceilingMbit);
  assert.is(wanProbePlan(W(50e6, 3), 10e9).expectedMbit, wanProbePlan(W(50e6, 3), 10e9).ceilingMbit);
});

test('an RTT miss while the emulator fell behind is put down to the emulator; a hit or a miss on schedule is not', () => {
  const w = { a: 'NII', b: 'Hokudai', rttMs: 10 };
  const late = { saturated: true, detail: '9.8% of packets sent > 200 us late', delta: {} };
  const onTime = { saturated: false, detail: '', delta: {} };
  const miss = rttCheck(w, 0.5, 10.7, 19.5, late, false);
  assert.is(miss.ok, false);
  assert.is(miss.limit, 'emulator');
  assert.match(miss.note, /p99 19\.500 ms; emulator-limited: 9\.8% of packets sent > 200 us late/);
  const plain = rttCheck(w, 0.5, 10.7, 11, onTime, false);
  assert.is(plain.ok, false);
  assert.is(plain.limit, undefined);
  const hit = rttCheck(w, 0.5, 10.3, 11, late, false);
  assert.is(hit.ok, true);
  assert.is(hit.limit, undefined);
  assert.not.match(hit.note, /emulator-limited/);
  const vm = rttCheck(w, 0.5, 12, 14, null, true);
  assert.is(vm.limit, 'machine');
  assert.match(vm.note, /VMs \(qemu, or Xen guests/);
  assert.is(rttCheck(w, 0.5, null, null, late, false).limit, undefined);
});

test("the expected throughput and its note follow the sender's congestion control (the issue's 200 Mbit/s, 25 ms, 0.5% loss)", () => {
  const w = { ...W(200e6, 25), lossPct: 0.5 };
  const reno = wanProbePlan(w, 10e9, undefined, 'reno');
  const cubic = wanProbePlan(w, 10e9, undefined, 'cubic');
  const bbr = wanProbePlan(w, 10e9, undefined, 'bbr');
  assert.ok(Math.abs(reno.expectedMbit - 8.03) < 0.01, String(reno.expectedMbit));
  assert.match(
    throughputNote(reno, 0.9, 7.5, ''),
    /^\d+ s TCP probe, 1 stream \(reno\); .*; random loss limits one reno flow to about 8\.0 Mbit\/s \(Mathis\); target >= 90\.0% of that$/,
  );
  // CUBIC at this RTT and loss is in its Reno-friendly region: the same number, its own model named
  assert.is(cubic.expectedMbit, reno.expectedMbit);
  assert.match(
    throughputNote(cubic, 0.9, 7.5, ''),
    /\(cubic\); .*random loss limits one cubic flow to about 8\.0 Mbit\/s \(CUBIC in its Reno-friendly region, RFC 9438 section 5\.1: Mathis\)/,
  );
  // BBR is not loss-based: judged against the ceiling, and the note says why
  assert.is(bbr.expectedMbit, bbr.ceilingMbit);
  const met = throughputNote(bbr, 0.9, 186, '');
  assert.match(
    met,
    /\(bbr\); 186\.0 Mbit\/s = 97\.5% of the goodput ceiling 190\.8 Mbit\/s .*; bbr is not loss-based: 0\.5% random loss sets no limit of its own, so the expected limit is the configured rate; target >= 90\.0%$/,
  );
  assert.match(throughputNote(bbr, 0.9, 8, ''), /short by 163\.7 Mbit\/s/);
  // a long path with little loss: CUBIC's own response function, above Reno's
  const far = { ...W(1e9, 150), lossPct: 0.001 };
  const cubicFar = wanProbePlan(far, 10e9, undefined, 'cubic');
  assert.ok(cubicFar.expectedMbit > 2 * wanProbePlan(far, 10e9, undefined, 'reno').expectedMbit);
  assert.match(throughputNote(cubicFar, 0.9, 100, ''), /\(CUBIC's response function, RFC 9438 section 5\.1\)/);
  // no loss: nothing about loss in the note
  assert.not.match(throughputNote(wanProbePlan(W(200e6, 25), 10e9, undefined, 'cubic'), 0.9, 180, ''), /loss/);
});

test.run();
