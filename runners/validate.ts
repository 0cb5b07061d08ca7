/**
 * After the testbed is up: is the emulation what was asked for? Per site pair a ping and a short
 * TCP probe; per site with two or more hosts a LAN-rate probe. Configured vs measured goes to
 * run.json (and rows with benchmark 'validation' to the CSV). Validation records; it never aborts.
 */
import type { TestbedSpec } from '../infra/config.js';
import type { WanProfile } from '../infra/wan/profile.js';
import type { ValidationEntry } from '../measurements/run-meta.js';
import type { Measurement } from '../measurements/measurement.js';
import { formatRate } from '../infra/units.js';
import { measurePing } from './ping.js';
import { measureIperf3 } from './iperf3.js';
import { checkAbort, type BenchNode, type RunContext } from './context.js';
import { pathOf, type Pair } from './pairs.js';
import { lossLimit, mssBytes, slowStartShare, tcpCeilingBps, tcpRunSeconds } from '../infra/wan/fidelity.js';
import { ccOf } from './tcp.js';
import { emulatorVerdict, pairKey, type EmulatorVerdict } from '../infra/wan/wanem-stats.js';

export interface ValidateOptions {
  pingCount?: number;
  /** TCP probe length; default per profile: long enough for slow start (see wanProbePlan). */
  probeS?: number;
  rttToleranceMs?: number;
  /** Share of the TCP goodput ceiling a probe must reach (default 0.9). */
  rateShare?: number;
}

/** Slow start may cost at most this share of a WAN probe (fidelity.ts), within these bounds in seconds. */
export const PROBE_SLOW_START_SHARE = 0.05;
export const PROBE_MIN_S = 3;
export const PROBE_MAX_S = 15;

export interface WanProbePlan {
  /** Probe length, whole seconds. */
  seconds: number;
  /** TCP goodput ceiling of the path (the WAN's rate x MSS / frame, or the LANs' if lower), Mbit/s. */
  ceilingMbit: number;
  /** Share of the probe slow start may cost at most (0..1). */
  slowStartShare: number;
  /** What one TCP flow can reach: the ceiling, or less where random loss limits it (lossLimit: the model of its congestion control), Mbit/s. */
  expectedMbit: number;
  /** The sender's congestion control the expectation was made for (null: not known). */
  cc: string | null;
  /** What the expectation says of loss, for the note: '' without loss. */
  lossNote: string;
}

/**
 * How long one site pair's TCP probe runs and what it can reach at most, for a sender running
 * congestion control `cc` (as read from it; null when not known). Pure.
 */
export function wanProbePlan(w: WanProfile, lanBps: number, probeS?: number, cc: string | null = null): WanProbePlan {
  const seconds = probeS ?? tcpRunSeconds(w.rateBps, w.rttMs, w.mtu, PROBE_SLOW_START_SHARE, PROBE_MIN_S, PROBE_MAX_S);
  // A LAN is shaped by tbf, which counts the Ethernet frame without FCS.
  const lanCeiling = (lanBps * mssBytes(w.mtu)) / (w.mtu + 14);
  const ceiling = Math.min(tcpCeilingBps(w.rateBps, w.mtu), lanCeiling);
  const limit = lossLimit(cc, w.mtu, w.rttMs, w.lossPct);
  const expected = Math.min(ceiling, limit.bps);
  const flow = `one ${cc ?? 'TCP'} flow`;
  const lossNote = !(w.lossPct > 0)
    ? ''
    : !limit.lossBased
      ? `${limit.model}: ${w.lossPct}% random loss sets no limit of its own, so the expected limit is the configured rate`
      : expected < ceiling
        ? `random loss limits ${flow} to about ${(expected / 1e6).toFixed(1)} Mbit/s (${limit.model})`
        : `random loss would limit ${flow} to about ${(limit.bps / 1e6).toFixed(1)} Mbit/s (${limit.model}), above the ceiling`;
  return {
    seconds,
    ceilingMbit: ceiling / 1e6,
    slowStartShare: slowStartShare(w.rateBps, w.rttMs, w.mtu, seconds),
    expectedMbit: expected / 1e6,
    cc,
    lossNote,
  };
}

/**
 * The validation note for a TCP probe: what it was judged against and, when it missed, by how much
 * and the likely reasons (slow start, the emulator's own counters, retransmissions).
 */
