/**
 * One-way UDP loss per direction between node pairs: a bounded bidirectional iperf3 UDP flood,
 * the receivers' own socket drops counted out (runners/udp-loss*.ts, collectors/udp-loss.ts,
 * reports/specs/udp-loss.ts).
 */
import { runUdpLoss } from '../runners/udp-loss-run.js';
import { resolveUdpLossOptions, type UdpLossBenchOptions } from '../runners/udp-loss-options.js';
import { udpLossSection } from '../reports/specs/udp-loss.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const udpLoss = defineBenchmark({
  benchmark: 'udp-loss',
  summary: "one-way UDP loss per direction with a bounded iperf3 UDP flood, receivers' own drops counted out",
  resolve: (o: UdpLossBenchOptions, nodes) => resolveUdpLossOptions(o, nodes),
  plan: (o) =>
    pairPlan(o, `${o.packets} datagrams of ${o.lengthBytes} B each way at ${o.pps}/s`, (samples) => samples * (Math.ceil(o.packets / o.pps) + 1 + 2)),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runUdpLoss(ctx, o),
  sections: [udpLossSection],
});
