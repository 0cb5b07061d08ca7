/**
 * Adaptive repetitions (issue 25): a benchmark called with `repetitions: 'auto'` runs one
 * repetition where the scenario calls it; after the scenario's body the session repeats the calls
 * of every benchmark whose headline comparisons (BenchmarkModule.comparisons) are not decided,
 * one repetition per call in turn (A, B, A, B: drift hits both sides), and looks at the
 * comparisons only at the repetition counts of a fixed schedule (measurements/sequential.ts:
 * Bonferroni over the looks). It stops when every comparison is decided, at the maximum, or when
 * the run's budget would be overrun, and records per comparison why it stopped (run.json
 * `adaptive`; the summary and report say it next to each headline).
 *
 * A benchmark without comparisons given 'auto' runs the minimum number of repetitions. A number
 * keeps its fixed meaning (nightly runs compare like with like).
 */
import type { BenchmarkModule, HeadlineComparison, Repetitions } from '../benchmarks/types.js';
import type { Progress } from '../infra/progress.js';
import { ConfigError, Duration, Percent } from '../infra/units.js';
import type { Measurement } from '../measurements/measurement.js';
import type { AdaptiveComparisonMeta, AdaptiveMeta, RunMeta } from '../measurements/run-meta.js';
import { DEFAULT_ALPHA, DEFAULT_MARGIN, lookSchedule, MIN_SIDE, pctText, type Decision } from '../measurements/sequential.js';
import { humanDuration } from './plan.js';

/** What a scenario may set (withTestbed's `adaptive`), e.g. from its --budget and --min/--max-repetitions options. */
export interface AdaptiveInput {
  /** Repetitions before the first look (at least 3: no decision is made on fewer). Default 3. */
  min?: number;
  /** Repetitions at most. Default 20. */
  max?: number;
  /** The whole run's time budget (stand-up to report); null or absent: none, the maximum bounds it. */
  budget?: Duration | string | null;
  /** Equivalence margin, e.g. '5%'. Default 5%. */
  margin?: Percent | string;
}

export interface AdaptiveSettings {
  min: number;
  max: number;
  budgetS: number | null;
  alpha: number;
  margin: number;
  looks: number[];
}

export const ADAPTIVE_DEFAULTS = { min: 3, max: 20 } as const;
const MAX_REPETITIONS = 1000;

/** Checks the scenario's adaptive settings (ConfigError naming the field) before anything is created. */
export function adaptiveSettings(i: AdaptiveInput = {}, field = 'adaptive'): AdaptiveSettings {
  const int = (v: unknown, name: string, lo: number) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= MAX_REPETITIONS))
      throw new ConfigError(`${field}.${name}`, `a whole number of repetitions from ${lo} to ${MAX_REPETITIONS}`, v);
    return v;
  };
  const min = int(i.min ?? ADAPTIVE_DEFAULTS.min, 'min', MIN_SIDE);
  const max = int(i.max ?? Math.max(min, ADAPTIVE_DEFAULTS.max), 'max', 1);
  if (max < min) throw new ConfigError(`${field}.max`, `at least the minimum (${min}) repetitions`, max);
  let budgetS: number | null = null;
  if (i.budget !== undefined && i.budget !== null) {
    const d = Duration.of(i.budget, `${field}.budget`);
    if (d.ms <= 0) throw new ConfigError(`${field}.budget`, 'a duration greater than 0, e.g. 6min', d);
    budgetS = d.ms / 1000;
  }
  const m = Percent.of(i.margin ?? `${DEFAULT_MARGIN * 100}%`, `${field}.margin`);
  if (!(m.pct > 0 && m.pct < 50)) throw new ConfigError(`${field}.margin`, 'an equivalence margin above 0% and below 50%', m);
  return { min, max, budgetS, alpha: DEFAULT_ALPHA, margin: m.pct / 100, looks: lookSchedule(min, max) };
}

/** True for adaptive repetitions: 'auto' or a benchmark's own `{ min, max }`. */
export const isAuto = (r: unknown): r is Exclude<Repetitions, number> => r === 'auto' || (typeof r === 'object' && r !== null && !Array.isArray(r));

/** A call's own look schedule: the run's, or from its `{ min, max }` (checked like the run's, naming the call's field). */
export function callLooks(s: AdaptiveSettings, r: Exclude<Repetitions, number>, field: string): number[] {
  if (r === 'auto') return s.looks;
  return adaptiveSettings({ min: r.min ?? s.min, max: r.max ?? Math.max(r.min ?? s.min, s.max) }, field).looks;
}

interface Call {
  name: string;
  /** Its look schedule (the run's, or the call's own minimum and maximum). */
  looks: number[];
  module: BenchmarkModule<unknown, unknown>;
  options: Record<string, unknown>;
  /** The WAN RTT set around the scenario's call (withWanRtt), repeated around its top-ups. */
  rtt: Duration | string | undefined;
  reps: number;
  seconds: number;
  invocations: number;
}

