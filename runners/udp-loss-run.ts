/** The udpLoss benchmark: a bounded bidirectional UDP flood per pair and repetition (runners/udp-loss.ts), two rows each. */
import type { Measurement } from '../measurements/measurement.js';
import { checkAbort, type RunContext } from './context.js';
import { measureUdpLoss } from './udp-loss.js';
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
      const rows = await measureUdpLoss(ctx, p, { ...o }, o.port, rep);
      out.push(...rows);
      const text = rows.map((r) => (r.status === 'ok' ? `${r.src_node}->${r.dst_node} ${r.value?.toFixed(3)}%` : `${r.status}: ${r.reason}`)).join(', ');
      ctx.progress.step(o.benchmark, ++i, total, `${p.src.name} <-> ${p.dst.name} (${p.path}) rep ${rep}: ${text}`);
    }
  return out;
}
