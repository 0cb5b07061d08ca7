/** Helpers shared by the parsers in collectors/. Pure: no I/O. */
import type { Sample } from '../measurements/measurement.js';

/**
 * Returns `add(metric, value, unit)`, which pushes an ok sample onto `into` when the value is a
 * finite number, and skips it when the tool did not report it (undefined, NaN, Infinity): a missing
 * value is never turned into a 0. `flags` are put on every sample added (none when empty).
 */
export function sampleAdder(into: Sample[], flags: readonly string[] = []): (metric: string, value: number | undefined, unit: string) => void {
  return (metric, value, unit) => {
    if (value !== undefined && Number.isFinite(value)) into.push({ metric, value, unit, status: 'ok', ...(flags.length ? { flags: [...flags] } : {}) });
  };
}
