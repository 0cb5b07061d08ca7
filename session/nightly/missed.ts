/**
 * Slots missed while no daemon ran, and what to do with them. node-cron neither persists nor
 * catches up, so on start (and for `--once`) the slots of each entry between its last handled
 * slot (from the state file) and now are listed with node-cron's own matcher, in the entry's
 * timezone. Policy `catch-up`: the newest of them runs once if it is within the entry's grace
 * window; every other one is recorded as `missed`. Policy `skip`: all are recorded as missed.
 * The scan is bounded (MAX_STEPS matcher steps back from now); anything older is summed up in
 * one record instead of listed.
 */
import { createTask } from 'node-cron';
import type { ScheduleEntry } from './schedule.js';
import type { EntryState } from './state.js';

/** Steps of the matcher per scan: 200,000 minutes (~139 days), or seconds (~2.3 days) for 6-field expressions. */
export const MAX_STEPS = 200_000;
/** Missed slots recorded one by one per entry and start; older ones are summed up in one record. */
export const MAX_LISTED = 500;

export interface CatchUp {
  /** The slot to run now, if any. */
  run: Date | null;
  /** Slots recorded as missed, oldest first. */
  missed: Date[];
  /** Slots not listed (beyond MAX_LISTED or older than the scan reaches): how many, or that there may be more. */
  older: { count: number; from: Date; to: Date; unbounded: boolean } | null;
}

const hasSeconds = (cron: string) => cron.trim().split(/\s+/).length === 6;

/** Slots of `cron` in (after, until], oldest first, and whether the scan stopped short of `after`. */
export function slotsBetween(cron: string, timezone: string, after: Date, until: Date): { slots: Date[]; truncated: boolean } {
  const step = hasSeconds(cron) ? 1000 : 60_000;
  const task = createTask(cron, () => {}, { timezone });
  try {
    const last = Math.floor(until.getTime() / step) * step;
    let first = Math.floor(after.getTime() / step) * step + step;
    let truncated = false;
    if ((last - first) / step >= MAX_STEPS) {
      first = last - (MAX_STEPS - 1) * step;
      truncated = true;
    }
    const slots: Date[] = [];
    for (let t = first; t <= last; t += step) {
      const d = new Date(t);
      if (task.match(d)) slots.push(d);
    }
    return { slots, truncated };
  } finally {
    void task.destroy();
  }
}

/** What to run and what to record for one entry at `now`; nothing before the entry was first watched. */
export function planCatchUp(e: ScheduleEntry, st: EntryState | undefined, now: Date): CatchUp {
  if (!st) return { run: null, missed: [], older: null };
  const after = new Date(Math.max(...[st.since, st.last_slot, st.missed_through].filter((x): x is string => !!x).map((x) => Date.parse(x))));
  const { slots, truncated } = slotsBetween(e.cron, e.timezone, after, now);
  let run: Date | null = null;
  if (e.missed === 'catch-up' && slots.length && now.getTime() - slots[slots.length - 1].getTime() <= e.graceMs) run = slots.pop()!;
  const listed = slots.slice(-MAX_LISTED);
  const unlisted = slots.length - listed.length;
  const older =
    unlisted > 0 || truncated ? { count: unlisted, from: after, to: new Date((listed[0] ?? run ?? now).getTime() - 1), unbounded: truncated } : null;
  return { run, missed: listed, older };
}
