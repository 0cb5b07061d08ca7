/**
 * Shape of <run-dir>/regressions.json, written when a run is indexed in the history.
 *
 * - `findings`: one entry per series that is a `suspect` (worse beyond its noise threshold, not
 *   yet confirmed), `confirmed` (worse again in the next run of the series, or a confirmed
 *   earlier suspect), `improvement` (better beyond the threshold: information only) or
 *   `changed` (beyond the threshold, on a metric without a better direction).
 * - `guards`: absolute checks of an emulated path against its configured WAN (RTT within
 *   [0.9 × configured − 0.5 ms, 1.2 × configured + 2 ms], throughput not above 1.05 × the
 *   configured rate, and every validation check that was NOT OK). Each counts as confirmed.
 * - `change_points`: change points of a series' whole history that this run's point brought
 *   out (not found without it); `regression` when worse by max(2%, k × robust CV before it),
 *   which counts as confirmed (counts.shift).
 * - `counts`: series seen, compared (had a baseline), and each finding kind; `confirmed`
 *   includes the guards and the shifts.
 */
import type { SeriesKey } from './series.js';

export const REGRESSIONS_SCHEMA = 'icbench-regressions/1';

export type Origin = { kind: 'manual' } | { kind: 'nightly'; entry: string; slot: string };

export interface RegressionFinding {
  kind: 'suspect' | 'confirmed' | 'improvement' | 'changed';
  series: string;
  label: string;
  key: SeriesKey;
  direction: 'higher' | 'lower' | 'none';
  unit: string;
  /** The run's median and its number of repetitions. */
  value: number;
  n: number;
  baseline: { median: number; runs: string[]; n_runs: number; n_values: number; cv_pct: number; lo: number; hi: number };
  delta_pct: number;
  threshold_pct: number;
  /** Mann–Whitney p of the repetitions; null when that test cannot reach 0.05 with these sizes. */
  p: number | null;
  /** On `confirmed`: the suspect run it confirms. */
  confirms: string | null;
}

export interface GuardFinding {
  kind: 'guard';
  check: string;
  a: string;
  b: string;
  configured: number | null;
  measured: number | null;
  unit: string;
  what: string;
  series: string | null;
}

export interface ChangePointFinding {
  series: string;
  label: string;
  /** The run where the new level starts. */
  run_id: string;
  before: number;
  after: number;
  pct: number;
  p: number;
  /** Worse by at least max(2%, k × robust CV before it): counted as a confirmed regression. */
  regression: boolean;
}

export interface RegressionsFile {
  schema: typeof REGRESSIONS_SCHEMA;
  run_id: string;
  scenario: string;
  status: string;
  origin: Origin;
  method: { window: number; min_baseline: number; min_pct: number; k_cv: number; alpha: number; change_point: string };
  counts: {
    series: number;
    compared: number;
    no_baseline: number;
    suspect: number;
    confirmed: number;
    guard: number;
    shift: number;
    improvement: number;
    changed: number;
  };
  findings: RegressionFinding[];
  guards: GuardFinding[];
  change_points: ChangePointFinding[];
}
