/**
 * The check pass: before anything is created, the scenario's body runs once against a session
 * whose benchmarks only resolve their options against the testbed spec (node names, cluster
 * sizes, limits) and whose WAN changes are only checked. A bad option fails here, named after
 * the command-line option it came from (see `attribute`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MAX_RTT_MS, type TestbedSpec } from '../infra/config.js';
import { ConfigError, Duration } from '../infra/units.js';
import { withRtt } from '../infra/wan/profile.js';
import { checkedBenchmarks, type Benchmarks } from './benchmarks.js';
import { paramsState, type ParamsState } from './params.js';
import { newPlan, type Plan } from './plan.js';

/** What the body sees in check mode: the benchmarks and withWanRtt, nothing that touches a node. */
export interface CheckSession extends Benchmarks {
  readonly checking: true;
  spec: TestbedSpec;
  withWanRtt<T>(rtt: Duration | string, fn: () => Promise<T>): Promise<T>;
}

/**
 * The RTT of a withWanRtt call, checked against every site pair's profile. A Duration (e.g. from
 * a 'durations' parameter) is taken as it is; a string written in the scenario is parsed here.
 */
export function checkedWanRtt(spec: TestbedSpec, rtt: Duration | string): Duration {
  const d = Duration.of(rtt, 'withWanRtt.rtt');
  if (d.ms > MAX_RTT_MS) throw new ConfigError('withWanRtt.rtt', `a round trip of at most ${MAX_RTT_MS / 1000} s`, d); // the value itself: it is traced to its option by identity
  for (const w of spec.wan) withRtt(w, d.ms, 'withWanRtt.rtt');
  return d;
}

/** Where a check-pass run of the body stopped: the calls it got through and its ConfigError. */
interface Outcome {
  plan: Plan;
  error: ConfigError | null;
}

async function checkRun<S>(spec: TestbedSpec, body: (s: S) => Promise<void>, adaptive?: Plan['adaptive']): Promise<Outcome> {
  const plan: Plan = { ...newPlan(), adaptive };
  const s: CheckSession = {
    checking: true,
    spec,
    ...checkedBenchmarks(spec.nodes, plan),
    withWanRtt: async (rtt, fn) => {
      const d = checkedWanRtt(spec, rtt);
      plan.wanChanges.push({ rtt: d.text });
      const outer = plan.currentRtt;
      plan.currentRtt = d.text;
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
    // Other errors of the body in check mode are not ours to judge: the real run will meet them.
    if (e instanceof ConfigError) return { plan, error: e };
  }
  return { plan, error: null };
}

const progressOf = (p: Plan) => p.benchmarks.length + p.wanChanges.length;

/** True when parameter value `v` is the value `got` of a failing field, or holds it (a list's element). */
function holds(v: unknown, got: unknown): boolean {
  if (v === got) return true;
  if (Array.isArray(v)) return v.includes(got);
  return false;
}

/** The option (`--name`) whose value is `got`: among `pool`, preferring options given on the command line. */
export function optionByValue(state: ParamsState, values: Record<string, unknown>, pool: Iterable<string>, got: unknown): string | null {
  const matched = [...pool].filter((k) => holds(values[k], got));
  if (matched.length === 1) return `--${matched[0]}`;
  const given = matched.filter((k) => state.given.has(k));
  return given.length === 1 ? `--${given[0]}` : null;
}

/** A copy of plain data `v` with every leaf that is `from` (===) replaced by `to`; typed values (Rate, Duration, ...) are leaves. */
function replaced(v: unknown, from: unknown, to: unknown): unknown {
  if (v === from) return to;
  if (Array.isArray(v)) return v.map((x) => replaced(x, from, to));
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaced(x, from, to)]));
  return v;
}

