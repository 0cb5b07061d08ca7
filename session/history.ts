/**
 * The history glue: index a finished run (by hand or nightly) and detect regressions, record a
 * missed nightly slot, rebuild the index from the run folders, and the terminal summary.
 * The database and the detection live in measurements/history/.
 */
import { resolve } from 'node:path';
import { withHistory } from '../measurements/history/db.js';
import {
  findRunDirs,
  indexRun,
  type PendingFile,
  type PreparedRun,
  prepareRun,
  REGRESSIONS_FILE,
  storedOrigin,
  writeRegressions,
} from '../measurements/history/index-run.js';
import type { RegressionsFile } from '../measurements/history/regressions.js';
import { join } from 'node:path';

export type RunOrigin = { kind: 'manual' } | { kind: 'nightly'; entry: string; slot: string /* ISO */ };

export interface RecordedRun {
  runId: string;
  status: string;
  regressionsPath: string;
  suspect: number;
  confirmed: number;
}

/** What recordRun found, with the whole regressions.json (for the terminal summary). */
export interface RecordedRunDetail extends RecordedRun {
  regressions: RegressionsFile;
  warnings: string[];
}

/** Index one finished run folder (idempotent), run regression detection, write <runDir>/regressions.json. */
export async function recordRun(resultsRoot: string, runDir: string, origin: RunOrigin): Promise<RecordedRunDetail> {
  const root = resolve(resultsRoot);
  const run = await prepareRun(resolve(runDir));
  const r = await withHistory(root, (db) => indexRun(db, root, run, origin));
  writeRegressions(r.writes);
  return {
    runId: r.file.run_id,
    status: r.file.status,
    regressionsPath: join(run.runDir, REGRESSIONS_FILE),
    suspect: r.file.counts.suspect,
    confirmed: r.file.counts.confirmed,
    regressions: r.file,
    warnings: run.warnings,
  };
}

/** Record a slot that was not run (missed while the daemon was down) in the history. */
export async function recordMissed(resultsRoot: string, m: { entry: string; scenario: string; slot: string; reason: string }): Promise<void> {
  for (const k of ['entry', 'scenario', 'slot', 'reason'] as const)
    if (typeof m[k] !== 'string' || !m[k]) throw new Error(`recordMissed: ${k} must be a non-empty string, got ${JSON.stringify(m[k])}`);
  if (Number.isNaN(Date.parse(m.slot))) throw new Error(`recordMissed: slot must be an ISO date, got ${JSON.stringify(m.slot)}`);
  await withHistory(resolve(resultsRoot), (db) =>
    db.run('INSERT OR REPLACE INTO missed (entry, slot, scenario, reason, recorded_at) VALUES (?, ?, ?, ?, ?)', [
      m.entry,
      new Date(m.slot).toISOString(),
      m.scenario,
      m.reason,
      new Date().toISOString(),
    ]),
  );
}

export interface RebuildResult {
  indexed: number;
  skipped: { dir: string; error: string }[];
  suspect: number;
  confirmed: number;
}

/**
 * Re-indexes every run folder under the results directory (and in sweep folders), oldest first,
 * in one transaction: runs, series, summaries and findings are built anew; missed slots (not in
 * any run folder) are kept. Each run's regressions.json is rewritten, keeping its origin.
 */
export async function rebuildHistory(resultsRoot: string): Promise<RebuildResult> {
  const root = resolve(resultsRoot);
  const prepared: PreparedRun[] = [];
  const skipped: RebuildResult['skipped'] = [];
  for (const dir of findRunDirs(root)) {
    try {
      prepared.push(await prepareRun(dir));
    } catch (e) {
      skipped.push({ dir, error: (e as Error).message });
    }
  }
  prepared.sort((a, b) => (a.meta.started_at < b.meta.started_at ? -1 : a.meta.started_at > b.meta.started_at ? 1 : a.meta.run_id < b.meta.run_id ? -1 : 1));
  const writes: PendingFile[] = [];
  const counts = await withHistory(root, (db) => {
    for (const t of ['findings', 'summaries', 'runs', 'series']) db.run(`DELETE FROM ${t}`);
    for (const run of prepared) writes.push(...indexRun(db, root, run, storedOrigin(run.runDir)).writes);
    return db.get<{ s: number; c: number }>('SELECT COALESCE(SUM(suspect), 0) AS s, COALESCE(SUM(confirmed), 0) AS c FROM runs');
  });
  // The last write of each file is its final content.
  const last = new Map<string, PendingFile>();
  for (const w of writes) last.set(w.path, w);
  writeRegressions([...last.values()]);
  return { indexed: prepared.length, skipped, suspect: counts?.s ?? 0, confirmed: counts?.c ?? 0 };
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3));

/** The terminal summary of a run's regressions.json. */
export function regressionLines(f: RegressionsFile, path?: string): string[] {
  const c = f.counts;
  const lines = [
    `regressions: ${c.series} series, ${c.compared} compared with a baseline (${c.no_baseline} without one yet): ` +
      `${c.confirmed} confirmed (${c.guard} WAN guard), ${c.suspect} suspect, ${c.improvement} improved${c.changed ? `, ${c.changed} changed` : ''}` +
      (path ? `; ${path}` : ''),
  ];
  const order = { confirmed: 0, suspect: 1, changed: 2, improvement: 3 } as const;
  for (const x of [...f.findings].sort((a, b) => order[a.kind] - order[b.kind]).slice(0, 20))
    lines.push(
      `  ${x.kind.toUpperCase().padEnd(11)} ${x.label}: ${fmt(x.value)} ${x.unit} (n=${x.n}) vs baseline ${fmt(x.baseline.median)} ` +
        `(${x.baseline.n_runs} runs): ${x.delta_pct >= 0 ? '+' : ''}${x.delta_pct.toFixed(1)}%, threshold ±${x.threshold_pct.toFixed(1)}%` +
        `${x.p === null ? '' : `, p=${x.p.toPrecision(2)}`}${x.confirms ? `, confirms ${x.confirms}` : ''}`,
    );
  if (f.findings.length > 20) lines.push(`  ... ${f.findings.length - 20} more in regressions.json`);
  for (const g of f.guards)
    lines.push(
      `  GUARD       ${g.check} ${g.a}→${g.b}: configured ${g.configured ?? '-'} ${g.unit}, measured ${g.measured === null ? '-' : fmt(g.measured)}: ${g.what}`,
    );
  for (const cp of f.change_points.slice(0, 10))
    lines.push(`  change point ${cp.label}: ${fmt(cp.before)} → ${fmt(cp.after)} (${cp.pct.toFixed(1)}%) from this run`);
  return lines;
}
