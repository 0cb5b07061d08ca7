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
 * What one Reno flow can carry through random loss `lossPct` (Mathis et al. 1997: MSS / RTT x
 * sqrt(3/2) / sqrt(p), bit/s; Infinity without loss).
 */
export function lossLimitedBps(mtu: number, rttMs: number, lossPct: number): number {
  if (!(lossPct > 0) || !(rttMs > 0)) return Number.POSITIVE_INFINITY;
  return ((mssBytes(mtu) * 8) / (rttMs / 1000)) * renoWindow(lossPct / 100);
}

/** Reno's average window under loss rate p, segments (Mathis; RFC 8312's "AVG_W_tcp" = 1.2 / p^0.5). */
export const renoWindow = (p: number): number => Math.sqrt(1.5) / Math.sqrt(p);

/** CUBIC's constants as RFC 9438 recommends them and Linux has them (beta 717/1024; C = bic_scale 41 x 10 / 1024). */
export const CUBIC_C = 0.4;
export const CUBIC_BETA = 0.7;

/**
 * CUBIC's average window under loss rate p, segments, RTT in seconds: the response function of
 * RFC 8312 section 5.1 (Eq. 6, checked against its Table 1), kept in RFC 9438 section 5.1. Under
 * the deterministic loss model one congestion epoch carries 1/p segments; the window runs from
 * beta x Wmax back to Wmax along W(t) = C (t - K)^3 + Wmax, with K = cbrt(Wmax (1 - beta) / C), so
 *   1/p = (1/RTT) x integral_0^K W(t) dt = K x Wmax x (3 + beta) / (4 RTT)
 * and the average window Wmax (3 + beta) / 4 comes out as
 *   AVG_W_cubic = (C (3 + beta) / (4 (1 - beta)))^(1/4) x (RTT^3 / p^3)^(1/4)   (about 1.054 (RTT/p)^(3/4)).
 * (The 1.17 also quoted is the same formula with beta 0.8, the window kept after a loss in the 2008 CUBIC paper.)
 * Where that is below Reno's, CUBIC is in its Reno-friendly region (RFC 9438 section 4.3, RFC 8312
 * section 4.2: W_est grows with the AIMD alpha that gives Reno's average window) and does as well
 * as Reno: the larger of the two.
 */
export const cubicWindow = (rttS: number, p: number): number => Math.max(cubicFunctionWindow(rttS, p), renoWindow(p));

/** AVG_W_cubic alone (above), without the Reno-friendly region. */
const cubicFunctionWindow = (rttS: number, p: number): number => ((CUBIC_C * (3 + CUBIC_BETA)) / (4 * (1 - CUBIC_BETA))) ** 0.25 * (rttS / p) ** 0.75;

/** Where CUBIC's window comes from at this RTT and loss: its cubic function, or its Reno-friendly region (Reno's window). */
export const cubicRegion = (rttS: number, p: number): 'cubic' | 'reno-friendly' => (cubicFunctionWindow(rttS, p) > renoWindow(p) ? 'cubic' : 'reno-friendly');

/** What one flow of congestion control `cc` can carry through random loss, and the model it came from. */
export interface LossLimit {
  /** bit/s; Infinity where loss sets no limit (no loss, or an algorithm that is not loss-based). */
  bps: number;
  /** How it was found, for a validation note, e.g. "Mathis" or "CUBIC's response function, RFC 9438 section 5.1". */
  model: string;
  /** False for an algorithm that does not back off on random loss (bbr): the expected limit is the configured rate. */
  lossBased: boolean;
}

/**
 * The loss limit of one flow of congestion control `cc` (as read from the sending node; null when
 * not known): reno -> Mathis; cubic -> its response function (cubicWindow); bbr -> none: BBR (v1,
 * Linux's tcp_bbr) paces at the bottleneck rate it measures and does not treat random loss as
 * congestion, so the limit is the configured rate. Any other or unknown algorithm -> Mathis,
 * Reno's limit, a floor for the loss-based ones.
 */
export function lossLimit(cc: string | null, mtu: number, rttMs: number, lossPct: number): LossLimit {
  const none = { bps: Number.POSITIVE_INFINITY };
  if (cc === 'bbr') return { ...none, model: 'bbr is not loss-based', lossBased: false };
  if (!(lossPct > 0) || !(rttMs > 0)) return { ...none, model: 'no loss', lossBased: true };
  const perWindow = (mssBytes(mtu) * 8) / (rttMs / 1000);
  const p = lossPct / 100;
  if (cc === 'reno') return { bps: perWindow * renoWindow(p), model: 'Mathis', lossBased: true };
  if (cc === 'cubic') {
    const region = cubicRegion(rttMs / 1000, p);
    return {
      bps: perWindow * cubicWindow(rttMs / 1000, p),
      model: region === 'cubic' ? "CUBIC's response function, RFC 9438 section 5.1" : 'CUBIC in its Reno-friendly region, RFC 9438 section 5.1: Mathis',
      lossBased: true,
    };
  }
  return { bps: perWindow * renoWindow(p), model: `Mathis: no model for ${cc ?? 'an unknown congestion control'}, Reno's limit as a floor`, lossBased: true };
}
