/** Live migration of a qemu node's VM between hosts, per memory size (FlexCapsule): runners/vm-migration.ts, reports/specs/migration.ts. */
import { resolveVmMigrationOptions, runVmMigration, type VmMigrationOptions } from '../runners/vm-migration.js';
import { migrationSections } from '../reports/specs/migration.js';
import { defineBenchmark } from './types.js';

export const vmMigration = defineBenchmark({
  benchmark: 'vm-migration',
  summary: "live migration of a qemu node's VM to another host and back, per guest memory size, with a peer's view of the downtime",
  resolve: (o: VmMigrationOptions, nodes) => resolveVmMigrationOptions(o, nodes),
  plan: (o) => ({
    benchmark: 'vm-migration',
    pairs: [{ src: o.vm, dst: o.to, path: 'inter-site' }],
    repetitions: o.repetitions,
    samples: o.memMiB.length * o.repetitions,
    detail: `${o.vm} to ${o.to} and back, guest memory ${o.memMiB.join('/')} MiB, ${o.dirtyMiBps} MiB/s dirtied, peer ${o.peer} pinging every ${o.pingIntervalS * 1000} ms`,
    // Per size: a boot (~30 s under TCG here), the fill, then each migration at roughly 1 s per 100 MB on a 1 Gbit/s WAN.
    estimateS: o.memMiB.reduce((t, m) => t + 40 + o.repetitions * (5 + m / 100), 0),
  }),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx, testbed }, o) => runVmMigration(ctx, testbed, o),
  sections: [migrationSections],
});
