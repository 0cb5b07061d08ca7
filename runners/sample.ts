/**
 * One sample's command, run and classified the same way for every runner:
 *   - the WAN emulator is down (inter-site pairs only)  -> every metric failed, "WAN emulator down: <why>";
 *     checked before the tool starts (the tool is then not run) and again after it ends (the
 *     emulator's death replaces the tool's error, which it caused);
 *   - killed by the sample's timeout                    -> status 'timeout', "<tool> killed after N s without finishing";
 *   - killed by a signal otherwise (run interrupted)    -> failed, "interrupted";
 *   - non-zero exit and nothing on stdout to parse      -> failed, "<tool> exited <code>: <stderr tail>";
 *   - otherwise                                         -> the parser's samples (which say why when they failed).
 */
import { run, type CmdResult } from '../infra/exec.js';
import { failed, type Sample } from '../measurements/measurement.js';
import { EMULATOR_SATURATED } from '../measurements/retries.js';
import { emulatorVerdict, pairKey } from '../infra/wan/wanem-stats.js';
import type { BenchNode, RunContext } from './context.js';
import type { Pair } from './pairs.js';

export interface SampleCommand {
  /** Name in reasons, e.g. 'iperf3 client', 'wrk', 'pgbench'. */
  tool: string;
  argv: string[];
  timeoutMs: number;
  /** Metrics (and units) given as failed rows when the sample did not produce output to parse. */
  failedMetrics: readonly (readonly [metric: string, unit: string])[];
  /** Turns the finished command's output into samples. */
  parse: (r: CmdResult) => Sample[];
  /** Why the WAN emulator on this sample's path is down, or null (see emulatorDown). */
  emulatorDown?: () => string | null;
  /** Set when the run is being interrupted. */
  signal?: AbortSignal;
}

export interface SampleOutcome {
  samples: Sample[];
  /** The command's result; null when it was not run. */
  result: CmdResult | null;
}

/** Lines of stderr kept in a failure reason. */
const TAIL_LINES = 3;

export function stderrTail(r: CmdResult): string {
  const t = (r.stderr.trim() || r.stdout.trim())
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-TAIL_LINES)
    .join(' | ');
  return t || '(no output)';
}

/** For an inter-site pair, `() => "WAN emulator down: <why>" | null` from ctx.emulatorFailure; undefined otherwise. */
export function emulatorDown(ctx: Pick<RunContext, 'emulatorFailure'>, p: Pair<BenchNode>): (() => string | null) | undefined {
  if (p.path !== 'inter-site' || !ctx.emulatorFailure) return undefined;
  const f = ctx.emulatorFailure;
  return () => {
    const why = f();
    return why ? `WAN emulator down: ${why}` : null;
  };
}

/**
 * Watches the WAN emulator over one inter-site sample: call before it, then `flags()` after it.
 * When the emulator fell behind its schedule (late or dropped packets, infra/wan/wanem-stats) the
 * sample is flagged 'emulator-saturated' (kept out of headline figures), a warning says why and
 * `detail` keeps the why (runners/retry-limited.ts puts it in its progress line).
 */
export function emulatorWatch(
  ctx: Pick<RunContext, 'emulatorStats' | 'progress'>,
  p: Pair<BenchNode>,
): { flags(): Promise<string[]>; readonly detail: string } {
  const key = ctx.emulatorStats && p.path === 'inter-site' ? pairKey(ctx.emulatorStats(), p.src.site, p.dst.site) : null;
  const before = key ? ctx.emulatorStats!()[key] : undefined;
  let detail = '';
  return {
    flags: async () => {
      if (!key) return [];
      await new Promise((res) => setTimeout(res, 150)); // let the relay publish counters covering the sample's end
      const v = emulatorVerdict(before, ctx.emulatorStats!()[key]);
      if (!v.saturated) return [];
      detail = v.detail;
      ctx.progress.warn(`${p.src.name} -> ${p.dst.name}: emulator limited this sample: ${v.detail}`);
      return [EMULATOR_SATURATED];
    },
    get detail() {
      return detail;
    },
  };
}

export const failAll = (metrics: SampleCommand['failedMetrics'], reason: string, status: 'failed' | 'timeout' = 'failed'): Sample[] =>
  metrics.map(([m, u]) => failed(m, u, reason, status));

/** How a finished command ended, before its output is parsed. */
export function classify(r: CmdResult, timeoutMs: number, tool: string, signal?: AbortSignal): { status: 'timeout' | 'failed'; reason: string } | 'exited' {
  if (r.ok) return 'exited';
  // zx kills at the timeout with SIGKILL; through a wrapper (ip netns exec, ssh) that may show as an exit code.
  if (r.durationMs >= timeoutMs) return { status: 'timeout', reason: `${tool} killed after ${timeoutMs / 1000} s without finishing` };
  if (r.exitCode === null || signal?.aborted) return { status: 'failed', reason: 'interrupted' };
  return 'exited';
}

export async function runSample(c: SampleCommand): Promise<SampleOutcome> {
  const down = c.emulatorDown?.();
  if (down) return { samples: failAll(c.failedMetrics, down), result: null };
  const r = await run(c.argv, { timeoutMs: c.timeoutMs });
  let samples: Sample[];
  const k = classify(r, c.timeoutMs, c.tool, c.signal);
  if (k !== 'exited') samples = failAll(c.failedMetrics, k.reason, k.status);
  else if (!r.ok && r.stdout.trim() === '') samples = failAll(c.failedMetrics, `${c.tool} exited ${r.exitCode}: ${stderrTail(r)}`);
  else samples = c.parse(r);
  if (samples.some((s) => s.status !== 'ok')) {
    const after = c.emulatorDown?.();
    if (after) samples = samples.map((s) => (s.status === 'ok' ? s : { ...s, status: 'failed', reason: after }));
  }
  return { samples, result: r };
}
