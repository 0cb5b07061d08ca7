/**
 * A synthetic history in the real file layout: <root>/<run-id>/{run.json, measurements.csv,
 * report.html}, one run a day of the default scenario's shape (test/reports/sample-run.ts,
 * full: iperf3, ping, pgbench, terasort over 2 sites). Values are the sample's scaled by seeded
 * run-to-run noise; `shift` multiplies one benchmark's values from a given day on. The report is a
 * small stand-in page (a real one inlines 1.5 MB of chart libraries), present so links resolve.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MEASUREMENT_COLUMNS, paramsJson } from '../../measurements/measurement.js';
import { sampleMeta, sampleRows } from '../reports/sample-run.js';
import { normal, rng } from './noise-series.js';

export interface HistoryFixture {
  runs: number;
  seed?: number;
  /** Run-to-run CV (default 0.01). */
  cv?: number;
  /** From day `at` on, values of `benchmark`/`metric` are multiplied by `factor`. */
  shift?: { at: number; benchmark: string; metric: string; factor: number };
  start?: Date;
}

export function fixtureRunId(i: number, start: Date): string {
  const d = new Date(start.getTime() + i * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-020000-${(i % 65536).toString(16).padStart(4, '0')}`;
}

/** Writes the runs; returns their directories, oldest first. */
export async function writeHistoryFixture(root: string, o: HistoryFixture): Promise<string[]> {
  const start = o.start ?? new Date(Date.UTC(2025, 0, 1, 2));
  const z = normal(rng(o.seed ?? 7));
  const base = sampleRows({ full: true });
  const dirs: string[] = [];
  for (let i = 0; i < o.runs; i++) {
    const runId = fixtureRunId(i, start);
    const at = new Date(start.getTime() + i * 86_400_000);
    const sm = sampleMeta({ full: true });
    // Validation all ok (the sample's saturated throughput check would be a WAN guard at every run).
    const meta = {
      ...sm,
      validation: sm.validation.map((v) => ({ ...v, ok: true, measured: v.configured, note: '' })),
      run_id: runId,
      started_at: at.toISOString(),
      ended_at: new Date(at.getTime() + 300_000).toISOString(),
      failures: [],
    };
    const level = 1 + (o.cv ?? 0.01) * z();
    const rows = base.map((r) => {
      const shifted = o.shift && i >= o.shift.at && r.benchmark === o.shift.benchmark && r.metric === o.shift.metric ? o.shift.factor : 1;
      const v = r.value === null ? '' : Math.round(r.value * level * shifted * (1 + 0.003 * z()) * 1000) / 1000;
      return MEASUREMENT_COLUMNS.map((c) => (c === 'run_id' ? runId : c === 'value' ? v : c === 'params' ? paramsJson(r.params) : r[c]));
    });
    const dir = join(root, runId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'measurements.csv'), stringify([MEASUREMENT_COLUMNS, ...rows]), { mode: 0o600 });
    await writeFile(join(dir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'report.html'), `<!doctype html><title>${runId}</title><p>report of ${runId}</p>\n`, { mode: 0o600 });
    dirs.push(dir);
  }
  return dirs;
}
