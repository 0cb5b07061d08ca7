/**
 * Kernel netem, for kernels that have it (this project's CI kernel does not: see wanem).
 * Plain data in, `tc` batch lines out, so the commands can be checked without a machine.
 * Applied in the WAN namespace on the link toward site `dst`, one HTB class per source site,
 * each with a netem leaf carrying one direction's share of the pair's profile.
 */
import type { WanSpec } from '../config.js';

export interface NetemDirection { dev: string; srcUnderlay: string; classId: number; profile: WanSpec }

export function netemLines(dev: string, dirs: NetemDirection[]): string[] {
  const lines = [`qdisc add dev ${dev} root handle 1: htb default 999`, `class add dev ${dev} parent 1: classid 1:999 htb rate 100gbit`];
  for (const d of dirs) {
    const p = d.profile;
    const oneWayMs = p.rttMs / 2;
    const jitter = p.jitterMs > 0 ? ` ${p.jitterMs}ms distribution normal` : '';
    const loss = p.lossPct > 0 ? ` loss random ${p.lossPct}%` : '';
    // A queue of 50 ms at the bottleneck rate plus the packets in flight over the delay, in packets.
    const limit = Math.max(1000, Math.ceil((p.rateBps / 8 / 1500) * ((oneWayMs + 50) / 1000)));
    lines.push(
      `class add dev ${dev} parent 1: classid 1:${d.classId} htb rate ${p.rateBps}bit ceil ${p.rateBps}bit`,
      `qdisc add dev ${dev} parent 1:${d.classId} handle ${d.classId}: netem delay ${oneWayMs}ms${jitter}${loss} limit ${limit}`,
      `filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip src ${d.srcUnderlay}/32 flowid 1:${d.classId}`,
    );
  }
  return lines;
}
