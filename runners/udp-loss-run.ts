/** The udpLoss benchmark: a bounded bidirectional UDP flood per pair and repetition (runners/udp-loss.ts), two rows each. */
import type { Measurement } from '../measurements/measurement.js';
import { checkAbort, type BenchNode, type RunContext } from './context.js';
import { measureUdpLoss } from './udp-loss.js';
import { inCell, type CellSpec } from './cells.js';
import type { Pair } from './pairs.js';
import { resolveUdpLossOptions, type UdpLossBenchOptions } from './udp-loss-options.js';

export async function runUdpLoss(ctx: RunContext, opts: UdpLossBenchOptions): Promise<Measurement[]> {
  const o = resolveUdpLossOptions(opts, ctx.nodes);
  const total = o.pairs.length * o.repetitions;
  ctx.progress.stage(o.benchmark, `${o.pairs.length} pairs x ${o.repetitions} repetitions, ${o.packets} datagrams each way at ${o.pps}/s`);
  const out: Measurement[] = [];
  let i = 0;
  for (let rep = 1; rep <= o.repetitions; rep++)
    for (const p of o.pairs) {
      checkAbort(ctx);
      // One cell per pair and repetition (both directions of the flood): not run when a node of it is
      // lost (written missing) or a fill has it ok already; with spares, `at.pair` has a spare in place of a lost node.
      const rows = await inCell(ctx, udpLossCell(o, p, rep), (cctx, at) => measureUdpLoss(cctx, at.pair, { ...o }, o.port, rep));
      if (!rows) {
        i++;
        continue;
      }
      out.push(...rows);
      // The last sample's two rows (with a spare, the failed try's rows come first).
      const text = rows
        .slice(-2)
        .map((r) => (r.status === 'ok' ? `${r.src_node}->${r.dst_node} ${r.value?.toFixed(3)}%` : `${r.status}: ${r.reason}`))
        .join(', ');
      ctx.progress.step(o.benchmark, ++i, total, `${p.src.name} <-> ${p.dst.name} (${p.path}) rep ${rep}: ${text}`);
    }
  return out;
}

/** The cell of one flood: its pair (src -> dst; the rows of both directions belong to it) and repetition. */
export const udpLossCell = (o: { benchmark: string }, p: Pair<BenchNode>, rep: number): CellSpec => ({ benchmark: o.benchmark, pair: p, repetition: rep });
