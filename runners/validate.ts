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

export interface ValidateOptions {
  pingCount?: number;
  probeS?: number;
  rttToleranceMs?: number;
  rateShare?: number;
}

const val = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric && r.status === 'ok')?.value ?? null;
const why = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric)?.reason ?? '';

const shown = (v: number | null, digits: number) => (v === null ? 'no value' : v.toFixed(digits));

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
    share = o.rateShare ?? 0.9,
    probeS = o.probeS ?? 3;
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
    const ping = await measurePing(ctx, pair(a, b), 1, { pairs: 'all', count: o.pingCount ?? 100, intervalS: 0.01, warmup: 5, benchmark: 'validation' });
    const med = val(ping, 'rtt_median'),
      p99 = val(ping, 'rtt_p99');
    out.push({
      check: 'rtt_median',
      a: w.a,
      b: w.b,
      configured: w.rttMs,
      measured: med,
      unit: 'ms',
      ok: med !== null && Math.abs(med - w.rttMs) <= tol,
      note: med === null ? why(ping, 'rtt_median') : `tolerance +-${tol} ms; p99 ${shown(p99, 3)} ms`,
    });
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
    const tcp = await measureIperf3(ctx, pair(a, b), 1, { pairs: 'all', durationS: probeS, benchmark: 'validation' }, 5299);
    const want = Math.min(w.rateBps, lan.get(w.a)!, lan.get(w.b)!) / 1e6;
    const got = val(tcp, 'throughput');
    const saturated = (tcp.find((r) => r.metric === 'throughput')?.flags ?? '').split(';').includes('emulator-saturated');
    out.push({
      check: 'throughput',
      a: w.a,
      b: w.b,
      configured: want,
      measured: got,
      unit: 'Mbit/s',
      ok: got !== null && got >= share * want && !saturated,
      note:
        got === null
          ? why(tcp, 'throughput')
          : `${probeS} s TCP probe, 1 stream; target >= ${share * 100}% of ${formatRate(want * 1e6)}${saturated ? '; emulator-saturated: the emulator, not the WAN profile, limited it' : ''}`,
    });
    ctx.progress.step(
      'validation',
      ++i,
      profiles.length,
      `${w.a}<->${w.b}: RTT ${shown(med, 3)} ms (configured ${w.rttMs}), TCP ${shown(got, 1)} Mbit/s (configured ${want})`,
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
    });
    ctx.progress.step('validation', ++i, sites.length, `${s.name} LAN: ${shown(got, 1)} Mbit/s (configured ${want})`);
  }
  return out;
}
