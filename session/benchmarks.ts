/**
 * The benchmarks a scenario calls on its session (s.iperf3, s.ping, ...), one per entry of the
 * registry (benchmarks/registry.ts), bound to the run's context; and the same calls in check mode,
 * which only resolve the options against the testbed's spec (node names, cluster sizes, limits)
 * so that a scenario's bad option fails before anything is created, and record the plan.
 */
import type { NodeSpec } from '../infra/config.js';
import type { Testbed } from '../infra/testbed.js';
import type { Measurement } from '../measurements/measurement.js';
import type { RunContext } from '../runners/context.js';
import { benchmarkEntries, type Benchmarks } from '../benchmarks/registry.js';
import { addPlanned, type Plan } from './plan.js';
import { adaptiveSettings, callLooks, isAuto, type AdaptiveRepetitions } from './adaptive.js';

export type { Benchmarks, BenchmarkOptions } from '../benchmarks/registry.js';
export type { SessionTerasortOptions } from '../runners/terasort-options.js';
export type { LoadLatencyOptions } from '../runners/load-latency-options.js';

type Call = (o: unknown) => Promise<Measurement[]>;

/** Each registered benchmark bound to the run (each runner resolves its options again against the live nodes first). */
export function benchmarks(ctx: RunContext, testbed: Testbed, adaptive?: AdaptiveRepetitions): Benchmarks {
  return Object.fromEntries(
    benchmarkEntries().map(([name, m]): [string, Call] => [
      name,
      async (o) => {
        // A fill runs only cells: a call of a benchmark without cells would measure everything again.
        if (ctx.cells?.filling && !m.cells?.(o)) {
          ctx.progress.info(`fill: ${name} is not measured by cells; not run again`);
          return [];
        }
        return adaptive ? adaptive.call(name, m, o, (x) => m.run({ ctx, testbed }, x)) : m.run({ ctx, testbed }, o);
      },
    ]),
  ) as Benchmarks;
}

/**
 * Check mode: every call resolves its options against the spec's nodes and returns no rows; with
 * a `plan`, each call is recorded in it, in order (what --dry-run prints and progress counts).
 */
export function checkedBenchmarks(nodes: readonly NodeSpec[], plan?: Plan): Benchmarks {
  return Object.fromEntries(
    benchmarkEntries().map(([name, m]): [string, Call] => [
      name,
      async (o) => {
        // 'auto' repetitions: planned (and checked) at the minimum; the plan says up to how many.
        const reps = (o as { repetitions?: unknown } | undefined)?.repetitions;
        const auto = isAuto(reps);
        // A call's own { min, max } is checked here, before anything exists (ConfigError naming <call>.repetitions).
        const looks = auto ? callLooks(adaptiveSettings({ min: plan?.adaptive?.min, max: plan?.adaptive?.max }), reps, `${name}.repetitions`) : [];
        const min = looks[0] ?? 3;
        const r = m.resolve(auto ? { ...(o as object), repetitions: min } : o, nodes);
        if (!plan) return [];
        const planned = m.plan(r);
        if (auto && m.comparisons && plan.adaptive) {
          // Its first pass runs one repetition where the scenario calls it; the rest come after the body (top-ups).
          const first = planned.estimateS / min;
          plan.adaptive.topUpS = (plan.adaptive.topUpS ?? 0) + planned.estimateS - first;
          addPlanned(plan, { call: name, ...planned, estimateS: first, adaptive: { min, max: looks[looks.length - 1] } });
        } else addPlanned(plan, { call: name, ...planned });
        return [];
      },
    ]),
  ) as Benchmarks;
}