export interface AdaptiveEnv {
  /** Runs a module with these options (no progress counting: top-ups are beyond the plan). */
  run(module: BenchmarkModule<unknown, unknown>, options: Record<string, unknown>): Promise<Measurement[]>;
  withWanRtt<T>(rtt: Duration | string, fn: () => Promise<T>): Promise<T>;
  /** The WAN RTT of the withWanRtt the scenario is in, if any. */
  currentRtt(): Duration | string | undefined;
  meta: RunMeta;
  progress: Progress;
  signal: AbortSignal;
  /** When the run started (ms) and the seconds to keep for teardown and the report. */
  startMs: number;
  reserveS: number;
  now?: () => number;
}

const decided = (c: HeadlineComparison) => c.comparison.clear || c.comparison.basis === 'equivalent';
const decisionOf = (c: HeadlineComparison) => (c.comparison as { decision?: Decision }).decision;

export class AdaptiveRepetitions {
  private readonly calls: Call[] = [];
  private readonly rows = new Map<string, Measurement[]>();
  private readonly now: () => number;

  constructor(
    readonly settings: AdaptiveSettings,
    private readonly env: AdaptiveEnv,
  ) {
    this.now = env.now ?? Date.now;
  }

  /** The design as run.json keeps it (the report judges the rows with it). */
  meta(comparisons: AdaptiveComparisonMeta[] = []): AdaptiveMeta {
    const s = this.settings;
    return { min: s.min, max: s.max, looks: s.looks, alpha: s.alpha, margin: s.margin, budget_s: s.budgetS, comparisons };
  }

  /** A scenario's call: 'auto' runs one repetition now (registered for top-ups) or the minimum for a benchmark without comparisons. */
  async call(name: string, module: BenchmarkModule<unknown, unknown>, options: unknown, run: (o: unknown) => Promise<Measurement[]>): Promise<Measurement[]> {
    const o = (options ?? {}) as Record<string, unknown> & { repetitions?: Repetitions };
    if (!isAuto(o.repetitions)) return this.keep(name, module, await run(options));
    const looks = callLooks(this.settings, o.repetitions, `${name}.repetitions`);
    if (!module.comparisons) return run({ ...o, repetitions: looks[0] });
    const call: Call = { name, looks, module, options: o, rtt: this.env.currentRtt(), reps: 0, seconds: 0, invocations: 0 };
    this.calls.push(call);
    return this.timed(call, 1, () => run({ ...o, repetitions: 1, firstRepetition: 1 }));
  }

  private keep(name: string, module: BenchmarkModule<unknown, unknown>, rows: Measurement[]): Measurement[] {
    if (module.comparisons) this.rows.set(name, [...(this.rows.get(name) ?? []), ...rows]);
    return rows;
  }

  private async timed(call: Call, reps: number, run: () => Promise<Measurement[]>): Promise<Measurement[]> {
    const t0 = this.now();
    try {
      return this.keep(call.name, call.module, await run());
    } finally {
      call.seconds += (this.now() - t0) / 1000;
      call.invocations++;
      call.reps += reps;
    }
  }

  /** Each benchmark's comparisons, judged at the look it has reached (`lookOf`, 1-based). */
  private evaluate(lookOf: (name: string) => number): Map<string, HeadlineComparison[]> {
    const out = new Map<string, HeadlineComparison[]>();
    for (const name of new Set(this.calls.map((c) => c.name))) {
      const m = this.calls.find((c) => c.name === name)!.module;
      const meta = { ...this.env.meta, adaptive: { ...this.meta(), look: lookOf(name) } };
      out.set(name, m.comparisons!(this.rows.get(name) ?? [], meta));
    }
    return out;
  }

  private leftS(): number | null {
    if (this.settings.budgetS === null) return null;
    return this.settings.budgetS - this.env.reserveS - (this.now() - this.env.startMs) / 1000;
  }

  /** Seconds one more invocation of `call` for `reps` repetitions is expected to take (measured so far). */
  private costS(call: Call, reps: number): number {
    return call.reps ? (call.seconds / call.reps) * reps : 0;
  }