export function throughputNote(plan: WanProbePlan, share: number, got: number, emulator: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lossy = plan.expectedMbit < plan.ceilingMbit;
  const want = plan.expectedMbit;
  const head =
    `${plan.seconds} s TCP probe, 1 stream${plan.cc ? ` (${plan.cc})` : ''}; ${got.toFixed(1)} Mbit/s = ${pct(got / plan.ceilingMbit)} of the goodput ceiling ${plan.ceilingMbit.toFixed(1)} Mbit/s (rate x MSS / frame); ` +
    (plan.lossNote ? `${plan.lossNote}; ` : '') +
    (lossy ? `target >= ${pct(share)} of that` : `target >= ${pct(share)}`);
  if (got >= share * want && !emulator) return head;
  const why: string[] = [];
  if (got < share * want) why.push(`short by ${(share * want - got).toFixed(1)} Mbit/s (${((share - got / want) * 100).toFixed(1)} points)`);
  else why.push('the target was met, but the emulator fell behind its schedule, so the probe does not show the profile holds');
  why.push(`slow start accounts for at most ${pct(plan.slowStartShare)} of the probe`);
  why.push(emulator ? `emulator-limited: ${emulator}` : 'the emulator kept its schedule (not emulator-limited)');
  return `${head}; ${why.join('; ')}`;
}

const val = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric && r.status === 'ok')?.value ?? null;
const why = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric)?.reason ?? '';

// VM endpoints (qemu nodes; TCG here) add their own CPU time to every packet: a miss may be
// theirs, not the WAN's, and is marked so (history guards then leave it out).
const VM_NOTE = '; probe endpoints are VMs (qemu, or Xen guests on a nested Xen host), whose emulated CPU may set the pace';
const vmLimit = (vmEnds: boolean, ok: boolean) => (!ok && vmEnds ? { limit: 'machine' as const } : {});

/** A probe and the emulator's verdict over it (null when the pair has no emulator counters). */
async function withVerdict<T>(ctx: RunContext, key: string | null, probe: () => Promise<T>): Promise<[T, EmulatorVerdict | null]> {
  const before = key ? ctx.emulatorStats!()[key] : undefined;
  const result = await probe();
  return [result, key ? emulatorVerdict(before, ctx.emulatorStats!()[key]) : null];
}
const shown = (v: number | null, digits: number) => (v === null ? 'no value' : v.toFixed(digits));

/**
 * The RTT check of one site pair: the ping median within `tol` of the configured RTT. A miss while
 * the emulator fell behind its schedule is marked the emulator's (its lateness adds to every RTT),
 * one with qemu endpoints the machine's. `noValue`: the note when there is no median.
 */
export function rttCheck(
  w: Pick<WanProfile, 'a' | 'b' | 'rttMs'>,
  tol: number,
  med: number | null,
  p99: number | null,
  verdict: EmulatorVerdict | null,
  vmEnds: boolean,
  noValue = '',
): ValidationEntry {
  const ok = med !== null && Math.abs(med - w.rttMs) <= tol;
  const late = !ok && med !== null && verdict?.saturated === true;
  const note =
    med === null ? noValue : `tolerance +-${tol} ms; p99 ${shown(p99, 3)} ms${late ? `; emulator-limited: ${verdict!.detail}` : ''}${vmEnds ? VM_NOTE : ''}`;
  return {
    check: 'rtt_median',
    a: w.a,
    b: w.b,
    configured: w.rttMs,
    measured: med,
    unit: 'ms',
    ok,
    note,
    ...(late ? { limit: 'emulator' as const } : vmLimit(vmEnds, ok || med === null)),
  };
}

/** After the testbed is up: every site pair's WAN, then every site's LAN. */
export async function validateTestbed(ctx: RunContext, spec: TestbedSpec, o: ValidateOptions = {}): Promise<ValidationEntry[]> {
  const lans = spec.sites.filter((s) => s.hosts.length > 1).length;
  ctx.progress.stage('validation', `${spec.wan.length} site pairs, ${lans} site LANs`);
  return [...(await validateWan(ctx, spec, spec.wan, o)), ...(await validateLans(ctx, spec, o))];
}

/**
 * Per site pair: a ping (median vs configured RTT) and a short TCP probe (>= share of the
 * configured rate, capped by the LANs). Used after stand-up and after every in-place WAN change.
 */
