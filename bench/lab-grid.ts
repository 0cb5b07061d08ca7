/**
 * bench:lab's WAN fidelity grid, the pure part: which profiles, how long each step runs, what each
 * cell is judged against (issue 15: TCP >= 97% of the goodput ceiling over whole runs, idle RTT
 * median within +-0.3 ms, loaded p99 within RTT + 1 ms + one frame time, loss per direction
 * within +-10% relative over 100,000 packets), and the text of the tables.
 */
import { frameTimeMs, lossLimit, slowStartShare, tcpCeilingBps, tcpRunSeconds } from '../infra/wan/fidelity.js';

export interface GridProfile {
  rate: string;
  rtt: string;
  /** Percent, '' when none. */
  loss: string;
}

export interface ResolvedCell {
  profile: GridProfile;
  /** The congestion control every node runs and iperf3 is given (-C), e.g. cubic. */
  cc?: string;
  rateBps: number;
  rttMs: number;
  lossPct: number;
  mtu: number;
}

export const GRID_RATES = ['50Mbit', '300Mbit', '1Gbit'];
export const GRID_RTTS = ['3ms', '20ms', '37ms', '50ms'];
/** Profiles from issues 15 and 29 that are not on the rate x RTT grid (29: inter-continental research WANs, 1 Gbit/s x 80 and 150 ms). */
export const ISSUE_EXTRAS = ['200Mbit:25ms', '50Mbit:3ms:1%', '1Gbit:80ms', '1Gbit:150ms'];

/** Congestion controls every profile's TCP runs with (issue 29): the reports' era's CUBIC, and BBR (this machine's default). */
export const GRID_CCS = ['cubic', 'bbr'] as const;

/** `--cc cubic,bbr`: the congestion controls to run TCP with, each a Linux algorithm name. */
export function parseCcs(text: string): string[] {
  const ccs = text.split(',').map((x) => x.trim());
  for (const cc of ccs) if (!['cubic', 'bbr', 'reno'].includes(cc)) throw new Error(`--cc: expected cubic, bbr or reno (comma-separated), got '${cc}'`);
  return [...new Set(ccs)];
}

export const TARGETS = {
  tcpShareOfCeiling: 0.97,
  idleMedianMs: 0.3,
  loadedExtraMs: 1,
  lossRelative: 0.1,
  lossPackets: 100_000,
} as const;

/** Slow start may cost at most this share of a bench TCP run (so 98% stays reachable), within these seconds. */
export const TCP_SLOW_START_SHARE = 0.02;
export const TCP_MIN_S = 10;
export const TCP_MAX_S = 100; // 1 Gbit/s x 150 ms: slow start ~1.85 s, so 93 s for 2%

/** `rate:rtt[:loss]`, comma-separated, e.g. `300Mbit:37ms,50Mbit:3ms:1%`. */
export function parseProfiles(text: string): GridProfile[] {
  return text.split(',').map((p, i) => {
    const parts = p.trim().split(':');
    if (parts.length < 2 || parts.length > 3 || parts.some((x) => !x))
      throw new Error(`--profiles: entry ${i + 1} '${p}': expected rate:rtt or rate:rtt:loss, e.g. 300Mbit:37ms or 50Mbit:3ms:1%`);
    return { rate: parts[0], rtt: parts[1], loss: parts[2] ?? '' };
  });
}

export function defaultProfiles(quick: boolean): GridProfile[] {
  if (quick) return parseProfiles('300Mbit:37ms,50Mbit:3ms:1%');
  return parseProfiles([...GRID_RATES.flatMap((r) => GRID_RTTS.map((t) => `${r}:${t}`)), ...ISSUE_EXTRAS].join(','));
}

export const label = (p: GridProfile): string => `${p.rate}/${p.rtt}${p.loss ? `/${p.loss}` : ''}`;

/** A cell's label: its profile, and its congestion control when it has one. */
export const cellLabel = (c: ResolvedCell): string => `${label(c.profile)}${c.cc ? ` ${c.cc}` : ''}`;

/** Per-step seconds of one cell (bounded: every load has a fixed length). */
export interface CellPlan {
  tcpS: number;
  slowStartShare: number;
  loadS: number;
  lossPps: number;
  lossS: number;
  /** Estimated wall time of the cell, seconds (stand-up and tear-down included). */
  estimateS: number;
}

/** UDP payload of the loss flood and the frame it becomes on the L2VPN (64 + 8 UDP + 20 IP + 14 + 4 FCS). */
export const LOSS_PAYLOAD = 64;
const LOSS_FRAME = LOSS_PAYLOAD + 8 + 20 + 18;
export const LOSS_MAX_PPS = 5000;

export function planCell(c: ResolvedCell, lossPackets: number, idlePings: number, loadedPings: number): CellPlan {
  const tcpS = tcpRunSeconds(c.rateBps, c.rttMs, c.mtu, TCP_SLOW_START_SHARE, TCP_MIN_S, TCP_MAX_S);
  // The flood uses at most 30% of the rate per direction and at most LOSS_MAX_PPS datagrams/s, so that
  // receivers on a busy 2-core machine keep up (at 20,000/s and a load average of 65, ~5% were dropped by the receiving hosts).
  const lossPps = Math.max(100, Math.min(LOSS_MAX_PPS, Math.floor((0.3 * c.rateBps) / (LOSS_FRAME * 8))));
  const lossS = c.lossPct > 0 ? Math.ceil(lossPackets / lossPps) + 1 : 0;
  const loadS = Math.ceil(loadedPings * 0.01) + 3;
  const estimateS = 12 + idlePings * 0.01 + 1 + tcpS + 2 + loadS + 2 + (lossS ? lossS + 3 : 0);
  return { tcpS, slowStartShare: slowStartShare(c.rateBps, c.rttMs, c.mtu, tcpS), loadS, lossPps, lossS, estimateS };
}

