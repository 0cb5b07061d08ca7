/**
 * QEMU processes of this harness on this machine: those whose -name carries a run id
 * (icb-<run>-<node>), found in /proc, with their start time (for a kill that cannot hit a reused pid).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pidStartTime } from '../process-owner.js';
import { runIdOfNs } from '../run-id.js';

export function listQemu(): { name: string; pid: number; pidStart: number; runId: string }[] {
  const out: { name: string; pid: number; pidStart: number; runId: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('qemu-system-x86_64')) continue;
    const i = argv.indexOf('-name');
    const name = i >= 0 ? argv[i + 1]?.split(',')[0] : undefined;
    const runId = name ? runIdOfNs(name) : null;
    const pidStart = pidStartTime(Number(d));
    if (name && runId && pidStart !== null) out.push({ name, pid: Number(d), pidStart, runId });
  }
  return out;
}
