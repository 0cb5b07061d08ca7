/**
 * A sample the WAN emulator limited (flagged 'emulator-saturated': the emulator, not the emulated
 * WAN, fell behind, e.g. during a burst of load on the machine) is tried again after a short pause,
 * a bounded number of times. Every try is recorded: a limited try that is tried again also gets
 * the flag 'retried', a retry's rows the param attempt = 2, 3, ... (measurements/retries.ts).
 * A failed try is not retried (it says why it failed); neither is one the run is interrupted in.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measurement } from '../measurements/measurement.js';
import { ATTEMPT, EMULATOR_SATURATED, outcomeText, RETRIED, retryOutcomes } from '../measurements/retries.js';
import { whole } from './options-checks.js';
import { record, type RunContext } from './context.js';

/** Options every runner that watches the emulator takes. */
export interface RetryOptions {
  /** Tries after the first when the emulator limited a sample. Default 2; 0 turns retrying off. */
  retryLimited?: number;
  /** Seconds to wait before each retry, to let a burst of load pass. Default 2. */
  retryPauseS?: number;
}
export interface RetryPolicy {
  retryLimited: number;
  retryPauseS: number;
}
export const RETRY_DEFAULTS: RetryPolicy = { retryLimited: 2, retryPauseS: 2 };
export const RETRY_LIMITS = { retryLimited: 10, retryPauseS: 60 } as const;

/** Defaults applied and limits checked; errors name `${field}.retryLimited` / `${field}.retryPauseS`. */
export function resolveRetry(o: RetryOptions, field: string): RetryPolicy {
  const d = { ...RETRY_DEFAULTS, ...o };
  return {
    retryLimited: whole(d.retryLimited, `${field}.retryLimited`, 0, RETRY_LIMITS.retryLimited, 'a number of retries'),
    retryPauseS: whole(d.retryPauseS, `${field}.retryPauseS`, 0, RETRY_LIMITS.retryPauseS, 'seconds'),
  };
}

/** One try, as rows not yet recorded, and why the emulator limited it ('' when it did not say). */
export interface Try {
  rows: Measurement[];
  why?: string;
}

const hasFlag = (r: Measurement, f: string): boolean => r.flags.split(';').includes(f);
const addFlag = (r: Measurement, f: string): Measurement => ({ ...r, flags: r.flags ? `${r.flags};${f}` : f });

/** Was this try limited by the emulator (an ok row flagged emulator-saturated)? */
export const limitedTry = (rows: readonly Measurement[]): boolean => rows.some((r) => r.status === 'ok' && hasFlag(r, EMULATOR_SATURATED));

/**
 * Runs `once(attempt)` until a try is not limited by the emulator, at most 1 + retryLimited times,
 * pausing retryPauseS before each retry; records every try's rows and returns them all.
 * `label` names the sample in the progress line of a retry, e.g. "iperf3 a -> b rep 1".
 */
export async function retryLimited(ctx: RunContext, policy: RetryPolicy, label: string, once: (attempt: number) => Promise<Try>): Promise<Measurement[]> {
  const tries = 1 + policy.retryLimited;
  const all: Measurement[] = [];
  for (let attempt = 1; ; attempt++) {
    const t = await once(attempt);
    let rows = attempt > 1 ? t.rows.map((r) => ({ ...r, params: { ...r.params, [ATTEMPT]: attempt } })) : t.rows;
    const again = limitedTry(rows) && attempt < tries && !ctx.signal.aborted;
    if (again) rows = rows.map((r) => (r.status === 'ok' ? addFlag(r, RETRIED) : r));
    all.push(...record(ctx, rows));
    if (!again) return all;
    ctx.progress.info(
      `${label}: retry, try ${attempt + 1} of ${tries} in ${policy.retryPauseS} s: the WAN emulator limited try ${attempt}${t.why ? ` (${t.why})` : ''}`,
    );
    try {
      await sleep(policy.retryPauseS * 1000, undefined, { signal: ctx.signal });
    } catch {
      return all; // interrupted during the pause: what was measured stands
    }
  }
}

/**
 * The line a runner prints at its end when a WAN emulator was watched: "iperf3: 3 of 8 inter-site
 * samples were limited by the WAN emulator; retried: 2 then clean, 1 limited on all 3 tries", or
 * "... none of 8 ...". Null without inter-site samples.
 */
export function limitedLine(benchmark: string, rows: readonly Measurement[]): string | null {
  const inter = rows.filter((r) => r.path === 'inter-site');
  const sample = (r: Measurement) => `${r.src_node}\u0000${r.dst_node}\u0000${r.repetition}`;
  const n = new Set(inter.map(sample)).size;
  if (!n) return null;
  const limited = new Set(inter.filter((r) => r.status === 'ok' && hasFlag(r, EMULATOR_SATURATED)).map(sample)).size;
  if (!limited) return `${benchmark}: none of ${n} inter-site samples was limited by the WAN emulator`;
  const o = retryOutcomes(inter).find((x) => x.path === 'inter-site');
  const head = `${benchmark}: ${limited} of ${n} inter-site samples ${limited === 1 ? 'was' : 'were'} limited by the WAN emulator`;
  return o ? `${head}; retried: ${outcomeText(o)}` : `${head}, not retried (retryLimited 0)`;
}
