/** Transactions per second, client and server same-site vs across the WAN (Fig. 3): runners/pgbench.ts, reports/specs/transactions.ts. */
import { runPgbench } from '../runners/pgbench.js';
import { PGBENCH_SCRIPTS } from '../runners/pgbench-cmd.js';
import { resolvePgbenchOptions, type PgbenchOptions } from '../runners/pgbench-options.js';
import { transactionsSection, transactionsSummary } from '../reports/specs/transactions.js';
import { tpsHeadline } from '../reports/summary.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const pgbench = defineBenchmark({
  benchmark: 'pgbench',
  summary: 'PostgreSQL transactions per second with pgbench, server and client on chosen nodes',
  resolve: (o: PgbenchOptions, nodes) => resolvePgbenchOptions(o, nodes),
  plan: (o) => ({
    ...pairPlan(
      o,
      `${o.durationS} s of ${o.scripts.join(', ')}, ${o.clients} clients, scale ${o.scale}`,
      // Server start and pgbench -i (about 3 s per 100,000 accounts) once, then the runs.
      (samples) => 8 + 3 * o.scale + samples * (o.durationS + 1.5),
      o.scripts.length,
    ),
    hostNeeds: ['pgbench'],
  }),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runPgbench(ctx, o),
  sections: [transactionsSection],
  headlines: [tpsHeadline],
  comparisons: (rows, meta) =>
    transactionsSummary(rows, meta).drops.map((d) => ({
      key: d.key,
      label: `TPS ${d.script} (server at ${d.site}): inter-site vs same-site`,
      comparison: d.comparison,
      script: d.script,
    })),
  // Top-ups run only the scripts still undecided.
  narrow: (o, undecided) => {
    const scripts = (o.scripts ?? PGBENCH_SCRIPTS).filter((s) => undecided.some((c) => c.script === s));
    return scripts.length ? { ...o, scripts } : o;
  },
});
