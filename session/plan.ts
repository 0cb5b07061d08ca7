/**
 * The plan of a run, recorded by the check pass (session/check.ts): every benchmark call in order,
 * with its pairs resolved to node names and paths, its samples and an estimate of its time, and
 * every in-place WAN change. `--dry-run` prints it and creates nothing; a real run uses the same
 * estimates for "benchmark k of n" and the time left in its progress lines.
 *
 * Estimates are rough on purpose: a tool's own duration times the samples, plus a small fixed
 * cost per sample (server start, connection, parse) and per benchmark (servers, data sets).
 */
import type { TestbedSpec } from '../infra/config.js';
import type { Progress } from '../infra/progress.js';
import type { PlannedBenchmark } from '../benchmarks/types.js';
import type { HostFeature } from '../infra/host-prerequisites.js';

export type { PlannedBenchmark } from '../benchmarks/types.js';

export interface Plan {
  benchmarks: PlannedBenchmark[];
  wanChanges: { rtt: string }[];
  /** Set while the body runs inside withWanRtt (check mode). */
  currentRtt?: string;
  /** Stand-up, validation, benchmarks and teardown (set by a dry run). */
  totalS?: number;
  /** Adaptive repetitions: 'auto' calls are planned at `min`; those with headline comparisons may go up to `max`. */
  adaptive?: { min: number; max: number; budgetS: number | null; topUpS?: number };
}

export const newPlan = (): Plan => ({ benchmarks: [], wanChanges: [] });

/** What the planned calls need on real hosts (each feature once, in plan order). */
export function plannedHostFeatures(plan: Plan): HostFeature[] {
  return [...new Set(plan.benchmarks.flatMap((b) => b.hostNeeds ?? []))];
}

/** Records one planned call (inside withWanRtt: with its WAN RTT). */
export function addPlanned(plan: Plan, b: Omit<PlannedBenchmark, 'wanRtt'>): void {
  plan.benchmarks.push(plan.currentRtt === undefined ? b : { ...b, wanRtt: plan.currentRtt });
}

/** Stand-up, validation and teardown: a fixed cost by node type and count (measured on the lab). */
export function fixedEstimateS(spec: TestbedSpec, validate: boolean): number {
  const perNode = { netns: 0.2, lxc: 1.5, docker: 1, xen: 20, rumprun: 5, qemu: 6 } as const;
  const up = 5 + spec.nodes.reduce((s, n) => s + (perNode[n.virt] ?? 2), 0);
  const lans = spec.sites.filter((s) => s.hosts.length > 1).length;
  const validation = validate ? (spec.wan.length + lans) * 5 : 0;
  return up + validation + up / 2; // teardown about half the stand-up
}

export function planEstimateS(plan: Plan): number {
  return plan.benchmarks.reduce((s, b) => s + b.estimateS, 0) + (plan.adaptive?.topUpS ?? 0) + plan.wanChanges.length * 5;
}