/**
 * The option behind a ConfigError of the scenario's config (before the check pass): the parameter
 * whose value the failing field holds (object identity for typed values, preferring options given
 * on the command line). When no parameter holds it (e.g. too many nodes for the cluster subnet),
 * each option given on the command line is put back to its default wherever the config holds its
 * value, and the config resolved again: the options whose default gets past the error are named.
 */
export function optionFor(params: Record<string, unknown> | undefined, e: ConfigError, config?: unknown, resolve?: (c: never) => unknown): string | null {
  const state = paramsState(params);
  if (!state || !params) return null;
  const byValue = optionByValue(state, params, Object.keys(state.defs), e.got);
  if (byValue || config === undefined || !resolve) return byValue;
  const causes = [...state.given].filter((k) => {
    if (params[k] === state.defaults[k] || Array.isArray(params[k])) return false;
    const c = replaced(config, params[k], state.defaults[k]);
    if (JSON.stringify(c) === JSON.stringify(config)) return false; // the config does not hold this value
    try {
      resolve(c as never);
      return true;
    } catch (e2) {
      return !(e2 instanceof ConfigError && e2.field === e.field);
    }
  });
  return causes.length ? causes.map((k) => `--${k}`).join(' and ') : null;
}

/**
 * Which option a check-pass failure came from, found from the body itself (the wiring of
 * parameters to benchmark fields is written once, in the body): each parameter the body read is
 * put back to its default in turn and the check pass run again; an option is a cause when the
 * run then gets past the failure (no error, or a later call, or another field of the same call).
 * One cause names the option. Otherwise the parameter (among the causes, else among those read)
 * whose value is the failing field's value (object identity for Duration, Rate, pair selections
 * and lists), preferring options given on the command line. Otherwise the field stays as it is.
 */
async function attribute<S>(
  spec: TestbedSpec,
  params: Record<string, unknown>,
  state: ParamsState,
  body: (s: S) => Promise<void>,
  first: Outcome,
): Promise<string | null> {
  const read = [...state.reads];
  const e = first.error!;
  const at = progressOf(first.plan);
  const causes: string[] = [];
  for (const k of read) {
    if (JSON.stringify(state.defaults[k]) === JSON.stringify(params[k])) continue; // the default itself: no other value to try
    state.override.set(k, state.defaults[k]);
    try {
      const r = await checkRun(spec, body, first.plan.adaptive);
      const gotPast =
        r.error === null || progressOf(r.plan) > at || (progressOf(r.plan) === at && (r.error.field !== e.field || r.error.message !== e.message));
      if (gotPast) causes.push(k);
    } finally {
      state.override.delete(k);
    }
  }
  if (causes.length === 1) return `--${causes[0]}`;
  const byValue = optionByValue(state, params, causes.length ? causes : read, e.got);
  if (byValue) return byValue;
  const given = causes.filter((k) => state.given.has(k));
  return given.length === 1 ? `--${given[0]}` : null;
}

/**
 * Runs `body` in check mode and returns its plan: every benchmark call, in order, with its pairs
 * and samples (session/plan.ts). A ConfigError is re-labelled with the command-line option it
 * came from when that can be told (`attribute`).
 */
export async function checkScenario<S>(
  spec: TestbedSpec,
  params: Record<string, unknown> | undefined,
  body: (s: S) => Promise<void>,
  adaptive?: Plan['adaptive'],
): Promise<Plan> {
  const state = paramsState(params);
  state?.reads.clear();
  const first = await checkRun(spec, body, adaptive);
  if (!first.error) return first.plan;
  if (!state || !params) throw first.error;
  const opt = await attribute(spec, params, state, body, first);
  throw opt ? first.error.as(opt) : first.error;
}

/** A sweep checks every point before it runs the first: withTestbed, inside `checkOnly`, stops after its check pass. */
const checkOnlyMode = new AsyncLocalStorage<true>();
export const checkOnly = <T>(fn: () => Promise<T>): Promise<T> => checkOnlyMode.run(true, fn);
export const isCheckOnly = (): boolean => checkOnlyMode.getStore() === true;
