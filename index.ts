/**
 * intercloud-bench public API: what scenario scripts import as 'intercloud-bench'.
 *
 * Kept narrow on purpose: the session life cycle, scenario parameters, sweeps, the lab provider,
 * clean-up and the report writer, plus the types a scenario needs to be type-checked
 * (`// @ts-check`). Everything else is internal; tools that really need a module reach it by
 * path through the "./internals/*" subpath export (e.g. 'intercloud-bench/internals/infra/lab/lab'),
 * with no promise of stability.
 */
export { withTestbed, type Session, type SessionOptions, type SessionResult } from './session/session.js';
export { scenarioParams, scriptArgs, usage, type ParamDefs, type ParamDef, type Params, type ParamValue } from './session/params.js';
export { main } from './session/main.js';
export { sweep } from './session/sweep-entry.js';
export type { SweepOptions, SweepResult } from './session/sweep.js';
export type { SessionTerasortOptions } from './session/benchmarks.js';
export { clean } from './session/clean.js';
export { ConfigError, Duration, Percent, Rate } from './infra/units.js';
export { TCP_CC_CHOICES, type TcpCcChoice } from './infra/tcp-stack.js';
export type { ScenarioInput, SiteInput, WanInput, TestbedSpec } from './infra/config.js';
export { labProvider } from './infra/lab/provider.js';
export type { Provider, Testbed, TestbedNode } from './infra/testbed.js';
export type { Iperf3Options } from './runners/iperf3.js';
export type { PingOptions } from './runners/ping.js';
export type { PgbenchOptions } from './runners/pgbench-options.js';
export type { HttpOptions } from './runners/http.js';
export type { LoadLatencyOptions } from './runners/load-latency-options.js';
export type { ClusterChoice } from './runners/clusters.js';
export { terasortAutoRows } from './runners/terasort-size.js';
export type { PairSelection } from './runners/pairs.js';
export type { Measurement } from './measurements/measurement.js';
export type { RunMeta } from './measurements/run-meta.js';
export { writeRunReport as writeReport } from './benchmarks/reports.js';
export type { Benchmarks, BenchmarkOptions } from './benchmarks/registry.js';
export type { BenchmarkModule, PlannedBenchmark } from './benchmarks/types.js';
