/**
 * One scheduled run: the entry's scenario as a child process with a run id chosen here
 * (ICBENCH_RUN_ID, so its folder is <results>/<run-id>), under a hard deadline. At the deadline
 * (or when the daemon is stopped) the scenario gets SIGINT and tears down, keeping what it
 * measured and writing its report; if it has not exited after the entry's stop_grace, its whole
 * process group gets SIGKILL and the run is cleaned from its journal (as `icbench clean <run>`).
 * Either way run.json says why it stopped and the report is (re)written. Then the run is indexed
 * in the history (regressions.json) and `on_regression` is run when the alert level is reached.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../../infra/journal.js';
import { newRunId } from '../../infra/run-id.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { writeRunReport } from '../../benchmarks/reports.js';
import { cleanRun } from '../clean.js';
import { recordRun } from '../history.js';
import { writeFileAtomic } from '../../base/atomic-file.js';
import { type Schedule, type ScheduleEntry, scenarioArgs } from './schedule.js';
import { signalGroup, startScenario } from './scenario-process.js';
import type { Outcome } from './state.js';

export interface EntryRun {
  runId: string;
  runDir: string;
  outcome: Outcome;
  /** The scenario's exit code (null: killed by a signal). */
  exitCode: number | null;
  /** Why it did not end ok, in one line. */
  reason: string | null;
  regressions: { suspect: number; confirmed: number; path: string } | null;
  /** The alert level of the entry was reached (on_regression was run, --once exits 3). */
  alerted: boolean;
}

export interface RunEntryOptions {
  log: (msg: string) => void;
  /** Aborted when the daemon is told to stop: the run is interrupted as at its deadline. */
  stop?: AbortSignal;
  /** Called with the run id before the scenario starts (the daemon saves it in its state). */
  onStart?: (runId: string) => void;
}

function readMeta(runDir: string): RunMeta | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunMeta;
  } catch {
    return null;
  }
}

/** Adds why the daemon stopped the run to run.json (atomically), and makes a run left 'running' by SIGKILL 'interrupted'. */
function noteStop(runDir: string, why: string): boolean {
  const meta = readMeta(runDir);
  if (!meta) return false;
  meta.failures.push({ stage: 'nightly', what: 'deadline', error: why });
  if (meta.status === 'running' || meta.status === 'ok' || meta.status === 'degraded') meta.status = 'interrupted';
  meta.ended_at ??= new Date().toISOString();
  writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return true;
}

