/**
 * The check pass: before anything is created, the scenario's body runs once against a session
 * whose benchmarks only resolve their options against the testbed spec (node names, cluster
 * sizes, limits) and whose WAN changes are only checked. A bad option fails here, named after
 * the command-line option it came from when the scenario's parameters say so.
 */
import type { TestbedSpec } from '../infra/config.js';
import { ConfigError, parseDurationMs } from '../infra/units.js';
import { withRtt } from '../infra/wan/profile.js';
import { checkedBenchmarks, type Benchmarks } from './benchmarks.js';
import { optionFor } from './params.js';
import { newPlan, type Plan } from './plan.js';

/** What the body sees in check mode: the benchmarks and withWanRtt, nothing that touches a node. */
export interface CheckSession extends Benchmarks {
  readonly checking: true;
  spec: TestbedSpec;
  withWanRtt<T>(rtt: string, fn: () => Promise<T>): Promise<T>;
}

export function checkedWanRtt(spec: TestbedSpec, rtt: string): number {
  const rttMs = parseDurationMs(rtt, 'withWanRtt.rtt');
  for (const w of spec.wan) withRtt(w, rttMs, 'withWanRtt.rtt');
  return rttMs;
}

/**
 * Runs `body` in check mode and returns its plan: every benchmark call, in order, with its pairs
 * and samples (session/plan.ts). A ConfigError is re-labelled with the command-line option that
 * feeds the field (ParamDef.checks); other errors of the body in check mode are not ours to judge
 * and are ignored (the real run will meet them; the plan then ends there).
 */
export async function checkScenario<S>(spec: TestbedSpec, params: Record<string, unknown> | undefined, body: (s: S) => Promise<void>): Promise<Plan> {
  const plan = newPlan();
  const s: CheckSession = {
    checking: true,
    spec,
    ...checkedBenchmarks(spec.nodes, plan),
    withWanRtt: async (rtt, fn) => {
      checkedWanRtt(spec, rtt);
      plan.wanChanges.push({ rtt });
      const outer = plan.currentRtt;
      plan.currentRtt = rtt;
      try {
        return await fn();
      } finally {
        plan.currentRtt = outer;
      }
    },
  };
  try {
    await body(s as unknown as S);
  } catch (e) {
    if (e instanceof ConfigError) {
      const opt = optionFor(params, e.field);
      throw opt ? e.as(opt) : e;
    }
  }
  return plan;
}
