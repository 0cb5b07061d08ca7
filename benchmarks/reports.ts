/** The run and sweep report writers with the registered benchmarks' sections and headlines. */
import { writeReport } from '../reports/report.js';
import { writeSweepReport } from '../reports/sweep-report.js';
import { REPORT_PARTS } from './registry.js';

/** Writes <runDir>/report.html and returns its path. */
export const writeRunReport = (runDir: string): Promise<string> => writeReport(runDir, REPORT_PARTS);

/** Writes <sweepDir>/report.html (every point's rows) and returns its path. */
export const writeSweepRunReport = (sweepDir: string): Promise<string> => writeSweepReport(sweepDir, REPORT_PARTS);
