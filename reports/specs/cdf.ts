/**
 * Empirical CDFs of per-packet RTTs, one line per group: RTT CDF by path (ping) and idle vs
 * loaded RTT (load-latency). Points are thinned to at most `maxPoints` per group (evenly in rank,
 * always keeping the min and max), so a long run does not bloat the report.
 */
import { fmt } from './common.js';

export interface CdfPoint {
  group: string;
  rtt: number;
  fraction: number;
}

export function cdfPoints(values: Map<string, number[]>, maxPoints = 200): CdfPoint[] {
  const out: CdfPoint[] = [];
  for (const [group, raw] of values) {
    const v = [...raw].sort((a, b) => a - b);
    const n = v.length;
    if (!n) continue;
    const step = Math.max(1, Math.ceil(n / maxPoints));
    for (let i = 0; i < n; i += step) out.push({ group, rtt: v[i], fraction: (i + 1) / n });
    if ((n - 1) % step !== 0) out.push({ group, rtt: v[n - 1], fraction: 1 });
  }
  return out;
}

/** A step line per group; log x when every RTT is above 0 and they span more than a factor of 20. */
export function cdfSpec(
  points: CdfPoint[],
  o: { title: string; subtitle: string[]; groupTitle: string; order: string[]; colors?: string[] },
): Record<string, unknown> {
  const rtts = points.map((p) => p.rtt);
  const lo = Math.min(...rtts),
    hi = Math.max(...rtts);
  const log = lo > 0 && hi / lo > 20;
  return {
    title: { text: o.title, subtitle: o.subtitle, anchor: 'start', subtitleColor: '#333', subtitleFontSize: 12, fontSize: 15 },
    width: 640,
    height: 260,
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: {
        field: 'rtt',
        type: 'quantitative',
        title: log ? 'Round-trip time (ms, log scale)' : 'Round-trip time (ms)',
        scale: log ? { type: 'log' } : { zero: false },
      },
      y: { field: 'fraction', type: 'quantitative', title: 'Fraction of packets at or below', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: {
        field: 'group',
        type: 'nominal',
        title: o.groupTitle,
        sort: o.order,
        legend: { labelLimit: 320 },
        ...(o.colors ? { scale: { range: o.colors } } : {}),
      },
      tooltip: [
        { field: 'group', title: o.groupTitle },
        { field: 'rtt', format: '.3f', title: 'RTT ms' },
        { field: 'fraction', format: '.1%' },
      ],
    },
  };
}

export const ms = (v: number) => `${fmt(v, v < 1 ? 3 : 2)} ms`;
