/**
 * Was a sample limited by the WAN emulator itself rather than by the emulated WAN? Compares the
 * relay counters taken before and after the sample. Queue drops are the emulated WAN's own
 * congestion (its truth); overruns, ring drops and late sends are the emulator failing to keep up.
 */
import type { WanemDir, WanemStats } from '../infra/lab/lab.js';

export interface EmulatorVerdict { saturated: boolean; detail: string; delta: Partial<Record<keyof WanemDir, number>> }

/** Share of packets sent more than 200 us late above which a sample is flagged. */
export const LATE_SHARE_LIMIT = 0.01;

export function pairKey(stats: Record<string, unknown>, a: string, b: string): string | null {
  if (`${a}-${b}` in stats) return `${a}-${b}`;
  if (`${b}-${a}` in stats) return `${b}-${a}`;
  return null;
}

export function emulatorVerdict(before: WanemStats | undefined, after: WanemStats | undefined): EmulatorVerdict {
  if (!before || !after) return { saturated: false, detail: '', delta: {} };
  const keys: (keyof WanemDir)[] = ['tx_pkts', 'drop_overrun', 'drop_ring', 'late_pkts', 'drop_queue', 'drop_loss'];
  const delta: Partial<Record<keyof WanemDir, number>> = {};
  for (const k of keys) delta[k] = (after.ab[k] - before.ab[k]) + (after.ba[k] - before.ba[k]);
  const tx = delta.tx_pkts ?? 0;
  const reasons: string[] = [];
  if (delta.drop_overrun) reasons.push(`${delta.drop_overrun} packets dropped by the kernel before the emulator read them`);
  if (delta.drop_ring) reasons.push(`${delta.drop_ring} packets dropped for lack of emulator buffers`);
  if (tx > 0 && (delta.late_pkts ?? 0) / tx > LATE_SHARE_LIMIT)
    reasons.push(`${(((delta.late_pkts ?? 0) / tx) * 100).toFixed(1)}% of packets sent > 200 us late`);
  return { saturated: reasons.length > 0, detail: reasons.join('; '), delta };
}
