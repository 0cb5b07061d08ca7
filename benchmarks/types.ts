/**
 * One benchmark = one module with this interface, listed once in benchmarks/registry.ts. From the
 * registry come the session's benchmark calls (run and check passes), the dry-run plan, progress
 * counts, the report's chart sections and headlines, and the option types scenarios see.
 *
 * Life cycle (as PerfKit Benchmarker's prepare/run/cleanup, with the check first):
 *   resolve(options, nodes)   pure: checks every option against the testbed's nodes, before anything exists
 *   plan(resolved)            pure: what the dry run prints and progress counts (pairs, samples, estimate)
 *   run(ctx, options)         runs on the testbed's nodes and returns (and records) the rows
 */
import type { NodeSpec } from '../infra/config.js';
import type { HostFeature } from '../infra/host-prerequisites.js';
import type { Testbed } from '../infra/testbed.js';
import type { Measurement } from '../measurements/measurement.js';
import type { RunContext } from '../runners/context.js';
import type { SectionBuilder } from '../reports/specs/common.js';
import type { HeadlineBuilder } from '../reports/summary.js';
import type { RunMeta } from '../measurements/run-meta.js';
import type { Comparison } from '../measurements/stats.js';

/**
 * A fixed number of repetitions, or adaptive: 'auto' (the run's minimum and maximum) or this
 * benchmark's own `{ min, max }`, repeated until its headline comparisons are decided (session/adaptive.ts).
 */
export type Repetitions = number | 'auto' | { min?: number; max?: number };

/** One headline comparison (A vs B cells) a benchmark's rows decide. */
export interface HeadlineComparison {
  /** Stable key, e.g. "bandwidth|NII" (the report finds why it stopped by it). */
  key: string;
  label: string;
  comparison: Comparison;
  /** The node pairs (source, destination) whose samples feed it, when a call can be narrowed to them. */
  pairs?: [src: string, dst: string][];
  /** The pgbench script it compares, when a call can be narrowed to it. */
  script?: string;
}

/** One benchmark call as planned by the check pass (what --dry-run prints). */
export interface PlannedBenchmark {
  /** The session method called: iperf3, ping, pgbench, http, terasort, loadLatency, ... */
  call: string;
  /** The rows' benchmark name (options.benchmark, or the call's default). */
  benchmark: string;
  pairs: { src: string; dst: string; path: string }[];
  repetitions: number;
  samples: number;
  /** What one sample is, e.g. "5 s of TCP, 1 stream". */
  detail: string;
  estimateS: number;
  /** The WAN RTT set by withWanRtt around this call, if any. */
  wanRtt?: string;
  /** 'auto' repetitions of a benchmark with headline comparisons: planned at min, up to max. */
  adaptive?: { min: number; max: number };
  /** What it needs installed on real hosts beyond the base set (infra/host-prerequisites.ts), checked in preflight. */
  hostNeeds?: HostFeature[];
}

/** What a module's plan() returns: the call and WAN RTT are filled in by the session. */
export type PlannedCall = Omit<PlannedBenchmark, 'call' | 'wanRtt' | 'adaptive'>;

/** What a benchmark's run gets besides its options: the run context and the testbed (for its capabilities). */
export interface BenchmarkEnv {
  ctx: RunContext;
  testbed: Testbed;
}

export interface BenchmarkModule<O, R> {
  /** The rows' default benchmark name, and the report sections' key (e.g. 'load-latency'). */
  readonly benchmark: string;
  /** One line for help and docs. */
  readonly summary: string;
  /** Checks the options against the testbed's nodes; throws ConfigError naming the field. Creates nothing. */
  resolve(options: O, nodes: readonly NodeSpec[]): R;
  /** The planned call (pairs, samples, a rough estimate of its time). */
  plan(resolved: R): PlannedCall;
  /** Runs it; rows are also appended to the run's store as samples finish. */
  run(env: BenchmarkEnv, options: O): Promise<Measurement[]>;
  /** Chart sections for this benchmark's rows, in report order (a builder returning null is skipped). */
  readonly sections?: readonly SectionBuilder[];
  /** Headline results this benchmark contributes to the run's summary, in order. */
  readonly headlines?: readonly HeadlineBuilder[];
  /**
   * The headline comparisons its rows decide. With `repetitions: 'auto'` the session repeats this
   * benchmark's calls (which must take `firstRepetition`) until each is decided or the budget is spent.
   */
  readonly comparisons?: (rows: Measurement[], meta: RunMeta) => HeadlineComparison[];
  /** The call's options cut down to what the undecided comparisons need (top-ups only), e.g. their node pairs. */
  readonly narrow?: (options: O, undecided: HeadlineComparison[]) => O;
  /**
   * True when its runner measures through cells (runners/cells.ts inCell) for these options: a lost
   * node then costs only its cells, and `icbench fill` re-runs only the holes. A call without cells
   * is not run again by a fill (it would measure everything twice).
   */
  readonly cells?: (options: O) => boolean;
  /** True when a call's set-up is costly (e.g. a Hadoop cluster): top-ups then run a look's repetitions in one call, not one at a time. */
  readonly batchTopUps?: (options: O) => boolean;
}

/** The options type of a module. */
export type OptionsOf<M> = M extends BenchmarkModule<infer O, unknown> ? O : never;

/** Declares a module with its option and resolved types inferred (and checked against the interface). */
export const defineBenchmark = <O, R>(m: BenchmarkModule<O, R>): BenchmarkModule<O, R> => m;
