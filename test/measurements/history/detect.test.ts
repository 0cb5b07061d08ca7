import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changePoints } from '../../../measurements/history/changepoint.js';
import { detect, minRankP, replay, shiftIsRegression } from '../../../measurements/history/detect.js';
import { hodgesLehmann, rankSumP } from '../../../measurements/history/ranksum.js';
import { directionOf } from '../../../measurements/history/series.js';
import { mannWhitneyP } from '../../../measurements/stats.js';
import { noiseSeries, normal, rng } from '../../../fixtures/noise-series.js';

const flagged = (v: string) => v === 'suspect' || v === 'confirmed';

test('pure noise at CV 1% (inter-site iperf3): no suspect, no confirmed, no change point in 40 runs of 30 seeded series', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const d = replay(noiseSeries({ runs: 40, reps: 2, base: 940, cvRun: 0.01, cvRep: 0.01, seed }), 'higher');
    assert.equal(
      d.filter((x) => flagged(x.verdict)).map((x) => x.verdict),
      [],
      `seed ${seed}`,
    );
    assert.is(d[39].changePoints.length, 0, `seed ${seed}`);
  }
});

test('a 10% throughput drop at CV 1%: suspect on the first shifted run, confirmed on the next (confirming it), a change point at the shift, then the baseline restarts', () => {
  const pts = noiseSeries({ runs: 40, reps: 2, base: 940, cvRun: 0.01, cvRep: 0.01, shiftAt: 20, factor: 0.9, seed: 3 });
  const d = replay(pts, 'higher');
  assert.ok(
    d.slice(0, 20).every((x) => !flagged(x.verdict)),
    'nothing before the shift',
  );
  assert.is(d[20].verdict, 'suspect');
  assert.ok(d[20].deltaPct! < -5 && d[20].deltaPct! > -15, `delta ${d[20].deltaPct}`);
  assert.is(d[21].verdict, 'confirmed');
  assert.is(d[21].confirms, pts[20].runId);
  assert.ok(d[39].changePoints.some((c) => c.index === 20 && c.pct < -8));
  // After the restart at the change, the new level is the baseline: the last runs are within noise.
  assert.ok(
    d.slice(30).every((x) => x.verdict === 'within-noise'),
    d
      .slice(30)
      .map((x) => x.verdict)
      .join(','),
  );
  // The change point is counted as a regression (worse, >= max(2%, 3 x CV before)) once, by the run that brings it out.
  const found = d.flatMap((x, i) => x.newChangePoints.filter((c) => shiftIsRegression(c, 'higher')).map(() => i));
  assert.is(found.length, 1);
});

test('direction: higher throughput is an improvement; higher RTT is worse; a metric without direction is "changed"', () => {
  const up = noiseSeries({ runs: 12, reps: 3, base: 100, cvRun: 0.01, cvRep: 0.01, shiftAt: 11, factor: 1.2, seed: 5 });
  assert.is(detect(up, 'higher').verdict, 'improvement');
  assert.is(detect(up, 'lower').verdict, 'suspect');
  assert.is(detect(up, 'none').verdict, 'changed');
  assert.is(directionOf('throughput', 'Mbit/s'), 'higher');
  assert.is(directionOf('tps', 'tx/s'), 'higher');
  assert.is(directionOf('rtt', 'ms'), 'lower');
  assert.is(directionOf('terasort_elapsed', 's'), 'lower');
  assert.is(directionOf('loss', '%'), 'lower');
  assert.is(directionOf('wan_bytes', 'bytes'), 'none');
});

test('the threshold adapts to the noise: a 10% drop at CV 25% (same-node iperf3) is within noise; the threshold is 3 x robust CV', () => {
  const pts = noiseSeries({ runs: 15, reps: 2, base: 20000, cvRun: 0.25, cvRep: 0.25, shiftAt: 14, factor: 0.9, seed: 11 });
  const d = detect(pts, 'higher');
  assert.ok(d.thresholdPct! > 30, `threshold ${d.thresholdPct}`);
  assert.ok(!flagged(d.verdict));
});

test('no baseline below 5 accepted runs; failed runs and unconfirmed suspects are not baseline', () => {
  const pts = noiseSeries({ runs: 5, reps: 2, base: 100, cvRun: 0.01, cvRep: 0.01, seed: 2 });
  assert.is(detect(pts, 'higher').verdict, 'no-baseline');
  const more = noiseSeries({ runs: 8, reps: 2, base: 100, cvRun: 0.01, cvRep: 0.01, seed: 2 });
  more[1].status = 'failed';
  more[2].finding = 'suspect';
  more[3].status = 'interrupted';
  const d = detect(more, 'higher');
  assert.is(d.verdict, 'no-baseline'); // 7 earlier points, 3 not accepted: 4 < 5
  assert.equal(d.baseline, null);
});

test('significance: one repetition against a small baseline cannot reach p < 0.05, so the threshold decides alone', () => {
  assert.ok(minRankP(1, 5) > 0.05);
  assert.ok(minRankP(2, 20) < 0.05);
  const pts = noiseSeries({ runs: 8, reps: 1, base: 100, cvRun: 0.005, cvRep: 0, shiftAt: 7, factor: 0.8, seed: 4 });
  const d = detect(pts, 'higher');
  assert.is(d.p, null);
  assert.is(d.verdict, 'suspect');
});

test('change points: e-divisive finds two steps and nothing in noise', () => {
  const z = normal(rng(9));
  const x = Array.from({ length: 60 }, (_, i) => (i < 20 ? 100 : i < 40 ? 110 : 95) + z());
  const c = changePoints(x);
  assert.equal(
    c.map((p) => p.index),
    [20, 40],
  );
  assert.ok(Math.abs(c[0].pct - 10) < 2);
  const flat = Array.from({ length: 60 }, () => 100 + z());
  assert.equal(changePoints(flat), []);
});

test('rankSumP equals the enumerating Mann-Whitney of stats.ts where both are exact', () => {
  const u = rng(3);
  for (let i = 0; i < 30; i++) {
    const a = Array.from({ length: 2 + (i % 5) }, () => u());
    const b = Array.from({ length: 3 + (i % 4) }, () => u() + 0.2);
    assert.ok(Math.abs(rankSumP(a, b) - mannWhitneyP(a, b)) < 1e-9, `case ${i}`);
  }
  // Far apart, large: normal approximation, tiny p.
  const a = Array.from({ length: 50 }, (_, i) => i);
  const b = Array.from({ length: 50 }, (_, i) => i + 100);
  assert.ok(rankSumP(a, b) < 1e-10);
});

test('Hodges-Lehmann: shift estimate and a 95% interval that covers it; none at n = 2/2', () => {
  const x = [10, 11, 12, 13, 14, 15, 16];
  const y = x.map((v) => v + 5);
  const h = hodgesLehmann(x, y);
  assert.is(h.estimate, 5);
  assert.ok(h.lo! <= 5 && h.hi! >= 5 && h.lo! < h.hi!);
  assert.ok(h.coverage! >= 0.95);
  const small = hodgesLehmann([1, 2], [3, 4]);
  assert.is(small.lo, null);
  assert.is(small.estimate, 2);
});

test.run();
