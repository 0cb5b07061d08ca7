/**
 * Teragen/Terasort/Teravalidate on a cluster of nodes (Fig. 4 and 5), with the lab engine or Hadoop:
 * runners/terasort*.ts, collectors/terasort.ts and hadoop.ts, reports/specs/terasort.ts.
 */
import type { TerasortEngine } from '../runners/terasort.js';
import { createHadoopTerasort, hadoopTerasort } from '../runners/terasort-hadoop.js';
import { labTerasort } from '../runners/terasort-lab.js';
import { resolveTerasortOptions, type SessionTerasortOptions } from '../runners/terasort-options.js';
import { terasortSections, terasortSummary } from '../reports/specs/terasort.js';
import { scaleHeadline, terasortHeadline } from '../reports/summary.js';
import { clusterPair } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const terasort = defineBenchmark({
  benchmark: 'terasort',
  summary: 'Teragen, Terasort and Teravalidate on a cluster (one site or spanning), lab engine or Hadoop',
  resolve: (o: SessionTerasortOptions, nodes) => resolveTerasortOptions(o, nodes),
  plan: (o) => {
    const n = o.nodes.length;
    return {
      benchmark: 'terasort',
      pairs: clusterPair(o.nodes),
      repetitions: o.repetitions,
      samples: o.repetitions,
      detail: `${o.engine} engine, ${o.rows} rows on ${n} nodes${o.label ? ` (${o.label})` : ''}${o.rowsWhy ? `; ${o.rowsWhy}` : ''}`,
      // Teragen, Terasort and Teravalidate: a few seconds of start-up, then about 1 s per 100,000 rows (lab engine).
      estimateS: o.repetitions * (o.engine === 'lab' ? 3 + (3 * o.rows) / 100_000 / Math.max(1, n / 2) : 60 + o.rows / 20_000),
      hostNeeds: [o.engine === 'lab' ? 'terasort-lab' : 'hadoop'],
    };
  },
  // Measured through cells (runners/cells.ts), both engines (one cell per job): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => {
    const r = resolveTerasortOptions(o, ctx.nodes);
    const engine: TerasortEngine = r.engine === 'lab' ? labTerasort : o.hadoop ? createHadoopTerasort(o.hadoop) : hadoopTerasort;
    return engine.run(ctx, r.nodes, r);
  },
  sections: [terasortSections],
  headlines: [terasortHeadline, scaleHeadline],
  comparisons: (rows, meta) =>
    terasortSummary(rows, meta).slowdowns.map((d) => ({
      key: d.key,
      label: `Terasort ${d.nodes} nodes: ${d.spanning} vs ${d.oneSite}`,
      comparison: d.comparison,
    })),
  // A Hadoop call starts its own cluster: its top-ups run a look's repetitions in one call.
  batchTopUps: (o) => o.engine !== 'lab',
});
