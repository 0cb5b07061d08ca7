/**
 * Pure iperf3 command builders: options in, argv out (never a shell string).
 * Limits follow iperf3 3.12, which parses -t, -O and -P as whole numbers and allows at most 128 streams.
 */
import { ConfigError } from '../infra/units.js';

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
}

const HOST_RE = /^[A-Za-z0-9_.:%[\]-]+$/;
const HOST_EXPECTED = 'a host name or IP address (no spaces, not starting with "-")';
const BITRATE_RE = /^\d+(\.\d+)?[kKmMgGtT]?(\/\d+)?$/;
const MAX_DURATION_S = 86400; // iperf3's own limit

export function host(v: unknown, field: string): string {
  if (typeof v !== 'string' || !HOST_RE.test(v) || v.startsWith('-')) throw new ConfigError(field, HOST_EXPECTED, v);
  return v;
}

export function port(v: unknown, field: string): string {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    throw new ConfigError(field, 'a TCP port, a whole number from 1 to 65535', v);
  return String(v);
}

export function wholeNumber(v: unknown, field: string, min: number, max: number, what: string): string {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(field, `${what}, a whole number from ${min} to ${max}`, v);
  return String(v);
}

/** `iperf3 -s`: the server's --json output is kept raw in the run's archive (it holds the server's view of the test). */
export function iperf3ServerArgs(o: Iperf3ServerOptions): string[] {
  const argv = ['iperf3', '-s', '-B', host(o.bind, 'iperf3.bind'), '-p', port(o.port, 'iperf3.port')];
  if (o.oneOff ?? true) argv.push('-1');
  if (o.idleTimeoutS !== undefined)
    argv.push('--idle-timeout', wholeNumber(o.idleTimeoutS, 'iperf3.idleTimeoutS', 1, MAX_DURATION_S, 'seconds'));
  argv.push('--json');
  return argv;
}

/** `iperf3 -c`: always --json, so collectors/iperf3.ts can parse the result. */
export function iperf3ClientArgs(o: Iperf3ClientOptions): string[] {
  const d = o.durationS;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_S)
    throw new ConfigError('iperf3.durationS', `a positive number of seconds (whole, at most ${MAX_DURATION_S})`, d);
  const argv = [
    'iperf3', '--json',
    '-c', host(o.server, 'iperf3.server'),
    '-p', port(o.port, 'iperf3.port'),
    '-t', String(d),
    '-P', wholeNumber(o.parallel ?? 1, 'iperf3.parallel', 1, 128, 'a number of streams'),
  ];
  if (o.reverse) argv.push('-R');
  if (o.bitrate !== undefined) {
    if (typeof o.bitrate !== 'string' || !BITRATE_RE.test(o.bitrate))
      throw new ConfigError('iperf3.bitrate', "an iperf3 bitrate such as '500M', '1G' or '0' (unlimited)", o.bitrate);
    argv.push('-b', o.bitrate);
  }
  if (o.omitS !== undefined) argv.push('-O', wholeNumber(o.omitS, 'iperf3.omitS', 0, MAX_DURATION_S, 'seconds'));
  if (o.connectTimeoutMs !== undefined)
    argv.push('--connect-timeout', wholeNumber(o.connectTimeoutMs, 'iperf3.connectTimeoutMs', 1, 3_600_000, 'milliseconds'));
  if (o.bind !== undefined) argv.push('-B', host(o.bind, 'iperf3.bind'));
  if (o.lengthBytes !== undefined) argv.push('-l', wholeNumber(o.lengthBytes, 'iperf3.lengthBytes', 1, 1 << 20, 'bytes per write'));
  if (o.pacingTimerUs !== undefined) argv.push('--pacing-timer', wholeNumber(o.pacingTimerUs, 'iperf3.pacingTimerUs', 1, 1_000_000, 'microseconds'));
  return argv;
}
