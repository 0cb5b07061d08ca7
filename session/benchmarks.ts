/**
 * The benchmarks a scenario calls on its session (s.iperf3, s.ping, s.pgbench, s.http, s.terasort),
 * bound to the run's context. Each checks its options before it starts anything.
 */
import type { Measurement } from '../collectors/measurement.js';
import { ConfigError } from '../infra/units.js';
import { chooseCluster, type ClusterChoice } from '../runners/clusters.js';
import type { RunContext } from '../runners/context.js';
import { runHttp, type HttpOptions } from '../runners/http.js';
import { runIperf3, type Iperf3Options } from '../runners/iperf3.js';
import { runPgbench } from '../runners/pgbench.js';
import type { PgbenchOptions } from '../runners/pgbench-cmd.js';
import { runPing, type PingOptions } from '../runners/ping.js';
import type { TerasortEngine, TerasortOptions } from '../runners/terasort.js';
import { createHadoopTerasort, hadoopTerasort, type HadoopEngineOptions } from '../runners/terasort-hadoop.js';
import { labTerasort } from '../runners/terasort-lab.js';

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

const ENGINES: Record<string, TerasortEngine> = { lab: labTerasort, hadoop: hadoopTerasort };

export function benchmarks(ctx: RunContext): Benchmarks {
  return {
    iperf3: (o) => runIperf3(ctx, o),
    ping: (o) => runPing(ctx, o),
    pgbench: (o) => runPgbench(ctx, o),
    http: (o) => runHttp(ctx, o),
    terasort: async (o) => {
      const engine = o.engine === 'hadoop' && o.hadoop ? createHadoopTerasort(o.hadoop) : ENGINES[o.engine ?? 'lab'];
      if (!engine) throw new ConfigError('terasort.engine', `one of ${Object.keys(ENGINES).join(', ')}`, o.engine);
      const cluster = chooseCluster(ctx.nodes, o.cluster ?? { kind: 'all' }, 'terasort.cluster');
      return engine.run(ctx, cluster, o);
    },
  };
}
