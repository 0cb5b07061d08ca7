/** iperf3 TCP bandwidth between node pairs (Fig. 2): runners/iperf3.ts, collectors/iperf3.ts, reports/specs/bandwidth.ts. */
import { runIperf3 } from '../runners/iperf3.js';
import { resolveIperf3Options, type Iperf3Options } from '../runners/iperf3-options.js';
import { bandwidthSection, bandwidthSummary } from '../reports/specs/bandwidth.js';
import type { SectionBuilder } from '../reports/specs/common.js';
import { intervalsSection, loadIntervals } from '../reports/specs/intervals.js';
import { tcpSection } from '../reports/specs/tcp.js';
import { bandwidthHeadline } from '../reports/summary.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

/** Bandwidth by path, then (when the raw iperf3 output is at hand) throughput over each sample's intervals. */
const bandwidthWithIntervals: SectionBuilder = (rows, meta, runDir) => {
  const s = bandwidthSection(rows, meta);
  const got = s ? [s] : [];
  if (runDir) {
    const iv = intervalsSection(loadIntervals(runDir, rows, meta), rows, meta);
    if (iv) got.push(iv);
  }
  return got;
};

export const iperf3 = defineBenchmark({
  benchmark: 'iperf3',
  summary: 'TCP bandwidth between node pairs with iperf3 --json (retransmits, TCP RTT, CPU)',
  resolve: (o: Iperf3Options, nodes) => resolveIperf3Options(o, nodes),
  plan: (o) =>
    pairPlan(
      o,
      `${o.durationS} s of TCP${o.omitS ? ` (+${o.omitS} s omitted)` : ''}, ${o.parallel} stream${o.parallel > 1 ? 's' : ''}${o.concurrency > 1 ? `, ${o.concurrency} pairs at a time` : ''}`,
      (samples) => Math.ceil(samples / o.concurrency) * (o.durationS + o.omitS + 1.5),
    ),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runIperf3(ctx, o),
  sections: [bandwidthWithIntervals, tcpSection],
  headlines: [bandwidthHeadline],
  comparisons: (rows, meta) =>
    bandwidthSummary(rows, meta).drops.map((d) => ({
      key: d.key,
      label: `bandwidth ${d.site}: inter-site vs intra-site`,
      comparison: d.comparison,
      pairs: d.pairs,
    })),
  // Top-ups measure only the pairs of the undecided sites (not the same-host 'local' pairs, which no headline uses).
  narrow: (o, undecided) => {
    const pairs = [...new Map(undecided.flatMap((c) => c.pairs ?? []).map((p): [string, [string, string]] => [p.join('>'), p])).values()];
    return pairs.length ? { ...o, pairs } : o;
  },
});
