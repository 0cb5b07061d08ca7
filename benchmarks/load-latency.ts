/** Latency under load (flent RRUL-like): runners/load-latency.ts, reports/specs/load-latency.ts. */
import { runLoadLatency } from '../runners/load-latency.js';
import { resolveLoadLatencyOptions, type LoadLatencyOptions } from '../runners/load-latency-options.js';
import { loadLatencySection } from '../reports/specs/load-latency.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const loadLatency = defineBenchmark({
  benchmark: 'load-latency',
  summary: 'ping idle, then ping during an iperf3 TCP load between the same nodes',
  resolve: (o: LoadLatencyOptions, nodes) => resolveLoadLatencyOptions(o, nodes),
  plan: (o) =>
    pairPlan(
      o,
      `${o.count} pings every ${o.intervalS} s idle, then the same under ${o.loadS} s of TCP load`,
      (samples) => samples * (o.count * o.intervalS + 0.5 + o.loadS + 2),
    ),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runLoadLatency(ctx, o),
  sections: [loadLatencySection],
});
