/**
 * Latency-under-load options (runners/load-latency.ts): the type, the defaults and the one set of
 * limits, resolved once against the testbed's nodes before anything is created.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { between, isObject, whole } from './options-checks.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';

export interface LoadLatencyOptions {
  /** Pairs to measure; the load runs from src to dst and the pings go from src to dst too. */
  pairs: PairSelection;
  /** Pings in each phase (idle, then under load). Default 100. */
  count?: number;
  /** Seconds between pings. Default 0.05. */
  intervalS?: number;
  /** Seconds of iperf3 TCP load; the loaded pings start 1 s into it and must end before it does. Default: long enough for them. */
  loadS?: number;
  /** iperf3 parallel streams of the load. Default 4 (as flent's RRUL uses several flows). */
  streams?: number;
  repetitions?: number;
  /** iperf3 server port. Default 5299. */
  port?: number;
  benchmark?: string;
}

export const LOAD_LATENCY_DEFAULTS = { count: 100, intervalS: 0.05, streams: 4, repetitions: 1, port: 5299, benchmark: 'load-latency' } as const;
export const LOAD_LATENCY_LIMITS = { count: 10_000, intervalMinS: 0.01, intervalMaxS: 10, loadS: 600, streams: 32, repetitions: 1000 } as const;

export interface LoadLatencySettings {
  readonly resolved: true;
  count: number;
  intervalS: number;
  loadS: number;
  streams: number;
  repetitions: number;
  port: number;
  benchmark: string;
}

export interface ResolvedLoadLatencyOptions<N extends NodeSpec = NodeSpec> extends LoadLatencySettings {
  pairs: Pair<N>[];
}

/** Seconds of pinging in one phase. */
export const pingSpanS = (o: Pick<LoadLatencySettings, 'count' | 'intervalS'>) => o.count * o.intervalS;

export function resolveLoadLatencySettings(o: Omit<LoadLatencyOptions, 'pairs'>, field = 'loadLatency'): LoadLatencySettings {
  isObject(o, field);
  const d = { ...LOAD_LATENCY_DEFAULTS, ...o };
  const L = LOAD_LATENCY_LIMITS;
  const count = whole(d.count, `${field}.count`, 1, L.count, 'a number of echo requests');
  const intervalS = between(d.intervalS, `${field}.intervalS`, L.intervalMinS, L.intervalMaxS, 'seconds between requests,');
  // The load starts 1 s before the loaded pings and lasts 1 s past them, so every loaded ping sees it.
  const need = Math.ceil(count * intervalS) + 2;
  const loadS = d.loadS === undefined ? need : whole(d.loadS, `${field}.loadS`, 1, L.loadS, 'seconds of load');
  if (loadS < need)
    throw new ConfigError(`${field}.loadS`, `at least ${need} s (the pings take ${count} x ${intervalS} s, plus 1 s before and after)`, d.loadS);
  if (loadS > L.loadS) throw new ConfigError(`${field}.count`, `pings that fit in ${L.loadS} s of load`, count);
  const s: LoadLatencySettings = {
    resolved: true,
    count,
    intervalS,
    loadS,
    streams: whole(d.streams, `${field}.streams`, 1, L.streams, 'a number of TCP streams'),
    repetitions: whole(d.repetitions, `${field}.repetitions`, 1, L.repetitions, 'a number of repetitions'),
    port: whole(d.port, `${field}.port`, 1, 65535, 'a TCP port'),
    benchmark: d.benchmark,
  };
  if (typeof s.benchmark !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(s.benchmark))
    throw new ConfigError(`${field}.benchmark`, '1-64 letters, digits, ".", "_" or "-"', s.benchmark);
  return s;
}

/** Defaults applied, limits checked, pairs resolved against `nodes`: the one check of load-latency options. */
export function resolveLoadLatencyOptions<N extends NodeSpec>(
  o: LoadLatencyOptions,
  nodes: readonly N[],
  field = 'loadLatency',
): ResolvedLoadLatencyOptions<N> {
  const s = resolveLoadLatencySettings(o, field);
  return { ...s, pairs: selectPairs(nodes, o.pairs, `${field}.pairs`) };
}
