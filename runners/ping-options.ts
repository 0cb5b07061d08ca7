/**
 * ping options: the type, the defaults and the one set of limits, resolved once against the
 * testbed's nodes before anything is created. The command builder (ping-cmd) takes the result.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { between, isObject, whole } from './options-checks.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './retry-limited.js';

/** retryLimited / retryPauseS: a sample the WAN emulator limited is tried again (runPing only; retry-limited.ts). */
export interface PingOptions extends RetryOptions {
  pairs: PairSelection;
  count: number;
  intervalS: number;
  repetitions?: number;
  /** Pings sent (and not kept) first, so ARP and bridge learning do not show up as RTT. */
  warmup?: number;
  benchmark?: string;
}

export const PING_DEFAULTS = { repetitions: 1, warmup: 0, benchmark: 'ping' } as const;

/** intervalS: iputils lets only root go below 0.2 s, and nobody below 0.002 s. */
export const PING_LIMITS = { count: 100_000, intervalMinS: 0.002, intervalMaxS: 60, repetitions: 1000, warmup: 1000 } as const;

export interface PingSettings extends RetryPolicy {
  readonly resolved: true;
  count: number;
  intervalS: number;
  repetitions: number;
  warmup: number;
  benchmark: string;
}

export interface ResolvedPingOptions<N extends NodeSpec = NodeSpec> extends PingSettings {
  pairs: Pair<N>[];
}

export function resolvePingSettings(o: Omit<PingOptions, 'pairs'>, field = 'ping'): PingSettings {
  isObject(o, field);
  const d = { ...PING_DEFAULTS, ...o };
  const L = PING_LIMITS;
  const s: PingSettings = {
    resolved: true,
    count: whole(d.count, `${field}.count`, 1, L.count, 'a number of echo requests'),
    intervalS: between(d.intervalS, `${field}.intervalS`, L.intervalMinS, L.intervalMaxS, 'seconds between requests,'),
    repetitions: whole(d.repetitions, `${field}.repetitions`, 1, L.repetitions, 'a number of repetitions'),
    warmup: whole(d.warmup, `${field}.warmup`, 0, L.warmup, 'a number of warm-up requests'),
    benchmark: d.benchmark,
    ...resolveRetry(o, field),
  };
  if (typeof s.benchmark !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(s.benchmark))
    throw new ConfigError(`${field}.benchmark`, '1-64 letters, digits, ".", "_" or "-"', s.benchmark);
  return s;
}

/** Defaults applied, limits checked, pairs resolved against `nodes`: the one check of ping options. */
export function resolvePingOptions<N extends NodeSpec>(o: PingOptions, nodes: readonly N[], field = 'ping'): ResolvedPingOptions<N> {
  const s = resolvePingSettings(o, field);
  return { ...s, pairs: selectPairs(nodes, o.pairs, `${field}.pairs`) };
}
