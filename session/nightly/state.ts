/**
 * The daemon's state file, <state_dir>/state.json: per entry, since when it is watched, its last
 * slot and that slot's outcome. Replaced atomically (temp file, fsync, rename, fsync of the
 * directory), so a kill -9 at any moment leaves the old or the new state, never a torn one.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic-file.js';

/** 'running': the slot's run was started and has not ended (the daemon died during it, if no daemon runs). */
export type Outcome = 'running' | 'ok' | 'degraded' | 'failed' | 'interrupted' | 'deadline';

export interface EntryState {
  /** When the daemon first watched this entry: slots before it were never due. */
  since: string;
  /** The last slot handled (run, or recorded as missed), ISO. */
  last_slot?: string;
  last_outcome?: Outcome;
  /** The newest slot recorded as missed (may be newer than last_slot while a run goes on). */
  missed_through?: string;
  last_run_id?: string;
  last_started_at?: string;
  last_ended_at?: string;
  regressions?: { suspect: number; confirmed: number };
}

export interface NightlyState {
  version: 1;
  schedule: string;
  entries: Record<string, EntryState>;
}

export const statePath = (stateDir: string) => join(stateDir, 'state.json');

export function readState(stateDir: string, schedule: string): NightlyState {
  let text: string;
  try {
    text = readFileSync(statePath(stateDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, schedule, entries: {} };
    throw e;
  }
  const s = JSON.parse(text) as NightlyState;
  if (s.version !== 1 || typeof s.entries !== 'object' || s.entries === null) throw new Error(`${statePath(stateDir)}: not a nightly state file (version 1)`);
  return s;
}

export function writeState(stateDir: string, s: NightlyState): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(statePath(stateDir), `${JSON.stringify(s, null, 2)}\n`);
}
