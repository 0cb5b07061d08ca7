/**
 * Was a sample limited by the WAN emulator itself rather than by the emulated WAN? Compares the
 * relay counters taken before and after the sample. Queue drops are the emulated WAN's own
 * congestion (its truth); overruns, ring drops and late sends are the emulator failing to keep up.
 */

/**
 * wanem's per-direction counters, in the order `wanem --describe` prints them (CTR_LIST in
 * wanem.c plus queue_bytes). A test compares this list with the binary's own description.
 */
export const WANEM_COUNTERS = [
  'rx_pkts',
  'rx_bytes',
  'tx_pkts',
  'tx_bytes',
  'drop_loss',
  'drop_queue',
  'drop_ring',
  'drop_overrun',
  'late_pkts',
  'sum_late_us',
  'max_late_us',
  'queue_peak_bytes',
  'send_errors',
  'send_blocked',
  'rx_errors',
  'charged_bytes',
  'queue_bytes',
] as const;
export type WanemDir = Record<(typeof WANEM_COUNTERS)[number], number>;
export interface WanemStats {
  tag: string;
  pid: number;
  time_ns: number;
  uptime_s: number;
  /** How late a packet must be sent to count in late_pkts (written by wanem itself). */
  late_threshold_us?: number;
  config: Record<string, unknown>;
  ab: WanemDir;
  ba: WanemDir;
  /** Deltas since start of the relay namespace's device and UDP drop counters (e.g. dev_tx_dropped: a full veth ring toward a gateway). */
  netns?: Record<string, number>;
}
/** Used only for stats files written before wanem reported its threshold. */
const LEGACY_LATE_THRESHOLD_US = 200;

export interface EmulatorVerdict {
  saturated: boolean;
  detail: string;
  delta: Partial<Record<keyof WanemDir, number>>;
}

/** Share of packets sent late (beyond wanem's own threshold) above which a sample is flagged. */
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
  for (const k of keys) delta[k] = after.ab[k] - before.ab[k] + (after.ba[k] - before.ba[k]);
  const tx = delta.tx_pkts ?? 0;
  const reasons: string[] = [];
  if (delta.drop_overrun) reasons.push(`${delta.drop_overrun} packets dropped by the kernel before the emulator read them`);
  if (delta.drop_ring) reasons.push(`${delta.drop_ring} packets dropped for lack of emulator buffers`);
  if (tx > 0 && (delta.late_pkts ?? 0) / tx > LATE_SHARE_LIMIT)
    reasons.push(`${(((delta.late_pkts ?? 0) / tx) * 100).toFixed(1)}% of packets sent > ${after.late_threshold_us ?? LEGACY_LATE_THRESHOLD_US} us late`);
  return { saturated: reasons.length > 0, detail: reasons.join('; '), delta };
}
