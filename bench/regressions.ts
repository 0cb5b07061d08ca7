/**
 * node dist/bench/regressions.js [--series N] [--seed S]: how often does the regression detector
 * cry wolf, and how often does it catch a real shift?
 *
 * Synthetic seeded series (fixtures/noise-series.ts) replayed run by run through the same
 * detector the history uses (measurements/history/detect.ts, default options), at the noise
 * levels this machine shows: inter-site iperf3 about 1% CV, same-node iperf3 20-30% CV, with the
 * default scenario's 2 repetitions per sample and with 5.
 *
 * False alarms: pure-noise series of 40 runs; per run compared (one with a baseline), the share
 * flagged suspect and confirmed (a confirmed finding, or a change point counted as a
 * regression); per series, the share with at least one confirmed regression, and with any change
 * point (of either direction and any size) in its 40 runs.
 * Detection: 20 runs of noise, then the level drops by 5% or 10% (throughput: worse) for 10
 * runs; the share of series with a suspect on the first shifted run, a confirmed regression by
 * the second shifted run, one within the 10, and a change point within the 10.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { type Detection, replay, shiftIsRegression } from '../measurements/history/detect.js';
import { noiseSeries } from '../fixtures/noise-series.js';

const { values } = parseArgs({ options: { series: { type: 'string', default: '300' }, seed: { type: 'string', default: '1' } } });
const N = Number(values.series);
const seed0 = Number(values.seed);
if (!(N > 0)) throw new Error(`--series: expected a positive number, got ${values.series}`);

interface Level {
  name: string;
  cv: number;
}
const LEVELS: Level[] = [
  { name: 'inter-site iperf3', cv: 0.01 },
  { name: 'same-node iperf3', cv: 0.2 },
  { name: 'same-node iperf3', cv: 0.3 },
];

/** A confirmed regression at this run: a confirmed finding or a change point counted as one. */
const confirmedAt = (d: Detection): boolean => d.verdict === 'confirmed' || d.newChangePoints.some((c) => shiftIsRegression(c, 'higher'));

const pct = (a: number, b: number): string => (b ? `${((100 * a) / b).toFixed(1)}%` : '-').padStart(7);

const t0 = performance.now();
console.log(
  `regression detector: ${N} series per cell, seeds from ${seed0}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('Noise: run-to-run CV = within-run CV = the level given; the shift makes the value worse (throughput down).');
console.log('');
console.log('False alarms on pure noise (40 runs per series)');
console.log(
  `${'series'.padEnd(20)} ${'CV'.padStart(4)} ${'reps'.padStart(4)}  ${'runs compared'.padStart(13)} ${'suspect/run'.padStart(11)} ${'confirmed/run'.padStart(13)} ${'series w/ confirmed'.padStart(19)} ${'series w/ change pt'.padStart(19)}`,
);
for (const l of LEVELS)
  for (const reps of [2, 5]) {
    let compared = 0;
    let suspect = 0;
    let confirmed = 0;
    let seriesConfirmed = 0;
    let seriesCp = 0;
    for (let i = 0; i < N; i++) {
      const pts = noiseSeries({ runs: 40, reps, base: 1000, cvRun: l.cv, cvRep: l.cv, seed: seed0 * 100_000 + i });
      const d = replay(pts, 'higher');
      compared += d.filter((x) => x.baseline).length;
      suspect += d.filter((x) => x.verdict === 'suspect').length;
      confirmed += d.filter(confirmedAt).length;
      if (d.some(confirmedAt)) seriesConfirmed++;
      if (d[d.length - 1].changePoints.length) seriesCp++;
    }
    console.log(
      `${l.name.padEnd(20)} ${`${l.cv * 100}%`.padStart(4)} ${String(reps).padStart(4)}  ${String(compared).padStart(13)} ${pct(suspect, compared).padStart(11)} ${pct(confirmed, compared).padStart(13)} ${pct(seriesConfirmed, N).padStart(19)} ${pct(seriesCp, N).padStart(19)}`,
    );
  }
console.log('');
console.log('Detection of a shift (20 runs of noise, then 10 runs shifted)');
console.log(
  `${'series'.padEnd(20)} ${'CV'.padStart(4)} ${'reps'.padStart(4)} ${'shift'.padStart(6)}  ${'suspect at 1st'.padStart(14)} ${'confirmed by 2nd'.padStart(16)} ${'confirmed in 10'.padStart(15)} ${'change pt in 10'.padStart(15)}`,
);
for (const l of LEVELS)
  for (const reps of [2, 5])
    for (const shift of [0.05, 0.1]) {
      let first = 0;
      let second = 0;
      let any = 0;
      let cp = 0;
      for (let i = 0; i < N; i++) {
        const pts = noiseSeries({ runs: 30, reps, base: 1000, cvRun: l.cv, cvRep: l.cv, shiftAt: 20, factor: 1 - shift, seed: seed0 * 100_000 + 50_000 + i });
        const d = replay(pts, 'higher');
        if (d[20].verdict === 'suspect' || d[20].verdict === 'confirmed') first++;
        if (d.slice(20, 22).some(confirmedAt)) second++;
        if (d.slice(20).some(confirmedAt)) any++;
        if (d[29].changePoints.some((c) => c.index >= 17 && c.index <= 23)) cp++;
      }
      console.log(
        `${l.name.padEnd(20)} ${`${l.cv * 100}%`.padStart(4)} ${String(reps).padStart(4)} ${`-${shift * 100}%`.padStart(6)}  ${pct(first, N).padStart(14)} ${pct(second, N).padStart(16)} ${pct(any, N).padStart(15)} ${pct(cp, N).padStart(15)}`,
      );
    }
console.log('');
console.log(
  `change pt in 10: a change point within 3 runs of the true one in the 30-run history. ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