  /** Tops up, looks, and returns what run.json keeps. Nothing to do when no call was 'auto'. */
  async finish(): Promise<AdaptiveMeta | null> {
    if (!this.calls.length) return null;
    // Each benchmark's schedule: its first call's (the run's unless that call set its own minimum or maximum).
    const looksOf = (name: string) => this.calls.find((c) => c.name === name)!.looks;
    const rounds = Math.max(...this.calls.map((c) => c.looks.length));
    // The look each benchmark has reached (1-based): its rows are judged at that look's share of alpha.
    const reached = new Map<string, number>();
    const lookOf = (name: string) => reached.get(name) ?? 1;
    let stop: AdaptiveComparisonMeta['stopped'] | null = null;
    let now = new Map<string, HeadlineComparison[]>();
    for (let i = 0; i < rounds; i++) {
      const open = (
        i === 0 ? [...new Set(this.calls.map((c) => c.name))] : [...now].filter(([, cs]) => cs.some((c) => !decided(c))).map(([name]) => name)
      ).filter((name) => i < looksOf(name).length);
      if (!open.length) break;
      const target = (c: Call) => looksOf(c.name)[i];
      const due = this.calls.filter((c) => open.includes(c.name) && c.reps < target(c));
      const est = due.reduce((s, c) => s + this.costS(c, target(c) - c.reps), 0);
      const left = this.leftS();
      const at = [...new Set(open.map((name) => looksOf(name)[i]))].join('/');
      this.env.progress.stage(
        'adaptive',
        `look ${i + 1} at ${at} repetitions: repeating ${open.join(', ')} (about ${humanDuration(est)}${left === null ? '' : `, budget left ${humanDuration(left)}`})`,
      );
      stop = await this.topUp(due, target, i === 0 ? null : now);
      if (stop) break;
      for (const name of open) reached.set(name, i + 1);
      now = this.evaluate(lookOf);
      const all = [...now.values()].flat();
      const undecided = all.filter((c) => !decided(c));
      this.env.progress.info(
        `look ${i + 1}: ${all.length - undecided.length} of ${all.length} decided${undecided.length ? `; undecided: ${undecided.map((c) => `${c.label} ${pctText(decisionOf(c) ?? { pct: c.comparison.pct, lo: null, hi: null })} (n=${c.comparison.na}/${c.comparison.nb})`).join('; ')}` : ''}`,
      );
      if (!undecided.length) break;
    }
    // Stopped by the budget part-way: the rows so far are judged at the next look's share (never more than planned).
    if (stop) for (const c of this.calls) if (c.reps > c.looks[lookOf(c.name) - 1]) reached.set(c.name, Math.min(c.looks.length, lookOf(c.name) + 1));
    now = this.evaluate(lookOf);
    const out: AdaptiveComparisonMeta[] = [];
    for (const [name, cs] of now) {
      const reps = Math.max(...this.calls.filter((c) => c.name === name).map((c) => c.reps));
      for (const c of cs) {
        const state = c.comparison.clear ? 'different' : c.comparison.basis === 'equivalent' ? 'equivalent' : 'undecided';
        out.push({
          key: c.key,
          label: c.label,
          state,
          stopped: state !== 'undecided' ? 'decided' : (stop ?? 'max'),
          repetitions: reps,
          na: c.comparison.na,
          nb: c.comparison.nb,
          look: lookOf(name),
          ...(looksOf(name).join() !== this.settings.looks.join() ? { looks: looksOf(name) } : {}),
        });
      }
    }
    return this.meta(out);
  }

  /** Brings every due call to `look` repetitions, in turn; returns why it stopped early, or null. */
  private async topUp(due: Call[], look: (c: Call) => number, before: Map<string, HeadlineComparison[]> | null): Promise<'budget' | 'interrupted' | null> {
    // Calls under one WAN RTT are repeated inside one in-place change; the others as they are.
    const groups = new Map<string, Call[]>();
    for (const c of due) {
      const k = c.rtt === undefined ? '' : typeof c.rtt === 'string' ? c.rtt : c.rtt.text;
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    for (const calls of groups.values()) {
      const rtt = calls[0].rtt;
      const work = () => this.roundRobin(calls, look, before);
      const why = rtt === undefined ? await work() : await this.env.withWanRtt(rtt, work);
      if (why) return why;
    }
    return null;
  }

  private async roundRobin(
    calls: Call[],
    lookOf: (c: Call) => number,
    before: Map<string, HeadlineComparison[]> | null,
  ): Promise<'budget' | 'interrupted' | null> {
    while (calls.some((c) => c.reps < lookOf(c))) {
      for (const c of calls) {
        const look = lookOf(c);
        if (c.reps >= look) continue;
        if (this.env.signal.aborted) return 'interrupted';
        const reps = c.module.batchTopUps?.(c.options) ? look - c.reps : 1;
        const left = this.leftS();
        const cost = this.costS(c, reps);
        if (left !== null && cost > left) {
          this.env.progress.warn(
            `budget: ${c.name} needs about ${humanDuration(cost)} more, ${humanDuration(Math.max(0, left))} of the budget left: stopping the repetitions`,
          );
          return 'budget';
        }
        // After the first look, only what the undecided comparisons need (e.g. their node pairs).
        const undecided = before?.get(c.name)?.filter((x) => !decided(x)) ?? [];
        const options = before && c.module.narrow && undecided.length ? c.module.narrow(c.options, undecided) : c.options;
        await this.timed(c, reps, () => this.env.run(c.module, { ...(options as object), repetitions: reps, firstRepetition: c.reps + 1 }));
      }
    }
    return null;
  }
}
