/** ping RTT between node pairs: runners/ping.ts, collectors/ping.ts, reports/specs/rtt.ts. */
import { runPing } from '../runners/ping.js';
import { resolvePingOptions, type PingOptions } from '../runners/ping-options.js';
import { rttCdfSection, rttSection } from '../reports/specs/rtt.js';
import { rttHeadline } from '../reports/summary.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const ping = defineBenchmark({
  benchmark: 'ping',
  summary: 'round-trip times between node pairs with ping (per packet, per path)',
  resolve: (o: PingOptions, nodes) => resolvePingOptions(o, nodes),
  plan: (o) => pairPlan(o, `${o.count} pings every ${o.intervalS} s`, (samples) => samples * (o.count * o.intervalS + o.warmup * 0.01 + 0.5)),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runPing(ctx, o),
  // One builder for both charts: with several platforms, each platform's RTT and CDF stay together.
  sections: [(rows, meta) => [rttSection(rows, meta), rttCdfSection(rows, meta)].filter((s) => s !== null)],
  headlines: [rttHeadline],
});
