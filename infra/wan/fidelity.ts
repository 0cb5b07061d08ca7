/**
 * What a WAN profile allows, as pure arithmetic: the L2VPN frame the emulator charges, the TCP
 * goodput ceiling, the time one frame takes at the bottleneck, the loaded-RTT allowance, and how
 * long a TCP probe must run so that slow start costs at most a given share of it. Used by the
 * run's validation (runners/validate.ts), the emulator's argv (profile.ts) and bench:lab.
 *
 * Charging convention (wanem --charge l2): an L2VPN service rate counts the inner Ethernet
 * frame from the first bit of the destination MAC through the last bit of the FCS, padded to
 * 64 bytes (the MEF 10.3 bandwidth-profile convention for Carrier Ethernet services): not the
 * outer VXLAN/UDP/IP packet the lab uses to carry it, and not preamble, SFD or inter-frame gap.
 */

/** Ethernet header (destination, source, EtherType; untagged) + FCS. */
export const ETH_HEADER_FCS = 18;
/** IPv4 (20) + TCP (20) + the timestamp option Linux sends on every segment (12). */
export const TCP_IP_HEADERS = 52;
/** Linux's initial congestion window, segments (RFC 6928). */
export const INITIAL_CWND = 10;
/** Round trips that slow start costs beyond its doubling rounds (first byte's one-way trip, overshoot recovery). */
const SLOW_START_EXTRA_RTTS = 2;

/** Bytes the bottleneck charges for a full-size segment: the inner Ethernet frame incl. header and FCS. */
export const frameBytes = (mtu: number): number => mtu + ETH_HEADER_FCS;

/** TCP payload per full-size segment. */
export const mssBytes = (mtu: number): number => mtu - TCP_IP_HEADERS;

/** The most TCP goodput the configured rate allows: rate x MSS / frame, in bit/s. */
export function tcpCeilingBps(rateBps: number, mtu: number): number {
  return (rateBps * mssBytes(mtu)) / frameBytes(mtu);
}

/** Time one full-size frame takes at the bottleneck, ms. */
export const frameTimeMs = (rateBps: number, mtu: number): number => (frameBytes(mtu) * 8 * 1000) / rateBps;

/** Loaded p99 RTT allowed: configured RTT + 1 ms + one frame time (a ping may arrive behind one frame). */
export const loadedP99AllowanceMs = (rttMs: number, rateBps: number, mtu: number): number => rttMs + 1 + frameTimeMs(rateBps, mtu);

/** Bandwidth-delay product in full-size segments. */
export const bdpSegments = (rateBps: number, rttMs: number, mtu: number): number => ((rateBps / 8) * (rttMs / 1000)) / frameBytes(mtu);

/**
 * Goodput time lost to slow start, seconds (an upper estimate): doubling from the initial window
 * to the bandwidth-delay product takes log2(BDP / IW) round trips, plus about two more for the first
 * byte's trip and recovering from the overshoot. Measured here: 0.27 s at 300 Mbit/s / 37 ms (estimate 0.32 s).
 */
export function slowStartCostS(rateBps: number, rttMs: number, mtu: number): number {
  const rounds = Math.log2(Math.max(1, bdpSegments(rateBps, rttMs, mtu) / INITIAL_CWND));
  return ((rounds + SLOW_START_EXTRA_RTTS) * rttMs) / 1000;
}

/**
 * Whole seconds a TCP run needs so that slow start costs at most `maxShare` of it (the share of the
 * ceiling a perfect link would still miss over the whole run), clamped to [minS, maxS].
 */
export function tcpRunSeconds(rateBps: number, rttMs: number, mtu: number, maxShare: number, minS: number, maxS: number): number {
  if (!(maxShare > 0 && maxShare < 1)) throw new RangeError(`maxShare: expected a share between 0 and 1, got ${maxShare}`);
  const need = Math.ceil(slowStartCostS(rateBps, rttMs, mtu) / maxShare - 1e-9);
  return Math.min(maxS, Math.max(minS, need));
}

/** Share of a `seconds`-long run that slow start takes at most (0..1). */
export const slowStartShare = (rateBps: number, rttMs: number, mtu: number, seconds: number): number =>
  Math.min(1, slowStartCostS(rateBps, rttMs, mtu) / seconds);

/**
 * What one TCP flow can carry through random loss `lossPct` (Mathis et al. 1997: MSS / RTT x
 * sqrt(3/2) / sqrt(p), bit/s; Infinity without loss). CUBIC does at least this well, so a probe
 * is not expected to beat min(ceiling, this) on a lossy profile.
 */
export function lossLimitedBps(mtu: number, rttMs: number, lossPct: number): number {
  if (!(lossPct > 0) || !(rttMs > 0)) return Number.POSITIVE_INFINITY;
  return ((mssBytes(mtu) * 8) / (rttMs / 1000)) * (Math.sqrt(1.5) / Math.sqrt(lossPct / 100));
}