const fmtS = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`);

export async function runEntry(s: Schedule, e: ScheduleEntry, slot: Date, o: RunEntryOptions): Promise<EntryRun> {
  const runId = newRunId();
  const runDir = join(s.results, runId);
  const log = (m: string) => o.log(`[${e.name} ${runId}] ${m}`);
  o.onStart?.(runId);
  log(`start ${e.scenario} for slot ${slot.toISOString()} (deadline ${fmtS(e.deadlineMs)})`);
  const p = startScenario(e.scenario, scenarioArgs(e, s.results), {
    cwd: dirname(s.path),
    env: { ICBENCH_RUN_ID: runId, ICBENCH_RUN_ORIGIN: 'nightly' },
    onLine: (l) => log(`| ${l}`),
  });
  let stopped: { why: string; at: number } | null = null;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const interrupt = (why: string) => {
    if (stopped) return;
    stopped = { why, at: Date.now() };
    log(`${why}: SIGINT, then SIGKILL after ${fmtS(e.stopGraceMs)} if still running`);
    signalGroup(p.child, 'SIGINT', false); // the scenario's own handler tears down and writes its report
    killTimer = setTimeout(() => {
      killed = true;
      log(`still running ${fmtS(e.stopGraceMs)} after SIGINT: SIGKILL to its process group`);
      signalGroup(p.child, 'SIGKILL', true);
    }, e.stopGraceMs);
  };
  const deadline = setTimeout(() => interrupt(`past its deadline of ${fmtS(e.deadlineMs)}`), e.deadlineMs);
  const onStop = () => interrupt('the daemon is stopping');
  o.stop?.addEventListener('abort', onStop);
  if (o.stop?.aborted) onStop();
  const r = await p.exited;
  clearTimeout(deadline);
  clearTimeout(killTimer);
  o.stop?.removeEventListener('abort', onStop);
  // Whatever the scenario's process group left (a SIGKILL leaves it all): kill the rest, clean by journal.
  signalGroup(p.child, 'SIGKILL', true);
  if (existsSync(join(stateDir(), `${runId}.journal`))) {
    const left = await cleanRun(runId);
    log(left.length ? `clean left: ${left.join(', ')} (run icbench clean ${runId})` : 'cleaned what the run left (journal)');
  }
  const stop = stopped as { why: string; at: number } | null;
  if (stop) {
    const why = `${stop.why}: interrupted by the nightly daemon (SIGINT${killed ? `, SIGKILL after ${fmtS(e.stopGraceMs)}, cleaned from its journal` : ''})`;
    if (noteStop(runDir, why)) {
      try {
        await writeRunReport(runDir);
        log(`report written: ${join(runDir, 'report.html')}`);
      } catch (err) {
        log(`report not written: ${(err as Error).message}`);
      }
    }
  }
  const meta = readMeta(runDir);
  let outcome: Outcome;
  let reason: string | null = null;
  if (stop?.why.startsWith('past its deadline')) {
    outcome = 'deadline';
    reason = stop.why;
  } else if (meta && (meta.status === 'ok' || meta.status === 'degraded' || meta.status === 'failed' || meta.status === 'interrupted')) {
    outcome = meta.status;
    if (outcome !== 'ok') reason = meta.failures.map((f) => `${f.stage}: ${f.error}`).join('; ') || null;
  } else {
    outcome = stop ? 'interrupted' : 'failed';
    const said = p.tail().filter((l) => l.trim());
    const last = said.find((l) => l.startsWith('error: ')) ?? said[said.length - 1];
    const folder = meta
      ? ` with run.json status ${meta.status}`
      : stop
        ? ' before it wrote a run folder: nothing measured, nothing to report'
        : ' without a run folder';
    reason = `the scenario exited ${r.code ?? r.signal}${folder}${last ? `: ${last.trim()}` : ''}`;
  }
  log(`ended: ${outcome}${reason ? ` (${reason})` : ''}`);

  let regressions: EntryRun['regressions'] = null;
  let alerted = false;
  if (meta) {
    try {
      const rec = await recordRun(s.results, runDir, { kind: 'nightly', entry: e.name, slot: slot.toISOString() });
      regressions = { suspect: rec.suspect, confirmed: rec.confirmed, path: rec.regressionsPath };
      log(`history: ${rec.confirmed} confirmed, ${rec.suspect} suspect regression(s) -> ${rec.regressionsPath}`);
      alerted = e.alert === 'suspect' ? rec.confirmed + rec.suspect > 0 : rec.confirmed > 0;
    } catch (err) {
      log(`history: run not indexed: ${(err as Error).message} (try: icbench history rebuild)`);
    }
  }
  if (alerted && regressions && e.onRegression) await runOnRegression(e.onRegression, regressions.path, log);
  return { runId, runDir, outcome, exitCode: r.code, reason, regressions, alerted };
}

const HOOK_TIMEOUT_MS = 300_000;

/** Runs the entry's on_regression command with regressions.json's path as its last argument (no shell), bounded in time. */
export function runOnRegression(argv: string[], regressionsPath: string, log: (m: string) => void): Promise<number | null> {
  return new Promise((res) => {
    log(`on_regression: ${argv[0]} (${argv.length - 1} argument(s) + ${regressionsPath})`);
    const c = spawn(argv[0], [...argv.slice(1), regressionsPath], { stdio: ['ignore', 'pipe', 'pipe'], timeout: HOOK_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const out = (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.trim()) log(`on_regression | ${l}`);
    };
    c.stdout.on('data', out);
    c.stderr.on('data', out);
    c.on('error', (err) => {
      log(`on_regression could not start: ${err.message}`);
      res(null);
    });
    c.on('close', (code, sig) => {
      log(`on_regression exited ${code ?? sig}`);
      res(code);
    });
  });
}
