/** Provisioning time is itself a measurement: one 'node-start' row per node of the testbed. */
import { toRow, type Measurement } from '../measurements/measurement.js';
import type { RunContext } from '../runners/context.js';

export function nodeStartRows(ctx: RunContext, startMs: Record<string, number>, at = new Date()): Measurement[] {
  return ctx.nodes.map((n) => {
    const ms = startMs[n.name];
    const sctx = {
      run_id: ctx.runId,
      scenario: ctx.scenario,
      benchmark: 'node-start',
      src_site: n.site,
      src_node: n.name,
      dst_site: n.site,
      dst_node: n.name,
      path: 'local' as const,
      virt: n.virt,
      nodes: ctx.nodes.length,
      repetition: 1,
      started_at: at.toISOString(),
    };
    return toRow(
      sctx,
      ms === undefined || !Number.isFinite(ms)
        ? { metric: 'start_time', value: null, unit: 'ms', status: 'failed', reason: 'start time not recorded by the testbed' }
        : { metric: 'start_time', value: Math.round(ms * 10) / 10, unit: 'ms', status: 'ok' },
    );
  });
}
