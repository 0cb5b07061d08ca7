/**
 * Every benchmark, listed once. The key is the session method a scenario calls (`s.iperf3(...)`);
 * the order is the report's. Adding a benchmark = its own module (benchmarks/<name>.ts with the
 * runner, collector and report spec it uses) + one line here.
 */
import type { Measurement } from '../measurements/measurement.js';
import type { ReportParts } from '../reports/report.js';
import { hadoopElastic } from './hadoop-elastic.js';
import { http } from './http.js';
import { iperf3 } from './iperf3.js';
import { loadLatency } from './load-latency.js';
import { pgbench } from './pgbench.js';
import { ping } from './ping.js';
import { terasort } from './terasort.js';
import type { BenchmarkModule, OptionsOf, Repetitions } from './types.js';
import { udpLoss } from './udp-loss.js';
import { vmMigration } from './vm-migration.js';

export const BENCHMARKS = {
  iperf3,
  ping,
  loadLatency,
  pgbench,
  http,
  terasort,
  vmMigration,
  hadoopElastic,
  udpLoss,
} as const;

export type BenchmarkName = keyof typeof BENCHMARKS;

/** A module's options as a session method takes them: `repetitions` may also be 'auto' (session/adaptive.ts). */
type SessionOptionsOf<O> = O extends { repetitions?: number } ? Omit<O, 'repetitions' | 'firstRepetition'> & { repetitions?: Repetitions } : O;

/** The options each session method takes, by name (e.g. BenchmarkOptions['iperf3']). */
export type BenchmarkOptions = { [K in BenchmarkName]: SessionOptionsOf<OptionsOf<(typeof BENCHMARKS)[K]>> };

/** The benchmark methods of a session (and of the check pass), one per registry entry. */
export type Benchmarks = { [K in BenchmarkName]: (o: BenchmarkOptions[K]) => Promise<Measurement[]> };

/** The registry as a list of [method name, module] in report order. */
export const benchmarkEntries = (): [BenchmarkName, BenchmarkModule<unknown, unknown>][] =>
  Object.entries(BENCHMARKS) as [BenchmarkName, BenchmarkModule<unknown, unknown>][];

/** What the report draws for the registered benchmarks: their chart sections and headlines. */
export const REPORT_PARTS: ReportParts = {
  sections: benchmarkEntries().flatMap(([, m]) => (m.sections ?? []).map((build) => ({ benchmark: m.benchmark, build }))),
  headlines: benchmarkEntries().flatMap(([, m]) => m.headlines ?? []),
};
