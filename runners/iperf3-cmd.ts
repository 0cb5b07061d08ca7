/**
 * Pure iperf3 command builders: options in, argv out (never a shell string).
 * The benchmark's options (duration, streams, bitrate...) come resolved from iperf3-options.ts,
 * which holds their one set of limits; only the addresses and ports are checked here.
 */
import { ConfigError } from '../infra/units.js';
import { host, port, wholeNumber } from './values.js';

export interface Iperf3ServerOptions {
  bind: string;
  port: number;
  /** -1: serve one test, then exit. Default true. */
  oneOff?: boolean;
  /** --idle-timeout: give up after this many seconds without a client, so a server never outlives its test. */
  idleTimeoutS?: number;
}

export interface Iperf3ClientOptions {
  server: string;
  port: number;
  durationS: number;
  /** -P, default 1. */
  parallel?: number;
  /** -R: the server sends, the client receives. */
  reverse?: boolean;
  /** -b in iperf3 syntax, e.g. '500M', '1G', '0' (unlimited), '100M/10' (burst). */
  bitrate?: string;
  /** -O: seconds of slow-start excluded from the results. */
  omitS?: number;
  /** --connect-timeout for the control connection, in ms. */
  connectTimeoutMs?: number;
  /** -B: local address to send from. */
  bind?: string;
  /** -l: bytes per write (smaller writes make a paced -b flow smoother). */
  lengthBytes?: number;
  /** --pacing-timer: microseconds between -b pacing checks (iperf3 default 1000). */
  pacingTimerUs?: number;
  /** --fq-rate: kernel pacing rate per stream (SO_MAX_PACING_RATE), e.g. '150M'. */
  fqRate?: string;
  /** -C: the TCP congestion control of the test's connections (iperf3 passes it to the server too), e.g. 'cubic'. */
  congestion?: string;
}

const MAX_DURATION_S = 86400; // iperf3's own limit

/** `iperf3 -s`: the server's --json output is kept raw in the run's archive (it holds the server's view of the test). */
export function iperf3ServerArgs(o: Iperf3ServerOptions): string[] {
  const argv = ['iperf3', '-s', '-B', host(o.bind, 'iperf3.bind'), '-p', port(o.port, 'iperf3.port')];
  if (o.oneOff ?? true) argv.push('-1');
  if (o.idleTimeoutS !== undefined) argv.push('--idle-timeout', wholeNumber(o.idleTimeoutS, 'iperf3.idleTimeoutS', 1, MAX_DURATION_S, 'seconds'));
  argv.push('--json');
  return argv;
}

/** `iperf3 -c`: always --json, so collectors/iperf3.ts can parse the result. Takes resolved values (iperf3-options). */
export function iperf3ClientArgs(o: Iperf3ClientOptions): string[] {
  const argv = [
    'iperf3',
    '--json',
    '-c',
    host(o.server, 'iperf3.server'),
    '-p',
    port(o.port, 'iperf3.port'),
    '-t',
    String(o.durationS),
    '-P',
    String(o.parallel ?? 1),
  ];
  if (o.reverse) argv.push('-R');
  if (o.bitrate !== undefined) argv.push('-b', o.bitrate);
  if (o.omitS !== undefined) argv.push('-O', String(o.omitS));
  if (o.connectTimeoutMs !== undefined) argv.push('--connect-timeout', String(o.connectTimeoutMs));
  if (o.bind !== undefined) argv.push('-B', host(o.bind, 'iperf3.bind'));
  if (o.lengthBytes !== undefined) argv.push('-l', String(o.lengthBytes));
  if (o.pacingTimerUs !== undefined) argv.push('--pacing-timer', String(o.pacingTimerUs));
  if (o.fqRate !== undefined) argv.push('--fq-rate', o.fqRate);
  if (o.congestion !== undefined) {
    if (!/^[a-z0-9_]{1,15}$/.test(o.congestion))
      throw new ConfigError('iperf3.congestion', 'a congestion control name such as cubic, bbr or reno', o.congestion);
    argv.push('-C', o.congestion);
  }
  return argv;
}
