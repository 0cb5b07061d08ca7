/**
 * The benchmarks a scenario calls on its session (s.iperf3, s.ping, s.pgbench, s.http, s.terasort),
 * bound to the run's context; and the same calls in check mode, which only resolve the options
 * against the testbed's spec (node names, cluster sizes, limits) so that a scenario's bad option
 * fails before anything is created.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import type { Measurement } from '../measurements/measurement.js';
import { chooseCluster, type ClusterChoice } from '../runners/clusters.js';
import type { RunContext } from '../runners/context.js';
import { checkHttpOptions, runHttp, type HttpOptions } from '../runners/http.js';
import { checkIperf3Options, runIperf3, type Iperf3Options } from '../runners/iperf3.js';
import { runPgbench } from '../runners/pgbench.js';
import { checkPgbenchOptions, type PgbenchOptions } from '../runners/pgbench-cmd.js';
import { selectPairs } from '../runners/pairs.js';
import { checkPingOptions, runPing, type PingOptions } from '../runners/ping.js';
import type { TerasortEngine, TerasortOptions } from '../runners/terasort.js';
import { checkTerasortOptions, createHadoopTerasort, hadoopTerasort, type HadoopEngineOptions } from '../runners/terasort-hadoop.js';
import { checkLabTerasortOptions, labTerasort } from '../runners/terasort-lab.js';

export interface SessionTerasortOptions extends TerasortOptions {
  engine?: 'lab' | 'hadoop';
  /** Settings of the hadoop engine (hadoopHome, javaHome, dataRoot, memory, ports). */
  hadoop?: HadoopEngineOptions;
  /** Which nodes form the cluster; default all nodes. */
  cluster?: ClusterChoice;
}

export interface Benchmarks {
  iperf3(o: Iperf3Options): Promise<Measurement[]>;
  ping(o: PingOptions): Promise<Measurement[]>;
  pgbench(o: PgbenchOptions): Promise<Measurement[]>;
  http(o: HttpOptions): Promise<Measurement[]>;
  terasort(o: SessionTerasortOptions): Promise<Measurement[]>;
}

const ENGINES = ['lab', 'hadoop'] as const;

function terasortPlan<N extends NodeSpec>(nodes: N[], o: SessionTerasortOptions): { engineName: 'lab' | 'hadoop'; cluster: N[] } {
  const engineName = o.engine ?? 'lab';
  if (!ENGINES.includes(engineName)) throw new ConfigError('terasort.engine', `one of ${ENGINES.join(', ')}`, o.engine);
  const cluster = chooseCluster(nodes, o.cluster ?? { kind: 'all' }, 'terasort.cluster');
  if (engineName === 'lab') checkLabTerasortOptions(o, cluster);
  else checkTerasortOptions(o);
  return { engineName, cluster };
}

export function benchmarks(ctx: RunContext): Benchmarks {
  return {
    iperf3: (o) => runIperf3(ctx, o),
    ping: (o) => runPing(ctx, o),
    pgbench: (o) => runPgbench(ctx, o),
    http: (o) => runHttp(ctx, o),
    terasort: async (o) => {
      const { engineName, cluster } = terasortPlan(ctx.nodes, o);
      const engine: TerasortEngine = engineName === 'lab' ? labTerasort : o.hadoop ? createHadoopTerasort(o.hadoop) : hadoopTerasort;
      return engine.run(ctx, cluster, o);
    },
  };
}

/** Check mode: every call resolves its options against the spec's nodes and returns no rows. */
export function checkedBenchmarks(nodes: NodeSpec[]): Benchmarks {
  const none = async (): Promise<Measurement[]> => [];
  return {
    iperf3: (o) => { checkIperf3Options(o); selectPairs(nodes, o.pairs, 'iperf3.pairs'); return none(); },
    ping: (o) => { checkPingOptions(o); selectPairs(nodes, o.pairs, 'ping.pairs'); return none(); },
    pgbench: (o) => { checkPgbenchOptions(o); return none(); },
    http: (o) => { checkHttpOptions(o); selectPairs(nodes, o.pairs, 'http.pairs'); return none(); },
    terasort: (o) => { terasortPlan(nodes, o); return none(); },
  };
}