export interface CellResult {
  idleMedianMs: number;
  idleP99Ms: number;
  loadedMedianMs: number;
  loadedP99Ms: number;
  tcpMbit: number;
  retransmits: number;
  /** The TCP run's congestion control as iperf3 reported it (null: not known): what loss allows depends on it. */
  tcpCc?: string | null;
  /** Share of packets wanem sent late during the TCP run (0..1). */
  tcpLateShare: number;
  /** End-to-end loss per direction, % (NaN when not measured). */
  lossAb: number;
  lossBa: number;
  /** wanem's own loss decisions per direction over the flood, %. */
  emuLossAb: number;
  emuLossBa: number;
  lossSent: number;
  load1: number;
}

export interface CellVerdict {
  ceilingMbit: number;
  tcpPct: number;
  idleDeltaMs: number;
  loadedDeltaMs: number;
  loadedAllowanceMs: number;
  tcpOk: boolean;
  idleOk: boolean;
  loadedOk: boolean;
  lossOk: boolean | null;
}

export function judge(c: ResolvedCell, r: CellResult): CellVerdict {
  const ceilingMbit = tcpCeilingBps(c.rateBps, c.mtu) / 1e6;
  const tcpPct = (r.tcpMbit / ceilingMbit) * 100;
  const idleDeltaMs = r.idleMedianMs - c.rttMs;
  const loadedDeltaMs = r.loadedP99Ms - c.rttMs;
  const loadedAllowanceMs = TARGETS.loadedExtraMs + frameTimeMs(c.rateBps, c.mtu);
  const within = (v: number) => Number.isFinite(v) && Math.abs(v - c.lossPct) <= TARGETS.lossRelative * c.lossPct;
  return {
    ceilingMbit,
    tcpPct,
    idleDeltaMs,
    loadedDeltaMs,
    loadedAllowanceMs,
    // with random loss, one flow can carry at most its congestion control's loss limit (below the ceiling only where loss binds)
    tcpOk: r.tcpMbit >= TARGETS.tcpShareOfCeiling * Math.min(ceilingMbit, lossLimit(r.tcpCc ?? null, c.mtu, c.rttMs, c.lossPct).bps / 1e6),
    idleOk: Math.abs(idleDeltaMs) <= TARGETS.idleMedianMs,
    loadedOk: loadedDeltaMs <= loadedAllowanceMs,
    lossOk: c.lossPct > 0 ? within(r.lossAb) && within(r.lossBa) : null,
  };
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const sg = (n: number, d = 2) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(d)}` : 'n/a');
const mark = (ok: boolean | null) => (ok === null ? ' ' : ok ? ' ' : '!');

export const TABLE_HEADER = [
  'profile / cc         | TCP s  goodput  %ceil  ss<= | idle med  Δ(<=0.3) | loaded p99 Δ / allow | loss a>b  b>a (cfg)   emu a>b  b>a  | late% | load1',
  '---------------------+------------------------------+--------------------+----------------------+----------------------------------+-------+------',
].join('\n');

/** One row of the per-profile table; '!' marks a missed target. */
export function tableRow(c: ResolvedCell, plan: CellPlan, r: CellResult, v: CellVerdict): string {
  const loss =
    c.lossPct > 0
      ? `${f(r.lossAb, 3).padStart(6)} ${f(r.lossBa, 3).padStart(6)} (${f(c.lossPct, 1)})${mark(v.lossOk)} ${f(r.emuLossAb, 3).padStart(6)} ${f(r.emuLossBa, 3).padStart(6)}`
      : `${'-'.padStart(6)} ${'-'.padStart(6)} (0)     ${f(r.emuLossAb, 3).padStart(6)} ${f(r.emuLossBa, 3).padStart(6)}`;
  return [
    cellLabel(c).padEnd(20),
    `${String(plan.tcpS).padStart(5)} ${f(r.tcpMbit, 1).padStart(8)} ${f(v.tcpPct, 1).padStart(5)}${mark(v.tcpOk)} ${f(plan.slowStartShare * 100, 1).padStart(4)}%`,
    `${f(r.idleMedianMs, 2).padStart(8)} ${sg(v.idleDeltaMs).padStart(6)}${mark(v.idleOk)}    `,
    `${f(r.loadedP99Ms, 2).padStart(8)} ${sg(v.loadedDeltaMs).padStart(5)} / ${f(v.loadedAllowanceMs, 2)}${mark(v.loadedOk)}`,
    ` ${loss.padEnd(32)}`,
    `${f(r.tcpLateShare * 100, 1).padStart(5)} `,
    ` ${f(r.load1, 1)}`,
  ].join(' |');
}

/** A rate x RTT matrix of one figure (cells not measured stay empty). */
export function matrix(title: string, cells: { c: ResolvedCell; text: string }[]): string {
  const onGrid = cells.filter((x) => x.c.lossPct === 0);
  const rates = [...new Set(onGrid.map((x) => x.c.profile.rate))];
  const rtts = [...new Set(onGrid.map((x) => x.c.profile.rtt))];
  const w = 12;
  const lines = [title, `${'rate \\ RTT'.padEnd(10)}${rtts.map((t) => t.padStart(w)).join('')}`];
  for (const r of rates)
    lines.push(`${r.padEnd(10)}${rtts.map((t) => (onGrid.find((x) => x.c.profile.rate === r && x.c.profile.rtt === t)?.text ?? '').padStart(w)).join('')}`);
  return lines.join('\n');
}
