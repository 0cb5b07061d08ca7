/**
 * udpLoss benchmark options: the type, the defaults and the limits, resolved once against the
 * testbed's nodes before anything is created (runners/udp-loss.ts measures one pair).
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { isObject, whole } from './options-checks.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';

export interface UdpLossBenchOptions {
  pairs: PairSelection;
  /** Datagrams judged per direction (default 10,000: a 0.1% loss is then 10 datagrams). */
  packets?: number;
  /** Datagrams per second per direction (default 2,000). */
  pps?: number;
  /** UDP payload bytes (16-1400, default 64). */
  lengthBytes?: number;
  /** SCHED_FIFO priority for both iperf3 ends on a busy machine (runners/udp-loss.ts); unset = normal. */
  rtPrio?: number;
  repetitions?: number;
  /** iperf3 server port on the destination node (default 5300). */
  port?: number;
  benchmark?: string;
}

export const UDP_LOSS_DEFAULTS = { packets: 10_000, pps: 2_000, lengthBytes: 64, repetitions: 1, port: 5300, benchmark: 'udp-loss' } as const;

export interface ResolvedUdpLossOptions<N extends NodeSpec = NodeSpec> {
  pairs: Pair<N>[];
  packets: number;
  pps: number;
  lengthBytes: number;
  rtPrio?: number;
  repetitions: number;
  port: number;
  benchmark: string;
}

export function resolveUdpLossOptions<N extends NodeSpec>(o: UdpLossBenchOptions, nodes: readonly N[], field = 'udpLoss'): ResolvedUdpLossOptions<N> {
  isObject(o, field);
  const d = { ...UDP_LOSS_DEFAULTS, ...o };
  const benchmark = d.benchmark;
  if (typeof benchmark !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(benchmark))
    throw new ConfigError(`${field}.benchmark`, '1-64 letters, digits, ".", "_" or "-"', benchmark);
  const packets = whole(d.packets, `${field}.packets`, 100, 10_000_000, 'a number of datagrams per direction');
  const pps = whole(d.pps, `${field}.pps`, 1, 1_000_000, 'datagrams per second');
  // A flood is bounded in time: at most 10 minutes per round.
  if (packets / pps > 600)
    throw new ConfigError(`${field}.pps`, `a rate that sends ${packets} datagrams within 600 s (at least ${Math.ceil(packets / 600)}/s)`, pps);
  return {
    pairs: selectPairs(nodes, o.pairs, `${field}.pairs`),
    packets,
    pps,
    lengthBytes: whole(d.lengthBytes, `${field}.lengthBytes`, 16, 1400, 'bytes of UDP payload'),
    rtPrio: d.rtPrio === undefined ? undefined : whole(d.rtPrio, `${field}.rtPrio`, 1, 99, 'a SCHED_FIFO priority'),
    repetitions: whole(d.repetitions, `${field}.repetitions`, 1, 1000, 'a number of repetitions'),
    port: whole(d.port, `${field}.port`, 1024, 65535, 'a TCP/UDP port'),
    benchmark,
  };
}
