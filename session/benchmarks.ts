/**
 * The benchmarks a scenario calls on its session (s.iperf3, s.ping, s.pgbench, s.http, s.terasort),
 * bound to the run's context; and the same calls in check mode, which only resolve the options
 * against the testbed's spec (node names, cluster sizes, limits) so that a scenario's bad option
 * fails before anything is created. Both go through the one resolve function of each benchmark
 * (runners/<bench>-options.ts).
 */
import type { NodeSpec } from '../infra/config.js';
import type { Measurement } from '../measurements/measurement.js';
import type { RunContext } from '../runners/context.js';
import { runHttp } from '../runners/http.js';
import { resolveHttpOptions, type HttpOptions } from '../runners/http-options.js';
import { runIperf3 } from '../runners/iperf3.js';
import { resolveIperf3Options, type Iperf3Options } from '../runners/iperf3-options.js';
import { runPgbench } from '../runners/pgbench.js';
import { resolvePgbenchOptions, type PgbenchOptions } from '../runners/pgbench-options.js';
import { runPing } from '../runners/ping.js';
import { resolvePingOptions, type PingOptions } from '../runners/ping-options.js';
import type { TerasortEngine } from '../runners/terasort.js';
import { createHadoopTerasort, hadoopTerasort } from '../runners/terasort-hadoop.js';
import { labTerasort } from '../runners/terasort-lab.js';
import { checkElasticOptions, elasticNodes, runHadoopElastic, type ElasticOptions } from '../runners/hadoop-elastic.js';
import { resolveTerasortOptions, type SessionTerasortOptions } from '../runners/terasort-options.js';
import { runLoadLatency } from '../runners/load-latency.js';
import { resolveLoadLatencyOptions, type LoadLatencyOptions } from '../runners/load-latency-options.js';
import { planHadoopElastic, planHttp, planIperf3, planLoadLatency, planPgbench, planPing, planTerasort, planVmMigration, type Plan } from './plan.js';
import { resolveVmMigrationOptions, runVmMigration, type VmMigrationOptions } from '../runners/vm-migration.js';

export type { SessionTerasortOptions } from '../runners/terasort-options.js';
export type { LoadLatencyOptions } from '../runners/load-latency-options.js';

export interface Benchmarks {
  iperf3(o: Iperf3Options): Promise<Measurement[]>;
  ping(o: PingOptions): Promise<Measurement[]>;
  pgbench(o: PgbenchOptions): Promise<Measurement[]>;
  http(o: HttpOptions): Promise<Measurement[]>;
  terasort(o: SessionTerasortOptions): Promise<Measurement[]>;
  /** Latency under load (flent RRUL-like): ping idle, then ping during an iperf3 TCP load between the same nodes. */
  loadLatency(o: LoadLatencyOptions): Promise<Measurement[]>;
  /** Live migration of a qemu node's VM to another host (lab only), per memory size, with a peer's view of the downtime. */
  vmMigration(o: VmMigrationOptions): Promise<Measurement[]>;
  /** A real Hadoop cluster grown while a stream of TeraSort jobs runs (runners/hadoop-elastic.ts). */
  hadoopElastic(o: ElasticOptions): Promise<Measurement[]>;
}

export function benchmarks(ctx: RunContext, testbed?: unknown): Benchmarks {
  return {
    // Each runner resolves its options first (runners/<bench>-options.ts), before creating anything.
    iperf3: (o) => runIperf3(ctx, o),
    ping: (o) => runPing(ctx, o),
    pgbench: (o) => runPgbench(ctx, o),
    http: (o) => runHttp(ctx, o),
    terasort: async (o) => {
      const r = resolveTerasortOptions(o, ctx.nodes);
      const engine: TerasortEngine = r.engine === 'lab' ? labTerasort : o.hadoop ? createHadoopTerasort(o.hadoop) : hadoopTerasort;
      return engine.run(ctx, r.nodes, r);
    },
    loadLatency: (o) => runLoadLatency(ctx, o),
    vmMigration: (o) => runVmMigration(ctx, testbed, o),
    hadoopElastic: (o) => runHadoopElastic(ctx, ctx.nodes, o),
  };
}

/**
 * Check mode: every call resolves its options against the spec's nodes and returns no rows; with
 * a `plan`, each call is recorded in it, in order (what --dry-run prints and progress counts).
 */
export function checkedBenchmarks(nodes: readonly NodeSpec[], plan?: Plan): Benchmarks {
  const none = async (): Promise<Measurement[]> => [];
  return {
    iperf3: (o) => {
      const r = resolveIperf3Options(o, nodes);
      if (plan) planIperf3(plan, r);
      return none();
    },
    ping: (o) => {
      const r = resolvePingOptions(o, nodes);
      if (plan) planPing(plan, r);
      return none();
    },
    pgbench: (o) => {
      const r = resolvePgbenchOptions(o, nodes);
      if (plan) planPgbench(plan, r);
      return none();
    },
    http: (o) => {
      const r = resolveHttpOptions(o, nodes);
      if (plan) planHttp(plan, r);
      return none();
    },
    terasort: (o) => {
      const r = resolveTerasortOptions(o, nodes);
      if (plan) planTerasort(plan, r);
      return none();
    },
    loadLatency: (o) => {
      const r = resolveLoadLatencyOptions(o, nodes);
      if (plan) planLoadLatency(plan, r);
      return none();
    },
    vmMigration: (o) => {
      const r = resolveVmMigrationOptions(o, nodes);
      if (plan) planVmMigration(plan, r);
      return none();
    },
    hadoopElastic: (o) => {
      const picked = elasticNodes(nodes, o);
      checkElasticOptions(o, picked);
      if (plan) planHadoopElastic(plan, picked, o);
      return none();
    },
  };
}
