/**
 * What a WAN result is compared with. Where the run emulated its WAN (netem or wanem), the profile
 * it configured: that is what the path was made to be. On real sites (`enforced_by: 'none'`)
 * nothing was configured on the path, the scenario's profile is only what it expected: the
 * comparison is with the baseline that validation measured on the real network (its entries carry
 * `baseline: true`), or with nothing when there is no baseline.
 */
import type { RunMeta, WanProfileMeta } from '../../measurements/run-meta.js';
import { fmt } from './common.js';

export interface Reference {
  kind: 'configured' | 'baseline';
  value: number;
}

/** "configured" or "measured baseline", as the text says it. */
export const referenceWord = (kind: Reference['kind']): string => (kind === 'configured' ? 'configured' : 'measured baseline');

/** "configured 20.0 ms" / "measured baseline 0.13 ms". */
export const referenceText = (r: Reference, unit: string, digits = 1): string => `${referenceWord(r.kind)} ${fmt(r.value, digits)} ${unit}`;

const samePair = (x: { a: string; b: string }, a: string, b: string): boolean => (x.a === a && x.b === b) || (x.a === b && x.b === a);

/** The profile of a site pair, if the run has one. */
export const profileOf = (meta: RunMeta, a: string, b: string): WanProfileMeta | undefined => meta.wan.find((w) => samePair(w, a, b));

/** The pair's WAN was not emulated (real sites): its profile is what the scenario expected, not what the path was made to be. */
export const measuredOnly = (p: WanProfileMeta): boolean => p.enforced_by === 'none';

/** Every profile of the run is only recorded (real sites). */
export const wanNotEmulated = (meta: RunMeta): boolean => meta.wan.length > 0 && meta.wan.every(measuredOnly);

/** The baseline validation measured for a pair (check 'rtt_median' or 'throughput'), if any. */
function baseline(meta: RunMeta, a: string, b: string, check: string): number | null {
  const v = (meta.validation ?? []).find((x) => x.baseline && x.check === check && samePair(x, a, b) && x.measured !== null);
  return v ? v.measured : null;
}

/** A pair's RTT to compare with: configured where emulated, the measured baseline (ms) on real sites, else null. */
export function rttReference(meta: RunMeta, a: string, b: string): Reference | null {
  const p = profileOf(meta, a, b);
  if (!p) return null;
  if (!measuredOnly(p)) return { kind: 'configured', value: p.rtt_ms };
  const v = baseline(meta, a, b, 'rtt_median');
  return v === null ? null : { kind: 'baseline', value: v };
}

/** A pair's rate to compare with (Mbit/s): the configured rate where emulated (null: unlimited), the baseline TCP probe on real sites. */
export function rateReference(meta: RunMeta, a: string, b: string): Reference | null {
  const p = profileOf(meta, a, b);
  if (!p) return null;
  if (!measuredOnly(p)) return p.rate_mbit !== null && p.rate_mbit > 0 ? { kind: 'configured', value: p.rate_mbit } : null;
  const v = baseline(meta, a, b, 'throughput');
  return v === null || !(v > 0) ? null : { kind: 'baseline', value: v };
}

/**
 * One site pair's WAN in a sentence. Emulated: "NII–Hokudai 1,000 Mbit/s, RTT 20.0 ms" (what it was
 * made to be). Real: "NII–Hokudai not emulated: measured baseline RTT 0.13 ms, 941 Mbit/s (the
 * scenario expected 1,000 Mbit/s, RTT 20.0 ms)"; `pair` is the label to use for the pair.
 */
export function wanText(meta: RunMeta, w: WanProfileMeta, pair: string): string {
  const rate = (v: number | null) => (v === null ? 'unlimited' : `${fmt(v, 0)} Mbit/s`);
  const profile = `${rate(w.rate_mbit)}, RTT ${fmt(w.rtt_ms)} ms`;
  if (!measuredOnly(w)) return `${pair} ${profile}`;
  const [rtt, tcp] = [rttReference(meta, w.a, w.b), rateReference(meta, w.a, w.b)];
  const base = [...(rtt ? [`RTT ${fmt(rtt.value, 2)} ms`] : []), ...(tcp ? [`${fmt(tcp.value, 0)} Mbit/s (one TCP stream)`] : [])];
  return `${pair} not emulated: ${base.length ? `measured baseline ${base.join(', ')}` : 'no baseline measured'} (the scenario expected ${profile})`;
}
