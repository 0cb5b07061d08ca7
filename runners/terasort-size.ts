/**
 * Terasort's size chosen from the WAN (issue 25): large enough that the spanning job's WAN transfer
 * at the configured rate is a measurable share of the job, not the fixed 20 MB whose spanning
 * penalty drowned in start-up noise.
 *
 * In a cluster split evenly across two sites, each record goes to a reducer chosen by its key, so
 * about half of the data crosses the WAN in the shuffle. The size is chosen so that this transfer
 * alone takes TARGET_WAN_S at the configured rate, within [MIN_ROWS, MAX_ROWS].
 */
import type { Rate } from '../infra/units.js';

export const TERASORT_ROW_BYTES = 100;
/** Seconds of WAN transfer the spanning job should need (the one-site lab job of that size takes 2-3 s here). */
export const TARGET_WAN_S = 0.5;
export const MIN_ROWS = 200_000;
export const MAX_ROWS = 5_000_000;
/** Share of the data that crosses the WAN in a cluster split evenly across two sites. */
export const CROSSING_SHARE = 0.5;

export interface AutoSize {
  rows: number;
  /** What the plan says of the choice. */
  why: string;
}

export function terasortAutoRows(wanRate: Rate): AutoSize {
  const bytesPerS = wanRate.bps / 8;
  const wanted = (TARGET_WAN_S * bytesPerS) / (TERASORT_ROW_BYTES * CROSSING_SHARE);
  const rows = Math.min(MAX_ROWS, Math.max(MIN_ROWS, Math.round(wanted / 100_000) * 100_000));
  const wanS = (rows * TERASORT_ROW_BYTES * CROSSING_SHARE) / bytesPerS;
  const limit =
    rows === MAX_ROWS && wanted > MAX_ROWS
      ? ` (capped at ${MAX_ROWS.toLocaleString('en')} rows)`
      : rows === MIN_ROWS && wanted < MIN_ROWS
        ? ` (at least ${MIN_ROWS.toLocaleString('en')} rows)`
        : '';
  return {
    rows,
    why: `auto size: ${((rows * TERASORT_ROW_BYTES) / 1e6).toFixed(0)} MB, so that the spanning job's WAN transfer (about half the data) takes about ${wanS.toFixed(1)} s at ${wanRate.text}${limit}`,
  };
}
