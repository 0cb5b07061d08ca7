/**
 * A sweep runs one testbed per point (e.g. per cluster size) into one sweep directory:
 *   results/<sweep-id>/sweep.json   points and their state, rewritten atomically after each change
 *   results/<sweep-id>/<run-id>/     each point's run, as any scenario run
 *   results/<sweep-id>/report.html  every point's rows in one report
 * A sweep that stops halfway (Ctrl-C, a crash, kill -9) keeps its finished points; `resume`
 * runs only the points that are not done, after cleaning what a killed point left behind.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../base/atomic-file.js';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { stateDir } from '../infra/journal.js';
import { consoleProgress, type Progress } from '../infra/progress.js';
import { newRunId } from '../infra/run-id.js';
import { ConfigError } from '../infra/units.js';
import { checkOnly } from './check.js';
import { paramsState } from './params.js';
import { cleanRun } from './clean.js';
import { sweepSummaryLines } from './summary.js';
import { parseMeasurements } from '../measurements/reader.js';
import type { SessionResult } from './session.js';
import { readSweep, SweepDirError, type SweepState } from '../measurements/sweep-state.js';

export { readSweep, type SweepState, type SweepPoint, type PointStatus } from '../measurements/sweep-state.js';

export interface SweepOptions<P> {
  scenario: string;
  /** Where a new sweep directory is made. */
  resultsRoot: string;
  /** An existing sweep directory to continue. */
  resume?: string;
  points: P[];
  key: (p: P) => string;
  params: Record<string, unknown>;
  /** Parameters that must be unchanged when resuming (the points would not be comparable). */
  fixed: string[];
  runPoint: (p: P, o: { runId: string; resultsDir: string }) => Promise<SessionResult>;
  progress?: Progress;
}

export interface SweepResult {
  sweepDir: string;
  state: SweepState;
  status: 'ok' | 'failed' | 'interrupted';
  reportPath: string | null;
}

function writeSweep(dir: string, s: SweepState): void {
  s.updated_at = new Date().toISOString();
  const file = join(dir, 'sweep.json');
  writeFileAtomic(file, `${JSON.stringify(s, null, 2)}\n`); // state: a new 0600 file, fsynced, renamed over
}

function failedRows(runDir: string): number {
  const file = join(runDir, 'measurements.csv');
  if (!existsSync(file)) return 0;
  return parseMeasurements(readFileSync(file, 'utf8'), file).filter((r) => r.status !== 'ok').length;
}

/** Resolves a new or resumed sweep without creating anything when the input is bad. */
export function planSweep<P>(o: SweepOptions<P>): { dir: string; state: SweepState; fresh: boolean } {
  const keys = o.points.map(o.key);
  if (new Set(keys).size !== keys.length) throw new ConfigError('points', 'distinct sweep points', keys.join(','));
  if (o.resume) {
    const dir = resolve(o.resume);
    let state: SweepState;
    try {
      state = readSweep(dir);
    } catch (e) {
      if (e instanceof SweepDirError) throw new ConfigError('--resume', 'a sweep directory holding a valid sweep.json', dir);
      throw e;
    }
    if (state.scenario !== o.scenario) throw new ConfigError('--resume', `a sweep of scenario ${o.scenario}`, `${dir} (a ${state.scenario} sweep)`);
    const defaults = paramsState(o.params)?.defaults ?? {};
    for (const k of o.fixed) {
      // A sweep started before option k existed ran as its default does (an option is added with the old behaviour as its default).
      const theirs = k in state.params ? state.params[k] : defaults[k];
      if (JSON.stringify(theirs) !== JSON.stringify(o.params[k])) {
        throw new ConfigError(`--${k}`, `the sweep's own value ${JSON.stringify(theirs)} when resuming (start a new sweep to change it)`, o.params[k]);
      }
    }
    return { dir, state, fresh: false };
  }
  const id = newRunId();
  const dir = resolve(o.resultsRoot, `${o.scenario}-${id}`);
  const now = new Date().toISOString();
  return {
    dir,
    fresh: true,
    state: {
      sweep_id: id,
      scenario: o.scenario,
      created_at: now,
      updated_at: now,
      params: o.params,
      points: keys.map((key) => ({ key, status: 'pending', attempts: 0 })),
    },
  };
}

/**
 * Every point to run, resolved and checked (its config and its body's check pass) before the
 * first one runs and before the sweep creates anything: a bad point fails here, named with the
 * option its error came from. Returns the points in the order to run them.
 */
