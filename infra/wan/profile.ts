/**
 * The WAN profile as data, and the commands that enforce it. One resolved `WanProfile` per site
 * pair; pure functions turn it into wanem's argv or netem/HTB `tc` lines (for `add` and for an
 * in-place `change`), so every command is unit-testable without a machine. The one policy for
 * jitter against RTT lives here too, used both when a scenario is resolved and when the RTT is
 * changed during a run.
 */
import { ConfigError } from '../units.js';

export interface WanProfile {
  /** Site pair. */
  a: string;
  b: string;
  rateBps: number;
  rttMs: number;
  /** One-way delay jitter. */
  jitterMs: number;
  /** Random loss per direction, in percent. */
  lossPct: number;
  mtu: number;
}

/**
 * Jitter policy: one-way jitter may be at most half the round trip (wanem and netem never
 * reorder, so a larger jitter would only be clamped). Throws a ConfigError naming `field`.
 */
export function checkJitter(rttMs: number, jitterMs: number, field: string, given: unknown = `${jitterMs}ms`): void {
  if (jitterMs > 0 && jitterMs > rttMs / 2) {
    throw new ConfigError(field, `a jitter of at most half the RTT (${rttMs / 2}ms for an RTT of ${rttMs}ms)`, given);
  }
}

/** The same profile at another round-trip time; rejects (never clamps) a jitter the new RTT cannot hold. */
export function withRtt(p: WanProfile, rttMs: number, field = 'rtt'): WanProfile {
  if (!Number.isFinite(rttMs) || rttMs < 0) throw new ConfigError(field, 'a round-trip time of 0 ms or more', rttMs);
  checkJitter(rttMs, p.jitterMs, field, `${rttMs}ms (the ${p.a}-${p.b} profile has ${p.jitterMs}ms jitter)`);
  return { ...p, rttMs };
}

/** Where one wanem relay listens and sends (addresses inside the lab's WAN namespace). */
export interface RelayEnds {
  aBind: string;
  aPeer: string;
  bBind: string;
  bPeer: string;
}

/**
 * The lab gateways' underlay device (infra/lab/plan.ts), switched to threaded NAPI: its receive
 * thread carries every packet wanem delivers, so wanem raises it to its own real-time priority.
 */
export const GATEWAY_UNDERLAY_DEV = 'wan0';

/**
 * wanem's command line for one site pair: the delay it takes is one way, half the RTT; the rate
 * charges the inner Ethernet frame of the L2VPN service, header and FCS included (`--charge l2`,
 * see fidelity.ts), so the configured rate is what an L2 service of that rate carries.
 */
export function wanemArgv(p: WanProfile, ends: RelayEnds, statsFile: string, tag: string): string[] {
  const us = (ms: number) => String(Math.round(ms * 1000));
  return [
    '--a-bind',
    ends.aBind,
    '--a-peer',
    ends.aPeer,
    '--b-bind',
    ends.bBind,
    '--b-peer',
    ends.bPeer,
    '--rate-bps',
    String(p.rateBps),
    '--delay-us',
    us(p.rttMs / 2),
    '--jitter-us',
    us(p.jitterMs),
    '--loss-pct',
    String(p.lossPct),
    '--charge',
    'l2',
    '--rt-napi',
    GATEWAY_UNDERLAY_DEV,
    '--stats',
    statsFile,
    '--tag',
    tag,
  ];
}

/**
 * What HTB is told to add to each packet's length on the underlay so that it charges what wanem
 * charges (`--charge l2`, the inner Ethernet frame with its FCS): the underlay packet as the qdisc
 * sees it is the inner frame without FCS plus 50 bytes of VXLAN encapsulation (outer Ethernet 14,
 * IPv4 20, UDP 8, VXLAN 8), so -50 + 4 (a size table on the root qdisc: HTB reads the length it
 * computes). Without it a 1400-byte UDP payload is charged 1492 bytes instead of 1446: 3% less
 * throughput than wanem at the same configured rate. Checked on Debian's kernel (netem-vm.test.ts).
 */
export const NETEM_CHARGE_OVERHEAD = -46;

/** One direction of a pair, shaped on the WAN namespace's link toward the receiving site. */
export interface NetemDirection {
  dev: string;
  srcUnderlay: string;
  classId: number;
  profile: WanProfile;
}

function netemLeaf(verb: 'add' | 'change', d: NetemDirection): string {
  const p = d.profile;
  const oneWayMs = p.rttMs / 2;
  const jitter = p.jitterMs > 0 ? ` ${p.jitterMs}ms distribution normal` : '';
  const loss = p.lossPct > 0 ? ` loss random ${p.lossPct}%` : '';
  // netem's limit counts its delay line too: the packets in flight over the delay plus a queue of
  // max(50 ms, RTT) at the bottleneck rate (one BDP, as wanem's default), in packets.
  const limit = Math.max(1000, Math.ceil((p.rateBps / 8 / 1500) * ((oneWayMs + Math.max(50, p.rttMs)) / 1000)));
  return `qdisc ${verb} dev ${d.dev} parent 1:${d.classId} handle ${d.classId}: netem delay ${oneWayMs}ms${jitter}${loss} limit ${limit}`;
}

/**
 * Kernel netem (where the kernel has it): on `dev`, an HTB class per source site, each with a
 * netem leaf carrying one direction's share of the pair's profile. `tc -batch` lines.
 */
export function netemAddLines(dev: string, dirs: NetemDirection[]): string[] {
  const lines = [
    `qdisc add dev ${dev} root handle 1: stab overhead ${NETEM_CHARGE_OVERHEAD} htb default 999`,
    `class add dev ${dev} parent 1: classid 1:999 htb rate 100gbit`,
  ];
  for (const d of dirs) {
    const rate = d.profile.rateBps;
    lines.push(
      `class add dev ${dev} parent 1: classid 1:${d.classId} htb rate ${rate}bit ceil ${rate}bit`,
      netemLeaf('add', d),
      `filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip src ${d.srcUnderlay}/32 flowid 1:${d.classId}`,
    );
  }
  return lines;
}

/** The same leaves changed in place (delay, jitter, loss, queue), e.g. after `withRtt`. */
export function netemChangeLines(dirs: NetemDirection[]): string[] {
  return dirs.map((d) => netemLeaf('change', d));
}

/**
 * Base RTT compensation: the lab's own path (veths, bridges, VXLAN, the emulator's hand-over) adds
 * `baseMs` to every round trip (0.42 ms measured here with no WAN delay). The emulator is given the
 * configured RTT minus that base (never below 0), so that the idle RTT measured between nodes is the
 * configured one. Jitter and loss stay as configured.
 */
export function compensatedProfile(p: WanProfile, baseMs: number): WanProfile {
  if (!Number.isFinite(baseMs) || baseMs < 0) throw new RangeError(`base RTT of ${p.a}-${p.b}: expected 0 ms or more, got ${baseMs}`);
  return { ...p, rttMs: Math.max(0, Math.round((p.rttMs - baseMs) * 1000) / 1000) };
}

/** The same pair with no delay, jitter or loss (its rate kept): what the base RTT is measured through. */
export const undelayedProfile = (p: WanProfile): WanProfile => ({ ...p, rttMs: 0, jitterMs: 0, lossPct: 0 });
