/** A sweep's report: the rows of every point's run in one report (results/<sweep>/report.html). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { readSweep } from '../measurements/sweep-state.js';
import { loadRun } from '../measurements/reader.js';
import { buildReportHtml, type ReportParts } from './report.js';
import { writeFileAtomic } from '../base/atomic-file.js';

export async function loadSweep(dir: string): Promise<{ rows: Measurement[]; meta: RunMeta }> {
  const state = readSweep(dir);
  const rows: Measurement[] = [];
  let meta: RunMeta | null = null;
  const validation: RunMeta['validation'] = [];
  const failures: RunMeta['failures'] = [];
  for (const p of state.points) {
    if (!p.run_id || !existsSync(join(dir, p.run_id, 'run.json'))) continue;
    const r = await loadRun(join(dir, p.run_id));
    rows.push(...r.rows);
    meta = r.meta;
    // Every point's checks and failures, named after the point.
    validation.push(...r.meta.validation.map((v) => ({ ...v, note: `point ${p.key}${v.note ? `: ${v.note}` : ''}` })));
    failures.push(...r.meta.failures.map((f) => ({ ...f, what: `point ${p.key} (${p.run_id}): ${f.what}` })));
  }
  if (!meta) throw new Error(`${dir}: no point of this sweep has results yet`);
  const done = state.points.filter((p) => p.status === 'ok').length;
  const points = state.points.map((p) => `${p.key}:${p.status}${p.run_id ? `(${p.run_id})` : ''}`).join(' ');
  return {
    rows,
    meta: {
      ...meta,
      run_id: state.sweep_id,
      scenario: state.scenario,
      started_at: state.created_at,
      ended_at: state.updated_at,
      status: done === state.points.length ? 'ok' : state.points.some((p) => p.status === 'failed') ? 'failed' : 'interrupted',
      validation,
      params: { ...state.params, sweep_points: points, topology_shown: `the last point run (${meta.run_id})` },
      failures: [
        ...state.points
          .filter((p) => p.status !== 'ok')
          .map((p) => ({
            stage: 'sweep',
            what: `point ${p.key}`,
            error: `${p.status}${p.run_id ? ` (run ${p.run_id})` : ''}; icbench runs it again with --resume`,
          })),
        ...failures,
      ],
    },
  };
}

export async function writeSweepReport(dir: string, parts: ReportParts): Promise<string> {
  const { rows, meta } = await loadSweep(dir);
  const out = join(dir, 'report.html');
  // A new file renamed over the old one, mode 0600 from creation: a symlink planted at `out` is replaced, never followed.
  writeFileAtomic(out, buildReportHtml(rows, meta, parts));
  return out;
}
