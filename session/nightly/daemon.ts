/**
 * `icbench nightly schedule.yaml [--once]`: the nightly daemon on node-cron 4.
 *
 * Start: the schedule is validated, every entry's parameters are checked by its scenario
 * (--dry-run), the schedule's lock is taken (a live holder refuses us; a dead one's lock is taken
 * over and logged), a run orphaned by a dead daemon is ended and cleaned, missed slots are caught
 * up (the newest within the grace window runs once, older ones are recorded as missed), and the
 * raw/ retention is applied. Then (daemon) one node-cron task per entry with noOverlap; runs of
 * all entries go one at a time through one queue. SIGTERM/SIGINT stop the tasks, interrupt a run
 * in flight as its deadline would, and release the lock. `--once` does the start-up work (run
 * what is due now) and exits.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import { recordMissed, recordRun } from '../history.js';
import { checkResultsDir } from '../results-dir.js';
import { checkEntryParams } from './check-params.js';
import { acquireLock } from './lock.js';
import { planCatchUp } from './missed.js';
import { recoverOrphan } from './orphan.js';
import { pruneRaw } from './retention.js';
import { type EntryRun, runEntry } from './run-entry.js';
import { loadSchedule, type Schedule, type ScheduleEntry } from './schedule.js';
import { type NightlyState, readState, writeState } from './state.js';

/** Exit statuses of `icbench nightly` (docs/nightly.md). */
export const NIGHTLY_EXIT = { ok: 0, failure: 1, usage: 2, regression: 3, locked: 75 } as const;

export interface NightlyOptions {
  once?: boolean;
  /** Timestamped log lines (default: stderr). */
  log?: (msg: string) => void;
  /** Skip the --dry-run parameter check (tests of the machinery only). */
  skipParamCheck?: boolean;
}

