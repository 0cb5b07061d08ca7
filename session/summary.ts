/** The run's (or sweep's) summary as a small text table for the terminal, from its rows and run.json. */
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { loadRun } from '../measurements/reader.js';
import { loadSweep } from '../reports/sweep-report.js';
import { runSummary, summaryText } from '../reports/summary.js';
import { REPORT_PARTS } from '../benchmarks/registry.js';

/** Lines like "status: degraded", "  degraded: 1 of 6 validation checks NOT OK: ...", one per headline, warnings. */
export function summaryLines(rows: Measurement[], meta: RunMeta): string[] {
  return summaryText(runSummary(rows, meta, REPORT_PARTS.headlines));
}

/** The summary of the run in `runDir`; a line saying why when it cannot be read (never throws). */
export async function runSummaryLines(runDir: string): Promise<string[]> {
  try {
    const { rows, meta } = await loadRun(runDir);
    return summaryLines(rows, meta);
  } catch (e) {
    return [`summary not available: ${(e as Error).message}`];
  }
}

/** The summary of a sweep directory (every point's rows); a line saying why when it cannot be read. */
export async function sweepSummaryLines(sweepDir: string): Promise<string[]> {
  try {
    const { rows, meta } = await loadSweep(sweepDir);
    return summaryLines(rows, meta);
  } catch (e) {
    return [`summary not available: ${(e as Error).message}`];
  }
}