export async function validateWan(ctx: RunContext, spec: TestbedSpec, profiles: WanProfile[], o: ValidateOptions = {}): Promise<ValidationEntry[]> {
  const tol = o.rttToleranceMs ?? 0.5,
    share = o.rateShare ?? 0.9;
  const out: ValidationEntry[] = [];
  const first = (site: string) => ctx.nodes.find((n) => n.site === site);
  const lan = new Map(spec.sites.map((s) => [s.name, s.lanBps]));
  const pair = (src: BenchNode, dst: BenchNode): Pair<BenchNode> => ({ src, dst, path: pathOf(src, dst) });
  let i = 0;
  for (const w of profiles) {
    checkAbort(ctx);
    const a = first(w.a),
      b = first(w.b);
    if (!a || !b) continue;
    const vmEnds = [a.virt, b.virt].some((v) => v === 'qemu' || v === 'xen');
    const key = ctx.emulatorStats ? pairKey(ctx.emulatorStats(), w.a, w.b) : null;
    const [ping, pingVerdict] = await withVerdict(ctx, key, () =>
      measurePing(ctx, pair(a, b), 1, { pairs: 'all', count: o.pingCount ?? 100, intervalS: 0.01, warmup: 5, benchmark: 'validation' }),
    );
    const med = val(ping, 'rtt_median');
    out.push(rttCheck(w, tol, med, val(ping, 'rtt_p99'), pingVerdict, vmEnds, why(ping, 'rtt_median')));
    if (w.lossPct > 0) {
      const loss = val(ping, 'loss');
      out.push({
        check: 'loss',
        a: w.a,
        b: w.b,
        configured: w.lossPct,
        measured: loss,
        unit: '%',
        ok: loss !== null,
        note: 'loss is random: a short probe only shows its order of magnitude',
      });
    }
    checkAbort(ctx);
    // The probe's sender is a: its congestion control decides what loss allows.
    const plan = wanProbePlan(w, Math.min(lan.get(w.a)!, lan.get(w.b)!), o.probeS, ccOf(ctx, a));
    const [tcp, verdict] = await withVerdict(ctx, key, () =>
      measureIperf3(ctx, pair(a, b), 1, { pairs: 'all', durationS: plan.seconds, benchmark: 'validation' }, 5299),
    );
    const got = val(tcp, 'throughput');
    out.push({
      check: 'throughput',
      a: w.a,
      b: w.b,
      configured: Number(plan.ceilingMbit.toFixed(3)),
      measured: got,
      unit: 'Mbit/s',
      ok: got !== null && got >= share * plan.expectedMbit && !verdict?.saturated,
      note: got === null ? why(tcp, 'throughput') : throughputNote(plan, share, got, verdict?.saturated ? verdict.detail : '') + (vmEnds ? VM_NOTE : ''),
      ...(verdict?.saturated ? { limit: 'emulator' as const } : vmLimit(vmEnds, got === null || got >= share * plan.expectedMbit)),
    });
    ctx.progress.step(
      'validation',
      ++i,
      profiles.length,
      `${w.a}<->${w.b}: RTT ${shown(med, 3)} ms (configured ${w.rttMs}), TCP ${shown(got, 1)} Mbit/s (ceiling ${plan.ceilingMbit.toFixed(1)} of ${formatRate(w.rateBps)}, ${plan.seconds} s)`,
    );
  }
  return out;
}

/** Per site with two or more hosts: a LAN-rate probe between two hosts (the machine's ceiling is recorded). */
export async function validateLans(ctx: RunContext, spec: TestbedSpec, o: ValidateOptions = {}): Promise<ValidationEntry[]> {
  const share = o.rateShare ?? 0.9,
    probeS = o.probeS ?? 3;
  const out: ValidationEntry[] = [];
  const pair = (src: BenchNode, dst: BenchNode): Pair<BenchNode> => ({ src, dst, path: pathOf(src, dst) });
  const sites = spec.sites.filter((s) => s.hosts.length > 1);
  let i = 0;
  for (const s of sites) {
    checkAbort(ctx);
    const a = ctx.nodes.find((n) => n.host === s.hosts[0].name),
      b = ctx.nodes.find((n) => n.host === s.hosts[1].name);
    if (!a || !b) continue;
    const tcp = await measureIperf3(ctx, pair(a, b), 1, { pairs: 'all', durationS: probeS, parallel: 2, benchmark: 'validation' }, 5299);
    const want = s.lanBps / 1e6,
      got = val(tcp, 'throughput');
    const reached = got !== null && got >= share * want;
    out.push({
      check: 'lan_rate',
      a: s.hosts[0].name,
      b: s.hosts[1].name,
      configured: want,
      measured: got,
      unit: 'Mbit/s',
      ok: reached,
      note:
        got === null
          ? why(tcp, 'throughput')
          : reached
            ? `${probeS} s TCP probe, 2 streams`
            : `not reached: this machine's ceiling for this path is about ${got.toFixed(0)} Mbit/s (${probeS} s TCP probe, 2 streams)`,
      ...(got !== null && !reached ? { limit: 'machine' as const } : {}),
    });
    ctx.progress.step('validation', ++i, sites.length, `${s.name} LAN: ${shown(got, 1)} Mbit/s (configured ${want})`);
  }
  return out;
}
