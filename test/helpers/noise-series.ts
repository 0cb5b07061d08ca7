/**
 * Synthetic benchmark series for the regression detector: seeded, so a test or a benchmark
 * figure is the same at every run. Each run has a run-level effect (run-to-run noise) and its
 * repetitions scatter around it (within-run noise); a shift multiplies the level from a given run on.
 */
import type { SeriesPoint } from '../../measurements/history/detect.js';

/** mulberry32: a small seeded uniform generator in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates (Box–Muller) from a uniform generator. */
export function normal(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export interface NoiseSpec {
  runs: number;
  reps: number;
  base: number;
  /** Coefficient of variation between runs and within a run (fractions). */
  cvRun: number;
  cvRep: number;
  /** From this run index on, the level is multiplied by `factor`. */
  shiftAt?: number;
  factor?: number;
  seed: number;
}

export function noiseSeries(s: NoiseSpec): SeriesPoint[] {
  const z = normal(rng(s.seed));
  const out: SeriesPoint[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < s.runs; i++) {
    const level = s.base * (s.shiftAt !== undefined && i >= s.shiftAt ? (s.factor ?? 1) : 1) * Math.max(0.05, 1 + s.cvRun * z());
    const values = Array.from({ length: s.reps }, () => level * Math.max(0.05, 1 + s.cvRep * z()));
    const sorted = [...values].sort((a, b) => a - b);
    const m = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    out.push({
      runId: `r${String(i).padStart(4, '0')}`,
      startedAt: new Date(t0 + i * 86_400_000).toISOString(),
      median: m,
      values,
      status: 'ok',
      finding: null,
    });
  }
  return out;
}
