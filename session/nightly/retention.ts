/**
 * Retention: the raw tool output (raw/) of runs older than N days is removed; measurements.csv,
 * run.json, report.html and the history index stay (reports are rebuilt from CSV + run.json;
 * only the per-interval iperf3 charts need raw/, and they are left out of a report rewritten
 * later). A run's age is its run.json end (or start); a run that still has a journal (running,
 * or not yet cleaned) is never touched. Run folders in sweep folders are covered too.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../infra/journal.js';
import { RUN_ID_RE } from '../../infra/run-id.js';

export interface Pruned {
  runDir: string;
  bytes: number;
}

function sizeOf(p: string): number {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((a, n) => a + sizeOf(join(p, n)), 0);
}

function runEnd(runDir: string): number | null {
  try {
    const m = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { started_at?: string; ended_at?: string | null };
    const t = Date.parse(m.ended_at ?? m.started_at ?? '');
    return Number.isFinite(t) ? t : null;
  } catch {
    return null; // no readable run.json: not a run folder we know the age of
  }
}

function runDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const d of readdirSync(root)) {
    const p = join(root, d);
    if (!statSync(p).isDirectory()) continue;
    if (existsSync(join(p, 'run.json'))) out.push(p);
    else if (existsSync(join(p, 'sweep.json')))
      for (const q of readdirSync(p)) if (RUN_ID_RE.test(q) && existsSync(join(p, q, 'run.json'))) out.push(join(p, q));
  }
  return out;
}

/** Removes raw/ of every finished run under `resultsRoot` that ended more than `days` days before `now`. */
export function pruneRaw(resultsRoot: string, days: number, now = new Date()): Pruned[] {
  const cutoff = now.getTime() - days * 86_400_000;
  const pruned: Pruned[] = [];
  for (const dir of runDirs(resultsRoot)) {
    const raw = join(dir, 'raw');
    if (!existsSync(raw)) continue;
    const id = dir.split('/').pop()!;
    if (RUN_ID_RE.test(id) && existsSync(join(stateDir(), `${id}.journal`))) continue; // live or not yet cleaned
    const end = runEnd(dir);
    if (end === null || end > cutoff) continue;
    const bytes = sizeOf(raw);
    rmSync(raw, { recursive: true, force: true });
    pruned.push({ runDir: dir, bytes });
  }
  return pruned;
}
