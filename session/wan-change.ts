/**
 * In-place WAN changes during a run (s.withWanRtt): the new profiles are built from data
 * (infra/wan/profile.ts, one jitter policy), put in force by the testbed's WAN control,
 * re-validated, and recorded in run.json as configured vs measured; rows measured meanwhile get
 * param rtt_ms (only where the testbed emulates its WAN). The configured WAN is put back afterwards, also when the body fails.
 */
import type { TestbedSpec } from '../infra/config.js';
import type { Testbed, WanControl } from '../infra/testbed.js';
import { ConfigError, type Duration } from '../infra/units.js';
import type { RunMeta, WanProfileMeta } from '../measurements/run-meta.js';
import type { RunContext } from '../runners/context.js';
import { validateWan, type ValidateOptions } from '../runners/validate.js';
import { checkedWanRtt } from './check.js';
import { withRtt } from '../infra/wan/profile.js';

/** run.json's view of WAN profiles. */
export const wanMeta = (profiles: TestbedSpec['wan'], enforcedBy: WanProfileMeta['enforced_by'], control?: WanControl | null): WanProfileMeta[] =>
  profiles.map((w) => ({
    a: w.a,
    b: w.b,
    rate_mbit: w.rateBps / 1e6,
    rtt_ms: w.rttMs,
    jitter_ms: w.jitterMs,
    loss_pct: w.lossPct,
    mtu: w.mtu,
    enforced_by: enforcedBy,
    ...rttCompensationMeta(w, control),
  }));

/** run.json's base RTT compensation of one pair: the path's own RTT measured at stand-up (null: not measured) and the RTT the emulator was given. */
function rttCompensationMeta(w: TestbedSpec['wan'][number], control?: WanControl | null): Pick<WanProfileMeta, 'rtt_base_ms' | 'rtt_applied_ms'> {
  const c = control?.rttCompensation?.(w);
  if (!c) return {};
  return { rtt_base_ms: c.baseMs === null ? null : +c.baseMs.toFixed(3), rtt_applied_ms: +c.appliedMs.toFixed(3) };
}

export interface WanChangeDeps {
  spec: TestbedSpec;
  testbed: Testbed;
  ctx: RunContext;
  meta: RunMeta;
  validate?: false | ValidateOptions;
  save: () => void;
}

export function wanRttChanger(d: WanChangeDeps) {
  return async function withWanRtt<T>(rtt: Duration | string, fn: () => Promise<T>): Promise<T> {
    const rttMs = checkedWanRtt(d.spec, rtt).ms; // a Duration as it is; a string written in the scenario, parsed here
    const wan = d.testbed.wan;
    const base = wan ? wan.profiles() : [];
    const changed = base.some((w) => w.rttMs !== rttMs);
    if (changed && !wan) throw new ConfigError('withWanRtt.rtt', 'the configured RTT (this testbed cannot change its WAN)', String(rtt));
    const record = async (what: string, profiles: typeof base) => {
      const validation = d.validate === false ? [] : await validateWan(d.ctx, d.spec, profiles, d.validate ?? {});
      (d.meta.wan_changes ??= []).push({ at: new Date().toISOString(), what, wan: wanMeta(profiles, wan!.enforcedBy, wan), validation });
      d.save();
      const bad = validation.filter((v) => !v.ok);
      if (bad.length)
        d.ctx.progress.warn(
          `WAN after "${what}": ${bad.length} of ${validation.length} checks NOT OK (${bad.map((v) => `${v.check} measured ${v.measured === null ? 'nothing' : +v.measured.toFixed(3)} ${v.unit}, configured ${v.configured}`).join('; ')})`,
        );
    };
    if (changed) {
      const next = base.map((w) => withRtt(w, rttMs, 'withWanRtt.rtt'));
      d.ctx.progress.info(`WAN RTT set to ${rttMs} ms`);
      await wan!.apply(next);
      await record(`rtt ${rttMs}ms`, next);
    }
    const before = d.ctx.params;
    // Rows carry the RTT the WAN was made to have; a WAN nothing emulates (real sites) was not made to have any:
    // its rows carry none, and reports compare them with the baseline validation measured.
    if (wan) d.ctx.params = { ...before, rtt_ms: rttMs };
    try {
      return await fn();
    } finally {
      d.ctx.params = before;
      if (changed) {
        await wan!.apply(base);
        d.ctx.progress.info(`WAN RTT back to ${base.map((w) => w.rttMs).join('/')} ms`);
        d.meta.wan_changes!.push({ at: new Date().toISOString(), what: 'restore', wan: wanMeta(base, wan!.enforcedBy, wan), validation: [] });
        d.save();
      }
    }
  };
}
