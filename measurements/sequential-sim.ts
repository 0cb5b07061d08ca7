/**
 * Monte-Carlo check of the sequential procedure (measurements/sequential.ts): many simulated A vs B
 * comparisons, each repeated look by look as the session does, with log-normal noise of a given
 * coefficient of variation. Pure and seeded, so a test can assert its error rate and power.
 */
import { decide, type DecisionState, type SequentialDesign } from './sequential.js';

/** mulberry32: a small seeded generator (uniform in [0, 1)). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller). */
export function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export interface SimResult {
  trials: number;
  different: number;
  /** Calls 'different' in the true direction (power counts these). */
  rightWay: number;
  equivalent: number;
  undecided: number;
  /** Mean repetitions per side when the comparison stopped. */
  meanRepetitions: number;
}

/**
 * `trials` comparisons of B = ratio x A, each side `perRep` samples per repetition with log-normal
 * noise of coefficient of variation `cv`, looked at on `design`'s schedule, stopped when decided.
 */
export function simulate(o: { design: SequentialDesign; ratio: number; cv: number; perRep?: number; trials: number; seed: number }): SimResult {
  const z = normal(seeded(o.seed));
  const sigma = Math.sqrt(Math.log(1 + o.cv ** 2)); // log-normal sigma for that CV
  const per = o.perRep ?? 1;
  const draw = (m: number) => Math.exp(Math.log(m) - sigma ** 2 / 2 + sigma * z()); // mean m
  const out: SimResult = { trials: o.trials, different: 0, rightWay: 0, equivalent: 0, undecided: 0, meanRepetitions: 0 };
  for (let t = 0; t < o.trials; t++) {
    const a: number[] = [];
    const b: number[] = [];
    let state: DecisionState = 'undecided';
    let reps = 0;
    let pct = 0;
    for (const [k, look] of o.design.looks.entries()) {
      while (reps < look) {
        for (let i = 0; i < per; i++) {
          a.push(draw(100));
          b.push(draw(100 * o.ratio));
        }
        reps++;
      }
      const d = decide(a, b, { ...o.design, look: k + 1 });
      state = d.state;
      pct = d.pct;
      if (state !== 'undecided') break;
    }
    out.meanRepetitions += reps / o.trials;
    out[state]++;
    if (state === 'different' && Math.sign(pct) === Math.sign(o.ratio - 1)) out.rightWay++;
  }
  return out;
}
