/**
 * Bytes that crossed the WAN during a job, from the lab's WAN emulator (wanem) counters: the sum of
 * both directions' tx_bytes over every site pair inside the cluster, after minus before. Hadoop's
 * own counters cannot split traffic by site; the gateway can. A one-site cluster crosses nothing.
 */
import type { WanemStats } from '../infra/wan/wanem-stats.js';
import type { BenchNode, RunContext } from './context.js';

/** 'unavailable': the testbed has no emulator counters (real sites, netem): no row at all, rather than a failure on every run. */
export type WanBytes = { kind: 'ok'; bytes: number } | { kind: 'none'; reason: string } | { kind: 'unavailable'; reason: string };
type Snapshot = { kind: 'ok'; bytes: number; pairs: string[] } | { kind: 'none'; reason: string } | { kind: 'unavailable'; reason: string };

export function sitePairs(cluster: readonly Pick<BenchNode, 'site'>[]): [string, string][] {
  const sites = [...new Set(cluster.map((n) => n.site))];
  const out: [string, string][] = [];
  for (let i = 0; i < sites.length; i++) for (let j = i + 1; j < sites.length; j++) out.push([sites[i], sites[j]]);
  return out;
}

/** Sum of tx_bytes in both directions for the given pairs of a stats snapshot (a missing pair -> reason). */
export function pairBytes(stats: Record<string, WanemStats>, pairs: [string, string][]): { bytes: number } | { reason: string } {
  let bytes = 0;
  for (const [a, b] of pairs) {
    const s = stats[`${a}-${b}`] ?? stats[`${b}-${a}`];
    if (!s) return { reason: `no WAN emulator counters for ${a}-${b}` };
    bytes += s.ab.tx_bytes + s.ba.tx_bytes;
  }
  return { bytes };
}

export function wanCounters(ctx: Pick<RunContext, 'emulatorStats'>, cluster: readonly Pick<BenchNode, 'site'>[]): Snapshot {
  const pairs = sitePairs(cluster);
  if (pairs.length === 0) return { kind: 'ok', bytes: 0, pairs: [] };
  if (!ctx.emulatorStats) return { kind: 'unavailable', reason: 'no WAN emulator counters on this testbed (real sites or netem)' };
  const r = pairBytes(ctx.emulatorStats(), pairs);
  return 'bytes' in r ? { kind: 'ok', bytes: r.bytes, pairs: pairs.map((p) => p.join('-')) } : { kind: 'none', reason: r.reason };
}

/** After minus before; an emulator restarted in between (counters went down) gives no figure. */
export function wanDelta(before: Snapshot, after: Snapshot): WanBytes {
  if (before.kind !== 'ok') return before;
  if (after.kind !== 'ok') return after;
  const d = after.bytes - before.bytes;
  if (d < 0) return { kind: 'none', reason: 'the WAN emulator counters went backwards (emulator restarted during the job)' };
  return { kind: 'ok', bytes: d };
}