export async function checkPoints<P>(o: SweepOptions<P>, state: SweepState, dir: string): Promise<{ key: string; point: P }[]> {
  const byKey = new Map(o.points.map((p) => [o.key(p), p]));
  const todo = state.points.filter((p) => p.status !== 'ok');
  const out: { key: string; point: P }[] = [];
  for (const pt of todo) {
    const p = byKey.get(pt.key);
    if (p === undefined) throw new ConfigError('--resume', `points of this sweep (${state.points.map((x) => x.key).join(',')})`, pt.key);
    try {
      await checkOnly(() => o.runPoint(p, { runId: 'check', resultsDir: dir }));
    } catch (e) {
      if (e instanceof ConfigError) throw e.as(`sweep point ${pt.key}: ${e.field}`);
      throw e;
    }
    out.push({ key: pt.key, point: p });
  }
  return out;
}

/** One line per point: its wall time, the harness's memory (now and peak) and the load average. */
export function pointCost(key: string, ms: number): string {
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
  const rss = process.memoryUsage().rss / 2 ** 20;
  return `point ${key}: ${(ms / 1000).toFixed(1)} s; harness memory ${rss.toFixed(0)} MiB (peak ${hwm.toFixed(0)} MiB); load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

export async function runSweep<P>(o: SweepOptions<P>, writeReport: (dir: string) => Promise<string>): Promise<SweepResult> {
  const progress = o.progress ?? consoleProgress();
  const { dir, state, fresh } = planSweep(o);
  const points = new Map((await checkPoints(o, state, dir)).map((x) => [x.key, x.point])); // before anything exists
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // private whatever the umask, as run folders are
  writeSweep(dir, state);
  const todo = state.points.filter((p) => p.status !== 'ok');
  progress.stage(
    'sweep',
    `${fresh ? 'new' : 'resumed'} sweep ${dir}: ${state.points.length} points, ${state.points.length - todo.length} done, ${todo.length} to run`,
  );
  let status: SweepResult['status'] = 'ok';
  let i = 0;
  for (const pt of todo) {
    const p = points.get(pt.key) as P; // every point to run was checked above
    // A point killed with -9 left its journal: remove what it made before running it again.
    if (pt.run_id && existsSync(join(stateDir(), `${pt.run_id}.journal`))) {
      const left = await cleanRun(pt.run_id);
      progress.info(`cleaned what point ${pt.key} left (run ${pt.run_id})${left.length ? `; still left: ${left.join(', ')}` : ''}`);
    }
    pt.run_id = newRunId();
    pt.run_dir = join(dir, pt.run_id);
    pt.status = 'running';
    pt.attempts++;
    writeSweep(dir, state);
    progress.step('sweep', ++i, todo.length, `point ${pt.key}: run ${pt.run_id}`);
    let r: SessionResult | null = null;
    const t0 = performance.now();
    try {
      r = await o.runPoint(p, { runId: pt.run_id, resultsDir: dir });
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      progress.warn(`point ${pt.key} failed: ${(e as Error).message}`);
    }
    progress.info(pointCost(pt.key, performance.now() - t0));
    pt.status = r === null ? 'failed' : r.status === 'ok' || r.status === 'degraded' ? 'ok' : r.status === 'interrupted' ? 'interrupted' : 'failed';
    // A point whose samples failed is not done: --resume runs it again.
    const bad = r && pt.status === 'ok' ? failedRows(r.resultsDir) : 0;
    if (bad) {
      pt.status = 'failed';
      progress.warn(`point ${pt.key}: ${bad} failed row(s); it will run again on --resume`);
    }
    writeSweep(dir, state);
    if (pt.status === 'interrupted') {
      status = 'interrupted';
      break;
    }
    if (pt.status === 'failed') status = 'failed';
  }
  let reportPath: string | null = null;
  try {
    reportPath = await writeReport(dir);
    progress.stage('report', reportPath);
  } catch (e) {
    progress.warn(`sweep report not written: ${(e as Error).message} (try: icbench report ${dir})`);
  }
  const left = state.points.filter((p) => p.status !== 'ok').map((p) => p.key);
  if (left.length) progress.warn(`points not done: ${left.join(', ')}; continue with --resume ${dir}`);
  const final = left.length && status === 'ok' ? 'failed' : status;
  progress.stage('summary', `sweep ${state.sweep_id}`);
  for (const line of await sweepSummaryLines(dir)) progress.info(line);
  progress.stage('done', `sweep ${dir}: ${state.points.length - left.length} of ${state.points.length} points done; status ${final}`);
  return { sweepDir: dir, state, status: final, reportPath };
}
