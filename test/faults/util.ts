/** Shared by the fault suites: a scenario run that can be killed, and what a run left behind. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { runScenario, type LineHandler } from '../helpers/scenario.js';

/** The smallest real run: 2 sites x 2 hosts x 2 netns nodes, iperf3 1 s, one pair per path. */
export const SMALL = ['--virt', 'netns', '--benchmarks', 'iperf3', '--duration', '1', '--repetitions', '1', '--pairs', '1'];

export const runIdOf = (out: string) => /== run: \S+ (\d{8}-\d{6}-[0-9a-f]{4})/.exec(out)?.[1] ?? '';

export function namespacesOf(runId: string): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : [];
}

/** Processes whose command line names the run (wanem carries the run id in its --tag). */
export function processesNaming(s: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(s)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function nsPids(names: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const ns of names) for (const p of (await run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/)) if (p) pids.push(Number(p));
  return pids;
}

/** Running (a zombie is not). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Everything of `runId` still there: namespaces, processes naming it or given, journal and work dir. */
export function leftovers(runId: string, state: string, pids: number[] = []): string[] {
  return [
    ...namespacesOf(runId).map((n) => `netns ${n}`),
    ...[...new Set([...processesNaming(runId), ...pids])].filter(alive).map((p) => `pid ${p}`),
    ...[`${runId}.journal`, `${runId}.d`].filter((f) => existsSync(join(state, f))).map((f) => `file ${f}`),
  ];
}

export interface Outcome {
  code: number | null;
  out: string;
  ms: number;
  runId: string;
  killed: boolean;
}

/**
 * Runs hokudai-nii with `args`; `onLine` may kill it; killed with SIGKILL after `limitMs`
 * (a guard so that a missing check cannot turn into a full-length run).
 */
export async function scenario(args: string[], o: { results: string; state: string; onLine?: LineHandler; limitMs?: number }): Promise<Outcome> {
  const t0 = Date.now();
  let killer: ((s: NodeJS.Signals) => void) | null = null;
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    killer?.('SIGKILL');
  }, o.limitMs ?? 120_000);
  const r = await runScenario('hokudai-nii.mjs', args, {
    results: o.results,
    state: o.state,
    onLine: (line, kill) => {
      killer = kill;
      o.onLine?.(line, kill);
    },
  });
  clearTimeout(guard);
  return { ...r, ms: Date.now() - t0, runId: runIdOf(r.out), killed };
}
