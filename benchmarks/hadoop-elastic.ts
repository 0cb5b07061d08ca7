/** A real Hadoop cluster grown while a stream of TeraSort jobs runs (Kumoi 3 -> 9): runners/hadoop-elastic.ts, reports/specs/hadoop-elastic.ts. */
import type { NodeSpec } from '../infra/config.js';
import { checkElasticOptions, ELASTIC_DEFAULTS, elasticNodes, runHadoopElastic, type ElasticOptions } from '../runners/hadoop-elastic.js';
import { elasticSections } from '../reports/specs/hadoop-elastic.js';
import { clusterPair } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const hadoopElastic = defineBenchmark({
  benchmark: 'hadoop-elastic',
  summary: 'a real Hadoop cluster grown worker by worker while TeraSort jobs run',
  resolve: (o: ElasticOptions, nodes): { nodes: NodeSpec[]; o: ElasticOptions } => {
    const picked = elasticNodes(nodes, o);
    checkElasticOptions(o, picked);
    return { nodes: picked, o };
  },
  /**
   * The elastic stream: start-up and TeraGen, then jobs until the last worker was added and
   * `afterJobs` more ran (at most `maxJobs`), each about 30 s plus 1 s per 30,000 rows (measured at
   * 2,000,000 rows on 3 to 9 lab workers: 82 to 104 s).
   */
  plan: ({ nodes, o }) => {
    const d = {
      initialWorkers: o.initialWorkers ?? ELASTIC_DEFAULTS.initialWorkers,
      addEveryS: o.addEveryS ?? ELASTIC_DEFAULTS.addEveryS,
      maxJobs: o.maxJobs ?? ELASTIC_DEFAULTS.maxJobs,
      afterJobs: o.afterJobs ?? ELASTIC_DEFAULTS.afterJobs,
    };
    const added = Math.max(0, nodes.length - 1 - d.initialWorkers);
    const jobS = 30 + o.rows / 30_000;
    const jobs = Math.min(d.maxJobs, Math.ceil((added * d.addEveryS) / jobS) + d.afterJobs);
    return {
      benchmark: 'hadoop-elastic',
      hostNeeds: ['hadoop'],
      pairs: clusterPair(nodes),
      repetitions: jobs,
      samples: jobs,
      detail: `TeraSort jobs of ${o.rows} rows while workers grow ${d.initialWorkers} -> ${d.initialWorkers + added}, one every ${d.addEveryS} s (about ${jobs} jobs)`,
      estimateS: 60 + jobs * jobS + 30,
    };
  },
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runHadoopElastic(ctx, ctx.nodes, o),
  sections: [elasticSections],
});