export function stderrLog(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} nightly[${process.pid}]: ${msg}\n`);
}

class Runner {
  private queue: Promise<unknown> = Promise.resolve();
  readonly results: EntryRun[] = [];
  readonly stop = new AbortController();

  constructor(
    private s: Schedule,
    private state: NightlyState,
    private log: (m: string) => void,
  ) {}

  save(): void {
    writeState(this.s.stateDir, this.state);
  }

  /** Records slots that did not run: in missed.jsonl beside the state, in the history, in the state. */
  async missed(e: ScheduleEntry, slots: Date[], reason: string): Promise<void> {
    if (!slots.length) return;
    mkdirSync(this.s.stateDir, { recursive: true, mode: 0o700 });
    appendFileSync(
      join(this.s.stateDir, 'missed.jsonl'),
      slots
        .map((d) => `${JSON.stringify({ entry: e.name, scenario: e.scenario, slot: d.toISOString(), reason, recorded_at: new Date().toISOString() })}\n`)
        .join(''),
      { mode: 0o600 },
    );
    this.log(
      `entry ${e.name}: ${slots.length} slot(s) recorded as missed (${reason}): ${slots.length > 3 ? `${slots[0].toISOString()} .. ${slots[slots.length - 1].toISOString()}` : slots.map((d) => d.toISOString()).join(', ')}`,
    );
    for (const d of slots)
      await recordMissed(this.s.results, { entry: e.name, scenario: e.scenario, slot: d.toISOString(), reason }).catch((err: Error) =>
        this.log(`history: missed slot not recorded: ${err.message}`),
      );
    // Not last_slot/last_outcome: a run of this entry may be going on (its slot and 'running' must stay).
    const st = this.state.entries[e.name];
    const newest = slots[slots.length - 1].toISOString();
    if (!st.missed_through || st.missed_through < newest) {
      st.missed_through = newest;
      this.save();
    }
  }

  /** Queues a run of `e` for `slot`; resolves when it has ended. Runs of all entries go one at a time. */
  enqueue(e: ScheduleEntry, slot: Date): Promise<EntryRun | null> {
    const run = this.queue.then(async () => {
      if (this.stop.signal.aborted) return null;
      const st = this.state.entries[e.name];
      st.last_slot = slot.toISOString();
      st.last_outcome = 'running';
      st.last_started_at = new Date().toISOString();
      delete st.last_ended_at;
      const r = await runEntry(this.s, e, slot, {
        log: this.log,
        stop: this.stop.signal,
        onStart: (runId) => {
          st.last_run_id = runId;
          this.save();
        },
      });
      st.last_outcome = r.outcome;
      st.last_ended_at = new Date().toISOString();
      st.regressions = r.regressions ? { suspect: r.regressions.suspect, confirmed: r.regressions.confirmed } : undefined;
      this.save();
      this.results.push(r);
      this.prune();
      return r;
    });
    this.queue = run.catch((err: Error) => this.log(`entry ${e.name}: run failed in the daemon: ${err.stack ?? err.message}`));
    return run;
  }

  idle(): Promise<unknown> {
    return this.queue;
  }

  prune(): void {
    if (this.s.retention.rawDays === null) return;
    const p = pruneRaw(this.s.results, this.s.retention.rawDays);
    if (p.length)
      this.log(
        `retention: raw/ removed from ${p.length} run(s) older than ${this.s.retention.rawDays} days (${(p.reduce((a, x) => a + x.bytes, 0) / 1e6).toFixed(1)} MB)`,
      );
  }
}

/** node-cron's own messages into our log (its overlap warning is said by our missed-slot line already). */
function cronLogger(log: (m: string) => void) {
  const say = (m: string | Error) => {
    const t = m instanceof Error ? m.message : m;
    if (!/overlap prevention/.test(t)) log(`node-cron: ${t}`);
  };
  return { info() {}, debug() {}, warn: say, error: say };
}

/** Runs the daemon (or one pass with `once`); returns the exit status. Throws ConfigError (exit 2) and LockHeld (exit 75). */
export async function nightly(file: string, o: NightlyOptions = {}): Promise<number> {
  const log = o.log ?? stderrLog;
  const s = loadSchedule(file);
  checkResultsDir(s.results, `${s.file}: results`);
  if (!o.skipParamCheck) await checkEntryParams(s, log);
  const lock = acquireLock(s.stateDir, { schedule: s.path, mode: o.once ? 'once' : 'daemon' });
  // From here on SIGTERM/SIGINT stop gracefully, also during start-up and in --once: no new runs, a
  // run in flight interrupted as at its deadline, the lock released.
  let stopRequested = false;
  let runner: Runner | undefined;
  let onStop = () => {};
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) {
      log(`${sig}: already stopping`);
      return;
    }
    stopRequested = true;
    log(`${sig}: stopping (no new runs; a run in flight is interrupted and its report written)`);
    runner?.stop.abort();
    onStop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (lock.tookOver) log(`took over the lock of pid ${lock.tookOver.pid} (${lock.tookOver.mode}, since ${lock.tookOver.at}), which is no longer running`);
    log(`schedule ${s.name} (${s.path}): ${s.entries.length} entr${s.entries.length === 1 ? 'y' : 'ies'}; results ${s.results}; state ${s.stateDir}`);
    const state = readState(s.stateDir, s.path);
    const now = new Date();
    // A new entry counts its slots from now (daemon), or from its grace window back (--once: a timer
    // that fires at the slot time must run that slot on its very first call).
    for (const e of s.entries) state.entries[e.name] ??= { since: new Date(now.getTime() - (o.once ? e.graceMs : 0)).toISOString() };
    for (const name of Object.keys(state.entries))
      if (!s.entries.some((e) => e.name === name)) log(`state has entry ${name}, which the schedule no longer has (kept)`);
    writeState(s.stateDir, state);
    runner = new Runner(s, state, log);
    if (stopRequested) runner.stop.abort();

    // A run the previous daemon left running when it died.
    for (const e of s.entries) {
      const st = state.entries[e.name];
      if (st.last_outcome !== 'running' || !st.last_run_id) continue;
      st.last_outcome = await recoverOrphan(join(s.results, st.last_run_id), st.last_run_id, e.stopGraceMs, log);
      st.last_ended_at = new Date().toISOString();
      log(`entry ${e.name}: run ${st.last_run_id} of slot ${st.last_slot} left by a dead daemon: ${st.last_outcome}`);
      await recordRun(s.results, join(s.results, st.last_run_id), { kind: 'nightly', entry: e.name, slot: st.last_slot ?? st.since }).catch((err: Error) =>
        log(`history: run ${st.last_run_id} not indexed: ${err.message}`),
      );
      writeState(s.stateDir, state);
    }
    runner.prune();

    // Missed slots: record the old ones, run the newest within grace (once).
    const catchUps: Promise<unknown>[] = [];
    for (const e of s.entries) {
      const plan = planCatchUp(e, state.entries[e.name], now);
      if (plan.older)
        log(
          `entry ${e.name}: ${plan.older.unbounded ? 'more' : plan.older.count} older missed slot(s) between ${plan.older.from.toISOString()} and ${plan.older.to.toISOString()} not listed one by one`,
        );
      const why =
        e.missed === 'skip' ? 'missed while no daemon ran (policy: skip)' : `missed while no daemon ran, older than the grace window of ${e.graceMs / 1000} s`;
      await runner.missed(e, plan.missed, why);
      if (plan.run) {
        log(
          `entry ${e.name}: slot ${plan.run.toISOString()} was missed ${Math.round((now.getTime() - plan.run.getTime()) / 1000)} s ago, within grace: running it now`,
        );
        catchUps.push(runner.enqueue(e, plan.run));
      }
    }

    if (o.once || stopRequested) {
      await Promise.all(catchUps);
      await runner.idle();
      if (stopRequested) log('stopped');
      return o.once ? exitStatus(runner.results) : NIGHTLY_EXIT.ok;
    }

    const r = runner;
    return await new Promise<number>((resolveExit) => {
      const tasks: ScheduledTask[] = [];
      for (const e of s.entries) {
        const t = cronSchedule(
          e.cron,
          async (ctx) => {
            await r.enqueue(e, ctx.date);
          },
          { name: `icbench-${s.name}-${e.name}`, timezone: e.timezone, noOverlap: true, logger: cronLogger(log) },
        );
        t.on('execution:overlap', (ctx) => void r.missed(e, [ctx.date], 'the previous run of this entry was still going (noOverlap)'));
        t.on('execution:missed', (ctx) => void r.missed(e, [ctx.date], 'the daemon was late for it (event loop blocked)'));
        tasks.push(t);
        log(`entry ${e.name}: ${e.cron} (${e.timezone}), next ${t.getNextRun()?.toISOString() ?? 'never'}`);
      }
      onStop = () => {
        for (const t of tasks) void t.destroy();
        void r.idle().then(() => {
          log('stopped');
          resolveExit(NIGHTLY_EXIT.ok);
        });
      };
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    lock.release();
  }
}

/** --once: 1 when a run failed, was interrupted or hit its deadline; else 3 when an alert-level regression was found; else 0. */
export function exitStatus(runs: EntryRun[]): number {
  if (runs.some((r) => r.outcome === 'failed' || r.outcome === 'interrupted' || r.outcome === 'deadline')) return NIGHTLY_EXIT.failure;
  if (runs.some((r) => r.alerted)) return NIGHTLY_EXIT.regression;
  return NIGHTLY_EXIT.ok;
}