/** "45 s", "3 min 10 s", "1 h 05 min". */
export function humanDuration(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min${t % 60 ? ` ${String(t % 60).padStart(2, '0')} s` : ''}`;
  return `${Math.floor(t / 3600)} h ${String(Math.round((t % 3600) / 60)).padStart(2, '0')} min`;
}

const mbit = (bps: number) => (bps >= 1e9 && bps % 1e9 === 0 ? `${bps / 1e9} Gbit/s` : `${+(bps / 1e6).toFixed(3)} Mbit/s`);

/** The plan as text lines (what --dry-run prints). */
export function planLines(spec: TestbedSpec, plan: Plan, o: { validate: boolean; provider: string }): string[] {
  const out: string[] = [];
  out.push(`dry run of ${spec.scenario} on ${o.provider === 'lab' ? 'the local lab' : `real sites (${o.provider})`}: nothing is created`);
  out.push('sites:');
  for (const s of spec.sites) {
    const spares = s.hosts.reduce((n, h) => n + h.nodes.filter((x) => x.spare).length, 0);
    const nodes = s.hosts.reduce((n, h) => n + h.nodes.length, 0) - spares;
    out.push(
      `  ${s.name}: LAN ${mbit(s.lanBps)}, ${s.hosts.length} host${s.hosts.length > 1 ? 's' : ''}, ${nodes} node${nodes > 1 ? 's' : ''}${spares ? ` + ${spares} spare${spares > 1 ? 's' : ''}` : ''}`,
    );
    for (const h of s.hosts) out.push(`    ${h.name}: ${h.nodes.map((n) => `${n.name} (${n.virt}, ${n.address}${n.spare ? ', spare' : ''})`).join(', ')}`);
  }
  out.push(`WAN${spec.wan.length ? ':' : ': none (one site)'}`);
  for (const w of spec.wan)
    out.push(
      `  ${w.a} <-> ${w.b}: ${mbit(w.rateBps)}, RTT ${w.rttMs} ms${w.jitterMs ? `, jitter ${w.jitterMs} ms` : ''}${w.lossPct ? `, loss ${w.lossPct}%` : ''}, MTU ${w.mtu}`,
    );
  out.push(`benchmarks, in order (${plan.benchmarks.length}):`);
  plan.benchmarks.forEach((b, i) => {
    const reps = b.adaptive
      ? ` x ${b.adaptive.min} to ${b.adaptive.max} repetitions (until its headline comparisons are decided)`
      : b.repetitions > 1
        ? ` x ${b.repetitions} repetitions`
        : '';
    out.push(
      `  ${i + 1}. ${b.benchmark}${b.wanRtt !== undefined ? ` (WAN RTT ${b.wanRtt})` : ''}: ${b.pairs.length} pair${b.pairs.length === 1 ? '' : 's'}${reps}, ${b.samples} sample${b.samples === 1 ? '' : 's'}; ${b.detail}; about ${humanDuration(b.estimateS)}${b.adaptive ? ' for its first pass' : ''}`,
    );
    const shown = b.pairs.slice(0, 12).map((p) => `${p.src} -> ${p.dst} (${p.path})`);
    if (b.pairs.length > 12) shown.push(`... ${b.pairs.length - 12} more`);
    if (shown.length) out.push(`       ${shown.join(', ')}`);
  });
  if (plan.wanChanges.length) out.push(`WAN changes in place: ${plan.wanChanges.map((c) => c.rtt).join(', ')} (each re-validated, then put back)`);
  const fixed = fixedEstimateS(spec, o.validate);
  const bench = planEstimateS(plan);
  if (plan.adaptive && plan.benchmarks.some((b) => b.adaptive))
    out.push(
      `adaptive repetitions: one pass where the scenario calls each benchmark, then repeated to ${plan.adaptive.min} (about ${humanDuration(plan.adaptive.topUpS ?? 0)}; the estimate counts up to there) and further while undecided; ${plan.adaptive.budgetS === null ? 'no budget (up to the maximum)' : `budget ${humanDuration(plan.adaptive.budgetS)} for the whole run`}`,
    );
  out.push(
    `estimate: about ${humanDuration(fixed + bench)} (stand-up${o.validate ? ', validation' : ''} and teardown about ${humanDuration(fixed)}, benchmarks about ${humanDuration(bench)})`,
  );
  return out;
}

/**
 * Progress lines of a real run with the overall position: each benchmark call counts as the next
 * of the plan ("benchmark 2 of 4") and lines while it runs end with the time left: the plan's
 * estimates, scaled by how the finished benchmarks compared with theirs, and for the current one
 * its elapsed time extrapolated over its steps.
 */
export function planProgress(progress: Progress, plan: Plan, now: () => number = Date.now): { progress: Progress; wrap<B extends object>(b: B): B } {
  const n = plan.benchmarks.length;
  let k = 0;
  let active = false;
  let t0 = 0;
  let doneActualS = 0;
  let doneEstimateS = 0;
  let stepFraction = 0;
  const factor = () => (doneEstimateS > 5 ? Math.min(4, Math.max(0.25, doneActualS / doneEstimateS)) : 1);
  const leftS = (): number | null => {
    if (k > n) return null;
    const f = factor();
    const est = plan.benchmarks[k - 1].estimateS * f;
    const elapsed = (now() - t0) / 1000;
    const current = stepFraction > 0 ? (elapsed / stepFraction) * (1 - stepFraction) : Math.max(0, est - elapsed);
    // (stepFraction -1: steps restarted within the benchmark; 0: none yet)
    const later = (plan.benchmarks.slice(k).reduce((s, b) => s + b.estimateS, 0) + (plan.adaptive?.topUpS ?? 0)) * f;
    return current + later;
  };
  const suffix = () => {
    if (!active) return '';
    const left = leftS();
    return k > n ? ` [benchmark ${k}, ${n} planned]` : ` [benchmark ${k} of ${n}${left === null ? '' : `, about ${humanDuration(left)} left`}]`;
  };
  const p: Progress = {
    stage: (name, detail) => progress.stage(name, `${detail ?? ''}${suffix()}`),
    step: (stage, i, total, detail) => {
      // Steps that start again (a benchmark counting each repetition on its own) say nothing of the whole: use the estimate.
      if (active && total > 0) stepFraction = stepFraction < 0 || (stepFraction > 0 && i / total <= stepFraction) ? -1 : i / total;
      progress.step(stage, i, total, `${detail}${suffix()}`);
    },
    info: (m) => progress.info(m),
    warn: (m) => progress.warn(m),
    ...(progress.activity ? { activity: (doing: string) => progress.activity!(doing) } : {}),
  };
  const wrap = <B extends object>(b: B): B =>
    Object.fromEntries(
      Object.entries(b).map(([name, fn]) => [
        name,
        typeof fn !== 'function'
          ? fn
          : async (...args: unknown[]) => {
              k++;
              active = true;
              t0 = now();
              stepFraction = 0;
              try {
                return await fn(...args);
              } finally {
                doneActualS += (now() - t0) / 1000;
                doneEstimateS += plan.benchmarks[k - 1]?.estimateS ?? 0;
                active = false;
              }
            },
      ]),
    ) as B;
  return { progress: p, wrap };
}
