/**
 * iperf3 options: the type, the defaults and the one set of limits, resolved once against the
 * testbed's nodes before anything is created. The command builder (iperf3-cmd) takes the result.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { isObject, whole } from './options-checks.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from './retry-limited.js';

/** retryLimited / retryPauseS: a sample the WAN emulator limited is tried again (runIperf3 only; retry-limited.ts). */
export interface Iperf3Options extends RetryOptions {
  pairs: PairSelection;
  durationS: number;
  parallel?: number;
  repetitions?: number;
  /** Number of the first repetition (adaptive repetitions continue the numbering). Default 1. */
  firstRepetition?: number;
  omitS?: number;
  /** iperf3 -b target, e.g. '500M' (TCP pacing); unset = as fast as possible. */
  bitrate?: string;
  /** iperf3 -l and --pacing-timer, for a smooth paced load. */
  lengthBytes?: number;
  pacingTimerUs?: number;
  /** iperf3 --fq-rate (SO_MAX_PACING_RATE: the kernel paces each segment), e.g. '150M'. */
  fqRate?: string;
  /** Pairs measured at the same time (each on its own port). Default 1. */
  concurrency?: number;
  basePort?: number;
  benchmark?: string;
}

export const IPERF3_DEFAULTS = { parallel: 1, repetitions: 1, firstRepetition: 1, omitS: 0, concurrency: 1, basePort: 5201, benchmark: 'iperf3' } as const;

/** iperf3 3.12 parses -t, -O and -P as whole numbers and allows at most 128 streams. */
export const IPERF3_LIMITS = {
  durationS: 3600,
  parallel: 128,
  repetitions: 1000,
  omitS: 600,
  concurrency: 64,
  lengthBytes: 1 << 20,
  pacingTimerUs: 1_000_000,
} as const;

const BITRATE_RE = /^\d+(\.\d+)?[kKmMgGtT]?(\/\d+)?$/;

/** Everything but the pairs, with defaults applied: what one sample needs. */
export interface Iperf3Settings extends RetryPolicy {
  readonly resolved: true;
  durationS: number;
  parallel: number;
  repetitions: number;
  firstRepetition: number;
  omitS: number;
  bitrate?: string;
  lengthBytes?: number;
  pacingTimerUs?: number;
  fqRate?: string;
  concurrency: number;
  basePort: number;
  benchmark: string;
}

export interface ResolvedIperf3Options<N extends NodeSpec = NodeSpec> extends Iperf3Settings {
  pairs: Pair<N>[];
}

export function resolveIperf3Settings(o: Omit<Iperf3Options, 'pairs'>, field = 'iperf3'): Iperf3Settings {
  isObject(o, field);
  const d = { ...IPERF3_DEFAULTS, ...o };
  const L = IPERF3_LIMITS;
  const s: Iperf3Settings = {
    resolved: true,
    durationS: whole(d.durationS, `${field}.durationS`, 1, L.durationS, 'seconds'),
    parallel: whole(d.parallel, `${field}.parallel`, 1, L.parallel, 'a number of streams'),
    repetitions: whole(d.repetitions, `${field}.repetitions`, 1, L.repetitions, 'a number of repetitions'),
    firstRepetition: whole(d.firstRepetition, `${field}.firstRepetition`, 1, 1_000_000, 'a repetition number'),
    omitS: whole(d.omitS, `${field}.omitS`, 0, L.omitS, 'seconds'),
    concurrency: whole(d.concurrency, `${field}.concurrency`, 1, L.concurrency, 'a number of pairs at a time'),
    basePort: whole(d.basePort, `${field}.basePort`, 1, 65535 - L.concurrency, 'a TCP port'),
    benchmark: d.benchmark,
    ...resolveRetry(o, field),
  };
  if (typeof s.benchmark !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(s.benchmark))
    throw new ConfigError(`${field}.benchmark`, '1-64 letters, digits, ".", "_" or "-"', s.benchmark);
  if (d.bitrate !== undefined) {
    if (typeof d.bitrate !== 'string' || !BITRATE_RE.test(d.bitrate))
      throw new ConfigError(`${field}.bitrate`, "an iperf3 bitrate such as '500M', '1G' or '0' (unlimited)", d.bitrate);
    s.bitrate = d.bitrate;
  }
  if (d.fqRate !== undefined) {
    if (typeof d.fqRate !== 'string' || !/^\d+(\.\d+)?[kKmMgG]?$/.test(d.fqRate))
      throw new ConfigError(`${field}.fqRate`, "an iperf3 pacing rate such as '150M' or '1G'", d.fqRate);
    s.fqRate = d.fqRate;
  }
  if (d.lengthBytes !== undefined) s.lengthBytes = whole(d.lengthBytes, `${field}.lengthBytes`, 1, L.lengthBytes, 'bytes per write');
  if (d.pacingTimerUs !== undefined) s.pacingTimerUs = whole(d.pacingTimerUs, `${field}.pacingTimerUs`, 1, L.pacingTimerUs, 'microseconds');
  return s;
}

/** Defaults applied, limits checked, pairs resolved against `nodes`: the one check of iperf3 options. */
export function resolveIperf3Options<N extends NodeSpec>(o: Iperf3Options, nodes: readonly N[], field = 'iperf3'): ResolvedIperf3Options<N> {
  const s = resolveIperf3Settings(o, field);
  return { ...s, pairs: selectPairs(nodes, o.pairs, `${field}.pairs`) };
}
